//! The rollup tables: per-day aggregates that imports and the ledger's flush keep current in the
//! same transaction as the rows they summarize. Each writer aggregates its rows in memory first
//! and then writes one multi-row upsert per table (`ON CONFLICT ... DO UPDATE SET x = x + new`),
//! so the cost per purchase is a hash-map update, not a statement.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, Timelike};
use sqlx::{Any, AnyConnection};

use crate::db::{placeholders, values_clause, Backend, Db};
use crate::engine::V;
use crate::error::Result;

/// A ledger event the rollups count (built by the engine's flush from its queued rows).
#[derive(Debug, Clone)]
pub enum LedgerFact {
    /// A card purchase: a sale.
    Sale {
        /// Mall of the merchant.
        mall: String,
        /// Merchant id.
        merchant: i64,
        /// Merchant category.
        category: String,
        /// physical / virtual / cobrand.
        card_type: &'static str,
        /// The identified buyer (member, or the anonymous card).
        buyer: String,
        /// When (micros).
        at: i64,
        /// Fen.
        amount: i64,
        /// Checkout seconds the till measured.
        checkout: Option<i64>,
    },
    /// A card refund: a return of that sale (counted as a returned sale on its first refund).
    Refund {
        /// Mall.
        mall: String,
        /// Merchant.
        merchant: i64,
        /// When.
        at: i64,
        /// Fen.
        amount: i64,
        /// The payment's first refund.
        first: bool,
    },
    /// A purchase reversed by finance: it no longer counts as a sale.
    PurchaseReversed {
        /// Mall.
        mall: String,
        /// Merchant.
        merchant: i64,
        /// When the reversal happened.
        at: i64,
        /// Fen.
        amount: i64,
    },
    /// A refund reversed: its amount no longer reduces net sales.
    RefundReversed {
        /// Mall.
        mall: String,
        /// Merchant.
        merchant: i64,
        /// When.
        at: i64,
        /// Fen.
        amount: i64,
    },
}

/// Ticket-size buckets (lower bounds in yuan) of the card-type histogram.
pub const TICKET_BUCKETS: &[i64] = &[0, 100, 300, 500, 1_000, 2_000, 3_000, 5_000, 8_000];

/// The bucket of an amount in fen.
pub fn ticket_bucket(fen: i64) -> i64 {
    TICKET_BUCKETS.iter().rposition(|b| fen >= b * 100).unwrap_or(0) as i64
}

/// A key part.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum K {
    /// Integer.
    I(i64),
    /// Text.
    T(String),
}

/// Sums per key, written with one upsert. A hash map, sorted once when written
/// ([`Agg::sorted`]): a large demo adds to these tens of millions of times, and a map kept in
/// order spent that time comparing keys that mostly share their mall code and "2024-..." days.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Agg(pub HashMap<Vec<K>, Vec<i64>, foldhash::fast::RandomState>);

impl Agg {
    /// The sums in key order: every transaction upserts in the same order (on PostgreSQL, two
    /// writers adding to the same rows then lock them in the same order and never deadlock).
    pub fn sorted(&self) -> Vec<(&Vec<K>, &Vec<i64>)> {
        let mut rows: Vec<(&Vec<K>, &Vec<i64>)> = self.0.iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        rows
    }

    /// Adds `vals` to `key`'s sums.
    pub fn add(&mut self, key: Vec<K>, vals: &[i64]) {
        let e = self.0.entry(key).or_insert_with(|| vec![0; vals.len()]);
        for (a, v) in e.iter_mut().zip(vals) {
            *a += v;
        }
    }
}

/// All rollup deltas of one write.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Deltas {
    /// r_sales (mall, merchant, day, channel) -> sales, amount, returns, return_amount, checkout_sum, checkout_n
    pub sales: Agg,
    /// r_mall_day (mall, day) -> footfall, new_members, visitors_reached, sales, amount, return_amount
    pub mall_day: Agg,
    /// r_mall_month (mall, month) -> spend, targeted, delivered
    pub mall_month: Agg,
    /// r_inventory (merchant, day) -> stock_sum, stock_n, cogs
    pub inventory: Agg,
    /// r_card_hour (mall, day, card_type, hour) -> n, amount
    pub card_hour: Agg,
    /// r_card_category (mall, day, card_type, category) -> n, amount
    pub card_category: Agg,
    /// r_card_ticket (mall, day, card_type, bucket) -> n
    pub card_ticket: Agg,
    /// r_buyer_day (buyer, mall, day)
    pub buyer_days: BTreeSet<(String, String, String)>,
    /// Derived from the buyer days, never written from here (`write` relinks the touched
    /// buyers from their stored rows): r_buyer_day's (prev_day, next_day) of each row, and
    /// r_buyer_multi. Filled by [`snapshot`] and [`recompute`] so that the links are checked
    /// like every other rollup.
    pub buyer_links: BTreeMap<(String, String, String), (Option<String>, Option<String>)>,
    /// Buyers with days in more than one mall (r_buyer_multi).
    pub multi_buyers: BTreeSet<String>,
    /// r_buyer_mark (mall, date) -> days, firsts, lasts, prevs, prev_lasts, first_nexts: the
    /// buyer-day rows of single-mall buyers counted by their day, prev_day or next_day
    /// (migration 0006), also derived from the links.
    pub buyer_marks: Agg,
}

