//! T+1 settlement. `settle --date D` settles business day D (Asia/Shanghai) once it is over. The
//! day's figures per merchant come from one set-based query (GROUP BY over the day's payments,
//! refunds and reversals), so the cost is a scan of one day, not a statement per payment:
//!
//! - gross: purchases made on D;
//! - refunds: refunds made on D (of any purchase, settled or not) plus purchases reversed on D,
//!   minus refunds reversed on D;
//! - fees: fees charged on D's purchases minus fees returned by D's refunds and reversals;
//! - net = gross - refunds - fees; payout = net + carry_in when positive, else the (negative)
//!   sum carries forward to the next batch. carry_in = the previous batch's carry_out plus payouts
//!   the bank returned since.
//!
//! One journal entry moves, per merchant, fees + payout out of its payable: the payout to the
//! payouts account (money on its way to the bank) and the fees to the issuer's and operator's fee
//! income (split by `fee_issuer_bps`, default 30%, the issuer's share rounded half-up).

#![allow(clippy::float_arithmetic)] // benchmark seconds only, never money

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{json, Value};

use super::auth::{require, require_merchant, Act};
use super::{split_fee, ClearingOp};
use crate::auth::Actor;
use crate::clock::day_start_micros;
use crate::db::values_clause;
use crate::engine::Batch;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::Core;

/// What `settle` prints.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SettleSummary {
    /// The business day settled.
    pub date: String,
    /// The batch.
    pub batch_id: i64,
    /// Merchants with a line in the batch.
    pub merchants: i64,
    /// Purchases of the day.
    pub gross: Money,
    /// Refunds (and reversals) of the day.
    pub refunds: Money,
    /// Fees charged minus returned.
    pub fees: Money,
    /// gross - refunds - fees.
    pub net: Money,
    /// Issuer's share of the fees.
    pub fee_issuer: Money,
    /// Operator's share of the fees.
    pub fee_operator: Money,
    /// Paid out to merchants (net plus what was carried in, where positive).
    pub payout: Money,
    /// A stored batch answered again.
    pub replayed: bool,
}

/// One merchant's line of a batch.
#[derive(Debug, Clone, Default)]
struct Line {
    gross: i64,
    refunds: i64,
    fees: i64,
    carry_in: i64,
}

const DAY_SQL: &str = "SELECT merchant_id, CAST(SUM(g) AS BIGINT), CAST(SUM(r) AS BIGINT), CAST(SUM(f) AS BIGINT) FROM (\
     SELECT merchant_id, amount AS g, 0 AS r, fee AS f FROM payments WHERE created_at >= $1 AND created_at < $2 \
     UNION ALL SELECT p.merchant_id, 0, f.amount, -f.fee FROM refunds f JOIN payments p ON p.id = f.payment_id \
       WHERE f.created_at >= $3 AND f.created_at < $4 \
     UNION ALL SELECT p.merchant_id, 0, p.amount, -p.fee FROM journal_entries j JOIN payments p ON p.entry_id = j.reverses \
       WHERE j.reverses IS NOT NULL AND j.created_at >= $5 AND j.created_at < $6 \
     UNION ALL SELECT p.merchant_id, 0, -f.amount, f.fee FROM journal_entries j JOIN refunds f ON f.entry_id = j.reverses \
       JOIN payments p ON p.id = f.payment_id WHERE j.reverses IS NOT NULL AND j.created_at >= $7 AND j.created_at < $8\
     ) x GROUP BY merchant_id";

