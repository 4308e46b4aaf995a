//! The `onecard` CLI through the real binary: with `--json`, stdout is exactly one line holding
//! one JSON object of the documented shape; failures exit non-zero with
//! `{"error":{"code","message"}}` (usage errors: exit 2); `-1` is a value, not a flag.

mod common;

use common::{id_number, name, phone, run_cli, TestDb};
use serde_json::Value;

/// Exactly one line on stdout, holding one JSON object.
fn one_object(stdout: &str) -> Value {
    assert!(stdout.ends_with('\n'), "stdout must end with a newline: {stdout:?}");
    assert_eq!(stdout.matches('\n').count(), 1, "stdout must be exactly one line: {stdout:?}");
    let v: Value = serde_json::from_str(stdout.trim_end()).unwrap_or_else(|e| panic!("{stdout:?}: {e}"));
    assert!(v.is_object(), "{v}");
    v
}

/// Runs a command that must succeed; returns its object.
fn ok(db: &TestDb, args: &[&str]) -> Value {
    let (code, out, err) = db.cli(args);
    assert_eq!(code, 0, "{args:?}: stdout {out} stderr {err}");
    one_object(&out)
}

/// Runs a command that must fail with `want` and exit code `exit`.
fn fails(db: &TestDb, args: &[&str], want: &str, exit: i32) -> String {
    let (code, out, err) = db.cli(args);
    let v = one_object(&out);
    assert_eq!(code, exit, "{args:?}: {out} {err}");
    let obj = v.as_object().unwrap();
    assert_eq!(obj.keys().collect::<Vec<_>>(), ["error"], "{v}");
    let e = v["error"].as_object().unwrap();
    let mut keys: Vec<&String> = e.keys().collect();
    keys.sort();
    assert_eq!(keys, ["code", "message"], "{v}");
    assert_eq!(e["code"], want, "{args:?}: {v}");
    assert!(!e["message"].as_str().unwrap().is_empty());
    e["message"].as_str().unwrap().to_string()
}

fn money(v: &Value) -> String {
    let s = v.as_str().unwrap_or_else(|| panic!("money must be a string, got {v}"));
    let (int, frac) = s.split_once('.').unwrap_or_else(|| panic!("{s}"));
    assert!(!int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && frac.len() == 2, "{s}");
    s.to_string()
}

fn card_number(v: &Value) -> String {
    let s = v.as_str().unwrap_or_else(|| panic!("card numbers are strings, got {v}"));
    assert!(s.len() == 19 && s.bytes().all(|b| b.is_ascii_digit()), "{s}");
    s.to_string()
}

/// entry_id, balance_after, replayed: what every money-moving command returns.
fn movement(v: &Value, balance: &str, replayed: bool) -> i64 {
    assert_eq!(money(&v["balance_after"]), balance, "{v}");
    assert_eq!(v["replayed"], replayed, "{v}");
    v["entry_id"].as_i64().unwrap_or_else(|| panic!("entry_id must be a number: {v}"))
}

