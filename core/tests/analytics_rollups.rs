//! The rollups equal a recomputation from the raw rows after random imports and ledger
//! postings (purchases, refunds, reversals), and the small demo database passes `verify`.
mod common;

use common::{pay, TestDb};
use onecard::analytics::import::Kind;
use onecard::analytics::rollup::{recompute, snapshot};
use onecard::money::Money;
use onecard::{RefundRequest, ReverseRequest};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

async fn rollups_match_raw(db: &TestDb) {
    let m1 = db.shop().await;
    db.mall("M2", "west").await;
    let m2 = db.merchant("M2", "Brand B").await;
    let merchants = [m1, m2];
    let cards = [db.reg_card(1).await, db.anon_card().await];
    for c in &cards {
        db.load(c, "1000").await;
    }
    let days = ["2026-02-26T10:30:00+08:00", "2026-02-27T23:30:00+08:00", "2026-02-28T12:00:00+08:00"];
    let mut cores = Vec::new();
    for d in days {
        cores.push(db.core_at(d).await);
    }
    let mut runner = TestRunner::deterministic();
    // (what, which card/merchant/day, amount in yuan)
    let ops = proptest::collection::vec((0u8..5, 0usize..6, 1i64..300), 1..10);
    let (mut payments, mut refunds): (Vec<(i64, i64)>, Vec<i64>) = (Vec::new(), Vec::new());
    let mut n = 0;
    for case in 0..12 {
        let seq = ops.new_tree(&mut runner).unwrap().current();
        for (what, k, amount) in seq {
            n += 1;
            let core = &cores[k % 3];
            match what {
                0 | 1 => {
                    let card = &cards[k % 2];
                    let mut r = pay(card, &format!("{amount}.00"), merchants[k % 2], &format!("p{n}"));
                    r.checkout_seconds = (k % 3 != 0).then_some(amount);
                    if let Ok(mv) = core.pay(&db.admin, r).await {
                        payments.push((mv.payment_id.unwrap(), mv.entry_id));
                    }
                }
                2 if !payments.is_empty() => {
                    let (pid, _) = payments[k % payments.len()];
                    let r = RefundRequest {
                        payment_id: pid,
                        amount: Money::parse(&format!("{}.00", amount % 50 + 1)).unwrap(),
                        reference: format!("r{n}"),
                    };
                    if let Ok(mv) = core.refund(&db.admin, r).await {
                        refunds.push(mv.entry_id);
                    }
                }
                3 => {
                    // Reverse a refund, or a purchase (refused when it has refunds).
                    let entry =
                        if k % 2 == 0 { refunds.pop() } else { payments.get(k % payments.len().max(1)).map(|p| p.1) };
                    if let Some(e) = entry {
                        let r = ReverseRequest { entry_id: e, reason: "test".into(), reference: format!("v{n}") };
                        let _ = core.reverse(&db.admin, r).await;
                    }
                }
                _ => {
                    let mall = if k % 2 == 0 { "M1" } else { "M2" };
                    let mer = merchants[k % 2];
                    let (day, hour) = (k % 3 + 6, k);
                    let (customer, checkout, returned) =
                        (if k % 2 == 0 { "cu1" } else { "" }, amount % 100, k % 2 == 0);
                    let checkout_c = amount % 7 + 1;
                    // The third row shares the first's rollup key (mall, merchant, day, channel):
                    // a file's sales are summed per key before they reach the rollups.
                    let text = format!(
                        "mall,merchant,channel,txn_id,time,amount,customer_id,member,checkout_seconds,returned\n\
                         {mall},{mer},till,t{n}a,2026-02-2{day}T1{hour}:00:00+08:00,{amount}.50,{customer},true,{checkout},{returned}\n\
                         {mall},{mer},online,t{n}b,2026-02-25T09:00:00+08:00,{amount}.00,,false,,false\n\
                         {mall},{mer},till,t{n}c,2026-02-2{day}T1{hour}:30:00+08:00,3.25,cu2,false,{checkout_c},false\n"
                    );
                    db.core.import_bytes(&db.admin, Kind::Sales, &format!("s{n}.csv"), text.as_bytes()).await.unwrap();
                    let ff = format!("mall,date,hour,entries\n{mall},2026-02-2{day},{hour},{amount}\n");
                    db.core.import_bytes(&db.admin, Kind::Footfall, &format!("f{n}.csv"), ff.as_bytes()).await.unwrap();
                }
            }
        }
        let db_handle = onecard::db::Db::connect(&db.url).await.unwrap();
        let stored = snapshot(&db_handle).await.unwrap();
        let fresh = recompute(&db_handle).await.unwrap();
        assert_eq!(stored, fresh, "case {case}: rollups differ from the raw rows");
    }
    db.assert_verified().await;
}

