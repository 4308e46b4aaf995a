//! One write transaction: the state a batch of jobs reads (loaded in sets, cached), the rows it
//! will write (buffered), and the flush that writes them with multi-row statements.
//!
//! Jobs decide against the cache, never against half-written rows, so a refused job changes
//! nothing: it returns before touching the cache or the buffer.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Row, Transaction};

use super::{Ctx, Op, TxError};
use crate::auth::Actor;
use crate::crypto::chain_hash;
use crate::db::{bigint_values_clause, param, placeholders, values_clause, Backend};
use crate::error::{Error, Result};
use crate::rules::Rules;
use crate::types::CardType;

/// A card as the batch sees it.
#[derive(Debug, Clone)]
pub(crate) struct CardSt {
    pub id: i64,
    pub number: String,
    pub card_type: CardType,
    pub registered: bool,
    pub member_id: Option<i64>,
    pub mall: Option<String>,
    pub status: String,
    pub account_id: i64,
    pub issued_at: i64,
    pub expires_on: Option<NaiveDate>,
    pub replaced_by: Option<i64>,
}

/// A ledger account's running state.
#[derive(Debug, Clone)]
pub(crate) struct AcctSt {
    pub balance: i64,
    pub normal: i64,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct MerchSt {
    pub mall: String,
    pub region: String,
    pub active: bool,
    pub account_id: i64,
    /// Category (its base and promotional fee rates).
    pub category: String,
    /// Contract fee rate, if any.
    pub fee_bps: Option<i64>,
    /// Last rating grade, if rated.
    pub grade: Option<String>,
    /// The month ('YYYY-MM') the merchant is in the support plan, if any.
    pub support_month: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct PaySt {
    pub card_id: i64,
    pub merchant_id: i64,
    pub amount: i64,
    pub refunded: i64,
    pub entry_id: i64,
    /// The fee charged on the payment, and how much of it refunds have returned.
    pub fee: i64,
    pub fee_refunded: i64,
}

/// A journal entry, for reversal.
#[derive(Debug, Clone)]
pub(crate) struct EntrySt {
    pub kind: String,
    pub postings: Vec<(i64, i64)>,
    /// The payment it created (purchase) or refunded (refund), with the refund amount.
    pub payment: Option<(i64, i64)>,
    /// The fee a refund returned (refund entries).
    pub fee: i64,
}

/// A value to bind in a multi-row statement.
#[derive(Debug, Clone)]
pub(crate) enum V {
    I(i64),
    T(String),
    NI(Option<i64>),
    NT(Option<String>),
}

struct ChainSt {
    id: i64,
    journal_seq: i64,
    journal_head: String,
    audit_seq: i64,
    audit_head: String,
}

/// Rows waiting to be written, by table, in insertion (foreign-key) order.
const TABLES: &[(&str, &str)] = &[
    ("members", "id, name_enc, id_number_enc, phone_enc, name_masked, phone_masked, id_number_bidx, phone_bidx, created_at"),
    ("accounts", "id, kind, owner, normal, balance, version"),
    ("merchants", "id, mall, name, category, active, account_id, created_at, status, account_manager, fee_bps"),
    ("merchant_events", "id, merchant_id, from_status, to_status, actor, reason, at"),
    ("cards", "id, number, card_type, registered, member_id, mall, status, account_id, issued_at, expires_on, replaced_by, issue_ref"),
    ("journal_entries", "id, kind, ref, actor, created_at, memo, reverses, chain, chain_seq, hash"),
    ("postings", "entry_id, account_id, amount"),
    ("payments", "id, card_id, merchant_id, amount, refunded, medium, checkout_seconds, entry_id, created_at, fee_bps, fee"),
    ("refunds", "id, payment_id, amount, entry_id, created_at, fee"),
    ("topups", "entry_id, card_id, amount, channel, funding, payer_type, ref, created_at"),
    ("card_activities", "card_id, seq, kind, amount, balance_after, entry_id, actor, at, note"),
    ("idempotency", "kind, ref, request_hash, response, created_at"),
    ("audit_log", "id, at, actor, action, subject, detail, chain, chain_seq, hash"),
    ("qr_used", "nonce, card_id, used_at"),
];

/// A batch's transaction, used as its connection (`&mut *b.tx`). While rows written ahead are
/// being stored ([`Batch::write_ahead`]) a task of their own holds it: the batch's deciding must
/// not read or write the database until [`Batch::settle_ahead`] has it back.
/// Between two transactions of a writer chain (the engine's `Chain`), the batch reads on the
/// read-only connection instead (`read`).
pub(crate) struct Tx {
    tx: Option<Transaction<'static, Any>>,
    ahead: Option<tokio::task::JoinHandle<(Transaction<'static, Any>, Result<(), TxError>)>>,
    read: Option<PoolConnection<Any>>,
}

const IN_USE_AHEAD: &str = "the batch's connection is in use by rows written ahead (settle_ahead first)";

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match (&self.tx, &self.read) {
            (Some(tx), _) => tx,
            (None, Some(read)) => read,
            (None, None) => panic!("{IN_USE_AHEAD}"),
        }
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match (&mut self.tx, &mut self.read) {
            (Some(tx), _) => tx,
            (None, Some(read)) => read,
            (None, None) => panic!("{IN_USE_AHEAD}"),
        }
    }
}

impl Tx {
    fn take(&mut self) -> Transaction<'static, Any> {
        self.tx.take().expect(IN_USE_AHEAD)
    }
}

/// The state of one write transaction.
pub(crate) struct Batch<'c> {
    pub ctx: &'c Ctx,
    /// The id blocks of the writer running this transaction.
    ids: &'c super::IdAlloc,
    pub tx: Tx,
    pub rules: Rules,
    pub now: i64,
    pub today: NaiveDate,
    chain: ChainSt,
    pub cards: HashMap<String, CardSt>,
    card_numbers: HashMap<i64, String>,
    pub accounts: HashMap<i64, AcctSt>,
    /// System accounts by (kind, owner).
    pub system: HashMap<(String, String), i64>,
    pub merchants: HashMap<i64, MerchSt>,
    pub payments: HashMap<i64, PaySt>,
    entries: HashMap<i64, EntrySt>,
    /// Entries known to be reversed (from the database or this batch).
    reversed: HashSet<i64>,
    pub idem: HashMap<(String, String), (String, String)>,
    /// Members by ID-number blind index, found or created in this batch.
    pub members: HashMap<String, i64>,
    /// Blind indexes the prefetch looked up and found no member for (created when issued).
    pub members_absent: HashSet<String>,
    /// Malls' regions by code, as read in this transaction (a mall's region never changes).
    pub regions: HashMap<String, String>,
    qr_nonces: HashSet<String>,
    rows: HashMap<&'static str, Vec<Vec<V>>>,
    deltas: HashMap<i64, (i64, i64)>,
    /// Per payment: (refunded amount, fee returned) added by this batch.
    refund_deltas: HashMap<i64, (i64, i64)>,
    /// The fee rules, loaded by the first purchase of the batch (one query per transaction).
    pub fees: Option<crate::clearing::FeeBook>,
    card_updates: Vec<i64>,
    new_cards: HashSet<i64>,
    /// The rollups' sums of the rows already handed to the database (written ahead) and of the
    /// imports of this transaction: added to by each, written once by the flush.
    pub sums: Option<crate::analytics::rollup::Deltas>,
    /// Payments whose first refund the rollups have counted (a payment refunded in two parts
    /// written ahead separately is counted once).
    refund_firsts: HashSet<i64>,
    /// The control of the long job this transaction runs (alone), if any.
    pub control: Option<super::JobControl>,
}

