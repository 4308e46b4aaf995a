//! Forecasts per merchant and per category against a hand-computed fixture (seasonal naive with
//! drift, the backtest MAPE, the weekly history, the reorder suggestion over a category's stock),
//! role scope, refusals; the forecast chart and table; imports under a job control (stages,
//! cancel = nothing written) and the list of imports.
mod common;

use std::sync::{Arc, Mutex};

use common::TestDb;
use onecard::analytics::forecast::Subject;
use onecard::analytics::import::Kind;
use onecard::auth::Scope;
use onecard::types::{Category, Role};
use onecard::{JobControl, MerchantAddRequest};
use serde_json::Value;

async fn merchant(db: &TestDb, mall: &str, name: &str, category: Category) -> i64 {
    let v = db
        .core
        .merchant_add(&db.admin, MerchantAddRequest { mall: mall.into(), name: name.into(), category })
        .await
        .unwrap();
    v["merchant"].as_i64().unwrap()
}

async fn import(db: &TestDb, kind: Kind, name: &str, text: &str) {
    if let Err(f) = db.core.import_bytes(&db.admin, kind, name, text.as_bytes()).await {
        panic!("import {name}: {:?} {:?}", f.error, f.rows);
    }
}

/// Two dining merchants (A in M1, B in M2) and an apparel one (C in M1) over six weeks,
/// Monday 2026-01-12 to Sunday 2026-02-22. A sells 100.00 a day; B sells 10, 20, 30, 40, 50,
/// 60, 10 (Mon..Sun) in weeks 1-2 and 10, 40, 60, 80, 100, 120, 10 in weeks 3-6. The dining
/// category: 920.00 a week, then 1,120.00. Stock counts: A 1,000.00 on Jan 12 (COGS 2,100.00)
/// and 300.00 on Feb 22; B 200.00 on Jan 12 (COGS 1,060.00); C none.
async fn fixture(db: &TestDb) -> (i64, i64, i64) {
    db.mall("M1", "east").await;
    db.mall("M2", "west").await;
    let a = merchant(db, "M1", "A", Category::Dining).await;
    let b = merchant(db, "M2", "B", Category::Dining).await;
    let c = merchant(db, "M1", "C", Category::Apparel).await;
    let first = chrono::NaiveDate::from_ymd_opt(2026, 1, 12).unwrap();
    let mut csv =
        String::from("mall,merchant,channel,txn_id,time,amount,customer_id,member,checkout_seconds,returned\n");
    for i in 0..42 {
        let day = first + chrono::Duration::days(i);
        let k = (i % 7) as usize;
        let b_amount = if i < 14 { [10, 20, 30, 40, 50, 60, 10][k] } else { [10, 40, 60, 80, 100, 120, 10][k] };
        csv.push_str(&format!("M1,{a},till,a{i},{day}T12:00:00+08:00,100.00,,false,,false\n"));
        csv.push_str(&format!("M2,{b},till,b{i},{day}T12:00:00+08:00,{b_amount}.00,,false,,false\n"));
        csv.push_str(&format!("M1,{c},till,c{i},{day}T12:00:00+08:00,50.00,,false,,false\n"));
    }
    import(db, Kind::Sales, "sales-6w.csv", &csv).await;
    let inv = format!(
        "merchant,date,stock_at_cost,cogs\n{a},2026-01-12,1000.00,2100.00\n{a},2026-02-22,300.00,0\n\
         {b},2026-01-12,200.00,1060.00\n"
    );
    import(db, Kind::Inventory, "inventory.csv", &inv).await;
    (a, b, c)
}

fn weeks(v: &Value, key: &str) -> Vec<(String, String)> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["week_start"].as_str().unwrap().to_string(), w["sales"].as_str().unwrap().to_string()))
        .collect()
}

fn dining(mall: Option<&str>) -> Subject {
    Subject::Category(Category::Dining, mall.map(String::from))
}