async fn every_command_prints_its_json_shape(db: &TestDb) {
    let v = ok(db, &["init", "--sandbox"]);
    assert_eq!((v["initialized"].as_bool(), v["sandbox"].as_bool()), (Some(true), Some(true)), "{v}");
    let v = ok(db, &["mall", "add", "--code", "SH01", "--name", "上海奥莱", "--region", "east", "--city-tier", "1"]);
    assert_eq!(
        (v["mall"].as_str(), v["city_tier"].as_i64(), v["region_created"].as_bool()),
        (Some("SH01"), Some(1), Some(true))
    );
    let v = ok(db, &["merchant", "add", "--mall", "SH01", "--name", "Noodles", "--category", "dining"]);
    let shop = v["merchant"].as_i64().unwrap().to_string();
    assert_eq!((v["category"].as_str(), v["active"].as_bool()), (Some("dining"), Some(true)));

    // card issue: the full number as a string.
    let v = ok(db, &["card", "issue", "--type", "physical"]);
    let anon = card_number(&v["card"]);
    assert_eq!(v["type"], "physical");
    assert_eq!(v["registered"], false);
    assert_eq!(v["status"], "active");
    assert_eq!(money(&v["balance"]), "0.00");
    assert_eq!(v["expires_on"], "2029-03-01");
    let (idn, ph, nm) = (id_number(5), phone(5), name(5));
    let v = ok(db, &["card", "issue", "--type", "cobrand", "--holder-name", &nm, "--id-number", &idn, "--phone", &ph]);
    let reg = card_number(&v["card"]);
    assert_eq!(v["registered"], true);
    assert_eq!(v["expires_on"], Value::Null);
    assert_eq!(v["phone"], "138****0005");
    let v = ok(db, &["card", "issue", "--type", "virtual"]);
    let virt = card_number(&v["card"]);

    let v = ok(
        db,
        &[
            "card",
            "batch-issue",
            "--type",
            "virtual",
            "--count",
            "3",
            "--face-value",
            "50",
            "--ref",
            "b1",
            "--channel",
            "wechat",
        ],
    );
    assert_eq!(v["cards"].as_array().unwrap().len(), 3);
    for c in v["cards"].as_array().unwrap() {
        card_number(c);
    }
    assert_eq!(
        (v["count"].as_i64(), money(&v["total"]), v["replayed"].as_bool()),
        (Some(3), "150.00".into(), Some(false))
    );
    assert!(v["entry_id"].is_i64());

    // Money-moving commands: entry_id, balance_after, replayed (+ payment_id for pay).
    let v = ok(db, &["topup", &reg, "100", "--channel", "wechat", "--ref", "t1"]);
    let topup_entry = movement(&v, "100.00", false);
    let again = ok(db, &["topup", &reg, "100", "--channel", "wechat", "--ref", "t1"]);
    assert_eq!(movement(&again, "100.00", true), topup_entry);
    ok(
        db,
        &["topup", &anon, "200.5", "--channel", "cash", "--ref", "t2", "--payer-type", "company", "--funding", "debit"],
    );
    let v =
        ok(db, &["pay", &reg, "30", "--merchant", &shop, "--medium", "nfc", "--ref", "p1", "--checkout-seconds", "70"]);
    movement(&v, "70.00", false);
    let payment = v["payment_id"].as_i64().unwrap_or_else(|| panic!("pay returns payment_id: {v}")).to_string();
    let v = ok(db, &["refund", &payment, "10", "--ref", "r1"]);
    movement(&v, "80.00", false);
    let v = ok(db, &["transfer", &reg, &anon, "5", "--ref", "x1"]);
    let transfer_entry = movement(&v, "75.00", false);
    assert_eq!(money(&v["to_balance_after"]), "205.50");
    let v = ok(db, &["reverse", &transfer_entry.to_string(), "--reason", "wrong card", "--ref", "rv1"]);
    movement(&v, "80.00", false);
    assert_eq!(v["reverses"].as_i64(), Some(transfer_entry));
    // Like the transfer it undoes: the paying card first, the other as to_card.
    assert_eq!((v["card"].as_str(), v["to_card"].as_str()), (Some(reg.as_str()), Some(anon.as_str())));
    assert_eq!(money(&v["to_balance_after"]), "200.50");

    // card show: card, type, registered, status, balance, expires_on.
    let v = ok(db, &["card", "show", &reg]);
    assert_eq!(card_number(&v["card"]), reg);
    assert_eq!(
        (v["type"].as_str(), v["registered"].as_bool(), v["status"].as_str()),
        (Some("cobrand"), Some(true), Some("active"))
    );
    assert_eq!(money(&v["balance"]), "80.00");
    assert!(v.get("expires_on").is_some() && v["expires_on"].is_null());
    let v = ok(db, &["card", "show", &anon]);
    assert_eq!(v["expires_on"], "2029-03-01");
    assert_eq!(money(&v["balance"]), "200.50");

    let v = ok(db, &["card", "list", "--limit", "2"]);
    assert_eq!(v["count"], 2);
    for c in v["cards"].as_array().unwrap() {
        assert_eq!(&c["card"].as_str().unwrap()[6..15], "*********", "lists mask: {c}");
    }
    let v = ok(db, &["card", "history", &reg]);
    assert_eq!(v["card"], reg.as_str());
    let acts = v["activities"].as_array().unwrap();
    let kinds: Vec<&str> = acts.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["issue", "top_up", "purchase", "refund", "transfer_out", "reversal"]);
    assert_eq!(acts[2]["amount"], "-30.00", "{}", acts[2]);
    assert_eq!(money(&acts[2]["balance_after"]), "70.00");

    let v = ok(db, &["card", "qr", &virt]);
    let payload = v["qr_payload"].as_str().unwrap().to_string();
    assert_eq!(v["expires_in"], 60);
    let batch_card = ok(
        db,
        &[
            "card",
            "batch-issue",
            "--type",
            "virtual",
            "--count",
            "3",
            "--face-value",
            "50",
            "--ref",
            "b1",
            "--channel",
            "wechat",
        ],
    );
    assert_eq!(batch_card["replayed"], true);
    ok(db, &["topup", &virt, "20", "--channel", "alipay", "--ref", "t3"]);
    let v =
        ok(db, &["pay", &virt, "1", "--merchant", &shop, "--medium", "qr", "--qr-payload", &payload, "--ref", "q1"]);
    movement(&v, "19.00", false);

    // Card service commands.
    let v = ok(db, &["card", "freeze", &anon, "--reason", "check"]);
    assert_eq!((v["action"].as_str(), v["status"].as_str()), (Some("freeze"), Some("frozen")));
    let v = ok(db, &["card", "unfreeze", &anon]);
    assert_eq!(v["status"], "active");
    let v = ok(db, &["card", "extend", &anon]);
    assert_eq!(v["expires_on"], "2029-03-01");
    let v = ok(db, &["card", "report-loss", &reg]);
    assert_eq!(v["status"], "lost");
    let v = ok(db, &["card", "replace", &reg]);
    let new = card_number(&v["new_card"]);
    assert_eq!(
        (money(&v["moved"]), v["status"].as_str(), v["replayed"].as_bool()),
        ("80.00".into(), Some("closed"), Some(false))
    );
    let (code, out, err) = db.cli_at("2026-06-01T10:00:00+08:00", &["card", "close", &new, "--reason", "moving away"]);
    assert_eq!(code, 0, "{out} {err}");
    let v = one_object(&out);
    assert_eq!((money(&v["moved"]), v["status"].as_str()), ("80.00".into(), Some("closed")));

    // Users, rules, verify, anchor.
    let v = ok(db, &["user", "add", "bob", "--role", "finance", "--scope", "mall:SH01"]);
    assert_eq!((v["name"].as_str(), v["role"].as_str()), (Some("bob"), Some("finance")));
    assert_eq!(v["scopes"], serde_json::json!(["mall:SH01"]));
    let v = ok(db, &["user", "list"]);
    assert_eq!(v["users"].as_array().unwrap().len(), 2);
    let v = ok(db, &["rule", "set", "balance_cap_anonymous", "900"]);
    assert_eq!((v["rule"].as_str(), v["value"].as_str()), (Some("balance_cap_anonymous"), Some("900.00")));
    let v = ok(db, &["rule", "list"]);
    assert_eq!(v["rules"]["balance_cap_anonymous"], "900.00");
    assert_eq!(v["rules"]["cash_limit_person"], "50000.00");
    let v = ok(db, &["verify"]);
    assert_eq!(v["ok"], true, "{v}");
    let v = ok(db, &["anchor"]);
    assert_eq!(v["anchor"], 1);
    // --as picks the actor.
    let v = ok(db, &["--as", "bob", "verify"]);
    assert_eq!(v["ok"], true);
}

