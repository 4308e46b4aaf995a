//! Issue 4: reserve (custody) and channel reconciliation, bad import files, merchant rating.

mod common;

use chrono::NaiveDate;
use common::{topup, TestDb};
use onecard::clearing::ClearingOp;
use onecard::export::{Cell, ExportFormat, Table};
use onecard::money::Money;
use serde_json::Value;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn write(db: &TestDb, name: &str, text: &str) -> std::path::PathBuf {
    let p = db.dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

async fn reserve_fixtures(db: &TestDb) {
    let card = db.anon_card().await;
    db.core.top_up(&db.admin, topup(&card, "500", "w-load")).await.unwrap();
    // Bad files: error code, line, column, reason; nothing written.
    let unbalanced = write(
        db,
        "bad1.csv",
        "date,opening,inflows,outflows,closing\n2026-02-28,0,100.00,0,100.00\n2026-03-01,100.00,300.00,0,450.00\n",
    );
    let e = db.refused("invalid_import", db.core.reserve_import(&db.admin, &unbalanced)).await;
    assert!(e.message.contains("line 3, column closing"), "{}", e.message);
    let header = write(db, "bad2.csv", "day,opening,inflows,outflows,closing\n2026-02-28,0,0,0,0\n");
    let e = db.refused("invalid_import", db.core.reserve_import(&db.admin, &header)).await;
    assert!(e.message.contains("line 1"), "{}", e.message);
    let amount = write(db, "bad3.csv", "date,opening,inflows,outflows,closing\n2026-02-28,0,1.005,0,1.005\n");
    let e = db.refused("invalid_import", db.core.reserve_import(&db.admin, &amount)).await;
    assert!(e.message.contains("line 2, column inflows"), "{}", e.message);
    let date = write(db, "bad4.csv", "date,opening,inflows,outflows,closing\n2026-02-30,0,0,0,0\n");
    let e = db.refused("invalid_import", db.core.reserve_import(&db.admin, &date)).await;
    assert!(e.message.contains("line 2, column date"), "{}", e.message);
    db.refused("invalid_import", db.core.reserve_import(&db.admin, &write(db, "empty.csv", ""))).await;

    // A good CSV: a shortfall on 03-01 (400 in the bank for 500 on cards).
    let good = write(
        db,
        "custody.csv",
        "\u{feff}date,opening,inflows,outflows,closing\r\n2026-02-28,0,0,0,0\r\n2026-03-01,0,400.00,0,400.00\r\n",
    );
    let v = db.core.reserve_import(&db.admin, &good).await.unwrap();
    assert_eq!(v["imported"], 2);
    // The same content again is refused, whatever the file is called.
    let copy = db.dir.path().join("copy.csv");
    std::fs::copy(&good, &copy).unwrap();
    db.refused("already_imported", db.core.reserve_import(&db.admin, &copy)).await;
    let r = db.core.reserve_reconcile(&db.admin, day("2026-03-01")).await.unwrap();
    assert_eq!(r["custody_bank"], "400.00");
    assert_eq!(r["card_balances"], "500.00");
    assert_eq!(r["in_transit"], "500.00");
    assert_eq!(r["unsettled_payables"], "0.00");
    assert_eq!(r["coverage"], "0.8000");
    assert_eq!(r["alert"], true);
    let items: Vec<&str> = r["differences"].as_array().unwrap().iter().map(|d| d["item"].as_str().unwrap()).collect();
    assert!(items.contains(&"coverage_shortfall"), "{items:?}");
    // Before any card money: nothing owed, no alert.
    let r = db.core.reserve_reconcile(&db.admin, day("2026-02-28")).await.unwrap();
    assert_eq!(r["alert"], false);
    assert_eq!(r["coverage"], Value::Null);
    db.refused("no_custody_statement", db.core.reserve_reconcile(&db.admin, day("2026-03-02"))).await;

    // XLSX with the same header: covered on 03-02.
    let t = Table {
        title: "custody".into(),
        headers: ["date", "opening", "inflows", "outflows", "closing"].map(String::from).to_vec(),
        rows: vec![vec![
            Cell::Text("2026-03-02".into()),
            Cell::Money(Money::from_fen(40_000)),
            Cell::Money(Money::from_fen(22_050)),
            Cell::Money(Money::from_fen(50)),
            Cell::Money(Money::from_fen(62_000)),
        ]],
    };
    let xlsx = db.dir.path().join("custody.xlsx");
    onecard::export::write(&t, ExportFormat::Xlsx, &xlsx).unwrap();
    db.core.reserve_import(&db.admin, &xlsx).await.unwrap();
    let later = db.core_at("2026-03-03T09:00:00+08:00").await;
    let r = later.reserve_reconcile(&db.admin, day("2026-03-02")).await.unwrap();
    assert_eq!(r["custody_bank"], "620.00");
    assert_eq!(r["coverage"], "1.2400");
    assert_eq!(r["alert"], false);
    // Only finance (and admins) import.
    let op = db.user("op", onecard::types::Role::Operator).await;
    db.refused("forbidden", db.core.reserve_import(&op, &good)).await;
    db.assert_verified().await;
}

async fn channel_fixtures(db: &TestDb) {
    let card = db.anon_card().await;
    for (r, a) in [("w1", "100"), ("w2", "50"), ("w3", "20")] {
        db.core.top_up(&db.admin, topup(&card, a, r)).await.unwrap();
    }
    // Bad channel files.
    let missing = write(db, "c1.csv", "out_trade_no,amount\nw1,100.00\n");
    let e = db.refused("invalid_import", db.core.channel_import(&db.admin, "wechat", &missing)).await;
    assert!(e.message.contains("line 1, column trade_time"), "{}", e.message);
    let time =
        write(db, "c2.csv", "out_trade_no,amount,trade_time\nw1,100.00,2026-03-01 10:00:30\nw2,50.00,yesterday\n");
    let e = db.refused("invalid_import", db.core.channel_import(&db.admin, "wechat", &time)).await;
    assert!(e.message.contains("line 3, column trade_time"), "{}", e.message);
    db.refused("invalid_channel", db.core.channel_import(&db.admin, "paypal", &time)).await;
    // w1 matches (30 s apart), w2's amount differs, w9 is not ours, w3 is missing from the channel.
    let file = write(
        db,
        "wechat.csv",
        "out_trade_no,amount,trade_time,fee\nw1,100.00,2026-03-01 10:00:30,0.60\nw2,55.00,2026-03-01 10:00:00,0.33\n\
         w9,10.00,2026-03-01 11:00:00,0.06\n",
    );
    assert_eq!(db.core.channel_import(&db.admin, "wechat", &file).await.unwrap()["imported"], 3);
    db.refused("already_imported", db.core.channel_import(&db.admin, "wechat", &file)).await;
    let r = db.core.clearing_op(&db.admin, ClearingOp::ChannelReconcile { day: day("2026-03-01") }).await.unwrap();
    assert_eq!(r["matched"], 1);
    let unmatched = r["unmatched"].as_array().unwrap();
    let got: Vec<(String, String)> = unmatched
        .iter()
        .map(|u| (u["side"].as_str().unwrap().into(), u["reference"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        got,
        [("channel", "w2"), ("channel", "w9"), ("ledger", "w3")].map(|(a, b)| (a.into(), b.into())).to_vec()
    );
    // A tighter drift turns the 30 s difference into an exception too; reconciling again keeps
    // the exceptions found before (one row each).
    db.core
        .clearing_op(&db.admin, ClearingOp::Setting { name: "channel_drift_seconds".into(), value: "10".into() })
        .await
        .unwrap();
    let r = db.core.clearing_op(&db.admin, ClearingOp::ChannelReconcile { day: day("2026-03-01") }).await.unwrap();
    assert_eq!(r["matched"], 0);
    assert_eq!(r["unmatched"].as_array().unwrap().len(), 4);
    let id = unmatched[0]["id"].as_i64().unwrap();
    db.refused("reason_required", db.core.clearing_op(&db.admin, ClearingOp::ChannelResolve { id, note: " ".into() }))
        .await;
    db.core
        .clearing_op(&db.admin, ClearingOp::ChannelResolve { id, note: "bank fee adjustment".into() })
        .await
        .unwrap();
    db.refused("already_resolved", db.core.clearing_op(&db.admin, ClearingOp::ChannelResolve { id, note: "x".into() }))
        .await;
    db.refused(
        "exception_not_found",
        db.core.clearing_op(&db.admin, ClearingOp::ChannelResolve { id: 999_999, note: "x".into() }),
    )
    .await;
    let r = db.core.clearing_op(&db.admin, ClearingOp::ChannelReconcile { day: day("2026-03-01") }).await.unwrap();
    let first = r["unmatched"].as_array().unwrap().iter().find(|u| u["id"] == id).unwrap().clone();
    assert_eq!(first["resolved"], true);
}

async fn rating_is_idempotent(db: &TestDb) {
    db.mall("M1", "east").await;
    let a = db.merchant("M1", "A").await;
    let b = db.merchant("M1", "B").await;
    let card = db.anon_card().await;
    db.load(&card, "900").await;
    for i in 0..3 {
        let mut p = common::pay(&card, "100", a, &format!("ra{i}"));
        p.checkout_seconds = Some(60);
        db.core.pay(&db.admin, p).await.unwrap();
    }
    let pb = db.core.pay(&db.admin, common::pay(&card, "100", b, "rb")).await.unwrap();
    db.core
        .refund(
            &db.admin,
            onecard::RefundRequest {
                payment_id: pb.payment_id.unwrap(),
                amount: common::m("100"),
                reference: "rbr".into(),
            },
        )
        .await
        .unwrap();
    for _ in 0..2 {
        db.core
            .clearing_op(
                &db.admin,
                ClearingOp::Complaint { merchant: b, kind: "complaint".into(), note: "rude".into() },
            )
            .await
            .unwrap();
    }
    let month = onecard::clearing::parse_month("2026-03").unwrap();
    let r1 = db.core.clearing_op(&db.admin, ClearingOp::Rating { month }).await.unwrap();
    let r2 = db.core.clearing_op(&db.admin, ClearingOp::Rating { month }).await.unwrap();
    assert_eq!(r1["merchants"], r2["merchants"]);
    let by =
        |r: &Value, m: i64| r["merchants"].as_array().unwrap().iter().find(|x| x["merchant"] == m).unwrap().clone();
    // A: first sales (100), no returns (100), no complaints, no disputes, 60 s checkout (100).
    assert_eq!(by(&r1, a)["score"], 100);
    assert_eq!(by(&r1, a)["grade"], "A");
    assert_eq!(by(&r1, a)["support"], true);
    // B: trend 100, returns 0 (100% returned), complaints 60, disputes 100, checkout 50.
    // (100 x 30 + 0 x 25 + 60 x 20 + 100 x 10 + 50 x 15) / 100 = 59.5 -> 60
    assert_eq!(by(&r1, b)["score"], 60);
    assert_eq!(by(&r1, b)["watch"], true);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM merchant_ratings").await, 2);
    let shown = db.core.rating_show(&db.admin, month).await.unwrap();
    assert_eq!(shown["merchants"][0]["merchant"], a);
    // The support plan's discount applies next month, and only where configured.
    db.core
        .clearing_op(&db.admin, ClearingOp::FeeAdjust { kind: "support".into(), key: "plan".into(), bps: Some(-20) })
        .await
        .unwrap();
    db.core
        .clearing_op(
            &db.admin,
            ClearingOp::FeeRule { category: onecard::types::Category::Apparel, bps: 50, from: None, to: None },
        )
        .await
        .unwrap();
    let april = db.core_at("2026-04-02T10:00:00+08:00").await;
    let pa = april.pay(&db.admin, common::pay(&card, "10", a, "apr-a")).await.unwrap();
    let pb = april.pay(&db.admin, common::pay(&card, "10", b, "apr-b")).await.unwrap();
    let bps = |id: i64| format!("SELECT fee_bps FROM payments WHERE id = {id}");
    assert_eq!(db.scalar(&bps(pa.payment_id.unwrap())).await, 30);
    assert_eq!(db.scalar(&bps(pb.payment_id.unwrap())).await, 50);
    db.assert_verified().await;
}

both_backends!(reserve_fixtures, channel_fixtures, rating_is_idempotent);
