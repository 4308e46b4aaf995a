//! Storage: init runs the migrations and is idempotent, an uninitialized database is refused,
//! only a sandbox accepts a fixed clock, a sandbox cannot be made of a production database, and
//! personal data needs the key the database was written with. Both backends.

mod common;

use common::{holder, TestDb, NOW};
use onecard::types::CardType;
use onecard::{Core, IssueRequest, OpenOptions};

async fn init_is_idempotent(db: &TestDb) {
    let card = db.reg_card(1).await;
    db.load(&card, "10").await;
    let before = db.digest().await;
    let again = Core::init_with(&db.url, true, &db.opts(NOW)).await.unwrap();
    assert!(again.is_sandbox_db());
    before.assert_same(&db.digest().await, "a second init");
    // One row per migration file (so adding a migration does not need this test changed).
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap().count() as i64;
    assert_eq!(db.scalar("SELECT COUNT(*) FROM schema_migrations").await, files);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM meta WHERE key = 'sandbox' AND value = 'true'").await, 1);
    assert_eq!(again.card_count(&onecard::auth::Actor::admin(), &Default::default()).await.unwrap(), 1);
    assert_eq!(
        db.core.backend(),
        match db.backend {
            common::Backend::Sqlite => "sqlite",
            common::Backend::Postgres => "postgres",
        }
    );
}

async fn uninitialized_database_is_refused(db: &TestDb) {
    let url = db.empty_db("empty").await;
    let e = Core::open_with(&url, &db.opts(NOW)).await.err().expect("open must fail");
    assert_eq!(e.code, "not_initialized", "{e}");
}

async fn only_sandboxes_take_a_fixed_clock(db: &TestDb) {
    let url = db.empty_db("prod").await;
    let key = db.dir.path().join("prod.key");
    let plain = OpenOptions { key_file: Some(key.clone()), now: None };
    let prod = Core::init_with(&url, false, &plain).await.unwrap();
    assert!(!prod.is_sandbox_db());
    drop(prod);
    let fixed = OpenOptions { key_file: Some(key.clone()), now: Some(NOW.into()) };
    let e = Core::open_with(&url, &fixed).await.err().expect("a production database refuses ONECARD_NOW");
    assert_eq!(e.code, "clock_override_refused");
    let e = Core::init_with(&url, true, &plain).await.err().expect("no sandbox from production");
    assert_eq!(e.code, "sandbox_mismatch");
    // The sandbox itself follows the fixed clock.
    let c = db
        .core
        .issue_card(&db.admin, IssueRequest { card_type: CardType::Virtual, holder: None, mall: None })
        .await
        .unwrap();
    assert!(c.issued_at.starts_with("2026-03-01T10:00:00"), "{}", c.issued_at);
}

async fn personal_data_needs_the_right_key(db: &TestDb) {
    let other_key = db.dir.path().join("other.key");
    std::fs::write(&other_key, "ab".repeat(32)).unwrap();
    let wrong = Core::open_with(&db.url, &OpenOptions { key_file: Some(other_key), now: Some(NOW.into()) })
        .await
        .expect("the ledger opens without the personal-data key");
    let issue = |h| IssueRequest { card_type: CardType::Physical, holder: h, mall: None };
    let before = db.digest().await;
    let e = wrong.issue_card(&db.admin, issue(Some(holder(1)))).await.unwrap_err();
    // The refusal says why the key is missing: it is not the key this database was written with.
    assert_eq!(e.code, "key_mismatch", "{e}");
    before.assert_same(&db.digest().await, "a registered issue without the key");
    // Everything that does not touch personal data still works.
    wrong.issue_card(&db.admin, issue(None)).await.unwrap();
    let missing = db.dir.path().join("missing.key");
    let e = Core::init_with(&db.url, true, &OpenOptions { key_file: Some(missing), now: Some(NOW.into()) })
        .await
        .err()
        .expect("init with a new key on a database written with another");
    assert_eq!(e.code, "key_mismatch");
}

