//! Issue 4 gaps: catch-up settlement over a range of business days (in order, one batch per day,
//! replay, cancel between days, refusals that write nothing), the overview's latest reserve
//! reconciliation, and a merchant's fee and rating history.

mod common;

use std::sync::{Arc, Mutex, OnceLock};

use chrono::NaiveDate;
use common::{m, pay, TestDb};
use onecard::auth::Actor;
use onecard::clearing::ClearingOp;
use onecard::types::{Category, Role};
use onecard::{JobControl, JobProgress, MerchantAddRequest, RefundRequest};
use serde_json::Value;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Purchases on 2026-03-01 (the harness's day), 03-02 and 03-03 at two merchants, and a refund on
/// 03-03 of a purchase of 03-01. Returns the merchants.
async fn three_days_of_trade(db: &TestDb) -> (i64, i64) {
    db.mall("M1", "east").await;
    db.core
        .clearing_op(&db.admin, ClearingOp::FeeRule { category: Category::Apparel, bps: 100, from: None, to: None })
        .await
        .unwrap();
    let a = db.merchant("M1", "A").await;
    let b = db.merchant("M1", "B").await;
    let card = db.anon_card().await;
    db.load(&card, "900").await;
    let p1 = db.core.pay(&db.admin, pay(&card, "100", a, "c1")).await.unwrap();
    db.core.pay(&db.admin, pay(&card, "50", b, "c2")).await.unwrap();
    let d2 = db.core_at("2026-03-02T11:00:00+08:00").await;
    d2.pay(&db.admin, pay(&card, "20", a, "c3")).await.unwrap();
    let d3 = db.core_at("2026-03-03T12:00:00+08:00").await;
    // A's refund is smaller than its sales that day: no merchant ends a day owing money (a debt
    // carried forward would show as a reserve shortfall in `verify` until it is recovered).
    d3.pay(&db.admin, pay(&card, "30", a, "c4")).await.unwrap();
    d3.refund(&db.admin, RefundRequest { payment_id: p1.payment_id.unwrap(), amount: m("10"), reference: "c5".into() })
        .await
        .unwrap();
    (a, b)
}

async fn catch_up_settles_each_day_in_order(db: &TestDb) {
    three_days_of_trade(db).await;
    // On 03-05 the default range is the earliest purchase day (nothing settled yet) through
    // yesterday: 03-01 .. 03-04, one batch each, in order (03-04 had no trade: an empty batch).
    let later = db.core_at("2026-03-05T01:30:00+08:00").await;
    assert_eq!(later.settle_default_from(&db.admin).await.unwrap(), Some(day("2026-03-01")));
    let seen: Arc<Mutex<Vec<JobProgress>>> = Arc::default();
    let sink = seen.clone();
    let control = JobControl::new(move |p| sink.lock().unwrap().push(p));
    let r = later.settle_range(&db.admin, None, None, Some(control)).await.unwrap();
    assert_eq!(r.from.as_deref(), Some("2026-03-01"));
    assert_eq!(r.to, "2026-03-04");
    assert_eq!((r.settled, r.replayed, r.cancelled), (4, 0, false));
    let dates: Vec<&str> = r.days.iter().map(|s| s.date.as_str()).collect();
    assert_eq!(dates, ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]);
    // Each day is the batch `settle --date D` would have made.
    assert_eq!(r.days[0].gross, m("150"));
    assert_eq!(r.days[0].fees, m("1.50"));
    assert_eq!(r.days[1].gross, m("20"));
    assert_eq!(r.days[2].gross, m("30"));
    assert_eq!(r.days[2].refunds, m("10"));
    assert_eq!(r.days[3].merchants, 0);
    let ids: Vec<i64> = r.days.iter().map(|s| s.batch_id).collect();
    assert!(ids.windows(2).all(|w| w[0] != w[1]));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM settlement_batches").await, 4);
    let show = later.settlement_show(&db.admin, day("2026-03-02")).await.unwrap();
    assert_eq!(show["batch_id"], ids[1]);
    // Progress: per day, then committed.
    let p = seen.lock().unwrap().clone();
    assert_eq!(p.first().map(|p| (p.done, p.total, p.stage.as_str())), Some((0, 4, "settling")));
    assert_eq!(p.iter().filter(|p| p.stage == "settled").count(), 4);
    assert_eq!(p.last().map(|p| (p.done, p.total, p.stage.as_str())), Some((4, 4, "committed")));
    db.assert_verified().await;

    // A replay of the same range settles nothing new and writes nothing.
    let before = db.digest().await;
    let again = later.settle_range(&db.admin, Some(day("2026-03-01")), Some(day("2026-03-04")), None).await.unwrap();
    assert_eq!((again.settled, again.replayed), (0, 4));
    assert!(again.days.iter().all(|s| s.replayed));
    assert_eq!(again.days.iter().map(|s| s.batch_id).collect::<Vec<_>>(), ids);
    // The default range is now empty: the day after the last batch is today.
    let nothing = later.settle_range(&db.admin, None, None, None).await.unwrap();
    assert_eq!(nothing.from.as_deref(), Some("2026-03-05"));
    assert!(nothing.days.is_empty());
    before.assert_same(&db.digest().await, "replayed catch-up");

    // The next day, the default starts after the last batch.
    let next = db.core_at("2026-03-06T01:30:00+08:00").await;
    let r = next.settle_range(&db.admin, None, None, None).await.unwrap();
    assert_eq!(r.days.iter().map(|s| s.date.as_str()).collect::<Vec<_>>(), ["2026-03-05"]);
}

