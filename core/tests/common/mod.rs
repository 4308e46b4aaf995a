//! The test harness of the core's integration tests, in the spirit of zero2prod's `spawn_app`:
//! every test gets a fresh sandbox database of its own (a SQLite file in a temp dir, or a fresh
//! PostgreSQL database), a data key file beside it and a fixed clock, all passed explicitly
//! through `OpenOptions` so that tests running in parallel never share process-global state.
//!
//! `both_backends!(name, ...)` turns each `async fn name(db: &TestDb)` into `name_sqlite` and
//! `name_postgres`. PostgreSQL comes from `ONECARD_TEST_PG` (default
//! `postgres://127.0.0.1:5432/test`); when it is unreachable the PostgreSQL half prints
//! `SKIPPED`, unless `CI` is set, where it fails: a CI run must not pass by skipping half of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use onecard::auth::{Actor, Scope};
use onecard::card_number::CardNumber;
use onecard::error::{Error, Result};
use onecard::money::Money;
use onecard::types::{CardType, Category, Channel, CityTier, Funding, Medium, PayerType, Role};
use onecard::{
    Core, Holder, IssueRequest, MallAddRequest, MerchantAddRequest, OpenOptions, PayRequest, TopUpRequest,
    UserAddRequest,
};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

/// The fixed "now" of every test database (a Sunday in Shanghai).
pub const NOW: &str = "2026-03-01T10:00:00+08:00";

/// Generates `<name>_sqlite` and `<name>_postgres` tests from `async fn <name>(db: &TestDb)`.
/// The database is dropped when the test passes and kept (and named) when it fails.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            pastey::paste! {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn [<$name _sqlite>]() {
                    let db = common::TestDb::new(common::Backend::Sqlite, stringify!($name))
                        .await
                        .expect("SQLite is always available");
                    $name(&db).await;
                    db.cleanup().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn [<$name _postgres>]() {
                    let Some(db) =
                        common::TestDb::new(common::Backend::Postgres, stringify!($name)).await
                    else {
                        return;
                    };
                    $name(&db).await;
                    db.cleanup().await;
                }
            }
        )*
    };
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a fresh temp dir.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// One test's sandbox database and the core opened on it at [`NOW`].
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub dir: tempfile::TempDir,
    pub key_file: PathBuf,
    pub core: Core,
    pub admin: Actor,
    pg: Option<(String, String)>,
    raw: AnyPool,
    extra: std::sync::Mutex<Vec<String>>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The PostgreSQL server URL the tests use.
pub fn pg_admin_url() -> String {
    std::env::var("ONECARD_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "postgres://127.0.0.1:5432/test".to_string())
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let cut = base[scheme_end..].rfind('/').map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..cut])
}

/// A unique database name for a test (PostgreSQL names are at most 63 bytes).
fn unique_name(test: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let suffix = format!("_{}_{n}_{nanos:x}", std::process::id());
    let mut t: String =
        test.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    // Leave room for an `_<tag>` of an extra database (see `empty_db`).
    t.truncate(63 - 12 - "onecard_t_".len() - suffix.len());
    format!("onecard_t_{t}{suffix}")
}

/// A pool for raw SQL (digests, tampering), separate from the core's.
pub async fn raw_pool(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    let sqlite = url.starts_with("sqlite:");
    AnyPoolOptions::new()
        .max_connections(2)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if sqlite {
                    conn.execute("PRAGMA busy_timeout=600000;").await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("raw connection to {url}: {e}"))
}

/// Creates a fresh PostgreSQL database; `None` (SKIPPED) or a panic (CI) when the server is
/// unreachable.
async fn create_pg_database(test: &str) -> Option<(String, String, String)> {
    sqlx::any::install_default_drivers();
    let admin_url = pg_admin_url();
    let admin =
        tokio::time::timeout(Duration::from_secs(10), AnyPoolOptions::new().max_connections(1).connect(&admin_url))
            .await
            .map_err(|_| "timed out".to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
    let admin = match admin {
        Ok(p) => p,
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "PostgreSQL is unreachable at {admin_url} ({e}) and CI is set: the \
                     PostgreSQL half of the suite must run in CI (set ONECARD_TEST_PG)"
                );
            }
            eprintln!("SKIPPED {test} on PostgreSQL: {admin_url} is unreachable ({e})");
            return None;
        }
    };
    let name = unique_name(test);
    // CREATE DATABASE copies template1 and fails when another session touches it at that
    // moment: retry a few times.
    let mut attempt = 0;
    loop {
        match admin.execute(format!("CREATE DATABASE {name}").as_str()).await {
            Ok(_) => break,
            Err(e) if attempt < 20 => {
                attempt += 1;
                eprintln!("CREATE DATABASE {name} failed ({e}); retrying");
                tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
            }
            Err(e) => panic!("CREATE DATABASE {name}: {e}"),
        }
    }
    admin.close().await;
    Some((with_database(&admin_url, &name), admin_url, name))
}

