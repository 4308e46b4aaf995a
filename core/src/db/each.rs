//! One statement run for many rows inside SQLite, without sqlx binding each value (SQLite only).
//!
//! A multi-row `INSERT ... VALUES (?,?),(?,?),...` through sqlx costs, per chunk, more than
//! SQLite's own work of storing the rows: sqlx's arguments built and converted value by value
//! on the async side, a statement text that differs with each row count parsed and compiled
//! again, every value bound through sqlx's worker. [`exec_each`] hands the rows to a function
//! that every connection of the process has (`onecard_each(token)`, registered through
//! `sqlite3_auto_extension` before the first connection opens): called through sqlx like any
//! query, it runs on the connection's own thread, in the transaction the call is part of,
//! prepares the one-row statement once and steps it for every row, binding each value straight
//! from the rows.
//!
//! The rows travel in a process-wide table under a fresh token, not as a pointer in the query:
//! sqlx cannot bind pointers, and a token that names nothing is refused rather than read.

use std::collections::HashMap;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use libsqlite3_sys as ffi;
use sqlx::AnyConnection;

use crate::engine::V;

/// One value of a row, borrowed from wherever the row lives.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    I(i64),
    T(&'a str),
    NI(Option<i64>),
    NT(Option<&'a str>),
}

impl Val<'_> {
    /// The value as an owned [`V`] (for binding through sqlx).
    pub(crate) fn owned(self) -> V {
        match self {
            Val::I(x) => V::I(x),
            Val::T(s) => V::T(s.to_string()),
            Val::NI(x) => V::NI(x),
            Val::NT(s) => V::NT(s.map(str::to_string)),
        }
    }
}

/// Rows read where they are: an import's parsed file binds its fields straight into the
/// statement instead of being copied into `V`s first (copying 6 M sales rows' texts was ~6 s
/// of the large demo's import stage, with SQLite's thread waiting).
pub(crate) trait RowSource: Send + Sync {
    /// How many rows.
    fn rows(&self) -> usize;
    /// How many values row `row` has.
    fn width(&self, row: usize) -> usize;
    /// Row `row`'s value in column `col` (both in range).
    fn value(&self, row: usize, col: usize) -> Val<'_>;
}

impl RowSource for Vec<Vec<V>> {
    fn rows(&self) -> usize {
        self.len()
    }

    fn width(&self, row: usize) -> usize {
        self[row].len()
    }

    fn value(&self, row: usize, col: usize) -> Val<'_> {
        match &self[row][col] {
            V::I(x) => Val::I(*x),
            V::T(s) => Val::T(s),
            V::NI(x) => Val::NI(*x),
            V::NT(s) => Val::NT(s.as_deref()),
        }
    }
}

/// One call's work: a statement with one `?` per column and the rows to run it for.
struct Work {
    sql: String,
    rows: Box<dyn Steps>,
}

/// Rows that step a statement: one dynamic call per work, while each value is read through
/// its source's own code (a dynamic call per value cost SQLite's thread ~4% of the demo's
/// ledger stage).
trait Steps: Send + Sync {
    /// SAFETY: as [`step_rows`].
    unsafe fn step(
        &self,
        db: *mut ffi::sqlite3,
        stmt: *mut ffi::sqlite3_stmt,
    ) -> std::result::Result<i64, (String, c_int)>;
}

/// A source's rows `range`.
struct Ranged<S> {
    source: Arc<S>,
    range: std::ops::Range<usize>,
}

impl<S: RowSource> Steps for Ranged<S> {
    unsafe fn step(
        &self,
        db: *mut ffi::sqlite3,
        stmt: *mut ffi::sqlite3_stmt,
    ) -> std::result::Result<i64, (String, c_int)> {
        // SAFETY: passed on from the caller; the source lives as long as the work.
        unsafe { step_rows(db, stmt, &*self.source, self.range.clone()) }
    }
}

fn table() -> &'static Mutex<HashMap<i64, Arc<Work>>> {
    static WORK: OnceLock<Mutex<HashMap<i64, Arc<Work>>>> = OnceLock::new();
    WORK.get_or_init(Mutex::default)
}