/// r_buyer_mark's count columns, in the order of [`mark`]'s values.
pub const MARK_COLUMNS: [&str; 6] = ["days", "firsts", "lasts", "prevs", "prev_lasts", "first_nexts"];

/// Adds (`sign` 1) or takes away (-1) one buyer-day row's counts in r_buyer_mark: the row on its
/// day (and whether it is the buyer's first or last day in the mall), on its previous day, and,
/// for a first day, on its next day. These let a period that starts before a mall's first buyer
/// day or ends after its last be counted without reading a buyer day (metrics::repurchase).
fn mark(marks: &mut Agg, mall: &str, day: &str, prev: Option<&str>, next: Option<&str>, sign: i64) {
    let (first, last) = (i64::from(prev.is_none()), i64::from(next.is_none()));
    marks.add(vec![t(mall), t(day)], &[sign, sign * first, sign * last, 0, 0, 0]);
    if let Some(p) = prev {
        marks.add(vec![t(mall), t(p)], &[0, 0, 0, sign, sign * last, 0]);
    }
    if let (None, Some(n)) = (prev, next) {
        marks.add(vec![t(mall), t(n)], &[0, 0, 0, 0, 0, sign]);
    }
}

/// What one sale adds to its r_sales row: sales, amount, returns, return_amount, checkout_sum,
/// checkout_n. Sums of these add up like the sales themselves ([`Deltas::sales_sum`]).
pub fn sale_values(amount: i64, returned: bool, checkout: Option<i64>) -> [i64; 6] {
    let (r, ra) = if returned { (1, amount) } else { (0, 0) };
    let (cs, cn) = checkout.map_or((0, 0), |c| (c, 1));
    [1, amount, r, ra, cs, cn]
}

/// Shanghai day and hour of a time in micros.
pub fn day_hour(at: i64) -> (NaiveDate, i64) {
    let t = chrono::DateTime::<chrono::Utc>::from_timestamp_micros(at)
        .unwrap_or_default()
        .with_timezone(&crate::clock::shanghai());
    (t.date_naive(), i64::from(t.hour()))
}

fn t(s: &str) -> K {
    K::T(s.to_string())
}

impl Deltas {
    /// Adds ledger facts to `sums` (created by the first fact: no facts, nothing to write).
    pub(crate) fn add_ledger(sums: &mut Option<Deltas>, facts: &[LedgerFact]) {
        if facts.is_empty() {
            return;
        }
        let d = sums.get_or_insert_with(Default::default);
        for f in facts {
            d.ledger(f);
        }
    }

    /// One sale (card or imported) in the sales and mall-day rollups.
    #[allow(clippy::too_many_arguments)]
    pub fn sale(
        &mut self,
        mall: &str,
        merchant: i64,
        day: &str,
        channel: &str,
        amount: i64,
        returned: bool,
        checkout: Option<i64>,
        buyer: Option<String>,
    ) {
        self.sales_sum(mall, merchant, day, channel, &sale_values(amount, returned, checkout));
        if let Some(b) = buyer {
            self.buyer_days.insert((b, mall.to_string(), day.to_string()));
        }
    }

    /// Sales of one (mall, merchant, day, channel), added up by [`sale_values`], in the sales
    /// and mall-day rollups: a file's sales are summed per key first, so its owned keys are
    /// made once per key, not once per sale.
    pub fn sales_sum(&mut self, mall: &str, merchant: i64, day: &str, channel: &str, v: &[i64; 6]) {
        self.sales.add(vec![t(mall), K::I(merchant), t(day), t(channel)], v);
        self.mall_day.add(vec![t(mall), t(day)], &[0, 0, 0, v[0], v[1], v[3]]);
    }

