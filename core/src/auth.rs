//! Who may do what. Every core operation takes an [`Actor`] and is checked here, in the core, so
//! the console's menus and the CLI can never be the only guard.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::types::Role;

/// Something an actor may be allowed to do. The console shows its menus from these (through the
/// session), but the core checks them on every call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Create users, change rules.
    Administer,
    /// Add regions, malls and merchants.
    ManageMalls,
    /// Issue cards (single and batch).
    IssueCards,
    /// Freeze, unfreeze, report loss, replace, close, extend.
    ServiceCards,
    /// Top up a card.
    TopUp,
    /// Take a card payment at a merchant.
    Pay,
    /// Refund a payment to its card.
    Refund,
    /// Move balance between cards.
    Transfer,
    /// Reverse a journal entry (a finance correction).
    Reverse,
    /// Read cards and histories (masked).
    ReadCards,
    /// Look members up by phone or ID number (a read of personal data: audited).
    ReadMembers,
    /// Run `verify` and read the audit trail.
    Verify,
}

impl Permission {
    /// Every permission, in menu order.
    pub const ALL: &'static [Permission] = &[
        Permission::Administer,
        Permission::ManageMalls,
        Permission::IssueCards,
        Permission::ServiceCards,
        Permission::TopUp,
        Permission::Pay,
        Permission::Refund,
        Permission::Transfer,
        Permission::Reverse,
        Permission::ReadCards,
        Permission::ReadMembers,
        Permission::Verify,
    ];
}

impl Role {
    /// The role's permissions. Admin may do everything; the others follow the back office's
    /// separation of duties (operators move money at the counter, finance corrects it, auditors
    /// only look).
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Operator => {
                matches!(p, IssueCards | ServiceCards | TopUp | Pay | Refund | Transfer | ReadCards | ReadMembers)
            }
            Role::Finance => matches!(p, Reverse | ReadCards | Verify),
            // Auditors look at everything, personal data included (each such read is audited).
            Role::Auditor => matches!(p, ReadCards | ReadMembers | Verify),
            Role::MerchantManager | Role::RegionalManager => false,
        }
    }
}

/// A limit on what an actor acts on: a mall, a region or a merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// One mall, by code.
    Mall(String),
    /// One region, by code.
    Region(String),
    /// One merchant, by id.
    Merchant(i64),
}

impl Scope {
    /// Parses `mall:CODE`, `region:R` or `merchant:ID` (code `invalid_scope`).
    pub fn parse(s: &str) -> Result<Scope> {
        let bad =
            || Error::new("invalid_scope", format!("scope must be mall:CODE, region:R or merchant:ID, got {s:?}"));
        let (kind, value) = s.split_once(':').ok_or_else(bad)?;
        if value.is_empty() {
            return Err(bad());
        }
        match kind {
            "mall" => Ok(Scope::Mall(value.to_string())),
            "region" => Ok(Scope::Region(value.to_string())),
            "merchant" => value.parse().map(Scope::Merchant).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }

    /// The `kind:value` form stored in the users table.
    pub fn to_text(&self) -> String {
        match self {
            Scope::Mall(c) => format!("mall:{c}"),
            Scope::Region(r) => format!("region:{r}"),
            Scope::Merchant(m) => format!("merchant:{m}"),
        }
    }
}

/// The user behind a request, with their role and scopes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// User name (audited).
    pub user: String,
    /// The user's role.
    pub role: Role,
    /// Limits; empty means the whole group.
    pub scopes: Vec<Scope>,
}

impl Actor {
    /// `forbidden` unless the role allows `p`.
    pub fn require(&self, p: Permission) -> Result<()> {
        if self.role.allows(p) {
            Ok(())
        } else {
            Err(Error::new("forbidden", format!("user {} (role {}) may not {p:?}", self.user, self.role.as_str())))
        }
    }

    /// `forbidden` unless the actor's scopes include the mall (in `region`). No scopes = all.
    pub fn require_mall(&self, mall: &str, region: &str) -> Result<()> {
        if self.scopes.is_empty()
            || self.scopes.iter().any(|s| match s {
                Scope::Mall(m) => m == mall,
                Scope::Region(r) => r == region,
                Scope::Merchant(_) => false,
            })
        {
            Ok(())
        } else {
            Err(Error::new("forbidden", format!("user {} has no access to mall {mall}", self.user)))
        }
    }

    /// Every permission the actor's role grants (what the console's menu may show).
    pub fn permissions(&self) -> Vec<Permission> {
        Permission::ALL.iter().copied().filter(|p| self.role.allows(*p)).collect()
    }

    /// The built-in administrator (the CLI's default identity after `init`).
    pub fn admin() -> Actor {
        Actor { user: "admin".into(), role: Role::Admin, scopes: vec![] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_separate_duties() {
        assert!(Role::Operator.allows(Permission::Pay));
        assert!(!Role::Operator.allows(Permission::Reverse));
        assert!(Role::Finance.allows(Permission::Reverse));
        assert!(!Role::Auditor.allows(Permission::TopUp));
        assert!(Role::Admin.allows(Permission::Administer));
    }

    #[test]
    fn scopes_parse() {
        assert_eq!(Scope::parse("mall:SH01").unwrap(), Scope::Mall("SH01".into()));
        assert_eq!(Scope::parse("merchant:7").unwrap(), Scope::Merchant(7));
        assert_eq!(Scope::parse("mall:").unwrap_err().code, "invalid_scope");
        assert_eq!(Scope::parse("x:1").unwrap_err().code, "invalid_scope");
    }
}
