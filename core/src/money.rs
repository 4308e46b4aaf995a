//! Money is integer fen, never a float: a ledger that rounds loses or invents cents, and an amount
//! typed by a cashier must mean exactly one thing. Parsing is deliberately strict (no trimming, no
//! separators, no exponents) so that a typo is refused at the counter instead of being guessed at
//! and booked.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

const CODE: &str = "invalid_amount";

/// Fen per yuan; the only scale the ledger knows.
const FEN_PER_YUAN: i64 = 100;

/// The largest amount any single value may hold, in fen (10,000,000,000.00 yuan).
const MAX_FEN: i64 = 1_000_000_000_000;

/// An amount of renminbi held as integer fen (1 yuan = 100 fen).
///
/// Values built by [`Money::parse`] are never negative; [`Money::from_fen`] may carry a negative
/// value so that reports can show differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Money(#[cfg_attr(feature = "ts", ts(type = "string"))] i64);

impl Money {
    /// No money at all.
    pub const ZERO: Money = Money(0);

    /// The largest amount a parsed value may hold: 10,000,000,000.00 yuan.
    pub const MAX: Money = Money(MAX_FEN);

    /// Parses a required, strictly positive amount in yuan such as `100`, `100.5` or `0.01`.
    ///
    /// Refuses (code `invalid_amount`) zero, signs, whitespace, exponents, separators, leading
    /// zeros, more than two decimal places, non-ASCII digits and anything above [`Money::MAX`].
    pub fn parse(s: &str) -> Result<Money> {
        parse_amount(s, false)
    }

    /// Like [`Money::parse`] but accepts zero, for optional values such as a face value.
    pub fn parse_allow_zero(s: &str) -> Result<Money> {
        parse_amount(s, true)
    }

    /// Wraps a count of fen as-is; negative values are allowed for report differences.
    pub fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    /// The amount in fen.
    pub fn fen(self) -> i64 {
        self.0
    }

    /// The amount as a decimal number of yuan, always with scale 2 (100 fen is `1.00`).
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Converts a decimal number of yuan, e.g. read back from a database column.
    ///
    /// Zero is accepted; negative values, values above [`Money::MAX`] and values with a non-zero
    /// digit beyond the second decimal place are refused (code `invalid_amount`). Trailing zeros
    /// such as `1.230` are fine because they do not change the amount.
    pub fn from_decimal(d: Decimal) -> Result<Money> {
        if d.is_sign_negative() && !d.is_zero() {
            return Err(Error::new(CODE, format!("amount must not be negative, got {d}")));
        }
        if d.normalize().scale() > 2 {
            return Err(Error::new(CODE, format!("amount must have at most 2 decimal places, got {d}")));
        }
        // Compare before rescaling so that huge values cannot overflow the 96-bit mantissa.
        if d > Money::MAX.to_decimal() {
            return Err(Error::new(CODE, format!("amount must be at most {} yuan, got {d}", Money::MAX)));
        }
        let mut scaled = d;
        scaled.rescale(2);
        let fen = i64::try_from(scaled.mantissa())
            .map_err(|_| Error::new(CODE, format!("amount is out of range, got {d}")))?;
        Ok(Money(fen.abs()))
    }

    /// True when the amount is exactly zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Sum of two amounts; `None` on overflow or if the result would be negative.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        non_negative(self.0.checked_add(other.0)?)
    }

    /// Difference of two amounts; `None` on overflow or if the result would be negative, which is
    /// how callers detect an insufficient balance.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        non_negative(self.0.checked_sub(other.0)?)
    }

    /// The amount times `n` (e.g. a quantity); `None` on overflow or a negative result.
    pub fn checked_mul(self, n: i64) -> Option<Money> {
        non_negative(self.0.checked_mul(n)?)
    }
}

// Ledger arithmetic must never silently produce a negative balance; reports that need negative
// numbers build them explicitly with `from_fen`.
fn non_negative(fen: i64) -> Option<Money> {
    (fen >= 0).then_some(Money(fen))
}

