//! The dashboards: every figure computed from the rollups by the formulas of DOMAIN.md
//! ("Metric formulas", "Exact definitions"), for a period and a scope. Money is a string with 2
//! places, ratios strings with 4 places (rounded half-up only when shown), counts integers; a
//! ratio whose denominator is zero is `null`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::*;
use serde_json::{json, Value};

use super::modes::{segments, timelines, Timeline};
use super::{dec, money, money_per, ratio, Mode};
use crate::auth::{Actor, Scope};
use crate::db::{Backend, Db};
use crate::error::{Error, Result};
use crate::Core;

/// A dashboard's period and scope (`--from/--to` inclusive; none = the whole range of the data).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// First day.
    pub from: Option<NaiveDate>,
    /// Last day.
    pub to: Option<NaiveDate>,
    /// Only this region.
    pub region: Option<String>,
    /// Only this mall.
    pub mall: Option<String>,
}

/// A mall as the dashboards see it.
#[derive(Debug, Clone)]
pub struct MallRow {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// City tier.
    pub tier: i64,
}

/// The resolved scope: malls and merchants in view, the period, the timelines.
#[derive(Debug, Clone)]
pub struct View {
    /// Malls in view.
    pub malls: Vec<MallRow>,
    /// Merchants in view (None = all merchants of the malls).
    pub merchants: Option<BTreeSet<i64>>,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Whether there is any data at all.
    pub empty: bool,
    /// Timelines of the malls.
    pub timelines: BTreeMap<String, Timeline>,
}

/// Bound parameters in textual order (bare `?` on SQLite are numbered by position).
struct Sql {
    backend: Backend,
    text: String,
    binds: Vec<super::rollup::K>,
}

impl Sql {
    fn new(backend: Backend) -> Sql {
        Sql { backend, text: String::new(), binds: Vec::new() }
    }
    fn p(&mut self, v: super::rollup::K) -> String {
        self.binds.push(v);
        crate::db::param(self.backend, self.binds.len())
    }
    fn t(&mut self, s: &str) -> String {
        self.p(super::rollup::K::T(s.to_string()))
    }
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    async fn fetch(&self, db: &Db) -> Result<Vec<sqlx::any::AnyRow>> {
        let mut q = sqlx::query(&self.text);
        for b in &self.binds {
            q = match b {
                super::rollup::K::I(i) => q.bind(*i),
                super::rollup::K::T(s) => q.bind(s.clone()),
            };
        }
        Ok(q.fetch_all(&db.pool).await?)
    }
}

fn get_i(r: &sqlx::any::AnyRow, i: usize) -> i64 {
    use sqlx::Row;
    r.try_get::<Option<i64>, _>(i).ok().flatten().unwrap_or(0)
}

fn get_s(r: &sqlx::any::AnyRow, i: usize) -> String {
    use sqlx::Row;
    r.try_get::<String, _>(i).unwrap_or_default()
}

/// Resolves the actor's scope and the filter into a view.
pub async fn view(db: &Db, actor: &Actor, f: &Filter) -> Result<View> {
    super::require_read(actor)?;
    let malls: Vec<(String, String, String, i64)> =
        sqlx::query_as("SELECT code, name, region, city_tier FROM malls ORDER BY code").fetch_all(&db.pool).await?;
    let mut merchants: Option<BTreeSet<i64>> = None;
    let mut merchant_malls = BTreeSet::new();
    let scoped_merchants: Vec<i64> =
        actor.scopes.iter().filter_map(|s| if let Scope::Merchant(m) = s { Some(*m) } else { None }).collect();
    if !scoped_merchants.is_empty() {
        let all: Vec<(i64, String)> = sqlx::query_as("SELECT id, mall FROM merchants").fetch_all(&db.pool).await?;
        for (id, mall) in all {
            if scoped_merchants.contains(&id) {
                merchant_malls.insert(mall);
            }
        }
        merchants = Some(scoped_merchants.iter().copied().collect());
    }
    if let Some(m) = &f.mall {
        if !malls.iter().any(|x| &x.0 == m) {
            return Err(Error::new("mall_not_found", format!("no mall {m}")));
        }
    }
    let malls: Vec<MallRow> = malls
        .into_iter()
        .filter(|(code, _, region, _)| {
            let in_scope = actor.scopes.is_empty()
                || actor.scopes.iter().any(|s| match s {
                    Scope::Mall(m) => m == code,
                    Scope::Region(r) => r == region,
                    Scope::Merchant(_) => merchant_malls.contains(code),
                });
            in_scope && f.region.as_ref().is_none_or(|r| r == region) && f.mall.as_ref().is_none_or(|m| m == code)
        })
        .map(|(code, name, region, tier)| MallRow { code, name, region, tier })
        .collect();
    if f.mall.is_some() && malls.is_empty() {
        return Err(Error::new("forbidden", format!("user {} has no access to that mall", actor.user)));
    }
    let range: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT MIN(day), MAX(day) FROM r_mall_day").fetch_one(&db.pool).await?;
    let data_from = range.0.as_deref().and_then(|d| crate::clock::parse_date(d).ok());
    let data_to = range.1.as_deref().and_then(|d| crate::clock::parse_date(d).ok());
    let from = f.from.or(data_from).unwrap_or_else(|| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default());
    let to = f.to.or(data_to).unwrap_or(from);
    if from > to {
        return Err(Error::new("invalid_period", format!("--from {from} is after --to {to}")));
    }
    let empty = data_from.is_none() && f.from.is_none();
    let timelines = timelines(db).await?;
    Ok(View { malls, merchants, from, to, empty, timelines })
}

/// (mall, mode, first, last) of every mall in view.
fn mall_segments(v: &View, malls: &[MallRow]) -> Vec<(String, Mode, NaiveDate, NaiveDate)> {
    let empty = Vec::new();
    let mut out = Vec::new();
    for m in malls {
        let t = v.timelines.get(&m.code).unwrap_or(&empty);
        for (mode, a, b) in segments(t, v.from, v.to) {
            out.push((m.code.clone(), mode, a, b));
        }
    }
    out
}