impl TestDb {
    /// A fresh sandbox database initialised at [`NOW`] with its own key file.
    pub async fn new(backend: Backend, test: &str) -> Option<TestDb> {
        let dir = tempfile::Builder::new().prefix("onecard-test-").tempdir().expect("temp dir");
        let key_file = dir.path().join("data.key");
        let (url, pg) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", dir.path().join("onecard.db").display()), None),
            Backend::Postgres => {
                let (url, admin, name) = create_pg_database(test).await?;
                (url, Some((admin, name)))
            }
        };
        let opts = OpenOptions { key_file: Some(key_file.clone()), now: Some(NOW.to_string()) };
        let core = Core::init_with(&url, true, &opts).await.unwrap_or_else(|e| panic!("init {url}: {e}"));
        let raw = raw_pool(&url).await;
        Some(TestDb { backend, url, dir, key_file, core, admin: Actor::admin(), pg, raw, extra: Default::default() })
    }

    /// The options every core on this database uses, with the clock at `now`.
    pub fn opts(&self, now: &str) -> OpenOptions {
        OpenOptions { key_file: Some(self.key_file.clone()), now: Some(now.to_string()) }
    }

    /// A second core on the same database whose clock reads `now` (time travel).
    pub async fn core_at(&self, now: &str) -> Core {
        Core::open_with(&self.url, &self.opts(now)).await.unwrap_or_else(|e| panic!("open: {e}"))
    }

    /// The raw SQL pool (bypasses the core entirely).
    pub fn raw(&self) -> &AnyPool {
        &self.raw
    }

    /// Runs raw SQL (tampering, set-up the API does not offer).
    pub async fn exec(&self, sql: &str) {
        self.raw.execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// One integer from raw SQL.
    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql).fetch_one(&self.raw).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Every table of the database (see [`digest`]).
    pub async fn digest(&self) -> Digest {
        digest_pool(&self.raw, self.backend == Backend::Sqlite).await
    }

    /// Proves a refusal: runs `fut`, expects error `code`, and checks that the database is
    /// exactly as it was before (nothing written, not even half a request).
    pub async fn refused<T: fmt::Debug>(&self, code: &str, fut: impl Future<Output = Result<T>>) -> Error {
        let before = self.digest().await;
        let r = fut.await;
        let e = match r {
            Ok(v) => panic!("expected {code}, got success: {v:?}"),
            Err(e) => e,
        };
        assert_eq!(e.code, code, "wrong error: {e}");
        assert!(!e.message.is_empty(), "{code} needs a message a person can act on");
        let after = self.digest().await;
        before.assert_same(&after, code);
        e
    }

    /// A second, empty database on the same backend (dropped with this one): a new file in the
    /// temp dir, or a new PostgreSQL database.
    pub async fn empty_db(&self, tag: &str) -> String {
        match &self.pg {
            None => format!("sqlite://{}", self.dir.path().join(format!("{tag}.db")).display()),
            Some((admin_url, name)) => {
                let extra = format!("{name}_{tag}");
                let admin = AnyPoolOptions::new().max_connections(1).connect(admin_url).await.unwrap();
                admin.execute(format!("CREATE DATABASE {extra}").as_str()).await.unwrap();
                admin.close().await;
                self.extra.lock().unwrap().push(extra.clone());
                with_database(admin_url, &extra)
            }
        }
    }

    /// Drops the database (called when the test passed).
    pub async fn cleanup(self) {
        let TestDb { core, raw, pg, dir, extra, .. } = self;
        drop(core);
        raw.close().await;
        if let Some((admin_url, name)) = pg {
            if let Ok(admin) = AnyPoolOptions::new().max_connections(1).connect(&admin_url).await {
                for db in extra.into_inner().unwrap().into_iter().chain([name]) {
                    let _ = admin.execute(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)").as_str()).await;
                }
                admin.close().await;
            }
        }
        drop(dir);
    }

    // ---- set-up helpers (all through the core, as admin) ----

    /// Adds mall `code` in region `region` (tier 2).
    pub async fn mall(&self, code: &str, region: &str) {
        self.core
            .mall_add(
                &self.admin,
                MallAddRequest {
                    code: code.into(),
                    name: format!("{code} Outlets"),
                    region: region.into(),
                    city_tier: CityTier::parse("2").unwrap(),
                    mode: None,
                    card_since: None,
                },
            )
            .await
            .unwrap();
    }

    /// Adds a merchant in `mall` and returns its id.
    pub async fn merchant(&self, mall: &str, name: &str) -> i64 {
        let v = self
            .core
            .merchant_add(
                &self.admin,
                MerchantAddRequest { mall: mall.into(), name: name.into(), category: Category::Apparel },
            )
            .await
            .unwrap();
        v["merchant"].as_i64().expect("merchant id")
    }

    /// Mall "M1" in region "east" with one merchant: the usual shop.
    pub async fn shop(&self) -> i64 {
        self.mall("M1", "east").await;
        self.merchant("M1", "Brand A").await
    }

    /// Issues an anonymous physical card; returns its number.
    pub async fn anon_card(&self) -> CardNumber {
        let c = self
            .core
            .issue_card(&self.admin, IssueRequest { card_type: CardType::Physical, holder: None, mall: None })
            .await
            .unwrap();
        cn(&c.card)
    }

    /// Issues a registered card to holder number `who` (see [`holder`]).
    pub async fn reg_card(&self, who: u32) -> CardNumber {
        let c = self
            .core
            .issue_card(
                &self.admin,
                IssueRequest { card_type: CardType::Cobrand, holder: Some(holder(who)), mall: None },
            )
            .await
            .unwrap();
        cn(&c.card)
    }

    /// Tops up through WeChat (debit, person); returns the balance after.
    pub async fn load(&self, card: &CardNumber, amount: &str) -> Money {
        let r = topup(card, amount, &format!("load-{}", next_ref()));
        self.core.top_up(&self.admin, r).await.unwrap().balance_after
    }

    /// The card's balance as `card show` reports it.
    pub async fn balance(&self, card: &CardNumber) -> Money {
        self.core.card_show(&self.admin, card).await.unwrap().balance
    }

    /// The card's status as `card show` reports it.
    pub async fn status(&self, card: &CardNumber) -> String {
        self.core.card_show(&self.admin, card).await.unwrap().status.to_string()
    }

    /// Adds user `name` with `role` (no scopes) and returns it as an actor.
    pub async fn user(&self, name: &str, role: Role) -> Actor {
        self.user_scoped(name, role, vec![]).await
    }

    /// Adds user `name` with `role` and `scopes`.
    pub async fn user_scoped(&self, name: &str, role: Role, scopes: Vec<Scope>) -> Actor {
        let scopes = scopes.iter().map(Scope::to_text).collect();
        let r = UserAddRequest { name: name.into(), role, scopes, password: None };
        self.core.user_add(&self.admin, r).await.unwrap();
        self.core.actor(name).await.unwrap()
    }

    /// `verify` must find nothing wrong.
    pub async fn assert_verified(&self) {
        let r = self.core.verify(&self.admin).await.unwrap();
        assert!(r.ok, "verify found problems: {:?}", r.problems);
    }

    // ---- the CLI ----

    /// Runs the real `onecard` binary with `--db <this db> --json`, the key file and clock in
    /// the child's environment only. Returns (exit code, stdout, stderr).
    pub fn cli(&self, args: &[&str]) -> (i32, String, String) {
        self.cli_at(NOW, args)
    }

    /// Like [`TestDb::cli`] with the clock at `now`.
    pub fn cli_at(&self, now: &str, args: &[&str]) -> (i32, String, String) {
        let mut full = vec!["--db", &self.url, "--json"];
        full.extend_from_slice(args);
        run_cli(&full, &[("ONECARD_KEY_FILE", self.key_file.to_str().unwrap()), ("ONECARD_NOW", now)])
    }
}

