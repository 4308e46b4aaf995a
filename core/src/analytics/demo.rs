//! `onecard demo`: a sandbox database with data whose computed metrics fall in DOMAIN.md's
//! reference ranges. Nothing here writes a metric: it generates behaviour (visits, tickets,
//! returns, gate entries, campaigns, stock) with parameters chosen from the brief, and writes it
//! the way production data arrives: card activity as real ledger entries (chained, balanced,
//! balances = postings, through the writer's `Batch` in bulk chunks), everything else as imports.

// Floats here are behaviour parameters (probabilities, visit and gate-entry counts); every
// amount of money is drawn and derived in integer fen.
#![allow(clippy::float_arithmetic)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::import::{Parsed, Rows, SaleRow};
use super::{AnalyticsOp, Mode};
use crate::auth::Actor;
use crate::engine::{Batch, Op, Outcome, PaySt, V};
use crate::error::{Error, Result};
use crate::types::{CardType, Category, CityTier, Medium};
use crate::{Core, Holder, IssueRequest, MallAddRequest, MerchantAddRequest, OpenOptions};

/// How much data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// ~20 thousand sales over one year: seconds (tests, the README).
    Small,
    /// ~1 million sales over two years.
    Medium,
    /// ~10 million sales over two years.
    Large,
}

impl Scale {
    /// `small`, `medium` or `large` (`invalid_scale`).
    pub fn parse(s: &str) -> Result<Scale> {
        match s {
            "small" => Ok(Scale::Small),
            "medium" => Ok(Scale::Medium),
            "large" => Ok(Scale::Large),
            _ => Err(Error::new("invalid_scale", format!("scale must be small, medium or large, got {s:?}"))),
        }
    }

    /// (copies of the base set of malls, first day, last day, sales per mall-day, extra visits
    /// of a repeat buyer).
    fn params(self) -> (usize, NaiveDate, NaiveDate, f64, u32) {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        match self {
            Scale::Small => (1, d(2025, 1, 1), d(2025, 12, 31), 6.0, 2),
            Scale::Medium => (2, d(2024, 1, 1), d(2025, 12, 31), 81.0, 12),
            Scale::Large => (4, d(2024, 1, 1), d(2025, 12, 31), 400.0, 40),
        }
    }
}

/// A chunk of demo card activity, written in one transaction.
#[derive(Debug, Clone, Default)]
pub struct LedgerChunk {
    /// Cards it touches.
    pub cards: Vec<i64>,
    /// Merchants it pays.
    pub merchants: Vec<i64>,
    /// Its transactions, in order.
    pub txns: Vec<DemoTxn>,
}

/// One demo card transaction.
#[derive(Debug, Clone)]
pub enum DemoTxn {
    /// A WeChat top-up.
    TopUp {
        /// Card id.
        card: i64,
        /// Fen.
        amount: i64,
        /// Micros.
        at: i64,
    },
    /// A purchase.
    Purchase {
        /// Card id.
        card: i64,
        /// Merchant id.
        merchant: i64,
        /// Fen.
        amount: i64,
        /// Micros.
        at: i64,
        /// Checkout seconds.
        checkout: Option<i64>,
        /// How presented.
        medium: Medium,
    },
    /// A refund of the purchase at index `purchase` of the same chunk.
    Refund {
        /// Index of the purchase in `txns`.
        purchase: usize,
        /// Fen.
        amount: i64,
        /// Micros.
        at: i64,
    },
}

/// Demo data is written by an administrator into a sandbox database only.
pub(crate) async fn require_demo(b: &mut Batch<'_>, actor: &Actor) -> Result<()> {
    if actor.role != crate::types::Role::Admin {
        return Err(Error::new("forbidden", "only an administrator writes demo data"));
    }
    let sandbox: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'sandbox'").fetch_optional(&mut *b.tx).await?;
    if sandbox.as_deref() != Some("true") {
        return Err(Error::new("sandbox_only", "demo data goes into sandbox databases only"));
    }
    Ok(())
}

/// How many transactions of a chunk are decided before their rows go to the database while
/// the next are decided (`write_ahead`).
const AHEAD: usize = 5_000;

/// Issues demo cards as `Issue` does, the malls and members of all of them loaded first, the
/// rows written ahead every `AHEAD` cards. Answers their ids, in order.
pub(crate) async fn write_cards(b: &mut Batch<'_>, cards: &[IssueRequest], actor: &Actor) -> Result<Value> {
    require_demo(b, actor).await?;
    actor.require(crate::auth::Permission::IssueCards)?;
    let ops: Vec<(Op, Actor)> = cards.iter().map(|r| (Op::Issue(r.clone()), actor.clone())).collect();
    b.prefetch(&ops).await?;
    let mut ids = Vec::with_capacity(cards.len());
    for (i, r) in cards.iter().enumerate() {
        if i > 0 && i % AHEAD == 0 {
            b.write_ahead().await?;
        }
        ids.push(b.issue(r, actor).await?.id);
    }
    Ok(json!({ "cards": ids }))
}

