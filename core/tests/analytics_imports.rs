//! Imports: every bad row reported and nothing written, re-imports refused, till records of
//! card purchases never counted twice, XLSX, sync of a folder, permissions, the CLI.
mod common;

use common::{pay, TestDb};
use onecard::analytics::import::Kind;
use onecard::analytics::metrics::Filter;
use onecard::types::Role;

const H: &str = "mall,merchant,channel,txn_id,time,amount,customer_id,member,checkout_seconds,returned";

async fn bad_rows_write_nothing(db: &TestDb) {
    let m = db.shop().await;
    db.mall("M2", "east").await;
    let other = db.merchant("M2", "Other").await;
    let text = format!(
        "{H}\nNOPE,{m},till,1,2026-02-03T10:00:00+08:00,10.00,,false,,false\n\
         M1,{m},till,2,2026-02-03T10:00:00+08:00,12.345,,false,,false\n\
         M1,{m},till,3,yesterday,10.00,,false,,false\n\
         M1,{other},till,4,2026-02-03T10:00:00+08:00,10.00,,false,,false\n\
         M1,{m},shop,5,2026-02-03T10:00:00+08:00,10.00,,maybe,-1,false\n\
         M1,{m},till,6,2026-02-03T10:00:00+08:00,10.00,,false,,false\n\
         M1,{m},till,6,2026-02-03T10:00:00+08:00,10.00,,false,,false\n"
    );
    let before = db.digest().await;
    let f = db.core.import_bytes(&db.admin, Kind::Sales, "sales.csv", text.as_bytes()).await.unwrap_err();
    assert_eq!(f.error.code, "invalid_rows");
    let got: Vec<(u64, &str)> = f.rows.iter().map(|r| (r.line, r.column.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (2, "mall"),
            (3, "amount"),
            (4, "time"),
            (5, "merchant"),
            (6, "channel"),
            (6, "member"),
            (6, "checkout_seconds"),
            (8, "txn_id")
        ]
    );
    assert!(f.rows.iter().all(|r| !r.reason.is_empty()));
    before.assert_same(&db.digest().await, "invalid_rows");
    // A missing column is reported on the header line.
    let f =
        db.core.import_bytes(&db.admin, Kind::Footfall, "footfall.csv", b"mall,date,hour\nM1,2026-02-01,10\n").await;
    let f = f.unwrap_err();
    assert_eq!(f.error.code, "invalid_rows");
    assert_eq!((f.rows[0].line, f.rows[0].column.as_str()), (1, "entries"));
    // Other kinds check their own columns.
    let f = db
        .core
        .import_bytes(
            &db.admin,
            Kind::Marketing,
            "m.csv",
            b"mall,month,spend,targeted,delivered\nM1,2026-13,1.00,10,5\nM1,2026-02,1.00,10,11\n",
        )
        .await
        .unwrap_err();
    let got: Vec<(u64, &str)> = f.rows.iter().map(|r| (r.line, r.column.as_str())).collect();
    assert_eq!(got, vec![(2, "month"), (3, "delivered")]);
    let f = db
        .core
        .import_bytes(
            &db.admin,
            Kind::Inventory,
            "i.csv",
            b"merchant,date,stock_at_cost,cogs\n999,2026-02-30,1.00,-1\n",
        )
        .await
        .unwrap_err();
    let got: Vec<&str> = f.rows.iter().map(|r| r.column.as_str()).collect();
    assert_eq!(got, vec!["merchant", "date", "cogs"]);
    before.assert_same(&db.digest().await, "invalid_rows");
}

async fn reimport_refused(db: &TestDb) {
    let m = db.shop().await;
    let text = format!("{H}\nM1,{m},till,1,2026-02-03T10:00:00+08:00,10.00,c1,true,120,false\n");
    let r = db.core.import_bytes(&db.admin, Kind::Sales, "sales-1.csv", text.as_bytes()).await.unwrap();
    assert_eq!(r.rows, 1);
    let before = db.digest().await;
    // Same bytes under another name: still the same file.
    let f = db.core.import_bytes(&db.admin, Kind::Sales, "sales-copy.csv", text.as_bytes()).await.unwrap_err();
    assert_eq!(f.error.code, "already_imported");
    before.assert_same(&db.digest().await, "already_imported");
    // Permissions: an auditor may not import; nothing written.
    let aud = db.user("aud", Role::Auditor).await;
    let op = db.user_scoped("op", Role::Operator, vec![onecard::auth::Scope::Mall("ZZ".into())]).await;
    let before = db.digest().await;
    let other = format!("{H}\nM1,{m},till,2,2026-02-03T10:00:00+08:00,10.00,c1,true,120,false\n");
    let f = db.core.import_bytes(&aud, Kind::Sales, "s2.csv", other.as_bytes()).await.unwrap_err();
    assert_eq!(f.error.code, "forbidden");
    before.assert_same(&db.digest().await, "forbidden");
    // An operator scoped to another mall may not import this mall's file.
    let f = db.core.import_bytes(&op, Kind::Sales, "s2.csv", other.as_bytes()).await.unwrap_err();
    assert_eq!(f.error.code, "forbidden");
    before.assert_same(&db.digest().await, "forbidden");
}

