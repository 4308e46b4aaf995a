//! The dashboards against a small hand-computed fixture (every formula, every mode, an empty
//! period, a mall that adopted mid-period), role scopes, and the mode timeline.
mod common;

use common::{pay, TestDb};
use onecard::analytics::import::Kind;
use onecard::analytics::metrics::Filter;
use onecard::analytics::Mode;
use onecard::auth::Scope;
use onecard::types::{CityTier, Role};
use onecard::{MallAddRequest, RefundRequest};
use serde_json::{json, Value};

fn d(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn mall(db: &TestDb, code: &str, region: &str, mode: Option<Mode>, since: Option<&str>) {
    db.core
        .mall_add(
            &db.admin,
            MallAddRequest {
                code: code.into(),
                name: format!("{code} Outlets"),
                region: region.into(),
                city_tier: CityTier::parse("2").unwrap(),
                mode,
                card_since: since.map(Into::into),
            },
        )
        .await
        .unwrap();
}

async fn import(db: &TestDb, kind: Kind, name: &str, text: &str) -> Value {
    let r = db.core.import_bytes(&db.admin, kind, name, text.as_bytes()).await;
    match r {
        Ok(v) => serde_json::to_value(v).unwrap(),
        Err(f) => panic!("import {name}: {:?} {:?}", f.error, f.rows),
    }
}

/// Three malls: T1 traditional, A1 traditional until 2026-02-15 then card, E1 e-commerce; one
/// merchant each. Returns (t, a, e) merchant ids.
async fn fixture(db: &TestDb) -> (i64, i64, i64) {
    mall(db, "T1", "east", Some(Mode::Traditional), None).await;
    mall(db, "A1", "east", Some(Mode::Traditional), Some("2026-02-15")).await;
    mall(db, "E1", "online", Some(Mode::Ecommerce), None).await;
    let (t, a, e) = (db.merchant("T1", "T").await, db.merchant("A1", "A").await, db.merchant("E1", "E").await);
    let h = "mall,merchant,channel,txn_id,time,amount,customer_id,member,checkout_seconds,returned\n";
    let sales = format!(
        "{h}T1,{t},till,1,2026-02-03T10:00:00+08:00,1000.00,c1,true,300,false\n\
         T1,{t},till,2,2026-02-05T10:00:00+08:00,500.00,c1,true,200,true\n\
         T1,{t},till,3,2026-02-05T11:00:00+08:00,300,,false,,false\n\
         T1,{t},till,4,2026-02-06T10:00:00+08:00,200.00,c2,false,400,false\n\
         A1,{a},till,5,2026-02-10T10:00:00+08:00,800.00,c3,true,360,false\n\
         A1,{a},till,6,2026-02-20T10:00:00+08:00,400.00,c3,true,100,false\n\
         E1,{e},online,7,2026-02-11T10:00:00+08:00,600.00,c4,true,,false\n\
         E1,{e},online,8,2026-02-12T10:00:00+08:00,900.00,c4,true,,true\n"
    );
    import(db, Kind::Sales, "sales-feb.csv", &sales).await;
    import(
        db,
        Kind::Footfall,
        "footfall-feb.csv",
        "mall,date,hour,entries\nT1,2026-02-01,10,100\nT1,2026-02-02,11,50\nA1,2026-02-10,10,70\n\
         A1,2026-02-20,10,90\nE1,2026-02-11,12,365\n",
    )
    .await;
    import(
        db,
        Kind::Members,
        "members-feb.csv",
        "mall,date,new_members,visitors_reached\nT1,2026-02-01,45,100\nA1,2026-02-20,36,50\nE1,2026-02-11,29,50\n",
    )
    .await;
    import(
        db,
        Kind::Marketing,
        "marketing.csv",
        "mall,month,spend,targeted,delivered\nT1,2026-02,460.00,1000,400\nA1,2026-02,280.00,200,100\n\
         E1,2026-02,300.00,10,5\nT1,2026-03,310.00,1000,400\n",
    )
    .await;
    import(
        db,
        Kind::Inventory,
        "inventory.csv",
        &format!(
            "merchant,date,stock_at_cost,cogs\n{a},2026-02-09,1000.00,100.00\n{a},2026-02-16,600.00,150.00\n\
             {a},2026-02-23,400.00,50.00\n"
        ),
    )
    .await;
    // Card purchases at A1 after its adoption (a registered cobrand card: its member is the buyer).
    let card = db.reg_card(1).await;
    db.load(&card, "2000").await;
    let fri = db.core_at("2026-02-20T12:00:00+08:00").await;
    let p1 = fri.pay(&db.admin, pay(&card, "600.00", a, "p1")).await.unwrap();
    let sat = db.core_at("2026-02-21T15:00:00+08:00").await;
    let mut r = pay(&card, "300.00", a, "p2");
    r.checkout_seconds = Some(90);
    sat.pay(&db.admin, r).await.unwrap();
    let sun = db.core_at("2026-02-22T11:00:00+08:00").await;
    let refund = RefundRequest {
        payment_id: p1.payment_id.unwrap(),
        amount: onecard::money::Money::parse("100.00").unwrap(),
        reference: "r1".into(),
    };
    sun.refund(&db.admin, refund).await.unwrap();
    (t, a, e)
}

fn feb() -> Filter {
    Filter { from: Some(d("2026-02-01")), to: Some(d("2026-02-28")), ..Default::default() }
}

async fn compare_formulas(db: &TestDb) {
    fixture(db).await;
    let v = db.core.dashboard(&db.admin, "compare", &feb()).await.unwrap();
    let m = &v["modes"];
    // Traditional: T1 all month + A1 Feb 1-14 (42 mall-days). Sales 1000+500+300+200+800,
    // returned 500: net 2300 over 5 sales. Buyers c1 (2 days), c2, c3: 1 of 3 repeat.
    let t = &m["traditional"];
    assert_eq!(t["transactions"], 5);
    assert_eq!(t["sales"], "2300.00");
    assert_eq!(t["avg_ticket"], "460.00");
    assert_eq!(t["repurchase_rate"], "0.3333");
    assert_eq!(t["mall_days"], 42);
    assert_eq!(t["footfall_per_mall"], 1912); // 220 / 42 x 365 = 1911.9
    assert_eq!(t["member_conversion"], "0.4500");
    // T1's February 460 + half of A1's February (14 of 28 days): 600 / 2300.
    assert_eq!(t["marketing_cost_share"], "0.2609");
    // Card: A1 Feb 15-28. Till 400 + card 600 + 300, refund 100: net 1200 over 3 sales.
    // Buyers c3 (1 day), the member (2 days).
    let c = &m["card"];
    assert_eq!(c["transactions"], 3);
    assert_eq!(c["sales"], "1200.00");
    assert_eq!(c["avg_ticket"], "400.00");
    assert_eq!(c["repurchase_rate"], "0.5000");
    assert_eq!(c["mall_days"], 14);
    assert_eq!(c["footfall_per_mall"], 2346); // 90 / 14 x 365 = 2346.4
    assert_eq!(c["member_conversion"], "0.7200");
    assert_eq!(c["marketing_cost_share"], "0.1167"); // 140 / 1200
                                                     // E-commerce: 600 + 900 returned: net 600 over 2 sales; c4 bought on 2 days.
    let e = &m["ecommerce"];
    assert_eq!(e["transactions"], 2);
    assert_eq!(e["sales"], "600.00");
    assert_eq!(e["avg_ticket"], "300.00");
    assert_eq!(e["repurchase_rate"], "1.0000");
    assert_eq!(e["footfall_per_mall"], 4758); // 365 / 28 x 365
    assert_eq!(e["member_conversion"], "0.5800");
    assert_eq!(e["marketing_cost_share"], "0.5000");
    assert_eq!(e["reference"]["avg_ticket"], json!(["600.00", "900.00"]));
    // Uplift of card mode against traditional: (400 - 460) / 460 and (0.5 - 1/3) / (1/3).
    assert_eq!(v["uplift"]["avg_ticket"], "-0.1304");
    assert_eq!(v["uplift"]["repurchase_rate"], "0.5000");
    // The whole range of the data without --from/--to: the same February (+ the March spend
    // row does not make days: days come from the rollups).
    let all = db.core.dashboard(&db.admin, "compare", &Filter::default()).await.unwrap();
    assert_eq!(all["from"], "2026-02-01");
    assert_eq!(all["modes"]["card"]["transactions"], 3);
}

async fn empty_period(db: &TestDb) {
    fixture(db).await;
    let f = Filter { from: Some(d("2025-01-01")), to: Some(d("2025-01-31")), ..Default::default() };
    let v = db.core.dashboard(&db.admin, "compare", &f).await.unwrap();
    for mode in ["traditional", "ecommerce"] {
        let m = &v["modes"][mode];
        assert_eq!(m["transactions"], 0);
        assert_eq!(m["sales"], "0.00");
        assert_eq!(m["avg_ticket"], Value::Null);
        assert_eq!(m["repurchase_rate"], Value::Null);
        assert_eq!(m["member_conversion"], Value::Null);
        assert_eq!(m["marketing_cost_share"], Value::Null);
        assert_eq!(m["footfall_per_mall"], 0);
    }
    assert_eq!(v["modes"]["traditional"]["mall_days"], 62);
    assert_eq!(v["modes"]["card"]["mall_days"], 0);
    assert_eq!(v["modes"]["card"]["footfall_per_mall"], Value::Null);
    assert_eq!(v["uplift"]["avg_ticket"], Value::Null);
    let bad = Filter { from: Some(d("2026-03-01")), to: Some(d("2026-02-01")), ..Default::default() };
    assert_eq!(db.core.dashboard(&db.admin, "compare", &bad).await.unwrap_err().code, "invalid_period");
}

async fn merchant_benefits(db: &TestDb) {
    let (t, a, _) = fixture(db).await;
    let v = db.core.dashboard(&db.admin, "merchants", &feb()).await.unwrap();
    let ma = v["merchants"].as_array().unwrap().iter().find(|m| m["merchant"] == a).unwrap().clone();
    assert_eq!(ma["adopted_in_period"], true);
    assert_eq!(ma["before"]["checkout_seconds"], "360.00");
    assert_eq!(ma["after"]["checkout_seconds"], "95.00"); // (100 + 90) / 2: the first card payment had none
    assert_eq!(ma["change"]["checkout_seconds"], "-0.7361");
    assert_eq!(ma["before"]["return_rate"], "0.0000");
    assert_eq!(ma["after"]["return_rate"], "0.3333"); // the refunded payment / 3 sales
    assert_eq!(ma["change"]["return_rate"], Value::Null);
    assert_eq!(ma["before"]["marketing_reach"], "0.5000");
    assert_eq!(ma["after"]["marketing_reach"], "0.5000");
    assert_eq!(ma["change"]["marketing_reach"], "0.0000");
    // Mean stock 1000 / COGS 100 x 14 days; mean stock (600 + 400) / 2 / COGS 200 x 14 days.
    assert_eq!(ma["before"]["inventory_days"], "140.00");
    assert_eq!(ma["after"]["inventory_days"], "35.00");
    assert_eq!(ma["change"]["inventory_days"], "-0.7500");
    let mt = v["merchants"].as_array().unwrap().iter().find(|m| m["merchant"] == t).unwrap().clone();
    assert_eq!(mt["adopted_in_period"], false);
    assert_eq!(mt["before"]["checkout_seconds"], "300.00");
    assert_eq!(mt["before"]["return_rate"], "0.2500");
    assert_eq!(mt["before"]["marketing_reach"], "0.4000");
    assert_eq!(v["summary"]["after"]["checkout_seconds"], "95.00");
}

async fn card_type_behaviour(db: &TestDb) {
    fixture(db).await;
    let v = db.core.dashboard(&db.admin, "card-types", &feb()).await.unwrap();
    let c = &v["types"]["cobrand"];
    assert_eq!(c["transactions"], 2);
    assert_eq!(c["avg_ticket"], "450.00");
    // Friday 12:00 and Saturday 15:00 (weekday 0 = Monday).
    assert_eq!(c["heatmap"][4][12], 1);
    assert_eq!(c["heatmap"][5][15], 1);
    assert_eq!(c["weekend_share"], "0.5000");
    assert_eq!(c["categories"][0]["category"], "apparel");
    assert_eq!(c["categories"][0]["share"], "1.0000");
    assert_eq!(c["tickets"][2]["transactions"], 1); // 300-500
    assert_eq!(c["tickets"][3]["transactions"], 1); // 500-1000
    assert_eq!(v["types"]["physical"]["transactions"], 0);
}

async fn regions_by_tier(db: &TestDb) {
    fixture(db).await;
    let v = db.core.dashboard(&db.admin, "regions", &feb()).await.unwrap();
    assert_eq!(v["tiers"][0]["tier"], 2);
    assert!(v["tiers"][0]["strategy"].as_str().unwrap().contains("dining"));
    let east = v["regions"].as_array().unwrap().iter().find(|r| r["region"] == "east").unwrap().clone();
    assert_eq!(east["modes"]["traditional"]["transactions"], 5);
    assert_eq!(east["modes"]["card"]["transactions"], 3);
    assert_eq!(east["modes"]["ecommerce"]["transactions"], 0);
}

async fn role_scopes(db: &TestDb) {
    let (t, _, _) = fixture(db).await;
    let op = db.user("op", Role::Operator).await;
    let e = db.core.dashboard(&op, "compare", &feb()).await.unwrap_err();
    assert_eq!(e.code, "forbidden");
    let rm = db.user_scoped("rm", Role::RegionalManager, vec![Scope::Region("online".into())]).await;
    let v = db.core.dashboard(&rm, "compare", &feb()).await.unwrap();
    assert_eq!(v["modes"]["traditional"]["transactions"], 0);
    assert_eq!(v["modes"]["ecommerce"]["transactions"], 2);
    let f = Filter { mall: Some("T1".into()), ..feb() };
    assert_eq!(db.core.dashboard(&rm, "compare", &f).await.unwrap_err().code, "forbidden");
    let mm = db.user_scoped("mm", Role::MerchantManager, vec![Scope::Merchant(t)]).await;
    let v = db.core.dashboard(&mm, "compare", &feb()).await.unwrap();
    assert_eq!(v["modes"]["traditional"]["transactions"], 4);
    assert_eq!(v["modes"]["traditional"]["sales"], "1500.00");
    let v = db.core.dashboard(&mm, "merchants", &feb()).await.unwrap();
    assert_eq!(v["merchants"].as_array().unwrap().len(), 1);
    // A filter narrows further: --mall A1 for the admin.
    let f = Filter { mall: Some("A1".into()), ..feb() };
    let v = db.core.dashboard(&db.admin, "compare", &f).await.unwrap();
    assert_eq!(v["modes"]["traditional"]["transactions"], 1);
}

async fn mode_timeline(db: &TestDb) {
    fixture(db).await;
    // Without --mode a new mall is in card mode from the day it is added (NOW = 2026-03-01).
    mall(db, "N1", "east", None, None).await;
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT since, mode FROM mall_modes WHERE mall = 'N1' ORDER BY since")
            .fetch_all(db.raw())
            .await
            .unwrap();
    assert_eq!(rows.last().unwrap(), &("2026-03-01".to_string(), "card".to_string()));
    // Moving A1's adoption to Feb 1: all of A1's February is card mode now (no rollup rewritten).
    db.core.mall_set_mode(&db.admin, "A1", Mode::Card, d("2026-02-01")).await.unwrap();
    let v = db.core.dashboard(&db.admin, "compare", &feb()).await.unwrap();
    assert_eq!(v["modes"]["card"]["transactions"], 4);
    assert_eq!(v["modes"]["traditional"]["transactions"], 4);
    let auditor = db.user("aud", Role::Auditor).await;
    let e = db.refused("forbidden", db.core.mall_set_mode(&auditor, "A1", Mode::Card, d("2026-02-01"))).await;
    assert!(e.message.contains("aud"));
    db.refused("mall_not_found", db.core.mall_set_mode(&db.admin, "ZZ", Mode::Card, d("2026-02-01"))).await;
    // An e-commerce outlet has no adoption date: refused before anything is written.
    let r = MallAddRequest {
        code: "X1".into(),
        name: "X".into(),
        region: "east".into(),
        city_tier: CityTier::parse("1").unwrap(),
        mode: Some(Mode::Ecommerce),
        card_since: Some("2026-01-01".into()),
    };
    db.refused("invalid_mode", db.core.mall_add(&db.admin, r)).await;
    db.assert_verified().await;
}

async fn forecast_charts_exports(db: &TestDb) {
    let (_, a, _) = fixture(db).await;
    let f = db.core.forecast(&db.admin, a, 4, 14).await.unwrap();
    // 13 days of history (Feb 10-22): seasonal naive with drift; too short for a backtest.
    assert_eq!(f["method"], "seasonal_naive_drift");
    assert_eq!(f["history_days"], 13);
    assert_eq!(f["forecast"].as_array().unwrap().len(), 4);
    assert_eq!(f["backtest_mape"], Value::Null);
    assert_eq!(f["reorder"]["stock_on_hand"], "400.00");
    let op = db.user("op", Role::Operator).await;
    assert_eq!(db.core.forecast(&op, a, 4, 14).await.unwrap_err().code, "forbidden");
    assert_eq!(db.core.forecast(&db.admin, 999_999, 4, 14).await.unwrap_err().code, "merchant_not_found");
    for which in ["compare", "card-types", "merchants", "regions"] {
        let v = db.core.dashboard(&db.admin, which, &feb()).await.unwrap();
        let svg = onecard::analytics::charts::svg(which, &v).unwrap();
        assert!(svg.starts_with("<svg"), "{which}");
        let png = db.dir.path().join(format!("{which}.png"));
        onecard::analytics::charts::draw(which, &v, &png).unwrap();
        assert!(std::fs::metadata(&png).unwrap().len() > 1000);
        let x = onecard::analytics::charts::export(which, &v, &db.dir.path().join(format!("{which}.xlsx"))).unwrap();
        assert!(x["rows"].as_u64().unwrap() > 0, "{which}");
    }
    let v = db.core.dashboard(&db.admin, "compare", &feb()).await.unwrap();
    assert!(onecard::analytics::charts::svg("compare", &v).unwrap().contains("客单价"));
    let t = onecard::analytics::charts::table("compare", &v).unwrap();
    let csv = onecard::export::to_csv(&t);
    assert!(csv.contains("traditional,2,42,1912,460.00,0.3333,0.4500,0.2609,2300.00,5"), "{csv}");
}

/// The repurchase rate's paths (migration 0005): buyers in one mall counted from their first day
/// in each mall-period, buyers in two malls grouped (the same date in two malls is one day), a
/// day imported between two others relinking both, and a mall that went back to a mode.
async fn repurchase_paths(db: &TestDb) {
    mall(db, "T1", "east", Some(Mode::Traditional), None).await;
    mall(db, "T2", "east", Some(Mode::Traditional), None).await;
    mall(db, "A1", "east", Some(Mode::Traditional), Some("2026-02-15")).await;
    let m = [db.merchant("T1", "T").await, db.merchant("T2", "U").await, db.merchant("A1", "A").await];
    let h = "mall,merchant,channel,txn_id,time,amount,customer_id,member,checkout_seconds,returned\n";
    let rows = |id0: usize, rows: &[(&str, &str, &str)]| -> String {
        let mut out = h.to_string();
        for (i, (mall, day, who)) in rows.iter().enumerate() {
            let merchant = m[["T1", "T2", "A1"].iter().position(|x| x == mall).unwrap()];
            out.push_str(&format!(
                "{mall},{merchant},till,{},{day}T10:00:00+08:00,100.00,{who},true,,false\n",
                id0 + i
            ));
        }
        out
    };
    let listed: [(&str, &str, &str); 15] = [
        ("T1", "2026-02-03", "m1"),
        ("T2", "2026-02-03", "m1"),
        ("T1", "2026-02-03", "m2"),
        ("T2", "2026-02-05", "m2"),
        ("A1", "2026-02-10", "m3"),
        ("A1", "2026-02-20", "m3"),
        ("A1", "2026-02-16", "m4"),
        ("A1", "2026-02-18", "m4"),
        ("T1", "2026-01-30", "m5"),
        ("T1", "2026-02-02", "m5"),
        ("T1", "2026-02-27", "m6"),
        ("T1", "2026-03-02", "m6"),
        ("T1", "2026-02-01", "m7"),
        ("T1", "2026-02-20", "m7"),
        ("T1", "2026-02-10", "m7"),
    ];
    import(db, Kind::Sales, "sales-1.csv", &rows(1, &listed[..14])).await;
    import(db, Kind::Sales, "sales-2.csv", &rows(100, &listed[14..])).await;
    let rate = |v: &Value, mode: &str| v["modes"][mode]["repurchase_rate"].as_str().unwrap_or("null").to_string();
    // February. Traditional: m1 (one date in two malls), m2 (two dates), m3 (A1 before the
    // 15th), m5 (Jan 30 is outside), m6 (Mar 2 is outside), m7 (three days): 2 of 6.
    // Card: m3 (one day after the 15th), m4 (two days): 1 of 2.
    let v = db.core.dashboard(&db.admin, "compare", &feb()).await.unwrap();
    assert_eq!((rate(&v, "traditional"), rate(&v, "card")), ("0.3333".into(), "0.5000".into()));
    assert_eq!(v["modes"]["traditional"]["buyers"], 6);
    // Feb 11-28: m7's first day in it is the 20th (its 10th, imported later, is its previous
    // day now), m6 once: 0 of 2 traditional; card as before.
    let late = Filter { from: Some(d("2026-02-11")), ..feb() };
    let v = db.core.dashboard(&db.admin, "compare", &late).await.unwrap();
    assert_eq!((rate(&v, "traditional"), rate(&v, "card")), ("0.0000".into(), "0.5000".into()));
    assert_eq!(v["modes"]["traditional"]["buyers"], 2);
    // Every kind of period (from the data's start or not, to its end or not: r_buyer_mark's
    // sums, the range scan, or both) against the definition applied to the rows above.
    let froms =
        [None, Some("2026-01-30"), Some("2026-02-01"), Some("2026-02-03"), Some("2026-02-11"), Some("2026-02-16")];
    let tos = [None, Some("2026-02-05"), Some("2026-02-18"), Some("2026-02-28"), Some("2026-03-02")];
    for (from, to) in froms.iter().flat_map(|f| tos.iter().map(move |t| (*f, *t))) {
        if matches!((from, to), (Some(f), Some(t)) if f > t) {
            continue;
        }
        let f = Filter { from: from.map(d), to: to.map(d), ..Default::default() };
        let v = db.core.dashboard(&db.admin, "compare", &f).await.unwrap();
        for mode in ["traditional", "card"] {
            let mut days: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> = Default::default();
            for (m, day, who) in &listed {
                let in_period = from.is_none_or(|f| *day >= f) && to.is_none_or(|t| *day <= t);
                let card = *m == "A1" && *day >= "2026-02-15";
                if in_period && (if card { "card" } else { "traditional" }) == mode {
                    days.entry(who).or_default().insert(day);
                }
            }
            let repeat = days.values().filter(|d| d.len() >= 2).count();
            let got = (v["modes"][mode]["buyers"].as_i64(), v["modes"][mode]["repeat_buyers"].as_i64());
            assert_eq!(got, (Some(days.len() as i64), Some(repeat as i64)), "{mode} {from:?}..{to:?}");
        }
    }
    // T2 in card mode Feb 4-9 and traditional again from the 10th: m2's T2 day is a card day.
    // Traditional: m1, m2, m3, m5, m6, m7, only m7 repeats; card: m2, m3, m4, m4 repeats.
    db.core.mall_set_mode(&db.admin, "T2", Mode::Card, d("2026-02-04")).await.unwrap();
    db.core.mall_set_mode(&db.admin, "T2", Mode::Traditional, d("2026-02-10")).await.unwrap();
    let v = db.core.dashboard(&db.admin, "compare", &feb()).await.unwrap();
    assert_eq!((rate(&v, "traditional"), rate(&v, "card")), ("0.1667".into(), "0.3333".into()));
    // The stored links equal the links recomputed from the raw rows.
    let handle = onecard::db::Db::connect(&db.url).await.unwrap();
    let stored = onecard::analytics::rollup::snapshot(&handle).await.unwrap();
    assert_eq!(stored.multi_buyers.iter().cloned().collect::<Vec<_>>(), vec!["x:m1".to_string(), "x:m2".into()]);
    let m7 = stored.buyer_links[&("x:m7".to_string(), "T1".to_string(), "2026-02-10".to_string())].clone();
    assert_eq!(m7, (Some("2026-02-01".into()), Some("2026-02-20".into())));
    let recomputed = onecard::analytics::rollup::recompute(&handle).await.unwrap();
    assert!(!recomputed.buyer_marks.0.is_empty());
    assert_eq!(stored, recomputed);
    // Migration 0006's backfill of existing databases makes the same marks as the writers.
    let migration = include_str!("../migrations/0006_buyer_marks.sql");
    let backfill = &migration[migration.find("INSERT INTO r_buyer_mark").unwrap()..];
    sqlx::query("DELETE FROM r_buyer_mark").execute(&handle.pool).await.unwrap();
    sqlx::query(backfill.trim().trim_end_matches(';')).execute(&handle.pool).await.unwrap();
    assert_eq!(onecard::analytics::rollup::snapshot(&handle).await.unwrap(), recomputed);
}

both_backends!(
    repurchase_paths,
    forecast_charts_exports,
    compare_formulas,
    empty_period,
    merchant_benefits,
    card_type_behaviour,
    regions_by_tier,
    role_scopes,
    mode_timeline
);
