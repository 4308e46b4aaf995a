//! Users and sign-in. Passwords are argon2id hashes; no default password ever works on a
//! production database: `init` creates `admin` without one, and the console's first start asks
//! for it. A sandbox (demo/test) database ships a demo admin password that the login screen may
//! show. Five failed attempts lock an account for 15 minutes.
//!
//! Hashing runs outside the writer (it is deliberately slow); the writer only records outcomes,
//! so a sign-in never stalls the payments committed beside it.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

use crate::auth::{Actor, Permission, Scope};
use crate::engine::{Op, Outcome, UserOp};
use crate::error::{Error, Result};
use crate::types::Role;
use crate::Core;

/// Failed attempts that lock an account.
pub const MAX_FAILED_ATTEMPTS: i64 = 5;
/// How long that lock lasts, in seconds.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// The demo administrator's password on sandbox databases (shown on their login screen).
pub const DEMO_PASSWORD: &str = "onecard-demo";
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// What the console needs to know before anyone signs in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuthInfo {
    /// The administrator has no password yet: ask for one first.
    pub needs_setup: bool,
    /// A sandbox (demo/test) database.
    pub sandbox: bool,
    /// Demo credentials a sandbox shows on its login screen.
    pub demo_user: Option<String>,
    /// Likewise.
    pub demo_password: Option<String>,
}

/// A signed-in user: who, in which role and scope, allowed to do what.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Session {
    /// User name.
    pub user: String,
    /// Role.
    pub role: Role,
    /// Scopes as `mall:CODE`, `region:R`, `merchant:ID` (empty: the whole group).
    pub scopes: Vec<String>,
    /// What the role may do (the console's menu).
    pub permissions: Vec<Permission>,
}

impl Session {
    /// The session of an actor.
    pub fn of(actor: &Actor) -> Session {
        Session {
            user: actor.user.clone(),
            role: actor.role,
            scopes: actor.scopes.iter().map(Scope::to_text).collect(),
            permissions: actor.permissions(),
        }
    }
}

/// A user as the user list shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserInfo {
    /// Login name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Scopes (`mall:CODE`, `region:R`, `merchant:ID`).
    pub scopes: Vec<String>,
    /// False when an administrator locked the account.
    pub active: bool,
    /// Until when failed attempts lock it (RFC 3339), if they do.
    pub locked_until: Option<String>,
    /// Failed attempts since the last success.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub failed_attempts: i64,
    /// Whether a password is set.
    pub has_password: bool,
}

/// Add a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserAddRequest {
    /// Login name: letters, digits, '-', '_'.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Scopes as text (`mall:CODE`, `region:R`, `merchant:ID`); empty = the whole group.
    pub scopes: Vec<String>,
    /// Initial password; none for a CLI-only identity (set one later with `user password`).
    pub password: Option<String>,
}

/// An argon2id hash of `password` (`weak_password` when it is too short).
pub fn hash_password(password: &str) -> Result<String> {
    check_strength(password)?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
}

fn check_strength(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::new("weak_password", format!("a password needs at least {MIN_PASSWORD_CHARS} characters")));
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(c)) {
        return Err(Error::new("weak_password", "a password of one repeated character is too weak"));
    }
    Ok(())
}

fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

type UserRow = (String, String, String, Option<String>, i64, i64, Option<i64>, i64);
const USER_COLS: &str = "name, role, scopes, password_hash, active, failed_attempts, locked_until, locked";

fn info(row: UserRow, now: i64) -> Result<UserInfo> {
    let (name, role, scopes, hash, active, failed, locked_until, locked) = row;
    Ok(UserInfo {
        name,
        role: Role::parse(&role)?,
        scopes: scopes.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        active: active != 0 && locked == 0,
        locked_until: locked_until.filter(|t| *t > now).map(crate::clock::format_micros),
        failed_attempts: failed,
        has_password: hash.is_some(),
    })
}

impl Core {
    /// Whether the console must ask for the admin password first, and demo credentials.
    pub async fn auth_info(&self) -> Result<AuthInfo> {
        let hash: Option<Option<String>> = sqlx::query_scalar("SELECT password_hash FROM users WHERE name = 'admin'")
            .fetch_optional(&self.db().pool)
            .await?;
        let demo: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'demo_password'")
            .fetch_optional(&self.db().pool)
            .await?;
        let sandbox = self.is_sandbox_db();
        let demo = demo.filter(|_| sandbox);
        Ok(AuthInfo {
            needs_setup: matches!(hash, Some(None)),
            sandbox,
            demo_user: demo.as_ref().map(|_| "admin".to_string()),
            demo_password: demo,
        })
    }