/// Writes a chunk through the batch: every entry balanced and chained by `add_entry`, balances
/// by the batch's deltas, refused as a whole if any step would break a rule.
pub(crate) async fn write_ledger(b: &mut Batch<'_>, c: &LedgerChunk, actor: &Actor) -> Result<Value> {
    require_demo(b, actor).await?;
    b.load_cards_by_ids(&c.cards).await?;
    b.load_merchants_by_ids(&c.merchants).await?;
    let clearing = b.system_account("channel_clearing", "wechat")?;
    // Every `AHEAD` transactions the rows decided so far go to the database while the next are
    // decided: nothing below reads them back, unless a fee rate depends on a merchant's volume,
    // which is read from the stored payments.
    let ahead = !b.fees_read_volume().await?;
    let (cap_reg, cap_anon) = (b.rules.balance_cap_registered.fen(), b.rules.balance_cap_anonymous.fen());
    let mut pids: HashMap<usize, (i64, i64, i64)> = HashMap::new();
    let (mut purchases, mut refunds, mut topups) = (0u64, 0u64, 0u64);
    for (i, t) in c.txns.iter().enumerate() {
        if ahead && i > 0 && i % AHEAD == 0 {
            b.write_ahead().await?;
        }
        match t {
            DemoTxn::TopUp { card, amount, at } => {
                b.now = *at;
                let cs = b.cached_card(*card).ok_or_else(|| Error::internal(format!("demo card {card} not loaded")))?;
                let cap = if cs.registered { cap_reg } else { cap_anon };
                if b.balance(cs.account_id) + amount > cap {
                    return Err(Error::internal("demo top-up above the cap"));
                }
                let r = format!("demo-topup-{card}-{at}");
                let e = b.add_entry(
                    "top_up",
                    &r,
                    actor,
                    "",
                    None,
                    vec![(clearing, *amount), (cs.account_id, -amount)],
                    None,
                )?;
                b.push(
                    "topups",
                    vec![
                        V::I(e),
                        V::I(*card),
                        V::I(*amount),
                        V::T("wechat".into()),
                        V::T("debit".into()),
                        V::T("person".into()),
                        V::T(r),
                        V::I(*at),
                    ],
                );
                b.add_activity(&cs, "top_up", *amount, Some(e), actor, "wechat");
                topups += 1;
            }
            DemoTxn::Purchase { card, merchant, amount, at, checkout, medium } => {
                b.now = *at;
                let cs = b.cached_card(*card).ok_or_else(|| Error::internal(format!("demo card {card} not loaded")))?;
                let m = b.merchant(*merchant).await?;
                if b.balance(cs.account_id) < *amount {
                    return Err(Error::internal("demo purchase would overdraw a card"));
                }
                // The rate in force, as a real payment stores it (the base rate of the
                // merchant's category, set above through `fee-rule set`).
                let fee_bps = b.fee_bps_for(*merchant, &m).await?;
                let fee = crate::clearing::fee_of(*amount, fee_bps);
                let pid = b.next_id("payment")?;
                let r = format!("demo-pay-{pid}");
                let e = b.add_entry(
                    "purchase",
                    &r,
                    actor,
                    "",
                    None,
                    vec![(cs.account_id, *amount), (m.account_id, -amount)],
                    Some((pid, *amount)),
                )?;
                b.add_payment(
                    pid,
                    PaySt {
                        card_id: *card,
                        merchant_id: *merchant,
                        amount: *amount,
                        refunded: 0,
                        entry_id: e,
                        fee,
                        fee_refunded: 0,
                    },
                    medium.as_str(),
                    *checkout,
                    fee_bps,
                );
                b.add_activity(&cs, "purchase", -amount, Some(e), actor, &format!("merchant {merchant}"));
                pids.insert(i, (pid, *card, *merchant));
                purchases += 1;
            }
            DemoTxn::Refund { purchase, amount, at } => {
                b.now = *at;
                let (pid, card, merchant) =
                    *pids.get(purchase).ok_or_else(|| Error::internal("demo refund of an unknown purchase"))?;
                let cs = b.cached_card(card).ok_or_else(|| Error::internal("demo card not loaded"))?;
                let m = b.merchant(merchant).await?;
                let cap = if cs.registered { cap_reg } else { cap_anon };
                if b.balance(cs.account_id) + amount > cap {
                    return Err(Error::internal("demo refund above the cap"));
                }
                // The refund returns its share of the purchase's fee (all of it for a full refund).
                let fee_back = b
                    .payments
                    .get(&pid)
                    .map_or(0, |p| crate::clearing::refund_fee(p.amount, p.fee, p.refunded, p.fee_refunded, *amount));
                let rid = b.next_id("payment")?;
                let r = format!("demo-refund-{rid}");
                let e = b.add_entry(
                    "refund",
                    &r,
                    actor,
                    "",
                    None,
                    vec![(m.account_id, *amount), (cs.account_id, -amount)],
                    Some((pid, *amount)),
                )?;
                b.set_entry_fee(e, fee_back);
                b.push("refunds", vec![V::I(rid), V::I(pid), V::I(*amount), V::I(e), V::I(*at), V::I(fee_back)]);
                b.add_refunded(pid, *amount, fee_back);
                b.add_activity(&cs, "refund", *amount, Some(e), actor, &format!("payment {pid}"));
                refunds += 1;
            }
        }
    }
    Ok(json!({"purchases": purchases, "refunds": refunds, "topups": topups}))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MallKind {
    Adopter,
    CardAlways,
    Traditional,
    Ecommerce,
}

const BASE_MALLS: &[(&str, &str, &str, u8, MallKind)] = &[
    ("BJ", "北京奥莱", "north", 1, MallKind::Adopter),
    ("SH", "上海奥莱", "east", 1, MallKind::CardAlways),
    ("HZ", "杭州奥莱", "east", 2, MallKind::Adopter),
    ("CD", "成都奥莱", "west", 2, MallKind::Traditional),
    ("LJ", "丽江奥莱", "southwest", 3, MallKind::Adopter),
    ("DL", "大理奥莱", "southwest", 4, MallKind::Traditional),
    ("EC", "线上奥莱", "online", 1, MallKind::Ecommerce),
];

/// Per-mode behaviour: (sales factor, card share, identified share, repurchase, returned
/// probability, gross ticket range in yuan, checkout seconds range, annual footfall, member
/// conversion, marketing cost share, marketing reach, inventory days).
struct Behaviour {
    sales_factor: f64,
    card_share: f64,
    identified: f64,
    repurchase: f64,
    returned: f64,
    ticket: (i64, i64),
    checkout: Option<(i64, i64)>,
    footfall: f64,
    conversion: f64,
    /// Marketing spend as basis points of net sales.
    cost_share_bp: i64,
    reach: f64,
    inventory_days: i64,
}

fn behaviour(mode: Mode) -> Behaviour {
    match mode {
        Mode::Traditional => Behaviour {
            sales_factor: 1.0,
            card_share: 0.0,
            identified: 0.5,
            repurchase: 0.30,
            returned: 0.215,
            ticket: (400, 2_000),
            checkout: Some((240, 420)),
            footfall: 1_350_000.0,
            conversion: 0.45,
            cost_share_bp: 2_000,
            reach: 0.375,
            inventory_days: 100,
        },
        Mode::Card => Behaviour {
            sales_factor: 1.5,
            card_share: 0.85,
            identified: 0.5,
            repurchase: 0.357,
            returned: 0.115,
            ticket: (600, 2_200),
            checkout: Some((80, 120)),
            footfall: 2_000_000.0,
            conversion: 0.72,
            cost_share_bp: 1_200,
            reach: 0.78,
            inventory_days: 65,
        },
        Mode::Ecommerce => Behaviour {
            sales_factor: 1.2,
            card_share: 0.0,
            identified: 1.0,
            repurchase: 0.33,
            returned: 0.10,
            ticket: (400, 1_200),
            checkout: None,
            footfall: 3_500_000.0,
            conversion: 0.58,
            cost_share_bp: 2_750,
            reach: 0.60,
            inventory_days: 45,
        },
    }
}

fn holiday(d: NaiveDate) -> bool {
    let (m, day) = (d.month(), d.day());
    matches!((m, day), (1, 1) | (4, 4..=6) | (5, 1..=5) | (10, 1..=7))
        || (d.year() == 2025 && m == 1 && (28..=31).contains(&day))
        || (d.year() == 2025 && m == 2 && day <= 4)
        || (d.year() == 2024 && m == 2 && (10..=17).contains(&day))
}

fn weekend_or_holiday(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun) || holiday(d)
}