async fn cancel_stops_between_days(db: &TestDb) {
    three_days_of_trade(db).await;
    let later = db.core_at("2026-03-04T09:00:00+08:00").await;
    // The job cancels itself once the first day is settled (a person pressing Cancel then).
    let handle: Arc<OnceLock<JobControl>> = Arc::default();
    let h = handle.clone();
    let seen: Arc<Mutex<Vec<JobProgress>>> = Arc::default();
    let sink = seen.clone();
    let control = JobControl::new(move |p| {
        if p.stage == "settled" && p.done == 1 {
            if let Some(c) = h.get() {
                c.cancel();
            }
        }
        sink.lock().unwrap().push(p);
    });
    handle.set(control.clone()).unwrap();
    let r = later.settle_range(&db.admin, None, None, Some(control)).await.unwrap();
    assert!(r.cancelled);
    assert_eq!(r.settled, 1);
    assert_eq!(r.days.len(), 1);
    assert_eq!(r.days[0].date, "2026-03-01");
    assert_eq!(r.next_day.as_deref(), Some("2026-03-02"));
    // Exactly one batch: the day settled stays settled, the others are untouched.
    assert_eq!(db.scalar("SELECT COUNT(*) FROM settlement_batches").await, 1);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM settlement_batches WHERE day = '2026-03-01'").await, 1);
    let last = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!((last.done, last.total, last.stage.as_str()), (1, 3, "cancelled"));
    db.assert_verified().await;
    // The next run picks up where the cancel stopped.
    let r = later.settle_range(&db.admin, None, None, None).await.unwrap();
    assert_eq!(r.days.iter().map(|s| s.date.as_str()).collect::<Vec<_>>(), ["2026-03-02", "2026-03-03"]);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM settlement_batches").await, 3);
}