/// The definitions of the payments' time and merchant indexes (empty when they are missing).
async fn payment_indexes(db: &TestDb) -> Vec<String> {
    let q = match db.backend {
        common::Backend::Sqlite => {
            "SELECT sql FROM sqlite_master WHERE name IN ('payments_created', 'payments_merchant') ORDER BY name"
        }
        common::Backend::Postgres => {
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND indexname IN ('payments_created', 'payments_merchant') ORDER BY indexname"
        }
    };
    sqlx::query_scalar::<_, String>(q).fetch_all(db.raw()).await.unwrap()
}

/// Indexes dropped for a bulk load come back exactly as they were, even when the load never
/// rebuilt them (a crash): the next open of the database does. Deferring an index that does not
/// exist drops nothing.
async fn deferred_indexes_come_back(db: &TestDb) {
    let before = payment_indexes(db).await;
    assert_eq!(before.len(), 2, "{before:?}");
    let handle = onecard::db::Db::connect(&db.url).await.unwrap();
    let e = handle.defer_indexes(&["payments_created", "no_such_index"]).await.unwrap_err();
    assert_eq!(e.code, "internal", "{e}");
    assert_eq!(payment_indexes(db).await, before, "a refused deferral drops nothing");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM meta WHERE key = 'deferred_indexes'").await, 0);

    handle.defer_indexes(&["payments_created", "payments_merchant"]).await.unwrap();
    assert!(payment_indexes(db).await.is_empty());
    assert_eq!(db.scalar("SELECT COUNT(*) FROM meta WHERE key = 'deferred_indexes'").await, 1);
    // Purchases go on without them.
    let shop = db.shop().await;
    let card = db.anon_card().await;
    db.load(&card, "100").await;
    db.core.pay(&db.admin, common::pay(&card, "30.00", shop, "deferred-1")).await.unwrap();
    // The load "crashes" here: its handle goes away without rebuilding them.
    drop(handle);
    let reopened = Core::open_with(&db.url, &db.opts(NOW)).await.unwrap();
    assert_eq!(payment_indexes(db).await, before);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM meta WHERE key = 'deferred_indexes'").await, 0);
    drop(reopened);
    onecard::db::Db::connect(&db.url).await.unwrap().restore_indexes().await.unwrap();
    assert_eq!(payment_indexes(db).await, before, "nothing to restore a second time");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM payments WHERE created_at > 0").await, 1);
    db.assert_verified().await;
}

both_backends!(
    deferred_indexes_come_back,
    init_is_idempotent,
    uninitialized_database_is_refused,
    only_sandboxes_take_a_fixed_clock,
    personal_data_needs_the_right_key,
);

/// What every SQLite connection of the core runs with: a commit is on disk when it returns
/// (WAL, synchronous=FULL), other processes are waited for, and the WAL is copied back in large
/// steps (db.rs, `WAL_AUTOCHECKPOINT_PAGES`) and cut back afterwards.
#[tokio::test]
async fn sqlite_connections_are_durable() {
    let db =
        TestDb::new(common::Backend::Sqlite, "sqlite_connections_are_durable").await.expect("SQLite test database");
    let conn = onecard::db::Db::connect(&db.url).await.unwrap();
    for (pragma, want) in [
        ("synchronous", 2),
        ("busy_timeout", 600_000),
        ("foreign_keys", 1),
        ("wal_autocheckpoint", 16_000),
        ("journal_size_limit", 64 << 20),
    ] {
        let got: i64 = sqlx::query_scalar(&format!("PRAGMA {pragma}")).fetch_one(&conn.pool).await.unwrap();
        assert_eq!(got, want, "PRAGMA {pragma}");
    }
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&conn.pool).await.unwrap();
    assert_eq!(mode, "wal");
}