/// Brand promotion periods (618, Double 11, Double 12, Women's Day, spring sale).
fn promotion(d: NaiveDate) -> bool {
    let (m, day) = (d.month(), d.day());
    matches!((m, day), (6, 1..=18) | (11, 1..=11) | (12, 10..=12) | (3, 1..=8) | (9, 20..=30))
}

fn card_profile(t: CardType) -> (&'static [Category], (i64, i64), (u32, u32), Medium) {
    match t {
        CardType::Physical => {
            (&[Category::Apparel, Category::Bags, Category::Cosmetics], (500, 2_000), (10, 21), Medium::Nfc)
        }
        CardType::Virtual => (&[Category::Dining, Category::Kids], (80, 300), (11, 13), Medium::Qr),
        // The brief's cobrand tickets run to 8,000, but a registered card holds at most
        // 5,000.00 (rule 1): one card purchase cannot exceed its cap.
        CardType::Cobrand => {
            (&[Category::Jewellery, Category::Appliances, Category::Home], (3_000, 5_000), (10, 21), Medium::Nfc)
        }
    }
}

/// The demo's base fee rate of each category in basis points (the clearing center's `fee-rule set
/// --category C --bps N`): low for everyday dining and transit, higher for fashion and
/// cosmetics, so settlement in the demo shows real fees rather than zeros.
pub const DEMO_FEE_BPS: &[(Category, i64)] = &[
    (Category::Apparel, 60),
    (Category::Bags, 60),
    (Category::Cosmetics, 80),
    (Category::Sports, 55),
    (Category::Dining, 30),
    (Category::Kids, 45),
    (Category::Jewellery, 50),
    (Category::Appliances, 40),
    (Category::Home, 45),
    (Category::Specialty, 50),
    (Category::Tourism, 35),
    (Category::Transit, 30),
    (Category::Other, 50),
];

fn at(day: NaiveDate, hour: u32, minute: u32) -> i64 {
    crate::clock::day_start_micros(day) + i64::from(hour) * 3_600_000_000 + i64::from(minute) * 60_000_000
}