    /// Adds a ledger event.
    pub fn ledger(&mut self, f: &LedgerFact) {
        match f {
            LedgerFact::Sale { mall, merchant, category, card_type, buyer, at, amount, checkout } => {
                let (d, hour) = day_hour(*at);
                let day = d.to_string();
                self.sale(mall, *merchant, &day, "card", *amount, false, *checkout, Some(buyer.clone()));
                self.card_hour.add(vec![t(mall), t(&day), t(card_type), K::I(hour)], &[1, *amount]);
                self.card_category.add(vec![t(mall), t(&day), t(card_type), t(category)], &[1, *amount]);
                self.card_ticket.add(vec![t(mall), t(&day), t(card_type), K::I(ticket_bucket(*amount))], &[1]);
            }
            LedgerFact::Refund { mall, merchant, at, amount, first } => {
                let day = day_hour(*at).0.to_string();
                let n = i64::from(*first);
                self.sales.add(vec![t(mall), K::I(*merchant), t(&day), t("card")], &[0, 0, n, *amount, 0, 0]);
                self.mall_day.add(vec![t(mall), t(&day)], &[0, 0, 0, 0, 0, *amount]);
            }
            LedgerFact::PurchaseReversed { mall, merchant, at, amount } => {
                let day = day_hour(*at).0.to_string();
                self.sales.add(vec![t(mall), K::I(*merchant), t(&day), t("card")], &[-1, -amount, 0, 0, 0, 0]);
                self.mall_day.add(vec![t(mall), t(&day)], &[0, 0, 0, -1, -amount, 0]);
            }
            LedgerFact::RefundReversed { mall, merchant, at, amount } => {
                let day = day_hour(*at).0.to_string();
                self.sales.add(vec![t(mall), K::I(*merchant), t(&day), t("card")], &[0, 0, 0, -amount, 0, 0]);
                self.mall_day.add(vec![t(mall), t(&day)], &[0, 0, 0, 0, 0, -amount]);
            }
        }
    }

    /// Writes every delta with one multi-row upsert per table (in chunks under the parameter
    /// limits).
    ///
    /// The buyer days go first: their rows are the buyers' own. The sums come last, in one
    /// statement on PostgreSQL when they fit: a mall's day is one row every writer adds to, and
    /// its lock is held until the commit, so the less that happens after it the less the other
    /// writers wait.
    pub async fn write(&self, tx: &mut AnyConnection, backend: Backend) -> Result<()> {
        let marks = write_buyer_days(tx, backend, &self.buyer_days).await?;
        let tables: [(&str, &[&str], &[&str], &Agg); 8] = [
            (
                "r_sales",
                &["mall", "merchant", "day", "channel"],
                &["sales", "amount", "returns", "return_amount", "checkout_sum", "checkout_n"],
                &self.sales,
            ),
            (
                "r_mall_day",
                &["mall", "day"],
                &["footfall", "new_members", "visitors_reached", "sales", "amount", "return_amount"],
                &self.mall_day,
            ),
            ("r_mall_month", &["mall", "month"], &["spend", "targeted", "delivered"], &self.mall_month),
            ("r_inventory", &["merchant", "day"], &["stock_sum", "stock_n", "cogs"], &self.inventory),
            ("r_card_hour", &["mall", "day", "card_type", "hour"], &["n", "amount"], &self.card_hour),
            ("r_card_category", &["mall", "day", "card_type", "category"], &["n", "amount"], &self.card_category),
            ("r_card_ticket", &["mall", "day", "card_type", "bucket"], &["n"], &self.card_ticket),
            ("r_buyer_mark", &["mall", "day"], &MARK_COLUMNS, &marks),
        ];
        upsert_all(tx, backend, &tables).await
    }

    /// What `write` makes of the buyer days in r_buyer_day's links and r_buyer_multi: each
    /// day's previous and next day of the same buyer in the same mall.
    pub fn derive_links(&mut self) {
        self.buyer_links.clear();
        let mut malls: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        // The set is ordered by (buyer, mall, day): a row's neighbours are its set neighbours
        // when they share buyer and mall.
        let rows: Vec<&(String, String, String)> = self.buyer_days.iter().collect();
        for (i, r) in rows.iter().enumerate() {
            let same = |o: &&&(String, String, String)| o.0 == r.0 && o.1 == r.1;
            let prev = i.checked_sub(1).and_then(|j| rows.get(j)).filter(same).map(|o| o.2.clone());
            let next = rows.get(i + 1).filter(same).map(|o| o.2.clone());
            self.buyer_links.insert((*r).clone(), (prev, next));
            malls.entry(r.0.as_str()).or_default().insert(r.1.as_str());
        }
        self.multi_buyers = malls.into_iter().filter(|(_, m)| m.len() > 1).map(|(b, _)| b.to_string()).collect();
        self.buyer_marks = Agg::default();
        for ((b, m, day), (prev, next)) in &self.buyer_links {
            if !self.multi_buyers.contains(b) {
                mark(&mut self.buyer_marks, m, day, prev.as_deref(), next.as_deref(), 1);
            }
        }
        self.buyer_marks.0.retain(|_, v| v.iter().any(|x| *x != 0));
    }
}

/// A stored or new buyer-day row of one buyer in one mall: (prev_day, next_day) as stored, or
/// None for a day this write adds.
type Links<'a> = Option<(Option<&'a str>, Option<&'a str>)>;

