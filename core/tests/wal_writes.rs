//! SQLite's writes in large pieces (`db/walbuf.rs`): what one connection gathers in memory is
//! in the file before anyone else can read it or write over it. Each test reads through a
//! second connection on SQLite's own system VFS (`unix`), which gathers nothing: what it sees is
//! what the file holds. The tests share the process's write counters, so they run one at a time.

mod common;

use std::str::FromStr;

use common::TestDb;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A connection to the same file that writes and reads through SQLite's own VFS.
async fn plain(db: &TestDb) -> SqliteConnection {
    let opts =
        SqliteConnectOptions::from_str(&db.url).unwrap().vfs("unix").busy_timeout(std::time::Duration::from_secs(60));
    opts.connect().await.unwrap()
}

async fn table(conn: &onecard::db::Db) {
    sqlx::query("CREATE TABLE IF NOT EXISTS t (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&conn.pool)
        .await
        .unwrap();
}

/// Rows 1..=n of ~900 bytes each, in `tx`.
async fn fill(tx: &mut sqlx::Transaction<'static, sqlx::Any>, n: i64) {
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO t SELECT i, printf('%0900d', i) FROM n",
    )
    .bind(n)
    .execute(&mut **tx)
    .await
    .unwrap();
}

/// SQLite finds the file whole.
async fn assert_whole(conn: &mut SqliteConnection) {
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(conn).await.unwrap();
    assert_eq!(check, "ok");
}

/// A committed transaction of 5,000 rows (~1,300 WAL frames) reaches the kernel in a few dozen
/// writes instead of two per frame, and another connection reads every row of it back.
#[tokio::test]
async fn a_commit_is_written_in_pieces_and_read_back_whole() {
    let _one = ONE_AT_A_TIME.lock().await;
    let db = TestDb::new(common::Backend::Sqlite, "wal_in_pieces").await.expect("SQLite test database");
    let conn = onecard::db::Db::connect(&db.url).await.unwrap();
    table(&conn).await;
    let (writes0, flushes0) = onecard::db::wal_write_stats();
    let mut tx = conn.begin_write().await.unwrap();
    fill(&mut tx, 5_000).await;
    tx.commit().await.unwrap();
    let (writes, flushes) = onecard::db::wal_write_stats();
    let (writes, flushes) = (writes - writes0, flushes - flushes0);
    assert!(writes >= 2_000, "SQLite's WAL writes went around the gathering VFS: {writes}");
    assert!(flushes * 20 < writes, "{flushes} writes to the kernel for {writes} of SQLite's");
    let mut other = plain(&db).await;
    let (n, sum, last): (i64, i64, String) =
        sqlx::query_as("SELECT count(*), sum(id), max(body) FROM t").fetch_one(&mut other).await.unwrap();
    assert_eq!((n, sum, last), (5_000, 12_502_500, format!("{:0900}", 5_000)));
    assert_whole(&mut other).await;
}

/// A transaction bigger than its connection's page cache spills frames into the WAL before it
/// ends; rolled back, those frames are dead. Another connection then commits over the same
/// part of the WAL, and the first connection commits again: both commits are whole, and nothing
/// the first connection had gathered overwrote the second's frames (a VFS that kept the dead
/// frames in memory and wrote them with its next write loses the second commit here).
#[tokio::test]
async fn frames_of_a_rolled_back_transaction_never_overwrite_another_commit() {
    let _one = ONE_AT_A_TIME.lock().await;
    let db = TestDb::new(common::Backend::Sqlite, "wal_rollback").await.expect("SQLite test database");
    let conn = onecard::db::Db::connect(&db.url).await.unwrap();
    table(&conn).await;
    let (writes0, _) = onecard::db::wal_write_stats();
    let mut tx = conn.begin_write().await.unwrap();
    sqlx::query("PRAGMA cache_size=20").execute(&mut *tx).await.unwrap();
    fill(&mut tx, 3_000).await;
    let (spilled, _) = onecard::db::wal_write_stats();
    assert!(spilled - writes0 >= 100, "the transaction did not spill into the WAL ({} writes)", spilled - writes0);
    tx.rollback().await.unwrap();

    let mut other = plain(&db).await;
    let mut otx = other.begin().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) \
         INSERT INTO t SELECT 100000 + i, printf('other %0900d', i) FROM n",
    )
    .execute(&mut *otx)
    .await
    .unwrap();
    otx.commit().await.unwrap();

    let mut tx = conn.begin_write().await.unwrap();
    sqlx::query("INSERT INTO t VALUES (1, 'mine')").execute(&mut *tx).await.unwrap();
    sqlx::query(&format!("PRAGMA cache_size=-{}", onecard::db::WRITER_CACHE_KIB)).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();

    let mut third = plain(&db).await;
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, body FROM t ORDER BY id").fetch_all(&mut third).await.unwrap();
    assert_eq!(rows.len(), 501);
    assert_eq!(rows[0], (1, "mine".to_string()));
    assert_eq!(rows[500], (100_500, format!("other {:0900}", 500)));
    assert_whole(&mut third).await;
}

/// A checkpoint copies a transaction's pages back into the database file in a few dozen writes,
/// and once the WAL is emptied another connection reads every row from the database file.
#[tokio::test]
async fn a_checkpoint_is_written_in_pieces_and_read_back_whole() {
    let _one = ONE_AT_A_TIME.lock().await;
    let db = TestDb::new(common::Backend::Sqlite, "checkpoint_in_pieces").await.expect("SQLite test database");
    let conn = onecard::db::Db::connect(&db.url).await.unwrap();
    table(&conn).await;
    let mut tx = conn.begin_write().await.unwrap();
    fill(&mut tx, 5_000).await;
    tx.commit().await.unwrap();
    let (writes0, flushes0) = onecard::db::wal_write_stats();
    // TRUNCATE reports 0 frames left and copied: the WAL is empty.
    let (busy, _, _): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&conn.pool).await.unwrap();
    let (writes, flushes) = onecard::db::wal_write_stats();
    let (writes, flushes) = (writes - writes0, flushes - flushes0);
    assert_eq!(busy, 0, "the checkpoint could not finish");
    assert!(writes >= 1_000, "the pages were copied back in {writes} writes");
    assert!(flushes * 10 < writes, "{flushes} writes to the kernel for {writes} of SQLite's");
    let wal = std::fs::metadata(db.dir.path().join("onecard.db-wal"));
    assert_eq!(wal.map(|m| m.len()).unwrap_or(0), 0, "the WAL was not emptied");
    let mut other = plain(&db).await;
    let (n, sum, last): (i64, i64, String) =
        sqlx::query_as("SELECT count(*), sum(id), max(body) FROM t").fetch_one(&mut other).await.unwrap();
    assert_eq!((n, sum, last), (5_000, 12_502_500, format!("{:0900}", 5_000)));
    assert_whole(&mut other).await;
}
