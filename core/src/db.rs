//! Storage: one pool over SQLite (the embedded default) or PostgreSQL (a group's shared database).
//!
//! The rest of the core writes one dialect of SQL ($1 placeholders, BIGINT, TEXT) that both
//! backends run; everything that differs between them lives here: connection settings, how a
//! write transaction begins, row locking, and the migration runner.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::error::{Error, Result};

/// Which database engine a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file (WAL, synchronous=FULL), written by one writer task per process.
    Sqlite,
    /// A shared PostgreSQL database.
    Postgres,
}

impl Backend {
    /// "sqlite" or "postgres".
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// `FOR NO KEY UPDATE` on PostgreSQL (it excludes other writers but not the KEY SHARE locks
    /// that foreign-key checks of inserted postings take, so those never deadlock against it);
    /// nothing on SQLite, where BEGIN IMMEDIATE already holds the
    /// file's write lock for the whole transaction.
    pub fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR NO KEY UPDATE",
        }
    }
}

/// SQLite's memory, set once per process before its first connection.
///
/// Every bound text parameter, statement and row value is a `malloc` and `free` on SQLite's
/// worker thread, and by default SQLite counts each under one global mutex
/// (`SQLITE_CONFIG_MEMSTATUS`). In a profile of the medium demo, glibc's malloc and that mutex
/// were a quarter of the SQLite thread's time, the thread every write waits for. SQLite here
/// allocates from mimalloc, as the rest of the process does, and keeps no statistics (nothing
/// reads them: no soft heap limit is set).
mod sqlite_allocator {
    use libsqlite3_sys as ffi;
    use std::os::raw::{c_int, c_void};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Once;

    unsafe extern "C" fn malloc(n: c_int) -> *mut c_void {
        // SQLite never asks for a negative size; a bad one gets no memory rather than a huge block.
        usize::try_from(n).map_or(std::ptr::null_mut(), |n| unsafe { libmimalloc_sys::mi_malloc(n) })
    }
    unsafe extern "C" fn free(p: *mut c_void) {
        unsafe { libmimalloc_sys::mi_free(p) }
    }
    unsafe extern "C" fn realloc(p: *mut c_void, n: c_int) -> *mut c_void {
        usize::try_from(n).map_or(std::ptr::null_mut(), |n| unsafe { libmimalloc_sys::mi_realloc(p, n) })
    }
    unsafe extern "C" fn size(p: *mut c_void) -> c_int {
        // SQLite's contract: at least the size asked for, which mimalloc's usable size is.
        c_int::try_from(unsafe { libmimalloc_sys::mi_usable_size(p) }).unwrap_or(c_int::MAX)
    }
    unsafe extern "C" fn roundup(n: c_int) -> c_int {
        n.saturating_add(7) & !7
    }
    unsafe extern "C" fn init(_: *mut c_void) -> c_int {
        ffi::SQLITE_OK
    }
    unsafe extern "C" fn shutdown(_: *mut c_void) {}

    static ONCE: Once = Once::new();
    static INSTALLED: AtomicBool = AtomicBool::new(false);

    /// Configures SQLite before it starts. `sqlite3_config` only works before SQLite's first
    /// use in the process and must not run beside another SQLite call: every connection of
    /// OneCard is opened after this, and `Once` holds other openers back while it runs. If
    /// something else started SQLite first, SQLite refuses (`SQLITE_MISUSE`) and keeps its own
    /// allocator: slower, never wrong.
    pub(super) fn install() {
        ONCE.call_once(|| {
            // SQLite copies the methods before sqlite3_config returns.
            let methods = ffi::sqlite3_mem_methods {
                xMalloc: Some(malloc),
                xFree: Some(free),
                xRealloc: Some(realloc),
                xSize: Some(size),
                xRoundup: Some(roundup),
                xInit: Some(init),
                xShutdown: Some(shutdown),
                pAppData: std::ptr::null_mut(),
            };
            // SAFETY: called before any connection is opened (see above), with the arguments
            // these two options take (an int; a pointer to the methods).
            let ok = unsafe {
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int) == ffi::SQLITE_OK
                    && ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &raw const methods) == ffi::SQLITE_OK
            };
            INSTALLED.store(ok, Ordering::Release);
            super::walbuf::register();
            super::each::register();
        });
    }

    /// Whether SQLite allocates through mimalloc in this process (for the tests).
    pub fn installed() -> bool {
        install();
        INSTALLED.load(Ordering::Acquire)
    }
}
pub use sqlite_allocator::installed as sqlite_allocator_installed;