/// The mode of a (mall, day) row as SQL: `CASE mall WHEN ? THEN (CASE WHEN day >= ? THEN 'card'
/// ELSE 'traditional' END) ... END`. Mall first, then the mall's few period starts: a handful
/// of comparisons per row, which is what the buyer-day scan costs.
fn mode_case(sql: &mut Sql, segs: &[(String, Mode, NaiveDate, NaiveDate)]) -> String {
    let mut by_mall: BTreeMap<&str, Vec<(Mode, NaiveDate)>> = BTreeMap::new();
    for (mall, mode, a, _) in segs {
        by_mall.entry(mall.as_str()).or_default().push((*mode, *a));
    }
    let mut s = String::from("CASE mall");
    for (mall, periods) in by_mall {
        let pm = sql.t(mall);
        s.push_str(&format!(" WHEN {pm} THEN "));
        if periods.len() == 1 {
            s.push_str(&format!("'{}'", periods[0].0.as_str()));
            continue;
        }
        s.push_str("(CASE");
        for (mode, a) in periods.iter().skip(1).rev() {
            let pa = sql.t(&a.to_string());
            s.push_str(&format!(" WHEN day >= {pa} THEN '{}'", mode.as_str()));
        }
        s.push_str(&format!(" ELSE '{}' END)", periods[0].0.as_str()));
    }
    s.push_str(" ELSE 'none' END");
    s
}

fn mall_in(sql: &mut Sql, malls: &[MallRow]) -> String {
    if malls.is_empty() {
        return "1 = 0".into();
    }
    let ps: Vec<String> = malls.iter().map(|m| sql.t(&m.code)).collect();
    format!("mall IN ({})", ps.join(","))
}

fn merchant_in(sql: &mut Sql, merchants: &BTreeSet<i64>) -> String {
    if merchants.is_empty() {
        return "1 = 0".into();
    }
    let ps: Vec<String> = merchants.iter().map(|m| sql.p(super::rollup::K::I(*m))).collect();
    format!("merchant IN ({})", ps.join(","))
}

/// Sums of one mode (or group) over a period.
#[derive(Debug, Clone, Default)]
pub struct Sums {
    /// Malls with at least one day in this mode.
    pub malls: BTreeSet<String>,
    /// Mall-days.
    pub mall_days: i64,
    /// Gate entries.
    pub footfall: i64,
    /// New members.
    pub new_members: i64,
    /// Visitors reached.
    pub visitors: i64,
    /// Sales transactions.
    pub sales: i64,
    /// Sale amounts (fen).
    pub amount: i64,
    /// Card refunds + returned sales (fen).
    pub return_amount: i64,
    /// Marketing spend pro-rated to the days inside the period (fen, exact).
    pub spend: Decimal,
    /// Identified buyers.
    pub buyers: i64,
    /// Buyers with >= 2 purchase days.
    pub repeat_buyers: i64,
}

impl Sums {
    /// Net sales in fen.
    pub fn net(&self) -> i64 {
        self.amount - self.return_amount
    }

    /// The mode comparison's figures.
    pub fn figures(&self) -> Value {
        let footfall = if self.mall_days == 0 {
            Value::Null
        } else {
            let v = Decimal::from(self.footfall) / Decimal::from(self.mall_days) * Decimal::from(365);
            json!(v.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero).to_i64())
        };
        json!({
            "malls": self.malls.len(),
            "mall_days": self.mall_days,
            "footfall": self.footfall,
            "footfall_per_mall": footfall,
            "avg_ticket": money_per(self.net(), self.sales),
            "repurchase_rate": ratio(Decimal::from(self.repeat_buyers), Decimal::from(self.buyers)),
            "member_conversion": ratio(Decimal::from(self.new_members), Decimal::from(self.visitors)),
            "marketing_cost_share": ratio(self.spend, Decimal::from(self.net())),
            "marketing_spend": dec(self.spend / Decimal::from(100), 2),
            "sales": money(self.net()),
            "gross_sales": money(self.amount),
            "returns_amount": money(self.return_amount),
            "transactions": self.sales,
            "buyers": self.buyers,
            "repeat_buyers": self.repeat_buyers,
        })
    }
}

fn days_in_month(y: i32, m: u32) -> i64 {
    let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default();
    let next = crate::clock::add_months(first, 1);
    (next - first).num_days()
}

/// Sums per key (mode, or a group label) for the malls in `malls`; `key` maps a mode to a
/// group (None = leave out).
pub async fn sums_by_mode(db: &Db, v: &View, malls: &[MallRow]) -> Result<BTreeMap<Mode, Sums>> {
    let backend = db.backend;
    let segs = mall_segments(v, malls);
    let mut out: BTreeMap<Mode, Sums> = Mode::ALL.iter().map(|m| (*m, Sums::default())).collect();
    for (mall, mode, a, b) in &segs {
        let s = out.entry(*mode).or_default();
        s.malls.insert(mall.clone());
        s.mall_days += (*b - *a).num_days() + 1;
    }
    if segs.is_empty() || v.empty {
        return Ok(out);
    }
    let (from, to) = (v.from.to_string(), v.to.to_string());
    // Footfall, members, and (without a merchant restriction) sales: one row per mall and day.
    let mut sql = Sql::new(backend);
    let case = mode_case(&mut sql, &segs);
    let (pf, pt) = (sql.t(&from), sql.t(&to));
    let mi = mall_in(&mut sql, malls);
    sql.push(&format!(
        "SELECT {case} AS mode, CAST(SUM(footfall) AS BIGINT), CAST(SUM(new_members) AS BIGINT), CAST(SUM(visitors_reached) AS BIGINT), CAST(SUM(sales) AS BIGINT), CAST(SUM(amount) AS BIGINT), \
         CAST(SUM(return_amount) AS BIGINT) FROM r_mall_day WHERE day >= {pf} AND day <= {pt} AND {mi} GROUP BY 1"
    ));
    for r in sql.fetch(db).await? {
        let Ok(mode) = Mode::parse(&get_s(&r, 0)) else { continue };
        let s = out.entry(mode).or_default();
        s.footfall += get_i(&r, 1);
        s.new_members += get_i(&r, 2);
        s.visitors += get_i(&r, 3);
        if v.merchants.is_none() {
            s.sales += get_i(&r, 4);
            s.amount += get_i(&r, 5);
            s.return_amount += get_i(&r, 6);
        }
    }
    if let Some(ms) = &v.merchants {
        let mut sql = Sql::new(backend);
        let case = mode_case(&mut sql, &segs);
        let (pf, pt) = (sql.t(&from), sql.t(&to));
        let mi = merchant_in(&mut sql, ms);
        sql.push(&format!(
            "SELECT {case} AS mode, CAST(SUM(sales) AS BIGINT), CAST(SUM(amount) AS BIGINT), CAST(SUM(return_amount) AS BIGINT) FROM r_sales \
             WHERE day >= {pf} AND day <= {pt} AND {mi} GROUP BY 1"
        ));
        for r in sql.fetch(db).await? {
            let Ok(mode) = Mode::parse(&get_s(&r, 0)) else { continue };
            let s = out.entry(mode).or_default();
            s.sales += get_i(&r, 1);
            s.amount += get_i(&r, 2);
            s.return_amount += get_i(&r, 3);
        }
    }
    // Marketing: a month's spend counts in proportion to its days inside the period (and, when
    // the mall changed mode that month, inside each mode's days).
    let mut sql = Sql::new(backend);
    let (pf, pt) = (sql.t(&v.from.format("%Y-%m").to_string()), sql.t(&v.to.format("%Y-%m").to_string()));
    let mi = mall_in(&mut sql, malls);
    sql.push(&format!("SELECT mall, month, spend FROM r_mall_month WHERE month >= {pf} AND month <= {pt} AND {mi}"));
    for r in sql.fetch(db).await? {
        let (mall, month, spend) = (get_s(&r, 0), get_s(&r, 1), get_i(&r, 2));
        let Ok(first) = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d") else { continue };
        let dim = days_in_month(first.year(), first.month());
        let last = first + chrono::Duration::days(dim - 1);
        for (m, mode, a, b) in segs.iter().filter(|s| s.0 == mall) {
            let _ = m;
            let (lo, hi) = ((*a).max(first), (*b).min(last));
            if lo <= hi {
                let days = (hi - lo).num_days() + 1;
                out.entry(*mode).or_default().spend += Decimal::from(spend) * Decimal::from(days) / Decimal::from(dim);
            }
        }
    }
    // Repurchase: identified buyers with sales on >= 2 distinct days, per mode.
    if v.merchants.is_none() {
        for (mode, (buyers, repeat)) in repurchase(db, v, &segs, malls).await? {
            let s = out.entry(mode).or_default();
            s.buyers += buyers;
            s.repeat_buyers += repeat;
        }
    }
    Ok(out)
}