/// Every connection has a page cache of its own, taking no process-wide lock for each page it
/// fetches (`.cargo/config.toml` builds SQLite without `SQLITE_ENABLE_MEMORY_MANAGEMENT`, whose
/// shared cache did), and the writer's is the larger one (db.rs, `WRITER_CACHE_KIB`).
#[tokio::test]
async fn sqlite_page_caches_are_private() {
    let db =
        TestDb::new(common::Backend::Sqlite, "sqlite_page_caches_are_private").await.expect("SQLite test database");
    let conn = onecard::db::Db::connect(&db.url).await.unwrap();
    let shared: i64 = sqlx::query_scalar("SELECT sqlite_compileoption_used('ENABLE_MEMORY_MANAGEMENT')")
        .fetch_one(&conn.pool)
        .await
        .unwrap();
    assert_eq!(shared, 0, "SQLite was built with one page cache for all connections");
    let threadsafe: i64 =
        sqlx::query_scalar("SELECT sqlite_compileoption_used('THREADSAFE=1')").fetch_one(&conn.pool).await.unwrap();
    assert_eq!(threadsafe, 1, "the flags must only drop the shared cache");
    let reads: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&conn.pool).await.unwrap();
    assert_eq!(reads, -65_536);
    let mut tx = conn.begin_write().await.unwrap();
    let writes: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(writes, -i64::from(onecard::db::WRITER_CACHE_KIB));
    tx.rollback().await.unwrap();
    conn.close().await;
}

/// SQLite allocates through mimalloc, without its global statistics mutex (db.rs,
/// `sqlite_allocator`): the setting took in this process, whose tests all run on it, and what
/// SQLite grows by reallocation (an aggregate of 20,000 strings, ~1 MB) and frees comes back whole.
#[tokio::test]
async fn sqlite_allocates_through_mimalloc() {
    let db =
        TestDb::new(common::Backend::Sqlite, "sqlite_allocates_through_mimalloc").await.expect("SQLite test database");
    let conn = onecard::db::Db::connect(&db.url).await.unwrap();
    assert!(onecard::db::sqlite_allocator_installed(), "SQLite kept its own allocator");
    let (len, tail): (i64, String) = sqlx::query_as(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
         SELECT length(group_concat(printf('%050d', i), '')), substr(group_concat(printf('%050d', i), ''), -5) FROM n",
    )
    .fetch_one(&conn.pool)
    .await
    .unwrap();
    assert_eq!((len, tail.as_str()), (1_000_000, "20000"));
}

/// SQLite write transactions all begin on one connection of their own, so its page cache stays
/// warm from one group commit to the next. `PRAGMA data_version` changes on a connection exactly
/// when another connection has committed since its last look: across many write transactions,
/// interleaved with reads, it never changes on the connection the writes run on.
#[tokio::test]
async fn sqlite_writes_keep_one_connection() {
    let db =
        TestDb::new(common::Backend::Sqlite, "sqlite_writes_keep_one_connection").await.expect("SQLite test database");
    let conn = onecard::db::Db::connect(&db.url).await.unwrap();
    sqlx::query("CREATE TABLE IF NOT EXISTS t (id BIGINT PRIMARY KEY)").execute(&conn.pool).await.unwrap();
    let mut versions = Vec::new();
    for i in 0..8_i64 {
        let mut tx = conn.begin_write().await.unwrap();
        let v: i64 = sqlx::query_scalar("PRAGMA data_version").fetch_one(&mut *tx).await.unwrap();
        versions.push(v);
        sqlx::query("INSERT INTO t (id) VALUES ($1)").bind(i).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        // Reads meanwhile take connections from the other pool.
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&conn.pool).await.unwrap();
        assert_eq!(n, i + 1);
    }
    assert!(versions.windows(2).all(|w| w[0] == w[1]), "writes moved between connections: {versions:?}");
    conn.close().await;
}

