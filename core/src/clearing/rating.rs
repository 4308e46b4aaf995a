//! Monthly merchant rating (商户动态评级). Five inputs, each normalised to 0-100 with integer
//! arithmetic, then weighted (weights in percent, summing to 100):
//!
//! | input | weight | 100 | 0 |
//! |---|---|---|---|
//! | sales trend: this month's purchases / last month's | 30 | +50% or more (or first sales) | -50% or less |
//! | return rate: refunded purchases / purchases | 25 | 0% | 25% or more |
//! | complaints recorded this month | 20 | none | 5 or more (-20 each) |
//! | settlement disputes this month | 10 | none | 4 or more (-25 each) |
//! | mean checkout seconds | 15 | 72 s (1.2 min) or less | 420 s (7 min) or more |
//!
//! Missing data scores 50 (no sales either month, no checkout times). Grades: A >= 85,
//! B >= 70, C >= 55, else D (settings `rating_grade_a|b|c`). The bottom 5% (at least one) go on
//! the watch list (末位淘汰 review), the top 10% (at least one) into next month's support plan,
//! whose fee discount applies only where `fee-rule adjust --support --bps -N` is configured.
//! Running a month again replaces its rows with the same result.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

use super::auth::{require, Act};
use crate::auth::Actor;
use crate::clock::day_start_micros;
use crate::engine::Batch;
use crate::error::Result;
use crate::Core;

/// (input, weight in percent).
pub const WEIGHTS: [(&str, i64); 5] =
    [("sales", 30), ("returns", 25), ("complaints", 20), ("disputes", 10), ("checkout", 15)];