type Segments = [Segment];

/// Identified buyers and those among them with sales on >= 2 distinct days, per mode.
///
/// Buyers seen in one mall only are counted per mall-period. A period that starts before the
/// mall's first buyer day or ends after its last (every period of the default view, the whole
/// range of the data) is summed from r_buyer_mark, a few hundred rows per mall whatever the
/// number of buyers (migration 0006 has the formulas). Any other period reads buyer days
/// (r_buyer_day with its prev_day and next_day links, migration 0005): those inside it, after it
/// or before it ([`scan_buyer_days`]). Buyers seen in several malls (r_buyer_multi) are grouped
/// by buyer, since their days in two malls may be one date; so is everything when a mall went
/// back to a mode it had left (its two periods would count a buyer twice).
async fn repurchase(db: &Db, v: &View, segs: &Segments, malls: &[MallRow]) -> Result<BTreeMap<Mode, (i64, i64)>> {
    let mut out: BTreeMap<Mode, (i64, i64)> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    if segs.iter().any(|(m, mode, _, _)| !seen.insert((m.as_str(), *mode))) {
        group_by_buyer(db, v, segs, malls, false, &mut out).await?;
        return Ok(out);
    }
    let mut scan: Vec<(&Segment, MarkSums)> = Vec::new();
    // SQLite caps a compound SELECT at 500 terms. The dates are NaiveDate's own digits, so they
    // go in as literals; the mall codes are parameters.
    for (c, chunk) in segs.chunks(200).enumerate() {
        let mut sql = Sql::new(db.backend);
        let mut parts = Vec::with_capacity(chunk.len());
        for (i, (mall, _, a, b)) in chunk.iter().enumerate() {
            let pm = sql.t(mall);
            parts.push(format!(
                "SELECT CAST({i} AS BIGINT) AS seg, \
                 SUM(CASE WHEN day < '{a}' THEN days ELSE 0 END) AS before_a, \
                 SUM(CASE WHEN day > '{b}' THEN days ELSE 0 END) AS after_b, \
                 SUM(CASE WHEN day >= '{a}' THEN days - prevs ELSE 0 END) AS to_end, \
                 SUM(CASE WHEN day >= '{a}' THEN lasts - prev_lasts ELSE 0 END) AS to_end_once, \
                 SUM(CASE WHEN day <= '{b}' THEN firsts ELSE 0 END) AS from_start, \
                 SUM(CASE WHEN day <= '{b}' THEN first_nexts ELSE 0 END) AS from_start_again, \
                 SUM(CASE WHEN day >= '{a}' AND day <= '{b}' THEN days ELSE 0 END) AS inside, \
                 SUM(CASE WHEN day >= '{a}' THEN lasts ELSE 0 END) AS lasts_from_a, \
                 SUM(CASE WHEN day >= '{a}' AND day <= '{b}' THEN lasts ELSE 0 END) AS lasts_in, \
                 SUM(CASE WHEN day >= '{a}' THEN prev_lasts ELSE 0 END) AS prev_lasts_from_a, \
                 SUM(CASE WHEN day >= '{a}' AND day <= '{b}' THEN firsts ELSE 0 END) AS firsts_in \
                 FROM r_buyer_mark WHERE mall = {pm}"
            ));
        }
        let cols: Vec<String> = [
            "before_a",
            "after_b",
            "to_end",
            "to_end_once",
            "from_start",
            "from_start_again",
            "inside",
            "lasts_from_a",
            "lasts_in",
            "prev_lasts_from_a",
            "firsts_in",
        ]
        .iter()
        .map(|c| format!("CAST(COALESCE({c}, 0) AS BIGINT)"))
        .collect();
        sql.push(&format!("SELECT seg, {} FROM ({}) u", cols.join(", "), parts.join(" UNION ALL ")));
        for r in sql.fetch(db).await? {
            let Some(seg) = usize::try_from(get_i(&r, 0)).ok().and_then(|i| segs.get(c * 200 + i)) else { continue };
            let (before, after) = (get_i(&r, 1), get_i(&r, 2));
            let counts = if after == 0 {
                let buyers = get_i(&r, 3);
                (buyers, buyers - get_i(&r, 4))
            } else if before == 0 {
                (get_i(&r, 5), get_i(&r, 6))
            } else {
                let sums = MarkSums {
                    before,
                    inside: get_i(&r, 7),
                    after,
                    lasts_from_a: get_i(&r, 8),
                    lasts_in: get_i(&r, 9),
                    prev_lasts_from_a: get_i(&r, 10),
                    firsts_to_b: get_i(&r, 5),
                    firsts_in: get_i(&r, 11),
                    first_nexts_to_b: get_i(&r, 6),
                };
                scan.push((seg, sums));
                continue;
            };
            let e = out.entry(seg.1).or_default();
            e.0 += counts.0;
            e.1 += counts.1;
        }
    }
    for (mode, buyers, repeat) in scan_buyer_days(db, &scan).await? {
        let e = out.entry(mode).or_default();
        e.0 += buyers;
        e.1 += repeat;
    }
    group_by_buyer(db, v, segs, malls, true, &mut out).await?;
    Ok(out)
}

