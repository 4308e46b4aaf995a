//! The writer's half of user management: the rows and audit records of adding users, setting
//! passwords, locking, and recording sign-in outcomes. Password hashing has already happened
//! outside the writer (users.rs); nothing here is slow.

use serde_json::{json, Value};

use super::batch::Batch;
use crate::auth::{Actor, Scope};
use crate::error::{Error, Result};
use crate::types::Role;
use crate::users::{LOCK_SECONDS, MAX_FAILED_ATTEMPTS};

/// A change to the users table.
#[derive(Clone)]
pub(crate) enum UserOp {
    /// A new user (hash: argon2id of the initial password, if any).
    Add { name: String, role: Role, scopes: Vec<Scope>, hash: Option<String> },
    /// The administrator's first password; refused once one is set.
    Setup { hash: String },
    /// A new password for a user.
    Password { name: String, hash: String },
    /// Lock or unlock a user.
    Lock { name: String, lock: bool },
    /// The outcome of a sign-in attempt.
    LoginAttempt { name: String, ok: bool },
}

// Hashes are secrets too: never in a log line or a panic message.
impl std::fmt::Debug for UserOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserOp::Add { name, role, .. } => write!(f, "UserOp::Add({name}, {role})"),
            UserOp::Setup { .. } => write!(f, "UserOp::Setup"),
            UserOp::Password { name, .. } => write!(f, "UserOp::Password({name})"),
            UserOp::Lock { name, lock } => write!(f, "UserOp::Lock({name}, {lock})"),
            UserOp::LoginAttempt { name, ok } => write!(f, "UserOp::LoginAttempt({name}, {ok})"),
        }
    }
}

impl Batch<'_> {
    pub(crate) async fn user_op(&mut self, op: &UserOp, actor: &Actor) -> Result<Value> {
        match op {
            UserOp::Add { name, role, scopes, hash } => {
                super::apply::check_code("user name", name)?;
                if self.user_exists(name).await? {
                    return Err(Error::new("user_exists", format!("user {name} already exists")));
                }
                let scopes: Vec<String> = scopes.iter().map(Scope::to_text).collect();
                sqlx::query(
                    "INSERT INTO users (name, role, scopes, password_hash, active, created_at) \
                     VALUES ($1, $2, $3, $4, 1, $5)",
                )
                .bind(name.clone())
                .bind(role.as_str())
                .bind(scopes.join(","))
                .bind(hash.clone())
                .bind(self.now)
                .execute(&mut *self.tx)
                .await?;
                self.audit(actor, "user.add", name, &format!("{} {}", role.as_str(), scopes.join(",")))?;
                Ok(json!({"user": name, "role": role, "scopes": scopes}))
            }
            UserOp::Setup { hash } => {
                let current: Option<Option<String>> =
                    sqlx::query_scalar("SELECT password_hash FROM users WHERE name = 'admin'")
                        .fetch_optional(&mut *self.tx)
                        .await?;
                if !matches!(current, Some(None)) {
                    return Err(Error::new("setup_done", "the administrator already has a password; sign in instead"));
                }
                self.set_password("admin", hash).await?;
                self.audit(actor, "user.setup_admin", "admin", "")?;
                Ok(json!({"user": "admin"}))
            }
            UserOp::Password { name, hash } => {
                self.require_user(name).await?;
                self.set_password(name, hash).await?;
                self.audit(actor, "user.password", name, "")?;
                Ok(json!({"user": name}))
            }
            UserOp::Lock { name, lock } => {
                self.require_user(name).await?;
                sqlx::query(
                    "UPDATE users SET locked = $1, failed_attempts = 0, locked_until = NULL \
                     WHERE name = $2",
                )
                .bind(i64::from(*lock))
                .bind(name.clone())
                .execute(&mut *self.tx)
                .await?;
                let action = if *lock { "user.lock" } else { "user.unlock" };
                self.audit(actor, action, name, "")?;
                Ok(json!({"user": name, "locked": lock}))
            }
            UserOp::LoginAttempt { name, ok } => self.login_attempt(name, *ok).await,
        }
    }

    async fn login_attempt(&mut self, name: &str, ok: bool) -> Result<Value> {
        let who = Actor { user: name.to_string(), role: Role::Auditor, scopes: vec![] };
        if ok {
            sqlx::query("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE name = $1")
                .bind(name.to_string())
                .execute(&mut *self.tx)
                .await?;
            self.audit(&who, "user.login", name, "")?;
            return Ok(json!({"user": name, "ok": true}));
        }
        let failed: i64 = sqlx::query_scalar("SELECT failed_attempts FROM users WHERE name = $1")
            .bind(name.to_string())
            .fetch_optional(&mut *self.tx)
            .await?
            .unwrap_or(0)
            + 1;
        let locked_until = (failed >= MAX_FAILED_ATTEMPTS).then(|| self.now + LOCK_SECONDS * 1_000_000);
        sqlx::query("UPDATE users SET failed_attempts = $1, locked_until = $2 WHERE name = $3")
            .bind(if locked_until.is_some() { 0 } else { failed })
            .bind(locked_until)
            .bind(name.to_string())
            .execute(&mut *self.tx)
            .await?;
        self.audit(&who, "user.login_failed", name, &format!("attempt {failed}"))?;
        if locked_until.is_some() {
            self.audit(&who, "user.locked_out", name, &format!("{MAX_FAILED_ATTEMPTS} failed sign-ins"))?;
        }
        Ok(json!({"user": name, "ok": false, "failed_attempts": failed, "locked_until": locked_until}))
    }

    async fn set_password(&mut self, name: &str, hash: &str) -> Result<()> {
        sqlx::query(
            "UPDATE users SET password_hash = $1, failed_attempts = 0, locked_until = NULL \
             WHERE name = $2",
        )
        .bind(hash.to_string())
        .bind(name.to_string())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn user_exists(&mut self, name: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE name = $1")
            .bind(name.to_string())
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n > 0)
    }

    async fn require_user(&mut self, name: &str) -> Result<()> {
        if self.user_exists(name).await? {
            Ok(())
        } else {
            Err(Error::new("unknown_user", format!("no user {name:?}")))
        }
    }
}