mod each;
mod walbuf;
pub(crate) use each::{exec_each, exec_each_of, RowSource, Val};
pub use walbuf::stats as wal_write_stats;

/// Whether SQLite connections run [`exec_each`] (registered with the allocator, before the
/// first connection): otherwise the callers use multi-row statements.
pub(crate) fn each_available() -> bool {
    sqlite_allocator::install();
    each::available()
}

/// A connection pool plus what it is connected to.
#[derive(Clone, Debug)]
pub struct Db {
    /// The pool (sqlx `Any` so one code path serves both backends).
    pub pool: AnyPool,
    /// Where write transactions begin. On SQLite a pool of one connection of its own: SQLite
    /// drops a connection's whole page cache when it finds that another connection wrote since
    /// its last transaction, and the main pool hands its connections out in turn, so every group
    /// commit used to start cold and read back from the file every page it touched. On
    /// PostgreSQL the main pool.
    writer: AnyPool,
    /// SQLite: one connection that cannot write (`query_only`), on which the writer reads what
    /// it decides a group of jobs on while the group before is still being stored (the engine's
    /// `Chain`). A write that strayed there fails instead of committing outside the transaction.
    reader: Option<AnyPool>,
    /// Who began the latest transaction on the write connection: a writer chain's number, or 0
    /// for anything else. A chain keeps its state from one transaction to its next only when
    /// nothing else wrote through this process's write connection in between.
    last_write: Arc<AtomicU64>,
    /// The backend behind the pool.
    pub backend: Backend,
    /// The URL it was opened with (may contain a password: never print it, use `display_url`).
    pub url: String,
}

/// WAL pages after which the committing connection copies the WAL back into the database file
/// (SQLite's default is 1,000 pages, 4 MiB: about one 1,000-purchase group commit). The copy
/// runs inside that commit, and most of the pages a purchase dirties (its card's account and
/// timeline, the payments-by-card index) are dirtied again by the next groups: copying every
/// ~16 commits instead of after every one copies such a page once for all of them. Purchases/s
/// on SQLite: +15% (BENCHMARKS.md). Durability is the same: a commit is acknowledged once its
/// WAL frames are synced, and a crash replays the WAL.
const WAL_AUTOCHECKPOINT_PAGES: u32 = 16_000;
/// The WAL file is cut back to this size when it restarts, so one big import does not leave a
/// huge file behind.
const WAL_SIZE_LIMIT: u64 = 64 << 20;

/// The migrations, in order. Never edit one after release; add a new file.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_ledger.sql")),
    (2, include_str!("../migrations/0002_console.sql")),
    (3, include_str!("../migrations/0003_clearing.sql")),
    (4, include_str!("../migrations/0004_analytics.sql")),
    (5, include_str!("../migrations/0005_buyer_links.sql")),
    (6, include_str!("../migrations/0006_buyer_marks.sql")),
    (7, include_str!("../migrations/0007_writer_contention.sql")),
    (8, include_str!("../migrations/0008_buyer_day_index.sql")),
    (9, include_str!("../migrations/0009_sqlite_idempotency_rows.sql")),
    (10, include_str!("../migrations/0010_payments_by_entry.sql")),
];

/// `$ONECARD_DB`, else the SQLite file the console uses in the OS data directory.
pub fn default_db_url() -> Result<String> {
    if let Ok(url) = std::env::var("ONECARD_DB") {
        if !url.is_empty() {
            return Ok(url);
        }
    }
    let dir = dirs::data_dir()
        .ok_or_else(|| Error::new("no_data_dir", "cannot find the OS data directory; pass --db or set ONECARD_DB"))?;
    let path = dir.join("onecard").join("onecard.db");
    Ok(format!("sqlite://{}", path.display()))
}

/// Turns a bare path into a sqlite URL so `--db ./x.db` works too.
pub fn normalize_url(url: &str) -> String {
    if url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://") {
        url.to_string()
    } else {
        format!("sqlite://{url}")
    }
}