type Segment = (String, Mode, NaiveDate, NaiveDate);

/// What reading one buyer day outside a period costs, in buyer days read inside: every row
/// outside is summed and the buyers coming back are looked up by key, while inside only the
/// first days are read further (BENCHMARKS.md, issue 5, measured on the large demo).
const OUTSIDE_ROW_COST: i64 = 8;

/// Which buyer days of a mall count a period [a, b] that starts after its first buyer day and
/// ends before its last: those inside the period, or those after or before it when they are
/// fewer by more than [`OUTSIDE_ROW_COST`] (r_buyer_mark says how many each are), so a period
/// that leaves out a little at each end (the whole range less a day: all the buyer days before)
/// reads that little. [`scan_buyer_days`] has the formulas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    Inside,
    After,
    Before,
}

/// A period's sums from r_buyer_mark (single-mall buyers), for [`scan_buyer_days`].
#[derive(Debug, Clone, Copy)]
struct MarkSums {
    /// Buyer days before a, inside [a, b], after b.
    before: i64,
    inside: i64,
    after: i64,
    /// Buyers whose last day is >= a; last days inside [a, b]; last days whose previous day is >= a.
    lasts_from_a: i64,
    lasts_in: i64,
    prev_lasts_from_a: i64,
    /// Buyers whose first day is <= b; first days inside [a, b]; first days whose next day is <= b.
    firsts_to_b: i64,
    firsts_in: i64,
    first_nexts_to_b: i64,
}

impl MarkSums {
    fn reach(&self) -> Reach {
        if self.inside <= OUTSIDE_ROW_COST * self.after.min(self.before) {
            Reach::Inside
        } else if self.after <= self.before {
            Reach::After
        } else {
            Reach::Before
        }
    }
}

/// Buyers and repeat buyers of periods anchored at neither end, per mode.
///
/// A buyer day is a row (p, d, n): the buyer's day d in the mall, with the previous and next
/// ones (none = before or after every day). The period's buyers are its rows with p < a <= d <= b,
/// one per buyer (the first day inside); a buyer comes only once when that row's n > b too.
/// - Inside: those rows are read directly.
/// - After (rows with d > b are read): buyers = (buyers with a day >= a) - (rows d > b, p < a:
///   buyers whose days from a on are all after b). A once-buyer's one day inside is either their
///   last day (last days inside less those whose p >= a, the latter being last days with p >= a
///   less those with d > b) or the p of their first row after b, whose own p is < a.
/// - Before (rows with d < a are read), the mirror image: buyers = (buyers with a day <= b) -
///   (rows d < a, n > b); a once-buyer's one day inside is their first day (first days inside
///   less those with n <= b, the latter being first days with n <= b less those with d < a) or
///   the n of their last row before a, whose own n is > b.
///
/// Debug builds count every period all three ways and stop when they disagree, so the tests
/// check each formula against the others on every period they ask for.
async fn scan_buyer_days(db: &Db, scan: &[(&Segment, MarkSums)]) -> Result<Vec<(Mode, i64, i64)>> {
    let all: &[Reach] = if cfg!(debug_assertions) { &[Reach::Inside, Reach::After, Reach::Before] } else { &[] };
    // One statement after the other: run side by side on the pool's connections they took
    // longer on 2 cores (measured on the large demo).
    let mut results = Vec::new();
    for reach in [Reach::Inside, Reach::After, Reach::Before] {
        let picked: Vec<usize> =
            (0..scan.len()).filter(|i| all.contains(&reach) || scan[*i].1.reach() == reach).collect();
        for chunk in picked.chunks(200) {
            results.push(scan_job(db, scan, reach, chunk.to_vec()).await?);
        }
    }
    let mut counted: BTreeMap<usize, (i64, i64)> = BTreeMap::new();
    for (reach, rows) in results {
        for (i, counts) in rows {
            if let Some(first) = counted.get(&i) {
                debug_assert_eq!(
                    *first, counts,
                    "repurchase counts of {:?} read {reach:?} differ from another reach",
                    scan[i].0
                );
            } else {
                counted.insert(i, counts);
            }
        }
    }
    Ok(counted.into_iter().map(|(i, (b, r))| (scan[i].0 .1, b, r)).collect())
}

