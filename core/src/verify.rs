//! `onecard verify`: recomputes, from the rows alone, everything the ledger promises: every
//! entry balances, every account balance equals the sum of its postings, no card is overdrawn,
//! the issuer's funds cover what is owed, and every hash chain is unbroken. It names the first
//! bad row of each kind, and which chain tails are not yet anchored.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::Row;

use crate::auth::{Actor, Permission};
use crate::crypto::{chain_hash, GENESIS_HASH};
use crate::engine::{audit_canonical, entry_canonical};
use crate::error::Result;
use crate::money::Money;
use crate::Core;

/// One thing verify found wrong.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// Which check: entry_balance, account_balance, negative_card, orphan_posting,
    /// orphan_payment, orphan_topup, orphan_refund, reserve, journal_chain,
    /// audit_chain, chain_head, anchor_chain, settlement.
    pub check: String,
    /// The table of the first bad row.
    pub table: String,
    /// Its id.
    pub id: i64,
    /// What is wrong.
    pub message: String,
}

/// The issuer's funds against what is owed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Reserve {
    /// Custody account balance.
    pub custody: Money,
    /// Money in transit from top-up channels.
    pub in_transit: Money,
    /// Sum of card balances.
    pub card_balances: Money,
    /// Sum of unsettled merchant payables.
    pub unsettled_payables: Money,
    /// What merchants owe back: refunds of purchases whose money was already paid out, until
    /// the next settlement nets them from the merchant's payout.
    pub merchant_receivables: Money,
}

/// The answer of `verify`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// No problem found.
    pub ok: bool,
    /// What is wrong (first bad row per check).
    pub problems: Vec<Problem>,
    /// Journal entries checked.
    pub entries: i64,
    /// Audit records checked.
    pub audit_records: i64,
    /// Accounts checked.
    pub accounts: i64,
    /// The reserve figures.
    pub reserve: Reserve,
    /// Per chain shard, how many journal entries and audit records follow the last anchor.
    pub unanchored: Vec<Unanchored>,
}

/// A chain tail not yet anchored.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Unanchored {
    /// Chain shard.
    pub chain: i64,
    /// Entries after the last anchor.
    pub journal: i64,
    /// Audit records after the last anchor.
    pub audit: i64,
}

#[derive(Serialize, serde::Deserialize)]
struct Head {
    chain: i64,
    journal_seq: i64,
    journal_head: String,
    audit_seq: i64,
    audit_head: String,
}