impl Batch<'_> {
    pub(crate) async fn settle(&mut self, day: NaiveDate, actor: &Actor) -> Result<Value> {
        require(actor, Act::Finance)?;
        if day >= self.today {
            return Err(Error::new(
                "day_not_closed",
                format!("business day {day} is not over yet (today is {} in Asia/Shanghai)", self.today),
            ));
        }
        let d = day.to_string();
        if let Some(s) = self.stored_batch(&d).await? {
            return serde_json::to_value(SettleSummary { replayed: true, ..s }).map_err(Error::internal);
        }
        let later: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM settlement_batches WHERE day > $1")
            .bind(d.clone())
            .fetch_one(&mut *self.tx)
            .await?;
        if later > 0 {
            return Err(Error::new(
                "settlement_out_of_order",
                format!("a later day than {day} is already settled; days are settled in order"),
            ));
        }
        let prev: Option<i64> =
            sqlx::query_scalar("SELECT id FROM settlement_batches WHERE day < $1 ORDER BY day DESC LIMIT 1")
                .bind(d.clone())
                .fetch_optional(&mut *self.tx)
                .await?;
        let (start, end) = (day_start_micros(day), day_start_micros(day + chrono::Days::new(1)));
        let mut lines: BTreeMap<i64, Line> = BTreeMap::new();
        let mut q = sqlx::query_as::<_, (i64, i64, i64, i64)>(DAY_SQL);
        for _ in 0..4 {
            q = q.bind(start).bind(end);
        }
        for (m, g, r, f) in q.fetch_all(&mut *self.tx).await? {
            lines.insert(m, Line { gross: g, refunds: r, fees: f, carry_in: 0 });
        }
        let carried: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT merchant_id, CAST(SUM(c) AS BIGINT) FROM (\
             SELECT merchant_id, carry_out AS c FROM settlement_lines WHERE batch_id = $1 AND carry_out <> 0 \
             UNION ALL SELECT merchant_id, payout FROM settlement_lines \
             WHERE status = 'returned' AND recarried_batch IS NULL) x GROUP BY merchant_id",
        )
        .bind(prev.unwrap_or(-1))
        .fetch_all(&mut *self.tx)
        .await?;
        for (m, c) in carried {
            lines.entry(m).or_default().carry_in += c;
        }
        let issuer_bps = self.setting_i64("fee_issuer_bps", 3000).await?;
        let accounts: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>("SELECT id, account_id FROM merchants")
            .fetch_all(&mut *self.tx)
            .await?
            .into_iter()
            .collect();
        let ids: Vec<i64> = lines.keys().filter_map(|m| accounts.get(m).copied()).collect();
        self.load_accounts(&ids).await?;

        let batch_id = self.next_id("misc")?;
        let payout_acct = self.system_account("merchant_payout", "bank")?;
        let (fi_acct, fo_acct) =
            (self.system_account("fee_income", "issuer")?, self.system_account("fee_income", "operator")?);
        let mut postings: Vec<(i64, i64)> = Vec::with_capacity(lines.len() + 3);
        let mut rows: Vec<[i64; 11]> = Vec::with_capacity(lines.len());
        let mut statuses: Vec<&'static str> = Vec::with_capacity(lines.len());
        let mut t = [0i64; 7]; // gross, refunds, fees, fi, fo, net, payout
        for (m, l) in &lines {
            let acct = *accounts.get(m).ok_or_else(|| Error::internal(format!("merchant {m} missing")))?;
            let (fi, fo) = split_fee(l.fees, issuer_bps);
            let net = l.gross - l.refunds - l.fees;
            let total = net + l.carry_in;
            let (payout, carry_out) = if total > 0 { (total, 0) } else { (0, total) };
            if l.gross == 0 && l.refunds == 0 && l.fees == 0 && l.carry_in == 0 {
                continue;
            }
            postings.push((acct, l.fees + payout));
            for (i, v) in [l.gross, l.refunds, l.fees, fi, fo, net, payout].into_iter().enumerate() {
                t[i] += v;
            }
            rows.push([batch_id, *m, l.gross, l.refunds, l.fees, fi, fo, net, l.carry_in, payout, carry_out]);
            statuses.push(if payout > 0 { "pending" } else { "none" });
        }
        postings.push((payout_acct, -t[6]));
        postings.push((fi_acct, -t[3]));
        postings.push((fo_acct, -t[4]));
        let entry = if postings.iter().any(|(_, a)| *a != 0) {
            Some(self.add_entry("settlement", &format!("settle:{d}"), actor, &d, None, postings, None)?)
        } else {
            None
        };
        sqlx::query(
            "INSERT INTO settlement_batches (id, day, created_at, actor, merchants, gross, refunds, fees, fee_issuer, \
             fee_operator, net, payout, entry_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(batch_id)
        .bind(d.clone())
        .bind(self.now)
        .bind(actor.user.clone())
        .bind(rows.len() as i64)
        .bind(t[0])
        .bind(t[1])
        .bind(t[2])
        .bind(t[3])
        .bind(t[4])
        .bind(t[5])
        .bind(t[6])
        .bind(entry)
        .execute(&mut *self.tx)
        .await?;
        let backend = self.ctx.db.backend;
        let per = 2000;
        for (chunk, st) in rows.chunks(per).zip(statuses.chunks(per)) {
            let sql = format!(
                "INSERT INTO settlement_lines (batch_id, merchant_id, gross, refunds, fees, fee_issuer, fee_operator, \
                 net, carry_in, payout, carry_out, status) VALUES {}",
                values_clause(backend, chunk.len(), 12, 1)
            );
            let mut q = sqlx::query(&sql);
            for (r, s) in chunk.iter().zip(st) {
                for v in r {
                    q = q.bind(*v);
                }
                q = q.bind(*s);
            }
            q.execute(&mut *self.tx).await?;
        }
        sqlx::query(
            "UPDATE settlement_lines SET recarried_batch = $1 WHERE status = 'returned' AND recarried_batch IS NULL",
        )
        .bind(batch_id)
        .execute(&mut *self.tx)
        .await?;
        self.audit(actor, "settlement.run", &d, &format!("batch {batch_id}: {} merchants", rows.len()))?;
        let s = SettleSummary {
            date: d,
            batch_id,
            merchants: rows.len() as i64,
            gross: Money::from_fen(t[0]),
            refunds: Money::from_fen(t[1]),
            fees: Money::from_fen(t[2]),
            net: Money::from_fen(t[5]),
            fee_issuer: Money::from_fen(t[3]),
            fee_operator: Money::from_fen(t[4]),
            payout: Money::from_fen(t[6]),
            replayed: false,
        };
        serde_json::to_value(s).map_err(Error::internal)
    }

    async fn stored_batch(&mut self, day: &str) -> Result<Option<SettleSummary>> {
        let row: Option<(i64, i64, i64, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT id, merchants, gross, refunds, fees, net, fee_issuer, fee_operator, payout \
             FROM settlement_batches WHERE day = $1",
        )
        .bind(day)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(row.map(|(id, n, g, r, f, net, fi, fo, p)| SettleSummary {
            date: day.to_string(),
            batch_id: id,
            merchants: n,
            gross: Money::from_fen(g),
            refunds: Money::from_fen(r),
            fees: Money::from_fen(f),
            net: Money::from_fen(net),
            fee_issuer: Money::from_fen(fi),
            fee_operator: Money::from_fen(fo),
            payout: Money::from_fen(p),
            replayed: false,
        }))
    }

    pub(crate) async fn payout_mark(&mut self, batch: i64, merchant: i64, paid: bool, actor: &Actor) -> Result<Value> {
        require(actor, Act::Finance)?;
        let row: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT l.payout, l.status, m.account_id FROM settlement_lines l JOIN merchants m ON m.id = l.merchant_id \
             WHERE l.batch_id = $1 AND l.merchant_id = $2",
        )
        .bind(batch)
        .bind(merchant)
        .fetch_optional(&mut *self.tx)
        .await?;
        let (amount, status, acct) = row.ok_or_else(|| {
            Error::new("payout_not_found", format!("batch {batch} has no payout for merchant {merchant}"))
        })?;
        if status != "pending" {
            return Err(Error::new(
                "invalid_payout_state",
                format!("the payout of batch {batch} to merchant {merchant} is {status}, not pending"),
            ));
        }
        let payout_acct = self.system_account("merchant_payout", "bank")?;
        let reference = format!("payout:{batch}:{merchant}");
        let (kind, to, other) = if paid {
            // The money leaves custody for the merchant's bank.
            ("payout_paid", "paid", self.system_account("reserve_custody", "issuer")?)
        } else {
            // Back to the merchant's payable; the next batch pays it again.
            self.load_accounts(&[acct]).await?;
            ("payout_returned", "returned", acct)
        };
        let entry =
            self.add_entry(kind, &reference, actor, "", None, vec![(payout_acct, amount), (other, -amount)], None)?;
        sqlx::query("UPDATE settlement_lines SET status = $1 WHERE batch_id = $2 AND merchant_id = $3")
            .bind(to)
            .bind(batch)
            .bind(merchant)
            .execute(&mut *self.tx)
            .await?;
        self.audit(actor, &format!("payout.{to}"), &reference, &Money::from_fen(amount).to_string())?;
        Ok(
            json!({"batch": batch, "merchant": merchant, "status": to, "amount": Money::from_fen(amount), "entry_id": entry}),
        )
    }
}