/// One statement of [`scan_buyer_days`] (a UNION ALL of at most 200 periods): buyers and repeat
/// buyers of the periods `picked`.
async fn scan_job(
    db: &Db,
    scan: &[(&Segment, MarkSums)],
    reach: Reach,
    picked: Vec<usize>,
) -> Result<(Reach, Vec<(usize, (i64, i64))>)> {
    let mut sql = Sql::new(db.backend);
    let mut parts = Vec::with_capacity(picked.len());
    // NOT IN rather than a correlated NOT EXISTS: SQLite builds the (small) set once instead of
    // opening a cursor for every row read.
    let single = "r.buyer NOT IN (SELECT buyer FROM r_buyer_multi)";
    for i in &picked {
        let ((mall, _, a, b), _) = &scan[*i];
        let pm = sql.t(mall);
        parts.push(match reach {
            Reach::Inside => format!(
                "SELECT CAST({i} AS BIGINT) AS seg, COUNT(*) AS s1, \
                 SUM(CASE WHEN next_day <= '{b}' THEN 1 ELSE 0 END) AS s2, 0 AS s3 \
                 FROM r_buyer_day r WHERE mall = {pm} AND day >= '{a}' AND day <= '{b}' \
                 AND (prev_day IS NULL OR prev_day < '{a}') AND {single}"
            ),
            Reach::After => {
                let pm2 = sql.t(mall);
                format!(
                    "SELECT CAST({i} AS BIGINT) AS seg, \
                     SUM(CASE WHEN prev_day IS NULL OR prev_day < '{a}' THEN 1 ELSE 0 END) AS s1, \
                     SUM(CASE WHEN next_day IS NULL AND prev_day >= '{a}' THEN 1 ELSE 0 END) AS s2, \
                     (SELECT COUNT(*) FROM r_buyer_day r JOIN r_buyer_day q \
                      ON q.buyer = r.buyer AND q.mall = r.mall AND q.day = r.prev_day \
                      WHERE r.mall = {pm2} AND r.day > '{b}' AND r.prev_day >= '{a}' \
                      AND r.prev_day <= '{b}' AND (q.prev_day IS NULL OR q.prev_day < '{a}') \
                      AND {single}) AS s3 \
                     FROM r_buyer_day r WHERE mall = {pm} AND day > '{b}' AND {single}"
                )
            }
            Reach::Before => {
                let pm2 = sql.t(mall);
                format!(
                    "SELECT CAST({i} AS BIGINT) AS seg, \
                     SUM(CASE WHEN next_day IS NULL OR next_day > '{b}' THEN 1 ELSE 0 END) AS s1, \
                     SUM(CASE WHEN prev_day IS NULL AND next_day <= '{b}' THEN 1 ELSE 0 END) AS s2, \
                     (SELECT COUNT(*) FROM r_buyer_day r JOIN r_buyer_day q \
                      ON q.buyer = r.buyer AND q.mall = r.mall AND q.day = r.next_day \
                      WHERE r.mall = {pm2} AND r.day < '{a}' AND r.next_day >= '{a}' \
                      AND r.next_day <= '{b}' AND (q.next_day IS NULL OR q.next_day > '{b}') \
                      AND {single}) AS s3 \
                     FROM r_buyer_day r WHERE mall = {pm} AND day < '{a}' AND {single}"
                )
            }
        });
    }
    sql.push(&format!(
        "SELECT seg, CAST(COALESCE(s1, 0) AS BIGINT), CAST(COALESCE(s2, 0) AS BIGINT), \
         CAST(COALESCE(s3, 0) AS BIGINT) FROM ({}) u",
        parts.join(" UNION ALL ")
    ));
    let mut out = Vec::with_capacity(picked.len());
    for r in sql.fetch(db).await? {
        let Some((i, m)) = usize::try_from(get_i(&r, 0)).ok().and_then(|i| scan.get(i).map(|s| (i, s.1))) else {
            continue;
        };
        let (s1, s2, s3) = (get_i(&r, 1), get_i(&r, 2), get_i(&r, 3));
        let (buyers, once) = match reach {
            Reach::Inside => (s1, s1 - s2),
            Reach::After => (m.lasts_from_a - s1, m.lasts_in - (m.prev_lasts_from_a - s2) + s3),
            Reach::Before => (m.firsts_to_b - s1, m.firsts_in - (m.first_nexts_to_b - s2) + s3),
        };
        out.push((i, (buyers, buyers - once)));
    }
    Ok((reach, out))
}

/// The repurchase counts by grouping buyer days by buyer (all buyers, or those of r_buyer_multi
/// only), the modes as conditional counts.
async fn group_by_buyer(
    db: &Db,
    v: &View,
    segs: &Segments,
    malls: &[MallRow],
    multi_only: bool,
    out: &mut BTreeMap<Mode, (i64, i64)>,
) -> Result<()> {
    let mut sql = Sql::new(db.backend);
    let case = mode_case(&mut sql, segs);
    let (pf, pt) = (sql.t(&v.from.to_string()), sql.t(&v.to.to_string()));
    let mi = mall_in(&mut sql, malls);
    let per_mode: Vec<String> = Mode::ALL
        .iter()
        .map(|m| format!("COUNT(DISTINCT CASE WHEN mode = '{0}' THEN day END) AS d_{0}", m.as_str()))
        .collect();
    let sums: Vec<String> = Mode::ALL
        .iter()
        .map(|m| {
            format!(
                "CAST(SUM(CASE WHEN d_{0} >= 1 THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN d_{0} >= 2 THEN 1 ELSE 0 END) AS BIGINT)",
                m.as_str()
            )
        })
        .collect();
    // The few multi-mall buyers drive the join (CROSS JOIN keeps that order on SQLite).
    let from = if multi_only {
        "r_buyer_multi mb CROSS JOIN r_buyer_day r WHERE r.buyer = mb.buyer AND"
    } else {
        "r_buyer_day r WHERE"
    };
    sql.push(&format!(
        "SELECT {} FROM (SELECT buyer, {} FROM (SELECT r.buyer AS buyer, day, {case} AS mode FROM {from} \
         day >= {pf} AND day <= {pt} AND {mi}) x GROUP BY buyer) y",
        sums.join(", "),
        per_mode.join(", ")
    ));
    if let Some(r) = sql.fetch(db).await?.first() {
        for (i, m) in Mode::ALL.iter().enumerate() {
            let e = out.entry(*m).or_default();
            e.0 += get_i(r, 2 * i);
            e.1 += get_i(r, 2 * i + 1);
        }
    }
    Ok(())
}

/// The brief's reference figures (DOMAIN.md) for a mode.
pub fn reference(mode: Mode) -> Value {
    match mode {
        Mode::Traditional => json!({
            "footfall_per_mall": [1_200_000, 1_500_000], "avg_ticket": ["800.00", "1200.00"],
            "member_conversion": "0.4500", "marketing_cost_share": ["0.1800", "0.2200"],
        }),
        Mode::Card => json!({
            "footfall_per_mall": [1_800_000, 2_200_000], "avg_ticket": ["1000.00", "1500.00"],
            "member_conversion": "0.7200", "marketing_cost_share": ["0.0900", "0.1500"],
        }),
        Mode::Ecommerce => json!({
            "footfall_per_mall": [3_000_000, 4_000_000], "avg_ticket": ["600.00", "900.00"],
            "member_conversion": "0.5800", "marketing_cost_share": ["0.2500", "0.3000"],
        }),
    }
}

fn modes_json(sums: &BTreeMap<Mode, Sums>) -> Value {
    let mut modes = serde_json::Map::new();
    for m in Mode::ALL {
        let mut f = sums.get(&m).cloned().unwrap_or_default().figures();
        f["reference"] = reference(m);
        modes.insert(m.as_str().into(), f);
    }
    Value::Object(modes)
}