    /// Sets the administrator's first password (only while it has none: `setup_done`).
    pub async fn setup_admin(&self, password: &str) -> Result<Session> {
        let hash = hash_password(password)?;
        self.submit_user(&Actor::admin(), UserOp::Setup { hash }).await?;
        let actor = self.actor("admin").await?;
        Ok(Session::of(&actor))
    }

    /// Signs a user in: `invalid_credentials` (unknown user or wrong password: the same answer,
    /// so names cannot be probed) or `account_locked`.
    pub async fn login(&self, user: &str, password: &str) -> Result<Session> {
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE name = $1"))
            .bind(user)
            .fetch_optional(&self.db().pool)
            .await?;
        let invalid = || Error::new("invalid_credentials", "wrong user name or password");
        let Some((_, _, _, hash, active, _, locked_until, locked)) = row else {
            // Spend the same time as a real check, so timing does not reveal which names exist.
            let _ = verify_password(DUMMY_HASH, password);
            return Err(invalid());
        };
        let now = self.clock().now_micros();
        if active == 0 || locked != 0 {
            return Err(Error::new("account_locked", format!("user {user} is locked by an administrator")));
        }
        if let Some(until) = locked_until.filter(|t| *t > now) {
            return Err(locked_error(user, until));
        }
        let ok = hash.as_deref().is_some_and(|h| verify_password(h, password));
        let outcome = self.submit_user(&Actor::admin(), UserOp::LoginAttempt { name: user.to_string(), ok }).await?;
        if !ok {
            if let Some(until) = outcome.get("locked_until").and_then(|v| v.as_i64()) {
                return Err(locked_error(user, until));
            }
            return Err(invalid());
        }
        Ok(Session::of(&self.actor(user).await?))
    }

    /// Every user (administrators only).
    pub async fn user_list(&self, actor: &Actor) -> Result<Vec<UserInfo>> {
        actor.require(Permission::Administer)?;
        let rows: Vec<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLS} FROM users ORDER BY name")).fetch_all(&self.db().pool).await?;
        let now = self.clock().now_micros();
        rows.into_iter().map(|r| info(r, now)).collect()
    }

    /// One user (administrators only): `unknown_user`.
    pub async fn user_get(&self, actor: &Actor, name: &str) -> Result<UserInfo> {
        actor.require(Permission::Administer)?;
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE name = $1"))
            .bind(name)
            .fetch_optional(&self.db().pool)
            .await?;
        let row = row.ok_or_else(|| Error::new("unknown_user", format!("no user {name:?}")))?;
        info(row, self.clock().now_micros())
    }

    /// Adds a user with a role, scopes and optionally a password.
    pub async fn user_add(&self, actor: &Actor, r: UserAddRequest) -> Result<UserInfo> {
        actor.require(Permission::Administer)?;
        let scopes = r.scopes.iter().map(|s| Scope::parse(s)).collect::<Result<Vec<_>>>()?;
        let hash = r.password.as_deref().map(hash_password).transpose()?;
        self.submit_user(actor, UserOp::Add { name: r.name.clone(), role: r.role, scopes, hash }).await?;
        self.user_get(actor, &r.name).await
    }

    /// Sets a user's password (administrators; also clears a failed-attempt lock).
    pub async fn user_set_password(&self, actor: &Actor, name: &str, password: &str) -> Result<()> {
        actor.require(Permission::Administer)?;
        let hash = hash_password(password)?;
        self.submit_user(actor, UserOp::Password { name: name.to_string(), hash }).await?;
        Ok(())
    }

    /// Locks (`lock = true`) or unlocks a user; unlocking also clears a failed-attempt lock.
    pub async fn user_lock(&self, actor: &Actor, name: &str, lock: bool) -> Result<UserInfo> {
        actor.require(Permission::Administer)?;
        self.submit_user(actor, UserOp::Lock { name: name.to_string(), lock }).await?;
        self.user_get(actor, name).await
    }

    async fn submit_user(&self, actor: &Actor, op: UserOp) -> Result<serde_json::Value> {
        match self.submit(actor, Op::User(op)).await? {
            Outcome::Json(v) => Ok(v),
            o => Err(Error::internal(format!("unexpected outcome {o:?}"))),
        }
    }
}

fn locked_error(user: &str, until: i64) -> Error {
    Error::new(
        "account_locked",
        format!(
            "user {user} is locked after {MAX_FAILED_ATTEMPTS} failed sign-ins until {}",
            crate::clock::format_micros(until)
        ),
    )
}

/// An argon2id hash of a random password nobody knows, checked when the user does not exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0pRB3dc6KXfZJt0JGQE6YgZQKTaIJgiVPvUbSkN3ixQ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password(&a, "correct horse"));
        assert!(!verify_password(&a, "correct horsf"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert_eq!(hash_password("short").unwrap_err().code, "weak_password");
        assert_eq!(hash_password("aaaaaaaaaa").unwrap_err().code, "weak_password");
    }

    #[test]
    fn dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
