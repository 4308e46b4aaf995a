//! Issue 4: merchant onboarding (states, credentials, maker-checker, audit) and who may do what
//! in the clearing center, as a role x command matrix on both backends.

mod common;

use chrono::NaiveDate;
use common::TestDb;
use onecard::auth::{Actor, Scope};
use onecard::clearing::{credit_code_with_check, ClearingOp, Credentials};
use onecard::error::Result;
use onecard::types::{Category, Role};
use serde_json::Value;

fn creds() -> Credentials {
    Credentials {
        credit_code: credit_code_with_check("91310000MA1FL0001"),
        brand_auth: "BA-2026-001".into(),
        contact: "王经理 13800138000".into(),
        settlement_account: "6222020000000000001".into(),
    }
}

fn apply(mall: &str, name: &str, manager: Option<&str>) -> ClearingOp {
    ClearingOp::Apply {
        mall: mall.into(),
        name: name.into(),
        category: Category::Dining,
        manager: manager.map(Into::into),
    }
}

async fn op(db: &TestDb, actor: &Actor, op: ClearingOp) -> Result<Value> {
    db.core.clearing_op(actor, op).await
}

async fn onboarding_walk(db: &TestDb) {
    db.mall("M1", "east").await;
    let mm = db.user("mm1", Role::MerchantManager).await;
    let rm = db.user_scoped("rm1", Role::RegionalManager, vec![Scope::Region("east".into())]).await;
    let v = op(db, &mm, apply("M1", "Noodles", None)).await.unwrap();
    let id = v["merchant"].as_i64().unwrap();
    assert_eq!(v["status"], "applied");
    assert_eq!(v["account_manager"], "mm1");
    // Out of order: contract before approval.
    db.refused(
        "invalid_merchant_state",
        op(db, &mm, ClearingOp::Contract { merchant: id, fee_bps: Some(50), settlement_account: None, start: None }),
    )
    .await;
    // A bad credit code (check character) is refused with nothing written.
    let mut bad = creds();
    bad.credit_code.replace_range(17.., if bad.credit_code.ends_with('0') { "1" } else { "0" });
    db.refused("invalid_credit_code", op(db, &mm, ClearingOp::Submit { merchant: id, credentials: bad })).await;
    let mut empty = creds();
    empty.settlement_account = " ".into();
    db.refused("invalid_credentials", op(db, &mm, ClearingOp::Submit { merchant: id, credentials: empty })).await;
    op(db, &mm, ClearingOp::Submit { merchant: id, credentials: creds() }).await.unwrap();
    // Maker-checker: an admin who manages a merchant may not review it either.
    let own = op(db, &db.admin, apply("M1", "Own", None)).await.unwrap()["merchant"].as_i64().unwrap();
    op(db, &db.admin, ClearingOp::Submit { merchant: own, credentials: creds() }).await.unwrap();
    db.refused(
        "maker_checker",
        op(db, &db.admin, ClearingOp::Review { merchant: own, approve: true, reason: "".into() }),
    )
    .await;
    // A rejection needs a reason; then the applicant resubmits.
    db.refused("reason_required", op(db, &rm, ClearingOp::Review { merchant: id, approve: false, reason: " ".into() }))
        .await;
    op(db, &rm, ClearingOp::Review { merchant: id, approve: false, reason: "blurry licence".into() }).await.unwrap();
    op(db, &mm, ClearingOp::Submit { merchant: id, credentials: creds() }).await.unwrap();
    op(db, &rm, ClearingOp::Review { merchant: id, approve: true, reason: "ok".into() }).await.unwrap();
    let start = NaiveDate::from_ymd_opt(2026, 3, 1);
    db.refused(
        "invalid_fee_rate",
        op(db, &mm, ClearingOp::Contract { merchant: id, fee_bps: Some(10_001), settlement_account: None, start }),
    )
    .await;
    let c = op(db, &mm, ClearingOp::Contract { merchant: id, fee_bps: Some(45), settlement_account: None, start })
        .await
        .unwrap();
    assert_eq!(c["settlement_account"], "6222020000000000001");
    // Not active yet: no payments.
    let card = db.anon_card().await;
    db.load(&card, "100").await;
    db.refused("merchant_inactive", db.core.pay(&db.admin, common::pay(&card, "10", id, "x1"))).await;
    op(db, &mm, ClearingOp::Status { merchant: id, to: "active".into(), reason: "".into() }).await.unwrap();
    let p = db.core.pay(&db.admin, common::pay(&card, "10", id, "x2")).await.unwrap();
    assert_eq!(db.scalar(&format!("SELECT fee FROM payments WHERE id = {}", p.payment_id.unwrap())).await, 5);
    // A contract change applies from then on.
    op(db, &mm, ClearingOp::Contract { merchant: id, fee_bps: Some(100), settlement_account: None, start: None })
        .await
        .unwrap();
    let p = db.core.pay(&db.admin, common::pay(&card, "10", id, "x3")).await.unwrap();
    assert_eq!(db.scalar(&format!("SELECT fee FROM payments WHERE id = {}", p.payment_id.unwrap())).await, 10);
    // Terminated only once nothing is left to settle.
    db.refused(
        "unsettled_balance",
        op(db, &rm, ClearingOp::Status { merchant: id, to: "terminated".into(), reason: "closing".into() }),
    )
    .await;
    // Every transition is recorded with who and why.
    let show = db.core.merchant_show(&mm, id).await.unwrap();
    let steps: Vec<(String, String)> = show["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["to"].as_str().unwrap().to_string(), e["actor"].as_str().unwrap().to_string()))
        .collect();
    let want = [
        ("applied", "mm1"),
        ("submitted", "mm1"),
        ("rejected", "rm1"),
        ("submitted", "mm1"),
        ("approved", "rm1"),
        ("contracted", "mm1"),
        ("active", "mm1"),
        ("active", "mm1"),
    ];
    assert_eq!(steps, want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec());
    assert_eq!(show["events"][2]["reason"], "blurry licence");
    assert!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'merchant.%'").await >= 8);
    // The one-step add records the same steps.
    let one = db.merchant("M1", "Quick").await;
    assert_eq!(db.scalar(&format!("SELECT COUNT(*) FROM merchant_events WHERE merchant_id = {one}")).await, 5);
    db.assert_verified().await;
}

/// Who may do what: every refusal is `forbidden` and writes nothing.
async fn role_matrix(db: &TestDb) {
    db.mall("E1", "east").await;
    db.mall("W1", "west").await;
    let mm1 = db.user("mm1", Role::MerchantManager).await;
    let mm2 = db.user("mm2", Role::MerchantManager).await;
    let rme = db.user_scoped("rme", Role::RegionalManager, vec![Scope::Region("east".into())]).await;
    let rmw = db.user_scoped("rmw", Role::RegionalManager, vec![Scope::Region("west".into())]).await;
    let fin = db.user("fin", Role::Finance).await;
    let opr = db.user("opr", Role::Operator).await;
    let aud = db.user("aud", Role::Auditor).await;
    // mm1 manages an east merchant at each stage we need.
    let applied = op(db, &mm1, apply("E1", "Applied", None)).await.unwrap()["merchant"].as_i64().unwrap();
    let submitted = op(db, &mm1, apply("E1", "Submitted", None)).await.unwrap()["merchant"].as_i64().unwrap();
    op(db, &mm1, ClearingOp::Submit { merchant: submitted, credentials: creds() }).await.unwrap();

    // Applying: managers in their own scope only.
    for (who, mall, manager, ok) in [
        (&mm1, "E1", None, true),
        (&mm2, "W1", Some("mm1"), false), // may not name another manager
        (&rme, "E1", Some("mm2"), true),
        (&rme, "W1", Some("mm2"), false),
        (&rmw, "W1", Some("mm2"), true),
        (&fin, "E1", Some("mm1"), false),
        (&opr, "E1", Some("mm1"), false),
        (&aud, "E1", Some("mm1"), false),
    ] {
        let r = op(db, who, apply(mall, "X", manager));
        if ok {
            r.await.unwrap_or_else(|e| panic!("{} apply in {mall}: {e}", who.user));
        } else {
            db.refused("forbidden", r).await;
        }
    }
    // Submitting: own merchants (mm1), the region (rme); nobody else.
    for who in [&mm2, &rmw, &fin, &opr, &aud] {
        db.refused("forbidden", op(db, who, ClearingOp::Submit { merchant: applied, credentials: creds() })).await;
    }
    op(db, &rme, ClearingOp::Submit { merchant: applied, credentials: creds() }).await.unwrap();
    // Reviewing: the region's regional manager (not the account manager); merchant managers never.
    for who in [&mm1, &mm2, &rmw, &fin, &opr, &aud] {
        db.refused(
            "forbidden",
            op(db, who, ClearingOp::Review { merchant: submitted, approve: true, reason: "".into() }),
        )
        .await;
    }
    op(db, &rme, ClearingOp::Review { merchant: submitted, approve: true, reason: "".into() }).await.unwrap();
    // Contracting and activating: own merchant / region.
    let contract =
        ClearingOp::Contract { merchant: submitted, fee_bps: Some(30), settlement_account: None, start: None };
    for who in [&mm2, &rmw, &fin, &opr, &aud] {
        db.refused("forbidden", op(db, who, contract.clone())).await;
    }
    op(db, &mm1, contract).await.unwrap();
    let activate = ClearingOp::Status { merchant: submitted, to: "active".into(), reason: "".into() };
    for who in [&mm2, &rmw, &fin, &opr, &aud] {
        db.refused("forbidden", op(db, who, activate.clone())).await;
    }
    op(db, &mm1, activate).await.unwrap();
    // Termination: regional managers and admins, not merchant managers.
    let terminate = ClearingOp::Status { merchant: applied, to: "terminated".into(), reason: "withdrawn".into() };
    for who in [&mm1, &rmw, &fin, &opr, &aud] {
        db.refused("forbidden", op(db, who, terminate.clone())).await;
    }
    op(db, &rme, terminate).await.unwrap();
    // Money: finance and admins only.
    let fee = ClearingOp::FeeRule { category: Category::Dining, bps: 20, from: None, to: None };
    let settle = ClearingOp::Settle { day: NaiveDate::from_ymd_opt(2026, 2, 28).unwrap() };
    for who in [&mm1, &rme, &opr, &aud] {
        db.refused("forbidden", op(db, who, fee.clone())).await;
        db.refused("forbidden", op(db, who, settle.clone())).await;
    }
    op(db, &fin, fee).await.unwrap();
    op(db, &fin, settle).await.unwrap();
    // Reading: settlements for finance and auditors; a merchant for its managers.
    let day = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
    for who in [&mm1, &rme, &opr] {
        db.refused("forbidden", db.core.settlement_show(who, day)).await;
    }
    db.core.settlement_show(&aud, day).await.unwrap();
    for (who, ok) in
        [(&mm1, true), (&mm2, false), (&rme, true), (&rmw, false), (&fin, true), (&aud, true), (&opr, false)]
    {
        let r = db.core.merchant_show(who, submitted);
        if ok {
            r.await.unwrap();
        } else {
            db.refused("forbidden", r).await;
        }
    }
    let out = db.dir.path().join("s.csv");
    db.refused("forbidden", db.core.statement(&mm2, submitted, day, "csv", &out)).await;
    db.core.statement(&mm1, submitted, day, "csv", &out).await.unwrap();
    // Lists are filtered to what each may see.
    let seen = |v: Value| v["count"].as_i64().unwrap();
    assert_eq!(seen(db.core.merchant_directory(&mm2, None).await.unwrap()), 2); // applied by rme and rmw for mm2
    assert_eq!(seen(db.core.merchant_directory(&rmw, None).await.unwrap()), 1);
    // Complaints: operators and the merchant's managers.
    let complaint = ClearingOp::Complaint { merchant: submitted, kind: "complaint".into(), note: "slow till".into() };
    for who in [&mm2, &rmw, &fin, &aud] {
        db.refused("forbidden", op(db, who, complaint.clone())).await;
    }
    op(db, &opr, complaint).await.unwrap();
    // The one-step add is for administrators.
    let add = onecard::MerchantAddRequest { mall: "E1".into(), name: "Y".into(), category: Category::Kids };
    db.refused("forbidden", db.core.merchant_add_full(&rme, add.clone(), Some(10), None)).await;
    db.core.merchant_add_full(&db.admin, add, Some(10), Some("mm1".into())).await.unwrap();
}

/// The CLI face: `merchant add --fee-bps`, `merchant contract`, `fee-rule set`, `settle --date yesterday`.
async fn cli_flow(db: &TestDb) {
    db.mall("M1", "east").await;
    let (code, out, err) =
        db.cli(&["merchant", "add", "--mall", "M1", "--name", "Cafe", "--category", "dining", "--fee-bps", "80"]);
    assert_eq!(code, 0, "{out} {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let id = v["merchant"].as_i64().unwrap().to_string();
    assert_eq!(v["fee_bps"], 80);
    let (code, out, _) = db.cli(&["merchant", "contract", &id, "--fee-bps", "60", "--account", "6222"]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = db.cli(&[
        "fee-rule",
        "set",
        "--category",
        "dining",
        "--bps",
        "30",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = db.cli(&["fee-rule", "set", "--category", "dining", "--bps", "-3"]);
    assert_eq!(code, 1);
    assert!(out.contains("invalid_fee_rate"), "{out}");
    let (code, out, _) = db.cli(&["settle", "--date", "today"]);
    assert_eq!(code, 1);
    assert!(out.contains("day_not_closed"), "{out}");
    let (code, out, _) = db.cli_at("2026-03-02T02:00:00+08:00", &["settle", "--date", "yesterday"]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    for k in ["date", "batch_id", "merchants", "gross", "refunds", "fees", "net", "replayed"] {
        assert!(v.get(k).is_some(), "{k} missing in {out}");
    }
    assert_eq!(v["date"], "2026-03-01");
    let (_, out, _) = db.cli_at("2026-03-02T02:00:00+08:00", &["settle", "--date", "2026-03-01"]);
    assert!(out.contains("\"replayed\":true"), "{out}");
    let (code, out, _) = db.cli(&["settlement", "show", "--date", "2026-03-01"]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["lines"].is_array() && v["totals"].is_object());
}

both_backends!(onboarding_walk, role_matrix, cli_flow);