impl Core {
    /// Recomputes every chain and invariant.
    pub async fn verify(&self, actor: &Actor) -> Result<Report> {
        actor.require(Permission::Verify)?;
        let pool = &self.db().pool;
        let mut problems = Vec::new();
        let mut first = |p: Problem, problems: &mut Vec<Problem>| {
            if !problems.iter().any(|q: &Problem| q.check == p.check) {
                problems.push(p);
            }
        };

        // Journal: chain order, hash, balance of each entry.
        let mut entries = 0i64;
        let mut heads: HashMap<i64, (i64, String)> = HashMap::new();
        {
            let mut rows = sqlx::query(
                "SELECT e.id, e.kind, e.ref, e.actor, e.created_at, e.memo, e.reverses, e.chain, \
                 e.chain_seq, e.hash, p.account_id, p.amount FROM journal_entries e \
                 LEFT JOIN postings p ON p.entry_id = e.id \
                 ORDER BY e.chain, e.chain_seq, p.account_id",
            )
            .fetch(pool);
            let mut cur: Option<EntryRow> = None;
            while let Some(row) = rows.try_next().await? {
                let id: i64 = row.try_get(0)?;
                if cur.as_ref().map(|c| c.id) != Some(id) {
                    if let Some(c) = cur.take() {
                        entries += 1;
                        check_entry(&c, &mut heads, &mut problems, &mut first);
                    }
                    cur = Some(EntryRow {
                        id,
                        kind: row.try_get(1)?,
                        reference: row.try_get(2)?,
                        actor: row.try_get(3)?,
                        at: row.try_get(4)?,
                        memo: row.try_get(5)?,
                        reverses: row.try_get(6)?,
                        chain: row.try_get(7)?,
                        seq: row.try_get(8)?,
                        hash: row.try_get(9)?,
                        postings: Vec::new(),
                    });
                }
                let acct: Option<i64> = row.try_get(10)?;
                let amt: Option<i64> = row.try_get(11)?;
                if let (Some(c), Some(a), Some(m)) = (cur.as_mut(), acct, amt) {
                    c.postings.push((a, m));
                }
            }
            if let Some(c) = cur.take() {
                entries += 1;
                check_entry(&c, &mut heads, &mut problems, &mut first);
            }
        }

        // Audit chain.
        let mut audit_records = 0i64;
        let mut audit_heads: HashMap<i64, (i64, String)> = HashMap::new();
        {
            let mut rows = sqlx::query_as::<_, (i64, i64, String, String, String, String, i64, i64, String)>(
                "SELECT id, at, actor, action, subject, detail, chain, chain_seq, hash \
                 FROM audit_log ORDER BY chain, chain_seq",
            )
            .fetch(pool);
            while let Some((id, at, actor, action, subject, detail, chain, seq, hash)) = rows.try_next().await? {
                audit_records += 1;
                let (prev_seq, prev) = audit_heads.remove(&chain).unwrap_or((0, GENESIS_HASH.to_string()));
                let canonical = audit_canonical(id, at, &actor, &action, &subject, &detail, chain, seq);
                let expect = chain_hash(&prev, canonical.as_bytes());
                if seq != prev_seq + 1 {
                    first(
                        problem("audit_chain", "audit_log", id, format!("sequence gap: {prev_seq} then {seq}")),
                        &mut problems,
                    );
                } else if expect != hash {
                    first(
                        problem("audit_chain", "audit_log", id, "hash does not match the record".into()),
                        &mut problems,
                    );
                }
                audit_heads.insert(chain, (seq, hash));
            }
        }

        // Chain heads agree with the last rows.
        let chains: Vec<(i64, i64, String, i64, String)> =
            sqlx::query_as("SELECT id, journal_seq, journal_head, audit_seq, audit_head FROM chains ORDER BY id")
                .fetch_all(pool)
                .await?;
        for (id, js, jh, a_s, ah) in &chains {
            let (ls, lh) = heads.get(id).cloned().unwrap_or((0, GENESIS_HASH.into()));
            let (las, lah) = audit_heads.get(id).cloned().unwrap_or((0, GENESIS_HASH.into()));
            if (ls, &lh) != (*js, jh) || (las, &lah) != (*a_s, ah) {
                first(
                    problem(
                        "chain_head",
                        "chains",
                        *id,
                        "head does not match the last chained row (rows removed or added?)".into(),
                    ),
                    &mut problems,
                );
            }
        }

        // Anchors: their own chain, and how much of each shard they cover.
        let anchors: Vec<(i64, i64, String, String)> =
            sqlx::query_as("SELECT seq, at, heads, hash FROM anchors ORDER BY seq").fetch_all(pool).await?;
        let mut prev = GENESIS_HASH.to_string();
        let mut anchored: HashMap<i64, (i64, i64)> = HashMap::new();
        for (i, (seq, at, heads_json, hash)) in anchors.iter().enumerate() {
            let expect = chain_hash(&prev, anchor_canonical(*seq, *at, heads_json).as_bytes());
            if *seq != i as i64 + 1 || expect != *hash {
                first(
                    problem("anchor_chain", "anchors", *seq, "anchor hash or sequence is wrong".into()),
                    &mut problems,
                );
            }
            prev = hash.clone();
            if let Ok(hs) = serde_json::from_str::<Vec<Head>>(heads_json) {
                for h in hs {
                    anchored.insert(h.chain, (h.journal_seq, h.audit_seq));
                }
            }
        }
        let unanchored = chains
            .iter()
            .map(|(id, js, _, a_s, _)| {
                let (aj, aa) = anchored.get(id).copied().unwrap_or((0, 0));
                Unanchored { chain: *id, journal: js - aj, audit: a_s - aa }
            })
            .filter(|u| u.journal > 0 || u.audit > 0)
            .collect();

        // Accounts: balance = normal * sum(postings); cards never negative.
        // One pass over the postings (there is deliberately no index by account).
        let sums: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
            "SELECT account_id, CAST(SUM(amount) AS BIGINT) FROM postings GROUP BY account_id",
        )
        .fetch_all(pool)
        .await?
        .into_iter()
        .collect();
        let accts = sqlx::query("SELECT id, kind, normal, balance FROM accounts ORDER BY id").fetch_all(pool).await?;
        let mut totals: HashMap<String, i64> = HashMap::new();
        let (mut payables, mut receivables) = (0i64, 0i64);
        for row in &accts {
            let id: i64 = row.try_get(0)?;
            let kind: String = row.try_get(1)?;
            let normal: i64 = row.try_get(2)?;
            let balance: i64 = row.try_get(3)?;
            let sum = sums.get(&id).copied().unwrap_or(0);
            if balance != normal * sum {
                first(
                    problem(
                        "account_balance",
                        "accounts",
                        id,
                        format!(
                            "balance {} but postings sum to {}",
                            Money::from_fen(balance),
                            Money::from_fen(normal * sum)
                        ),
                    ),
                    &mut problems,
                );
            }
            if kind == "card" && balance < 0 {
                first(
                    problem("negative_card", "accounts", id, format!("card balance {}", Money::from_fen(balance))),
                    &mut problems,
                );
            }
            // Payouts on their way to the bank are still owed to merchants.
            if kind == "merchant_payable" || kind == "merchant_payout" {
                payables += balance.max(0);
                receivables += (-balance).max(0);
            }
            *totals.entry(kind).or_default() += balance;
        }
        // Every reference of the ledger's rows exists (PostgreSQL does not check them on insert:
        // migration 0007).
        let known: std::collections::HashSet<i64> = accts.iter().filter_map(|r| r.try_get::<i64, _>(0).ok()).collect();
        if let Some(id) = sums.keys().filter(|id| !known.contains(id)).min() {
            first(
                problem("orphan_posting", "postings", *id, format!("postings to account {id}, which does not exist")),
                &mut problems,
            );
        }
        // (check, table, the row's id column, its reference, the table it points at)
        let references = [
            ("orphan_posting", "postings", "entry_id", "entry_id", "journal_entries"),
            ("orphan_payment", "payments", "id", "merchant_id", "merchants"),
            ("orphan_payment", "payments", "id", "card_id", "cards"),
            ("orphan_payment", "payments", "id", "entry_id", "journal_entries"),
            ("orphan_topup", "topups", "entry_id", "entry_id", "journal_entries"),
            ("orphan_refund", "refunds", "id", "payment_id", "payments"),
            ("orphan_refund", "refunds", "id", "entry_id", "journal_entries"),
        ];
        for (check, table, id_col, col, parent) in references {
            let orphan: Option<(i64, i64)> = sqlx::query_as(&format!(
                "SELECT t.{id_col}, t.{col} FROM {table} t \
                 WHERE NOT EXISTS (SELECT 1 FROM {parent} x WHERE x.id = t.{col}) ORDER BY t.{id_col} LIMIT 1"
            ))
            .fetch_optional(pool)
            .await?;
            if let Some((id, missing)) = orphan {
                first(problem(check, table, id, format!("{col} {missing} does not exist in {parent}")), &mut problems);
            }
        }
        let get = |k: &str| totals.get(k).copied().unwrap_or(0);
        let reserve = Reserve {
            custody: Money::from_fen(get("reserve_custody")),
            in_transit: Money::from_fen(get("channel_clearing")),
            card_balances: Money::from_fen(get("card")),
            unsettled_payables: Money::from_fen(payables),
            merchant_receivables: Money::from_fen(receivables),
        };
        // A refund of a purchase already paid out leaves the merchant owing it: a claim that
        // backs the refunded card balance, not a hole in the books. (Whether the custody bank
        // balance covers the liabilities in cash is finance's coverage alert, `reserve
        // reconcile`, which does not count receivables.)
        let funds = get("reserve_custody") + get("channel_clearing") + receivables;
        if funds < get("card") + payables {
            first(
                problem(
                    "reserve",
                    "accounts",
                    0,
                    format!(
                        "issuer funds {} (merchant receivables {} included) do not cover card balances {} + payables {}",
                        Money::from_fen(funds),
                        reserve.merchant_receivables,
                        reserve.card_balances,
                        reserve.unsettled_payables
                    ),
                ),
                &mut problems,
            );
        }
        // Settlement batches: each line's net = gross - refunds - fees, its fee shares add up to
        // its fees, its payout and carry follow from net + carry_in, and the batch totals are the
        // sums of its lines.
        let bad_line: Option<(i64,)> = sqlx::query_as(
            "SELECT batch_id FROM settlement_lines WHERE net <> gross - refunds - fees \
             OR fee_issuer + fee_operator <> fees OR payout + carry_out <> net + carry_in \
             OR payout < 0 OR carry_out > 0 ORDER BY batch_id LIMIT 1",
        )
        .fetch_optional(pool)
        .await?;
        if let Some((b,)) = bad_line {
            first(problem("settlement", "settlement_batches", b, "a line does not add up".into()), &mut problems);
        }
        let bad_batch: Option<(i64,)> = sqlx::query_as(
            "SELECT b.id FROM settlement_batches b LEFT JOIN (SELECT batch_id, COUNT(*) AS n, SUM(gross) AS g, \
             SUM(refunds) AS r, SUM(fees) AS f, SUM(net) AS t, SUM(payout) AS p FROM settlement_lines \
             GROUP BY batch_id) l ON l.batch_id = b.id WHERE b.merchants <> COALESCE(l.n, 0) \
             OR b.gross <> COALESCE(l.g, 0) OR b.refunds <> COALESCE(l.r, 0) OR b.fees <> COALESCE(l.f, 0) \
             OR b.net <> COALESCE(l.t, 0) OR b.payout <> COALESCE(l.p, 0) ORDER BY b.id LIMIT 1",
        )
        .fetch_optional(pool)
        .await?;
        if let Some((b,)) = bad_batch {
            first(
                problem("settlement", "settlement_batches", b, "the batch totals are not the sums of its lines".into()),
                &mut problems,
            );
        }
        Ok(Report {
            ok: problems.is_empty(),
            problems,
            entries,
            audit_records,
            accounts: accts.len() as i64,
            reserve,
            unanchored,
        })
    }

    /// Anchors the current head of every chain shard into the anchor chain, so a later rewrite
    /// of any shard (even with its hashes recomputed) contradicts a published anchor.
    pub async fn anchor(&self, actor: &Actor) -> Result<serde_json::Value> {
        actor.require(Permission::Verify)?;
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let heads: Vec<(i64, i64, String, i64, String)> =
            sqlx::query_as("SELECT id, journal_seq, journal_head, audit_seq, audit_head FROM chains ORDER BY id")
                .fetch_all(&mut *tx)
                .await?;
        let heads: Vec<Head> = heads
            .into_iter()
            .map(|(chain, journal_seq, journal_head, audit_seq, audit_head)| Head {
                chain,
                journal_seq,
                journal_head,
                audit_seq,
                audit_head,
            })
            .collect();
        let heads_json = serde_json::to_string(&heads).map_err(crate::error::Error::internal)?;
        let last: Option<(i64, String)> = sqlx::query_as(&format!(
            "SELECT seq, hash FROM anchors ORDER BY seq DESC LIMIT 1{}",
            db.backend.for_update()
        ))
        .fetch_optional(&mut *tx)
        .await?;
        let (seq, prev) = last.map_or((1, GENESIS_HASH.to_string()), |(s, h)| (s + 1, h));
        let at = self.clock().now_micros();
        let hash = chain_hash(&prev, anchor_canonical(seq, at, &heads_json).as_bytes());
        sqlx::query("INSERT INTO anchors (seq, at, heads, hash) VALUES ($1, $2, $3, $4)")
            .bind(seq)
            .bind(at)
            .bind(heads_json)
            .bind(hash.clone())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(serde_json::json!({"anchor": seq, "hash": hash, "chains": heads.len()}))
    }
}

