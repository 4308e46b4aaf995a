//! Fee rules. The rate of a purchase is, in order of precedence: a promotional rate of the
//! merchant's category in force that day, else the merchant's contract rate, else the category's
//! base rate, else 0 bps. Then adjustments are added where configured: by rating grade, by the
//! merchant's purchase volume this month (the highest tier reached), and the support plan's
//! discount in the month the merchant is in it. The sum never goes below 0 bps.
//!
//! The writer loads the rules once per transaction (two small reads), not per purchase.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

use super::auth::{require, Act};
use super::check_bps;
use crate::auth::Actor;
use crate::engine::{Batch, MerchSt};
use crate::error::{Error, Result};
use crate::types::Category;
use crate::Core;

/// The fee rules in force, as one transaction sees them.
#[derive(Debug, Clone, Default)]
pub(crate) struct FeeBook {
    base: HashMap<String, i64>,
    /// (category, from, to, bps), newest first.
    promos: Vec<(String, NaiveDate, NaiveDate, i64)>,
    grade: HashMap<String, i64>,
    /// (volume from, bps), highest volume first.
    volume: Vec<(i64, i64)>,
    support: Option<i64>,
    /// Month-to-date purchase volume per merchant (only read when volume tiers exist).
    volumes: HashMap<i64, i64>,
}

impl FeeBook {
    /// Loads the rules (two reads).
    pub(crate) async fn load(tx: &mut sqlx::AnyConnection) -> Result<FeeBook> {
        let rules: Vec<(String, i64, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT category, bps, valid_from, valid_to FROM fee_rules ORDER BY id DESC")
                .fetch_all(&mut *tx)
                .await?;
        let mut book = FeeBook::default();
        for (cat, bps, from, to) in rules {
            match (from, to) {
                (None, None) => {
                    book.base.entry(cat).or_insert(bps);
                }
                (f, t) => {
                    let f = f.as_deref().map(crate::clock::parse_date).transpose()?.unwrap_or(NaiveDate::MIN);
                    let t = t.as_deref().map(crate::clock::parse_date).transpose()?.unwrap_or(NaiveDate::MAX);
                    book.promos.push((cat, f, t, bps));
                }
            }
        }
        let adj: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT kind, akey, bps FROM fee_adjustments").fetch_all(&mut *tx).await?;
        for (kind, key, bps) in adj {
            match kind.as_str() {
                "grade" => {
                    book.grade.insert(key, bps);
                }
                "volume" => book.volume.push((key.parse().unwrap_or(i64::MAX), bps)),
                "support" => book.support = Some(bps),
                _ => {}
            }
        }
        book.volume.sort_unstable_by(|a, b| b.cmp(a));
        Ok(book)
    }

    /// Whether the volume tiers need the merchant's month-to-date volume.
    fn needs_volume(&self) -> bool {
        !self.volume.is_empty()
    }

    /// The rate for a merchant on `day`, given its month-to-date volume.
    pub(crate) fn rate(&self, m: &MerchSt, day: NaiveDate, month_volume: i64) -> i64 {
        let promo = self.promos.iter().find(|(c, f, t, _)| *c == m.category && *f <= day && day <= *t).map(|p| p.3);
        let mut bps = promo.or(m.fee_bps).or_else(|| self.base.get(&m.category).copied()).unwrap_or(0);
        if let Some(g) = m.grade.as_ref().and_then(|g| self.grade.get(g)) {
            bps += g;
        }
        if let Some((_, v)) = self.volume.iter().find(|(from, _)| month_volume >= *from) {
            bps += v;
        }
        let month = format!("{:04}-{:02}", day.year(), day.month());
        if let (Some(s), Some(sm)) = (self.support, m.support_month.as_ref()) {
            if *sm == month {
                bps += s;
            }
        }
        bps.clamp(0, 10_000)
    }
}

impl Batch<'_> {
    /// Forgets the month-to-date volumes read so far: the next group of a writer chain reads
    /// them again, with the purchases of the chain's groups before it.
    pub(crate) fn forget_volumes(&mut self) {
        if let Some(b) = self.fees.as_mut() {
            b.volumes.clear();
        }
    }

    /// Whether purchases are priced without reading volumes: the fee rules are loaded and have
    /// no volume tier. (A group decided ahead of its transaction could not read them: the
    /// purchases of the group committing meanwhile are not in the read-only connection's view.)
    pub(crate) fn fees_without_volume(&self) -> bool {
        self.fees.as_ref().is_some_and(|b| !b.needs_volume())
    }

    /// Whether a rate depends on a merchant's month-to-date volume, which `fee_bps_for` then
    /// reads from the payments stored so far (loads the fee rules if this batch has not).
    pub(crate) async fn fees_read_volume(&mut self) -> Result<bool> {
        if self.fees.is_none() {
            self.fees = Some(FeeBook::load(&mut self.tx).await?);
        }
        Ok(self.fees.as_ref().is_some_and(FeeBook::needs_volume))
    }

    /// The fee rate in force now for a purchase at `merchant`.
    pub(crate) async fn fee_bps_for(&mut self, merchant: i64, m: &MerchSt) -> Result<i64> {
        let needs = self.fees_read_volume().await?;
        let mut volume = 0;
        if needs {
            let cached = self.fees.as_ref().and_then(|b| b.volumes.get(&merchant).copied());
            volume = match cached {
                Some(v) => v,
                None => {
                    let first = self.today.with_day(1).unwrap_or(self.today);
                    let v: Option<i64> = sqlx::query_scalar(
                        "SELECT CAST(SUM(amount) AS BIGINT) FROM payments WHERE merchant_id = $1 AND created_at >= $2",
                    )
                    .bind(merchant)
                    .bind(crate::clock::day_start_micros(first))
                    .fetch_one(&mut *self.tx)
                    .await?;
                    let v = v.unwrap_or(0);
                    if let Some(b) = self.fees.as_mut() {
                        b.volumes.insert(merchant, v);
                    }
                    v
                }
            };
        }
        Ok(self.fees.as_ref().map_or(0, |b| b.rate(m, self.today, volume)))
    }