/// What `bench-settle` prints.
#[derive(Debug, Clone, Serialize)]
pub struct BenchSettleReport {
    /// "sqlite" or "postgres".
    pub backend: &'static str,
    /// Purchases generated.
    pub payments: u64,
    /// Merchants they went to.
    pub merchants: u64,
    /// Seconds to generate them (bulk insert).
    pub generate_seconds: f64,
    /// Seconds `settle` took.
    pub settle_seconds: f64,
    /// The batch.
    pub settlement: SettleSummary,
    /// Whether `verify` passed afterwards.
    pub verified: bool,
}

impl Core {
    /// Settles business day `day` (`day_not_closed` before it is over); a second run answers the
    /// stored batch with `replayed: true`.
    pub async fn settle(&self, actor: &Actor, day: NaiveDate) -> Result<SettleSummary> {
        let v = self.clearing_op(actor, ClearingOp::Settle { day }).await?;
        // Money's parser refuses signs (amounts people type); settlement figures can be negative.
        let money = |k: &str| -> Result<Money> {
            let s = v[k].as_str().ok_or_else(|| Error::internal(format!("settle answer without {k}")))?;
            let m = Money::parse_allow_zero(s.trim_start_matches('-'))?;
            Ok(if s.starts_with('-') { Money::from_fen(-m.fen()) } else { m })
        };
        Ok(SettleSummary {
            date: v["date"].as_str().unwrap_or_default().to_string(),
            batch_id: v["batch_id"].as_i64().unwrap_or_default(),
            merchants: v["merchants"].as_i64().unwrap_or_default(),
            gross: money("gross")?,
            refunds: money("refunds")?,
            fees: money("fees")?,
            net: money("net")?,
            fee_issuer: money("fee_issuer")?,
            fee_operator: money("fee_operator")?,
            payout: money("payout")?,
            replayed: v["replayed"].as_bool().unwrap_or_default(),
        })
    }

