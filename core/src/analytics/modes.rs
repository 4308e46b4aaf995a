//! Each mall's mode over time: `traditional` until its card-mode adoption date, `card` from then
//! on; an e-commerce outlet is `ecommerce`. Stored as periods (mall, since, mode); the mode on a
//! day is that of the latest period starting on or before it.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::Mode;
use crate::auth::Actor;
use crate::clock::parse_date;
use crate::db::Db;
use crate::engine::{Batch, MallAddRequest};
use crate::error::{Error, Result};

/// The first day of every timeline: before any data.
pub fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()
}

/// A mall's periods, sorted by start.
pub type Timeline = Vec<(NaiveDate, Mode)>;

/// The periods a new mall starts with, from its request (`invalid_mode`, `invalid_date`).
pub(crate) fn initial_periods(r: &MallAddRequest, today: NaiveDate) -> Result<Timeline> {
    let since = r.card_since.as_deref().map(parse_date).transpose()?;
    Ok(match (r.mode, since) {
        (Some(Mode::Ecommerce), Some(_)) => {
            return Err(Error::new("invalid_mode", "an e-commerce outlet has no card-mode adoption date"))
        }
        (Some(Mode::Ecommerce), None) => vec![(epoch(), Mode::Ecommerce)],
        (Some(Mode::Traditional), None) => vec![(epoch(), Mode::Traditional)],
        // Without a mode, a new mall runs the card from the day it is added.
        (None | Some(Mode::Card), None) => vec![(epoch(), Mode::Traditional), (today, Mode::Card)],
        (_, Some(d)) if d <= epoch() => vec![(epoch(), Mode::Card)],
        (_, Some(d)) => vec![(epoch(), Mode::Traditional), (d, Mode::Card)],
    })
}

/// Refuses a bad mode or date before `mall add` writes anything.
pub(crate) fn check_mall_add(r: &MallAddRequest) -> Result<()> {
    initial_periods(r, epoch()).map(|_| ())
}

/// Records a new mall's timeline (inside `mall add`'s transaction).
pub(crate) async fn on_mall_add(b: &mut Batch<'_>, r: &MallAddRequest, actor: &Actor) -> Result<()> {
    for (since, mode) in initial_periods(r, b.today)? {
        insert_period(b, &r.code, since, mode, actor).await?;
    }
    Ok(())
}

async fn insert_period(b: &mut Batch<'_>, mall: &str, since: NaiveDate, mode: Mode, actor: &Actor) -> Result<()> {
    sqlx::query("INSERT INTO mall_modes (mall, since, mode, set_at, set_by) VALUES ($1, $2, $3, $4, $5)")
        .bind(mall.to_string())
        .bind(since.to_string())
        .bind(mode.as_str())
        .bind(b.now)
        .bind(actor.user.clone())
        .execute(&mut *b.tx)
        .await?;
    Ok(())
}

/// `mall set-mode`: the mall is in `mode` from `since` on; periods starting on or after `since`
/// are replaced (a timeline is corrected forwards).
pub(crate) async fn set_mode(
    b: &mut Batch<'_>,
    mall: &str,
    mode: Mode,
    since: NaiveDate,
    actor: &Actor,
) -> Result<serde_json::Value> {
    super::require_write(actor)?;
    let region: Option<String> = sqlx::query_scalar("SELECT region FROM malls WHERE code = $1")
        .bind(mall.to_string())
        .fetch_optional(&mut *b.tx)
        .await?;
    let region = region.ok_or_else(|| Error::new("mall_not_found", format!("no mall {mall}")))?;
    actor.require_mall(mall, &region)?;
    sqlx::query("DELETE FROM mall_modes WHERE mall = $1 AND since >= $2")
        .bind(mall.to_string())
        .bind(since.to_string())
        .execute(&mut *b.tx)
        .await?;
    insert_period(b, mall, since, mode, actor).await?;
    b.audit(actor, "mall.set_mode", mall, &format!("{} since {since}", mode.as_str()))?;
    Ok(serde_json::json!({"mall": mall, "mode": mode, "since": since.to_string()}))
}

/// Every mall's timeline.
pub async fn timelines(db: &Db) -> Result<BTreeMap<String, Timeline>> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT mall, since, mode FROM mall_modes ORDER BY mall, since").fetch_all(&db.pool).await?;
    let mut out: BTreeMap<String, Timeline> = BTreeMap::new();
    for (mall, since, mode) in rows {
        out.entry(mall).or_default().push((parse_date(&since)?, Mode::parse(&mode)?));
    }
    Ok(out)
}

/// The mode of a mall on `day` (traditional before its first period).
pub fn mode_on(t: &Timeline, day: NaiveDate) -> Mode {
    t.iter().rev().find(|(s, _)| *s <= day).map_or(Mode::Traditional, |(_, m)| *m)
}

/// The mode segments of a timeline inside [from, to]: (mode, first day, last day).
pub fn segments(t: &Timeline, from: NaiveDate, to: NaiveDate) -> Vec<(Mode, NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    if from > to {
        return out;
    }
    let mut starts: Vec<(NaiveDate, Mode)> = vec![(from, mode_on(t, from))];
    starts.extend(t.iter().filter(|(s, _)| *s > from && *s <= to).copied());
    for (i, (s, m)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(to, |(n, _)| n.pred_opt().unwrap_or(*n));
        match out.last_mut() {
            Some((pm, _, pe)) if *pm == *m => *pe = end,
            _ => out.push((*m, *s, end)),
        }
    }
    out
}
