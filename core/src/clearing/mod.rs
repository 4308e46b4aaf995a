//! Merchants and the clearing center: onboarding (商户入驻), fee rules (费率), T+1 settlement
//! (清算/结算/分账), payouts, statements, reserve and channel reconciliation (备付金, 对账) and
//! merchant rating (商户评级).
//!
//! Every change of state is a [`ClearingOp`] run by the engine's writer (engine/apply.rs calls
//! [`crate::engine::Batch::clearing`]); files are parsed and checked here before anything is
//! submitted, so a bad file writes nothing. Who may do what is decided in [`auth`], in the core.

pub mod auth;
mod bench;
mod catchup;
mod fees;
mod onboarding;
mod rating;
mod reserve;
mod settle;
mod statement;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::MerchantAddRequest;

pub use catchup::{SettleRangeReport, MAX_RANGE_DAYS};
pub(crate) use fees::FeeBook;
pub use rating::WEIGHTS as RATING_WEIGHTS;
pub use reserve::{parse_channel, parse_custody, ChannelRow, CustodyRow, CHANNEL_COLUMNS};
pub use settle::{BenchSettleReport, SettleSummary};

/// Merchant onboarding credentials (submitted for review).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credentials {
    /// The 18-character unified social credit code (GB 32100), check character verified.
    pub credit_code: String,
    /// Reference of the brand's authorization letter.
    pub brand_auth: String,
    /// Contact person and phone.
    pub contact: String,
    /// The bank account settlements are paid to.
    pub settlement_account: String,
}

/// A change of state in the clearing center (run by the engine's writer).
#[derive(Debug, Clone)]
pub enum ClearingOp {
    /// A new merchant application (status `applied`).
    Apply {
        /// Mall it will trade in.
        mall: String,
        /// Display name.
        name: String,
        /// Category.
        category: crate::types::Category,
        /// Its account manager (default: the applicant).
        manager: Option<String>,
    },
    /// applied -> submitted with credentials.
    Submit {
        /// Merchant id.
        merchant: i64,
        /// The credentials.
        credentials: Credentials,
    },
    /// submitted -> approved / rejected (maker-checker).
    Review {
        /// Merchant id.
        merchant: i64,
        /// Approve or reject.
        approve: bool,
        /// Why (required for a rejection).
        reason: String,
    },
    /// approved -> contracted, or a change of an existing contract.
    Contract {
        /// Merchant id.
        merchant: i64,
        /// Contract fee rate (None keeps the current one / the category's rate).
        fee_bps: Option<i64>,
        /// Settlement account (default: the one submitted).
        settlement_account: Option<String>,
        /// Contract start (default: today).
        start: Option<NaiveDate>,
    },
    /// contracted|suspended -> active, active -> suspended, any -> terminated.
    Status {
        /// Merchant id.
        merchant: i64,
        /// Target status: active, suspended, terminated.
        to: String,
        /// Why.
        reason: String,
    },
    /// One-step add by an administrator (records every step).
    Add {
        /// The merchant.
        req: MerchantAddRequest,
        /// Contract rate.
        fee_bps: Option<i64>,
        /// Account manager (default: the administrator).
        manager: Option<String>,
    },
    /// A base (no dates) or promotional (dates) rate of a category.
    FeeRule {
        /// Category.
        category: crate::types::Category,
        /// Rate.
        bps: i64,
        /// First day of a promotion.
        from: Option<NaiveDate>,
        /// Last day of a promotion.
        to: Option<NaiveDate>,
    },
    /// A rate adjustment (grade / volume tier / support plan); None removes it.
    FeeAdjust {
        /// grade, volume, support.
        kind: String,
        /// A..D, a volume in fen, or `plan`.
        key: String,
        /// Adjustment in bps (may be negative).
        bps: Option<i64>,
    },
    /// A clearing setting (fee split, channel drift).
    Setting {
        /// Name.
        name: String,
        /// Value.
        value: String,
    },
    /// Settles a business day.
    Settle {
        /// The day.
        day: NaiveDate,
    },
    /// The bank paid or returned a payout.
    PayoutMark {
        /// Batch id.
        batch: i64,
        /// Merchant id.
        merchant: i64,
        /// Paid (true) or returned (false).
        paid: bool,
    },
    /// A custody statement file, parsed and checked.
    ReserveImport {
        /// File name.
        name: String,
        /// Content hash.
        hash: String,
        /// Rows.
        rows: Vec<CustodyRow>,
    },
    /// A channel statement file, parsed and checked.
    ChannelImport {
        /// File name.
        name: String,
        /// Content hash.
        hash: String,
        /// Rows.
        rows: Vec<ChannelRow>,
    },
    /// Matches a day's channel lines against top-ups and records the exceptions.
    ChannelReconcile {
        /// The day.
        day: NaiveDate,
    },
    /// Resolves a channel exception with a note.
    ChannelResolve {
        /// Exception id.
        id: i64,
        /// Note.
        note: String,
    },
    /// A complaint or settlement dispute about a merchant.
    Complaint {
        /// Merchant id.
        merchant: i64,
        /// complaint or dispute.
        kind: String,
        /// Note.
        note: String,
    },
    /// The monthly rating.
    Rating {
        /// First day of the month.
        month: NaiveDate,
    },
}

