//! Forecast and replenishment: the next weeks of a merchant's (or a category's) net sales by Holt-Winters
//! (additive, weekly season of 7 days, parameters by least squares over a small grid), or
//! seasonal naive with drift when the history is shorter than 8 weeks; the backtest error
//! (MAPE of the weekly totals on the last 4 weeks held out); and a reorder suggestion at cost:
//! forecast demand over the lead time + safety stock - stock on hand.
//!
//! Exact decimals throughout (no floats), like every figure that is money.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use rust_decimal::prelude::*;
use serde_json::{json, Value};

use super::dec;
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::types::Category;
use crate::Core;

/// Season length: a week of days.
const SEASON: usize = 7;

/// One-step-ahead fit and forecast of additive Holt-Winters; returns (SSE, forecasts, residuals).
fn holt_winters(
    y: &[Decimal],
    a: Decimal,
    b: Decimal,
    g: Decimal,
    horizon: usize,
) -> (Decimal, Vec<Decimal>, Vec<Decimal>) {
    let s = SEASON;
    let w1: Decimal = y[..s].iter().sum::<Decimal>() / Decimal::from(s);
    let w2: Decimal = y[s..2 * s].iter().sum::<Decimal>() / Decimal::from(s);
    let mut level = w1;
    let mut trend = (w2 - w1) / Decimal::from(s);
    let mut season: Vec<Decimal> = y[..s].iter().map(|v| *v - w1).collect();
    let mut sse = Decimal::ZERO;
    let mut residuals = Vec::new();
    for (t, v) in y.iter().enumerate().skip(s) {
        let si = season[t % s];
        let pred = level + trend + si;
        let err = *v - pred;
        sse += err * err;
        residuals.push(err);
        let new_level = a * (*v - si) + (Decimal::ONE - a) * (level + trend);
        trend = b * (new_level - level) + (Decimal::ONE - b) * trend;
        season[t % s] = g * (*v - new_level) + (Decimal::ONE - g) * si;
        level = new_level;
    }
    let n = y.len();
    let out = (1..=horizon).map(|h| level + trend * Decimal::from(h) + season[(n + h - 1) % s]).collect();
    (sse, out, residuals)
}

/// Seasonal naive with drift: the same weekday last week, plus the average daily change.
fn seasonal_naive(y: &[Decimal], horizon: usize) -> (Vec<Decimal>, Vec<Decimal>) {
    let n = y.len();
    if n == 0 {
        return (vec![Decimal::ZERO; horizon], Vec::new());
    }
    let drift = if n > 1 { (y[n - 1] - y[0]) / Decimal::from(n - 1) } else { Decimal::ZERO };
    let s = SEASON.min(n);
    let out = (1..=horizon)
        .map(|h| {
            let k = h.div_ceil(s);
            let idx = (n + h - 1).saturating_sub(k * s).min(n - 1);
            y[idx] + drift * Decimal::from(h)
        })
        .collect();
    let residuals = (s..n).map(|t| y[t] - y[t - s]).collect();
    (out, residuals)
}

/// Forecasts `horizon` days after `y`; returns (method, forecast, residuals).
pub fn forecast_days(y: &[Decimal], horizon: usize) -> (&'static str, Vec<Decimal>, Vec<Decimal>) {
    if y.len() < 8 * SEASON {
        let (f, r) = seasonal_naive(y, horizon);
        return ("seasonal_naive_drift", f, r);
    }
    let grid = |v: &[i64]| v.iter().map(|x| Decimal::new(*x, 2)).collect::<Vec<_>>();
    let mut best: Option<(Decimal, Vec<Decimal>, Vec<Decimal>)> = None;
    for a in grid(&[10, 20, 30, 50]) {
        for b in grid(&[1, 5, 10]) {
            for g in grid(&[5, 10, 30]) {
                let (sse, f, r) = holt_winters(y, a, b, g, horizon);
                if best.as_ref().is_none_or(|(s, _, _)| sse < *s) {
                    best = Some((sse, f, r));
                }
            }
        }
    }
    let (_, f, r) = best.unwrap_or_default();
    ("holt_winters_additive", f, r)
}