static NEXT_TOKEN: AtomicI64 = AtomicI64::new(1);
static REGISTERED: AtomicBool = AtomicBool::new(false);

/// Takes the work out of the table when the call ends, however it ends (an error, or the
/// caller's future dropped while SQLite still runs it: the function holds its own reference).
struct Withdraw(i64);

impl Drop for Withdraw {
    fn drop(&mut self) {
        table().lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.0);
    }
}

/// Runs `sql` (one statement with one `?` per value of a row) once for each row, on `conn`, in
/// whatever transaction `conn` is in. Returns the rows run. A failing row fails the call with
/// SQLite's message; the rows before it stay written, so the caller's transaction must not
/// commit then (every caller propagates the error, and the transaction rolls back).
pub(crate) async fn exec_each(conn: &mut AnyConnection, sql: String, rows: Vec<Vec<V>>) -> Result<u64, sqlx::Error> {
    let n = rows.len();
    exec_each_of(conn, sql, Arc::new(rows), 0..n).await
}

/// [`exec_each`] for the rows `range` of `source`.
pub(crate) async fn exec_each_of<S: RowSource + 'static>(
    conn: &mut AnyConnection,
    sql: String,
    source: Arc<S>,
    range: std::ops::Range<usize>,
) -> Result<u64, sqlx::Error> {
    if range.end > source.rows() {
        // Checked here: the rows are read inside SQLite's callback, where a panic cannot unwind.
        return Err(sqlx::Error::Protocol(format!(
            "rows {}..{} of a source of {} rows",
            range.start,
            range.end,
            source.rows()
        )));
    }
    if range.is_empty() {
        return Ok(0);
    }
    let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
    let work = Arc::new(Work { sql, rows: Box::new(Ranged { source, range }) });
    table().lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(token, work);
    let _withdraw = Withdraw(token);
    let n: i64 = sqlx::query_scalar("SELECT onecard_each($1)").bind(token).fetch_one(conn).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Whether every SQLite connection opened from now on has `onecard_each`.
pub(crate) fn available() -> bool {
    REGISTERED.load(Ordering::Acquire)
}

/// Registers `onecard_each` for every connection opened after this call (called once, from
/// `sqlite_allocator::install`, before the first connection).
pub(super) fn register() {
    // SAFETY: `open_hook` has the signature SQLite calls auto extensions with.
    let ok = unsafe { ffi::sqlite3_auto_extension(Some(open_hook)) } == ffi::SQLITE_OK;
    REGISTERED.store(ok, Ordering::Release);
}

unsafe extern "C" fn open_hook(
    db: *mut ffi::sqlite3,
    _err: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // DIRECTONLY: callable from the statements OneCard runs, never from a trigger or a view a
    // tampered database file could carry.
    let flags = ffi::SQLITE_UTF8 | ffi::SQLITE_DIRECTONLY;
    // SAFETY: `db` is the connection being opened; the names are NUL-terminated literals; the
    // user data of `onecard_connection` is a number carried in the pointer, never dereferenced.
    unsafe {
        let rc = ffi::sqlite3_create_function_v2(
            db,
            c"onecard_each".as_ptr(),
            1,
            flags,
            std::ptr::null_mut(),
            Some(each),
            None,
            None,
            None,
        );
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        let serial = NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed);
        ffi::sqlite3_create_function_v2(
            db,
            c"onecard_connection".as_ptr(),
            0,
            flags,
            serial as usize as *mut std::ffi::c_void,
            Some(connection),
            None,
            None,
            None,
        )
    }
}

static NEXT_CONNECTION: AtomicI64 = AtomicI64::new(1);