    async fn batch_of(&self, day: NaiveDate) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM settlement_batches WHERE day = $1")
            .bind(day.to_string())
            .fetch_optional(&self.db().pool)
            .await?;
        id.ok_or_else(|| Error::new("not_settled", format!("business day {day} is not settled yet")))
    }

    /// The lines and totals of a day's batch.
    pub async fn settlement_show(&self, actor: &Actor, day: NaiveDate) -> Result<Value> {
        require(actor, Act::FinanceRead)?;
        let batch = self.batch_of(day).await?;
        let rows: Vec<(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, String)> = sqlx::query_as(
            "SELECT merchant_id, gross, refunds, fees, fee_issuer, fee_operator, net, carry_in, payout, carry_out, \
             status FROM settlement_lines WHERE batch_id = $1 ORDER BY merchant_id",
        )
        .bind(batch)
        .fetch_all(&self.db().pool)
        .await?;
        let mut t = [0i64; 9];
        let lines: Vec<Value> = rows
            .into_iter()
            .map(|(m, g, r, f, fi, fo, net, ci, p, co, st)| {
                for (i, v) in [g, r, f, fi, fo, net, ci, p, co].into_iter().enumerate() {
                    t[i] += v;
                }
                let mf = Money::from_fen;
                json!({"merchant": m, "gross": mf(g), "refunds": mf(r), "fees": mf(f), "fee_issuer": mf(fi),
                       "fee_operator": mf(fo), "net": mf(net), "carry_in": mf(ci), "payout": mf(p),
                       "carry_out": mf(co), "status": st})
            })
            .collect();
        let mf = Money::from_fen;
        Ok(json!({"date": day.to_string(), "batch_id": batch, "lines": lines, "totals": {
            "gross": mf(t[0]), "refunds": mf(t[1]), "fees": mf(t[2]), "fee_issuer": mf(t[3]),
            "fee_operator": mf(t[4]), "net": mf(t[5]), "carry_in": mf(t[6]), "payout": mf(t[7]), "carry_out": mf(t[8])}}))
    }

    /// The bank payout file of a day's batch: a header, then one line per merchant paid:
    /// `account,name,amount,reference` (CSV, UTF-8). The reference `ONECARD-<batch>-<merchant>`
    /// comes back on the bank's answer, for `payout mark`.
    pub async fn payout_file(&self, actor: &Actor, day: NaiveDate, out: &Path) -> Result<Value> {
        require(actor, Act::Finance)?;
        let batch = self.batch_of(day).await?;
        let rows: Vec<(i64, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT l.merchant_id, m.settlement_account, m.name, l.payout FROM settlement_lines l \
             JOIN merchants m ON m.id = l.merchant_id WHERE l.batch_id = $1 AND l.payout > 0 ORDER BY l.merchant_id",
        )
        .bind(batch)
        .fetch_all(&self.db().pool)
        .await?;
        let table = crate::export::Table {
            title: format!("payout {day}"),
            headers: ["account", "name", "amount", "reference"].map(String::from).to_vec(),
            rows: rows
                .iter()
                .map(|(m, acct, name, p)| {
                    use crate::export::Cell;
                    vec![
                        Cell::Text(acct.clone().unwrap_or_default()),
                        Cell::Text(name.clone()),
                        Cell::Money(Money::from_fen(*p)),
                        Cell::Text(format!("ONECARD-{batch}-{m}")),
                    ]
                })
                .collect(),
        };
        let e = crate::export::write(&table, crate::export::ExportFormat::Csv, out)?;
        let total: i64 = rows.iter().map(|r| r.3).sum();
        Ok(
            json!({"date": day.to_string(), "batch_id": batch, "path": e.path, "rows": e.rows, "total": Money::from_fen(total)}),
        )
    }

    /// Marks a payout paid or returned by the bank.
    pub async fn payout_mark(&self, actor: &Actor, batch: i64, merchant: i64, paid: bool) -> Result<Value> {
        self.clearing_op(actor, ClearingOp::PayoutMark { batch, merchant, paid }).await
    }

    /// Every payment and refund line of a merchant on a day (statement lines), and the totals.
    pub(crate) async fn statement_lines(
        &self,
        actor: &Actor,
        merchant: i64,
        day: NaiveDate,
        days: u64,
    ) -> Result<super::statement::Statement> {
        let scope = self.merchant_scope(merchant).await?;
        require_merchant(actor, Act::ReadMerchant, &scope)?;
        super::statement::load(self, merchant, day, days).await
    }

    /// `bench-settle`: generates `payments` purchases of yesterday across `merchants` merchants
    /// (cards sold through the engine, the purchases bulk-inserted with their journal entries,
    /// postings and balances so `verify` still passes), then times `settle` of that day.
    pub async fn bench_settle(&self, actor: &Actor, payments: u64, merchants: u64) -> Result<BenchSettleReport> {
        if payments == 0 || payments > 20_000_000 || merchants == 0 || merchants > 100_000 {
            return Err(Error::new("invalid_argument", "--payments 1..=20000000 and --merchants 1..=100000"));
        }
        let day = self.clock().today().pred_opt().ok_or_else(|| Error::internal("no yesterday"))?;
        if self.batch_of(day).await.is_ok() {
            return Err(Error::new("invalid_argument", format!("{day} is already settled in this database")));
        }
        let t0 = Instant::now();
        let merchant_ids = super::bench::setup_merchants(self, actor, merchants).await?;
        super::bench::bulk_purchases(self, actor, &merchant_ids, payments, day).await?;
        let generate_seconds = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let settlement = self.settle(actor, day).await?;
        let settle_seconds = t1.elapsed().as_secs_f64();
        let verified = self.verify(actor).await?.ok;
        Ok(BenchSettleReport {
            backend: self.backend(),
            payments,
            merchants,
            generate_seconds,
            settle_seconds,
            settlement,
            verified,
        })
    }
}