fn uplift(sums: &BTreeMap<Mode, Sums>) -> Value {
    let d = Sums::default();
    let (t, c) = (sums.get(&Mode::Traditional).unwrap_or(&d), sums.get(&Mode::Card).unwrap_or(&d));
    let change = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
        (Some(a), Some(b)) if !a.is_zero() => ratio(b - a, a),
        _ => None,
    };
    let ticket = |s: &Sums| (s.sales > 0).then(|| Decimal::from(s.net()) / Decimal::from(s.sales));
    let rep = |s: &Sums| (s.buyers > 0).then(|| Decimal::from(s.repeat_buyers) / Decimal::from(s.buyers));
    json!({
        "avg_ticket": change(ticket(t), ticket(c)),
        "repurchase_rate": change(rep(t), rep(c)),
        "reference": {"avg_ticket": ["0.2800", "0.4500"], "repurchase_rate": "0.1900"},
    })
}

/// `dashboard compare`.
pub async fn compare(db: &Db, v: &View) -> Result<Value> {
    let sums = sums_by_mode(db, v, &v.malls).await?;
    Ok(json!({
        "from": v.from.to_string(), "to": v.to.to_string(),
        "modes": modes_json(&sums),
        "uplift": uplift(&sums),
    }))
}

/// DOMAIN.md's city-tier strategy.
pub fn tier_strategy(tier: i64) -> (&'static str, &'static str) {
    match tier {
        1 => ("high-end cobrand cards, VIP service", "高端联名卡、VIP 服务"),
        2 => ("local dining and family scenes", "本地餐饮与亲子场景"),
        _ => (
            "one card for the whole county: local specialities, scenic tickets and buses; large-font UI for older users",
            "一卡通全县：本地特产、景区门票与公交；适老化大字界面",
        ),
    }
}

/// `dashboard regions`: the comparison by city tier and by region, with the tier strategy.
pub async fn regions(db: &Db, v: &View) -> Result<Value> {
    let mut tiers = Vec::new();
    let tier_set: BTreeSet<i64> = v.malls.iter().map(|m| m.tier).collect();
    for t in tier_set {
        let malls: Vec<MallRow> = v.malls.iter().filter(|m| m.tier == t).cloned().collect();
        let sums = sums_by_mode(db, v, &malls).await?;
        let (en, zh) = tier_strategy(t);
        tiers.push(json!({
            "tier": t, "malls": malls.iter().map(|m| m.code.clone()).collect::<Vec<_>>(),
            "strategy": en, "strategy_zh": zh, "modes": modes_json(&sums), "uplift": uplift(&sums),
        }));
    }
    let mut regions = Vec::new();
    let region_set: BTreeSet<String> = v.malls.iter().map(|m| m.region.clone()).collect();
    for r in region_set {
        let malls: Vec<MallRow> = v.malls.iter().filter(|m| m.region == r).cloned().collect();
        let sums = sums_by_mode(db, v, &malls).await?;
        let tiers: BTreeSet<i64> = malls.iter().map(|m| m.tier).collect();
        regions.push(json!({
            "region": r, "tiers": tiers, "malls": malls.iter().map(|m| m.code.clone()).collect::<Vec<_>>(),
            "modes": modes_json(&sums), "uplift": uplift(&sums),
        }));
    }
    Ok(json!({"from": v.from.to_string(), "to": v.to.to_string(), "tiers": tiers, "regions": regions}))
}

/// The brief's card-type behaviour (DOMAIN.md).
pub fn card_type_reference(t: &str) -> Value {
    match t {
        "physical" => {
            json!({"when": "weekends/holidays", "categories": ["apparel", "bags", "cosmetics"], "ticket": ["500.00", "2000.00"]})
        }
        "virtual" => json!({"when": "weekday lunch", "categories": ["dining", "kids"], "ticket": ["80.00", "300.00"]}),
        _ => {
            json!({"when": "brand promotions", "categories": ["jewellery", "appliances", "home"], "ticket": ["3000.00", "8000.00"]})
        }
    }
}