/// A valid GB 11643 ID number for member `n`.
fn id_number(n: u64) -> String {
    let birth =
        NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or_default() + chrono::Duration::days((n / 1000 % 14_000) as i64);
    let body = format!("110101{}{:03}", birth.format("%Y%m%d"), n % 1000);
    let w = [7u32, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(w).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{body}{}", char::from(b"10X98765432"[(sum % 11) as usize]))
}

struct CardPlan {
    mall: String,
    card_type: CardType,
    registered: bool,
    visits: Vec<(NaiveDate, u32, u32)>,
}

/// What the generator tracks to derive the inputs that depend on sales (campaign budgets are
/// set as a share of a mall's sales; stock follows each merchant's cost of sales).
#[derive(Default)]
struct Ledgerish {
    /// (mall, month) -> net sales fen
    net: BTreeMap<(String, String), i64>,
    /// (merchant, mode) -> gross fen
    gross: BTreeMap<(i64, Mode), i64>,
}

/// Creates the demo database at `url` and fills it.
pub async fn run(url: &str, seed: u64, scale: Scale) -> Result<Value> {
    run_with(url, seed, scale, OpenOptions::from_env().key_file).await
}

/// [`run`] with an explicit data key file (tests).
pub async fn run_with(url: &str, seed: u64, scale: Scale, key_file: Option<std::path::PathBuf>) -> Result<Value> {
    let started = std::time::Instant::now();
    let (copies, start, end, per_day, extra_visits) = scale.params();
    // The demo core's clock stands the day before the data begins, so cards are issued before
    // they are used; each generated transaction carries its own time.
    let now = format!("{}T09:00:00+08:00", start.pred_opt().unwrap_or(start));
    let opts = OpenOptions { key_file, now: Some(now) };
    let core = Core::init_with(url, true, &opts).await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM malls").fetch_one(&core.db().pool).await?;
    if n > 0 {
        return Err(Error::new("not_empty", "the demo needs an empty database; this one already has malls"));
    }
    let admin = core.actor("admin").await?;
    // Base fee rates through the clearing center's own path (`fee-rule set`), before any
    // purchase: the writer then prices every demo purchase with them, as in production.
    for (category, bps) in DEMO_FEE_BPS {
        let op = crate::clearing::ClearingOp::FeeRule { category: *category, bps: *bps, from: None, to: None };
        core.clearing_op(&admin, op).await?;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let adoption = NaiveDate::from_ymd_opt(2025, if scale == Scale::Small { 7 } else { 1 }, 1).unwrap_or(start);
    let all_days: Vec<NaiveDate> = start.iter_days().take_while(|d| *d <= end).collect();

    // Malls, their timelines and merchants.
    struct M {
        code: String,
        merchants: Vec<(i64, Category)>,
    }
    let mut malls = Vec::new();
    for k in 0..copies {
        for (prefix, name, region, tier, kind) in BASE_MALLS {
            let code = format!("{prefix}{:02}", k + 1);
            let (mode, card_since) = match kind {
                MallKind::Adopter => (Some(Mode::Traditional), Some(adoption.to_string())),
                MallKind::CardAlways => (Some(Mode::Card), Some(start.to_string())),
                MallKind::Traditional => (Some(Mode::Traditional), None),
                MallKind::Ecommerce => (Some(Mode::Ecommerce), None),
            };
            let r = MallAddRequest {
                code: code.clone(),
                name: format!("{name}{}", k + 1),
                region: region.to_string(),
                city_tier: CityTier::from_u8(*tier)?,
                mode,
                card_since,
            };
            core.mall_add(&admin, r).await?;
            let mut cats = vec![
                Category::Apparel,
                Category::Bags,
                Category::Cosmetics,
                Category::Sports,
                Category::Dining,
                Category::Kids,
                Category::Jewellery,
                Category::Appliances,
                Category::Home,
            ];
            if *tier >= 3 {
                cats.extend([Category::Specialty, Category::Tourism, Category::Transit]);
            }
            if *kind == MallKind::Ecommerce {
                cats.push(Category::Other);
            }
            let mut merchants = Vec::new();
            for c in cats {
                for j in 0..copies.min(2) {
                    let v = core
                        .merchant_add(
                            &admin,
                            MerchantAddRequest {
                                mall: code.clone(),
                                name: format!("{code} {} {}", c.as_str(), j + 1),
                                category: c,
                            },
                        )
                        .await?;
                    merchants.push((v["merchant"].as_i64().unwrap_or_default(), c));
                }
            }
            malls.push(M { code, merchants });
        }
    }
    let timelines = super::modes::timelines(core.db()).await?;

    let mut track = Ledgerish::default();
    let mut sales: BTreeMap<(String, String), Vec<SaleRow>> = BTreeMap::new();
    let mut plans: Vec<CardPlan> = Vec::new();
    let mut txn_no = 0u64;
    let mut customer_no = 0u64;
    let mut mode_days: BTreeMap<(String, Mode), i64> = BTreeMap::new();
    let mut issuing = Issuing { next: 0, member_no: seed * 1_000_000, queued: None, ids: Vec::new() };
    for m in &malls {
        let t = timelines.get(&m.code).cloned().unwrap_or_default();
        for (mode, a, b) in super::modes::segments(&t, start, end) {
            let days: Vec<NaiveDate> = a.iter_days().take_while(|d| *d <= b).collect();
            *mode_days.entry((m.code.clone(), mode)).or_default() += days.len() as i64;
            let beh = behaviour(mode);
            let total = (per_day * beh.sales_factor * days.len() as f64).round() as i64;
            let card_sales = (total as f64 * beh.card_share).round() as i64;
            let till_sales = total - card_sales;
            // Till / online sales: identified buyers with their visits, then anonymous ones.
            let mut visits: Vec<(Option<String>, NaiveDate)> = Vec::new();
            let identified = (till_sales as f64 * beh.identified).round() as usize;
            while visits.len() < identified {
                customer_no += 1;
                let id = format!("C{customer_no:08}");
                let k = if rng.gen_bool(beh.repurchase) { 2 + rng.gen_range(0..=extra_visits) } else { 1 };
                for d in pick_days(&mut rng, &days, k as usize) {
                    visits.push((Some(id.clone()), d));
                }
            }
            while (visits.len() as i64) < till_sales {
                visits.push((None, days[rng.gen_range(0..days.len())]));
            }
            let channel = if mode == Mode::Ecommerce { "online" } else { "till" };
            for (cust, day) in visits {
                let (merchant, _) = m.merchants[rng.gen_range(0..m.merchants.len())];
                let amount = rng.gen_range(beh.ticket.0 * 100..=beh.ticket.1 * 100) / 100 * 100;
                let returned = rng.gen_bool(beh.returned);
                let t = at(day, rng.gen_range(10..22), rng.gen_range(0..60));
                txn_no += 1;
                let month = day.format("%Y-%m").to_string();
                *track.net.entry((m.code.clone(), month.clone())).or_default() += if returned { 0 } else { amount };
                *track.gross.entry((merchant, mode)).or_default() += amount;
                sales.entry((m.code.clone(), month)).or_default().push(SaleRow {
                    mall: m.code.clone(),
                    merchant,
                    channel: channel.into(),
                    txn_id: format!("T{txn_no:010}"),
                    at: t,
                    day: day.to_string(),
                    amount,
                    member: cust.is_some() && rng.gen_bool(0.6),
                    customer_id: cust.unwrap_or_default(),
                    checkout: beh.checkout.map(|(lo, hi)| rng.gen_range(lo..=hi)),
                    returned,
                    card_payment_id: None,
                });
            }
            // Card holders and their visits, following each card type's behaviour. The days a
            // card type shops on, once per segment (not per card: there are ~100,000 cards).
            let pool_of = |card_type: CardType| {
                let eligible: Vec<NaiveDate> = days
                    .iter()
                    .copied()
                    .filter(|d| match card_type {
                        CardType::Physical => weekend_or_holiday(*d),
                        CardType::Virtual => !weekend_or_holiday(*d),
                        CardType::Cobrand => promotion(*d),
                    })
                    .collect();
                if eligible.is_empty() {
                    days.clone()
                } else {
                    eligible
                }
            };
            let pools = [pool_of(CardType::Physical), pool_of(CardType::Virtual), pool_of(CardType::Cobrand)];
            let mut planned = 0i64;
            while planned < card_sales {
                let (card_type, pool) = match rng.gen_range(0..100) {
                    0..50 => (CardType::Physical, &pools[0]),
                    50..80 => (CardType::Virtual, &pools[1]),
                    _ => (CardType::Cobrand, &pools[2]),
                };
                let k = if rng.gen_bool(beh.repurchase) { 2 + rng.gen_range(0..=extra_visits) } else { 1 };
                let (_, _, hours, _) = card_profile(card_type);
                let visits: Vec<(NaiveDate, u32, u32)> = pick_days(&mut rng, pool, k as usize)
                    .into_iter()
                    .map(|d| (d, rng.gen_range(hours.0..=hours.1), rng.gen_range(0..60)))
                    .collect();
                planned += visits.len() as i64;
                let registered = card_type != CardType::Virtual || rng.gen_bool(0.5);
                plans.push(CardPlan { mall: m.code.clone(), card_type, registered, visits });
            }
        }
        issuing.send(&core, &admin, &plans, false).await?;
    }
    issuing.send(&core, &admin, &plans, true).await?;
    let card_ids = issuing.ids;

    let issued_done = started.elapsed().as_secs_f64();
    // The payments' time and merchant indexes are built once after the ledger stage: its
    // purchases arrive card by card, in random order of both keys (BENCHMARKS.md, issue 5).
    // Nothing in the stage reads through them: the demo's fees have no volume tiers. A stage
    // that fails leaves them to the next open of the database (`Db::migrate`).
    core.db().defer_indexes(&["payments_created", "payments_merchant"]).await?;
    // Card activity: each card's visits in time order, topped up when its balance runs short,
    // some purchases refunded a few days later (to the card, rule 5; never above its cap).
    let merchants_of: HashMap<String, Vec<(i64, Category)>> =
        malls.iter().map(|m| (m.code.clone(), m.merchants.clone())).collect();
    let mut chunk = LedgerChunk::default();
    // Transactions to a commit. A chunk's purchases land all over the payments' time and
    // merchant indexes, and each commit writes every page it dirtied: on `large`, whose indexes
    // are big, fewer and bigger chunks rewrite those pages fewer times (ledger stage 117.6 s at
    // 40,000, 99.3 s at 200,000, 106.8 s at 1,000,000); on `medium` 200,000 was slower (9.6 /
    // 10.0 s against 9.0 / 8.6 s). BENCHMARKS.md.
    let chunk_txns = if scale == Scale::Large { 200_000 } else { 40_000 };
    let (mut n_purchases, mut n_refunds) = (0u64, 0u64);
    let end_at = at(end, 21, 59);
    for (plan, card) in plans.iter_mut().zip(card_ids.iter()) {
        let (cats, ticket, _, medium) = card_profile(plan.card_type);
        let ms = &merchants_of[&plan.mall];
        let fitting: Vec<i64> = ms.iter().filter(|(_, c)| cats.contains(c)).map(|(id, _)| *id).collect();
        let cap = if plan.registered { 500_000 } else { 100_000 };
        let mut balance = 0i64;
        let mut events: Vec<(i64, u8, i64, i64, usize)> = Vec::new();
        plan.visits.sort();
        for (i, (day, hour, minute)) in plan.visits.iter().enumerate() {
            let t = at(*day, *hour, *minute);
            let amount = rng.gen_range(ticket.0 * 100..=ticket.1 * 100) / 100 * 100;
            let merchant = fitting[rng.gen_range(0..fitting.len())];
            events.push((t, 1, amount, merchant, i));
            if rng.gen_bool(0.115) {
                let rt = t + rng.gen_range(1..=7) * 86_400_000_000;
                if rt <= end_at {
                    events.push((rt, 2, amount, merchant, i));
                }
            }
        }
        events.sort();
        let mut index_of: HashMap<usize, usize> = HashMap::new();
        for (t, kind, amount, merchant, visit) in events {
            let mode = super::modes::mode_on(&timelines[&plan.mall], crate::clock::business_day(t));
            let month = crate::clock::business_day(t).format("%Y-%m").to_string();
            if kind == 1 {
                if balance < amount {
                    let top = cap - balance;
                    chunk.txns.push(DemoTxn::TopUp { card: *card, amount: top, at: t - 60_000_000 });
                    balance += top;
                }
                balance -= amount;
                index_of.insert(visit, chunk.txns.len());
                chunk.txns.push(DemoTxn::Purchase {
                    card: *card,
                    merchant,
                    amount,
                    at: t,
                    checkout: Some(rng.gen_range(80..=120)),
                    medium,
                });
                *track.net.entry((plan.mall.clone(), month)).or_default() += amount;
                *track.gross.entry((merchant, mode)).or_default() += amount;
                if !chunk.merchants.contains(&merchant) {
                    chunk.merchants.push(merchant);
                }
                n_purchases += 1;
            } else if balance + amount <= cap {
                balance += amount;
                chunk.txns.push(DemoTxn::Refund { purchase: index_of[&visit], amount, at: t });
                *track.net.entry((plan.mall.clone(), month)).or_default() -= amount;
                n_refunds += 1;
            }
        }
        chunk.cards.push(*card);
        if chunk.txns.len() >= chunk_txns {
            submit_chunk(&core, &admin, std::mem::take(&mut chunk)).await?;
        }
    }
    if !chunk.txns.is_empty() {
        submit_chunk(&core, &admin, chunk).await?;
    }
    core.db().restore_indexes().await?;
    let ledger_done = started.elapsed().as_secs_f64();

    // Imports: sales per mall and month, then footfall, members, marketing and inventory.
    let mut n_sales = 0u64;
    let mut pending = Pending { core: &core, actor: &admin, seed, files: Vec::new(), rows: 0, queued: None };
    // A mall's sales files share a transaction: its buyers shop there only, so each buyer's
    // days are linked once, never read back and relinked by the next transaction (large's
    // import stage 64-72 s -> 56-62 s; BENCHMARKS.md).
    let mut last_mall = String::new();
    for ((mall, month), rows) in sales {
        n_sales += rows.len() as u64;
        if mall != last_mall && pending.rows >= 150_000 {
            pending.flush().await?;
        }
        pending.keep(&format!("sales-{mall}-{month}.csv"), Rows::Sales(rows));
        last_mall = mall;
    }
    pending.flush().await?;
    for m in &malls {
        let t = &timelines[&m.code];
        let mut ff = Vec::new();
        let mut mem = Vec::new();
        for d in &all_days {
            let beh = behaviour(super::modes::mode_on(t, *d));
            let wk = if weekend_or_holiday(*d) { 1.35 } else { 0.86 };
            let daily = beh.footfall / 365.0 * wk * rng.gen_range(0.9..1.1);
            for h in 10..22 {
                ff.push((m.code.clone(), d.to_string(), h, (daily / 12.0).round() as i64));
            }
            let reached: i64 = rng.gen_range(150..=250);
            let new = (reached as f64 * beh.conversion * rng.gen_range(0.95..1.05)).round() as i64;
            mem.push((m.code.clone(), d.to_string(), new.min(reached), reached));
        }
        pending.add(&format!("footfall-{}.csv", m.code), Rows::Footfall(ff)).await?;
        pending.add(&format!("members-{}.csv", m.code), Rows::Members(mem)).await?;
    }
    let mut mk = Vec::new();
    for ((mall, month), net) in &track.net {
        let Ok(first) = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d") else { continue };
        let beh = behaviour(super::modes::mode_on(&timelines[mall], first));
        let noise: i64 = rng.gen_range(95..=105);
        let spend = (i128::from((*net).max(0)) * i128::from(beh.cost_share_bp) * i128::from(noise) / 1_000_000) as i64;
        let targeted: i64 = rng.gen_range(20_000..=40_000);
        let delivered = ((targeted as f64) * beh.reach * rng.gen_range(0.96..1.04)).round() as i64;
        mk.push((mall.clone(), month.clone(), spend / 100 * 100, targeted, delivered.min(targeted)));
    }
    pending.add("marketing-all.csv", Rows::Marketing(mk)).await?;
    let mut inv = Vec::new();
    for m in &malls {
        let t = &timelines[&m.code];
        for (merchant, _) in &m.merchants {
            for d in all_days.iter().filter(|d| d.weekday() == Weekday::Mon) {
                let mode = super::modes::mode_on(t, *d);
                let days = mode_days.get(&(m.code.clone(), mode)).copied().unwrap_or(0);
                let gross = track.gross.get(&(*merchant, mode)).copied().unwrap_or(0);
                if days == 0 || gross == 0 {
                    continue;
                }
                // Cost of goods ~55% of sales; stock = daily cost of sales x the mode's days.
                let daily_cogs = gross * 55 / 100 / days;
                let (n1, n2): (i64, i64) = (rng.gen_range(90..=110), rng.gen_range(90..=110));
                let cogs = daily_cogs * 7 * n1 / 100 / 100 * 100;
                let stock = daily_cogs * behaviour(mode).inventory_days * n2 / 100 / 100 * 100;
                inv.push((*merchant, d.to_string(), stock, cogs));
            }
        }
    }
    pending.add("inventory-all.csv", Rows::Inventory(inv)).await?;
    pending.flush().await?;
    pending.collect().await?;
    // The file is whole on its own once the demo returns (the WAL copied back, in the time).
    core.close().await;
    let secs = started.elapsed().as_secs_f64();
    Ok(json!({
        "db": core.display_url(), "seed": seed, "scale": format!("{scale:?}").to_lowercase(),
        "from": start.to_string(), "to": end.to_string(), "adoption": adoption.to_string(),
        "malls": malls.len(), "cards": card_ids.len(),
        "card_purchases": n_purchases, "card_refunds": n_refunds, "imported_sales": n_sales,
        "sales": n_purchases + n_sales,
        "seconds": (secs * 10.0).round() / 10.0,
        "stages_seconds": {
            "malls_plan_and_cards": (issued_done * 10.0).round() / 10.0,
            "ledger": ((ledger_done - issued_done) * 10.0).round() / 10.0,
            "imports": ((secs - ledger_done) * 10.0).round() / 10.0,
        },
        "admin_password": crate::users::DEMO_PASSWORD,
    }))
}

fn pick_days(rng: &mut StdRng, pool: &[NaiveDate], k: usize) -> Vec<NaiveDate> {
    let k = k.min(pool.len());
    rand::seq::index::sample(rng, pool.len(), k).into_iter().map(|i| pool[i]).collect()
}

/// The planned cards, issued (registered ones to members) 20,000 to a writer transaction while
/// the malls after them are planned: one transaction queued at a time, in the plans' order, so
/// the cards get the same ids as when issued after the planning.
struct Issuing {
    /// The first plan not yet sent.
    next: usize,
    member_no: u64,
    queued: Option<crate::engine::Answer>,
    /// The issued cards' ids, in the plans' order.
    ids: Vec<i64>,
}

impl Issuing {
    const PER_TRANSACTION: usize = 20_000;

    /// Sends every full chunk of plans not yet sent (with `all`, the rest too, and waits).
    async fn send(&mut self, core: &Core, admin: &Actor, plans: &[CardPlan], all: bool) -> Result<()> {
        while plans.len() - self.next >= Self::PER_TRANSACTION || (all && self.next < plans.len()) {
            let end = (self.next + Self::PER_TRANSACTION).min(plans.len());
            let reqs: Vec<IssueRequest> = plans[self.next..end]
                .iter()
                .map(|p| {
                    self.member_no += 1;
                    let holder = p.registered.then(|| Holder {
                        name: format!("会员{}", self.member_no),
                        id_number: id_number(self.member_no),
                        phone: format!("139{:08}", self.member_no % 100_000_000),
                    });
                    IssueRequest { card_type: p.card_type, holder, mall: Some(p.mall.clone()) }
                })
                .collect();
            self.next = end;
            self.collect().await?;
            let op = Op::Analytics(AnalyticsOp::DemoCards(Arc::new(reqs)));
            self.queued = Some(core.enqueue(admin, op).await?);
        }
        if all {
            self.collect().await?;
        }
        Ok(())
    }

    /// Waits for the queued transaction and keeps its cards' ids.
    async fn collect(&mut self) -> Result<()> {
        let Some(answer) = self.queued.take() else { return Ok(()) };
        let out = match crate::engine::answer(answer).await? {
            Outcome::Json(v) => v,
            o => return Err(Error::internal(format!("unexpected outcome {o:?}"))),
        };
        let ids = out["cards"].as_array().ok_or_else(|| Error::internal("demo cards without ids"))?;
        self.ids.extend(ids.iter().filter_map(Value::as_i64));
        Ok(())
    }
}

async fn submit_chunk(core: &Core, actor: &Actor, chunk: LedgerChunk) -> Result<()> {
    match core.submit(actor, Op::Analytics(AnalyticsOp::DemoLedger(Arc::new(chunk)))).await? {
        Outcome::Json(_) => Ok(()),
        o => Err(Error::internal(format!("unexpected outcome {o:?}"))),
    }
}

/// Generated files waiting to be imported, several to a transaction: a medium demo's 366 files
/// spent a fifth of their import time committing one by one.
struct Pending<'a> {
    core: &'a Core,
    actor: &'a Actor,
    seed: u64,
    files: Vec<Arc<Parsed>>,
    rows: usize,
    /// The transaction queued before, and its files: they are freed here once it has
    /// committed, while the writer runs the next one (freeing a transaction's files on the
    /// writer cost ~3% of the import stage, with SQLite waiting).
    queued: Option<(crate::engine::Answer, Vec<Arc<Parsed>>)>,
}

impl Pending<'_> {
    /// Queues a file for the next transaction.
    fn keep(&mut self, name: &str, rows: Rows) {
        // Generated rows have no file: the content hash is that of the name and the seed.
        let hash = crate::crypto::sm3_hex(format!("demo|{}|{name}", self.seed).as_bytes());
        self.rows += rows.len();
        self.files.push(Arc::new(Parsed { file_name: name.to_string(), hash, rows }));
    }

    /// Queues a file and writes the queue once it holds 24 files or 200,000 rows.
    async fn add(&mut self, name: &str, rows: Rows) -> Result<()> {
        self.keep(name, rows);
        if self.files.len() >= 24 || self.rows >= 200_000 {
            self.flush().await?;
        }
        Ok(())
    }

    /// Queues the kept files as one transaction, then waits for the one queued before: the
    /// writer goes from one commit straight to the next transaction.
    async fn flush(&mut self) -> Result<()> {
        if self.files.is_empty() {
            return Ok(());
        }
        self.rows = 0;
        let files = std::mem::take(&mut self.files);
        let answer = self.core.enqueue(self.actor, Op::Analytics(AnalyticsOp::DemoImports(files.clone()))).await?;
        self.collect().await?;
        self.queued = Some((answer, files));
        Ok(())
    }

    /// Waits for the transaction queued before and frees its files.
    async fn collect(&mut self) -> Result<()> {
        let Some((answer, files)) = self.queued.take() else { return Ok(()) };
        let out = crate::engine::answer(answer).await?;
        drop(files);
        match out {
            Outcome::Json(_) => Ok(()),
            o => Err(Error::internal(format!("unexpected outcome {o:?}"))),
        }
    }
}