/// Binds a [`V`] to any kind of sqlx query (`query`, `query_as`, `query_scalar`: they share no
/// trait for it).
macro_rules! bind_v {
    ($q:expr, $v:expr) => {
        match $v {
            V::I(i) => $q.bind(i),
            V::T(t) => $q.bind(t),
            V::NI(i) => $q.bind(i),
            V::NT(t) => $q.bind(t),
        }
    };
}

/// A card and its account as `load_cards` reads them: id, number, type, registered, member,
/// mall, status, account, issued at, expires on, replaced by, balance, normal side, version.
type CardRow = (
    i64,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
    String,
    i64,
    i64,
    Option<String>,
    Option<i64>,
    i64,
    i64,
    i64,
);

impl<'c> Batch<'c> {
    /// Loads rules, the chain head and the system accounts inside the new transaction.
    pub async fn begin(
        ctx: &'c Ctx,
        ids: &'c super::IdAlloc,
        mut tx: Transaction<'static, Any>,
    ) -> Result<Batch<'c>, TxError> {
        let rules_rows: Vec<(String, String)> =
            sqlx::query_as("SELECT name, value FROM rules").fetch_all(&mut *tx).await?;
        let mut rules = Rules::default();
        for (n, v) in rules_rows {
            rules.set(&n, &v)?;
        }
        let chain = take_chain(&mut tx, ctx.db.backend).await?;
        // System accounts have the ids below 1000 (the account allocator starts there): a key
        // range, never a scan of the millions of card accounts.
        let sys: Vec<(i64, String, String, i64, i64, i64)> =
            sqlx::query_as("SELECT id, kind, owner, normal, balance, version FROM accounts WHERE id < 1000")
                .fetch_all(&mut *tx)
                .await?;
        let mut accounts = HashMap::new();
        let mut system = HashMap::new();
        for (id, kind, owner, normal, balance, version) in sys {
            accounts.insert(id, AcctSt { balance, normal, version });
            system.insert((kind, owner), id);
        }
        let now = ctx.clock.now_micros();
        Ok(Batch {
            ctx,
            ids,
            tx: Tx { tx: Some(tx), ahead: None, read: None },
            rules,
            now,
            today: crate::clock::business_day(now),
            chain,
            cards: HashMap::new(),
            card_numbers: HashMap::new(),
            accounts,
            system,
            merchants: HashMap::new(),
            payments: HashMap::new(),
            entries: HashMap::new(),
            reversed: HashSet::new(),
            idem: HashMap::new(),
            members: HashMap::new(),
            members_absent: HashSet::new(),
            regions: HashMap::new(),
            qr_nonces: HashSet::new(),
            rows: HashMap::new(),
            deltas: HashMap::new(),
            refund_deltas: HashMap::new(),
            fees: None,
            card_updates: Vec::new(),
            new_cards: HashSet::new(),
            sums: None,
            refund_firsts: HashSet::new(),
            control: None,
        })
    }

    fn backend(&self) -> Backend {
        self.ctx.db.backend
    }

    /// Loads, in a few set-based reads, everything the batch's jobs will look at.
    pub async fn prefetch(&mut self, ops: &[(Op, Actor)]) -> Result<(), TxError> {
        let mut numbers = Vec::new();
        let mut merchants = Vec::new();
        let mut payments = Vec::new();
        let mut malls = Vec::new();
        let mut id_numbers = Vec::new();
        let mut keys: HashMap<&'static str, Vec<String>> = HashMap::new();
        for (op, _) in ops {
            match op {
                // Card issues: the mall's region (scope check) and the holder's member, so a
                // group of issues costs two reads, not one or two round trips per card.
                Op::Issue(r) => {
                    malls.extend(r.mall.iter().cloned());
                    let id = r.holder.as_ref().and_then(|h| crate::types::IdNumber::parse(&h.id_number).ok());
                    id_numbers.extend(id);
                }
                Op::TopUp(r) => {
                    numbers.push(r.card.as_str().to_string());
                    keys.entry("topup").or_default().push(r.reference.clone());
                }
                Op::Pay(r) => {
                    numbers.push(r.card.as_str().to_string());
                    merchants.push(r.merchant);
                    keys.entry("pay").or_default().push(r.reference.clone());
                }
                Op::Refund(r) => {
                    payments.push(r.payment_id);
                    keys.entry("refund").or_default().push(r.reference.clone());
                }
                Op::Transfer(r) => {
                    numbers.push(r.from.as_str().to_string());
                    numbers.push(r.to.as_str().to_string());
                    keys.entry("transfer").or_default().push(r.reference.clone());
                }
                Op::Card(r) => {
                    numbers.push(r.card.as_str().to_string());
                    if let Some((kind, reference)) = r.idempotency_key() {
                        keys.entry(kind).or_default().push(reference);
                    }
                }
                // Every idempotent kind must be loaded here: `check_idempotency` only looks at
                // what the batch has loaded, and a missed stored answer turns a replay into a
                // second run (a unique-key failure, or a refusal such as already_reversed).
                Op::Reverse(r) => keys.entry("reverse").or_default().push(r.reference.clone()),
                Op::BatchIssue(r, _) => keys.entry("batch_issue").or_default().push(r.reference.clone()),
                _ => {}
            }
        }
        for (kind, refs) in keys {
            self.load_idem(kind, refs).await?;
        }
        self.load_payments(&payments).await?;
        let mut ids: Vec<i64> = payments.iter().filter_map(|p| self.payments.get(p).map(|p| p.card_id)).collect();
        ids.sort_unstable();
        ids.dedup();
        merchants.extend(payments.iter().filter_map(|p| self.payments.get(p).map(|p| p.merchant_id)));
        self.load_cards("c.number", numbers.into_iter().map(V::T).collect()).await?;
        self.load_cards("c.id", ids.into_iter().map(V::I).collect()).await?;
        self.load_merchants(merchants).await?;
        self.load_regions(malls).await?;
        self.load_members(&id_numbers).await?;
        Ok(())
    }

    async fn load_regions(&mut self, mut codes: Vec<String>) -> Result<(), TxError> {
        codes.retain(|c| !self.regions.contains_key(c));
        codes.sort();
        codes.dedup();
        let found: Vec<(String, String)> =
            self.fetch_in("SELECT code, region FROM malls WHERE code IN", None, &codes).await?;
        self.regions.extend(found);
        Ok(())
    }

    /// Looks the holders up by blind index; without the data key there is nothing to look up
    /// (each issue is then refused with `key_unavailable`).
    async fn load_members(&mut self, ids: &[crate::types::IdNumber]) -> Result<(), TxError> {
        let Some(pii) = self.ctx.pii.as_deref() else { return Ok(()) };
        let mut bidx: Vec<String> = ids
            .iter()
            .map(|i| pii.blind_index("id_number", i.as_str()))
            .filter(|b| !self.members.contains_key(b) && !self.members_absent.contains(b))
            .collect();
        bidx.sort();
        bidx.dedup();
        let found: Vec<(String, i64)> =
            self.fetch_in("SELECT id_number_bidx, id FROM members WHERE id_number_bidx IN", None, &bidx).await?;
        self.members.extend(found);
        for b in bidx {
            if !self.members.contains_key(&b) {
                self.members_absent.insert(b);
            }
        }
        Ok(())
    }

    /// The rows of `select` (a statement ending in `... IN`) for every key, read in chunks under
    /// both backends' parameter limits. `first`, when given, is bound to the statement's first
    /// parameter, before the keys.
    async fn fetch_in<T>(&mut self, select: &str, first: Option<&str>, keys: &[String]) -> Result<Vec<T>, TxError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let mut rows = Vec::new();
        let from = 1 + usize::from(first.is_some());
        for chunk in keys.chunks(2000) {
            let sql = format!("{select} ({})", placeholders(self.backend(), chunk.len(), from));
            let mut q = sqlx::query_as::<_, T>(&sql);
            if let Some(f) = first {
                q = q.bind(f.to_string());
            }
            for k in chunk {
                q = q.bind(k.clone());
            }
            rows.extend(q.fetch_all(&mut *self.tx).await?);
        }
        Ok(rows)
    }

    async fn load_idem(&mut self, kind: &str, mut refs: Vec<String>) -> Result<(), TxError> {
        refs.sort();
        refs.dedup();
        let select = format!(
            "SELECT ref, request_hash, response FROM idempotency WHERE kind = {} AND ref IN",
            param(self.backend(), 1)
        );
        let found: Vec<(String, String, String)> = self.fetch_in(&select, Some(kind), &refs).await?;
        for (r, h, resp) in found {
            self.idem.insert((kind.to_string(), r), (h, resp));
        }
        Ok(())
    }

    /// Loads cards (and their accounts) where `col` is in `keys`, locking them on PostgreSQL in
    /// account-id order so concurrent writers cannot deadlock on each other.
    async fn load_cards(&mut self, col: &str, keys: Vec<V>) -> Result<(), TxError> {
        let keys: Vec<V> = keys
            .into_iter()
            .filter(|k| match k {
                V::T(n) => !self.cards.contains_key(n),
                V::I(id) => !self.card_numbers.contains_key(id),
                _ => false,
            })
            .collect();
        for chunk in keys.chunks(2000) {
            let cols = "c.id, c.number, c.card_type, c.registered, c.member_id, c.mall, c.status, \
                        c.account_id, c.issued_at, c.expires_on, c.replaced_by, a.balance, a.normal, a.version";
            let from = format!(
                "FROM cards c JOIN accounts a ON a.id = c.account_id WHERE {col} IN ({})",
                placeholders(self.backend(), chunk.len(), 1)
            );
            let rows: Vec<CardRow> = if self.backend() == Backend::Sqlite {
                // One JSON array rather than a row at a time: sqlx hands every row of a result
                // from its SQLite thread over separately, and for a group commit's thousand
                // cards those hand-overs took longer than SQLite's reading them.
                let sql = format!("SELECT json_group_array(json_array({cols})) {from}");
                let json: String = chunk
                    .iter()
                    .fold(sqlx::query_scalar(&sql), |q, k| bind_v!(q, k.clone()))
                    .fetch_one(&mut *self.tx)
                    .await?;
                serde_json::from_str(&json).map_err(|e| Error::internal(format!("cards as JSON: {e}")))?
            } else {
                let sql = format!("SELECT {cols} {from} ORDER BY c.account_id{}", self.backend().for_update());
                chunk.iter().fold(sqlx::query_as(&sql), |q, k| bind_v!(q, k.clone())).fetch_all(&mut *self.tx).await?
            };
            for (
                id,
                number,
                card_type,
                registered,
                member_id,
                mall,
                status,
                account_id,
                issued_at,
                expires,
                replaced_by,
                balance,
                normal,
                version,
            ) in rows
            {
                let c = CardSt {
                    id,
                    number,
                    card_type: CardType::parse(&card_type)?,
                    registered: registered != 0,
                    member_id,
                    mall,
                    status,
                    account_id,
                    issued_at,
                    expires_on: expires.as_deref().map(crate::clock::parse_date).transpose()?,
                    replaced_by,
                };
                self.accounts.insert(c.account_id, AcctSt { balance, normal, version });
                self.card_numbers.insert(c.id, c.number.clone());
                self.cards.insert(c.number.clone(), c);
            }
        }
        Ok(())
    }

    async fn load_merchants(&mut self, mut ids: Vec<i64>) -> Result<(), TxError> {
        ids.retain(|id| !self.merchants.contains_key(id));
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(2000) {
            // Not locked: purchases only credit a merchant (a delta), and the flush locks every
            // account it updates in id order.
            let sql = format!(
                "SELECT m.id, m.mall, r.region, m.active, m.account_id, a.balance, a.normal, \
                 a.version, m.category, m.fee_bps, m.grade, m.support_month FROM merchants m \
                 JOIN malls r ON r.code = m.mall \
                 JOIN accounts a ON a.id = m.account_id WHERE m.id IN ({})",
                placeholders(self.backend(), chunk.len(), 1)
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut *self.tx).await? {
                let id: i64 = row.try_get(0)?;
                let account_id: i64 = row.try_get(4)?;
                self.accounts.insert(
                    account_id,
                    AcctSt { balance: row.try_get(5)?, normal: row.try_get(6)?, version: row.try_get(7)? },
                );
                self.merchants.insert(
                    id,
                    MerchSt {
                        mall: row.try_get(1)?,
                        region: row.try_get(2)?,
                        active: row.try_get::<i64, _>(3)? != 0,
                        account_id,
                        category: row.try_get(8)?,
                        fee_bps: row.try_get(9)?,
                        grade: row.try_get(10)?,
                        support_month: row.try_get(11)?,
                    },
                );
            }
        }
        Ok(())
    }

    async fn load_payments(&mut self, ids: &[i64]) -> Result<(), TxError> {
        let mut ids: Vec<i64> = ids.iter().copied().filter(|i| !self.payments.contains_key(i)).collect();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(2000) {
            // Locked on PostgreSQL (before the cards, in id order), like the cards: a refund
            // decides on `refunded`, and a concurrent refund of the same payment must wait and
            // then see the new total, not the one read before it committed. The reversal count
            // is from this statement's snapshot; `refund` re-reads it after the lock.
            let sql = format!(
                "SELECT p.id, p.card_id, p.merchant_id, p.amount, p.refunded, p.entry_id, \
                 (SELECT COUNT(*) FROM journal_entries r WHERE r.reverses = p.entry_id), \
                 p.fee, p.fee_refunded \
                 FROM payments p WHERE p.id IN ({}) ORDER BY p.id{}",
                placeholders(self.backend(), chunk.len(), 1),
                self.backend().for_update()
            );
            let mut q = sqlx::query_as::<_, (i64, i64, i64, i64, i64, i64, i64, i64, i64)>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for (id, card_id, merchant_id, amount, refunded, entry_id, rev, fee, fee_refunded) in
                q.fetch_all(&mut *self.tx).await?
            {
                if rev > 0 {
                    self.reversed.insert(entry_id);
                }
                self.payments.insert(id, PaySt { card_id, merchant_id, amount, refunded, entry_id, fee, fee_refunded });
            }
        }
        Ok(())
    }

    /// Loads cards by id in sets (bulk jobs such as the demo data).
    pub async fn load_cards_by_ids(&mut self, ids: &[i64]) -> Result<()> {
        self.load_cards("c.id", ids.iter().map(|i| V::I(*i)).collect()).await.map_err(|e| e.error)
    }

    /// Loads merchants by id in sets.
    pub async fn load_merchants_by_ids(&mut self, ids: &[i64]) -> Result<()> {
        self.load_merchants(ids.to_vec()).await.map_err(|e| e.error)
    }

    /// A card already loaded in this batch.
    pub fn cached_card(&self, id: i64) -> Option<CardSt> {
        self.card_numbers.get(&id).and_then(|n| self.cards.get(n)).cloned()
    }

    /// The card with this number, loading it when the prefetch did not.
    pub async fn card(&mut self, number: &str) -> Result<CardSt> {
        if !self.cards.contains_key(number) {
            self.load_cards("c.number", vec![V::T(number.to_string())]).await.map_err(|e| e.error)?;
        }
        self.cards
            .get(number)
            .cloned()
            .ok_or_else(|| Error::new("card_not_found", format!("no card {}", crate::card_number::mask_card(number))))
    }

    /// The card with this id.
    pub async fn card_by_id(&mut self, id: i64) -> Result<CardSt> {
        if !self.card_numbers.contains_key(&id) {
            self.load_cards("c.id", vec![V::I(id)]).await.map_err(|e| e.error)?;
        }
        let n = self.card_numbers.get(&id).cloned().ok_or_else(|| Error::internal(format!("card id {id} missing")))?;
        self.card(&n).await
    }

    /// The merchant with this id (`merchant_not_found`).
    pub async fn merchant(&mut self, id: i64) -> Result<MerchSt> {
        if !self.merchants.contains_key(&id) {
            self.load_merchants(vec![id]).await.map_err(|e| e.error)?;
        }
        self.merchants.get(&id).cloned().ok_or_else(|| Error::new("merchant_not_found", format!("no merchant {id}")))
    }

    /// The payment with this id (`payment_not_found`).
    pub async fn payment(&mut self, id: i64) -> Result<PaySt> {
        if !self.payments.contains_key(&id) {
            self.load_payments(&[id]).await.map_err(|e| e.error)?;
        }
        self.payments.get(&id).cloned().ok_or_else(|| Error::new("payment_not_found", format!("no payment {id}")))
    }

    /// Whether an entry has been reversed.
    pub async fn is_reversed(&mut self, entry_id: i64) -> Result<bool> {
        if self.reversed.contains(&entry_id) {
            return Ok(true);
        }
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM journal_entries WHERE reverses = $1")
            .bind(entry_id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n > 0)
    }

    /// A journal entry and its postings (`entry_not_found`).
    pub async fn entry(&mut self, id: i64) -> Result<EntrySt> {
        if let Some(e) = self.entries.get(&id) {
            return Ok(e.clone());
        }
        let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM journal_entries WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        let kind = kind.ok_or_else(|| Error::new("entry_not_found", format!("no journal entry {id}")))?;
        let postings: Vec<(i64, i64)> =
            sqlx::query_as("SELECT account_id, amount FROM postings WHERE entry_id = $1 ORDER BY account_id")
                .bind(id)
                .fetch_all(&mut *self.tx)
                .await?;
        let found: Option<(i64, i64, i64)> = match kind.as_str() {
            "purchase" => {
                sqlx::query_as("SELECT id, amount, fee FROM payments WHERE entry_id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?
            }
            "refund" => {
                sqlx::query_as("SELECT payment_id, amount, fee FROM refunds WHERE entry_id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?
            }
            _ => None,
        };
        let e = EntrySt { kind, postings, payment: found.map(|(p, a, _)| (p, a)), fee: found.map_or(0, |f| f.2) };
        self.entries.insert(id, e.clone());
        Ok(e)
    }

    /// Makes sure the accounts are cached (locking them on PostgreSQL).
    pub async fn load_accounts(&mut self, ids: &[i64]) -> Result<()> {
        let mut ids: Vec<i64> = ids.iter().copied().filter(|i| !self.accounts.contains_key(i)).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT id, balance, normal, version FROM accounts WHERE id IN ({}) ORDER BY id{}",
            placeholders(self.backend(), ids.len(), 1),
            self.backend().for_update()
        );
        let mut q = sqlx::query_as::<_, (i64, i64, i64, i64)>(&sql);
        for id in &ids {
            q = q.bind(*id);
        }
        for (id, balance, normal, version) in q.fetch_all(&mut *self.tx).await? {
            self.accounts.insert(id, AcctSt { balance, normal, version });
        }
        Ok(())
    }

    /// Whether a QR nonce was already used.
    pub async fn qr_used(&mut self, nonce: &str) -> Result<bool> {
        if self.qr_nonces.contains(nonce) {
            return Ok(true);
        }
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM qr_used WHERE nonce = $1")
            .bind(nonce)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n > 0)
    }

    /// Records a QR nonce as used.
    pub fn use_qr(&mut self, nonce: String, card_id: i64) {
        self.qr_nonces.insert(nonce.clone());
        self.push("qr_used", vec![V::T(nonce), V::I(card_id), V::I(self.now)]);
    }

    /// The natural balance of an account (card balance in fen).
    pub fn balance(&self, account_id: i64) -> i64 {
        self.accounts.get(&account_id).map_or(0, |a| a.balance)
    }

    /// A system account id (`channel_clearing`/`wechat`, `reserve_custody`/`issuer`, ...).
    pub fn system_account(&self, kind: &str, owner: &str) -> Result<i64> {
        self.system
            .get(&(kind.to_string(), owner.to_string()))
            .copied()
            .ok_or_else(|| Error::internal(format!("system account {kind}/{owner} missing")))
    }

    /// Queues a row.
    pub fn push(&mut self, table: &'static str, row: Vec<V>) {
        // A row one value short would shift every later row of the multi-row INSERT into the
        // wrong columns (a migration that adds a column must update every writer of the table).
        debug_assert_eq!(
            TABLES.iter().find(|(t, _)| *t == table).map(|(_, cols)| cols.split(',').count()),
            Some(row.len()),
            "a {table} row with the wrong number of values"
        );
        self.rows.entry(table).or_default().push(row);
    }

    /// Takes a reserved id.
    pub fn next_id(&self, name: &'static str) -> Result<i64> {
        self.ids.next(name)
    }

    /// Creates an account (cached and queued).
    pub fn new_account(&mut self, kind: &str, owner: String, normal: i64) -> Result<i64> {
        let id = self.next_id("account")?;
        self.accounts.insert(id, AcctSt { balance: 0, normal, version: 0 });
        self.push("accounts", vec![V::I(id), V::T(kind.to_string()), V::T(owner), V::I(normal), V::I(0), V::I(0)]);
        Ok(id)
    }

    /// Registers a card created in this batch.
    pub fn add_card(&mut self, c: CardSt, issue_ref: Option<String>) {
        self.push(
            "cards",
            vec![
                V::I(c.id),
                V::T(c.number.clone()),
                V::T(c.card_type.as_str().to_string()),
                V::I(i64::from(c.registered)),
                V::NI(c.member_id),
                V::NT(c.mall.clone()),
                V::T(c.status.clone()),
                V::I(c.account_id),
                V::I(c.issued_at),
                V::NT(c.expires_on.map(|d| d.to_string())),
                V::NI(c.replaced_by),
                V::NT(issue_ref),
            ],
        );
        self.new_cards.insert(c.id);
        self.card_numbers.insert(c.id, c.number.clone());
        self.cards.insert(c.number.clone(), c);
    }

    /// Stores changed card fields (status, expiry, replacement).
    pub fn update_card(&mut self, c: CardSt) {
        if !self.new_cards.contains(&c.id) && !self.card_updates.contains(&c.id) {
            self.card_updates.push(c.id);
        }
        if self.new_cards.contains(&c.id) {
            // Not written yet: rewrite the queued insert instead of updating.
            if let Some(rows) = self.rows.get_mut("cards") {
                for row in rows.iter_mut() {
                    if matches!(row[0], V::I(id) if id == c.id) {
                        row[3] = V::I(i64::from(c.registered));
                        row[4] = V::NI(c.member_id);
                        row[6] = V::T(c.status.clone());
                        row[9] = V::NT(c.expires_on.map(|d| d.to_string()));
                        row[10] = V::NI(c.replaced_by);
                    }
                }
            }
        }
        self.cards.insert(c.number.clone(), c);
    }

    /// Writes a journal entry: checks it balances, chains it, applies it to the cached
    /// balances and queues its rows. Returns the entry id.
    pub fn add_entry(
        &mut self,
        kind: &str,
        reference: &str,
        actor: &Actor,
        memo: &str,
        reverses: Option<i64>,
        postings: Vec<(i64, i64)>,
        payment: Option<(i64, i64)>,
    ) -> Result<i64> {
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(postings.len());
        for (acct, amt) in postings {
            match merged.iter_mut().find(|(a, _)| *a == acct) {
                Some(p) => p.1 += amt,
                None => merged.push((acct, amt)),
            }
        }
        merged.retain(|(_, a)| *a != 0);
        merged.sort_unstable();
        if merged.len() < 2 || merged.iter().map(|(_, a)| a).sum::<i64>() != 0 {
            return Err(Error::internal(format!("unbalanced entry {kind}: {merged:?}")));
        }
        let id = self.next_id("entry")?;
        self.chain.journal_seq += 1;
        let canonical = entry_canonical(
            id,
            kind,
            reference,
            &actor.user,
            self.now,
            memo,
            reverses,
            self.chain.id,
            self.chain.journal_seq,
            &merged,
        );
        let hash = chain_hash(&self.chain.journal_head, canonical.as_bytes());
        self.chain.journal_head = hash.clone();
        self.push(
            "journal_entries",
            vec![
                V::I(id),
                V::T(kind.to_string()),
                V::T(reference.to_string()),
                V::T(actor.user.clone()),
                V::I(self.now),
                V::T(memo.to_string()),
                V::NI(reverses),
                V::I(self.chain.id),
                V::I(self.chain.journal_seq),
                V::T(hash),
            ],
        );
        for (acct, amt) in &merged {
            let a = self.accounts.get_mut(acct).ok_or_else(|| Error::internal(format!("account {acct} not loaded")))?;
            a.balance += a.normal * amt;
            a.version += 1;
            let d = self.deltas.entry(*acct).or_default();
            d.0 += a.normal * amt;
            d.1 += 1;
        }
        let rows: Vec<Vec<V>> = merged.iter().map(|(a, m)| vec![V::I(id), V::I(*a), V::I(*m)]).collect();
        self.rows.entry("postings").or_default().extend(rows);
        if let Some(r) = reverses {
            self.reversed.insert(r);
        }
        self.entries.insert(id, EntrySt { kind: kind.to_string(), postings: merged, payment, fee: 0 });
        Ok(id)
    }

    /// Adds a line to a card's history with its balance after. `money` tells whether a journal
    /// entry already advanced the card's change counter.
    #[allow(clippy::too_many_arguments)]
    pub fn add_activity(
        &mut self,
        card: &CardSt,
        kind: &str,
        amount: i64,
        entry_id: Option<i64>,
        actor: &Actor,
        note: &str,
    ) {
        let acct = card.account_id;
        if entry_id.is_none() {
            if let Some(a) = self.accounts.get_mut(&acct) {
                a.version += 1;
            }
            self.deltas.entry(acct).or_default().1 += 1;
        }
        let (balance, seq) = self.accounts.get(&acct).map_or((0, 0), |a| (a.balance, a.version));
        self.push(
            "card_activities",
            vec![
                V::I(card.id),
                V::I(seq),
                V::T(kind.to_string()),
                V::I(amount),
                V::I(balance),
                V::NI(entry_id),
                V::T(actor.user.clone()),
                V::I(self.now),
                V::T(note.to_string()),
            ],
        );
    }

    /// Adds to a payment's refunded total and to the fee its refunds returned.
    pub fn add_refunded(&mut self, payment_id: i64, amount: i64, fee: i64) {
        if let Some(p) = self.payments.get_mut(&payment_id) {
            p.refunded += amount;
            p.fee_refunded += fee;
        }
        let d = self.refund_deltas.entry(payment_id).or_default();
        d.0 += amount;
        d.1 += fee;
    }

    /// Records the fee a refund entry returned (so a reversal of the refund can take it back).
    pub fn set_entry_fee(&mut self, entry_id: i64, fee: i64) {
        if let Some(e) = self.entries.get_mut(&entry_id) {
            e.fee = fee;
        }
    }

    /// Registers a payment created in this batch, with the fee rate in force and its fee.
    pub fn add_payment(&mut self, id: i64, p: PaySt, medium: &str, checkout: Option<i64>, fee_bps: i64) {
        self.push(
            "payments",
            vec![
                V::I(id),
                V::I(p.card_id),
                V::I(p.merchant_id),
                V::I(p.amount),
                V::I(0),
                V::T(medium.to_string()),
                V::NI(checkout),
                V::I(p.entry_id),
                V::I(self.now),
                V::I(fee_bps),
                V::I(p.fee),
            ],
        );
        self.payments.insert(id, p);
    }

    /// Records the answer to an idempotent request.
    pub fn remember(&mut self, kind: &str, reference: &str, hash: String, response: String) {
        self.push(
            "idempotency",
            vec![
                V::T(kind.to_string()),
                V::T(reference.to_string()),
                V::T(hash.clone()),
                V::T(response.clone()),
                V::I(self.now),
            ],
        );
        self.idem.insert((kind.to_string(), reference.to_string()), (hash, response));
    }

    /// Appends a chained audit record.
    pub fn audit(&mut self, actor: &Actor, action: &str, subject: &str, detail: &str) -> Result<()> {
        let id = self.next_id("misc")?;
        self.chain.audit_seq += 1;
        let canonical =
            audit_canonical(id, self.now, &actor.user, action, subject, detail, self.chain.id, self.chain.audit_seq);
        let hash = chain_hash(&self.chain.audit_head, canonical.as_bytes());
        self.chain.audit_head = hash.clone();
        self.push(
            "audit_log",
            vec![
                V::I(id),
                V::I(self.now),
                V::T(actor.user.clone()),
                V::T(action.to_string()),
                V::T(subject.to_string()),
                V::T(detail.to_string()),
                V::I(self.chain.id),
                V::I(self.chain.audit_seq),
                V::T(hash),
            ],
        );
        Ok(())
    }

    /// Hands the rows queued so far to the database on a task of their own and returns without
    /// waiting for them, so the caller decides its next rows while the database stores these:
    /// a bulk job's deciding and SQLite's storing then run side by side on the two cores
    /// instead of taking turns. Rows written ahead are part of this transaction like any other
    /// (a rollback takes them back). Only for a caller whose later decisions never read this
    /// batch's rows back from the database: the connection is the task's until
    /// [`Batch::settle_ahead`] (which the next `write_ahead` and the flush call).
    pub async fn write_ahead(&mut self) -> Result<(), TxError> {
        self.settle_ahead().await?;
        let facts = self.take_facts().await?;
        let rows = self.take_rows();
        // Cards written ahead are no longer queued: a later change to one is an UPDATE.
        self.new_cards.clear();
        let mut tx = self.tx.take();
        let backend = self.ctx.db.backend;
        self.tx.ahead = Some(tokio::spawn(async move {
            let mut r = Ok(());
            for (table, cols, rows) in rows {
                r = insert_rows(&mut tx, table, cols, rows, backend, None, 0, 0).await;
                if r.is_err() {
                    break;
                }
            }
            (tx, r)
        }));
        // A task spawned from a runtime thread waits in that thread's next-task slot, which no
        // other thread steals, until this task yields: let it hand its first rows to the
        // database now (later wake-ups come from SQLite's thread and go to any runtime thread).
        tokio::task::yield_now().await;
        // Added up here, while the task stores the rows.
        crate::analytics::rollup::Deltas::add_ledger(&mut self.sums, &facts);
        Ok(())
    }

    /// Waits for the rows written ahead to be stored and takes the connection back.
    pub async fn settle_ahead(&mut self) -> Result<(), TxError> {
        if let Some(task) = self.tx.ahead.take() {
            let (tx, r) = task.await.map_err(|e| Error::internal(format!("rows written ahead: {e}")))?;
            self.tx.tx = Some(tx);
            r?;
        }
        Ok(())
    }

    /// The queued rows by table, in insertion (foreign-key) order, taken out of the batch.
    fn take_rows(&mut self) -> Vec<(&'static str, &'static str, Vec<Vec<V>>)> {
        TABLES.iter().filter_map(|(table, cols)| Some((*table, *cols, self.rows.remove(table)?))).collect()
    }

    /// The rollups' facts of the queued rows (see [`Batch::ledger_facts`]), loading the merchants
    /// of reversed payments first: a reversal does not load its payment's merchant (it only moves
    /// postings back), and the rollups need the merchant's mall.
    async fn take_facts(&mut self) -> Result<Vec<crate::analytics::rollup::LedgerFact>, TxError> {
        let missing: Vec<i64> = self
            .rows
            .get("journal_entries")
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|row| match &row[6] {
                V::NI(Some(r)) => self.entries.get(r)?.payment,
                _ => None,
            })
            .filter_map(|(pid, _)| self.payments.get(&pid).map(|p| p.merchant_id))
            .filter(|m| !self.merchants.contains_key(m))
            .collect();
        if !missing.is_empty() {
            self.load_merchants(missing).await?;
        }
        let (facts, firsts) = self.ledger_facts();
        self.refund_firsts.extend(firsts);
        Ok(facts)
    }

    /// Ends the transaction writing nothing (once rows written ahead, if any, are stored).
    pub async fn roll_back(mut self) -> Result<(), TxError> {
        // Whether those rows were stored or not, they are rolled back with the rest: a failure
        // storing them changes nothing about the answer.
        let _ = self.settle_ahead().await;
        if let Some(tx) = self.tx.tx.take() {
            tx.rollback().await?;
        }
        Ok(())
    }

    /// Writes everything queued with multi-row statements and commits.
    pub async fn flush_and_commit(mut self) -> Result<(), TxError> {
        self.settle_ahead().await?;
        let pending = self.take_pending().await?;
        let total = pending.rows();
        let control = pending.control.clone();
        store(&mut self.tx, self.ctx.db.backend, pending).await?;
        if let Some(c) = &control {
            // The last moment a cancel can still undo everything: after this the job is done.
            if let Err(e) = c.check() {
                self.tx.take().rollback().await?;
                return Err(e.into());
            }
        }
        self.tx.take().commit().await?;
        if let Some(c) = &control {
            c.report(total, total, "committed");
        }
        Ok(())
    }

    /// Ends this group's deciding: everything it writes, taken out of the batch, which then holds
    /// the state after it and goes on to decide the next group (reading what it lacks on the
    /// read-only connection, [`Batch::read_on`], until [`Batch::resume`] gives it the next
    /// transaction). Taken before the transaction it is stored in begins when the group was
    /// decided ahead: SQLite's thread then waits for none of this work between two commits.
    pub async fn take_group(&mut self) -> Result<Pending, TxError> {
        self.settle_ahead().await?;
        self.take_pending().await
    }

    /// The transaction, for a task of its own to store a group's rows in and commit (see the
    /// engine's `Chain`).
    pub fn take_tx(&mut self) -> Transaction<'static, Any> {
        self.tx.take()
    }

    /// Reads on `conn` (read-only) until the next transaction begins.
    pub fn read_on(&mut self, conn: PoolConnection<Any>) {
        self.tx.read = Some(conn);
    }

    /// Continues in the next transaction of the chain (the read-only connection goes back).
    pub fn resume(&mut self, tx: Transaction<'static, Any>) {
        self.tx.read = None;
        self.tx.tx = Some(tx);
    }

    /// A new group of jobs in a chain: its own time, and the volumes its fees depend on read
    /// afresh.
    pub fn next_group(&mut self) {
        self.now = self.ctx.clock.now_micros();
        self.today = crate::clock::business_day(self.now);
        self.forget_volumes();
    }

    /// How many things the batch has cached (a chain starts over past a bound).
    pub fn cached(&self) -> usize {
        self.cards.len() + self.payments.len() + self.entries.len() + self.idem.len() + self.reversed.len()
    }

    /// Everything the transaction still has to write, taken out of the batch (which then holds
    /// the state after it and nothing to write).
    async fn take_pending(&mut self) -> Result<Pending, TxError> {
        // The rollups' facts first: a refund's fact reads this transaction's refunded totals.
        let facts = self.take_facts().await?;
        let rows = self.take_rows();
        let mut refunds: Vec<(i64, i64, i64)> = self.refund_deltas.drain().map(|(id, (a, f))| (id, a, f)).collect();
        refunds.sort_unstable();
        let cards = std::mem::take(&mut self.card_updates)
            .into_iter()
            .filter_map(|id| self.card_numbers.get(&id).and_then(|n| self.cards.get(n)))
            .map(|c| CardUpdate {
                id: c.id,
                status: c.status.clone(),
                expires_on: c.expires_on.map(|d| d.to_string()),
                replaced_by: c.replaced_by,
                registered: i64::from(c.registered),
                member_id: c.member_id,
            })
            .collect();
        let mut deltas: Vec<(i64, i64, i64)> = self.deltas.drain().map(|(id, (b, v))| (id, b, v)).collect();
        deltas.sort_unstable();
        // Written now: a later change to one of these cards is an UPDATE; a later refund of a
        // payment refunded here is not its first.
        self.new_cards.clear();
        self.refund_firsts.clear();
        let c = &self.chain;
        Ok(Pending {
            facts,
            rows,
            sums: self.sums.take(),
            refunds,
            cards,
            chain: ChainSt {
                id: c.id,
                journal_seq: c.journal_seq,
                journal_head: c.journal_head.clone(),
                audit_seq: c.audit_seq,
                audit_head: c.audit_head.clone(),
            },
            deltas,
            control: self.control.clone(),
        })
    }
}