fn anchor_canonical(seq: i64, at: i64, heads: &str) -> String {
    format!("N1|{seq}|{at}|{heads}")
}

struct EntryRow {
    id: i64,
    kind: String,
    reference: String,
    actor: String,
    at: i64,
    memo: String,
    reverses: Option<i64>,
    chain: i64,
    seq: i64,
    hash: String,
    postings: Vec<(i64, i64)>,
}

fn problem(check: &str, table: &str, id: i64, message: String) -> Problem {
    Problem { check: check.into(), table: table.into(), id, message }
}

fn check_entry(
    e: &EntryRow,
    heads: &mut HashMap<i64, (i64, String)>,
    problems: &mut Vec<Problem>,
    first: &mut impl FnMut(Problem, &mut Vec<Problem>),
) {
    let sum: i64 = e.postings.iter().map(|(_, a)| a).sum();
    if e.postings.len() < 2 || sum != 0 {
        first(
            problem(
                "entry_balance",
                "journal_entries",
                e.id,
                format!("{} postings summing to {}", e.postings.len(), Money::from_fen(sum)),
            ),
            problems,
        );
    }
    let (prev_seq, prev) = heads.remove(&e.chain).unwrap_or((0, GENESIS_HASH.to_string()));
    let canonical =
        entry_canonical(e.id, &e.kind, &e.reference, &e.actor, e.at, &e.memo, e.reverses, e.chain, e.seq, &e.postings);
    if e.seq != prev_seq + 1 {
        first(
            problem("journal_chain", "journal_entries", e.id, format!("sequence gap: {prev_seq} then {}", e.seq)),
            problems,
        );
    } else if chain_hash(&prev, canonical.as_bytes()) != e.hash {
        first(
            problem("journal_chain", "journal_entries", e.id, "hash does not match the entry and its postings".into()),
            problems,
        );
    }
    heads.insert(e.chain, (e.seq, e.hash.clone()));
}