fn sqrt(x: Decimal) -> Decimal {
    if x <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let mut r = if x > Decimal::ONE { x / Decimal::TWO } else { Decimal::ONE };
    for _ in 0..60 {
        r = (r + x / r) / Decimal::TWO;
    }
    r
}

fn weekly(v: &[Decimal]) -> Vec<Decimal> {
    v.chunks(SEASON).map(|w| w.iter().sum()).collect()
}

/// What a forecast is of: one merchant, or a category's merchants (optionally in one mall).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// `--merchant ID`.
    Merchant(i64),
    /// `--category C [--mall CODE]`.
    Category(Category, Option<String>),
}

/// Daily net sales (fen) of `merchants`, summed by day, gaps between the first and last day as 0.
async fn daily_sales(core: &Core, merchants: &[i64]) -> Result<Vec<(NaiveDate, Decimal)>> {
    let mut by_day: BTreeMap<String, i64> = BTreeMap::new();
    let backend = core.db().backend;
    for chunk in merchants.chunks(1000) {
        let sql = format!(
            "SELECT day, CAST(SUM(amount - return_amount) AS BIGINT) FROM r_sales WHERE merchant IN ({}) \
             GROUP BY day",
            crate::db::placeholders(backend, chunk.len(), 1)
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(&sql);
        for m in chunk {
            q = q.bind(*m);
        }
        for (d, fen) in q.fetch_all(&core.db().pool).await? {
            *by_day.entry(d).or_default() += fen;
        }
    }
    let mut days: Vec<(NaiveDate, Decimal)> = Vec::new();
    for (d, fen) in by_day {
        let d = crate::clock::parse_date(&d)?;
        while let Some((last, _)) = days.last() {
            if *last + Duration::days(1) >= d {
                break;
            }
            let next = *last + Duration::days(1);
            days.push((next, Decimal::ZERO));
        }
        days.push((d, Decimal::new(fen, 2)));
    }
    Ok(days)
}

/// Stock of one merchant for the reorder suggestion: (COGS fen, first inventory day, last stock
/// on hand at cost), or None without inventory rows (or without a stock count).
async fn merchant_stock(core: &Core, merchant: i64) -> Result<Option<(i64, NaiveDate, Decimal)>> {
    let inv: Option<(Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT CAST(SUM(cogs) AS BIGINT), MIN(day) FROM r_inventory WHERE merchant = $1")
            .bind(merchant)
            .fetch_optional(&core.db().pool)
            .await?;
    let last: Option<(i64, i64)> =
        sqlx::query_as("SELECT stock_sum, stock_n FROM r_inventory WHERE merchant = $1 ORDER BY day DESC LIMIT 1")
            .bind(merchant)
            .fetch_optional(&core.db().pool)
            .await?;
    match (inv, last) {
        (Some((Some(cogs), Some(first))), Some((stock_sum, stock_n))) if stock_n > 0 => {
            // Several counts on one day are averaged: the rollup keeps their sum and number.
            Ok(Some((cogs, crate::clock::parse_date(&first)?, Decimal::new(stock_sum, 2) / Decimal::from(stock_n))))
        }
        _ => Ok(None),
    }
}

impl Core {
    /// `forecast --merchant ID [--weeks N] [--lead-days N]`.
    pub async fn forecast(&self, actor: &Actor, merchant: i64, weeks: i64, lead_days: i64) -> Result<Value> {
        self.forecast_of(actor, &Subject::Merchant(merchant), weeks, lead_days).await
    }

    /// `forecast --merchant ID | --category C [--mall CODE]`: the next `weeks` of net sales, the
    /// backtest error, the weekly history and the reorder suggestion at cost. A category covers
    /// the merchants of that category the actor may see (one mall with `--mall`); its reorder
    /// suggestion is over those merchants' stock together.
    pub async fn forecast_of(&self, actor: &Actor, subject: &Subject, weeks: i64, lead_days: i64) -> Result<Value> {
        if !(1..=52).contains(&weeks) || !(1..=180).contains(&lead_days) {
            return Err(Error::new("invalid_argument", "weeks must be 1..=52 and lead days 1..=180"));
        }
        let (merchants, mut head) = match subject {
            Subject::Merchant(merchant) => {
                let merchant = *merchant;
                let v = super::metrics::view(self.db(), actor, &Default::default()).await?;
                let info: Option<(String, String, String)> =
                    sqlx::query_as("SELECT mall, name, category FROM merchants WHERE id = $1")
                        .bind(merchant)
                        .fetch_optional(&self.db().pool)
                        .await?;
                let (mall, name, category) =
                    info.ok_or_else(|| Error::new("merchant_not_found", format!("no merchant {merchant}")))?;
                if !v.malls.iter().any(|m| m.code == mall)
                    || v.merchants.as_ref().is_some_and(|s| !s.contains(&merchant))
                {
                    return Err(Error::new(
                        "forbidden",
                        format!("user {} has no access to merchant {merchant}", actor.user),
                    ));
                }
                (vec![merchant], json!({"merchant": merchant, "name": name, "mall": mall, "category": category}))
            }
            Subject::Category(category, mall) => {
                // The view refuses an unknown mall (`mall_not_found`) and one out of scope.
                let f = super::metrics::Filter { mall: mall.clone(), ..Default::default() };
                let v = super::metrics::view(self.db(), actor, &f).await?;
                let rows: Vec<(i64, String)> =
                    sqlx::query_as("SELECT id, mall FROM merchants WHERE category = $1 ORDER BY id")
                        .bind(category.as_str())
                        .fetch_all(&self.db().pool)
                        .await?;
                let ids: Vec<i64> = rows
                    .into_iter()
                    .filter(|(id, m)| {
                        v.malls.iter().any(|x| &x.code == m) && v.merchants.as_ref().is_none_or(|s| s.contains(id))
                    })
                    .map(|(id, _)| id)
                    .collect();
                (ids.clone(), json!({"merchant": null, "category": category, "mall": mall, "merchants": ids}))
            }
        };
        let days = daily_sales(self, &merchants).await?;
        let y: Vec<Decimal> = days.iter().map(|(_, v)| *v).collect();
        let horizon = weeks as usize * SEASON;
        let (method, f, residuals) = forecast_days(&y, horizon.max(lead_days as usize));
        let start = days.last().map_or(self.clock().today(), |(d, _)| *d + Duration::days(1));
        let forecast: Vec<Value> = weekly(&f[..horizon])
            .iter()
            .enumerate()
            .map(|(i, w)| {
                json!({"week_start": (start + Duration::days(7 * i as i64)).to_string(),
                       "sales": dec((*w).max(Decimal::ZERO), 2)})
            })
            .collect();
        // The history as whole weeks ending on the last day of data (the same weeks the
        // forecast continues); a partial first week is left out rather than shown as a dip.
        let whole = y.len() / SEASON * SEASON;
        let history: Vec<Value> = weekly(&y[y.len() - whole..])
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let d = days[y.len() - whole + i * SEASON].0;
                json!({"week_start": d.to_string(), "sales": dec(*w, 2)})
            })
            .collect();
        // Backtest: fit without the last 4 weeks, forecast them, MAPE of the weekly totals.
        let mape = if y.len() >= 28 + 2 * SEASON {
            let (train, test) = y.split_at(y.len() - 28);
            let (_, bf, _) = forecast_days(train, 28);
            let (a, p) = (weekly(test), weekly(&bf));
            let errs: Vec<Decimal> =
                a.iter().zip(&p).filter(|(a, _)| !a.is_zero()).map(|(a, p)| ((*a - *p) / *a).abs()).collect();
            (!errs.is_empty()).then(|| dec(errs.iter().sum::<Decimal>() / Decimal::from(errs.len()), 4))
        } else {
            None
        };
        // Replenishment at cost over the merchants with stock counts: cost ratio = their COGS /
        // their net sales since their first count; stock on hand = the sum of their last counts.
        let (mut cogs, mut sales_since, mut on_hand) = (0i64, Decimal::ZERO, Decimal::ZERO);
        let (mut counted, mut uncounted) = (Vec::new(), Vec::new());
        for m in &merchants {
            match merchant_stock(self, *m).await? {
                Some((c, first, stock)) => {
                    cogs += c;
                    on_hand += stock;
                    counted.push(*m);
                    if merchants.len() == 1 {
                        sales_since += days.iter().filter(|(d, _)| *d >= first).map(|(_, v)| *v).sum::<Decimal>();
                    } else {
                        let own = daily_sales(self, &[*m]).await?;
                        sales_since += own.iter().filter(|(d, _)| *d >= first).map(|(_, v)| *v).sum::<Decimal>();
                    }
                }
                None => uncounted.push(*m),
            }
        }
        let (reorder, reason) = if merchants.is_empty() {
            (Value::Null, Some("no_merchants"))
        } else if counted.is_empty() {
            (Value::Null, Some("no_inventory"))
        } else {
            let ratio = if sales_since > Decimal::ZERO { Decimal::new(cogs, 2) / sales_since } else { Decimal::ZERO };
            let l = lead_days as usize;
            let demand: Decimal = f[..l].iter().map(|v| v.max(&Decimal::ZERO)).sum::<Decimal>() * ratio;
            let n = Decimal::from(residuals.len().max(1));
            let sigma = sqrt(residuals.iter().map(|r| r * r).sum::<Decimal>() / n);
            // 95% service level (z = 1.65) over the lead time.
            let safety = Decimal::new(165, 2) * sigma * sqrt(Decimal::from(l)) * ratio;
            let qty = (demand + safety - on_hand).max(Decimal::ZERO);
            let mut r = json!({
                "lead_days": lead_days, "cost_ratio": dec(ratio, 4),
                "demand_at_cost": dec(demand, 2), "safety_stock": dec(safety, 2),
                "stock_on_hand": dec(on_hand, 2), "reorder_at_cost": dec(qty, 2),
            });
            if matches!(subject, Subject::Category(..)) {
                r["merchants_counted"] = json!(counted);
                // Their demand is in the forecast but their stock is unknown (counted as none).
                r["merchants_without_inventory"] = json!(uncounted);
            }
            (r, None)
        };
        let body = json!({
            "method": method, "weeks": weeks, "history_days": y.len(),
            "history_from": days.first().map(|d| d.0.to_string()), "history_to": days.last().map(|d| d.0.to_string()),
            "history": history, "forecast": forecast, "backtest_mape": mape,
            "reorder": reorder, "reorder_reason": reason,
        });
        if let (Some(h), Value::Object(b)) = (head.as_object_mut(), body) {
            h.extend(b);
        }
        Ok(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pure_weekly_pattern_is_forecast_exactly() {
        let week = [10, 20, 30, 40, 50, 60, 70].map(Decimal::from);
        let y: Vec<Decimal> = week.iter().cycle().take(70).copied().collect();
        let (method, f, _) = forecast_days(&y, 7);
        assert_eq!(method, "holt_winters_additive");
        for (a, b) in f.iter().zip(week.iter()) {
            assert!((*a - *b).abs() < Decimal::new(1, 2), "{a} vs {b}");
        }
        let (method, f, _) = forecast_days(&y[..21], 7);
        assert_eq!(method, "seasonal_naive_drift");
        // Last Monday's 10, plus the drift (70 - 10) / 20 per day.
        assert_eq!(f[0], Decimal::from(13));
    }

    #[test]
    fn sqrt_is_exact_enough() {
        assert!((sqrt(Decimal::from(2)) - Decimal::new(14142136, 7)).abs() < Decimal::new(1, 6));
    }
}
