//! The regulatory rules the ledger enforces (PBoC 2012 No.12, MOFCOM 2012 No.9), as data with
//! defaults. They live in the `rules` table so a compliance officer can change a limit without a
//! release; every check reads them from here, in one place.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::money::Money;

/// The rule set in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rules {
    /// Highest balance of a registered card (default 5,000.00).
    pub balance_cap_registered: Money,
    /// Highest balance of an anonymous card (default 1,000.00).
    pub balance_cap_anonymous: Money,
    /// An anonymous sale totalling at least this needs the buyer's real name and ID (10,000.00).
    pub real_name_threshold: Money,
    /// A company may not pay this much or more in cash in one purchase/top-up (5,000.00).
    pub cash_limit_company: Money,
    /// A person may not pay this much or more in cash in one purchase/top-up (50,000.00).
    pub cash_limit_person: Money,
    /// Whether credit cards may fund cards (never, by default).
    pub credit_funding_allowed: bool,
    /// Months after purchase before a registered card may be redeemed (3).
    pub redemption_min_months: u32,
    /// Validity of an anonymous card in years (3; never less than 3).
    pub anonymous_validity_years: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            balance_cap_registered: Money::from_fen(500_000),
            balance_cap_anonymous: Money::from_fen(100_000),
            real_name_threshold: Money::from_fen(1_000_000),
            cash_limit_company: Money::from_fen(500_000),
            cash_limit_person: Money::from_fen(5_000_000),
            credit_funding_allowed: false,
            redemption_min_months: 3,
            anonymous_validity_years: 3,
        }
    }
}

/// The names `rule set` accepts.
pub const RULE_NAMES: &[&str] = &[
    "balance_cap_registered",
    "balance_cap_anonymous",
    "real_name_threshold",
    "cash_limit_company",
    "cash_limit_person",
    "credit_funding_allowed",
    "redemption_min_months",
    "anonymous_validity_years",
];

impl Rules {
    /// Applies one stored or requested `name = value`, validating it (code `invalid_rule`).
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let bad = |why: &str| Error::new("invalid_rule", format!("rule {name}: {why}"));
        match name {
            "balance_cap_registered" => self.balance_cap_registered = Money::parse(value)?,
            "balance_cap_anonymous" => self.balance_cap_anonymous = Money::parse(value)?,
            "real_name_threshold" => self.real_name_threshold = Money::parse(value)?,
            "cash_limit_company" => self.cash_limit_company = Money::parse(value)?,
            "cash_limit_person" => self.cash_limit_person = Money::parse(value)?,
            "credit_funding_allowed" => {
                self.credit_funding_allowed = match value {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("must be true or false")),
                }
            }
            "redemption_min_months" => {
                self.redemption_min_months =
                    value.parse().ok().filter(|m| *m <= 120).ok_or_else(|| bad("0..=120 months"))?
            }
            "anonymous_validity_years" => {
                // The regulation sets a floor of 3 years: a shorter validity is refused.
                self.anonymous_validity_years = value
                    .parse()
                    .ok()
                    .filter(|y| (3..=50).contains(y))
                    .ok_or_else(|| bad("must be 3..=50 years (never shorter than 3)"))?
            }
            _ => {
                return Err(Error::new(
                    "invalid_rule",
                    format!("unknown rule {name:?}; known: {}", RULE_NAMES.join(", ")),
                ))
            }
        }
        Ok(())
    }

    /// The value of a rule as text (for listing).
    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "balance_cap_registered" => self.balance_cap_registered.to_string(),
            "balance_cap_anonymous" => self.balance_cap_anonymous.to_string(),
            "real_name_threshold" => self.real_name_threshold.to_string(),
            "cash_limit_company" => self.cash_limit_company.to_string(),
            "cash_limit_person" => self.cash_limit_person.to_string(),
            "credit_funding_allowed" => self.credit_funding_allowed.to_string(),
            "redemption_min_months" => self.redemption_min_months.to_string(),
            "anonymous_validity_years" => self.anonymous_validity_years.to_string(),
            _ => return None,
        })
    }

    /// The balance cap for a card.
    pub fn cap(&self, registered: bool) -> Money {
        if registered {
            self.balance_cap_registered
        } else {
            self.balance_cap_anonymous
        }
    }

    /// Loads the rules in force: defaults overlaid with the stored values.
    pub async fn load(pool: &sqlx::AnyPool) -> Result<Rules> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT name, value FROM rules").fetch_all(pool).await?;
        let mut r = Rules::default();
        for (name, value) in rows {
            r.set(&name, &value)?;
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_regulation() {
        let r = Rules::default();
        assert_eq!(r.balance_cap_registered.to_string(), "5000.00");
        assert_eq!(r.balance_cap_anonymous.to_string(), "1000.00");
        assert_eq!(r.cash_limit_company.to_string(), "5000.00");
        assert_eq!(r.cash_limit_person.to_string(), "50000.00");
        assert!(!r.credit_funding_allowed);
    }

    #[test]
    fn validity_never_below_three_years() {
        let mut r = Rules::default();
        assert_eq!(r.set("anonymous_validity_years", "2").unwrap_err().code, "invalid_rule");
        r.set("anonymous_validity_years", "5").unwrap();
        assert_eq!(r.anonymous_validity_years, 5);
        assert_eq!(r.set("nope", "1").unwrap_err().code, "invalid_rule");
    }
}