    pub(crate) async fn fee_rule_set(
        &mut self,
        category: Category,
        bps: i64,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        actor: &Actor,
    ) -> Result<Value> {
        require(actor, Act::Finance)?;
        check_bps(bps)?;
        if from.is_some() != to.is_some() {
            return Err(Error::new("invalid_date", "a promotional rate needs both --from and --to"));
        }
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(Error::new("invalid_date", "--from must not be after --to"));
            }
        }
        let id = self.next_id("misc")?;
        sqlx::query(
            "INSERT INTO fee_rules (id, category, bps, valid_from, valid_to, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(category.as_str())
        .bind(bps)
        .bind(from.map(|d| d.to_string()))
        .bind(to.map(|d| d.to_string()))
        .bind(self.now)
        .bind(actor.user.clone())
        .execute(&mut *self.tx)
        .await?;
        self.fees = None;
        let kind = if from.is_some() { "promotional" } else { "base" };
        self.audit(actor, "fee_rule.set", category.as_str(), &format!("{kind} {bps} bps {from:?}..{to:?}"))?;
        Ok(json!({"rule": id, "category": category, "bps": bps, "kind": kind,
                  "from": from.map(|d| d.to_string()), "to": to.map(|d| d.to_string())}))
    }

    pub(crate) async fn fee_adjust(&mut self, kind: &str, key: &str, bps: Option<i64>, actor: &Actor) -> Result<Value> {
        require(actor, Act::Finance)?;
        let ok = match kind {
            "grade" => matches!(key, "A" | "B" | "C" | "D"),
            "volume" => key.parse::<i64>().is_ok_and(|v| v >= 0),
            "support" => key == "plan",
            _ => false,
        };
        if !ok {
            return Err(Error::new(
                "invalid_argument",
                "an adjustment is --grade A|B|C|D, --volume-from AMOUNT or --support, with --bps N (may be negative)",
            ));
        }
        if let Some(b) = bps {
            if !(-10_000..=10_000).contains(&b) {
                return Err(Error::new("invalid_fee_rate", "an adjustment is -10000..=10000 bps"));
            }
        }
        sqlx::query("DELETE FROM fee_adjustments WHERE kind = $1 AND akey = $2")
            .bind(kind)
            .bind(key)
            .execute(&mut *self.tx)
            .await?;
        if let Some(b) = bps {
            sqlx::query(
                "INSERT INTO fee_adjustments (kind, akey, bps, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(kind)
            .bind(key)
            .bind(b)
            .bind(self.now)
            .bind(actor.user.clone())
            .execute(&mut *self.tx)
            .await?;
        }
        self.fees = None;
        self.audit(actor, "fee_rule.adjust", &format!("{kind}:{key}"), &format!("{bps:?}"))?;
        Ok(json!({"kind": kind, "key": key, "bps": bps}))
    }

    pub(crate) async fn clearing_setting(&mut self, name: &str, value: &str, actor: &Actor) -> Result<Value> {
        require(actor, Act::Finance)?;
        let valid = match name {
            "fee_issuer_bps" => value.parse::<i64>().is_ok_and(|v| (0..=10_000).contains(&v)),
            "channel_drift_seconds" => value.parse::<i64>().is_ok_and(|v| (0..=86_400).contains(&v)),
            "rating_grade_a" | "rating_grade_b" | "rating_grade_c" => {
                value.parse::<i64>().is_ok_and(|v| (0..=100).contains(&v))
            }
            _ => false,
        };
        if !valid {
            return Err(Error::new(
                "invalid_setting",
                format!(
                    "{name} = {value:?}: settings are fee_issuer_bps (0..=10000), channel_drift_seconds (0..=86400)"
                ),
            ));
        }
        sqlx::query("DELETE FROM clearing_settings WHERE name = $1").bind(name).execute(&mut *self.tx).await?;
        sqlx::query("INSERT INTO clearing_settings (name, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)")
            .bind(name)
            .bind(value)
            .bind(self.now)
            .bind(actor.user.clone())
            .execute(&mut *self.tx)
            .await?;
        self.audit(actor, "clearing.setting", name, value)?;
        Ok(json!({"setting": name, "value": value}))
    }

    /// A numeric clearing setting, or its default.
    pub(crate) async fn setting_i64(&mut self, name: &str, default: i64) -> Result<i64> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM clearing_settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(default))
    }
}

impl Core {
    /// The fee rules and adjustments on record (history included).
    pub async fn fee_rules(&self, actor: &Actor) -> Result<Value> {
        require(actor, Act::FinanceRead)?;
        let rules: Vec<(i64, String, i64, Option<String>, Option<String>, i64, String)> = sqlx::query_as(
            "SELECT id, category, bps, valid_from, valid_to, created_at, created_by FROM fee_rules ORDER BY id",
        )
        .fetch_all(&self.db().pool)
        .await?;
        let adj: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT kind, akey, bps FROM fee_adjustments ORDER BY kind, akey")
                .fetch_all(&self.db().pool)
                .await?;
        Ok(json!({
            "rules": rules.into_iter().map(|(id, c, b, f, t, at, by)| json!({"rule": id, "category": c, "bps": b,
                "from": f, "to": t, "at": crate::clock::format_micros(at), "by": by})).collect::<Vec<_>>(),
            "adjustments": adj.into_iter().map(|(k, key, b)| json!({"kind": k, "key": key, "bps": b}))
                .collect::<Vec<_>>(),
        }))
    }
}