async fn card_rows_not_counted_twice(db: &TestDb) {
    let m = db.shop().await;
    let card = db.reg_card(1).await;
    db.load(&card, "500").await;
    let core = db.core_at("2026-02-03T10:00:00+08:00").await;
    let p = core.pay(&db.admin, pay(&card, "120.00", m, "p1")).await.unwrap();
    let pid = p.payment_id.unwrap();
    let h = format!("{H},card_payment_id");
    // The till's record of the card purchase with a wrong amount: refused.
    let bad = format!("{h}\nM1,{m},till,1,2026-02-03T10:00:00+08:00,100.00,,true,90,false,{pid}\n");
    let before = db.digest().await;
    let f = db.core.import_bytes(&db.admin, Kind::Sales, "s.csv", bad.as_bytes()).await.unwrap_err();
    assert_eq!(f.error.code, "invalid_rows");
    assert_eq!(f.rows[0].column, "card_payment_id");
    before.assert_same(&db.digest().await, "invalid_rows");
    let good = format!(
        "{h}\nM1,{m},till,1,2026-02-03T10:00:00+08:00,120.00,,true,90,false,{pid}\n\
         M1,{m},till,2,2026-02-03T11:00:00+08:00,80.00,c9,false,200,false,\n"
    );
    let r = db.core.import_bytes(&db.admin, Kind::Sales, "s.csv", good.as_bytes()).await.unwrap();
    assert_eq!((r.rows, r.card_rows), (2, 1));
    let v = db.core.dashboard(&db.admin, "compare", &Filter::default()).await.unwrap();
    // The shop's mall is in card mode from the day it was added (2026-03-01): February is
    // traditional. One card purchase + one till sale, not three.
    assert_eq!(v["modes"]["traditional"]["transactions"], 2);
    assert_eq!(v["modes"]["traditional"]["sales"], "200.00");
}

async fn xlsx_and_sync(db: &TestDb) {
    let m = db.shop().await;
    let dir = db.dir.path().join("inbox");
    std::fs::create_dir_all(&dir).unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["merchant", "date", "stock_at_cost", "cogs"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, m as f64).unwrap();
    ws.write_string(1, 1, "2026-02-02").unwrap();
    ws.write_string(1, 2, "1000.50").unwrap();
    ws.write_number(1, 3, 20.0).unwrap();
    wb.save(dir.join("inventory-2026-02.xlsx")).unwrap();
    std::fs::write(dir.join("footfall-2026-02-01.csv"), "mall,date,hour,entries\nM1,2026-02-01,10,42\n").unwrap();
    std::fs::write(dir.join("members-bad.csv"), "mall,date,new_members,visitors_reached\nM1,x,1,2\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not an export").unwrap();
    let v = db.core.sync_dir(&db.admin, &dir).await.unwrap();
    assert_eq!(v["imported"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["failed"][0]["file"], "members-bad.csv");
    assert_eq!(v["failed"][0]["code"], "invalid_rows");
    assert_eq!(db.scalar("SELECT stock_at_cost FROM imported_inventory").await, 100_050);
    assert_eq!(db.scalar("SELECT cogs FROM imported_inventory").await, 2_000);
    assert_eq!(db.scalar("SELECT footfall FROM r_mall_day").await, 42);
    // The nightly run again: nothing new.
    let v = db.core.sync_dir(&db.admin, &dir).await.unwrap();
    assert_eq!(v["imported"].as_array().unwrap().len(), 0);
    assert_eq!(v["already_imported"].as_array().unwrap().len(), 2);
}

async fn cli_import(db: &TestDb) {
    let m = db.shop().await;
    let path = db.dir.path().join("sales-x.csv");
    std::fs::write(&path, format!("{H}\nM1,{m},till,1,2026-02-03T10:00:00+08:00,abc,,false,,false\n")).unwrap();
    let (code, out, _) = db.cli(&["import", "sales", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["error"]["code"], "invalid_rows");
    assert_eq!(v["error"]["rows"][0]["line"], 2);
    assert_eq!(v["error"]["rows"][0]["column"], "amount");
    std::fs::write(&path, format!("{H}\nM1,{m},till,1,2026-02-03T10:00:00+08:00,10.00,,false,,false\n")).unwrap();
    let (code, out, _) = db.cli(&["import", "sales", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = db.cli(&["dashboard", "compare"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["modes"]["traditional"]["sales"], "10.00");
    let (code, out, _) = db.cli(&[
        "mall",
        "add",
        "--code",
        "C9",
        "--name",
        "C",
        "--region",
        "r",
        "--city-tier",
        "3",
        "--mode",
        "card",
        "--card-since",
        "2026-01-01",
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = db.cli(&["mall", "set-mode", "C9", "--mode", "traditional", "--since", "2026-02-01"]);
    assert_eq!(code, 0, "{out}");
    let (code, _, _) = db.cli(&["dashboard", "nope"]);
    assert_eq!(code, 1);
}

both_backends!(bad_rows_write_nothing, reimport_refused, card_rows_not_counted_twice, xlsx_and_sync, cli_import);