/// Adds the buyer days and keeps r_buyer_day's links and r_buyer_multi exact: reads every
/// stored day of the touched buyers, merges the new days in, and writes back only the rows
/// whose links changed and the buyers now seen in a second mall. Returns the change of
/// r_buyer_mark (the old rows' counts out, the new ones in) for the caller to add. On PostgreSQL the touched buyers are
/// locked first (transaction advisory locks, in one global order), so two writers adding days
/// of one buyer cannot link from the same stale read.
async fn write_buyer_days(
    tx: &mut AnyConnection,
    backend: Backend,
    days: &BTreeSet<(String, String, String)>,
) -> Result<Agg> {
    // The new days in (buyer, mall, day) order: each buyer's are one run, malls and days in order.
    let days: Vec<(&str, &str, &str)> = days.iter().map(|(b, m, d)| (b.as_str(), m.as_str(), d.as_str())).collect();
    let mut buyers: Vec<&str> = days.iter().map(|d| d.0).collect();
    buyers.dedup();
    if backend == Backend::Postgres {
        // Every advisory lock holds a slot of the server's lock table until the commit, and the
        // table is small (max_locks_per_transaction x max_connections, 6,400 by default, plus
        // some slack): a sales file of 30,000 buyers, or the medium demo's batches of files, ran
        // out of it ("out of shared memory"). So a write of many buyers locks them all at once
        // instead, with BUYERS_ALL exclusively; every other write holds it shared beside its
        // buyers' own locks, and so waits for such a write, never runs beside it.
        let many = buyers.len() > MAX_BUYER_LOCKS;
        let mut keys: Vec<i64> = if many { Vec::new() } else { buyers.iter().map(|b| lock_key(b)).collect() };
        keys.push(BUYERS_ALL);
        keys.sort_unstable();
        keys.dedup();
        // Volatile functions in a select list run after its ORDER BY: the locks are taken in
        // key order after BUYERS_ALL, the same in every transaction (one statement: a round trip
        // less for every group of purchases). Counted, since the Any driver cannot decode the
        // function's void.
        let all = if many { "pg_advisory_xact_lock(k)" } else { "pg_advisory_xact_lock_shared(k)" };
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT CASE WHEN k = {BUYERS_ALL} THEN {all} ELSE pg_advisory_xact_lock(k) END \
             AS l FROM (VALUES {}) v(k) ORDER BY k <> {BUYERS_ALL}, k) s",
            crate::db::bigint_values_clause(backend, keys.len(), 1, 1)
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for k in &keys {
            q = q.bind(*k);
        }
        q.fetch_one(&mut *tx).await?;
    }
    let mut marks = Agg::default();
    let mut rows: Vec<(&str, String, String, Option<String>, Option<String>)> = Vec::new();
    let mut multi: Vec<&str> = Vec::new();
    let mut next_new = 0;
    for chunk in buyers.chunks(8_000) {
        let ph = placeholders(backend, chunk.len(), 1);
        let mut stored = stored_days(tx, backend, chunk).await?;
        // In the new days' order, Rust's byte order (PostgreSQL's collation may order text
        // otherwise): a buyer's stored and new days are then merged in one pass, with no map.
        stored.sort_unstable_by(|x, y| (&x.0, &x.1, &x.2).cmp(&(&y.0, &y.1, &y.2)));
        let sql = format!("SELECT buyer FROM r_buyer_multi WHERE buyer IN ({ph})");
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for b in chunk {
            q = q.bind(b.to_string());
        }
        let was_multi: BTreeSet<String> = q.fetch_all(&mut *tx).await?.into_iter().collect();
        let mut next_stored = 0;
        // A buyer's days, (mall, day, links as stored or None if new), in (mall, day) order.
        let mut merged: Vec<(&str, &str, Links<'_>)> = Vec::new();
        for &b in chunk {
            let new_end = next_new + days[next_new..].iter().take_while(|d| d.0 == b).count();
            let new = &days[next_new..new_end];
            next_new = new_end;
            let old_end = next_stored + stored[next_stored..].iter().take_while(|r| r.0 == b).count();
            let old = &stored[next_stored..old_end];
            next_stored = old_end;
            merged.clear();
            let (mut i, mut j) = (0, 0);
            let mut added = false;
            while i < old.len() || j < new.len() {
                let o = old.get(i).map(|r| (r.1.as_str(), r.2.as_str()));
                let n = new.get(j).map(|d| (d.1, d.2));
                match (o, n) {
                    (Some(o), Some(n)) if o == n => {
                        merged.push((o.0, o.1, Some((old[i].3.as_deref(), old[i].4.as_deref()))));
                        i += 1;
                        j += 1;
                    }
                    (Some(o), n) if n.is_none_or(|n| o < n) => {
                        merged.push((o.0, o.1, Some((old[i].3.as_deref(), old[i].4.as_deref()))));
                        i += 1;
                    }
                    (_, Some(n)) => {
                        merged.push((n.0, n.1, None));
                        added = true;
                        j += 1;
                    }
                    (_, None) => break,
                }
            }
            if !added {
                continue;
            }
            let old_multi = was_multi.contains(b);
            let new_multi = merged.first().is_some_and(|f| merged.iter().any(|x| x.0 != f.0));
            if new_multi && !old_multi {
                multi.push(b);
            }
            for (k, &(m, d, old)) in merged.iter().enumerate() {
                let prev = k.checked_sub(1).map(|p| merged[p]).filter(|p| p.0 == m).map(|p| p.1);
                let next = merged.get(k + 1).filter(|x| x.0 == m).map(|x| x.1);
                let same = old == Some((prev, next));
                // A stored day whose links stay, of a buyer who stays in one mall (or stays
                // in several), counts out and back in the same: most of a buyer's days.
                if same && old_multi == new_multi {
                    continue;
                }
                if let (Some((p, n)), false) = (old, old_multi) {
                    mark(&mut marks, m, d, p, n, -1);
                }
                if !new_multi {
                    mark(&mut marks, m, d, prev, next, 1);
                }
                if !same {
                    rows.push((b, m.to_string(), d.to_string(), prev.map(str::to_string), next.map(str::to_string)));
                }
            }
        }
    }
    if backend == Backend::Sqlite && crate::db::each_available() {
        let sql = format!(
            "INSERT INTO r_buyer_day (buyer, mall, day, prev_day, next_day) VALUES {} ON CONFLICT (buyer, mall, day) \
             DO UPDATE SET prev_day = excluded.prev_day, next_day = excluded.next_day",
            values_clause(backend, 1, 5, 1)
        );
        let rows = std::mem::take(&mut rows)
            .into_iter()
            .map(|(b, m, d, p, n)| vec![V::T(b.to_string()), V::T(m), V::T(d), V::NT(p), V::NT(n)])
            .collect();
        crate::db::exec_each(tx, sql, rows).await?;
    }
    for chunk in rows.chunks(6_000) {
        let sql = format!(
            "INSERT INTO r_buyer_day (buyer, mall, day, prev_day, next_day) VALUES {} ON CONFLICT (buyer, mall, day) \
             DO UPDATE SET prev_day = excluded.prev_day, next_day = excluded.next_day",
            values_clause(backend, chunk.len(), 5, 1)
        );
        let mut q = sqlx::query(&sql);
        for (b, m, d, p, n) in chunk {
            q = q.bind(b.to_string()).bind(m.clone()).bind(d.clone()).bind(p.clone()).bind(n.clone());
        }
        q.execute(&mut *tx).await?;
    }
    for chunk in multi.chunks(8_000) {
        let sql = format!(
            "INSERT INTO r_buyer_multi (buyer) VALUES {} ON CONFLICT (buyer) DO NOTHING",
            values_clause(backend, chunk.len(), 1, 1)
        );
        let mut q = sqlx::query(&sql);
        for b in chunk {
            q = q.bind(b.to_string());
        }
        q.execute(&mut *tx).await?;
    }
    marks.0.retain(|_, v| v.iter().any(|x| *x != 0));
    Ok(marks)
}