impl ClearingOp {
    /// Bulk jobs (they read the database in sets) run in a transaction of their own.
    pub(crate) fn solo(&self) -> bool {
        matches!(
            self,
            ClearingOp::Settle { .. }
                | ClearingOp::ReserveImport { .. }
                | ClearingOp::ChannelImport { .. }
                | ClearingOp::ChannelReconcile { .. }
                | ClearingOp::Rating { .. }
        )
    }

    /// Ids reserved before the transaction (generous: these ops are rare).
    pub(crate) fn id_needs(&self) -> [(&'static str, u64); 5] {
        let misc = match self {
            ClearingOp::ChannelImport { rows, .. } => rows.len() as u64 + 8,
            ClearingOp::ChannelReconcile { .. } => 0,
            _ => 16,
        };
        [("entry", 2), ("payment", 0), ("card", 0), ("account", 1), ("misc", misc)]
    }
}

/// Basis points must be 0..=10000 (`invalid_fee_rate`).
pub fn check_bps(bps: i64) -> Result<()> {
    if !(0..=10_000).contains(&bps) {
        return Err(Error::new("invalid_fee_rate", format!("a fee rate is 0 to 10000 basis points, got {bps}")));
    }
    Ok(())
}

/// `n * num / den` rounded half-up (away from zero for negative values), in i128 so no product
/// can overflow. `den` must be positive.
pub fn mul_div_round(n: i64, num: i64, den: i64) -> i64 {
    let p = i128::from(n) * i128::from(num);
    let d = i128::from(den);
    let q = if p >= 0 { (2 * p + d) / (2 * d) } else { -((-2 * p + d) / (2 * d)) };
    q as i64
}

/// The fee of a purchase of `amount` fen at `bps`: rounded half-up to the fen.
pub fn fee_of(amount: i64, bps: i64) -> i64 {
    mul_div_round(amount, bps, 10_000)
}

/// The fee a refund of `refund` returns, for a purchase of `amount` that carried `fee`, of which
/// `refunded` and `fee_refunded` were already refunded: fee x refund / purchase rounded half-up,
/// and whatever is left when this refund completes the purchase.
pub fn refund_fee(amount: i64, fee: i64, refunded: i64, fee_refunded: i64, refund: i64) -> i64 {
    let left = fee - fee_refunded;
    if refunded + refund >= amount {
        return left;
    }
    mul_div_round(fee, refund, amount).min(left).max(0)
}

/// The issuer's share of `fees` at `issuer_bps` (rounded half-up); the operator gets the rest.
pub fn split_fee(fees: i64, issuer_bps: i64) -> (i64, i64) {
    let issuer = mul_div_round(fees, issuer_bps, 10_000);
    (issuer, fees - issuer)
}

/// The GB 32100-2015 check character of a unified social credit code's first 17 characters.
const CREDIT_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Checks an 18-character unified social credit code and its check character
/// (`invalid_credit_code`).
pub fn check_credit_code(code: &str) -> Result<()> {
    let bad = |why: &str| Error::new("invalid_credit_code", format!("unified social credit code {code:?}: {why}"));
    let b = code.as_bytes();
    if b.len() != 18 {
        return Err(bad("must be 18 characters"));
    }
    let mut sum = 0u32;
    for (i, c) in b[..17].iter().enumerate() {
        let v = CREDIT_CHARS.iter().position(|x| x == c).ok_or_else(|| bad("has a character outside GB 32100"))?;
        sum += v as u32 * CREDIT_WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    if b[17] != CREDIT_CHARS[check as usize] {
        return Err(bad("the check character is wrong"));
    }
    Ok(())
}

/// Completes 17 characters into a valid credit code (tests and demo data).
pub fn credit_code_with_check(first17: &str) -> String {
    let sum: u32 = first17
        .bytes()
        .enumerate()
        .map(|(i, c)| CREDIT_CHARS.iter().position(|x| *x == c).unwrap_or(0) as u32 * CREDIT_WEIGHTS[i % 17])
        .sum();
    let check = (31 - sum % 31) % 31;
    format!("{first17}{}", char::from(CREDIT_CHARS[check as usize]))
}

/// A date value of the CLI: `YYYY-MM-DD`, or `yesterday` / `today` by the core's clock
/// (Asia/Shanghai), so a nightly cron line needs no date arithmetic.
pub fn parse_day(s: &str, clock: crate::clock::Clock) -> Result<NaiveDate> {
    match s {
        "yesterday" => clock.today().pred_opt().ok_or_else(|| Error::new("invalid_date", "no yesterday")),
        "today" => Ok(clock.today()),
        _ => crate::clock::parse_date(s),
    }
}

/// `YYYY-MM` as the first day of that month (`invalid_month`).
pub fn parse_month(s: &str) -> Result<NaiveDate> {
    let bad = || Error::new("invalid_month", format!("expected a month YYYY-MM, got {s:?}"));
    if s.len() != 7 {
        return Err(bad());
    }
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(fee_of(150, 100), 2); // 1.5 -> 2
        assert_eq!(fee_of(149, 100), 1);
        assert_eq!(fee_of(50, 100), 1); // 0.5 -> 1
        assert_eq!(fee_of(49, 100), 0);
        assert_eq!(mul_div_round(-150, 100, 10_000), -2);
        assert_eq!(split_fee(5, 3000), (2, 3)); // 1.5 -> 2
        assert_eq!(split_fee(-5, 3000), (-2, -3));
    }

    #[test]
    fn refunds_return_the_fee() {
        // 100.00 at 0.6% = 0.60; refund 33.33 -> 0.19998 -> 0.20; the rest returns 0.40.
        assert_eq!(refund_fee(10_000, 60, 0, 0, 3_333), 20);
        assert_eq!(refund_fee(10_000, 60, 3_333, 20, 6_667), 40);
    }

    #[test]
    fn credit_codes() {
        check_credit_code("91350100M000100Y43").unwrap();
        let c = credit_code_with_check("91110108MA01ABCDE");
        check_credit_code(&c).unwrap();
        assert_eq!(check_credit_code("91350100M000100Y44").unwrap_err().code, "invalid_credit_code");
        assert_eq!(check_credit_code("short").unwrap_err().code, "invalid_credit_code");
        assert_eq!(check_credit_code("91350100M000100YI3").unwrap_err().code, "invalid_credit_code");
    }
}