/// `bench-dashboard`: `dashboard compare` from the rollups, timed `runs` times, against the same
/// figures by plain GROUP BY over the raw rows.
pub async fn bench_dashboard(core: &Core, actor: &Actor, runs: usize) -> Result<Value> {
    let f = super::metrics::Filter::default();
    let mut times = Vec::new();
    let mut last = Value::Null;
    for _ in 0..runs.max(1) {
        let t = std::time::Instant::now();
        last = core.dashboard(actor, "compare", &f).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut raw_times = Vec::new();
    let mut raw = Value::Null;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        raw = raw_compare(core, actor).await?;
        raw_times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let p = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[((v.len() as f64 - 1.0) * q).round() as usize]
    };
    let (p50, p95) = (p(&mut times, 0.5), p(&mut times, 0.95));
    let raw_p50 = p(&mut raw_times, 0.5);
    let same = Mode::ALL.iter().all(|m| {
        let (a, b) = (&last["modes"][m.as_str()], &raw["modes"][m.as_str()]);
        ["sales", "transactions", "avg_ticket", "repurchase_rate", "footfall"].iter().all(|k| a[k] == b[k])
    });
    Ok(json!({
        "backend": core.backend(), "runs": times.len(),
        "rollup_ms": {"p50": p50, "p95": p95},
        "raw_group_by_ms": {"p50": raw_p50, "runs": raw_times.len()},
        "speedup_p50": if p50 > 0.0 { raw_p50 / p50 } else { 0.0 },
        "same_figures": same,
        "transactions": Mode::ALL.iter().map(|m| (m.as_str(), last["modes"][m.as_str()]["transactions"].clone())).collect::<BTreeMap<_, _>>(),
    }))
}