/// A closed SQLite database is one file: closing copies the WAL back (it holds up to 64 MiB of
/// recent commits while the database is open), so a copy of the file alone has every
/// acknowledged movement.
#[tokio::test]
async fn closing_leaves_the_file_whole() {
    let db = TestDb::new(common::Backend::Sqlite, "closing_leaves_the_file_whole").await.expect("SQLite test database");
    let url = db.empty_db("whole").await;
    let core = Core::init_with(&url, true, &db.opts(NOW)).await.unwrap();
    let card = core
        .issue_card(&db.admin, IssueRequest { card_type: CardType::Virtual, holder: None, mall: None })
        .await
        .unwrap();
    let card = onecard::card_number::CardNumber::parse(&card.card).unwrap();
    core.top_up(&db.admin, common::topup(&card, "88.50", "whole-1")).await.unwrap();
    let path = db.dir.path().join("whole.db");
    let wal = db.dir.path().join("whole.db-wal");
    assert!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0, "the top-up is in the WAL while open");
    core.close().await;
    assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0, "the WAL is copied back on close");
    let copy = db.dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    let reopened = Core::open_with(&format!("sqlite://{}", copy.display()), &db.opts(NOW)).await.unwrap();
    let shown = reopened.card_show(&db.admin, &card).await.unwrap();
    assert_eq!(shown.balance.to_string(), "88.50");
}

/// Migration 0009 (SQLite only) moves the idempotency records from a WITHOUT ROWID table keyed by
/// (ref, kind) to appended rows with that key in a unique index. A database written in the old
/// layout keeps everything: a replayed purchase gets its first answer and writes nothing, a new
/// purchase goes on from the card's history, and a key is still unique in the database itself.
#[tokio::test]
async fn sqlite_idempotency_records_move_to_appended_rows() {
    let db = TestDb::new(common::Backend::Sqlite, "sqlite_idempotency_records_move_to_appended_rows")
        .await
        .expect("SQLite test database");
    let shop = db.shop().await;
    let card = db.reg_card(1).await;
    db.load(&card, "100").await;
    let first = db.core.pay(&db.admin, common::pay(&card, "12.30", shop, "heap-pay-1")).await.unwrap();
    let history = db.core.card_history(&db.admin, &card).await.unwrap();
    assert_eq!(history.len(), 3, "issue, top-up, purchase: {history:?}");
    // The layout of migration 0007, filled with what the new one holds.
    let old_layout = [
        "CREATE TABLE idempotency_old (kind TEXT NOT NULL, ref TEXT NOT NULL, request_hash TEXT NOT NULL, \
         response TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (ref, kind)) WITHOUT ROWID",
        "INSERT INTO idempotency_old SELECT kind, ref, request_hash, response, created_at FROM idempotency",
        "DROP TABLE idempotency",
        "ALTER TABLE idempotency_old RENAME TO idempotency",
        "DELETE FROM schema_migrations WHERE version = 9",
    ]
    .join(";\n");
    // One connection for all of it: another connection's cached schema would still see the
    // dropped table when it prepares the rename.
    sqlx::raw_sql(&old_layout).execute(db.raw()).await.unwrap();
    let layout = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'idempotency' AND sql LIKE '%WITHOUT ROWID%'";
    assert_eq!(db.scalar(layout).await, 1);
    let core = Core::init_with(&db.url, true, &db.opts(NOW)).await.unwrap();
    assert_eq!(db.scalar(layout).await, 0, "migration 0009 rebuilt the table");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM schema_migrations WHERE version = 9").await, 1);

    let before = db.digest().await;
    let again = core.pay(&db.admin, common::pay(&card, "12.30", shop, "heap-pay-1")).await.unwrap();
    before.assert_same(&db.digest().await, "a purchase replayed after the migration");
    assert!(again.replayed);
    assert_eq!(
        (again.entry_id, again.payment_id, again.balance_after),
        (first.entry_id, first.payment_id, first.balance_after)
    );
    assert_eq!(core.card_history(&db.admin, &card).await.unwrap(), history);
    core.pay(&db.admin, common::pay(&card, "7.70", shop, "heap-pay-2")).await.unwrap();
    let after = core.card_history(&db.admin, &card).await.unwrap();
    assert_eq!(after.len(), 4);
    assert_eq!(after[..3], history[..]);
    assert_eq!(core.card_show(&db.admin, &card).await.unwrap().balance, common::m("80.00"));

    // The database still refuses a second record of a key, whoever writes it.
    let e = sqlx::query(
        "INSERT INTO idempotency (kind, ref, request_hash, response, created_at) \
         SELECT kind, ref, 'x', '{}', created_at FROM idempotency WHERE ref = 'heap-pay-1'",
    )
    .execute(db.raw())
    .await
    .expect_err("a second record of heap-pay-1");
    assert!(e.to_string().contains("UNIQUE constraint failed: idempotency.ref, idempotency.kind"), "{e}");
    let v = core.verify(&db.admin).await.unwrap();
    assert!(v.ok, "{:?}", v.problems);
    core.close().await;
}