/// Runs the real binary with exactly `args` and `env` added to a clean OneCard environment.
pub fn run_cli(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onecard"));
    cmd.args(args);
    for k in ["ONECARD_DB", "ONECARD_USER", "ONECARD_NOW", "ONECARD_KEY_FILE", "ONECARD_WRITERS"] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run onecard");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

/// Every table's rows, all columns as text, ordered: two equal digests mean nothing was written.
///
/// `id_alloc` is left out on purpose: a writer reserves blocks of ids in its own short
/// transaction *before* it decides any request (DESIGN: hi/lo ids), so the reservation moves for
/// refused and accepted requests alike; it is the writer's bookkeeping, not an effect of a request.
#[derive(Clone, PartialEq, Eq)]
pub struct Digest(pub BTreeMap<String, Vec<String>>);

impl Digest {
    /// Panics with the first differing table when the digests differ.
    pub fn assert_same(&self, after: &Digest, what: &str) {
        if self == after {
            return;
        }
        for (t, rows) in &self.0 {
            let other = after.0.get(t).cloned().unwrap_or_default();
            if *rows != other {
                let gone: Vec<_> = rows.iter().filter(|r| !other.contains(r)).collect();
                let new: Vec<_> = other.iter().filter(|r| !rows.contains(r)).collect();
                panic!("{what}: table {t} changed; removed {gone:?}; added {new:?}");
            }
        }
        panic!("{what}: tables changed: {:?} vs {:?}", self.0.keys(), after.0.keys());
    }

    /// Rows of one table.
    pub fn rows(&self, table: &str) -> &[String] {
        self.0.get(table).map_or(&[], |v| v.as_slice())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (t, rows) in &self.0 {
            writeln!(f, "{t}: {} rows", rows.len())?;
        }
        Ok(())
    }
}

/// Dumps every table of the database at `url`.
pub async fn digest(url: &str) -> Digest {
    let pool = raw_pool(url).await;
    let d = digest_pool(&pool, url.starts_with("sqlite:")).await;
    pool.close().await;
    d
}

async fn digest_pool(pool: &AnyPool, sqlite: bool) -> Digest {
    let tables: Vec<String> = if sqlite {
        sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    } else {
        sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    };
    assert!(tables.len() >= 15, "the schema has at least 15 tables, found {tables:?}");
    let mut out = BTreeMap::new();
    for t in tables.into_iter().filter(|t| t != "id_alloc") {
        let cols: Vec<String> = if sqlite {
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{t}') ORDER BY cid"))
                .fetch_all(pool)
                .await
                .unwrap()
        } else {
            sqlx::query_scalar(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(t.clone())
            .fetch_all(pool)
            .await
            .unwrap()
        };
        let row = cols
            .iter()
            .map(|c| format!("COALESCE(CAST(\"{c}\" AS TEXT), '<null>')"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {row} FROM {t} ORDER BY 1"))
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| panic!("digest of {t}: {e}"));
        out.insert(t, rows);
    }
    Digest(out)
}

// ---- values ----

static REFS: AtomicU32 = AtomicU32::new(0);

/// A process-unique number for references.
pub fn next_ref() -> u32 {
    REFS.fetch_add(1, Ordering::Relaxed)
}

/// A parsed amount.
pub fn m(s: &str) -> Money {
    Money::parse_allow_zero(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A parsed card number.
pub fn cn(s: &str) -> CardNumber {
    CardNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A valid 19-digit number (correct Luhn digit) that no test database issues (other IIN).
pub fn unknown_card() -> CardNumber {
    CardNumber::from_serial("123456", 777)
}

/// A valid GB 11643 ID number, different for each `seq` below 1000.
pub fn id_number(seq: u32) -> String {
    let body = format!("11010119900307{:03}", seq % 1000);
    let w = [7u32, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(w).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = char::from(b"10X98765432"[(sum % 11) as usize]);
    format!("{body}{check}")
}

/// A mobile number for holder `seq`.
pub fn phone(seq: u32) -> String {
    format!("1380013{:04}", seq % 10_000)
}

/// A holder's full name for `seq`.
pub fn name(seq: u32) -> String {
    format!("张三丰{seq}")
}

/// Holder `seq`: name, ID number and phone, all valid.
pub fn holder(seq: u32) -> Holder {
    Holder { name: name(seq), id_number: id_number(seq), phone: phone(seq) }
}

/// A WeChat, debit, person top-up request.
pub fn topup(card: &CardNumber, amount: &str, reference: &str) -> TopUpRequest {
    TopUpRequest {
        card: card.clone(),
        amount: m(amount),
        channel: Channel::Wechat,
        payer_type: PayerType::Person,
        payer_name: None,
        funding: Funding::Debit,
        reference: reference.into(),
    }
}

/// An NFC purchase request.
pub fn pay(card: &CardNumber, amount: &str, merchant: i64, reference: &str) -> PayRequest {
    PayRequest {
        card: card.clone(),
        amount: m(amount),
        merchant,
        medium: Medium::Nfc,
        qr_payload: None,
        checkout_seconds: None,
        reference: reference.into(),
    }
}