/// The file behind a sqlite URL (None for PostgreSQL or in-memory databases).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

/// The URL with any password removed, for screens and logs.
pub fn display_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) if scheme.starts_with("postgres") => match rest.split_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or("");
                format!("{scheme}://{user}@{host}")
            }
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// The keychain account under which the console keeps the password of a PostgreSQL URL.
pub fn pg_password_account(url: &str) -> String {
    format!("pg:{}", display_url(url))
}

/// A PostgreSQL URL without a password gets the one the console saved in the OS keychain, if
/// any (DESIGN: the password lives in the keychain, never in a file). Anything else is returned
/// as it is, and so is the URL when the keychain cannot be reached (trust auth and PGPASSFILE
/// still work then).
fn with_saved_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    if !scheme.starts_with("postgres") {
        return url.to_string();
    }
    let Some((userinfo, host)) = rest.split_once('@') else { return url.to_string() };
    if userinfo.contains(':') || std::env::var_os("PGPASSWORD").is_some() {
        return url.to_string();
    }
    match crate::crypto::secret_get("onecard", &pg_password_account(url)) {
        Ok(Some(pw)) => format!("{scheme}://{userinfo}:{}@{host}", percent_encode(&pw)),
        _ => url.to_string(),
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for a URL's userinfo.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The writer's page cache, in KiB. Each connection's cache is its own (`.cargo/config.toml`
/// builds SQLite without the process-wide one), and the writer's holds the index pages every
/// commit changes: the large demo's ledger stage took 55-58 s with the 64 MiB the other
/// connections have, 52-53 s with 256 MiB, no less with 1 GiB (BENCHMARKS.md, stop 24). A page
/// is cached only once read: a small database never fills it.
pub const WRITER_CACHE_KIB: u32 = 262_144;

/// Every SQLite connection's settings.
fn sqlite_pragmas() -> String {
    format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
         PRAGMA busy_timeout=600000; PRAGMA foreign_keys=ON; \
         PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; \
         PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}; \
         PRAGMA journal_size_limit={WAL_SIZE_LIMIT};"
    )
}