/// `n` anonymous cards holding 100.00 each.
async fn cards_of_100(db: &TestDb, n: usize) -> Vec<onecard::card_number::CardNumber> {
    let mut cards = Vec::new();
    for _ in 0..n {
        let card = db.anon_card().await;
        db.load(&card, "100").await;
        cards.push(card);
    }
    cards
}

/// SQLite's writer decides a group of money movements while the group before it is still being
/// stored and committed, carrying its cards, balances and answers from one transaction to the
/// next (the engine's `Chain`). Forty cards paying ten purchases each, one at a time per card as
/// at a till, all cards at once, and a top-up per card among them: every balance comes out
/// exact, every history steps down purchase by purchase, replays answer the first result, and
/// the groups after the first were decided ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_decided_while_the_one_before_commits_come_out_exact() {
    let db = TestDb::new(common::Backend::Sqlite, "groups_decided_while_the_one_before_commits_come_out_exact")
        .await
        .expect("SQLite test database");
    let shop = db.shop().await;
    let cards = cards_of_100(&db, 40).await;
    let ahead_before = db.core.decided_ahead();
    let tills = cards.iter().enumerate().map(|(k, card)| {
        let (core, admin) = (&db.core, &db.admin);
        async move {
            let mut afters = Vec::new();
            for j in 0..10 {
                let r = common::pay(card, "7.50", shop, &format!("chain-{k}-{j}"));
                afters.push(core.pay(admin, r).await.unwrap().balance_after.fen());
                if j == 4 {
                    let t = common::topup(card, "20", &format!("chain-top-{k}"));
                    afters.push(core.top_up(admin, t).await.unwrap().balance_after.fen());
                }
            }
            afters
        }
    });
    let afters = futures_util::future::join_all(tills).await;
    for (k, card) in cards.iter().enumerate() {
        let expected: Vec<i64> = (1..=5)
            .map(|j| 10_000 - 750 * j)
            .chain([10_000 - 750 * 5 + 2_000])
            .chain((6..=10).map(|j| 12_000 - 750 * j))
            .collect();
        assert_eq!(afters[k], expected, "card {k}");
        assert_eq!(db.balance(card).await.fen(), 4_500);
        let history = db.core.card_history(&db.admin, card).await.unwrap();
        let balances: Vec<i64> = history.iter().skip(2).map(|h| h.balance_after.fen()).collect();
        assert_eq!(balances, expected, "card {k}'s history");
    }
    assert!(db.core.decided_ahead() > ahead_before, "no group was decided while the one before committed");
    // A replay of a purchase committed in the chain answers its first result and writes nothing.
    let before = db.digest().await;
    let again = db.core.pay(&db.admin, common::pay(&cards[3], "7.50", shop, "chain-3-7")).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.balance_after.fen(), 12_000 - 750 * 8, "the eighth purchase (j = 7)");
    before.assert_same(&db.digest().await, "a replay");
    db.assert_verified().await;
}