fn parse_amount(s: &str, allow_zero: bool) -> Result<Money> {
    let refuse = |why: &str| Err(Error::new(CODE, format!("{why}, got {}", quote(s))));
    if s.is_empty() {
        return Err(Error::new(CODE, "amount is required, got an empty value"));
    }
    if s.chars().any(char::is_whitespace) {
        return refuse("amount must not contain spaces or other whitespace");
    }
    if s.starts_with('-') {
        return refuse(if allow_zero { "amount must not be negative" } else { "amount must be greater than zero" });
    }
    if s.starts_with('+') {
        return refuse("amount must be written without a sign");
    }
    if !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return refuse("amount must contain only the digits 0-9 and one optional decimal point");
    }
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) => (int, frac),
        None => (s, ""),
    };
    if frac.contains('.') {
        return refuse("amount must contain at most one decimal point");
    }
    if int.is_empty() {
        return refuse("amount must have a digit before the decimal point, e.g. 0.5");
    }
    if s.ends_with('.') {
        return refuse("amount must have digits after the decimal point, e.g. 5.00");
    }
    if frac.len() > 2 {
        return refuse("amount must have at most 2 decimal places");
    }
    if int.len() > 1 && int.starts_with('0') {
        return refuse("amount must not have leading zeros");
    }
    // MAX has 11 integer digits; anything longer is too large and could overflow i64.
    let max_int_digits = (MAX_FEN / FEN_PER_YUAN).to_string().len();
    if int.len() > max_int_digits {
        return refuse(&format!("amount must be at most {} yuan", Money::MAX));
    }
    let yuan = digits_value(int);
    let mut cents = digits_value(frac);
    if frac.len() == 1 {
        cents *= 10;
    }
    let fen = yuan * FEN_PER_YUAN + cents;
    if fen > MAX_FEN {
        return refuse(&format!("amount must be at most {} yuan", Money::MAX));
    }
    if fen == 0 && !allow_zero {
        return refuse("amount must be greater than zero");
    }
    Ok(Money(fen))
}

// Callers guarantee ASCII digits and a length that fits in i64.
fn digits_value(digits: &str) -> i64 {
    digits.bytes().fold(0, |acc, b| acc * 10 + i64::from(b - b'0'))
}