/// A card's changed fields, as the transaction leaves them.
struct CardUpdate {
    id: i64,
    status: String,
    expires_on: Option<String>,
    replaced_by: Option<i64>,
    registered: i64,
    member_id: Option<i64>,
}

/// What a transaction writes once its jobs are decided.
pub(crate) struct Pending {
    facts: Vec<crate::analytics::rollup::LedgerFact>,
    rows: Vec<(&'static str, &'static str, Vec<Vec<V>>)>,
    sums: Option<crate::analytics::rollup::Deltas>,
    /// Per payment: (refunded amount, fee returned) to add.
    refunds: Vec<(i64, i64, i64)>,
    cards: Vec<CardUpdate>,
    chain: ChainSt,
    /// Per account: (balance, version) to add, in id order.
    deltas: Vec<(i64, i64, i64)>,
    control: Option<super::JobControl>,
}

impl Pending {
    fn rows(&self) -> u64 {
        self.rows.iter().map(|(_, _, r)| r.len() as u64).sum()
    }
}

/// Writes a transaction's rows, rollups, refunded totals, card changes, chain head and account
/// balances (everything but the commit).
pub(crate) async fn store(tx: &mut AnyConnection, backend: Backend, p: Pending) -> Result<(), TxError> {
    let total = p.rows();
    let Pending { facts, rows, sums, refunds, cards, chain, deltas, control } = p;
    // Dashboards read rollups, never raw rows: this transaction's purchases, refunds and
    // reversals update them (below), aggregated in memory, in a few multi-row upserts.
    let conn = &mut *tx;
    let inserts = async {
        let mut done = 0;
        for (table, cols, rows) in rows {
            let n = rows.len() as u64;
            insert_rows(conn, table, cols, rows, backend, control.as_ref(), done, total).await?;
            done += n;
        }
        Ok::<(), TxError>(())
    };
    // The rollups' sums are added up while the database stores the rows: `join!` polls the
    // inserts first, which hand their first table to SQLite's thread and wait, and the
    // summing then runs on this one.
    let mut sums = sums;
    let summed = async move {
        crate::analytics::rollup::Deltas::add_ledger(&mut sums, &facts);
        sums
    };
    let (inserted, sums) = tokio::join!(inserts, summed);
    inserted?;
    // A purchase's refunded totals: one statement for all of them, not one per payment
    // (a refund-heavy group spent a fifth of its time in those round trips).
    add_by_id(tx, backend, "payments", ["refunded", "fee_refunded"], &refunds).await?;
    for c in cards {
        sqlx::query(
            "UPDATE cards SET status = $1, expires_on = $2, replaced_by = $3, registered = $4, \
             member_id = $5 WHERE id = $6",
        )
        .bind(c.status)
        .bind(c.expires_on)
        .bind(c.replaced_by)
        .bind(c.registered)
        .bind(c.member_id)
        .bind(c.id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE chains SET journal_seq = $1, journal_head = $2, audit_seq = $3, audit_head = $4 \
         WHERE id = $5",
    )
    .bind(chain.journal_seq)
    .bind(chain.journal_head)
    .bind(chain.audit_seq)
    .bind(chain.audit_head)
    .bind(chain.id)
    .execute(&mut *tx)
    .await?;
    // The rollups' rows (a mall's day, a merchant's day) are shared by every writer: on
    // PostgreSQL their upsert locks them until the commit, so they come last, after this
    // transaction's own rows, just before the accounts (locked in the same spirit).
    if let Some(sums) = sums {
        sums.write(tx, backend).await?;
    }
    if backend == Backend::Postgres && !deltas.is_empty() {
        // Lock every account we change in id order, so that concurrent writers queue instead
        // of deadlocking. Last, right before the commit: merchant accounts are shared by all
        // writers, and the shorter they are held the less the writers wait on each other.
        for chunk in deltas.chunks(5000) {
            let sql = format!(
                "SELECT id FROM accounts WHERE id IN ({}) ORDER BY id FOR NO KEY UPDATE",
                placeholders(backend, chunk.len(), 1)
            );
            let mut q = sqlx::query(&sql);
            for (id, _, _) in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(&mut *tx).await?;
        }
    }
    add_by_id(tx, backend, "accounts", ["balance", "version"], &deltas).await?;
    Ok(())
}

impl Batch<'_> {
    /// What the rollups need to know about this transaction's purchases, refunds and reversals
    /// (from the queued rows and the cached cards, merchants and payments: no extra read).
    /// Also returns the payments whose first refund it counted.
    fn ledger_facts(&self) -> (Vec<crate::analytics::rollup::LedgerFact>, HashSet<i64>) {
        use crate::analytics::rollup::LedgerFact;
        let mut out = Vec::new();
        let int = |v: &V| match v {
            V::I(i) => *i,
            V::NI(i) => i.unwrap_or(-1),
            _ => 0,
        };
        let card = |id: i64| self.card_numbers.get(&id).and_then(|n| self.cards.get(n));
        let buyer = |c: &CardSt| match c.member_id {
            Some(m) => format!("m:{m}"),
            None => format!("c:{}", c.id),
        };
        for row in self.rows.get("payments").map(Vec::as_slice).unwrap_or_default() {
            let (card_id, merchant) = (int(&row[1]), int(&row[2]));
            let (Some(c), Some(m)) = (card(card_id), self.merchants.get(&merchant)) else { continue };
            let checkout = match &row[6] {
                V::NI(v) => *v,
                _ => None,
            };
            out.push(LedgerFact::Sale {
                mall: m.mall.clone(),
                merchant,
                category: m.category.clone(),
                card_type: c.card_type.as_str(),
                buyer: buyer(c),
                at: int(&row[8]),
                amount: int(&row[3]),
                checkout,
            });
        }
        let mut first_seen = HashSet::new();
        for row in self.rows.get("refunds").map(Vec::as_slice).unwrap_or_default() {
            let pid = int(&row[1]);
            let Some(p) = self.payments.get(&pid) else { continue };
            let Some(m) = self.merchants.get(&p.merchant_id) else { continue };
            let before = p.refunded - self.refund_deltas.get(&pid).map_or(0, |d| d.0);
            let first = before == 0 && !self.refund_firsts.contains(&pid) && first_seen.insert(pid);
            out.push(LedgerFact::Refund {
                mall: m.mall.clone(),
                merchant: p.merchant_id,
                at: int(&row[4]),
                amount: int(&row[2]),
                first,
            });
        }
        for row in self.rows.get("journal_entries").map(Vec::as_slice).unwrap_or_default() {
            let V::NI(Some(reversed)) = &row[6] else { continue };
            let Some(e) = self.entries.get(reversed) else { continue };
            let Some((pid, amount)) = e.payment else { continue };
            let Some(p) = self.payments.get(&pid) else { continue };
            let Some(m) = self.merchants.get(&p.merchant_id) else { continue };
            let at = int(&row[4]);
            let (mall, merchant) = (m.mall.clone(), p.merchant_id);
            out.push(match e.kind.as_str() {
                "purchase" => LedgerFact::PurchaseReversed { mall, merchant, at, amount },
                _ => LedgerFact::RefundReversed { mall, merchant, at, amount },
            });
        }
        (out, first_seen)
    }
}