/// A stored buyer-day row: (buyer, mall, day, prev_day, next_day).
type StoredDay = (String, String, String, Option<String>, Option<String>);

/// The stored days of `buyers`. SQLite hands them over as one JSON array: sqlx passes every
/// row of a result from its SQLite thread to this one separately, and for the tens of thousands
/// of stored days a sales file's buyers have, those hand-overs cost more than reading the rows.
async fn stored_days(tx: &mut AnyConnection, backend: Backend, buyers: &[&str]) -> Result<Vec<StoredDay>> {
    let ph = placeholders(backend, buyers.len(), 1);
    if backend == Backend::Sqlite {
        let sql = format!(
            "SELECT json_group_array(json_array(buyer, mall, day, prev_day, next_day)) FROM r_buyer_day \
             WHERE buyer IN ({ph})"
        );
        let q = buyers.iter().fold(sqlx::query_scalar::<_, String>(&sql), |q, b| q.bind(b.to_string()));
        let json = q.fetch_one(&mut *tx).await?;
        return serde_json::from_str(&json)
            .map_err(|e| crate::error::Error::internal(format!("stored buyer days: {e}")));
    }
    let sql = format!("SELECT buyer, mall, day, prev_day, next_day FROM r_buyer_day WHERE buyer IN ({ph})");
    let q = buyers.iter().fold(sqlx::query_as::<_, StoredDay>(&sql), |q, b| q.bind(b.to_string()));
    Ok(q.fetch_all(&mut *tx).await?)
}