// Echoes what was typed so the person can see the mistake, but keeps a pasted novel out of the
// message; Debug quoting makes stray whitespace visible.
fn quote(s: &str) -> String {
    const LIMIT: usize = 40;
    let count = s.chars().count();
    if count <= LIMIT {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(LIMIT).collect();
        format!("{head:?}... ({count} characters)")
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        // unsigned_abs keeps i64::MIN from overflowing.
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount in yuan as a string, e.g. \"1234.50\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Money, E> {
                Money::parse_allow_zero(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn accepts_plain_amounts() {
        for (s, fen) in [
            ("100", 10_000),
            ("100.5", 10_050),
            ("100.50", 10_050),
            ("0.01", 1),
            ("0.5", 50),
            ("10000000000.00", MAX_FEN),
            ("10000000000", MAX_FEN),
        ] {
            assert_eq!(Money::parse(s), Ok(Money(fen)), "{s}");
            assert_eq!(Money::parse_allow_zero(s), Ok(Money(fen)), "{s}");
        }
    }

    #[test]
    fn refuses_malformed_amounts() {
        let long = "9".repeat(400);
        let refused = [
            "-1",
            "0",
            "0.00",
            "1.234",
            "1e3",
            "１００",
            " 100",
            "100 ",
            "1 00",
            "1\t00",
            "",
            "NaN",
            "inf",
            "+1",
            ".5",
            "5.",
            "007",
            "00.5",
            "1,000",
            "10000000000.01",
            "10000000001",
            "1.2.3",
            "¥100",
            "100元",
            "1_000",
            &long,
        ];
        for s in refused {
            let e = Money::parse(s).unwrap_err();
            assert_eq!(e.code, "invalid_amount", "{s:?}");
            assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn zero_only_when_allowed() {
        assert_eq!(Money::parse_allow_zero("0"), Ok(Money::ZERO));
        assert_eq!(Money::parse_allow_zero("0.00"), Ok(Money::ZERO));
        assert_eq!(Money::parse_allow_zero("0.0"), Ok(Money::ZERO));
        assert!(Money::parse_allow_zero("-0").is_err());
        assert!(Money::parse_allow_zero("00").is_err());
        assert!(Money::parse_allow_zero("1.234").is_err());
    }

    #[test]
    fn messages_name_the_problem() {
        let e = Money::parse("1.234").unwrap_err();
        assert_eq!(e.message, "amount must have at most 2 decimal places, got \"1.234\"");
        let e = Money::parse(" 100").unwrap_err();
        assert!(e.message.contains("whitespace"), "{}", e.message);
        let e = Money::parse(&"9".repeat(400)).unwrap_err();
        assert!(e.message.contains("at most 10000000000.00"), "{}", e.message);
        assert!(e.message.len() < 200);
        assert!(Money::parse("0").unwrap_err().message.contains("greater than zero"));
    }

    #[test]
    fn display_has_two_decimals_and_round_trips() {
        assert_eq!(Money(123_450).to_string(), "1234.50");
        assert_eq!(Money(1).to_string(), "0.01");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::from_fen(-1230).to_string(), "-12.30");
        assert_eq!(Money::from_fen(-5).to_string(), "-0.05");
        assert_eq!(Money::from_fen(i64::MIN).to_string(), "-92233720368547758.08");
        for fen in [1, 9, 10, 99, 100, 101, 123_456, MAX_FEN] {
            assert_eq!(Money::parse(&Money(fen).to_string()), Ok(Money(fen)));
        }
    }

    #[test]
    fn decimal_conversion() {
        assert_eq!(Money(10_000).to_decimal().to_string(), "100.00");
        assert_eq!(Money(10_000).to_decimal().scale(), 2);
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(Money::from_decimal(d("100")), Ok(Money(10_000)));
        assert_eq!(Money::from_decimal(d("0")), Ok(Money::ZERO));
        assert_eq!(Money::from_decimal(d("-0.00")), Ok(Money::ZERO));
        assert_eq!(Money::from_decimal(d("1.230")), Ok(Money(123)));
        assert_eq!(Money::from_decimal(d("10000000000.00")), Ok(Money::MAX));
        for bad in ["1.234", "-1", "10000000000.01", "79228162514264337593543950335"] {
            assert_eq!(Money::from_decimal(d(bad)).unwrap_err().code, "invalid_amount", "{bad}");
        }
        for fen in [0, 1, 123_456, MAX_FEN] {
            assert_eq!(Money::from_decimal(Money(fen).to_decimal()), Ok(Money(fen)));
        }
    }

    #[test]
    fn checked_arithmetic() {
        let a = Money(500);
        let b = Money(200);
        assert_eq!(a.checked_add(b), Some(Money(700)));
        assert_eq!(a.checked_sub(b), Some(Money(300)));
        assert_eq!(b.checked_sub(a), None);
        assert_eq!(a.checked_sub(a), Some(Money::ZERO));
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), None);
        assert_eq!(a.checked_mul(3), Some(Money(1500)));
        assert_eq!(a.checked_mul(0), Some(Money::ZERO));
        assert_eq!(a.checked_mul(-1), None);
        assert_eq!(Money(i64::MAX).checked_mul(2), None);
        assert!(Money::ZERO.is_zero());
        assert!(!a.is_zero());
        assert_eq!(Money::default(), Money::ZERO);
    }

    #[test]
    fn serde_uses_strings() {
        assert_eq!(serde_json::to_string(&Money(123_450)).unwrap(), "\"1234.50\"");
        assert_eq!(serde_json::from_str::<Money>("\"1234.5\"").unwrap(), Money(123_450));
        assert_eq!(serde_json::from_str::<Money>("\"0\"").unwrap(), Money::ZERO);
        assert!(serde_json::from_str::<Money>("1234.5").is_err());
        assert!(serde_json::from_str::<Money>("\"1.234\"").is_err());
        let err = serde_json::from_str::<Money>("\"-1\"").unwrap_err().to_string();
        assert!(err.contains("invalid_amount"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn any_valid_fen_round_trips(fen in 1i64..=MAX_FEN) {
            let m = Money(fen);
            proptest::prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = Money::parse(&s);
        }
    }
}