/// Takes a chain shard for this transaction: SQLite has one (the file lock already serializes
/// writers); PostgreSQL takes any shard nobody holds.
async fn take_chain(tx: &mut AnyConnection, backend: Backend) -> Result<ChainSt, TxError> {
    let cols = "SELECT id, journal_seq, journal_head, audit_seq, audit_head FROM chains";
    let row: Option<(i64, i64, String, i64, String)> = match backend {
        Backend::Sqlite => sqlx::query_as(&format!("{cols} WHERE id = 0")).fetch_optional(&mut *tx).await?,
        Backend::Postgres => {
            let free = sqlx::query_as(&format!("{cols} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"))
                .fetch_optional(&mut *tx)
                .await?;
            match free {
                Some(r) => Some(r),
                // Every shard busy: wait for a pseudo-random one.
                None => {
                    let n = (crate::clock::system_micros() % 16).abs();
                    sqlx::query_as(&format!("{cols} WHERE id = $1 FOR UPDATE")).bind(n).fetch_optional(&mut *tx).await?
                }
            }
        }
    };
    let (id, journal_seq, journal_head, audit_seq, audit_head) =
        row.ok_or_else(|| Error::new("not_initialized", "no chain shards: run `onecard init`"))?;
    Ok(ChainSt { id, journal_seq, journal_head, audit_seq, audit_head })
}

