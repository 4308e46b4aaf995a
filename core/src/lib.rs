//! OneCard core: every rule, query and number of the multi-merchant stored-value card. The
//! desktop console and the `onecard` CLI are two faces of this one API; neither computes a
//! balance, a fee or a metric itself.
#![deny(missing_docs)]

pub mod analytics;
pub mod auth;
pub mod bench;
pub mod card_number;
pub mod catalog;
pub mod clearing;
pub mod cli;
pub mod cli_clearing;
pub mod clock;
pub mod crypto;
pub mod db;
mod engine;
pub mod error;
pub mod export;
pub mod members;
pub mod money;
pub mod overview;
pub mod read;
pub mod rules;
pub mod types;
pub mod users;
pub mod verify;

use std::sync::Arc;

pub use db::default_db_url;
pub use engine::{
    BatchIssueRequest, BatchIssued, CardAction, CardActionRequest, CardChange, CardInfo, Holder, IssueRequest,
    JobControl, JobProgress, MallAddRequest, MerchantAddRequest, Movement, PayRequest, RefundRequest, ReverseRequest,
    TopUpRequest, TransferRequest,
};
pub use read::{Activity, CardPage, CardQuery, CardSort, PaymentInfo, QrCode};

use auth::{Actor, Scope};
use clock::Clock;
use crypto::{KeySource, Pii};
use db::{Backend, Db};
use engine::{Ctx, Engine, Op, Outcome};
use error::{Error, Result};
use types::Role;
pub use users::{AuthInfo, Session, UserAddRequest, UserInfo};

/// How to open a database: where its data key is and which clock to use. The CLI and the console
/// take both from the environment (`ONECARD_KEY_FILE`, `ONECARD_NOW`); tests pass them explicitly
/// so that parallel tests never share process-global state.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// The data key file (else: beside a sandbox SQLite file, else the OS keychain).
    pub key_file: Option<std::path::PathBuf>,
    /// A fixed clock (RFC 3339); only sandbox databases accept it.
    pub now: Option<String>,
}

impl OpenOptions {
    /// `ONECARD_KEY_FILE` and `ONECARD_NOW`, where set and not empty.
    pub fn from_env() -> OpenOptions {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        OpenOptions { key_file: var("ONECARD_KEY_FILE").map(Into::into), now: var("ONECARD_NOW") }
    }
}

/// An open OneCard database with its writer(s).
pub struct Core {
    ctx: Arc<Ctx>,
    engine: Engine,
    sandbox: bool,
    key_error: Option<Error>,
}

/// Id allocators and where their ids start. System accounts take the ids below 1000: the writer
/// loads them by that key range in every transaction, so new system accounts must be added
/// below 1000 too.
const ALLOCATORS: &[(&str, i64)] = &[("entry", 1), ("payment", 1), ("card", 1), ("account", 1000), ("misc", 1)];

/// The system accounts every database has: (kind, owner, normal side).
const SYSTEM_ACCOUNTS: &[(&str, &str, i64)] = &[
    ("reserve_custody", "issuer", 1),
    ("channel_clearing", "cash", 1),
    ("channel_clearing", "unionpay", 1),
    ("channel_clearing", "wechat", 1),
    ("channel_clearing", "alipay", 1),
    ("channel_clearing", "ecny", 1),
    ("channel_clearing", "bank_transfer", 1),
    ("fee_income", "operator", -1),
    ("fee_income", "issuer", -1),
    ("marketing_expense", "operator", 1),
    ("points", "operator", -1),
];

/// Chain shards: one on SQLite (its writer is single anyway), 16 on PostgreSQL.
fn shard_count(backend: Backend) -> i64 {
    match backend {
        Backend::Sqlite => 1,
        Backend::Postgres => 16,
    }
}

impl Core {
    /// Creates (or upgrades) the schema and the system rows; idempotent. `sandbox` marks a
    /// database for demos and tests: it accepts `ONECARD_NOW` and keeps its data key in a file
    /// beside it.
    pub async fn init(url: &str, sandbox: bool) -> Result<Core> {
        Self::init_with(url, sandbox, &OpenOptions::from_env()).await
    }

