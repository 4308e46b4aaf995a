//! Validated identity fields and the closed vocabularies of the ledger. Identity values are
//! personal data under PIPL: they are checked once at the edge, and their `Display` and `Debug` are
//! masked so that a stray `{}` in a log line cannot leak them. The enumerations exist so that a
//! typo in a channel or role is refused with the list of allowed values instead of being stored as
//! free text.

use std::fmt;

use chrono::{Local, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

// Identity values implement serde with their FULL value (storage and transport need it), but
// `Display` and `Debug` with the masked one (logs must not).
macro_rules! identity_impls {
    ($ty:ident) => {
        impl $ty {
            /// The full, unmasked value; only for storage and authorised display.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.masked())
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($ty), self.masked())
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $ty::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A Chinese resident identity number (GB 11643-1999), with a lowercase `x` normalised to `X`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

/// Weights of the 17 leading digits in the GB 11643-1999 checksum.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check character indexed by the weighted sum modulo 11.
const ID_CHECK_CHARS: &[u8; 11] = b"10X98765432";

impl IdNumber {
    /// Parses an 18-character resident ID number: 6-digit area code, birth date `YYYYMMDD`
    /// (a real date from 1900 up to today), 3-digit sequence and a check character (`0`-`9` or
    /// `X`).
    ///
    /// Refuses with code `invalid_id_number`, saying whether the length or characters, the birth
    /// date or the checksum failed. The message never echoes the number.
    pub fn parse(s: &str) -> Result<IdNumber> {
        const CODE: &str = "invalid_id_number";
        let count = s.chars().count();
        if count != 18 {
            return Err(Error::new(CODE, format!("ID number must be 18 characters long, got {count}")));
        }
        let bytes = s.as_bytes();
        let last = bytes[17].to_ascii_uppercase();
        if !bytes[..17].iter().all(u8::is_ascii_digit) || !(last.is_ascii_digit() || last == b'X') {
            return Err(Error::new(CODE, "ID number must be 17 digits followed by a digit or X"));
        }
        let num =
            |range: std::ops::Range<usize>| bytes[range].iter().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'));
        let (year, month, day) = (num(6..10), num(10..12), num(12..14));
        let today = Local::now().date_naive();
        let birth = i32::try_from(year).ok().and_then(|y| NaiveDate::from_ymd_opt(y, month, day));
        match birth {
            Some(date) if year >= 1900 && date <= today => {}
            _ => {
                return Err(Error::new(
                    CODE,
                    format!(
                        "ID number birth date (characters 7-14) must be a real date between \
                         1900-01-01 and {}; please check the number",
                        today.format("%Y-%m-%d")
                    ),
                ))
            }
        }
        let sum: u32 = bytes[..17].iter().zip(ID_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
        if ID_CHECK_CHARS[(sum % 11) as usize] != last {
            return Err(Error::new(
                CODE,
                "ID number check character (the last one) does not match; a character is \
                 probably mistyped",
            ));
        }
        let mut normalised = s[..17].to_owned();
        normalised.push(char::from(last));
        Ok(IdNumber(normalised))
    }

    /// The number for display: first 4 characters, 10 `*`, last 4.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }

    /// The holder's birth year as encoded in the number; it was validated by `parse`.
    pub fn birth_year(&self) -> i32 {
        self.0[6..10].parse().unwrap_or_default()
    }
}

identity_impls!(IdNumber);

/// A mainland China mobile number: 11 digits, `1` then `3`-`9`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Parses a mainland mobile number such as `13812345678`; no spaces, dashes or `+86`.
    ///
    /// Refuses with code `invalid_phone`; the message never echoes the number.
    pub fn parse(s: &str) -> Result<Phone> {
        let b = s.as_bytes();
        let ok = b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        if !ok {
            return Err(Error::new(
                "invalid_phone",
                "phone must be an 11-digit mainland mobile number starting with 13-19, without \
                 spaces, dashes or +86",
            ));
        }
        Ok(Phone(s.to_owned()))
    }

    /// The number for display: first 3 digits, `****`, last 4 (e.g. `138****5678`).
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

identity_impls!(Phone);

/// A card holder's name as typed, in any script: 1 to 64 characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct HolderName(String);

impl HolderName {
    /// Longest accepted name, in characters (not bytes, so Chinese names count fairly).
    pub const MAX_CHARS: usize = 64;

    /// Parses a holder name: not empty, at most 64 characters, no control characters and no
    /// leading or trailing whitespace. Nothing is trimmed, so what is stored is what was typed.
    ///
    /// Refuses with code `invalid_name`.
    pub fn parse(s: &str) -> Result<HolderName> {
        const CODE: &str = "invalid_name";
        if s.is_empty() {
            return Err(Error::new(CODE, "name must not be empty"));
        }
        let count = s.chars().count();
        if count > Self::MAX_CHARS {
            return Err(Error::new(CODE, format!("name must be at most {} characters, got {count}", Self::MAX_CHARS)));
        }
        if s.chars().any(char::is_control) {
            return Err(Error::new(CODE, "name must not contain control characters such as tabs or line breaks"));
        }
        if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
            return Err(Error::new(CODE, "name must not start or end with a space; please remove it"));
        }
        Ok(HolderName(s.to_owned()))
    }

    /// The name for display: the first character, then one `*` per remaining character
    /// (`张三丰` becomes `张**`).
    pub fn masked(&self) -> String {
        let mut chars = self.0.chars();
        let mut out: String = chars.next().into_iter().collect();
        out.extend(chars.map(|_| '*'));
        out
    }
}

identity_impls!(HolderName);

// Every vocabulary needs the same parse/as_str/Display/ALL/serde surface; one macro keeps them
// from drifting apart (e.g. one accepting uppercase while another does not).
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $code:literal, $label:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order (for menus, filters and tests).
            pub const ALL: &'static [Self] = &[$( Self::$variant, )+];

            /// Parses the exact lowercase snake_case name; nothing is trimmed or case-folded.
            pub fn parse(s: &str) -> Result<Self> {
                match s {
                    $( $text => Ok(Self::$variant), )+
                    _ => Err(Error::new(
                        $code,
                        format!(
                            "{} must be one of {}, got {}",
                            $label,
                            [$( $text ),+].join(", "),
                            quote(s)
                        ),
                    )),
                }
            }

            /// The stable lowercase name, as stored and as shown in the CLI.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// The form a card takes.
    CardType, "invalid_card_type", "card type" {
        /// A plastic card with an NFC chip.
        Physical => "physical",
        /// A card that lives only in an app or mini-program.
        Virtual => "virtual",
        /// A card issued together with a partner brand.
        Cobrand => "cobrand",
    }
}

vocabulary! {
    /// Where a card is in its life. `Expired` is derived from the expiry date for display and
    /// filtering; it is not a state the ledger moves a card into.
    CardStatus, "invalid_card_status", "card status" {
        /// Usable for top-ups and purchases.
        Active => "active",
        /// Temporarily blocked, e.g. under investigation; can be unfrozen.
        Frozen => "frozen",
        /// Reported lost by the holder; the balance is protected.
        Lost => "lost",
        /// Closed for good.
        Closed => "closed",
        /// Past its expiry date.
        Expired => "expired",
    }
}

vocabulary! {
    /// How money came in for a top-up.
    Channel, "invalid_channel", "channel" {
        /// Cash at the service desk.
        Cash => "cash",
        /// A UnionPay bank card.
        Unionpay => "unionpay",
        /// WeChat Pay.
        Wechat => "wechat",
        /// Alipay.
        Alipay => "alipay",
        /// Digital renminbi (e-CNY).
        Ecny => "ecny",
        /// A bank transfer, typically for company purchases.
        BankTransfer => "bank_transfer",
    }
}

vocabulary! {
    /// Whether the paying bank card was a debit or a credit card; credit-funded top-ups are
    /// restricted by regulation, so the ledger must know.
    Funding, "invalid_funding", "funding" {
        /// A debit card or account balance.
        Debit => "debit",
        /// A credit card.
        Credit => "credit",
    }
}

vocabulary! {
    /// Who paid for a card, which decides the real-name and invoicing rules.
    PayerType, "invalid_payer_type", "payer type" {
        /// A private individual.
        Person => "person",
        /// A company, e.g. buying cards as employee gifts.
        Company => "company",
    }
}

vocabulary! {
    /// How a card was presented at the till.
    Medium, "invalid_medium", "medium" {
        /// Tapped over NFC.
        Nfc => "nfc",
        /// Scanned as a QR code.
        Qr => "qr",
        /// Paid through a digital renminbi (e-CNY) wallet.
        Ecny => "ecny",
    }
}

vocabulary! {
    /// The kind of merchant, used for reporting and for category-restricted cards.
    Category, "invalid_category", "category" {
        /// Clothing.
        Apparel => "apparel",
        /// Bags and luggage.
        Bags => "bags",
        /// Cosmetics and fragrance.
        Cosmetics => "cosmetics",
        /// Sportswear and equipment.
        Sports => "sports",
        /// Restaurants and cafés.
        Dining => "dining",
        /// Children's goods.
        Kids => "kids",
        /// Jewellery and watches.
        Jewellery => "jewellery",
        /// Household appliances and electronics.
        Appliances => "appliances",
        /// Home furnishings.
        Home => "home",
        /// Specialty shops that fit no other category.
        Specialty => "specialty",
        /// Tourism services.
        Tourism => "tourism",
        /// Transport, e.g. shuttle buses and parking.
        Transit => "transit",
        /// Anything else.
        Other => "other",
    }
}

vocabulary! {
    /// What a console user is allowed to do.
    Role, "invalid_role", "role" {
        /// Manages users and configuration.
        Admin => "admin",
        /// Issues cards and takes top-ups at the service desk.
        Operator => "operator",
        /// Reconciles and reports.
        Finance => "finance",
        /// Manages one merchant's shops.
        MerchantManager => "merchant_manager",
        /// Oversees the outlets of a region.
        RegionalManager => "regional_manager",
        /// Reads everything, changes nothing.
        Auditor => "auditor",
    }
}

/// The tier (1 to 4) of the city an outlet is in; rules such as limits can differ by tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CityTier(u8);

impl CityTier {
    /// Every tier, from 1 to 4.
    pub const ALL: &'static [Self] = &[CityTier(1), CityTier(2), CityTier(3), CityTier(4)];

    const ERROR: &'static str = "city tier must be one of 1, 2, 3, 4";

    /// Parses `"1"` to `"4"` exactly; nothing is trimmed.
    pub fn parse(s: &str) -> Result<CityTier> {
        match s {
            "1" => Ok(CityTier(1)),
            "2" => Ok(CityTier(2)),
            "3" => Ok(CityTier(3)),
            "4" => Ok(CityTier(4)),
            _ => Err(Error::new("invalid_city_tier", format!("{}, got {}", Self::ERROR, quote(s)))),
        }
    }

    /// Accepts 1 to 4.
    pub fn from_u8(n: u8) -> Result<CityTier> {
        if (1..=4).contains(&n) {
            Ok(CityTier(n))
        } else {
            Err(Error::new("invalid_city_tier", format!("{}, got {n}", Self::ERROR)))
        }
    }

    /// The tier number, 1 to 4.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The tier as text, `"1"` to `"4"`.
    pub fn as_str(&self) -> &'static str {
        ["1", "2", "3", "4"][usize::from(self.0.clamp(1, 4) - 1)]
    }
}

impl fmt::Display for CityTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CityTier {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

impl<'de> Deserialize<'de> for CityTier {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let n = u8::deserialize(d)?;
        CityTier::from_u8(n).map_err(serde::de::Error::custom)
    }
}

// Echoes a refused vocabulary value so the person sees the typo, without letting a pasted blob
// bloat the message; Debug quoting makes stray whitespace visible.
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    const GOOD_ID: &str = "11010519491231002X";

    // Builds a valid ID number for a birth date so tests do not depend on hand-computed checksums.
    fn id_with_birth(date: &str) -> String {
        let head = format!("110105{date}002");
        let sum: u32 = head.bytes().zip(ID_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
        format!("{head}{}", char::from(ID_CHECK_CHARS[(sum % 11) as usize]))
    }

    #[test]
    fn id_number_accepts_valid() {
        let id = IdNumber::parse(GOOD_ID).unwrap();
        assert_eq!(id.as_str(), GOOD_ID);
        assert_eq!(id.birth_year(), 1949);
        let lower = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(lower.as_str(), GOOD_ID);
        assert_eq!(lower, id);
        for date in ["19000101", "20000229", "19991231"] {
            assert!(IdNumber::parse(&id_with_birth(date)).is_ok(), "{date}");
        }
        let today = Local::now().date_naive().format("%Y%m%d").to_string();
        assert!(IdNumber::parse(&id_with_birth(&today)).is_ok());
    }

    #[test]
    fn id_number_refuses_bad_shape() {
        for bad in ["", "11010519491231002", "11010519491231002XX", "1101051949123100ＸX"] {
            let e = IdNumber::parse(bad).unwrap_err();
            assert_eq!(e.code, "invalid_id_number");
        }
        let e = IdNumber::parse("1101051949123100").unwrap_err();
        assert!(e.message.contains("18 characters"), "{}", e.message);
        for bad in ["X1010519491231002X", "11010519491231002Y", " 1010519491231002X"] {
            let e = IdNumber::parse(bad).unwrap_err();
            assert!(e.message.contains("17 digits"), "{}", e.message);
        }
    }

    #[test]
    fn id_number_refuses_bad_birth_date() {
        let next_year = Local::now().year() + 1;
        for date in ["18991231", "19490230", "19491301", "19490100", "20010229", &format!("{next_year}0101")] {
            let e = IdNumber::parse(&id_with_birth(date)).unwrap_err();
            assert_eq!(e.code, "invalid_id_number");
            assert!(e.message.contains("birth date"), "{date}: {}", e.message);
        }
    }

    #[test]
    fn id_number_refuses_bad_checksum() {
        for bad in ["110105194912310021", "11010519491231002 ", "11010519491231003X"] {
            let e = IdNumber::parse(bad).unwrap_err();
            assert_eq!(e.code, "invalid_id_number");
            if !bad.ends_with(' ') {
                assert!(e.message.contains("check character"), "{}", e.message);
            }
        }
    }

    #[test]
    fn id_number_masks() {
        let id = IdNumber::parse(GOOD_ID).unwrap();
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(id.to_string(), "1101**********002X");
        assert!(!format!("{id:?}").contains("19491231"));
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{GOOD_ID}\""));
        assert_eq!(serde_json::from_str::<IdNumber>("\"11010519491231002x\"").unwrap(), id);
    }

    #[test]
    fn phone() {
        for good in ["13812345678", "19912345678", "15000000000"] {
            assert_eq!(Phone::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "1381234567",
            "138123456789",
            "12812345678",
            "10812345678",
            "23812345678",
            "+8613812345678",
            "138 1234 5678",
            "138-1234-5678",
            " 13812345678",
            "１３８１２３４５６７８",
        ] {
            assert_eq!(Phone::parse(bad).unwrap_err().code, "invalid_phone", "{bad}");
        }
        let p = Phone::parse("13812345678").unwrap();
        assert_eq!(p.masked(), "138****5678");
        assert_eq!(p.to_string(), "138****5678");
        assert_eq!(format!("{p:?}"), "Phone(\"138****5678\")");
    }

    #[test]
    fn holder_name() {
        for good in ["张三丰", "Li", "李", "Anna Müller", "阿卜杜·热合曼", &"名".repeat(64)] {
            assert_eq!(HolderName::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", " 张三", "张三 ", "张三\u{3000}", "张\n三", "Li\tWei", "\u{7f}", &"名".repeat(65)] {
            assert_eq!(HolderName::parse(bad).unwrap_err().code, "invalid_name", "{bad:?}");
        }
        assert!(HolderName::parse("").unwrap_err().message.contains("empty"));
        assert!(HolderName::parse(" a").unwrap_err().message.contains("space"));
        assert_eq!(HolderName::parse("张三丰").unwrap().masked(), "张**");
        assert_eq!(HolderName::parse("Li").unwrap().masked(), "L*");
        assert_eq!(HolderName::parse("李").unwrap().masked(), "李");
        assert_eq!(HolderName::parse("张三丰").unwrap().to_string(), "张**");
    }

    fn check_vocabulary<T>(all: &[T], parse: fn(&str) -> Result<T>, code: &str)
    where
        T: Copy + PartialEq + fmt::Debug + fmt::Display + Serialize + for<'de> Deserialize<'de>,
    {
        for &v in all {
            let text = v.to_string();
            assert_eq!(parse(&text), Ok(v));
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<T>(&format!("\"{text}\"")).unwrap(), v);
            for bad in [text.to_uppercase(), format!(" {text}"), format!("{text} ")] {
                assert_eq!(parse(&bad).unwrap_err().code, code, "{bad:?}");
            }
        }
        for bad in ["", "unknown", "-"] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.code, code);
            let first = all[0].to_string();
            assert!(e.message.contains(&first), "message should list values: {}", e.message);
        }
    }

    #[test]
    fn vocabularies() {
        check_vocabulary(CardType::ALL, CardType::parse, "invalid_card_type");
        check_vocabulary(CardStatus::ALL, CardStatus::parse, "invalid_card_status");
        check_vocabulary(Channel::ALL, Channel::parse, "invalid_channel");
        check_vocabulary(Funding::ALL, Funding::parse, "invalid_funding");
        check_vocabulary(PayerType::ALL, PayerType::parse, "invalid_payer_type");
        check_vocabulary(Medium::ALL, Medium::parse, "invalid_medium");
        check_vocabulary(Category::ALL, Category::parse, "invalid_category");
        check_vocabulary(Role::ALL, Role::parse, "invalid_role");
        assert_eq!(CardType::ALL.len(), 3);
        assert_eq!(CardStatus::ALL.len(), 5);
        assert_eq!(Channel::ALL.len(), 6);
        assert_eq!(Category::ALL.len(), 13);
        assert_eq!(Role::ALL.len(), 6);
        assert_eq!(Channel::BankTransfer.as_str(), "bank_transfer");
        assert_eq!(Role::MerchantManager.to_string(), "merchant_manager");
        assert_eq!(Channel::parse("bankTransfer").unwrap_err().code, "invalid_channel");
        assert_eq!(Funding::parse("cash").unwrap_err().message, "funding must be one of debit, credit, got \"cash\"");
        assert_eq!(serde_json::from_str::<Channel>("\"bank_transfer\"").unwrap(), Channel::BankTransfer);
    }

    #[test]
    fn city_tier() {
        for (s, n) in [("1", 1), ("2", 2), ("3", 3), ("4", 4)] {
            let t = CityTier::parse(s).unwrap();
            assert_eq!(t.get(), n);
            assert_eq!(CityTier::from_u8(n), Ok(t));
            assert_eq!(t.to_string(), s);
            assert_eq!(serde_json::to_string(&t).unwrap(), s);
            assert_eq!(serde_json::from_str::<CityTier>(s).unwrap(), t);
        }
        for bad in ["0", "5", "", " 1", "1 ", "01", "一", "+1"] {
            assert_eq!(CityTier::parse(bad).unwrap_err().code, "invalid_city_tier", "{bad:?}");
        }
        for bad in [0, 5, 255] {
            assert_eq!(CityTier::from_u8(bad).unwrap_err().code, "invalid_city_tier");
        }
        assert!(serde_json::from_str::<CityTier>("5").is_err());
        assert!(serde_json::from_str::<CityTier>("\"1\"").is_err());
        assert_eq!(CityTier::ALL.len(), 4);
    }
}