impl Db {
    /// Opens a pool. SQLite files are created when missing (init decides whether that is fine).
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let url = normalize_url(url);
        let backend = if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
        let mut conn_url = if backend == Backend::Postgres { with_saved_password(&url) } else { url.clone() };
        if backend == Backend::Sqlite {
            sqlite_allocator::install();
            if let Some(path) = sqlite_path(&url) {
                if let Some(dir) = path.parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir).map_err(|e| {
                            Error::new("db_unavailable", format!("cannot create {}: {e}", dir.display()))
                        })?;
                    }
                }
            }
            if !conn_url.contains("mode=") {
                conn_url.push_str(if conn_url.contains('?') { "&mode=rwc" } else { "?mode=rwc" });
            }
        }
        let opts = AnyConnectOptions::from_str(&conn_url)
            .map_err(|e| Error::new("db_unavailable", format!("bad database URL: {e}")))?;
        // Acknowledged means on disk (synchronous=FULL); other processes on the same file wait
        // for the lock (a long busy timeout) rather than fail.
        // `extra`: settings of one pool's connections, run after those every connection has.
        let options = |max: u32, extra: String| {
            let o = AnyPoolOptions::new().max_connections(max).acquire_timeout(Duration::from_secs(600));
            match backend {
                Backend::Sqlite => o.after_connect(move |conn, _| {
                    let sql = format!("{} {extra}", sqlite_pragmas());
                    Box::pin(async move { conn.execute(sqlx::raw_sql(&sql)).await.map(drop) })
                }),
                Backend::Postgres => o,
            }
        };
        let cannot_open =
            |e: sqlx::Error| Error::new("db_unavailable", format!("cannot open database {}: {e}", display_url(&url)));
        let pool_size = if backend == Backend::Sqlite { 4 } else { 24 };
        let pool = options(pool_size, String::new()).connect_with(opts.clone()).await.map_err(cannot_open)?;
        let (writer, reader) = match backend {
            Backend::Sqlite => {
                // A small cache: the writer's every commit empties it anyway, and emptying a
                // large one costs more than refilling a small one.
                let reader = options(1, "PRAGMA query_only=ON; PRAGMA cache_size=-4096;".into())
                    .connect_with(opts.clone())
                    .await
                    .map_err(cannot_open)?;
                let writer = options(1, format!("PRAGMA cache_size=-{WRITER_CACHE_KIB};"))
                    .connect_with(opts)
                    .await
                    .map_err(cannot_open)?;
                (writer, Some(reader))
            }
            Backend::Postgres => (pool.clone(), None),
        };
        Ok(Db { pool, writer, reader, last_write: Arc::default(), backend, url })
    }

    /// Closes the pool and waits for it. A SQLite file is then whole on its own: its WAL (up to
    /// [`WAL_SIZE_LIMIT`] of recent commits while the database is open) is copied back into it
    /// and emptied, so a copy of the file alone is a complete backup.
    pub async fn close(&self) {
        if let Some(r) = &self.reader {
            r.close().await;
        }
        self.writer.close().await;
        self.pool.close().await;
        if self.backend == Backend::Sqlite && sqlite_path(&self.url).is_some() {
            // The pool's last connection copies the WAL back as it closes, but sqlx can finish
            // closing it after `close` has returned: one more connection makes the copy certain.
            // It waits a little for that closing connection, never long for another process
            // that reads the file (the console while a nightly job ends): that process's own
            // checkpoints copy the WAL back then.
            // (A one-connection pool rather than a bare connection: a future that runs a query on
            // `&mut AnyConnection` is not `Send` for every lifetime, which Tauri's commands need.)
            let one = AnyPoolOptions::new().max_connections(1).connect(&self.url).await;
            if let Ok(one) = one {
                let _ = sqlx::query("PRAGMA busy_timeout=2000").execute(&one).await;
                let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").fetch_all(&one).await;
                one.close().await;
            }
        }
    }

    /// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite takes the write lock up front so
    /// two processes never deadlock upgrading a read lock.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let tx = self.begin_write_unmarked().await?;
        self.last_write.store(0, Ordering::SeqCst);
        Ok(tx)
    }

    /// [`Db::begin_write`] for what cannot change any state a writer chain keeps: the id
    /// blocks (a chain keeps no id counter; its allocator's blocks are its own).
    pub(crate) async fn begin_write_unmarked(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Begins a write transaction for the writer chain numbered `chain` (not 0), and says
    /// whether the transaction before it on the write connection was that chain's too.
    pub(crate) async fn begin_chain_write(&self, chain: u64) -> Result<(sqlx::Transaction<'static, sqlx::Any>, bool)> {
        let tx = self.begin_write_unmarked().await?;
        // The connection is this transaction's until it ends, so the swaps happen in the order
        // the transactions do.
        let before = self.last_write.swap(chain, Ordering::SeqCst);
        Ok((tx, before == chain))
    }

    /// The read-only connection (SQLite; None on PostgreSQL).
    pub(crate) async fn reader(&self) -> Result<Option<sqlx::pool::PoolConnection<sqlx::Any>>> {
        match &self.reader {
            Some(r) => Ok(Some(r.acquire().await?)),
            None => Ok(None),
        }
    }

    /// A migration statement for this backend: the SQLite storage hints `INTEGER PRIMARY KEY`
    /// (rowid alias) and `WITHOUT ROWID` become `BIGINT PRIMARY KEY` and nothing on PostgreSQL,
    /// whose INTEGER is 32-bit and which has no rowid.
    fn dialect(&self, stmt: &str) -> String {
        match self.backend {
            Backend::Sqlite => stmt.to_string(),
            Backend::Postgres => {
                stmt.replace("INTEGER PRIMARY KEY", "BIGINT PRIMARY KEY").replace(") WITHOUT ROWID", ")")
            }
        }
    }

    /// Whether the schema exists.
    pub async fn is_initialized(&self) -> Result<bool> {
        let q = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = 'meta'"
            }
        };
        let n: i64 = sqlx::query_scalar(q).fetch_one(&self.pool).await?;
        Ok(n > 0)
    }

    /// Applies every migration not yet applied, each in its own transaction. Idempotent, and
    /// safe when two processes race (the loser sees the version row and stops).
    pub async fn migrate(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
             applied_at BIGINT NOT NULL)",
        )
        .await?;
        if self.backend == Backend::Postgres {
            // Serializes concurrent `init`s on one PostgreSQL database.
            tx.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE").await?;
        }
        for (version, sql) in MIGRATIONS {
            let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations WHERE version = $1")
                .bind(*version)
                .fetch_one(&mut *tx)
                .await?;
            if done > 0 {
                continue;
            }
            for stmt in split_sql(sql) {
                // `POSTGRES <statement>` / `SQLITE <statement>`: for that backend only.
                let only = [("POSTGRES ", Backend::Postgres), ("SQLITE ", Backend::Sqlite)]
                    .into_iter()
                    .find_map(|(prefix, backend)| Some((stmt.strip_prefix(prefix)?.to_string(), backend)));
                let stmt = match only {
                    Some((_, backend)) if backend != self.backend => continue,
                    Some((rest, _)) => rest,
                    None => stmt,
                };
                let stmt = self.dialect(&stmt);
                tx.execute(stmt.as_str())
                    .await
                    .map_err(|e| Error::internal(format!("migration {version} failed at `{stmt}`: {e}")))?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(*version)
                .bind(crate::clock::system_micros())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        // A bulk load that stopped before it rebuilt the indexes it dropped gets them back here,
        // on the next open of the database by any process.
        self.restore_indexes().await
    }

    /// Drops secondary indexes before a bulk load into a new database: one sorted build
    /// afterwards costs less than keeping them through millions of inserts in random key order
    /// (BENCHMARKS.md, issue 5). Their definitions go into `meta` in the same transaction, so
    /// the database always either has them or says how to rebuild them, and
    /// [`Db::restore_indexes`] (which every open runs through [`Db::migrate`]) rebuilds them
    /// even after a crash. Nothing may read through them meanwhile (queries stay correct, only
    /// slower).
    pub async fn defer_indexes(&self, names: &[&str]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let mut ddl = Vec::new();
        for name in names {
            let q = match self.backend {
                Backend::Sqlite => "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1",
                Backend::Postgres => {
                    "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1"
                }
            };
            let sql: Option<String> = sqlx::query_scalar(q).bind(*name).fetch_optional(&mut *tx).await?;
            let sql = sql.ok_or_else(|| Error::internal(format!("no index {name} to defer")))?;
            tx.execute(format!("DROP INDEX {name}").as_str()).await?;
            ddl.push(sql);
        }
        let value = serde_json::to_string(&ddl).map_err(|e| Error::internal(e.to_string()))?;
        sqlx::query("INSERT INTO meta (key, value) VALUES ('deferred_indexes', $1)")
            .bind(value)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Rebuilds the indexes [`Db::defer_indexes`] dropped, if any. Taking the `meta` row in the
    /// write transaction makes a second process that opens the database meanwhile wait, then
    /// find nothing to do.
    pub async fn restore_indexes(&self) -> Result<()> {
        // Every open passes here: a read, not the write lock, unless there is work.
        let deferred: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meta WHERE key = 'deferred_indexes'")
            .fetch_one(&self.pool)
            .await?;
        if deferred == 0 {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        let value: Option<String> =
            sqlx::query_scalar("DELETE FROM meta WHERE key = 'deferred_indexes' RETURNING value")
                .fetch_optional(&mut *tx)
                .await?;
        let Some(value) = value else { return Ok(()) };
        let ddl: Vec<String> = serde_json::from_str(&value)
            .map_err(|e| Error::internal(format!("meta deferred_indexes is not a list of statements: {e}")))?;
        for sql in ddl {
            tx.execute(sql.as_str())
                .await
                .map_err(|e| Error::internal(format!("rebuilding an index: `{sql}`: {e}")))?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Splits a migration into statements (on `;` at the end of a line), dropping comments.
fn split_sql(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let code = match line.find("--") {
            Some(i) => &line[..i],
            None => line,
        };
        if code.trim().is_empty() {
            continue;
        }
        cur.push_str(code);
        cur.push('\n');
        if code.trim_end().ends_with(';') {
            out.push(cur.trim().trim_end_matches(';').to_string());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// The `n`-th (1-based) parameter of a statement built with [`values_clause`] or
/// [`placeholders`]: `$n` on PostgreSQL, a bare `?` on SQLite.
///
/// Why bare `?` on SQLite: SQLite keeps named and numbered parameters (`$1`, `?1`) in a list that
/// it scans linearly on every lookup, and sqlx looks up each parameter's name when it binds, so
/// binding a statement of n `$k` parameters costs O(n^2): a 30,000-parameter multi-row INSERT
/// took over half a second. Bare `?` parameters are not in that list. Never mix the two styles in
/// one statement: sqlx numbers bare `?` separately.
pub fn param(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// Builds `($1,$2,..),($k,..)` (`(?,?),(?,?)` on SQLite) for a multi-row statement of `rows`
/// rows of `cols` columns, numbering placeholders from `start`.
pub fn values_clause(backend: Backend, rows: usize, cols: usize, start: usize) -> String {
    values_with(backend, rows, cols, start, |p| p)
}

/// Like [`values_clause`], every parameter cast to BIGINT (PostgreSQL cannot infer the types of
/// parameters in a VALUES list that is joined, as in `UPDATE ... FROM (VALUES ...)`).
pub fn bigint_values_clause(backend: Backend, rows: usize, cols: usize, start: usize) -> String {
    values_with(backend, rows, cols, start, |p| format!("CAST({p} AS BIGINT)"))
}

fn values_with(backend: Backend, rows: usize, cols: usize, start: usize, wrap: impl Fn(String) -> String) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    let mut n = start;
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            s.push_str(&wrap(param(backend, n)));
            n += 1;
        }
        s.push(')');
    }
    s
}

/// `$start, $start+1, ...` (or `?, ?, ...` on SQLite) for an IN list of `n` values.
pub fn placeholders(backend: Backend, n: usize, start: usize) -> String {
    (start..start + n).map(|i| param(backend, i)).collect::<Vec<_>>().join(",")
}

/// Whether a database error is worth retrying the whole transaction for: a deadlock, a
/// serialization failure or a unique violation raced by another writer (PostgreSQL), or a busy
/// file (SQLite).
pub fn is_retryable(e: &sqlx::Error) -> bool {
    if let sqlx::Error::Database(db) = e {
        let code = db.code().map(|c| c.to_string()).unwrap_or_default();
        return matches!(code.as_str(), "40001" | "40P01" | "23505" | "5" | "6" | "517");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_clause_numbers_placeholders() {
        assert_eq!(values_clause(Backend::Postgres, 2, 2, 1), "($1,$2),($3,$4)");
        assert_eq!(values_clause(Backend::Postgres, 1, 3, 4), "($4,$5,$6)");
        assert_eq!(values_clause(Backend::Sqlite, 2, 2, 1), "(?,?),(?,?)");
        assert_eq!(bigint_values_clause(Backend::Postgres, 1, 2, 1), "(CAST($1 AS BIGINT),CAST($2 AS BIGINT))");
        assert_eq!(placeholders(Backend::Sqlite, 3, 2), "?,?,?");
        assert_eq!(placeholders(Backend::Postgres, 3, 2), "$2,$3,$4");
    }

    #[test]
    fn display_url_hides_password() {
        assert_eq!(display_url("postgres://u:secret@h:5432/db"), "postgres://u@h:5432/db");
        assert_eq!(display_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }

    #[test]
    fn percent_encoding_keeps_unreserved() {
        assert_eq!(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(percent_encode("p@ss:w/rd"), "p%40ss%3Aw%2Frd");
    }

    #[test]
    fn split_sql_drops_comments() {
        let s = split_sql("-- c\nCREATE TABLE a (x TEXT); -- t\nCREATE INDEX i ON a (x);\n");
        assert_eq!(s, vec!["CREATE TABLE a (x TEXT)", "CREATE INDEX i ON a (x)"]);
    }

    /// The connection a writer reads on between its transactions cannot write: a write that
    /// strayed there would commit outside the transaction. It fails, and writes nothing.
    #[tokio::test]
    async fn the_read_connection_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("r.db").display())).await.unwrap();
        sqlx::query("CREATE TABLE t (id BIGINT)").execute(&db.pool).await.unwrap();
        let mut conn = db.reader().await.unwrap().expect("SQLite has a read connection");
        let e = sqlx::query("INSERT INTO t (id) VALUES (1)").execute(&mut *conn).await.unwrap_err();
        assert!(e.to_string().contains("readonly"), "{e}");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(n, 0);
        drop(conn);
        db.close().await;
    }
}