async fn category_forecast(db: &TestDb) {
    let (a, b, _) = fixture(db).await;
    let f = db.core.forecast_of(&db.admin, &dining(None), 4, 7).await.unwrap();
    assert_eq!(f["category"], "dining");
    assert_eq!(f["merchant"], Value::Null);
    assert_eq!(f["merchants"], serde_json::json!([a, b]));
    // 42 days < 8 weeks: seasonal naive with drift; y[0] = y[41] = 110.00, so no drift.
    assert_eq!(f["method"], "seasonal_naive_drift");
    assert_eq!(f["weeks"], 4);
    assert_eq!(f["history_days"], 42);
    assert_eq!(f["history_from"], "2026-01-12");
    assert_eq!(f["history_to"], "2026-02-22");
    let h = weeks(&f, "history");
    assert_eq!(h.len(), 6);
    assert_eq!(h[0], ("2026-01-12".into(), "920.00".into()));
    assert_eq!(h[5], ("2026-02-16".into(), "1120.00".into()));
    let fc = weeks(&f, "forecast");
    assert_eq!(fc.len(), 4);
    assert_eq!(fc[0], ("2026-02-23".into(), "1120.00".into()));
    assert_eq!(fc[3], ("2026-03-16".into(), "1120.00".into()));
    // Backtest: trained on weeks 1-2 (920.00 a week), tested on weeks 3-6 (1,120.00 each):
    // |1120 - 920| / 1120 = 0.178571... every week.
    assert_eq!(f["backtest_mape"], "0.1786");
    // Reorder over A's and B's stock: cost ratio (2100 + 1060) / (4200 + 2120) = 0.5; demand over
    // 7 days = 1120 x 0.5 = 560.00; sigma of the one-step errors = sqrt(9000 / 35) = 16.0357;
    // safety = 1.65 x 16.0357 x sqrt(7) x 0.5 = 35.00; on hand = 300 (A's last) + 200 = 500.00.
    let r = &f["reorder"];
    assert_eq!(r["cost_ratio"], "0.5000");
    assert_eq!(r["demand_at_cost"], "560.00");
    assert_eq!(r["safety_stock"], "35.00");
    assert_eq!(r["stock_on_hand"], "500.00");
    assert_eq!(r["reorder_at_cost"], "95.00");
    assert_eq!(r["merchants_without_inventory"], serde_json::json!([]));
    assert_eq!(f["reorder_reason"], Value::Null);

    // One mall: only A (100.00 a day): 700.00 a week, a perfect backtest.
    let f = db.core.forecast_of(&db.admin, &dining(Some("M1")), 2, 14).await.unwrap();
    assert_eq!(f["merchants"], serde_json::json!([a]));
    let expected = [("2026-02-23", "700.00"), ("2026-03-02", "700.00")].map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(weeks(&f, "forecast"), expected.to_vec());
    assert_eq!(f["backtest_mape"], "0.0000");
    assert_eq!(f["reorder"]["stock_on_hand"], "300.00");

    // The merchant forecast has the same shape.
    let m = db.core.forecast(&db.admin, b, 4, 7).await.unwrap();
    assert_eq!(m["merchant"], b);
    assert_eq!(weeks(&m, "forecast")[0].1, "420.00");
    assert_eq!(weeks(&m, "history").len(), 6);
    assert_eq!(m["weeks"], 4);
    assert_eq!(m["reorder"]["stock_on_hand"], "200.00");
}