/// Length-prefixed fields, so no value can be shifted into its neighbour.
fn field(out: &mut String, v: &str) {
    out.push_str(&v.len().to_string());
    out.push(':');
    out.push_str(v);
    out.push('|');
}

/// The bytes a journal entry's hash covers: the entry and all its postings.
#[allow(clippy::too_many_arguments)]
pub(crate) fn entry_canonical(
    id: i64,
    kind: &str,
    reference: &str,
    actor: &str,
    at: i64,
    memo: &str,
    reverses: Option<i64>,
    chain: i64,
    seq: i64,
    postings: &[(i64, i64)],
) -> String {
    let mut s = String::from("E1|");
    for v in [
        &id.to_string(),
        kind,
        reference,
        actor,
        &at.to_string(),
        memo,
        &reverses.map(|r| r.to_string()).unwrap_or_default(),
        &chain.to_string(),
        &seq.to_string(),
    ] {
        field(&mut s, v);
    }
    for (a, m) in postings {
        field(&mut s, &format!("{a}={m}"));
    }
    s
}

/// The bytes an audit record's hash covers.
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_canonical(
    id: i64,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
    chain: i64,
    seq: i64,
) -> String {
    let mut s = String::from("A1|");
    for v in [&id.to_string(), &at.to_string(), actor, action, subject, detail, &chain.to_string(), &seq.to_string()] {
        field(&mut s, v);
    }
    s
}