async fn demo_small_verifies(db: &TestDb) {
    let url = db.empty_db("demo").await;
    let key = db.dir.path().join("demo.key");
    let v = onecard::analytics::demo::run_with(&url, 7, onecard::analytics::demo::Scale::Small, Some(key.clone()))
        .await
        .unwrap();
    assert!(v["card_purchases"].as_u64().unwrap() > 1000, "{v}");
    let opts = onecard::OpenOptions { key_file: Some(key), now: None };
    let core = onecard::Core::open_with(&url, &opts).await.unwrap();
    let admin = core.actor("admin").await.unwrap();
    let r = core.verify(&admin).await.unwrap();
    assert!(r.ok, "{:?}", r.problems);
    let handle = onecard::db::Db::connect(&url).await.unwrap();
    assert_eq!(snapshot(&handle).await.unwrap(), recompute(&handle).await.unwrap());
    // Real fees: every category has a base rate (30-80 bps, set through `fee-rule set`), every
    // demo purchase stores the rate and fee the writer priced it at, a refund returns its share.
    let q = |sql: &'static str| {
        let pool = handle.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    // The payments' indexes the ledger stage builds afterwards are there.
    assert_eq!(q("SELECT COUNT(*) FROM meta WHERE key = 'deferred_indexes'").await, 0);
    let indexes = match db.backend {
        common::Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('payments_created', 'payments_merchant')"
        }
        common::Backend::Postgres => {
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname IN ('payments_created', 'payments_merchant')"
        }
    };
    assert_eq!(q(indexes).await, 2);
    assert_eq!(q("SELECT COUNT(*) FROM fee_rules WHERE valid_from IS NULL").await, 13);
    assert_eq!(q("SELECT COUNT(*) FROM payments WHERE fee_bps < 30 OR fee_bps > 80").await, 0);
    assert_eq!(q("SELECT COUNT(*) FROM payments WHERE fee <> (amount * fee_bps + 5000) / 10000").await, 0);
    assert_eq!(q("SELECT COUNT(*) FROM payments WHERE refunded = amount AND fee_refunded <> fee").await, 0);
    assert!(q("SELECT COUNT(*) FROM payments WHERE refunded > 0").await > 0);
    let s = core.settle(&admin, chrono::NaiveDate::from_ymd_opt(2025, 12, 20).unwrap()).await.unwrap();
    assert!(s.fees.fen() > 0 && s.fee_issuer.fen() > 0 && s.fee_operator.fen() > 0, "{s:?}");
    let r = core.verify(&admin).await.unwrap();
    assert!(r.ok, "after settlement: {:?}", r.problems);
    // Computed metrics fall in DOMAIN.md's reference ranges.
    let c = core.dashboard(&admin, "compare", &Default::default()).await.unwrap();
    let num = |v: &serde_json::Value| v.as_str().unwrap().parse::<f64>().unwrap();
    for (mode, lo, hi) in [("traditional", 800.0, 1200.0), ("card", 1000.0, 1500.0), ("ecommerce", 600.0, 900.0)] {
        let t = num(&c["modes"][mode]["avg_ticket"]);
        assert!((lo..=hi).contains(&t), "{mode} avg ticket {t}");
    }
    for (mode, lo, hi) in [("traditional", 0.18, 0.22), ("card", 0.09, 0.15), ("ecommerce", 0.25, 0.30)] {
        let s = num(&c["modes"][mode]["marketing_cost_share"]);
        assert!((lo..=hi).contains(&s), "{mode} marketing cost share {s}");
    }
    let up = num(&c["uplift"]["avg_ticket"]);
    assert!((0.28..=0.45).contains(&up), "uplift {up}");
    // The same figures by plain GROUP BY over the raw rows.
    let raw = onecard::analytics::demo::raw_compare(&core, &admin).await.unwrap();
    for mode in ["traditional", "card", "ecommerce"] {
        for k in ["sales", "transactions", "avg_ticket", "repurchase_rate", "footfall"] {
            assert_eq!(c["modes"][mode][k], raw["modes"][mode][k], "{mode} {k}");
        }
    }
    // Periods that start after the data's first day and end before its last: the repurchase
    // rate reads the buyer days inside them, after them or before them, whichever are fewest
    // (a debug build reads all three and stops if they disagree), and equals the raw rows' one.
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    for (from, to) in [
        ("2025-01-02", "2025-12-30"),
        ("2025-03-05", "2025-05-20"),
        ("2025-02-10", "2025-10-20"),
        ("2025-06-01", "2025-12-30"),
        ("2025-07-01", "2025-07-01"),
    ] {
        let f = onecard::analytics::metrics::Filter { from: Some(day(from)), to: Some(day(to)), ..Default::default() };
        let c = core.dashboard(&admin, "compare", &f).await.unwrap();
        let raw = onecard::analytics::demo::raw_compare_for(&core, &admin, &f).await.unwrap();
        for mode in ["traditional", "card", "ecommerce"] {
            for k in ["sales", "transactions", "repurchase_rate", "footfall"] {
                assert_eq!(c["modes"][mode][k], raw["modes"][mode][k], "{from}..{to} {mode} {k}");
            }
        }
    }
}