/// `dashboard card-types`: weekday x hour heat map, category mix and ticket-size histogram per
/// card type (card purchases, from the ledger's rollups).
pub async fn card_types(db: &Db, v: &View) -> Result<Value> {
    let (from, to) = (v.from.to_string(), v.to.to_string());
    let types = ["physical", "virtual", "cobrand"];
    let mut heat: BTreeMap<String, [[i64; 24]; 7]> = BTreeMap::new();
    let mut totals: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut sql = Sql::new(db.backend);
    let (pf, pt) = (sql.t(&from), sql.t(&to));
    let mi = mall_in(&mut sql, &v.malls);
    sql.push(&format!(
        "SELECT card_type, day, hour, CAST(SUM(n) AS BIGINT), CAST(SUM(amount) AS BIGINT) FROM r_card_hour WHERE day >= {pf} AND day <= {pt} AND {mi} \
         GROUP BY card_type, day, hour"
    ));
    for r in sql.fetch(db).await? {
        let (t, day, hour, n, amt) = (get_s(&r, 0), get_s(&r, 1), get_i(&r, 2), get_i(&r, 3), get_i(&r, 4));
        let Some(wd) = super::rollup::weekday(&day) else { continue };
        heat.entry(t.clone()).or_insert([[0; 24]; 7])[wd as usize][hour.clamp(0, 23) as usize] += n;
        let e = totals.entry(t).or_default();
        e.0 += n;
        e.1 += amt;
    }
    let mut sql = Sql::new(db.backend);
    let (pf, pt) = (sql.t(&from), sql.t(&to));
    let mi = mall_in(&mut sql, &v.malls);
    sql.push(&format!(
        "SELECT card_type, category, CAST(SUM(n) AS BIGINT), CAST(SUM(amount) AS BIGINT) FROM r_card_category WHERE day >= {pf} AND day <= {pt} AND {mi} \
         GROUP BY card_type, category ORDER BY card_type, category"
    ));
    let mut cats: BTreeMap<String, Vec<(String, i64, i64)>> = BTreeMap::new();
    for r in sql.fetch(db).await? {
        cats.entry(get_s(&r, 0)).or_default().push((get_s(&r, 1), get_i(&r, 2), get_i(&r, 3)));
    }
    let mut sql = Sql::new(db.backend);
    let (pf, pt) = (sql.t(&from), sql.t(&to));
    let mi = mall_in(&mut sql, &v.malls);
    sql.push(&format!(
        "SELECT card_type, bucket, CAST(SUM(n) AS BIGINT) FROM r_card_ticket WHERE day >= {pf} AND day <= {pt} AND {mi} \
         GROUP BY card_type, bucket ORDER BY card_type, bucket"
    ));
    let mut tickets: BTreeMap<String, BTreeMap<i64, i64>> = BTreeMap::new();
    for r in sql.fetch(db).await? {
        tickets.entry(get_s(&r, 0)).or_default().insert(get_i(&r, 1), get_i(&r, 2));
    }
    let mut out = serde_json::Map::new();
    for t in types {
        let (n, amt) = totals.get(t).copied().unwrap_or_default();
        let h = heat.get(t).copied().unwrap_or([[0; 24]; 7]);
        let weekend: i64 = h[5].iter().sum::<i64>() + h[6].iter().sum::<i64>();
        let lunch_weekday: i64 = h[..5].iter().map(|d| d[11] + d[12] + d[13]).sum();
        let categories: Vec<Value> = cats
            .get(t)
            .map(|v| {
                v.iter()
                    .map(|(c, cn, ca)| {
                        json!({"category": c, "transactions": cn, "amount": money(*ca),
                               "share": ratio(Decimal::from(*ca), Decimal::from(amt))})
                    })
                    .collect()
            })
            .unwrap_or_default();
        let b = super::rollup::TICKET_BUCKETS;
        let hist: Vec<Value> = (0..b.len())
            .map(|i| {
                let c = tickets.get(t).and_then(|m| m.get(&(i as i64))).copied().unwrap_or(0);
                json!({"from": money(b[i] * 100), "to": b.get(i + 1).map(|x| money(x * 100)), "transactions": c})
            })
            .collect();
        out.insert(
            t.into(),
            json!({
                "transactions": n, "amount": money(amt), "avg_ticket": money_per(amt, n),
                "weekend_share": ratio(Decimal::from(weekend), Decimal::from(n)),
                "weekday_lunch_share": ratio(Decimal::from(lunch_weekday), Decimal::from(n)),
                "heatmap": h.iter().map(|d| d.to_vec()).collect::<Vec<_>>(),
                "categories": categories, "tickets": hist, "reference": card_type_reference(t),
            }),
        );
    }
    Ok(json!({"from": from, "to": to, "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "types": out}))
}

/// Merchant benefit sums of one merchant in one mode.
#[derive(Debug, Clone, Default)]
struct Benefit {
    sales: i64,
    returns: i64,
    checkout_sum: i64,
    checkout_n: i64,
    targeted: Decimal,
    delivered: Decimal,
    stock_sum: i64,
    stock_n: i64,
    cogs: i64,
    days: i64,
}

impl Benefit {
    fn add(&mut self, o: &Benefit) {
        self.sales += o.sales;
        self.returns += o.returns;
        self.checkout_sum += o.checkout_sum;
        self.checkout_n += o.checkout_n;
        self.targeted += o.targeted;
        self.delivered += o.delivered;
        self.stock_sum += o.stock_sum;
        self.stock_n += o.stock_n;
        self.cogs += o.cogs;
        self.days += o.days;
    }
    fn checkout(&self) -> Option<Decimal> {
        (self.checkout_n > 0).then(|| Decimal::from(self.checkout_sum) / Decimal::from(self.checkout_n))
    }
    fn return_rate(&self) -> Option<Decimal> {
        (self.sales > 0).then(|| Decimal::from(self.returns) / Decimal::from(self.sales))
    }
    fn reach(&self) -> Option<Decimal> {
        (!self.targeted.is_zero()).then(|| self.delivered / self.targeted)
    }
    /// inventory days = mean of stock at cost / sum of COGS x days in period.
    fn inventory_days(&self) -> Option<Decimal> {
        (self.stock_n > 0 && self.cogs > 0).then(|| {
            Decimal::from(self.stock_sum) / Decimal::from(self.stock_n) / Decimal::from(self.cogs)
                * Decimal::from(self.days)
        })
    }
    fn json(&self) -> Value {
        json!({
            "transactions": self.sales,
            "checkout_seconds": self.checkout().map(|d| dec(d, 2)),
            "return_rate": self.return_rate().map(|d| dec(d, 4)),
            "marketing_reach": self.reach().map(|d| dec(d, 4)),
            "inventory_days": self.inventory_days().map(|d| dec(d, 2)),
        })
    }
}

fn change(a: Option<Decimal>, b: Option<Decimal>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) if !a.is_zero() => Some(dec((b - a) / a, 4)),
        _ => None,
    }
}

fn changes(before: &Benefit, after: &Benefit) -> Value {
    json!({
        "checkout_seconds": change(before.checkout(), after.checkout()),
        "return_rate": change(before.return_rate(), after.return_rate()),
        "marketing_reach": change(before.reach(), after.reach()),
        "inventory_days": change(before.inventory_days(), after.inventory_days()),
    })
}

/// `dashboard merchants`: checkout time, return rate, marketing reach and inventory days per
/// merchant before (traditional) and after (card) adoption, with the change.
pub async fn merchants(db: &Db, v: &View) -> Result<Value> {
    let segs = mall_segments(v, &v.malls);
    let (from, to) = (v.from.to_string(), v.to.to_string());
    let info: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, mall, name, category FROM merchants ORDER BY id").fetch_all(&db.pool).await?;
    let mall_set: BTreeSet<&str> = v.malls.iter().map(|m| m.code.as_str()).collect();
    let info: Vec<_> = info
        .into_iter()
        .filter(|(id, mall, _, _)| {
            mall_set.contains(mall.as_str()) && v.merchants.as_ref().is_none_or(|s| s.contains(id))
        })
        .collect();
    let mut b: BTreeMap<(i64, Mode), Benefit> = BTreeMap::new();
    if !segs.is_empty() && !v.empty {
        let mut sql = Sql::new(db.backend);
        let case = mode_case(&mut sql, &segs);
        let (pf, pt) = (sql.t(&from), sql.t(&to));
        let mi = mall_in(&mut sql, &v.malls);
        sql.push(&format!(
            "SELECT merchant, {case} AS mode, CAST(SUM(sales) AS BIGINT), CAST(SUM(returns) AS BIGINT), CAST(SUM(checkout_sum) AS BIGINT), CAST(SUM(checkout_n) AS BIGINT) FROM r_sales \
             WHERE day >= {pf} AND day <= {pt} AND {mi} GROUP BY merchant, 2"
        ));
        for r in sql.fetch(db).await? {
            let Ok(mode) = Mode::parse(&get_s(&r, 1)) else { continue };
            let e = b.entry((get_i(&r, 0), mode)).or_default();
            e.sales += get_i(&r, 2);
            e.returns += get_i(&r, 3);
            e.checkout_sum += get_i(&r, 4);
            e.checkout_n += get_i(&r, 5);
        }
        // Inventory: r_inventory has no mall column; map merchants to malls through a join.
        let mut sql = Sql::new(db.backend);
        let mut case = String::from("CASE");
        for (mall, mode, a, bb) in &segs {
            let (pm, pa, pb) = (sql.t(mall), sql.t(&a.to_string()), sql.t(&bb.to_string()));
            case.push_str(&format!(" WHEN m.mall = {pm} AND i.day >= {pa} AND i.day <= {pb} THEN '{}'", mode.as_str()));
        }
        case.push_str(" ELSE 'none' END");
        let (pf, pt) = (sql.t(&from), sql.t(&to));
        sql.push(&format!(
            "SELECT i.merchant, {case} AS mode, CAST(SUM(i.stock_sum) AS BIGINT), CAST(SUM(i.stock_n) AS BIGINT), CAST(SUM(i.cogs) AS BIGINT) FROM r_inventory i \
             JOIN merchants m ON m.id = i.merchant WHERE i.day >= {pf} AND i.day <= {pt} GROUP BY i.merchant, 2"
        ));
        for r in sql.fetch(db).await? {
            let Ok(mode) = Mode::parse(&get_s(&r, 1)) else { continue };
            let e = b.entry((get_i(&r, 0), mode)).or_default();
            e.stock_sum += get_i(&r, 2);
            e.stock_n += get_i(&r, 3);
            e.cogs += get_i(&r, 4);
        }
    }
    // Marketing reach is the mall's (delivered / targeted), months pro-rated like the spend.
    let mut reach: BTreeMap<(String, Mode), (Decimal, Decimal)> = BTreeMap::new();
    let mut mode_days: BTreeMap<(String, Mode), i64> = BTreeMap::new();
    for (mall, mode, a, bb) in &segs {
        *mode_days.entry((mall.clone(), *mode)).or_default() += (*bb - *a).num_days() + 1;
    }
    let rows: Vec<(String, String, i64, i64)> =
        sqlx::query_as("SELECT mall, month, targeted, delivered FROM r_mall_month").fetch_all(&db.pool).await?;
    for (mall, month, tg, dl) in rows {
        let Ok(first) = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d") else { continue };
        let dim = days_in_month(first.year(), first.month());
        let last = first + chrono::Duration::days(dim - 1);
        for (_, mode, a, bb) in segs.iter().filter(|s| s.0 == mall) {
            let (lo, hi) = ((*a).max(first), (*bb).min(last));
            if lo <= hi {
                let f = Decimal::from((hi - lo).num_days() + 1) / Decimal::from(dim);
                let e = reach.entry((mall.clone(), *mode)).or_default();
                e.0 += Decimal::from(tg) * f;
                e.1 += Decimal::from(dl) * f;
            }
        }
    }
    let mut list = Vec::new();
    let (mut all_before, mut all_after) = (Benefit::default(), Benefit::default());
    for (id, mall, name, category) in &info {
        let side = |mode: Mode| {
            let mut e = b.get(&(*id, mode)).cloned().unwrap_or_default();
            let (tg, dl) = reach.get(&(mall.clone(), mode)).copied().unwrap_or_default();
            e.targeted = tg;
            e.delivered = dl;
            e.days = mode_days.get(&(mall.clone(), mode)).copied().unwrap_or(0);
            e
        };
        let (before, after) = (side(Mode::Traditional), side(Mode::Card));
        let adopted = before.days > 0 && after.days > 0;
        if adopted {
            all_before.add(&before);
            all_after.add(&after);
        }
        list.push(json!({
            "merchant": id, "mall": mall, "name": name, "category": category, "adopted_in_period": adopted,
            "before": before.json(), "after": after.json(), "change": changes(&before, &after),
        }));
    }
    // The summary pools the merchants that have both sides in the period; its inventory days
    // are the mean over those merchants' own figures (a pooled stock/COGS ratio would mix days).
    let mean_days = |f: &dyn Fn(&Value) -> Option<Decimal>| -> Option<Decimal> {
        let v: Vec<Decimal> = list.iter().filter(|m| m["adopted_in_period"] == json!(true)).filter_map(f).collect();
        (!v.is_empty()).then(|| v.iter().sum::<Decimal>() / Decimal::from(v.len()))
    };
    let parse = |v: &Value| v.as_str().and_then(|s| Decimal::from_str(s).ok());
    let inv_before = mean_days(&|m: &Value| parse(&m["before"]["inventory_days"]));
    let inv_after = mean_days(&|m: &Value| parse(&m["after"]["inventory_days"]));
    let mut summary = json!({
        "before": all_before.json(), "after": all_after.json(), "change": changes(&all_before, &all_after),
    });
    summary["before"]["inventory_days"] = json!(inv_before.map(|d| dec(d, 2)));
    summary["after"]["inventory_days"] = json!(inv_after.map(|d| dec(d, 2)));
    summary["change"]["inventory_days"] = json!(change(inv_before, inv_after));
    Ok(json!({
        "from": from, "to": to, "summary": summary, "merchants": list,
        "reference": {
            "checkout_seconds": {"before": ["240", "420"], "after": ["72", "120"], "change": ["-0.7000", "-0.6500"]},
            "return_rate": {"before": ["0.1800", "0.2500"], "after": ["0.0900", "0.1400"], "change": ["-0.5500", "-0.4500"]},
            "marketing_reach": {"before": ["0.3500", "0.4000"], "after": ["0.7200", "0.8500"], "change": ["0.8000", "1.1000"]},
            "inventory_days": {"before": ["85", "120"], "after": ["55", "75"], "change": ["-0.4500", "-0.3000"]},
        },
    }))
}

impl Core {
    /// The resolved view of a dashboard request (scope + period).
    pub async fn dashboard_view(&self, actor: &Actor, f: &Filter) -> Result<View> {
        view(self.db(), actor, f).await
    }

    /// `dashboard compare|card-types|merchants|regions`.
    pub async fn dashboard(&self, actor: &Actor, which: &str, f: &Filter) -> Result<Value> {
        let v = view(self.db(), actor, f).await?;
        match which {
            "compare" => compare(self.db(), &v).await,
            "card-types" => card_types(self.db(), &v).await,
            "merchants" => merchants(self.db(), &v).await,
            "regions" => regions(self.db(), &v).await,
            _ => Err(Error::new(
                "invalid_dashboard",
                format!("dashboard must be compare, card-types, merchants or regions, got {which:?}"),
            )),
        }
    }
}