fn bind<'q>(
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    v: V,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    bind_v!(q, v)
}

/// Adds `(id, a, b)` to the two columns `cols` of `table`'s row `id`, for every row. SQLite steps
/// one prepared UPDATE per row inside the database (`exec_each`); PostgreSQL gets multi-row
/// `UPDATE ... FROM (VALUES ...)` statements.
async fn add_by_id(
    tx: &mut AnyConnection,
    backend: Backend,
    table: &str,
    cols: [&str; 2],
    rows: &[(i64, i64, i64)],
) -> Result<(), TxError> {
    let [a, b] = cols;
    if rows.is_empty() {
        return Ok(());
    }
    if backend == Backend::Sqlite && crate::db::each_available() {
        let sql = format!("UPDATE {table} SET {a} = {a} + ?2, {b} = {b} + ?3 WHERE id = ?1");
        let rows = rows.iter().map(|(id, x, y)| vec![V::I(*id), V::I(*x), V::I(*y)]).collect();
        crate::db::exec_each(tx, sql, rows).await?;
        return Ok(());
    }
    for chunk in rows.chunks(3000) {
        let sql = format!(
            "UPDATE {table} SET {a} = {a} + v.column2, {b} = {b} + v.column3 \
             FROM (VALUES {}) AS v WHERE {table}.id = v.column1",
            bigint_values_clause(backend, chunk.len(), 3, 1)
        );
        let mut q = sqlx::query(&sql);
        for (id, x, y) in chunk {
            q = q.bind(*id).bind(*x).bind(*y);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Inserts `rows` into `table`: on SQLite through [`crate::db::exec_each`] (one prepared
/// one-row statement stepped per row inside SQLite), on PostgreSQL (or a SQLite without it) as
/// multi-row INSERTs in chunks under the backend's parameter limit. Under a job control the
/// rows go in smaller chunks, each reporting progress and each a point where a cancel stops
/// (the transaction then rolls back: nothing is written). `done_before` of `total` rows were
/// written before this call (for the progress).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_rows(
    tx: &mut AnyConnection,
    table: &str,
    cols: &str,
    rows: Vec<Vec<V>>,
    backend: Backend,
    control: Option<&super::JobControl>,
    done_before: u64,
    total: u64,
) -> Result<(), TxError> {
    insert_source(tx, table, cols, std::sync::Arc::new(rows), backend, control, done_before, total).await
}

/// [`insert_rows`] of rows read where they are ([`crate::db::RowSource`]): SQLite binds them
/// without a copy; PostgreSQL's multi-row statements take owned copies, one chunk at a time.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_source<S: crate::db::RowSource + 'static>(
    tx: &mut AnyConnection,
    table: &str,
    cols: &str,
    source: std::sync::Arc<S>,
    backend: Backend,
    control: Option<&super::JobControl>,
    done_before: u64,
    total: u64,
) -> Result<(), TxError> {
    let ncols = cols.split(',').count();
    let each = backend == Backend::Sqlite && crate::db::each_available();
    let max_params = match (backend, control.is_some(), each) {
        (_, true, _) => 4_000,
        (Backend::Sqlite, false, true) => 400_000,
        (Backend::Sqlite, false, false) => 32_000,
        (Backend::Postgres, false, _) => 60_000,
    };
    let per = (max_params / ncols).max(1);
    let mut done = done_before;
    let n = source.rows();
    let mut at = 0;
    while at < n {
        let chunk = at..(at + per).min(n);
        at = chunk.end;
        if let Some(c) = control {
            c.check()?;
            c.report(done, total, "writing");
        }
        done += chunk.len() as u64;
        if each {
            let sql = format!("INSERT INTO {table} ({cols}) VALUES {}", values_clause(backend, 1, ncols, 1));
            crate::db::exec_each_of(tx, sql, source.clone(), chunk).await?;
            continue;
        }
        let sql = format!("INSERT INTO {table} ({cols}) VALUES {}", values_clause(backend, chunk.len(), ncols, 1));
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for col in 0..source.width(row) {
                q = bind(q, source.value(row, col).owned());
            }
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}