/// `onecard_connection()`: a number no other connection of this process has had. The writer
/// keeps its state from one transaction to the next only on the same connection, whose
/// `PRAGMA data_version` then says whether anyone else wrote in between (engine's `Chain`); a
/// connection the pool replaced would have a counter of its own, not comparable.
unsafe extern "C" fn connection(ctx: *mut ffi::sqlite3_context, _argc: c_int, _argv: *mut *mut ffi::sqlite3_value) {
    // SAFETY: SQLite passes a live context; its user data is the serial given at registration.
    unsafe { ffi::sqlite3_result_int64(ctx, ffi::sqlite3_user_data(ctx) as usize as i64) }
}

/// The SQL function: runs the work named by its argument.
unsafe extern "C" fn each(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
    // SAFETY: SQLite passes `argc` (1, as registered) valid values and a live context whose
    // connection is the one running this call.
    unsafe {
        if argc != 1 {
            fail(ctx, "onecard_each takes one token", ffi::SQLITE_ERROR);
            return;
        }
        let token = ffi::sqlite3_value_int64(*argv);
        let work = table().lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&token).cloned();
        let Some(work) = work else {
            fail(ctx, "onecard_each: no work under this token", ffi::SQLITE_ERROR);
            return;
        };
        let db = ffi::sqlite3_context_db_handle(ctx);
        match run(db, &work) {
            Ok(n) => ffi::sqlite3_result_int64(ctx, n),
            Err((msg, code)) => fail(ctx, &msg, code),
        }
    }
}

/// Prepares the work's statement and steps it once per row.
///
/// SAFETY: `db` is a live connection, used only from the thread calling this.
unsafe fn run(db: *mut ffi::sqlite3, work: &Work) -> std::result::Result<i64, (String, c_int)> {
    let len = c_int::try_from(work.sql.len()).map_err(|_| ("statement too long".to_string(), ffi::SQLITE_TOOBIG))?;
    let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
    // SAFETY: the text and its length come from one String; `stmt` receives the statement.
    let rc = unsafe { ffi::sqlite3_prepare_v2(db, work.sql.as_ptr().cast(), len, &raw mut stmt, std::ptr::null_mut()) };
    if rc != ffi::SQLITE_OK {
        // SAFETY: `db` is live.
        return Err(unsafe { db_error(db, rc) });
    }
    // SAFETY: `stmt` was prepared on `db` above and is finalized exactly once, below.
    let out = unsafe { work.rows.step(db, stmt) };
    // SAFETY: as above.
    unsafe { ffi::sqlite3_finalize(stmt) };
    out
}

/// SAFETY: `stmt` is a live statement of `db`; the rows outlive every step (the values are
/// bound without a copy and the statement is reset before the next row's values replace them).
unsafe fn step_rows<S: RowSource>(
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
    source: &S,
    range: std::ops::Range<usize>,
) -> std::result::Result<i64, (String, c_int)> {
    // SAFETY: `stmt` is live.
    let params = unsafe { ffi::sqlite3_bind_parameter_count(stmt) };
    let n = range.len();
    for row in range {
        let width = source.width(row);
        if usize::try_from(params).ok() != Some(width) {
            return Err((format!("a row of {width} values for {params} parameters"), ffi::SQLITE_RANGE));
        }
        for col in 0..width {
            let at = col as c_int + 1;
            // SAFETY: `at` is within the parameter count checked above; a text is bound
            // without a copy (no destructor: SQLITE_STATIC) and stays alive and unchanged
            // until the statement is reset (the source is borrowed for the whole call).
            let rc = unsafe {
                match source.value(row, col) {
                    Val::I(x) | Val::NI(Some(x)) => ffi::sqlite3_bind_int64(stmt, at, x),
                    Val::T(s) | Val::NT(Some(s)) => match c_int::try_from(s.len()) {
                        Ok(len) => ffi::sqlite3_bind_text(stmt, at, s.as_ptr().cast(), len, None),
                        Err(_) => ffi::SQLITE_TOOBIG,
                    },
                    Val::NI(None) | Val::NT(None) => ffi::sqlite3_bind_null(stmt, at),
                }
            };
            if rc != ffi::SQLITE_OK {
                // SAFETY: `db` is live.
                return Err(unsafe { db_error(db, rc) });
            }
        }
        // SAFETY: every parameter is bound.
        let rc = unsafe { ffi::sqlite3_step(stmt) };
        if rc != ffi::SQLITE_DONE && rc != ffi::SQLITE_ROW {
            // SAFETY: `db` is live; the message is read before the reset clears it.
            return Err(unsafe { db_error(db, rc) });
        }
        // SAFETY: `stmt` is live; reset ends this row's use of the bound values.
        unsafe { ffi::sqlite3_reset(stmt) };
    }
    Ok(n as i64)
}