/// The mode comparison's sales, transactions, tickets, footfall and repurchase by plain GROUP BY
/// over the raw rows (ledger payments and refunds, imported sales and footfall): the baseline
/// the rollups are measured against.
pub async fn raw_compare(core: &Core, actor: &Actor) -> Result<Value> {
    raw_compare_for(core, actor, &super::metrics::Filter::default()).await
}

/// [`raw_compare`] for a period and scope.
pub async fn raw_compare_for(core: &Core, actor: &Actor, filter: &super::metrics::Filter) -> Result<Value> {
    let db = core.db();
    let v = super::metrics::view(db, actor, filter).await?;
    let (from, to) = (v.from.to_string(), v.to.to_string());
    let day_expr = |col: &str| match db.backend {
        crate::db::Backend::Sqlite => format!("strftime('%Y-%m-%d', {col} / 1000000 + 28800, 'unixepoch')"),
        crate::db::Backend::Postgres => {
            format!("to_char(to_timestamp({col} / 1000000 + 28800) AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
        }
    };
    let mut case = String::from("CASE");
    for m in &v.malls {
        let t = v.timelines.get(&m.code).cloned().unwrap_or_default();
        for (mode, a, b) in super::modes::segments(&t, v.from, v.to) {
            case.push_str(&format!(
                " WHEN mall = '{}' AND day >= '{a}' AND day <= '{b}' THEN '{}'",
                m.code.replace('\'', "''"),
                mode.as_str()
            ));
        }
    }
    case.push_str(" ELSE 'none' END");
    let range = format!("day >= '{from}' AND day <= '{to}'");
    let q = |sql: String| async move {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(&sql).fetch_all(&db.pool).await?;
        Ok::<_, Error>(rows)
    };
    let mut sums: BTreeMap<String, [i64; 6]> = BTreeMap::new();
    let imported = q(format!(
        "SELECT {case} AS mode, COUNT(*), CAST(SUM(amount - CASE WHEN returned = 1 THEN amount ELSE 0 END) AS BIGINT) \
         FROM imported_sales WHERE card_payment_id IS NULL AND {range} GROUP BY 1"
    ))
    .await?;
    let cards = q(format!(
        "SELECT {case} AS mode, COUNT(*), CAST(SUM(amount) AS BIGINT) FROM (SELECT m.mall AS mall, {} AS day, \
         p.amount AS amount FROM payments p JOIN merchants m ON m.id = p.merchant_id) x WHERE {range} GROUP BY 1",
        day_expr("p.created_at")
    ))
    .await?;
    let refunds = q(format!(
        "SELECT {case} AS mode, COUNT(*), CAST(SUM(amount) AS BIGINT) FROM (SELECT m.mall AS mall, {} AS day, \
         r.amount AS amount FROM refunds r JOIN payments p ON p.id = r.payment_id JOIN merchants m \
         ON m.id = p.merchant_id) x WHERE {range} GROUP BY 1",
        day_expr("r.created_at")
    ))
    .await?;
    let footfall = q(format!(
        "SELECT {case} AS mode, COUNT(*), CAST(SUM(entries) AS BIGINT) FROM imported_footfall WHERE {range} GROUP BY 1"
    ))
    .await?;
    let buyers = q(format!(
        "SELECT mode, COUNT(*), CAST(SUM(CASE WHEN d >= 2 THEN 1 ELSE 0 END) AS BIGINT) FROM (SELECT {case} AS mode, \
         buyer, COUNT(DISTINCT day) AS d FROM (SELECT 'x:' || customer_id AS buyer, mall, day FROM imported_sales \
         WHERE customer_id <> '' AND card_payment_id IS NULL UNION ALL SELECT CASE WHEN c.member_id IS NULL THEN \
         'c:' || CAST(c.id AS TEXT) ELSE 'm:' || CAST(c.member_id AS TEXT) END, m.mall, {} FROM payments p \
         JOIN cards c ON c.id = p.card_id JOIN merchants m ON m.id = p.merchant_id) y WHERE {range} \
         GROUP BY 1, buyer) z GROUP BY mode",
        day_expr("p.created_at")
    ))
    .await?;
    for (mode, n, s) in imported {
        let e = sums.entry(mode).or_default();
        e[0] += n;
        e[1] += s;
    }
    for (mode, n, s) in cards {
        let e = sums.entry(mode).or_default();
        e[0] += n;
        e[1] += s;
    }
    for (mode, _, s) in refunds {
        sums.entry(mode).or_default()[1] -= s;
    }
    for (mode, _, s) in footfall {
        sums.entry(mode).or_default()[2] += s;
    }
    for (mode, b, r) in buyers {
        let e = sums.entry(mode).or_default();
        e[3] += b;
        e[4] += r;
    }
    let mut modes = serde_json::Map::new();
    for m in Mode::ALL {
        let e = sums.get(m.as_str()).copied().unwrap_or_default();
        modes.insert(
            m.as_str().into(),
            json!({
                "transactions": e[0], "sales": super::money(e[1]), "avg_ticket": super::money_per(e[1], e[0]),
                "footfall": e[2],
                "repurchase_rate": super::ratio(rust_decimal::Decimal::from(e[4]), rust_decimal::Decimal::from(e[3])),
            }),
        );
    }
    Ok(json!({"modes": modes}))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new database in `dir` (a sandbox or not) and its administrator.
    async fn database(dir: &tempfile::TempDir, sandbox: bool) -> (Core, Actor) {
        let url = format!("sqlite://{}", dir.path().join("demo.db").display());
        let opts = crate::OpenOptions { key_file: Some(dir.path().join("demo.key")), now: None };
        let core = Core::init_with(&url, sandbox, &opts).await.unwrap();
        let admin = core.actor("admin").await.unwrap();
        (core, admin)
    }

    /// One of each demo write: a file, an empty ledger chunk, one anonymous card.
    fn demo_ops() -> [AnalyticsOp; 3] {
        let file = Parsed {
            file_name: "footfall-x.csv".into(),
            hash: "h".into(),
            rows: Rows::Footfall(vec![("M1".into(), "2026-01-01".into(), 10, 5)]),
        };
        let card = IssueRequest { card_type: CardType::Virtual, holder: None, mall: None };
        [
            AnalyticsOp::DemoImports(vec![Arc::new(file)]),
            AnalyticsOp::DemoLedger(Arc::new(LedgerChunk::default())),
            AnalyticsOp::DemoCards(Arc::new(vec![card])),
        ]
    }

    /// Demo data goes into sandbox databases only: a production database refuses every demo
    /// write with `sandbox_only` and holds no imported row or card afterwards.
    #[tokio::test]
    async fn demo_writes_refuse_a_production_database() {
        let dir = tempfile::tempdir().unwrap();
        let (core, admin) = database(&dir, false).await;
        for op in demo_ops() {
            let e = core.submit(&admin, Op::Analytics(op)).await.unwrap_err();
            assert_eq!(e.code, "sandbox_only", "{e:?}");
        }
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM imported_footfall").fetch_one(&core.db().pool).await.unwrap();
        assert_eq!(n, 0);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cards").fetch_one(&core.db().pool).await.unwrap();
        assert_eq!(n, 0);
        core.close().await;
    }

    /// Only an administrator writes demo data, even into a sandbox: a finance user's demo
    /// writes are `forbidden` and leave no card and no file behind.
    #[tokio::test]
    async fn demo_writes_need_an_administrator() {
        let dir = tempfile::tempdir().unwrap();
        let (core, admin) = database(&dir, true).await;
        let u = crate::UserAddRequest {
            name: "fin".into(),
            role: crate::types::Role::Finance,
            scopes: vec![],
            password: None,
        };
        core.user_add(&admin, u).await.unwrap();
        let finance = core.actor("fin").await.unwrap();
        for op in demo_ops() {
            let e = core.submit(&finance, Op::Analytics(op)).await.unwrap_err();
            assert_eq!(e.code, "forbidden", "{e:?}");
        }
        for table in ["imported_footfall", "cards", "imports"] {
            let n: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&core.db().pool).await.unwrap();
            assert_eq!(n, 0, "{table}");
        }
        core.close().await;
    }

    /// Demo cards past a write-ahead (`AHEAD`) whose last holder has a bad ID number: refused
    /// with the holder's error code, and neither the cards written ahead nor their members stay.
    #[tokio::test]
    async fn demo_cards_with_a_bad_holder_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (core, admin) = database(&dir, true).await;
        let holder =
            |n: u64, id: String| Holder { name: format!("会员{n}"), id_number: id, phone: format!("139{n:08}") };
        let mut cards: Vec<IssueRequest> = (1..=AHEAD as u64 + 1)
            .map(|n| IssueRequest { card_type: CardType::Physical, holder: Some(holder(n, id_number(n))), mall: None })
            .collect();
        let mut bad = id_number(AHEAD as u64 + 2);
        let last = if bad.ends_with('0') { '1' } else { '0' };
        bad.replace_range(17.., &last.to_string());
        cards.push(IssueRequest { card_type: CardType::Physical, holder: Some(holder(0, bad)), mall: None });
        let e = core.submit(&admin, Op::Analytics(AnalyticsOp::DemoCards(Arc::new(cards)))).await.unwrap_err();
        assert_eq!(e.code, "invalid_id_number", "{e:?}");
        for table in ["cards", "members", "card_activities"] {
            let n: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&core.db().pool).await.unwrap();
            assert_eq!(n, 0, "{table}");
        }
        let v = core.verify(&admin).await.unwrap();
        assert!(v.ok, "{:?}", v.problems);
        core.close().await;
    }

    /// A chunk long enough to write rows ahead (`AHEAD`): refused at its last step, it leaves
    /// nothing behind (the rows written ahead roll back with the rest); accepted, a purchase
    /// refunded once before and once after a write-ahead is one return in the rollups, as a
    /// recomputation from the raw rows counts it.
    #[tokio::test]
    async fn rows_written_ahead_roll_back_and_count_once() {
        use crate::analytics::rollup::{recompute, snapshot};
        let dir = tempfile::tempdir().unwrap();
        let (core, admin) = database(&dir, true).await;
        let mall = MallAddRequest {
            code: "M1".into(),
            name: "M1".into(),
            region: "east".into(),
            city_tier: CityTier::from_u8(1).unwrap(),
            mode: None,
            card_since: None,
        };
        core.mall_add(&admin, mall).await.unwrap();
        let m = MerchantAddRequest { mall: "M1".into(), name: "Brand".into(), category: Category::Apparel };
        let merchant = core.merchant_add(&admin, m).await.unwrap()["merchant"].as_i64().unwrap();
        let holder = Holder { name: "张三".into(), id_number: id_number(1), phone: "13900000001".into() };
        let r = IssueRequest { card_type: CardType::Physical, holder: Some(holder), mall: Some("M1".into()) };
        let card = core.issue_card(&admin, r).await.unwrap().id;
        let t0 = at(NaiveDate::from_ymd_opt(2026, 2, 2).unwrap(), 10, 0);
        let fill = |txns: &mut Vec<DemoTxn>| {
            for i in 0..AHEAD as i64 {
                txns.push(DemoTxn::TopUp { card, amount: 1, at: t0 + 1_000_000 * (i + 10) });
            }
        };
        let purchase =
            |amount| DemoTxn::Purchase { card, merchant, amount, at: t0 + 1, checkout: None, medium: Medium::Nfc };
        let submit = |txns: Vec<DemoTxn>| {
            let chunk = LedgerChunk { cards: vec![card], merchants: vec![merchant], txns };
            core.submit(&admin, Op::Analytics(AnalyticsOp::DemoLedger(Arc::new(chunk))))
        };
        let count = |sql: &'static str| {
            let pool = core.db().pool.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
        };

        let mut refused = vec![DemoTxn::TopUp { card, amount: 100_000, at: t0 }];
        fill(&mut refused);
        refused.push(purchase(10_000_000));
        submit(refused).await.unwrap_err();
        assert_eq!(count("SELECT COUNT(*) FROM topups").await, 0);
        assert_eq!(count("SELECT COUNT(*) FROM postings").await, 0);

        let mut txns = vec![DemoTxn::TopUp { card, amount: 100_000, at: t0 }, purchase(50_000)];
        txns.push(DemoTxn::Refund { purchase: 1, amount: 10_000, at: t0 + 2 });
        fill(&mut txns);
        txns.push(DemoTxn::Refund { purchase: 1, amount: 10_000, at: t0 + 1_000_000_000 });
        submit(txns).await.unwrap();
        assert_eq!(count("SELECT COUNT(*) FROM topups").await, 1 + AHEAD as i64);
        assert_eq!(count("SELECT COUNT(*) FROM refunds").await, 2);
        assert_eq!(count("SELECT CAST(SUM(returns) AS BIGINT) FROM r_sales").await, 1);
        assert_eq!(snapshot(core.db()).await.unwrap(), recompute(core.db()).await.unwrap());
        let v = core.verify(&admin).await.unwrap();
        assert!(v.ok, "{:?}", v.problems);
        core.close().await;
    }
}