fn month_str(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

fn clamp100(v: i64) -> i64 {
    v.clamp(0, 100)
}

/// The five scores from the month's figures.
pub fn scores(
    cur: i64,
    prev: i64,
    sales: i64,
    returned: i64,
    complaints: i64,
    disputes: i64,
    checkout: Option<i64>,
) -> [i64; 5] {
    let trend = match (prev, cur) {
        (0, 0) => 50,
        (0, _) => 100,
        _ => clamp100(50 + ((cur - prev) * 100) / prev),
    };
    let returns = if sales == 0 { 50 } else { clamp100(100 - returned * 400 / sales) };
    let compl = clamp100(100 - 20 * complaints);
    let disp = clamp100(100 - 25 * disputes);
    let check = match checkout {
        None => 50,
        Some(s) => clamp100((420 - s) * 100 / (420 - 72)),
    };
    [trend, returns, compl, disp, check]
}

/// Weighted score (0-100, rounded half-up).
pub fn weighted(s: &[i64; 5]) -> i64 {
    let sum: i64 = s.iter().zip(WEIGHTS).map(|(v, (_, w))| v * w).sum();
    (sum + 50) / 100
}

impl Batch<'_> {
    pub(crate) async fn rating_run(&mut self, month: NaiveDate, actor: &Actor) -> Result<Value> {
        require(actor, Act::Finance)?;
        let next = month + chrono::Months::new(1);
        let prev = month - chrono::Months::new(1);
        let (p0, m0, m1) = (day_start_micros(prev), day_start_micros(month), day_start_micros(next));
        let a = self.setting_i64("rating_grade_a", 85).await?;
        let b = self.setting_i64("rating_grade_b", 70).await?;
        let c = self.setting_i64("rating_grade_c", 55).await?;
        let merchants: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM merchants WHERE status IN ('active', 'suspended', 'contracted') ORDER BY id",
        )
        .fetch_all(&mut *self.tx)
        .await?;
        let cur: HashMap<i64, (i64, i64, i64, i64, i64)> = sqlx::query_as::<_, (i64, i64, i64, i64, i64, i64)>(
            "SELECT merchant_id, COUNT(*), CAST(SUM(amount) AS BIGINT), \
             CAST(SUM(CASE WHEN refunded > 0 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(COALESCE(SUM(checkout_seconds), 0) AS BIGINT), COUNT(checkout_seconds) \
             FROM payments WHERE created_at >= $1 AND created_at < $2 GROUP BY merchant_id",
        )
        .bind(m0)
        .bind(m1)
        .fetch_all(&mut *self.tx)
        .await?
        .into_iter()
        .map(|(m, n, s, r, cs, cn)| (m, (n, s, r, cs, cn)))
        .collect();
        let prev_sales: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
            "SELECT merchant_id, CAST(SUM(amount) AS BIGINT) FROM payments WHERE created_at >= $1 AND created_at < $2 \
             GROUP BY merchant_id",
        )
        .bind(p0)
        .bind(m0)
        .fetch_all(&mut *self.tx)
        .await?
        .into_iter()
        .collect();
        let compl: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT merchant_id, kind, COUNT(*) FROM complaints WHERE at >= $1 AND at < $2 GROUP BY merchant_id, kind",
        )
        .bind(m0)
        .bind(m1)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut counts: HashMap<(i64, String), i64> = HashMap::new();
        for (m, k, n) in compl {
            counts.insert((m, k), n);
        }
        let mut rated: Vec<(i64, [i64; 5], i64, i64, i64)> = Vec::new(); // id, scores, score, sales, returned
        for m in &merchants {
            let (n, s, r, cs, cn) = cur.get(m).copied().unwrap_or_default();
            let sc = scores(
                s,
                prev_sales.get(m).copied().unwrap_or(0),
                n,
                r,
                counts.get(&(*m, "complaint".to_string())).copied().unwrap_or(0),
                counts.get(&(*m, "dispute".to_string())).copied().unwrap_or(0),
                (cn > 0).then(|| cs / cn),
            );
            rated.push((*m, sc, weighted(&sc), s, r));
        }
        let n = rated.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|i| (rated[*i].2, rated[*i].0));
        let watch_n = if n == 0 { 0 } else { n.div_ceil(20) };
        let support_n = if n == 0 { 0 } else { n.div_ceil(10) };
        let watch: std::collections::HashSet<i64> = order.iter().take(watch_n).map(|i| rated[*i].0).collect();
        let support: std::collections::HashSet<i64> = order.iter().rev().take(support_n).map(|i| rated[*i].0).collect();
        let ms = month_str(month);
        sqlx::query("DELETE FROM merchant_ratings WHERE month = $1").bind(ms.clone()).execute(&mut *self.tx).await?;
        let mut out = Vec::new();
        for (m, sc, score, sales, returned) in &rated {
            let grade = if *score >= a {
                "A"
            } else if *score >= b {
                "B"
            } else if *score >= c {
                "C"
            } else {
                "D"
            };
            let (w, s) = (watch.contains(m), support.contains(m));
            sqlx::query(
                "INSERT INTO merchant_ratings (month, merchant_id, sales, returns, complaints, disputes, checkout, score, \
                 grade, watch, support) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(ms.clone())
            .bind(*m)
            .bind(sc[0])
            .bind(sc[1])
            .bind(sc[2])
            .bind(sc[3])
            .bind(sc[4])
            .bind(*score)
            .bind(grade)
            .bind(i64::from(w))
            .bind(i64::from(s))
            .execute(&mut *self.tx)
            .await?;
            sqlx::query("UPDATE merchants SET grade = $1, support_month = $2 WHERE id = $3")
                .bind(grade)
                .bind(s.then(|| month_str(next)))
                .bind(*m)
                .execute(&mut *self.tx)
                .await?;
            out.push(json!({"merchant": m, "scores": {"sales": sc[0], "returns": sc[1], "complaints": sc[2],
                "disputes": sc[3], "checkout": sc[4]}, "score": score, "grade": grade, "watch": w, "support": s,
                "sales_amount": crate::money::Money::from_fen(*sales), "returned": returned}));
        }
        self.fees = None;
        self.audit(actor, "rating.run", &ms, &format!("{n} merchants"))?;
        Ok(json!({"month": ms, "merchants": out, "watch_list": watch.len(), "support_plan": support.len(),
                  "weights": WEIGHTS.iter().map(|(k, w)| json!({"input": k, "weight": w})).collect::<Vec<_>>()}))
    }
}

impl Core {
    /// The stored rating of a month.
    pub async fn rating_show(&self, actor: &Actor, month: NaiveDate) -> Result<Value> {
        require(actor, Act::FinanceRead)?;
        let rows: Vec<(i64, i64, String, i64, i64)> = sqlx::query_as(
            "SELECT merchant_id, score, grade, watch, support FROM merchant_ratings WHERE month = $1 \
             ORDER BY score DESC, merchant_id",
        )
        .bind(month_str(month))
        .fetch_all(&self.db().pool)
        .await?;
        Ok(json!({"month": month_str(month), "merchants": rows.into_iter().map(|(m, s, g, w, sp)| json!({
            "merchant": m, "score": s, "grade": g, "watch": w != 0, "support": sp != 0})).collect::<Vec<_>>()}))
    }
}