    /// [`Core::init`] with explicit options.
    pub async fn init_with(url: &str, sandbox: bool, opts: &OpenOptions) -> Result<Core> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        let mut tx = db.begin_write().await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'sandbox'").fetch_optional(&mut *tx).await?;
        match existing {
            Some(v) if (v == "true") != sandbox && sandbox => {
                return Err(Error::new(
                    "sandbox_mismatch",
                    "this database was initialized for production; it cannot become a sandbox",
                ));
            }
            Some(_) => {}
            None => {
                let now = clock::system_micros();
                let uid = crypto::new_qr_nonce();
                for (k, v) in [("sandbox", sandbox.to_string()), ("created_at", now.to_string()), ("db_uid", uid)] {
                    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
                        .bind(k)
                        .bind(v)
                        .execute(&mut *tx)
                        .await?;
                }
                for (name, start) in ALLOCATORS {
                    sqlx::query("INSERT INTO id_alloc (name, next_id) VALUES ($1, $2)")
                        .bind(*name)
                        .bind(*start)
                        .execute(&mut *tx)
                        .await?;
                }
                for i in 0..shard_count(db.backend) {
                    sqlx::query(
                        "INSERT INTO chains (id, journal_seq, journal_head, audit_seq, audit_head) \
                         VALUES ($1, 0, $2, 0, $2)",
                    )
                    .bind(i)
                    .bind(crypto::GENESIS_HASH)
                    .execute(&mut *tx)
                    .await?;
                }
                for (i, (kind, owner, normal)) in SYSTEM_ACCOUNTS.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO accounts (id, kind, owner, normal, balance, version) \
                         VALUES ($1, $2, $3, $4, 0, 0)",
                    )
                    .bind(i as i64 + 1)
                    .bind(*kind)
                    .bind(*owner)
                    .bind(*normal)
                    .execute(&mut *tx)
                    .await?;
                }
                // Production: no password until the console's first start asks for one (or
                // `user password admin --password-stdin`). A sandbox ships a demo password that
                // its login screen shows.
                let demo_hash = if sandbox { Some(users::hash_password(users::DEMO_PASSWORD)?) } else { None };
                sqlx::query(
                    "INSERT INTO users (name, role, scopes, password_hash, active, created_at) \
                     VALUES ('admin', 'admin', '', $1, 1, $2)",
                )
                .bind(demo_hash.clone())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if demo_hash.is_some() {
                    sqlx::query("INSERT INTO meta (key, value) VALUES ('demo_password', $1)")
                        .bind(users::DEMO_PASSWORD)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        let sandbox = Self::is_sandbox(&db).await?;
        let src = key_source(&db, sandbox, opts).await?;
        let (key, _) = crypto::load_or_create_key(&src)?;
        let fp: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'key_fingerprint'").fetch_optional(&db.pool).await?;
        match fp {
            Some(f) if f != key.fingerprint() => {
                return Err(Error::new(
                    "key_mismatch",
                    format!("the data key from {src} is not the key this database was written with"),
                ))
            }
            Some(_) => {}
            None => {
                sqlx::query("INSERT INTO meta (key, value) VALUES ('key_fingerprint', $1)")
                    .bind(key.fingerprint())
                    .execute(&db.pool)
                    .await?;
            }
        }
        Self::start(db, sandbox, opts).await
    }

    /// Opens an initialized database (`not_initialized` otherwise).
    pub async fn open(url: &str) -> Result<Core> {
        Self::open_with(url, &OpenOptions::from_env()).await
    }

    /// [`Core::open`] with explicit options.
    pub async fn open_with(url: &str, opts: &OpenOptions) -> Result<Core> {
        let db = Db::connect(url).await?;
        if !db.is_initialized().await? {
            return Err(Error::new(
                "not_initialized",
                format!("{} has no OneCard schema: run `onecard init`", db::display_url(&db.url)),
            ));
        }
        db.migrate().await?;
        let sandbox = Self::is_sandbox(&db).await?;
        Self::start(db, sandbox, opts).await
    }

    async fn is_sandbox(db: &Db) -> Result<bool> {
        let v: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'sandbox'").fetch_optional(&db.pool).await?;
        Ok(v.as_deref() == Some("true"))
    }