async fn failures_print_one_error_object(db: &TestDb) {
    let shop = db.shop().await.to_string();
    let card = db.anon_card().await;
    let c = card.as_str();
    // `-1` is a value (an amount to refuse), not a flag.
    let msg = fails(db, &["topup", c, "-1", "--channel", "cash", "--ref", "neg"], "invalid_amount", 1);
    assert!(msg.contains("greater than zero"), "{msg}");
    fails(db, &["pay", c, "-0.5", "--merchant", &shop, "--medium", "nfc", "--ref", "neg2"], "invalid_amount", 1);
    for bad in ["0", "1e3", "１００", "100.001", "", " 100", "NaN", "10000000000.01"] {
        fails(db, &["topup", c, bad, "--channel", "cash", "--ref", "bad"], "invalid_amount", 1);
    }
    // Card numbers: a wrong check digit, then a valid number nobody issued.
    let last = c.as_bytes()[18] - b'0';
    let wrong = format!("{}{}", &c[..18], (last + 1) % 10);
    fails(db, &["card", "show", &wrong], "invalid_card_number", 1);
    fails(db, &["topup", &wrong, "1", "--channel", "cash", "--ref", "w"], "invalid_card_number", 1);
    fails(db, &["card", "show", common::unknown_card().as_str()], "card_not_found", 1);
    // Domain refusals.
    fails(db, &["pay", c, "1", "--merchant", &shop, "--medium", "nfc", "--ref", "nf"], "insufficient_funds", 1);
    fails(db, &["pay", c, "1", "--merchant", "999999", "--medium", "nfc", "--ref", "nm"], "merchant_not_found", 1);
    fails(db, &["pay", c, "1", "--merchant", "-1", "--medium", "nfc", "--ref", "nm"], "invalid_argument", 1);
    fails(db, &["topup", c, "1000.01", "--channel", "cash", "--ref", "cap"], "balance_cap_exceeded", 1);
    fails(
        db,
        &["topup", c, "10", "--channel", "unionpay", "--funding", "credit", "--ref", "cr"],
        "credit_funding_refused",
        1,
    );
    fails(db, &["topup", c, "10", "--channel", "paypal", "--ref", "ch"], "invalid_channel", 1);
    fails(db, &["--as", "nobody", "verify"], "unknown_user", 1);
    ok(db, &["user", "add", "eve", "--role", "auditor"]);
    fails(db, &["--as", "eve", "topup", c, "10", "--channel", "cash", "--ref", "au"], "forbidden", 1);
    // Usage errors: exit 2.
    fails(db, &["topup"], "usage", 2);
    fails(db, &["topup", c, "10", "--channel", "cash"], "usage", 2);
    fails(db, &["topup", c, "10", "--channel", "cash", "--ref", "u", "--bogus", "1"], "usage", 2);
    fails(db, &["topup", c, "10", "extra", "--channel", "cash", "--ref", "u"], "usage", 2);
    fails(db, &["-x", "verify"], "usage", 2);
    fails(db, &["frobnicate"], "usage", 2);
    fails(db, &["card", "teleport", c], "usage", 2);
    fails(db, &[], "usage", 2);
    let before = db.digest().await;
    fails(db, &["topup", c, "10", "--channel", "cash", "--ref"], "usage", 2);
    before.assert_same(&db.digest().await, "a usage error");

    // Without --json the error goes to stderr and stdout stays empty.
    let (code, out, err) = run_cli(
        &["--db", &db.url, "topup", c, "-1", "--channel", "cash", "--ref", "plain"],
        &[("ONECARD_KEY_FILE", db.key_file.to_str().unwrap()), ("ONECARD_NOW", common::NOW)],
    );
    assert_eq!(code, 1);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("invalid_amount"), "{err}");
    // verify on a tampered ledger: exit 1 with its report.
    db.load(&card, "10").await;
    db.exec("UPDATE journal_entries SET memo = 'edited'").await;
    let (code, out, _) = db.cli(&["verify"]);
    assert_eq!(code, 1);
    let v = one_object(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["problems"][0]["check"], "journal_chain");
}