/// The connection's last error as (message, extended code).
///
/// SAFETY: `db` is live.
unsafe fn db_error(db: *mut ffi::sqlite3, rc: c_int) -> (String, c_int) {
    // SAFETY: SQLite returns a NUL-terminated message owned by the connection; it is copied.
    let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }.to_string_lossy().into_owned();
    // SAFETY: `db` is live.
    let code = unsafe { ffi::sqlite3_extended_errcode(db) };
    (msg, if code == ffi::SQLITE_OK { rc } else { code })
}

/// Makes the calling statement fail with `msg` and SQLite's `code` (so that sqlx reports a
/// constraint failure as one). Never SQLITE_MISUSE: sqlx takes that for its own bug and panics.
///
/// SAFETY: `ctx` is the live context of the running call.
unsafe fn fail(ctx: *mut ffi::sqlite3_context, msg: &str, code: c_int) {
    let n = c_int::try_from(msg.len()).unwrap_or(c_int::MAX);
    // SAFETY: SQLite copies the message (a length is given, no NUL needed).
    unsafe {
        ffi::sqlite3_result_error(ctx, msg.as_ptr().cast(), n);
        ffi::sqlite3_result_error_code(ctx, code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use sqlx::Connection;

    async fn db(dir: &tempfile::TempDir) -> Db {
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("each.db").display())).await.unwrap();
        assert!(available(), "onecard_each is not registered");
        sqlx::query("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, n BIGINT)").execute(&db.pool).await.unwrap();
        db
    }

    fn all(rows: &[(i64, Option<&str>, Option<i64>)]) -> Vec<Vec<V>> {
        rows.iter().map(|(id, name, n)| vec![V::I(*id), V::NT(name.map(str::to_string)), V::NI(*n)]).collect()
    }

    async fn stored(db: &Db) -> Vec<(i64, Option<String>, Option<i64>)> {
        sqlx::query_as("SELECT id, name, n FROM t ORDER BY id").fetch_all(&db.pool).await.unwrap()
    }

    /// Every row runs once, with its integers, texts (multi-byte ones too) and NULLs as given.
    #[tokio::test]
    async fn runs_the_statement_for_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(&dir).await;
        let mut conn = db.pool.acquire().await.unwrap();
        let rows = all(&[(1, Some("北京奥莱"), Some(-5)), (2, None, None), (3, Some(""), Some(i64::MAX))]);
        // The comment marks this test's work (other tests of the process run beside it).
        let n = exec_each(&mut conn, "/* every row */ INSERT INTO t (id, name, n) VALUES (?, ?, ?)".into(), rows)
            .await
            .unwrap();
        assert_eq!(n, 3);
        let want = vec![
            (1, Some("北京奥莱".to_string()), Some(-5)),
            (2, None, None),
            (3, Some(String::new()), Some(i64::MAX)),
        ];
        assert_eq!(stored(&db).await, want);
        // Numbered parameters bind by position, as the accounts' update uses them.
        let rows = vec![vec![V::I(1), V::I(10)]];
        exec_each(&mut conn, "/* every row */ UPDATE t SET n = n + ?2 WHERE id = ?1".into(), rows).await.unwrap();
        assert_eq!(stored(&db).await[0].2, Some(5));
        // Other tests of this process may have work in the table right now: only this test's
        // own must be gone.
        let left = table().lock().unwrap().values().filter(|w| w.sql.starts_with("/* every row */")).count();
        assert_eq!(left, 0, "finished work stays in the table");
    }

    /// A row SQLite refuses fails the call with SQLite's own error (a constraint stays a
    /// constraint), and the caller's transaction rolls back: nothing of the call is written.
    #[tokio::test]
    async fn a_refused_row_fails_the_call_and_the_transaction_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(&dir).await;
        let mut conn = db.pool.acquire().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        let rows = all(&[(1, Some("a"), None), (2, Some("b"), None), (1, Some("again"), None)]);
        let e = exec_each(&mut tx, "INSERT INTO t (id, name, n) VALUES (?, ?, ?)".into(), rows).await.unwrap_err();
        let db_error = e.as_database_error().expect("a database error");
        assert!(db_error.message().contains("UNIQUE constraint failed: t.id"), "{db_error}");
        assert_eq!(db_error.code().as_deref(), Some("1555"), "SQLITE_CONSTRAINT_PRIMARYKEY");
        tx.rollback().await.unwrap();
        assert!(stored(&db).await.is_empty());
        // A row of the wrong width is refused before it runs.
        let e = exec_each(&mut conn, "INSERT INTO t (id, name, n) VALUES (?, ?, ?)".into(), vec![vec![V::I(9)]])
            .await
            .unwrap_err();
        assert!(e.to_string().contains("a row of 1 values for 3 parameters"), "{e}");
        assert!(stored(&db).await.is_empty());
    }

    /// Rows read in place: only the rows of the given range run, each bound from its source
    /// (texts without a copy), an empty range runs nothing, and a range past the source's end
    /// runs nothing either.
    #[tokio::test]
    async fn a_source_runs_the_rows_of_its_range() {
        struct Names(Vec<(i64, String)>);
        impl RowSource for Names {
            fn rows(&self) -> usize {
                self.0.len()
            }
            fn width(&self, _row: usize) -> usize {
                3
            }
            fn value(&self, row: usize, col: usize) -> Val<'_> {
                let (id, name) = &self.0[row];
                [Val::I(*id), Val::NT(Some(name)), Val::NI(None)][col]
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let db = db(&dir).await;
        let mut conn = db.pool.acquire().await.unwrap();
        let names = Arc::new(Names((1..=5).map(|i| (i, format!("商户{i}"))).collect()));
        let sql = || "INSERT INTO t (id, name, n) VALUES (?, ?, ?)".to_string();
        assert_eq!(exec_each_of(&mut conn, sql(), names.clone(), 1..4).await.unwrap(), 3);
        assert_eq!(exec_each_of(&mut conn, sql(), names.clone(), 4..4).await.unwrap(), 0);
        // A range past the source's end is refused before any row runs.
        let e = exec_each_of(&mut conn, sql(), names.clone(), 4..6).await.unwrap_err();
        assert!(e.to_string().contains("rows 4..6 of a source of 5 rows"), "{e}");
        let want: Vec<_> = (2..=4).map(|i| (i, Some(format!("商户{i}")), None)).collect();
        assert_eq!(stored(&db).await, want);
    }

    /// The function runs only work OneCard handed it: a token that names nothing is refused, and
    /// a trigger or view (which a tampered file could carry) cannot call it at all.
    #[tokio::test]
    async fn the_function_runs_only_work_handed_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(&dir).await;
        let e = sqlx::query("SELECT onecard_each(123456789)").execute(&db.pool).await.unwrap_err();
        assert!(e.to_string().contains("no work under this token"), "{e}");
        sqlx::query("CREATE TABLE u (x BIGINT)").execute(&db.pool).await.unwrap();
        sqlx::query("CREATE TRIGGER u_each AFTER INSERT ON u BEGIN SELECT onecard_each(NEW.x); END")
            .execute(&db.pool)
            .await
            .unwrap();
        let e = sqlx::query("INSERT INTO u (x) VALUES (1)").execute(&db.pool).await.unwrap_err();
        assert!(e.to_string().contains("unsafe use of onecard_each"), "{e}");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM u").fetch_one(&db.pool).await.unwrap();
        assert_eq!(n, 0);
    }
}