    async fn start(db: Db, sandbox: bool, opts: &OpenOptions) -> Result<Core> {
        let clock = Clock::new(opts.now.as_deref(), sandbox)?;
        // Personal data needs the key; everything else works without it, and whatever needs it
        // fails with the reason the key could not be loaded (never a silent fallback).
        let (pii, key_error) = match load_checked_key(&db, sandbox, opts).await {
            Ok(k) => (Some(Arc::new(Pii::new(&k))), None),
            Err(e) => (None, Some(e)),
        };
        let writers = match db.backend {
            Backend::Sqlite => 1,
            Backend::Postgres => std::env::var("ONECARD_WRITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(4),
        };
        let ctx = Arc::new(Ctx { db, clock, pii, key_error: key_error.clone(), stats: Default::default() });
        let engine = Engine::start(ctx.clone(), writers);
        Ok(Core { ctx, engine, sandbox, key_error })
    }

    /// Opens a second handle on the same database with `writers` writer tasks (benchmarks).
    pub async fn reopen_with_writers(&self, writers: usize) -> Result<Core> {
        let ctx = Arc::new(Ctx {
            db: self.ctx.db.clone(),
            clock: self.ctx.clock,
            pii: self.ctx.pii.clone(),
            key_error: self.ctx.key_error.clone(),
            stats: Default::default(),
        });
        let engine = Engine::start(ctx.clone(), writers);
        Ok(Core { ctx, engine, sandbox: self.sandbox, key_error: self.key_error.clone() })
    }

    /// "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        self.ctx.db.backend.as_str()
    }

    /// The database URL without any password.
    pub fn display_url(&self) -> String {
        db::display_url(&self.ctx.db.url)
    }

    /// Whether this is a sandbox database.
    pub fn is_sandbox_db(&self) -> bool {
        self.sandbox
    }

    /// The core's clock.
    pub fn clock(&self) -> Clock {
        self.ctx.clock
    }

