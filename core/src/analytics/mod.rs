//! The synced operations database and its dashboards (issue 5): each mall's mode over time,
//! imports of the malls' exports (sales, footfall, marketing, members, inventory), rollups kept
//! current by imports and by the ledger's flush, the metrics of DOMAIN.md computed from those
//! rollups, demo data, forecasts and charts.
//!
//! Why rollups: the dashboards must answer in milliseconds over tens of millions of sales, so
//! they read per-day aggregates, never the raw rows. Why mode is not in the rollups' keys: a
//! mall's timeline can be corrected (`mall set-mode`), and mapping (mall, day) to a mode when
//! reading keeps every figure right without rewriting anything.

pub mod api;
pub mod charts;
pub mod demo;
pub mod forecast;
pub mod import;
pub mod metrics;
pub mod modes;
pub mod rollup;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::{Actor, Scope};
use crate::engine::Batch;
use crate::error::{Error, Result};
use crate::types::Role;

/// How a mall sells: before card adoption, with the card, or online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A traditional outlet (till, no card).
    Traditional,
    /// Card mode, from the adoption date on.
    Card,
    /// An e-commerce outlet.
    Ecommerce,
}

impl Mode {
    /// Every mode, in dashboard order.
    pub const ALL: [Mode; 3] = [Mode::Traditional, Mode::Card, Mode::Ecommerce];

    /// Parses `traditional`, `card` or `ecommerce` (`invalid_mode`).
    pub fn parse(s: &str) -> Result<Mode> {
        match s {
            "traditional" => Ok(Mode::Traditional),
            "card" => Ok(Mode::Card),
            "ecommerce" => Ok(Mode::Ecommerce),
            _ => Err(Error::new("invalid_mode", format!("mode must be traditional, card or ecommerce, got {s:?}"))),
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Traditional => "traditional",
            Mode::Card => "card",
            Mode::Ecommerce => "ecommerce",
        }
    }
}

/// A write of the operations database, run by the engine's writer like every other write.
#[derive(Debug, Clone)]
pub enum AnalyticsOp {
    /// A mall is in `mode` from `since` on (later periods are replaced).
    SetMode {
        /// Mall code.
        mall: String,
        /// The mode.
        mode: Mode,
        /// First day in that mode.
        since: NaiveDate,
    },
    /// One parsed, validated file, with the console's progress and cancel hooks when it has them.
    Import(Arc<import::Parsed>, Option<crate::engine::JobControl>),
    /// A chunk of demo card activity (top-ups, purchases, refunds) written as real entries.
    DemoLedger(Arc<demo::LedgerChunk>),
    /// Several generated demo files imported in one transaction (sandbox only): each is
    /// written exactly as `Import` writes it, and they share one commit.
    DemoImports(Vec<Arc<import::Parsed>>),
    /// Demo cards issued in one transaction (sandbox only), each exactly as `Issue` issues it.
    DemoCards(Arc<Vec<crate::engine::IssueRequest>>),
}

impl AnalyticsOp {
    /// Ids to reserve before the transaction.
    pub(crate) fn id_needs(&self) -> [(&'static str, u64); 5] {
        match self {
            AnalyticsOp::DemoLedger(c) => {
                let n = c.txns.len() as u64;
                [("entry", 3 * n + 1), ("payment", 2 * n + 1), ("card", 0), ("account", 0), ("misc", 3)]
            }
            AnalyticsOp::DemoImports(files) => {
                [("entry", 0), ("payment", 0), ("card", 0), ("account", 0), ("misc", 3 * files.len() as u64)]
            }
            AnalyticsOp::DemoCards(cards) => {
                // Per card: its account, its member, its audit record.
                let n = cards.len() as u64;
                [("entry", 0), ("payment", 0), ("card", n), ("account", n + 1), ("misc", 2 * n + 3)]
            }
            _ => [("entry", 0), ("payment", 0), ("card", 0), ("account", 0), ("misc", 3)],
        }
    }

    /// Bulk writes run in a transaction of their own.
    pub(crate) fn solo(&self) -> bool {
        !matches!(self, AnalyticsOp::SetMode { .. })
    }
}

/// Runs an analytics write inside the writer's transaction.
pub(crate) async fn apply(b: &mut Batch<'_>, op: &AnalyticsOp, actor: &Actor) -> Result<serde_json::Value> {
    match op {
        AnalyticsOp::SetMode { mall, mode, since } => modes::set_mode(b, mall, *mode, *since, actor).await,
        AnalyticsOp::Import(p, ctl) => {
            if let Some(c) = ctl {
                c.check()?;
                // The flush checks it once more right before the commit: a cancel that arrives
                // while the rows are written still rolls everything back.
                b.control = Some(c.clone());
            }
            import::write(b, p, actor).await
        }
        AnalyticsOp::DemoLedger(c) => demo::write_ledger(b, c, actor).await,
        AnalyticsOp::DemoCards(cards) => demo::write_cards(b, cards, actor).await,
        AnalyticsOp::DemoImports(files) => {
            demo::require_demo(b, actor).await?;
            let mut out = Vec::with_capacity(files.len());
            for p in files {
                out.push(import::write(b, p, actor).await?);
            }
            Ok(serde_json::Value::Array(out))
        }
    }
}

/// What part of the data an actor's dashboards cover: `None` = everything.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    /// Malls in view.
    pub malls: Option<BTreeSet<String>>,
    /// Merchants in view (merchant managers).
    pub merchants: Option<BTreeSet<i64>>,
}

/// Who may read the dashboards: everyone but operators, within their scopes (a regional manager
/// sees their region, a merchant manager their merchants).
pub(crate) fn require_read(actor: &Actor) -> Result<()> {
    match actor.role {
        Role::Operator => {
            Err(Error::new("forbidden", format!("user {} (role operator) may not read the dashboards", actor.user)))
        }
        Role::MerchantManager if !actor.scopes.iter().any(|s| matches!(s, Scope::Merchant(_))) => {
            Err(Error::new("forbidden", format!("merchant manager {} has no merchant in scope", actor.user)))
        }
        Role::RegionalManager if actor.scopes.is_empty() => {
            Err(Error::new("forbidden", format!("regional manager {} has no region in scope", actor.user)))
        }
        _ => Ok(()),
    }
}

/// Who may import and change mode timelines: administrators and operators, within their scopes.
pub(crate) fn require_write(actor: &Actor) -> Result<()> {
    match actor.role {
        Role::Admin | Role::Operator => Ok(()),
        r => Err(Error::new("forbidden", format!("user {} (role {}) may not import data", actor.user, r.as_str()))),
    }
}

/// A ratio as a 4-place decimal string (half-up), `None` when the denominator is zero.
pub fn ratio(num: Decimal, den: Decimal) -> Option<String> {
    if den.is_zero() {
        return None;
    }
    Some(format!("{:.4}", (num / den).round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)))
}

/// Fen over a count as yuan with 2 places (half-up), `None` when the count is zero.
pub fn money_per(fen: i64, n: i64) -> Option<String> {
    if n == 0 {
        return None;
    }
    let v = Decimal::new(fen, 2) / Decimal::from(n);
    Some(format!("{:.2}", v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)))
}

/// Fen as a yuan string.
pub fn money(fen: i64) -> String {
    crate::money::Money::from_fen(fen).to_string()
}

/// A decimal rounded half-up to `dp` places as a string.
pub fn dec(d: Decimal, dp: u32) -> String {
    format!("{:.*}", dp as usize, d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero))
}