/// The writer keeps its state between transactions only while nothing else writes: a top-up by
/// another connection to the same file (another process, say), and one by another writer on the
/// same connection, are both seen by the next purchase, which needs that money.
#[tokio::test]
async fn a_writer_sees_what_others_wrote_between_its_transactions() {
    let db = TestDb::new(common::Backend::Sqlite, "a_writer_sees_what_others_wrote_between_its_transactions")
        .await
        .expect("SQLite test database");
    let shop = db.shop().await;
    let card = db.anon_card().await;
    db.load(&card, "100").await;
    let paid = db.core.pay(&db.admin, common::pay(&card, "30", shop, "others-1")).await.unwrap();
    assert_eq!(paid.balance_after.fen(), 7_000);
    // Another connection to the same file.
    let other = db.core_at(NOW).await;
    other.top_up(&db.admin, common::topup(&card, "50", "others-top-1")).await.unwrap();
    let paid = db.core.pay(&db.admin, common::pay(&card, "110", shop, "others-2")).await.unwrap();
    assert_eq!(paid.balance_after.fen(), 1_000, "the purchase saw the other connection's top-up");
    // Another writer on this core's own connections.
    let sibling = db.core.reopen_with_writers(1).await.unwrap();
    sibling.top_up(&db.admin, common::topup(&card, "40", "others-top-2")).await.unwrap();
    let paid = db.core.pay(&db.admin, common::pay(&card, "45", shop, "others-3")).await.unwrap();
    assert_eq!(paid.balance_after.fen(), 500, "the purchase saw the other writer's top-up");
    // And the other connection sees this writer's latest state in turn.
    let paid = other.pay(&db.admin, common::pay(&card, "5", shop, "others-4")).await.unwrap();
    assert_eq!(paid.balance_after.fen(), 0);
    db.refused("insufficient_funds", db.core.pay(&db.admin, common::pay(&card, "0.01", shop, "others-5"))).await;
    let history = db.core.card_history(&db.admin, &card).await.unwrap();
    let balances: Vec<i64> = history.iter().map(|h| h.balance_after.fen()).collect();
    assert_eq!(balances, [0, 10_000, 7_000, 12_000, 1_000, 5_000, 500, 0]);
    db.assert_verified().await;
}

/// A group whose commit fails is run again the ordinary way (one transaction, then one per job):
/// a trigger refuses one purchase's idempotency record, so that purchase alone fails and its
/// neighbours in the group, and the group decided ahead on top of it, all commit exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_that_fails_to_commit_runs_its_jobs_again() {
    let db = TestDb::new(common::Backend::Sqlite, "a_group_that_fails_to_commit_runs_its_jobs_again")
        .await
        .expect("SQLite test database");
    let shop = db.shop().await;
    let cards = cards_of_100(&db, 20).await;
    db.exec(
        "CREATE TRIGGER poison BEFORE INSERT ON idempotency WHEN NEW.ref = 'poison-7-2' \
         BEGIN SELECT RAISE(ABORT, 'poisoned row'); END",
    )
    .await;
    let tills = cards.iter().enumerate().map(|(k, card)| {
        let (core, admin) = (&db.core, &db.admin);
        async move {
            let mut out = Vec::new();
            for j in 0..5 {
                out.push(core.pay(admin, common::pay(card, "10", shop, &format!("poison-{k}-{j}"))).await);
            }
            out
        }
    });
    let results = futures_util::future::join_all(tills).await;
    for (k, till) in results.iter().enumerate() {
        for (j, r) in till.iter().enumerate() {
            match (k, j, r) {
                (7, 2, Err(e)) => assert!(e.message.contains("poisoned row"), "{e}"),
                (7, 2, Ok(m)) => panic!("the poisoned purchase was answered: {m:?}"),
                (_, _, r) => assert!(r.is_ok(), "purchase {k}-{j}: {r:?}"),
            }
        }
        let spent = if k == 7 { 4_000 } else { 5_000 };
        assert_eq!(db.balance(&cards[k]).await.fen(), 10_000 - spent, "card {k}");
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM journal_entries WHERE ref LIKE 'poison-%'").await, 99);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM journal_entries WHERE ref = 'poison-7-2'").await, 0);
    db.exec("DROP TRIGGER poison").await;
    db.assert_verified().await;
}
