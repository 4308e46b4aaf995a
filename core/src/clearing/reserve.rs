//! Reserve funds (备付金) and channel reconciliation (对账).
//!
//! Files are parsed and checked completely before anything is submitted: a bad row refuses the
//! whole file (`invalid_import`, with its line, column and reason) and writes nothing; a file
//! whose content was imported before is refused by its SM3 hash (`already_imported`).
//!
//! Custody statement (CSV or XLSX), header `date,opening,inflows,outflows,closing`, amounts in
//! yuan with up to two decimals, and opening + inflows - outflows = closing on every row.
//!
//! Channel statements: one CSV schema, `reference,amount,time`, whose column names each channel
//! spells its own way (the mapping below); other columns are ignored. Time is
//! `YYYY-MM-DD HH:MM:SS` (Asia/Shanghai) or RFC 3339.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::auth::{require, Act};
use super::ClearingOp;
use crate::auth::Actor;
use crate::clock::{business_day, day_start_micros};
use crate::crypto::sm3_hex;
use crate::engine::Batch;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::Core;

/// One day of the custody bank's statement (fen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustodyRow {
    /// Business day.
    pub day: NaiveDate,
    /// Opening balance.
    pub opening: i64,
    /// Money in.
    pub inflows: i64,
    /// Money out.
    pub outflows: i64,
    /// Closing balance.
    pub closing: i64,
}

/// One line of a channel statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRow {
    /// wechat, alipay, unionpay.
    pub channel: String,
    /// The top-up's reference.
    pub reference: String,
    /// Amount (fen).
    pub amount: i64,
    /// When (microseconds).
    pub at: i64,
}

/// Each channel's names for (reference, amount, time).
pub const CHANNEL_COLUMNS: &[(&str, [&str; 3])] = &[
    ("wechat", ["out_trade_no", "amount", "trade_time"]),
    ("alipay", ["merchant_order_no", "total_amount", "gmt_payment"]),
    ("unionpay", ["order_id", "txn_amt", "txn_time"]),
];

fn bad(line: usize, column: &str, reason: impl std::fmt::Display) -> Error {
    Error::new("invalid_import", format!("line {line}, column {column}: {reason}"))
}

/// The rows of a CSV or XLSX file as text cells (line numbers are 1-based, the header is line 1).
fn read_rows(path: &Path) -> Result<(Vec<u8>, Vec<Vec<String>>)> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::new("invalid_import", format!("cannot read {}: {e}", path.display())))?;
    let is_xlsx = bytes.starts_with(b"PK");
    let rows = if is_xlsx {
        use calamine::{Reader, Xlsx};
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).map_err(|e| {
            Error::new("invalid_import", format!("{} is not a readable XLSX file: {e}", path.display()))
        })?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or_else(|| bad(1, "-", "the workbook has no sheet"))?
            .map_err(|e| Error::new("invalid_import", format!("cannot read the first sheet: {e}")))?;
        range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        calamine::Data::Float(f) => {
                            // Money cells come as floats: printed with two decimals, then parsed
                            // strictly as text like a CSV amount (no float reaches the ledger).
                            #[allow(clippy::float_arithmetic)]
                            let s = format!("{f:.2}");
                            s
                        }
                        calamine::Data::Int(i) => i.to_string(),
                        calamine::Data::DateTime(d) => {
                            // An Excel date is a count of days from 1899-12-30.
                            #[allow(clippy::cast_possible_truncation)]
                            let days = d.as_f64() as i64;
                            NaiveDate::from_ymd_opt(1899, 12, 30)
                                .and_then(|base| base.checked_add_signed(chrono::Duration::days(days)))
                                .map(|x| x.to_string())
                                .unwrap_or_default()
                        }
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect()
    } else {
        let text = String::from_utf8(bytes.clone()).map_err(|_| bad(1, "-", "the file is not UTF-8 text"))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        text.lines().map(|l| l.trim_end_matches('\r').split(',').map(|c| c.trim().to_string()).collect()).collect()
    };
    Ok((bytes, rows))
}