    /// (transactions committed, jobs answered) by this handle's writers so far.
    pub fn write_stats(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.ctx.stats.commits.load(Relaxed), self.ctx.stats.jobs.load(Relaxed))
    }

    /// Of the transactions committed so far, how many had their jobs decided while the
    /// transaction before was still committing (SQLite's writer chain).
    pub fn decided_ahead(&self) -> u64 {
        self.ctx.stats.ahead.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn db(&self) -> &Db {
        &self.ctx.db
    }

    /// Closes the database (`Db::close`): a SQLite file is then whole on its own.
    pub async fn close(&self) {
        self.ctx.db.close().await;
    }

    pub(crate) fn pii(&self) -> Result<&Pii> {
        match &self.ctx.pii {
            Some(p) => Ok(p),
            None => Err(self
                .key_error
                .clone()
                .unwrap_or_else(|| Error::new("key_unavailable", "the personal-data key is not loaded"))),
        }
    }

    /// The user `name` as an actor (`unknown_user`, or `forbidden` when deactivated).
    pub async fn actor(&self, name: &str) -> Result<Actor> {
        let row: Option<(String, String, i64, i64)> =
            sqlx::query_as("SELECT role, scopes, active, locked FROM users WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.ctx.db.pool)
                .await?;
        let (role, scopes, active, locked) =
            row.ok_or_else(|| Error::new("unknown_user", format!("no user {name:?}")))?;
        if active == 0 || locked != 0 {
            return Err(Error::new("forbidden", format!("user {name} is locked")));
        }
        let scopes = scopes.split(',').filter(|s| !s.is_empty()).map(Scope::parse).collect::<Result<Vec<_>>>()?;
        Ok(Actor { user: name.to_string(), role: Role::parse(&role)?, scopes })
    }

    async fn submit(&self, actor: &Actor, op: Op) -> Result<Outcome> {
        self.engine.submit(actor, op).await
    }

    /// Queues an op without waiting for its answer (`engine::answer` waits).
    pub(crate) async fn enqueue(&self, actor: &Actor, op: Op) -> Result<engine::Answer> {
        self.engine.enqueue(actor, op).await
    }

    /// Tops up a card.
    pub async fn top_up(&self, actor: &Actor, r: TopUpRequest) -> Result<Movement> {
        movement(self.submit(actor, Op::TopUp(r)).await?)
    }

    /// Pays at a merchant.
    pub async fn pay(&self, actor: &Actor, r: PayRequest) -> Result<Movement> {
        movement(self.submit(actor, Op::Pay(r)).await?)
    }

    /// Refunds (part of) a payment to its card.
    pub async fn refund(&self, actor: &Actor, r: RefundRequest) -> Result<Movement> {
        movement(self.submit(actor, Op::Refund(r)).await?)
    }

    /// Moves balance between cards.
    pub async fn transfer(&self, actor: &Actor, r: TransferRequest) -> Result<Movement> {
        movement(self.submit(actor, Op::Transfer(r)).await?)
    }

    /// Reverses a journal entry.
    pub async fn reverse(&self, actor: &Actor, r: ReverseRequest) -> Result<Movement> {
        movement(self.submit(actor, Op::Reverse(r)).await?)
    }

    /// Issues one card.
    pub async fn issue_card(&self, actor: &Actor, r: IssueRequest) -> Result<CardInfo> {
        match self.submit(actor, Op::Issue(r)).await? {
            Outcome::Card(c) => Ok(c),
            o => Err(unexpected(o)),
        }
    }

    /// Sells a batch of anonymous cards in one transaction.
    pub async fn batch_issue(&self, actor: &Actor, r: BatchIssueRequest) -> Result<BatchIssued> {
        self.batch_issue_with(actor, r, None).await
    }

    /// [`Core::batch_issue`] reporting progress to `control`, which can also cancel it: a
    /// cancelled batch writes nothing (it runs in a transaction of its own).
    pub async fn batch_issue_with(
        &self,
        actor: &Actor,
        r: BatchIssueRequest,
        control: Option<JobControl>,
    ) -> Result<BatchIssued> {
        if let Some(c) = &control {
            c.report(0, u64::from(r.count), "queued");
        }
        match self.submit(actor, Op::BatchIssue(r, control)).await? {
            Outcome::Batch(b) => Ok(b),
            o => Err(unexpected(o)),
        }
    }

    /// Freezes, unfreezes, reports lost, replaces, closes or extends a card.
    pub async fn card_action(&self, actor: &Actor, r: CardActionRequest) -> Result<CardChange> {
        match self.submit(actor, Op::Card(r)).await? {
            Outcome::Change(c) => Ok(c),
            o => Err(unexpected(o)),
        }
    }

    /// Adds a mall (and its region when new).
    pub async fn mall_add(&self, actor: &Actor, r: MallAddRequest) -> Result<serde_json::Value> {
        json(self.submit(actor, Op::MallAdd(r)).await?)
    }

    /// Adds an active merchant in one step.
    pub async fn merchant_add(&self, actor: &Actor, r: MerchantAddRequest) -> Result<serde_json::Value> {
        json(self.submit(actor, Op::MerchantAdd(r)).await?)
    }

    /// Changes a rule.
    pub async fn rule_set(&self, actor: &Actor, name: &str, value: &str) -> Result<serde_json::Value> {
        json(self.submit(actor, Op::RuleSet { name: name.to_string(), value: value.to_string() }).await?)
    }
}

fn movement(o: Outcome) -> Result<Movement> {
    match o {
        Outcome::Movement(m) => Ok(m),
        o => Err(unexpected(o)),
    }
}

fn json(o: Outcome) -> Result<serde_json::Value> {
    match o {
        Outcome::Json(v) => Ok(v),
        o => Err(unexpected(o)),
    }
}

fn unexpected(o: Outcome) -> Error {
    Error::internal(format!("unexpected outcome {o:?}"))
}

/// Where this database's data key lives: `ONECARD_KEY_FILE`, else (sandbox SQLite) a file beside
/// the database, else the OS keychain entry named after the database's id.
async fn key_source(db: &Db, sandbox: bool, opts: &OpenOptions) -> Result<KeySource> {
    if let Some(f) = &opts.key_file {
        return Ok(KeySource::File(f.clone()));
    }
    if sandbox {
        if let Some(path) = db::sqlite_path(&db.url) {
            let mut p = path.into_os_string();
            p.push(".key");
            return Ok(KeySource::File(p.into()));
        }
    }
    let uid: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'db_uid'").fetch_one(&db.pool).await?;
    Ok(KeySource::Keychain { service: "onecard".into(), account: format!("data-key:{uid}") })
}

async fn load_checked_key(db: &Db, sandbox: bool, opts: &OpenOptions) -> Result<crypto::DataKey> {
    let src = key_source(db, sandbox, opts).await?;
    let key = crypto::load_key(&src)?;
    let fp: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'key_fingerprint'").fetch_optional(&db.pool).await?;
    if let Some(f) = fp {
        if f != key.fingerprint() {
            return Err(Error::new(
                "key_mismatch",
                format!("the data key from {src} is not the key this database was written with"),
            ));
        }
    }
    Ok(key)
}