/// Writers adding days of the same buyers at once (eight imports of the same customers, card
/// purchases of one member's two cards on different days) leave the buyer-day links, the
/// multi-mall list and the marks exactly as a recomputation from the raw rows.
async fn concurrent_buyer_days(db: &TestDb) {
    let m1 = db.shop().await;
    db.mall("M2", "west").await;
    let m2 = db.merchant("M2", "Brand B").await;
    let h = "mall,merchant,channel,txn_id,time,amount,customer_id,member,checkout_seconds,returned\n";
    let files: Vec<String> = (0..8)
        .map(|i| {
            let mut t = h.to_string();
            // cu2's id holds what JSON escapes (a quote, a backslash, a tab) and CJK: SQLite
            // hands the stored days back as one JSON array.
            for (j, who) in ["cu1", "\"c\"\"u\\2\t客\"", "cu3"].iter().enumerate() {
                let (mall, m) = if j == 2 && i % 2 == 1 { ("M2", m2) } else { ("M1", m1) };
                let day = 1 + (i * 3 + j) % 27;
                t.push_str(&format!(
                    "{mall},{m},till,t{i}-{j},2026-02-{day:02}T10:00:00+08:00,10.00,{who},true,,false\n"
                ));
            }
            t
        })
        .collect();
    let names: Vec<String> = (0..files.len()).map(|i| format!("c{i}.csv")).collect();
    let imports =
        files.iter().zip(&names).map(|(t, name)| db.core.import_bytes(&db.admin, Kind::Sales, name, t.as_bytes()));
    for r in futures_util::future::join_all(imports).await {
        r.map_err(|f| f.error).unwrap();
    }
    let cards = [db.reg_card(7).await, db.reg_card(7).await];
    for c in &cards {
        db.load(c, "1000").await;
    }
    let mut cores = Vec::new();
    for day in 1..=6 {
        cores.push(db.core_at(&format!("2026-03-{day:02}T12:00:00+08:00")).await);
    }
    let pays = cores.iter().enumerate().map(|(i, core)| {
        let m = if i % 3 == 0 { m2 } else { m1 };
        core.pay(&db.admin, pay(&cards[i % 2], "10.00", m, &format!("cp{i}")))
    });
    for r in futures_util::future::join_all(pays).await {
        r.unwrap();
    }
    let handle = onecard::db::Db::connect(&db.url).await.unwrap();
    let stored = snapshot(&handle).await.unwrap();
    assert!(stored.multi_buyers.contains("x:cu3"), "cu3 bought in both malls");
    assert_eq!(stored.buyer_days.iter().filter(|(b, _, _)| b == "x:cu1").count(), 8);
    assert_eq!(stored.buyer_days.iter().filter(|(b, _, _)| b == "x:c\"u\\2\t客").count(), 8);
    assert_eq!(stored, recompute(&handle).await.unwrap());
}

/// A sales file of more buyers than PostgreSQL's lock table holds a lock each for (6,400 and
/// some slack with the server's defaults) imports beside a purchase, and every buyer day is
/// linked exactly.
async fn a_file_of_many_buyers(db: &TestDb) {
    let m1 = db.shop().await;
    let mut t = "mall,merchant,channel,txn_id,time,amount,customer_id,member,checkout_seconds,returned\n".to_string();
    for i in 0..30_000 {
        let day = 1 + i % 27;
        t.push_str(&format!("M1,{m1},till,t{i},2026-02-{day:02}T10:00:00+08:00,10.00,cu{i},true,,false\n"));
    }
    let card = db.reg_card(1).await;
    db.load(&card, "100").await;
    let (imported, paid) = tokio::join!(
        db.core.import_bytes(&db.admin, Kind::Sales, "many.csv", t.as_bytes()),
        db.core.pay(&db.admin, pay(&card, "10.00", m1, "many-1")),
    );
    imported.map_err(|f| f.error).unwrap();
    paid.unwrap();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM r_buyer_day WHERE buyer LIKE 'x:cu%'").await, 30_000);
    let handle = onecard::db::Db::connect(&db.url).await.unwrap();
    assert_eq!(snapshot(&handle).await.unwrap(), recompute(&handle).await.unwrap());
}

both_backends!(rollups_match_raw, demo_small_verifies, concurrent_buyer_days, a_file_of_many_buyers);
