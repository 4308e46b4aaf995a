//! Catch-up settlement: `settle --from D --to D` settles every business day of a range, in
//! order, each day its own atomic batch through [`ClearingOp::Settle`] (the same code path as
//! `settle --date D`, so a range can never settle a day differently from the nightly run).
//!
//! Why day by day and not one transaction: a batch is what the bank pays and what `verify`
//! checks, and it is settled once; a console that has been off for a week must be able to stop
//! between days (cancel, a lost connection) without throwing away the days already settled.
//! So a cancel stops *between* days: the days settled stay settled (they are real payouts
//! already queued for the bank), the rest are left for the next run. Days already settled in the
//! range are answered from their stored batch (`replayed: true`) and write nothing.
//!
//! Defaults: from = the day after the last settled batch, or the earliest day with a purchase
//! when nothing was settled yet; to = yesterday (Asia/Shanghai, by the core's clock).

use chrono::NaiveDate;
use serde::Serialize;

use super::auth::{require, Act};
use super::settle::SettleSummary;
use crate::auth::Actor;
use crate::clock::business_day;
use crate::engine::JobControl;
use crate::error::{Error, Result};
use crate::Core;

/// The longest range one run settles (ten years of business days): a typo such as `--from
/// 0226-03-01` is refused instead of starting a job of 660,000 days.
pub const MAX_RANGE_DAYS: i64 = 3_660;

/// What `settle --from D --to D` prints.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SettleRangeReport {
    /// First day of the range (None when there was nothing to settle: no purchases, no batches).
    pub from: Option<String>,
    /// Last day of the range.
    pub to: String,
    /// One summary per day handled, in order (replayed days included).
    pub days: Vec<SettleSummary>,
    /// Days newly settled by this run.
    pub settled: u64,
    /// Days that were settled before (answered from their stored batch).
    pub replayed: u64,
    /// The run was cancelled between days; `days` are settled and stay settled.
    pub cancelled: bool,
    /// The first day left unsettled by a cancel.
    pub next_day: Option<String>,
}

impl Core {
    /// The default first day of a catch-up: the day after the last settled batch, else the
    /// earliest business day with a purchase; None when there is neither.
    pub async fn settle_default_from(&self, actor: &Actor) -> Result<Option<NaiveDate>> {
        require(actor, Act::FinanceRead)?;
        let pool = &self.db().pool;
        let last: Option<String> =
            sqlx::query_scalar("SELECT MAX(day) FROM settlement_batches").fetch_one(pool).await?;
        if let Some(last) = last {
            let d = crate::clock::parse_date(&last)?;
            return Ok(d.succ_opt());
        }
        // payments_created indexes created_at: MIN is one index probe.
        let first: Option<i64> = sqlx::query_scalar("SELECT MIN(created_at) FROM payments").fetch_one(pool).await?;
        Ok(first.map(business_day))
    }

    /// Settles every business day from `from` through `to` (defaults above), in order, each in a
    /// transaction of its own, reporting `(days done, days in all, stage)` on `control` and
    /// stopping between days when it is cancelled.
    ///
    /// Refused before anything is written: `forbidden` (not finance or admin), `invalid_date`
    /// (from after to, or a range over [`MAX_RANGE_DAYS`]), `day_not_closed` (the range reaches
    /// today or later). A day refused midway (`settlement_out_of_order`: a later day was settled
    /// before this one) stops the run with that error; the days before it stay settled.
    pub async fn settle_range(
        &self,
        actor: &Actor,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        control: Option<JobControl>,
    ) -> Result<SettleRangeReport> {
        require(actor, Act::Finance)?;
        let today = self.clock().today();
        let yesterday = today.pred_opt().ok_or_else(|| Error::new("invalid_date", "no yesterday"))?;
        let to = to.unwrap_or(yesterday);
        if to >= today {
            return Err(Error::new(
                "day_not_closed",
                format!("business day {to} is not over yet (today is {today} in Asia/Shanghai); a range ends yesterday at the latest"),
            ));
        }
        let explicit_from = from.is_some();
        let from = match from {
            Some(f) => Some(f),
            None => self.settle_default_from(actor).await?,
        };
        let empty = |from: Option<NaiveDate>| SettleRangeReport {
            from: from.map(|d| d.to_string()),
            to: to.to_string(),
            days: Vec::new(),
            settled: 0,
            replayed: 0,
            cancelled: false,
            next_day: None,
        };
        let Some(from) = from else {
            // No purchase was ever made and nothing was settled: nothing to do.
            if let Some(c) = &control {
                c.report(0, 0, "committed");
            }
            return Ok(empty(None));
        };
        if from > to {
            if explicit_from {
                return Err(Error::new("invalid_date", format!("--from {from} is after --to {to}")));
            }
            // Everything up to `to` is settled already.
            if let Some(c) = &control {
                c.report(0, 0, "committed");
            }
            return Ok(empty(Some(from)));
        }
        let total = (to - from).num_days() + 1;
        if total > MAX_RANGE_DAYS {
            return Err(Error::new(
                "invalid_date",
                format!("{from} to {to} is {total} days; one run settles at most {MAX_RANGE_DAYS}"),
            ));
        }
        let total = total as u64;
        let mut report = empty(Some(from));
        let mut day = from;
        let mut done = 0u64;
        while day <= to {
            if let Some(c) = &control {
                if c.is_cancelled() {
                    report.cancelled = true;
                    report.next_day = Some(day.to_string());
                    c.report(done, total, "cancelled");
                    return Ok(report);
                }
                c.report(done, total, "settling");
            }
            let s = self.settle(actor, day).await.map_err(|e| {
                let before = if done == 0 {
                    String::new()
                } else {
                    format!(" ({done} earlier day(s) of the range are settled and stay settled)")
                };
                Error::new(e.code, format!("business day {day}: {}{before}", e.message))
            })?;
            if s.replayed {
                report.replayed += 1;
            } else {
                report.settled += 1;
            }
            report.days.push(s);
            done += 1;
            if let Some(c) = &control {
                c.report(done, total, "settled");
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        if let Some(c) = &control {
            c.report(done, total, "committed");
        }
        Ok(report)
    }
}