async fn category_scope_and_refusals(db: &TestDb) {
    let (a, b, c) = fixture(db).await;
    // A merchant manager of B sees B only: 420.00 a week.
    let mm = db.user_scoped("mm", Role::MerchantManager, vec![Scope::Merchant(b)]).await;
    let f = db.core.forecast_of(&mm, &dining(None), 1, 7).await.unwrap();
    assert_eq!(f["merchants"], serde_json::json!([b]));
    assert_eq!(weeks(&f, "forecast")[0].1, "420.00");
    // A regional manager of the east sees A (M1) only, and may not ask for M2.
    let rm = db.user_scoped("rm", Role::RegionalManager, vec![Scope::Region("east".into())]).await;
    let f = db.core.forecast_of(&rm, &dining(None), 1, 7).await.unwrap();
    assert_eq!(f["merchants"], serde_json::json!([a]));
    assert_eq!(db.core.forecast_of(&rm, &dining(Some("M2")), 1, 7).await.unwrap_err().code, "forbidden");
    let op = db.user("op", Role::Operator).await;
    assert_eq!(db.core.forecast_of(&op, &dining(None), 1, 7).await.unwrap_err().code, "forbidden");
    assert_eq!(db.core.forecast_of(&db.admin, &dining(Some("ZZ")), 1, 7).await.unwrap_err().code, "mall_not_found");
    assert_eq!(db.core.forecast_of(&db.admin, &dining(None), 0, 7).await.unwrap_err().code, "invalid_argument");
    // Why no reorder suggestion: no merchant of the category, or no stock counts.
    let f = db.core.forecast_of(&db.admin, &Subject::Category(Category::Jewellery, None), 4, 7).await.unwrap();
    assert_eq!(f["reorder"], Value::Null);
    assert_eq!(f["reorder_reason"], "no_merchants");
    let f = db.core.forecast_of(&db.admin, &Subject::Category(Category::Apparel, None), 4, 7).await.unwrap();
    assert_eq!(f["merchants"], serde_json::json!([c]));
    assert_eq!(f["reorder"], Value::Null);
    assert_eq!(f["reorder_reason"], "no_inventory");
    // The CLI: a bad category is the category vocabulary's error; the chart and table files.
    let (code, out, _) = db.cli(&["forecast", "--category", "shoes"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("invalid_category"), "{out}");
    let (code, out, _) = db.cli(&["forecast", "--category", "dining", "--mall", "ZZ"]);
    assert_ne!(code, 0);
    assert!(out.contains("mall_not_found"), "{out}");
    let svg = db.dir.path().join("f.svg");
    let csv = db.dir.path().join("f.csv");
    let (code, out, err) = db.cli(&[
        "forecast",
        "--category",
        "dining",
        "--weeks",
        "4",
        "--chart",
        svg.to_str().unwrap(),
        "--export",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out} {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["backtest_mape"], "0.1786");
    assert!(std::fs::read_to_string(&svg).unwrap().contains("销售预测"));
    let table = std::fs::read_to_string(&csv).unwrap();
    assert!(table.contains("history,2026-01-12,920.00"), "{table}");
    assert!(table.contains("forecast,2026-02-23,1120.00"), "{table}");
    // The console's SVG is the same picture.
    let f = db.core.forecast_of(&db.admin, &dining(None), 4, 7).await.unwrap();
    let s = onecard::analytics::charts::svg("forecast", &f).unwrap();
    assert!(s.starts_with("<svg") && s.contains("MAPE 0.1786"), "{}", &s[..200.min(s.len())]);
}

/// A control that records every stage and cancels itself at the `n`th report of `stage`.
fn cancelling_at(stage: &'static str, n: usize) -> (JobControl, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let me: Arc<Mutex<Option<JobControl>>> = Arc::new(Mutex::new(None));
    let (seen2, me2) = (seen.clone(), me.clone());
    let control = JobControl::new(move |p| {
        let mut s = seen2.lock().unwrap();
        s.push(p.stage.clone());
        if s.iter().filter(|x| *x == stage).count() == n {
            if let Some(c) = me2.lock().unwrap().as_ref() {
                c.cancel();
            }
        }
    });
    *me.lock().unwrap() = Some(control.clone());
    (control, seen)
}

async fn import_progress_and_cancel(db: &TestDb) {
    db.mall("M1", "east").await;
    // 3,000 footfall rows: several chunks, so a cancel can land while rows are being written.
    let mut text = String::from("mall,date,hour,entries\n");
    let first = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    for i in 0..250 {
        for h in 10..22 {
            text.push_str(&format!("M1,{},{h},{}\n", first + chrono::Duration::days(i), 10 + h));
        }
    }
    let path = db.dir.path().join("footfall-2025.csv");
    std::fs::write(&path, &text).unwrap();
    let before = db.digest().await;
    // Cancelled while checking, before the writer, and inside the writer's transaction (the
    // third chunk of rows written, then rolled back): nothing written each time.
    for (stage, n) in [("reading", 1), ("checking", 2), ("writing", 1), ("writing", 3)] {
        let (control, seen) = cancelling_at(stage, n);
        let r = db.core.import_file_with(&db.admin, Kind::Footfall, &path, Some(control)).await;
        let e = r.expect_err("cancelled");
        assert_eq!(e.error.code, "cancelled", "{stage} {n}: {:?}", e.error);
        assert!(!seen.lock().unwrap().contains(&"committed".to_string()));
        before.assert_same(&db.digest().await, &format!("cancelled at {stage} #{n}"));
    }
    // The same file, not cancelled: every stage reported in order, then committed.
    let (control, seen) = cancelling_at("never", 1);
    let r = db.core.import_file_with(&db.admin, Kind::Footfall, &path, Some(control)).await.unwrap();
    assert_eq!(r.rows, 3000);
    let seen = seen.lock().unwrap().clone();
    let order: Vec<&str> = seen.iter().map(String::as_str).fold(Vec::new(), |mut v, s| {
        if v.last() != Some(&s) {
            v.push(s);
        }
        v
    });
    assert_eq!(order, vec!["reading", "checking", "writing", "committed"], "{seen:?}");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM imported_footfall").await, 3000);
    // Bad rows: every one listed, nothing written.
    let bad = db.dir.path().join("members-bad.csv");
    std::fs::write(&bad, "mall,date,new_members,visitors_reached\nM1,2025-13-01,1,2\nXX,2025-01-01,1,2\n").unwrap();
    let e = db.core.import_file_with(&db.admin, Kind::Members, &bad, None).await.unwrap_err();
    assert_eq!(e.error.code, "invalid_rows");
    assert_eq!(e.rows.iter().map(|r| (r.line, r.column.as_str())).collect::<Vec<_>>(), vec![(2, "date"), (3, "mall")]);
    // The list of imports: newest first; who may not import may not list them either.
    let list = db.core.import_list(&db.admin, 10).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].kind.as_str(), list[0].file.as_str(), list[0].rows), ("footfall", "footfall-2025.csv", 3000));
    assert_eq!(list[0].actor, "admin");
    let auditor = db.user("aud", Role::Auditor).await;
    assert_eq!(db.core.import_list(&auditor, 10).await.unwrap_err().code, "forbidden");
    let e = db.core.import_file_with(&auditor, Kind::Footfall, &path, None).await.unwrap_err();
    assert_eq!(e.error.code, "forbidden");
    let (code, out, _) = db.cli(&["imports", "--limit", "5"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("footfall-2025.csv"), "{out}");
}

both_backends!(category_forecast, category_scope_and_refusals, import_progress_and_cancel);

async fn catalog_in_scope(db: &TestDb) {
    let (a, b, c) = fixture(db).await;
    let v = db.core.dashboard_catalog(&db.admin).await.unwrap();
    assert_eq!(v["regions"], serde_json::json!(["east", "west"]));
    assert_eq!(v["malls"].as_array().unwrap().len(), 2);
    assert_eq!(v["categories"], serde_json::json!(["apparel", "dining"]));
    let ids: Vec<i64> = v["merchants"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![a, c, b]);
    let mm = db.user_scoped("mm", Role::MerchantManager, vec![Scope::Merchant(b)]).await;
    let v = db.core.dashboard_catalog(&mm).await.unwrap();
    assert_eq!(v["malls"][0]["code"], "M2");
    assert_eq!(v["merchants"].as_array().unwrap().len(), 1);
    assert_eq!(v["categories"], serde_json::json!(["dining"]));
    let op = db.user("op", Role::Operator).await;
    assert_eq!(db.core.dashboard_catalog(&op).await.unwrap_err().code, "forbidden");
}

both_backends!(catalog_in_scope);
