//! The rollup tables: per-day aggregates that imports and the ledger's flush keep current in the
//! same transaction as the rows they summarize. Each writer aggregates its rows in memory first
//! and then writes one multi-row upsert per table (`ON CONFLICT ... DO UPDATE SET x = x + new`),
//! so the cost per purchase is a hash-map update, not a statement.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, Timelike};
use sqlx::{Any, Transaction};

use crate::db::{placeholders, values_clause, Backend, Db};
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

/// Sums per key, written with one upsert.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Agg(pub BTreeMap<Vec<K>, Vec<i64>>);

impl Agg {
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
    /// Derived from the buyer days, never written from here (`write` links the touched buyers
    /// in SQL): r_buyer_day's (prev_day, next_day) of each row, and r_buyer_multi. Filled by
    /// [`snapshot`] and [`recompute`] so that the links are checked like every other rollup.
    pub buyer_links: BTreeMap<(String, String, String), (Option<String>, Option<String>)>,
    /// Buyers with days in more than one mall (r_buyer_multi).
    pub multi_buyers: BTreeSet<String>,
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
        let (r, ra) = if returned { (1, amount) } else { (0, 0) };
        let (cs, cn) = checkout.map_or((0, 0), |c| (c, 1));
        self.sales.add(vec![t(mall), K::I(merchant), t(day), t(channel)], &[1, amount, r, ra, cs, cn]);
        self.mall_day.add(vec![t(mall), t(day)], &[0, 0, 0, 1, amount, ra]);
        if let Some(b) = buyer {
            self.buyer_days.insert((b, mall.to_string(), day.to_string()));
        }
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
    pub async fn write(&self, tx: &mut Transaction<'static, Any>, backend: Backend) -> Result<()> {
        let tables: [(&str, &[&str], &[&str], &Agg); 7] = [
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
        ];
        for (table, keys, vals, agg) in tables {
            upsert(tx, backend, table, keys, vals, agg).await?;
        }
        let rows: Vec<&(String, String, String)> = self.buyer_days.iter().collect();
        for chunk in rows.chunks(8_000) {
            let sql = format!(
                "INSERT INTO r_buyer_day (buyer, mall, day) VALUES {} ON CONFLICT (buyer, mall, day) DO NOTHING",
                values_clause(backend, chunk.len(), 3, 1)
            );
            let mut q = sqlx::query(&sql);
            for (b, m, d) in chunk {
                q = q.bind(b.clone()).bind(m.clone()).bind(d.clone());
            }
            q.execute(&mut **tx).await?;
        }
        link_buyers(tx, backend, &self.buyer_days).await
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
    }
}

/// Relinks every day of the given buyers (prev/next day in the same mall) and lists those now
/// seen in more than one mall. Set-based: two correlated lookups on the primary key per row of a
/// touched buyer, so a day inserted between two others fixes both neighbours too.
async fn link_buyers(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    days: &BTreeSet<(String, String, String)>,
) -> Result<()> {
    let buyers: BTreeSet<&str> = days.iter().map(|(b, _, _)| b.as_str()).collect();
    let buyers: Vec<&str> = buyers.into_iter().collect();
    for chunk in buyers.chunks(8_000) {
        let ph = placeholders(backend, chunk.len(), 1);
        let link = format!(
            "UPDATE r_buyer_day SET \
             prev_day = (SELECT MAX(b.day) FROM r_buyer_day b \
               WHERE b.buyer = r_buyer_day.buyer AND b.mall = r_buyer_day.mall AND b.day < r_buyer_day.day), \
             next_day = (SELECT MIN(b.day) FROM r_buyer_day b \
               WHERE b.buyer = r_buyer_day.buyer AND b.mall = r_buyer_day.mall AND b.day > r_buyer_day.day) \
             WHERE buyer IN ({ph})"
        );
        let multi = format!(
            "INSERT INTO r_buyer_multi (buyer) SELECT buyer FROM r_buyer_day WHERE buyer IN ({ph}) \
             GROUP BY buyer HAVING COUNT(DISTINCT mall) > 1 ON CONFLICT (buyer) DO NOTHING"
        );
        for sql in [link, multi] {
            let mut q = sqlx::query(&sql);
            for b in chunk {
                q = q.bind(b.to_string());
            }
            q.execute(&mut **tx).await?;
        }
    }
    Ok(())
}

async fn upsert(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    table: &str,
    keys: &[&str],
    vals: &[&str],
    agg: &Agg,
) -> Result<()> {
    if agg.0.is_empty() {
        return Ok(());
    }
    let ncols = keys.len() + vals.len();
    let set: Vec<String> = vals.iter().map(|v| format!("{v} = {table}.{v} + excluded.{v}")).collect();
    let rows: Vec<(&Vec<K>, &Vec<i64>)> = agg.0.iter().collect();
    for chunk in rows.chunks(30_000 / ncols) {
        let sql = format!(
            "INSERT INTO {table} ({}, {}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
            keys.join(", "),
            vals.join(", "),
            values_clause(backend, chunk.len(), ncols, 1),
            keys.join(", "),
            set.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (k, v) in chunk {
            for part in k.iter() {
                q = match part {
                    K::I(i) => q.bind(*i),
                    K::T(s) => q.bind(s.clone()),
                };
            }
            for x in v.iter() {
                q = q.bind(*x);
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The engine's hook: this transaction's ledger events into the rollups.
pub(crate) async fn ledger(tx: &mut Transaction<'static, Any>, backend: Backend, facts: Vec<LedgerFact>) -> Result<()> {
    let mut d = Deltas::default();
    for f in &facts {
        d.ledger(f);
    }
    d.write(tx, backend).await
}

/// Every rollup table as it is stored (for checks and tests).
pub async fn snapshot(db: &Db) -> Result<Deltas> {
    let mut d = Deltas::default();
    let specs: [(&str, usize, &str, usize); 7] = [
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
            _ => &mut d.card_ticket,
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