async fn refusals_write_nothing(db: &TestDb) {
    three_days_of_trade(db).await;
    let later = db.core_at("2026-03-04T09:00:00+08:00").await;
    // A range that reaches today (or later) is refused as a whole: today is not over.
    let e = db
        .refused(
            "day_not_closed",
            later.settle_range(&db.admin, Some(day("2026-03-01")), Some(day("2026-03-04")), None),
        )
        .await;
    assert!(e.message.contains("2026-03-04"), "{}", e.message);
    db.refused("day_not_closed", later.settle_range(&db.admin, None, Some(day("2026-03-09")), None)).await;
    // From after to; a range of more than ten years.
    db.refused("invalid_date", later.settle_range(&db.admin, Some(day("2026-03-03")), Some(day("2026-03-01")), None))
        .await;
    db.refused("invalid_date", later.settle_range(&db.admin, Some(day("2010-01-01")), None, None)).await;
    // Only finance and administrators settle.
    let auditor: Actor = db.user("aud1", Role::Auditor).await;
    db.refused("forbidden", later.settle_range(&auditor, None, None, None)).await;
    let fin = db.user("fin1", Role::Finance).await;
    // Out of order: 03-02 was settled on its own, so 03-01 can no longer be; nothing is written.
    later.settle(&fin, day("2026-03-02")).await.unwrap();
    let e = db.refused("settlement_out_of_order", later.settle_range(&fin, Some(day("2026-03-01")), None, None)).await;
    assert!(e.message.contains("2026-03-01"), "{}", e.message);
    // The CLI: bad dates are `invalid_date` (exit 1), nothing written; `--date` is unchanged.
    let before = db.digest().await;
    for args in [
        &["settle", "--from", "2026-02-30", "--to", "2026-03-03"][..],
        &["settle", "--from", "03/01/2026"][..],
        &["settle", "--to", "2026-3-3"][..],
    ] {
        let (code, out, _) = db.cli_at("2026-03-04T09:00:00+08:00", args);
        assert_ne!(code, 0, "{args:?}: {out}");
        let v: Value = serde_json::from_str(out.trim()).unwrap_or_else(|_| panic!("{args:?}: {out}"));
        assert_eq!(v["error"]["code"], "invalid_date", "{args:?}: {out}");
    }
    let (code, out, _) = db.cli_at("2026-03-04T09:00:00+08:00", &["settle"]);
    assert_eq!(code, 2, "settle without a date is a usage error: {out}");
    before.assert_same(&db.digest().await, "refused CLI settlements");
    let (code, out, _) =
        db.cli_at("2026-03-04T09:00:00+08:00", &["settle", "--from", "2026-03-03", "--to", "yesterday"]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["settled"], 1);
    assert_eq!(v["days"][0]["date"], "2026-03-03");
    let (code, out, _) = db.cli_at("2026-03-04T09:00:00+08:00", &["settle", "--date", "2026-03-03"]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["replayed"], true);
    assert_eq!(v["date"], "2026-03-03");
}

async fn latest_reserve_reconciliation(db: &TestDb) {
    db.shop().await;
    // No custody statement yet: nothing to show (null), for whoever may read finance data.
    assert_eq!(db.core.reserve_latest(&db.admin).await.unwrap(), Value::Null);
    let op = db.user("op1", Role::Operator).await;
    db.refused("forbidden", db.core.reserve_latest(&op)).await;
    let card = db.anon_card().await;
    db.load(&card, "500").await;
    let file = db.dir.path().join("custody.csv");
    std::fs::write(&file, "date,opening,inflows,outflows,closing\n2026-02-28,0,0,0,0\n2026-03-01,0,450.00,0,450.00\n")
        .unwrap();
    db.core.reserve_import(&db.admin, &file).await.unwrap();
    // The latest statement's day (03-01), the same report `reserve reconcile --date` gives.
    let auditor = db.user("aud1", Role::Auditor).await;
    let next = db.core_at("2026-03-02T09:00:00+08:00").await;
    let latest = next.reserve_latest(&auditor).await.unwrap();
    assert_eq!(latest, next.reserve_reconcile(&auditor, day("2026-03-01")).await.unwrap());
    assert_eq!(latest["date"], "2026-03-01");
    assert_eq!(latest["coverage"], "0.9000");
    assert_eq!(latest["alert"], true);
    // Today's traffic does not move it: it is the day finance reconciled.
    next.top_up(&db.admin, common::topup(&card, "100", "late-load")).await.unwrap();
    assert_eq!(next.reserve_latest(&auditor).await.unwrap(), latest);
    let (code, out, _) = db.cli(&["reserve", "latest"]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["coverage"], "0.9000");
}

