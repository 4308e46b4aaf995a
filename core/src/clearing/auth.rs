//! Who may do what in the clearing center, decided in the core.
//!
//! - Onboarding (apply, submit, contract, activate, suspend): administrators, merchant managers
//!   on the merchants they manage, regional managers on their region's merchants.
//! - Review: administrators and regional managers, never the merchant's own account manager
//!   (maker-checker: `maker_checker`). Termination: administrators and regional managers.
//! - Money (fee rules, settlement, payouts, imports, reconciliation, rating): administrators and
//!   finance. Reading settlements: also auditors. A merchant's statement: also its managers.
//! - Complaints: administrators, operators and the merchant's managers.

use crate::auth::{Actor, Scope};
use crate::error::{Error, Result};
use crate::types::Role;

/// A kind of act in the clearing center.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// apply, submit, contract, activate, suspend.
    Onboard,
    /// approve or reject.
    Review,
    /// terminate.
    Terminate,
    /// fee rules, settlement, payouts, imports, reconciliation, rating.
    Finance,
    /// read settlements and reconciliations.
    FinanceRead,
    /// a merchant's statement and details.
    ReadMerchant,
    /// record a complaint.
    Complaint,
}

/// Whether `role` may do `act` at all (scope aside).
pub fn role_allows(role: Role, act: Act) -> bool {
    use Act::*;
    match role {
        Role::Admin => true,
        Role::Finance => matches!(act, Finance | FinanceRead | ReadMerchant),
        Role::Auditor => matches!(act, FinanceRead | ReadMerchant),
        Role::Operator => matches!(act, Complaint),
        Role::MerchantManager => matches!(act, Onboard | ReadMerchant | Complaint),
        Role::RegionalManager => matches!(act, Onboard | Review | Terminate | ReadMerchant | Complaint),
    }
}

/// `forbidden` unless the role allows `act`.
pub fn require(actor: &Actor, act: Act) -> Result<()> {
    if role_allows(actor.role, act) {
        Ok(())
    } else {
        Err(Error::new(
            "forbidden",
            format!("user {} (role {}) may not {act:?} in the clearing center", actor.user, actor.role.as_str()),
        ))
    }
}

/// What scoping needs to know about a merchant.
#[derive(Debug, Clone)]
pub struct MerchantScope {
    /// Merchant id.
    pub id: i64,
    /// Mall code.
    pub mall: String,
    /// Region code.
    pub region: String,
    /// Account manager (user name).
    pub manager: String,
}

/// `forbidden` unless the actor may do `act` on this merchant: a merchant manager on the
/// merchants they manage (or a `merchant:ID` scope), a regional manager in their region (or mall
/// scope), everyone else within their scopes (none = the whole group).
pub fn require_merchant(actor: &Actor, act: Act, m: &MerchantScope) -> Result<()> {
    require(actor, act)?;
    let denied = || Error::new("forbidden", format!("user {} has no access to merchant {}", actor.user, m.id));
    match actor.role {
        Role::MerchantManager => {
            let own = m.manager == actor.user || actor.scopes.contains(&Scope::Merchant(m.id));
            if own {
                Ok(())
            } else {
                Err(denied())
            }
        }
        _ => {
            if actor.scopes.is_empty()
                || actor.scopes.iter().any(|s| match s {
                    Scope::Mall(c) => *c == m.mall,
                    Scope::Region(r) => *r == m.region,
                    Scope::Merchant(id) => *id == m.id,
                })
            {
                Ok(())
            } else {
                Err(denied())
            }
        }
    }
}

/// Maker-checker: the reviewer is not the merchant's account manager (`maker_checker`).
pub fn require_checker(actor: &Actor, m: &MerchantScope) -> Result<()> {
    if actor.user == m.manager {
        return Err(Error::new(
            "maker_checker",
            format!("{} manages merchant {}; another person must review it", actor.user, m.id),
        ));
    }
    Ok(())
}
