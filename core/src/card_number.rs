//! Card numbers are what a cashier types or scans, so a single mistyped digit must be caught before
//! it reaches the ledger: the Luhn check digit does that. Numbers are also semi-secret (they can be
//! spent at the till), so masking lives here, next to the type, where every caller finds it.

use std::fmt;
use std::fmt::Write as _;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

const CODE: &str = "invalid_card_number";

/// Total digits in a card number, check digit included.
const LEN: usize = 19;

/// Digits of the issuer identification number at the front of every card number.
const IIN_LEN: usize = 6;

/// Modulus that keeps a serial within its 12 digits.
const SERIAL_MODULUS: u64 = 1_000_000_000_000;

/// A 19-digit card number whose last digit is a valid Luhn check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardNumber(String);

impl CardNumber {
    /// Parses a card number: exactly 19 ASCII digits with a correct Luhn check digit.
    ///
    /// Refuses with code `invalid_card_number`. The message does not echo the number back, so a
    /// refused number does not end up in logs.
    pub fn parse(s: &str) -> Result<CardNumber> {
        let count = s.chars().count();
        if count != LEN {
            return Err(Error::new(CODE, format!("card number must be exactly {LEN} digits, got {count} characters")));
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::new(CODE, format!("card number must contain only the digits 0-9 ({LEN} of them)")));
        }
        let (payload, check) = s.split_at(LEN - 1);
        if luhn_check_digit(payload) != check.as_bytes()[0] - b'0' {
            return Err(Error::new(CODE, "card number check digit does not match; a digit is probably mistyped"));
        }
        Ok(CardNumber(s.to_owned()))
    }

    /// Builds the card number for `serial` under issuer `iin`: the 6-digit IIN, the serial
    /// zero-padded to 12 digits, then the Luhn check digit.
    ///
    /// Never panics: a serial above 12 digits is reduced modulo 10^12, and an `iin` that is not
    /// 6 digits is normalised (non-digits dropped, then cut or right-padded with `0` to 6
    /// digits). Validate configured IINs where they are read so that this never matters.
    pub fn from_serial(iin: &str, serial: u64) -> CardNumber {
        let mut number: String = iin.chars().filter(char::is_ascii_digit).take(IIN_LEN).collect();
        while number.len() < IIN_LEN {
            number.push('0');
        }
        // Writing into a String cannot fail.
        let _ = write!(number, "{:012}", serial % SERIAL_MODULUS);
        let check = luhn_check_digit(&number);
        number.push(char::from(b'0' + check));
        CardNumber(number)
    }

    /// The full card number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number for display: first 6 digits, 9 `*`, last 4 (e.g. `620058*********1234`).
    pub fn masked(&self) -> String {
        mask_card(&self.0)
    }
}

/// The Luhn check digit (0-9) for `payload`, the card number without its check digit.
///
/// Characters other than ASCII digits are skipped rather than panicking; callers pass digits.
pub fn luhn_check_digit(payload: &str) -> u8 {
    // The check digit will sit to the right, so the payload's rightmost digit is doubled.
    let sum: u32 = payload
        .bytes()
        .filter(u8::is_ascii_digit)
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    // sum % 10 < 10, so the result fits in a u8 without truncation.
    ((10 - sum % 10) % 10) as u8
}