/// The most buyers a PostgreSQL write locks one by one. A writer's group of up to 1,024
/// purchases stays under it, so writers of different cards still run side by side; four
/// writers and an import then hold at most ~5,200 locks of the ~6,400 the server's default
/// lock table has room for.
const MAX_BUYER_LOCKS: usize = 1_100;

/// The advisory lock key that stands for every buyer (see [`write_buyer_days`]); no buyer's
/// key is the same.
const BUYERS_ALL: i64 = 0x4f4e_4543_4152_4442; // "ONECARDB"

/// A buyer's advisory-lock key (FNV-1a: stable across processes and releases, unlike Rust's
/// default hasher).
fn lock_key(buyer: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in buyer.bytes() {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Two buyers may share a key (they only wait for each other), never a buyer BUYERS_ALL.
    if h as i64 == BUYERS_ALL {
        h ^= 1;
    }
    h as i64
}

/// One rollup table's sums to add: (table, key columns, sum columns, sums).
type Part<'a> = (&'a str, &'a [&'a str], &'a [&'a str], &'a Agg);

/// Adds every table's sums: on PostgreSQL in one statement (a data-modifying CTE per table)
/// when it stays under the parameter limit, otherwise one multi-row upsert per table and chunk.
async fn upsert_all(tx: &mut AnyConnection, backend: Backend, parts: &[Part<'_>]) -> Result<()> {
    let parts: Vec<&Part> = parts.iter().filter(|p| !p.3 .0.is_empty()).collect();
    let params: usize = parts.iter().map(|(_, k, v, a)| a.0.len() * (k.len() + v.len())).sum();
    if backend == Backend::Postgres && parts.len() > 1 && params <= 30_000 {
        let mut ctes = Vec::with_capacity(parts.len());
        let mut next = 1;
        for (i, (table, keys, vals, agg)) in parts.iter().enumerate() {
            let ncols = keys.len() + vals.len();
            ctes.push(format!("u{i} AS ({} RETURNING 1)", upsert_sql(backend, table, keys, vals, agg.0.len(), next)));
            next += agg.0.len() * ncols;
        }
        let sql = format!("WITH {} SELECT 1", ctes.join(", "));
        let mut q = sqlx::query(&sql);
        for (_, _, _, agg) in &parts {
            for (k, v) in agg.sorted() {
                q = bind_sums(q, k, v);
            }
        }
        q.execute(&mut *tx).await?;
        return Ok(());
    }
    let each = backend == Backend::Sqlite && crate::db::each_available();
    for (table, keys, vals, agg) in parts {
        if each {
            // One prepared one-row upsert stepped per key inside SQLite (db::exec_each).
            let rows = agg
                .sorted()
                .into_iter()
                .map(|(k, v)| {
                    let keys = k.iter().map(|part| match part {
                        K::I(i) => V::I(*i),
                        K::T(s) => V::T(s.clone()),
                    });
                    keys.chain(v.iter().map(|x| V::I(*x))).collect()
                })
                .collect();
            crate::db::exec_each(tx, upsert_sql(backend, table, keys, vals, 1, 1), rows).await?;
            continue;
        }
        let ncols = keys.len() + vals.len();
        let rows = agg.sorted();
        for chunk in rows.chunks(30_000 / ncols) {
            let sql = upsert_sql(backend, table, keys, vals, chunk.len(), 1);
            let mut q = sqlx::query(&sql);
            for (k, v) in chunk {
                q = bind_sums(q, k, v);
            }
            q.execute(&mut *tx).await?;
        }
    }
    Ok(())
}

/// `INSERT ... ON CONFLICT ... DO UPDATE SET x = x + excluded.x` of `rows` rows, parameters
/// numbered from `start`.
fn upsert_sql(backend: Backend, table: &str, keys: &[&str], vals: &[&str], rows: usize, start: usize) -> String {
    let set: Vec<String> = vals.iter().map(|v| format!("{v} = {table}.{v} + excluded.{v}")).collect();
    format!(
        "INSERT INTO {table} ({}, {}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
        keys.join(", "),
        vals.join(", "),
        values_clause(backend, rows, keys.len() + vals.len(), start),
        keys.join(", "),
        set.join(", ")
    )
}

fn bind_sums<'q>(
    mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    k: &[K],
    v: &[i64],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for part in k {
        q = match part {
            K::I(i) => q.bind(*i),
            K::T(s) => q.bind(s.clone()),
        };
    }
    for x in v {
        q = q.bind(*x);
    }
    q
}