fn money_cell(s: &str, line: usize, column: &str) -> Result<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    let m = Money::parse_allow_zero(digits).map_err(|e| bad(line, column, e.message))?;
    Ok(if neg { -m.fen() } else { m.fen() })
}

/// Parses and checks a custody statement.
pub fn parse_custody(path: &Path) -> Result<(String, Vec<CustodyRow>)> {
    let (bytes, rows) = read_rows(path)?;
    let header = ["date", "opening", "inflows", "outflows", "closing"];
    let first = rows.first().ok_or_else(|| bad(1, "-", "the file is empty"))?;
    if first.iter().map(|s| s.to_ascii_lowercase()).collect::<Vec<_>>() != header {
        return Err(bad(1, "-", "the header must be date,opening,inflows,outflows,closing"));
    }
    let mut out: Vec<CustodyRow> = Vec::new();
    for (i, r) in rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if r.iter().all(|c| c.is_empty()) {
            continue;
        }
        if r.len() != 5 {
            return Err(bad(line, "-", format!("expected 5 columns, found {}", r.len())));
        }
        let day = crate::clock::parse_date(&r[0]).map_err(|e| bad(line, "date", e.message))?;
        let v: Vec<i64> = (1..5).map(|c| money_cell(&r[c], line, header[c])).collect::<Result<Vec<_>>>()?;
        if v[0] + v[1] - v[2] != v[3] {
            return Err(bad(
                line,
                "closing",
                format!(
                    "opening {} + inflows {} - outflows {} = {}, not {}",
                    Money::from_fen(v[0]),
                    Money::from_fen(v[1]),
                    Money::from_fen(v[2]),
                    Money::from_fen(v[0] + v[1] - v[2]),
                    Money::from_fen(v[3])
                ),
            ));
        }
        if out.iter().any(|o| o.day == day) {
            return Err(bad(line, "date", format!("{day} appears twice")));
        }
        out.push(CustodyRow { day, opening: v[0], inflows: v[1], outflows: v[2], closing: v[3] });
    }
    if out.is_empty() {
        return Err(bad(2, "-", "the file has no rows"));
    }
    Ok((sm3_hex(&bytes), out))
}

fn parse_time(s: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()?;
    Some(t.and_utc().timestamp_micros() - 8 * 3600 * 1_000_000)
}

/// Parses and checks a channel statement.
pub fn parse_channel(channel: &str, path: &Path) -> Result<(String, Vec<ChannelRow>)> {
    let cols = CHANNEL_COLUMNS.iter().find(|(c, _)| *c == channel).map(|(_, cols)| cols).ok_or_else(|| {
        Error::new("invalid_channel", format!("channel must be wechat, alipay or unionpay, got {channel:?}"))
    })?;
    let (bytes, rows) = read_rows(path)?;
    let first = rows.first().ok_or_else(|| bad(1, "-", "the file is empty"))?;
    let idx: Vec<usize> = cols
        .iter()
        .map(|name| {
            first
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| bad(1, name, format!("the {channel} header needs {name}")))
        })
        .collect::<Result<_>>()?;
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if r.iter().all(|c| c.is_empty()) {
            continue;
        }
        let cell = |k: usize| r.get(idx[k]).map(String::as_str).unwrap_or("");
        let reference = cell(0).to_string();
        if reference.is_empty() {
            return Err(bad(line, cols[0], "the reference is empty"));
        }
        let amount = Money::parse(cell(1)).map_err(|e| bad(line, cols[1], e.message))?.fen();
        let at = parse_time(cell(2)).ok_or_else(|| bad(line, cols[2], "expected YYYY-MM-DD HH:MM:SS or RFC 3339"))?;
        out.push(ChannelRow { channel: channel.to_string(), reference, amount, at });
    }
    if out.is_empty() {
        return Err(bad(2, "-", "the file has no rows"));
    }
    Ok((sm3_hex(&bytes), out))
}

fn ratio4(n: i64, d: i64) -> String {
    let mut r = (Decimal::from(n) / Decimal::from(d))
        .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    // Always four places ("0.8000"), as the report promises.
    r.rescale(4);
    r.to_string()
}