/// Masks any card-like string for display: first 6 characters, 9 `*`, last 4.
///
/// Strings shorter than 10 characters would reveal everything, so they come back as one `*` per
/// character.
pub fn mask_card(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..6].iter().collect();
    out.push_str("*********");
    out.extend(&chars[chars.len() - 4..]);
    out
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for CardNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CardNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        CardNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_luhn_valid(s: &str) -> bool {
        let (payload, check) = s.split_at(s.len() - 1);
        luhn_check_digit(payload) == check.as_bytes()[0] - b'0'
    }

    #[test]
    fn known_luhn_vectors() {
        assert_eq!(luhn_check_digit("7992739871"), 3);
        assert!(is_luhn_valid("79927398713"));
        for bad in ["79927398710", "79927398711", "79927398712", "79927398714"] {
            assert!(!is_luhn_valid(bad), "{bad}");
        }
        assert!(is_luhn_valid("4111111111111111"));
        assert!(is_luhn_valid("4012888888881881"));
        assert!(is_luhn_valid("6011111111111117"));
        assert!(is_luhn_valid("378282246310005"));
        assert_eq!(luhn_check_digit(""), 0);
        assert_eq!(luhn_check_digit("0"), 0);
    }

    #[test]
    fn from_serial_parses_back() {
        for serial in [0, 1, 42, 999_999_999_999, 1_000_000_000_000, u64::MAX] {
            let n = CardNumber::from_serial("620058", serial);
            assert_eq!(n.as_str().len(), 19);
            assert!(n.as_str().starts_with("620058"));
            assert_eq!(CardNumber::parse(n.as_str()), Ok(n.clone()));
        }
        let n = CardNumber::from_serial("620058", 1234);
        assert!(n.as_str().starts_with("620058000000001234"));
        assert_eq!(CardNumber::from_serial("620058", 1_000_000_001_234), CardNumber::from_serial("620058", 1234));
    }

    #[test]
    fn from_serial_survives_bad_iin() {
        for iin in ["", "62", "62005899", "６２００５８", "ab12"] {
            let n = CardNumber::from_serial(iin, 7);
            assert!(CardNumber::parse(n.as_str()).is_ok(), "{iin}");
        }
    }

    #[test]
    fn every_single_digit_change_fails() {
        let good = CardNumber::from_serial("620058", 123_456_789).to_string();
        for i in 0..good.len() {
            for d in b'0'..=b'9' {
                let mut bytes = good.clone().into_bytes();
                if bytes[i] == d {
                    continue;
                }
                bytes[i] = d;
                let changed = String::from_utf8(bytes).unwrap();
                let e = CardNumber::parse(&changed).unwrap_err();
                assert_eq!(e.code, "invalid_card_number");
                assert!(e.message.contains("check digit"), "{}", e.message);
            }
        }
    }

    #[test]
    fn refuses_wrong_shape() {
        let good = CardNumber::from_serial("620058", 5).to_string();
        let cases = [
            String::new(),
            good[..18].to_owned(),
            format!("{good}0"),
            format!(" {}", &good[1..]),
            format!("{}x", &good[..18]),
            format!("{}１", &good[..18]),
            format!("{good} "),
        ];
        for s in &cases {
            let e = CardNumber::parse(s).unwrap_err();
            assert_eq!(e.code, "invalid_card_number", "{s:?}");
            assert!(!e.message.contains("check digit"), "{}", e.message);
        }
        assert!(CardNumber::parse(&good[..18]).unwrap_err().message.contains("19 digits"));
    }

    #[test]
    fn masking() {
        let n = CardNumber::from_serial("620058", 1);
        let m = n.masked();
        assert_eq!(m.len(), 19);
        assert_eq!(&m[..6], "620058");
        assert_eq!(&m[6..15], "*********");
        assert_eq!(&m[15..], &n.as_str()[15..]);
        assert_eq!(mask_card("6200580000000001234"), "620058*********1234");
        assert_eq!(mask_card("1234567890"), "123456*********7890");
        assert_eq!(mask_card("123456789"), "*********");
        assert_eq!(mask_card(""), "");
        assert_eq!(n.to_string(), n.as_str());
    }

    #[test]
    fn serde_as_string() {
        let n = CardNumber::from_serial("620058", 99);
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, format!("\"{n}\""));
        assert_eq!(serde_json::from_str::<CardNumber>(&json).unwrap(), n);
        assert!(serde_json::from_str::<CardNumber>("\"1234\"").is_err());
    }
}