/// Every rollup table as it is stored (for checks and tests).
pub async fn snapshot(db: &Db) -> Result<Deltas> {
    let mut d = Deltas::default();
    let specs: [(&str, usize, &str, usize); 8] = [
        (
            "r_sales",
            4,
            "mall, merchant, day, channel, sales, amount, returns, return_amount, checkout_sum, checkout_n",
            6,
        ),
        ("r_mall_day", 2, "mall, day, footfall, new_members, visitors_reached, sales, amount, return_amount", 6),
        ("r_mall_month", 2, "mall, month, spend, targeted, delivered", 3),
        ("r_inventory", 2, "merchant, day, stock_sum, stock_n, cogs", 3),
        ("r_card_hour", 4, "mall, day, card_type, hour, n, amount", 2),
        ("r_card_category", 4, "mall, day, card_type, category, n, amount", 2),
        ("r_card_ticket", 4, "mall, day, card_type, bucket, n", 1),
        ("r_buyer_mark", 2, "mall, day, days, firsts, lasts, prevs, prev_lasts, first_nexts", 6),
    ];
    for (i, (table, nkeys, cols, _)) in specs.iter().enumerate() {
        let sql = format!("SELECT {cols} FROM {table}");
        let rows = sqlx::query(&sql).fetch_all(&db.pool).await?;
        let agg = match i {
            0 => &mut d.sales,
            1 => &mut d.mall_day,
            2 => &mut d.mall_month,
            3 => &mut d.inventory,
            4 => &mut d.card_hour,
            5 => &mut d.card_category,
            6 => &mut d.card_ticket,
            _ => &mut d.buyer_marks,
        };
        for row in rows {
            use sqlx::Row;
            let mut key = Vec::new();
            let mut vals = Vec::new();
            for c in 0..row.len() {
                let v = match row.try_get::<i64, _>(c) {
                    Ok(i) => K::I(i),
                    Err(_) => K::T(row.try_get::<String, _>(c)?),
                };
                if c < *nkeys {
                    key.push(v);
                } else if let K::I(i) = v {
                    vals.push(i);
                }
            }
            // Zero rows (a sale and its reversal) are the same as no row.
            if vals.iter().any(|v| *v != 0) {
                agg.0.insert(key, vals);
            }
        }
    }
    let bd: Vec<(String, String, String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT buyer, mall, day, prev_day, next_day FROM r_buyer_day").fetch_all(&db.pool).await?;
    for (b, m, day, prev, next) in bd {
        d.buyer_days.insert((b.clone(), m.clone(), day.clone()));
        d.buyer_links.insert((b, m, day), (prev, next));
    }
    let multi: Vec<String> = sqlx::query_scalar("SELECT buyer FROM r_buyer_multi").fetch_all(&db.pool).await?;
    d.multi_buyers = multi.into_iter().collect();
    Ok(d)
}

/// The rollups recomputed from the raw rows (the ledger's payments and refunds, the imported
/// tables): what [`snapshot`] must equal.
pub async fn recompute(db: &Db) -> Result<Deltas> {
    let mut d = Deltas::default();
    let merchants: HashMap<i64, (String, String)> =
        sqlx::query_as::<_, (i64, String, String)>("SELECT id, mall, category FROM merchants")
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .map(|(id, m, c)| (id, (m, c)))
            .collect();
    let cards: HashMap<i64, (String, Option<i64>)> =
        sqlx::query_as::<_, (i64, String, Option<i64>)>("SELECT id, card_type, member_id FROM cards")
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .map(|(id, t, m)| (id, (t, m)))
            .collect();
    let pays: Vec<(i64, i64, i64, i64, Option<i64>, i64, i64)> = sqlx::query_as(
        "SELECT p.id, p.card_id, p.merchant_id, p.amount, p.checkout_seconds, p.created_at, p.entry_id FROM payments p",
    )
    .fetch_all(&db.pool)
    .await?;
    let types = ["physical", "virtual", "cobrand"];
    let mut pay_info = HashMap::new();
    for (id, card, merchant, amount, checkout, at, _) in &pays {
        let Some((mall, category)) = merchants.get(merchant) else { continue };
        let Some((ct, member)) = cards.get(card) else { continue };
        let card_type = types.iter().find(|t| *t == ct).copied().unwrap_or("physical");
        let buyer = member.map_or(format!("c:{card}"), |m| format!("m:{m}"));
        d.ledger(&LedgerFact::Sale {
            mall: mall.clone(),
            merchant: *merchant,
            category: category.clone(),
            card_type,
            buyer,
            at: *at,
            amount: *amount,
            checkout: *checkout,
        });
        pay_info.insert(*id, (mall.clone(), *merchant));
    }
    let refunds: Vec<(i64, i64, i64, i64)> =
        sqlx::query_as("SELECT id, payment_id, amount, created_at FROM refunds ORDER BY id")
            .fetch_all(&db.pool)
            .await?;
    let mut seen = BTreeSet::new();
    for (_, pid, amount, at) in refunds {
        let Some((mall, merchant)) = pay_info.get(&pid) else { continue };
        let first = seen.insert(pid);
        d.ledger(&LedgerFact::Refund { mall: mall.clone(), merchant: *merchant, at, amount, first });
    }
    // Reversals: of a purchase (no longer a sale) and of a refund (no longer a return).
    let revs: Vec<(i64, i64, Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT e.created_at, e.reverses, (SELECT p.id FROM payments p WHERE p.entry_id = e.reverses), \
         (SELECT r.payment_id FROM refunds r WHERE r.entry_id = e.reverses), \
         (SELECT r.amount FROM refunds r WHERE r.entry_id = e.reverses) \
         FROM journal_entries e WHERE e.reverses IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let amounts: HashMap<i64, i64> = pays.iter().map(|p| (p.0, p.3)).collect();
    for (at, _, purchase, refunded_payment, refund_amount) in revs {
        if let Some(pid) = purchase {
            let Some((mall, merchant)) = pay_info.get(&pid) else { continue };
            let amount = amounts.get(&pid).copied().unwrap_or(0);
            d.ledger(&LedgerFact::PurchaseReversed { mall: mall.clone(), merchant: *merchant, at, amount });
        } else if let (Some(pid), Some(amount)) = (refunded_payment, refund_amount) {
            let Some((mall, merchant)) = pay_info.get(&pid) else { continue };
            d.ledger(&LedgerFact::RefundReversed { mall: mall.clone(), merchant: *merchant, at, amount });
        }
    }
    let sales: Vec<(String, i64, String, String, i64, String, Option<i64>, i64)> = sqlx::query_as(
        "SELECT mall, merchant, channel, day, amount, customer_id, checkout_seconds, returned \
         FROM imported_sales WHERE card_payment_id IS NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    for (mall, merchant, channel, day, amount, customer, checkout, returned) in sales {
        let buyer = (!customer.is_empty()).then(|| format!("x:{customer}"));
        d.sale(&mall, merchant, &day, &channel, amount, returned != 0, checkout, buyer);
    }
    let ff: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT mall, day, entries FROM imported_footfall").fetch_all(&db.pool).await?;
    for (mall, day, n) in ff {
        d.mall_day.add(vec![K::T(mall), K::T(day)], &[n, 0, 0, 0, 0, 0]);
    }
    let mem: Vec<(String, String, i64, i64)> =
        sqlx::query_as("SELECT mall, day, new_members, visitors_reached FROM imported_members")
            .fetch_all(&db.pool)
            .await?;
    for (mall, day, n, v) in mem {
        d.mall_day.add(vec![K::T(mall), K::T(day)], &[0, n, v, 0, 0, 0]);
    }
    let mk: Vec<(String, String, i64, i64, i64)> =
        sqlx::query_as("SELECT mall, month, spend, targeted, delivered FROM imported_marketing")
            .fetch_all(&db.pool)
            .await?;
    for (mall, month, s, tg, dl) in mk {
        d.mall_month.add(vec![K::T(mall), K::T(month)], &[s, tg, dl]);
    }
    let inv: Vec<(i64, String, i64, i64)> =
        sqlx::query_as("SELECT merchant, day, stock_at_cost, cogs FROM imported_inventory").fetch_all(&db.pool).await?;
    for (m, day, s, c) in inv {
        d.inventory.add(vec![K::I(m), K::T(day)], &[s, 1, c]);
    }
    for agg in [
        &mut d.sales,
        &mut d.mall_day,
        &mut d.mall_month,
        &mut d.inventory,
        &mut d.card_hour,
        &mut d.card_category,
        &mut d.card_ticket,
    ] {
        agg.0.retain(|_, v| v.iter().any(|x| *x != 0));
    }
    d.derive_links();
    Ok(d)
}

/// The weekday (0 = Monday) of a day string.
pub fn weekday(day: &str) -> Option<u32> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok().map(|d| d.weekday().num_days_from_monday())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sums added in any order come out whole and in key order, the order every transaction
    /// upserts them in.
    #[test]
    fn sums_are_written_in_key_order() {
        let mut a = Agg::default();
        let keys = [("M2", "2025-01-02"), ("M1", "2025-01-03"), ("M1", "2024-12-31"), ("M2", "2025-01-02")];
        for (i, (m, d)) in keys.iter().enumerate() {
            a.add(vec![t(m), t(d)], &[1, i as i64]);
        }
        let got: Vec<(Vec<K>, Vec<i64>)> = a.sorted().into_iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(
            got,
            vec![
                (vec![t("M1"), t("2024-12-31")], vec![1, 2]),
                (vec![t("M1"), t("2025-01-03")], vec![1, 1]),
                (vec![t("M2"), t("2025-01-02")], vec![2, 3]),
            ]
        );
    }
}