both_backends!(every_command_prints_its_json_shape, failures_print_one_error_object);

/// `init --sandbox` on a new SQLite file writes the key file beside it and honours ONECARD_NOW;
/// a production database refuses ONECARD_NOW. (SQLite only: it is about files.)
#[test]
fn init_sandbox_key_file_and_clock_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    let url = format!("sqlite://{}", path.display());
    let now = [("ONECARD_NOW", common::NOW)];
    let (code, out, err) = run_cli(&["--db", &url, "--json", "init", "--sandbox"], &now);
    assert_eq!(code, 0, "{out} {err}");
    let v = one_object(&out);
    assert_eq!(
        (v["initialized"].as_bool(), v["sandbox"].as_bool(), v["backend"].as_str()),
        (Some(true), Some(true), Some("sqlite"))
    );
    let key = dir.path().join("demo.db.key");
    assert!(key.exists(), "the sandbox key file sits beside the database");
    let key_text = std::fs::read_to_string(&key).unwrap();
    // Idempotent: the same key, the same database.
    let (code, _, _) = run_cli(&["--db", &url, "--json", "init", "--sandbox"], &now);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&key).unwrap(), key_text);
    let (code, out, _) = run_cli(&["--db", &url, "--json", "card", "issue", "--type", "virtual"], &now);
    assert_eq!(code, 0);
    assert_eq!(one_object(&out)["expires_on"], "2029-03-01", "the sandbox clock is ONECARD_NOW");

    let prod = format!("sqlite://{}", dir.path().join("prod.db").display());
    let prod_key = dir.path().join("prod.key");
    let key_env = ("ONECARD_KEY_FILE", prod_key.to_str().unwrap());
    let (code, out, _) = run_cli(&["--db", &prod, "--json", "init"], &[key_env]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(one_object(&out)["sandbox"], false);
    let (code, out, _) = run_cli(&["--db", &prod, "--json", "card", "issue", "--type", "virtual"], &[key_env, now[0]]);
    assert_eq!(code, 1);
    assert_eq!(one_object(&out)["error"]["code"], "clock_override_refused");
    let (code, out, _) = run_cli(&["--db", &prod, "--json", "init", "--sandbox"], &[key_env]);
    assert_eq!(code, 1);
    assert_eq!(one_object(&out)["error"]["code"], "sandbox_mismatch");
    let (code, out, _) = run_cli(&["--db", &url.replace("demo.db", "missing.db"), "--json", "verify"], &[]);
    assert_eq!(code, 1);
    assert_eq!(one_object(&out)["error"]["code"], "not_initialized");
}