impl Batch<'_> {
    async fn check_new_import(&mut self, hash: &str) -> Result<()> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM finance_imports WHERE hash = $1")
            .bind(hash)
            .fetch_one(&mut *self.tx)
            .await?;
        if n > 0 {
            return Err(Error::new("already_imported", "this file (same content) was already imported"));
        }
        Ok(())
    }

    async fn record_import(&mut self, hash: &str, kind: &str, name: &str, rows: usize, actor: &Actor) -> Result<()> {
        sqlx::query(
            "INSERT INTO finance_imports (hash, kind, name, rows_count, actor, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash)
        .bind(kind)
        .bind(name)
        .bind(rows as i64)
        .bind(actor.user.clone())
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?;
        self.audit(actor, &format!("import.{kind}"), name, &format!("{rows} rows, sm3 {hash}"))
    }

    pub(crate) async fn reserve_import(
        &mut self,
        name: &str,
        hash: &str,
        rows: &[CustodyRow],
        actor: &Actor,
    ) -> Result<Value> {
        require(actor, Act::Finance)?;
        self.check_new_import(hash).await?;
        for r in rows {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM custody_statements WHERE day = $1")
                .bind(r.day.to_string())
                .fetch_one(&mut *self.tx)
                .await?;
            if n > 0 {
                return Err(Error::new(
                    "already_imported",
                    format!("the custody statement of {} is already imported", r.day),
                ));
            }
        }
        for r in rows {
            sqlx::query(
                "INSERT INTO custody_statements (day, opening, inflows, outflows, closing, import_hash) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(r.day.to_string())
            .bind(r.opening)
            .bind(r.inflows)
            .bind(r.outflows)
            .bind(r.closing)
            .bind(hash)
            .execute(&mut *self.tx)
            .await?;
        }
        self.record_import(hash, "custody", name, rows.len(), actor).await?;
        Ok(json!({"imported": rows.len(), "file": name, "hash": hash}))
    }

    pub(crate) async fn channel_import(
        &mut self,
        name: &str,
        hash: &str,
        rows: &[ChannelRow],
        actor: &Actor,
    ) -> Result<Value> {
        require(actor, Act::Finance)?;
        self.check_new_import(hash).await?;
        for r in rows {
            let id = self.next_id("misc")?;
            sqlx::query(
                "INSERT INTO channel_lines (id, channel, ref, amount, at, day, import_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(r.channel.clone())
            .bind(r.reference.clone())
            .bind(r.amount)
            .bind(r.at)
            .bind(business_day(r.at).to_string())
            .bind(hash)
            .execute(&mut *self.tx)
            .await?;
        }
        self.record_import(hash, "channel", name, rows.len(), actor).await?;
        Ok(json!({"imported": rows.len(), "file": name, "hash": hash}))
    }

    pub(crate) async fn channel_reconcile(&mut self, day: NaiveDate, actor: &Actor) -> Result<Value> {
        require(actor, Act::Finance)?;
        let drift = self.setting_i64("channel_drift_seconds", 300).await? * 1_000_000;
        let (start, end) = (day_start_micros(day), day_start_micros(day + chrono::Days::new(1)));
        let lines: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT channel, ref, amount, at FROM channel_lines WHERE day = $1 ORDER BY id")
                .bind(day.to_string())
                .fetch_all(&mut *self.tx)
                .await?;
        // A batch sale is one payment on the channel: its cards' top-up rows are summed by reference.
        let ours: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT channel, ref, CAST(SUM(amount) AS BIGINT), MIN(created_at) FROM topups \
             WHERE created_at >= $1 AND created_at < $2 AND channel IN ('wechat', 'alipay', 'unionpay') \
             GROUP BY channel, ref, entry_id",
        )
        .bind(start)
        .bind(end)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut ledger: HashMap<(String, String), (i64, i64, bool)> =
            ours.into_iter().map(|(c, r, a, t)| ((c, r), (a, t, false))).collect();
        let mut exceptions: Vec<(&str, String, String, i64, String)> = Vec::new();
        let mut matched = 0;
        for (c, r, amount, at) in lines {
            match ledger.get_mut(&(c.clone(), r.clone())) {
                Some((a, t, seen)) if !*seen => {
                    *seen = true;
                    if *a != amount {
                        exceptions.push((
                            "channel",
                            c,
                            r,
                            amount,
                            format!("amount differs: ledger {}", Money::from_fen(*a)),
                        ));
                    } else if (*t - at).abs() > drift {
                        exceptions.push((
                            "channel",
                            c,
                            r,
                            amount,
                            format!("time differs by {} s", (*t - at).abs() / 1_000_000),
                        ));
                    } else {
                        matched += 1;
                    }
                }
                _ => exceptions.push(("channel", c, r, amount, "no matching top-up in the ledger".into())),
            }
        }
        let mut missing: Vec<_> = ledger.into_iter().filter(|(_, v)| !v.2).collect();
        missing.sort();
        for ((c, r), (a, _, _)) in missing {
            exceptions.push(("ledger", c, r, a, "top-up missing from the channel statement".into()));
        }
        for (side, c, r, a, reason) in &exceptions {
            sqlx::query(
                "INSERT INTO channel_exceptions (id, day, side, channel, ref, amount, reason) \
                 VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM channel_exceptions), $1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (day, side, channel, ref) DO NOTHING",
            )
            .bind(day.to_string())
            .bind(*side)
            .bind(c.clone())
            .bind(r.clone())
            .bind(*a)
            .bind(reason.clone())
            .execute(&mut *self.tx)
            .await?;
        }
        let rows: Vec<(i64, String, String, String, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT id, side, channel, ref, amount, reason, note FROM channel_exceptions WHERE day = $1 ORDER BY id",
        )
        .bind(day.to_string())
        .fetch_all(&mut *self.tx)
        .await?;
        self.audit(
            actor,
            "channel.reconcile",
            &day.to_string(),
            &format!("{matched} matched, {} exceptions", rows.len()),
        )?;
        Ok(json!({"date": day.to_string(), "matched": matched, "drift_seconds": drift / 1_000_000,
            "unmatched": rows.into_iter().map(|(id, side, c, r, a, reason, note)| json!({"id": id, "side": side,
                "channel": c, "reference": r, "amount": Money::from_fen(a), "reason": reason,
                "resolved": note.is_some(), "note": note})).collect::<Vec<_>>()}))
    }

    pub(crate) async fn channel_resolve(&mut self, id: i64, note: &str, actor: &Actor) -> Result<Value> {
        require(actor, Act::Finance)?;
        if note.trim().is_empty() {
            return Err(Error::new("reason_required", "a resolution needs a note"));
        }
        let row: Option<Option<i64>> = sqlx::query_scalar("SELECT resolved_at FROM channel_exceptions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        match row {
            None => return Err(Error::new("exception_not_found", format!("no channel exception {id}"))),
            Some(Some(_)) => return Err(Error::new("already_resolved", format!("channel exception {id} is resolved"))),
            Some(None) => {}
        }
        sqlx::query("UPDATE channel_exceptions SET resolved_at = $1, resolved_by = $2, note = $3 WHERE id = $4")
            .bind(self.now)
            .bind(actor.user.clone())
            .bind(note)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        self.audit(actor, "channel.resolve", &id.to_string(), note)?;
        Ok(json!({"id": id, "resolved": true, "note": note}))
    }
}

impl Core {
    /// Imports a custody statement (CSV or XLSX), all or nothing.
    pub async fn reserve_import(&self, actor: &Actor, path: &Path) -> Result<Value> {
        require(actor, Act::Finance)?;
        let (hash, rows) = parse_custody(path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        self.clearing_op(actor, ClearingOp::ReserveImport { name, hash, rows }).await
    }

    /// Imports a channel statement, all or nothing.
    pub async fn channel_import(&self, actor: &Actor, channel: &str, path: &Path) -> Result<Value> {
        require(actor, Act::Finance)?;
        let (hash, rows) = parse_channel(channel, path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        self.clearing_op(actor, ClearingOp::ChannelImport { name, hash, rows }).await
    }

    /// The reconciliation of the latest custody statement imported (the overview's reserve
    /// card), or null when no statement was imported yet.
    ///
    /// Why this one and not a "fresh" reconciliation against today's ledger: the bank's side only
    /// exists for days whose statement finance imported, and comparing yesterday's bank balance
    /// with today's liabilities would raise (or hide) shortfalls that are only today's traffic.
    /// Nothing needs storing either: a reconciliation is a function of the stored (immutable,
    /// never re-imported) custody statement and the postings up to the end of that day, which
    /// are insert-only and always stamped with the writer's current time, so recomputing it gives
    /// exactly the figures finance saw and signed off with `reserve reconcile --date D`. It costs
    /// one pass over the postings, which is why the console loads it beside the overview's
    /// figures rather than inside them.
    pub async fn reserve_latest(&self, actor: &Actor) -> Result<Value> {
        require(actor, Act::FinanceRead)?;
        let last: Option<String> =
            sqlx::query_scalar("SELECT MAX(day) FROM custody_statements").fetch_one(&self.db().pool).await?;
        match last {
            None => Ok(Value::Null),
            Some(d) => self.reserve_reconcile(actor, crate::clock::parse_date(&d)?).await,
        }
    }

    /// Reconciles the custody bank's closing balance of `day` with the ledger as of the end of
    /// that day: coverage = bank custody / (card balances + unsettled merchant payables), an
    /// alert below 1, and every difference.
    pub async fn reserve_reconcile(&self, actor: &Actor, day: NaiveDate) -> Result<Value> {
        require(actor, Act::FinanceRead)?;
        let pool = &self.db().pool;
        let bank: Option<i64> = sqlx::query_scalar("SELECT closing FROM custody_statements WHERE day = $1")
            .bind(day.to_string())
            .fetch_optional(pool)
            .await?;
        let bank = bank.ok_or_else(|| {
            Error::new("no_custody_statement", format!("no custody statement for {day}: run `reserve import FILE`"))
        })?;
        let end = day_start_micros(day + chrono::Days::new(1));
        // Balances as of the end of the day, from the postings: one pass, grouped by account kind
        // (and by account for merchants, whose debts do not offset other merchants' payables).
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT CASE WHEN a.kind IN ('merchant_payable', 'merchant_payout') THEN a.id ELSE 0 END, a.kind, \
             CAST(SUM(p.amount * a.normal) AS BIGINT) FROM postings p JOIN accounts a ON a.id = p.account_id \
             JOIN journal_entries j ON j.id = p.entry_id WHERE j.created_at < $1 GROUP BY 1, a.kind",
        )
        .bind(end)
        .fetch_all(pool)
        .await?;
        let (mut custody, mut transit, mut cards, mut payables) = (0i64, 0i64, 0i64, 0i64);
        for (_, kind, v) in rows {
            match kind.as_str() {
                "reserve_custody" => custody += v,
                "channel_clearing" => transit += v,
                "card" => cards += v,
                "merchant_payable" | "merchant_payout" => payables += v.max(0),
                _ => {}
            }
        }
        let liabilities = cards + payables;
        let coverage = if liabilities > 0 { Some(ratio4(bank, liabilities)) } else { None };
        let alert = liabilities > 0 && bank < liabilities;
        let mf = Money::from_fen;
        let mut differences = Vec::new();
        if bank != custody {
            differences.push(json!({"item": "custody", "bank": mf(bank), "ledger": mf(custody),
                "difference": mf(bank - custody),
                "note": "bank custody vs the ledger's custody account (in-transit money not yet arrived included in the ledger's funds below)"}));
        }
        if bank < liabilities {
            differences.push(json!({"item": "coverage_shortfall", "bank": mf(bank), "ledger": mf(liabilities),
                "difference": mf(bank - liabilities)}));
        }
        if custody + transit < liabilities {
            differences.push(json!({"item": "ledger_funds_shortfall", "bank": Value::Null,
                "ledger": mf(custody + transit), "difference": mf(custody + transit - liabilities)}));
        }
        Ok(json!({"date": day.to_string(), "custody_bank": mf(bank), "custody_ledger": mf(custody),
            "in_transit": mf(transit), "card_balances": mf(cards), "unsettled_payables": mf(payables),
            "coverage": coverage, "alert": alert, "differences": differences}))
    }
}