async fn merchant_fee_and_rating_history(db: &TestDb) {
    db.mall("M1", "east").await;
    let set_rule = |bps, from: Option<&str>, to: Option<&str>| ClearingOp::FeeRule {
        category: Category::Apparel,
        bps,
        from: from.map(day),
        to: to.map(day),
    };
    db.core.clearing_op(&db.admin, set_rule(80, None, None)).await.unwrap();
    db.core.clearing_op(&db.admin, set_rule(30, Some("2026-03-02"), Some("2026-03-02"))).await.unwrap();
    let req = MerchantAddRequest { mall: "M1".into(), name: "品牌甲".into(), category: Category::Apparel };
    let id = db.core.merchant_add_full(&db.admin, req, Some(50), None).await.unwrap()["merchant"].as_i64().unwrap();
    let other = db.merchant("M1", "Other").await;
    let card = db.anon_card().await;
    db.load(&card, "900").await;
    db.core.pay(&db.admin, pay(&card, "100", id, "h1")).await.unwrap(); // 50 bps (contract)
    let d2 = db.core_at("2026-03-02T10:00:00+08:00").await;
    d2.pay(&db.admin, pay(&card, "100", id, "h2")).await.unwrap(); // 30 bps (promotion)
    let d3 = db.core_at("2026-03-03T10:00:00+08:00").await;
    d3.clearing_op(
        &db.admin,
        ClearingOp::Contract { merchant: id, fee_bps: Some(45), settlement_account: Some("6222".into()), start: None },
    )
    .await
    .unwrap();
    d3.pay(&db.admin, pay(&card, "200", id, "h3")).await.unwrap(); // 45 bps (new contract)
    d3.pay(&db.admin, pay(&card, "10", other, "h4")).await.unwrap();
    let april = db.core_at("2026-04-02T10:00:00+08:00").await;
    april.pay(&db.admin, pay(&card, "100", id, "h5")).await.unwrap();
    april.clearing_op(&db.admin, ClearingOp::Rating { month: day("2026-03-01") }).await.unwrap();

    let v = april.merchant_show(&db.admin, id).await.unwrap();
    let contracts = v["fee_history"]["contracts"].as_array().unwrap();
    let rates: Vec<&Value> = contracts.iter().map(|c| &c["fee_bps"]).collect();
    assert_eq!(rates, [&Value::from(50), &Value::from(45)], "{contracts:?}");
    assert_eq!(contracts[1]["start"], "2026-03-03");
    assert_eq!(contracts[1]["changed"], true);
    let rules = v["fee_history"]["category_rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["kind"], "base");
    assert_eq!(rules[1]["kind"], "promotional");
    assert_eq!(rules[1]["from"], "2026-03-02");
    // The rates that applied, newest month first, per rate: what was really charged.
    let applied: Vec<(String, i64, i64, String)> = v["fee_history"]["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap().to_string();
            (s("month"), a["fee_bps"].as_i64().unwrap(), a["purchases"].as_i64().unwrap(), s("fees"))
        })
        .collect();
    assert_eq!(
        applied,
        [
            ("2026-04".into(), 45, 1, "0.45".into()),
            ("2026-03".into(), 50, 1, "0.50".into()),
            ("2026-03".into(), 45, 1, "0.90".into()),
            ("2026-03".into(), 30, 1, "0.30".into()),
        ]
    );
    let ratings = v["ratings"].as_array().unwrap();
    assert_eq!(ratings.len(), 1);
    assert_eq!(ratings[0]["month"], "2026-03");
    assert!(ratings[0]["score"].as_i64().is_some());
    assert!(matches!(ratings[0]["grade"].as_str(), Some("A" | "B" | "C" | "D")));
    // The onboarding events are still there, as before.
    assert!(v["events"].as_array().unwrap().len() >= 6);
    // A merchant manager of another merchant sees none of it.
    let mm = db.user("mm9", Role::MerchantManager).await;
    db.refused("forbidden", april.merchant_show(&mm, id)).await;
}

both_backends!(
    catch_up_settles_each_day_in_order,
    cancel_stops_between_days,
    refusals_write_nothing,
    latest_reserve_reconciliation,
    merchant_fee_and_rating_history,
);
