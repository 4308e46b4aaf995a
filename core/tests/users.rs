//! Issue 3, sign-in and roles in the core: argon2id passwords, the first start that asks for the
//! admin password (no default password on a production database), demo credentials on sandboxes
//! only, 5 failed attempts locking an account for 15 minutes, administrators' user management,
//! and the CLI's provisioning commands (`user add|password|list|lock|unlock`).

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::{TestDb, NOW};
use onecard::auth::Permission;
use onecard::types::Role;
use onecard::{Core, OpenOptions, UserAddRequest};

fn add(name: &str, role: Role, password: Option<&str>) -> UserAddRequest {
    UserAddRequest { name: name.into(), role, scopes: vec![], password: password.map(Into::into) }
}

async fn sandbox_demo_admin(db: &TestDb) {
    let info = db.core.auth_info().await.unwrap();
    assert!(info.sandbox && !info.needs_setup);
    assert_eq!(info.demo_user.as_deref(), Some("admin"));
    let demo = info.demo_password.expect("a sandbox shows its demo password");
    let s = db.core.login("admin", &demo).await.unwrap();
    assert_eq!(s.role, Role::Admin);
    assert_eq!(s.permissions, Permission::ALL.to_vec());
    // The stored hash is argon2id, never the password.
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE name = 'admin'").fetch_one(db.raw()).await.unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains(&demo));
}

async fn production_first_start_asks_for_the_admin_password(db: &TestDb) {
    // A production database beside the sandbox: its own file, or its own PostgreSQL database.
    let url = db.empty_db("prod").await;
    let opts = OpenOptions { key_file: Some(db.dir.path().join("prod.key")), now: None };
    let core = Core::init_with(&url, false, &opts).await.unwrap();
    let info = core.auth_info().await.unwrap();
    assert!(info.needs_setup && !info.sandbox);
    assert_eq!((info.demo_user, info.demo_password), (None, None));
    // No password works before setup, the demo one included.
    for pw in ["onecard-demo", "", "admin"] {
        assert_eq!(core.login("admin", pw).await.unwrap_err().code, "invalid_credentials");
    }
    assert_eq!(core.setup_admin("short").await.unwrap_err().code, "weak_password");
    let s = core.setup_admin("s3cure-admin-pw").await.unwrap();
    assert_eq!(s.user, "admin");
    assert!(!core.auth_info().await.unwrap().needs_setup);
    assert_eq!(core.setup_admin("another-password").await.unwrap_err().code, "setup_done");
    core.login("admin", "s3cure-admin-pw").await.unwrap();
}

async fn five_failures_lock_for_fifteen_minutes(db: &TestDb) {
    db.core.user_add(&db.admin, add("op1", Role::Operator, Some("op1-password"))).await.unwrap();
    for i in 1..=4 {
        let e = db.core.login("op1", "wrong-password").await.unwrap_err();
        assert_eq!(e.code, "invalid_credentials", "attempt {i}");
    }
    let e = db.core.login("op1", "wrong-password").await.unwrap_err();
    assert_eq!(e.code, "account_locked", "the 5th failure locks");
    assert!(e.message.contains("2026-03-01T10:15:00+08:00"), "{}", e.message);
    // Locked: even the right password is refused, and nothing changes.
    assert_eq!(db.core.login("op1", "op1-password").await.unwrap_err().code, "account_locked");
    let info = db.core.user_get(&db.admin, "op1").await.unwrap();
    assert!(info.locked_until.is_some());
    // 14:59 later still locked; 15 minutes later the right password works again.
    let later = db.core_at("2026-03-01T10:14:59+08:00").await;
    assert_eq!(later.login("op1", "op1-password").await.unwrap_err().code, "account_locked");
    let after = db.core_at("2026-03-01T10:15:01+08:00").await;
    let s = after.login("op1", "op1-password").await.unwrap();
    assert_eq!(s.role, Role::Operator);
    assert_eq!(after.user_get(&db.admin, "op1").await.unwrap().failed_attempts, 0);
    // Every attempt is in the chained audit log.
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'user.login_failed'").await, 5);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'user.locked_out'").await, 1);
    db.assert_verified().await;
}

async fn unknown_users_and_wrong_passwords_look_the_same(db: &TestDb) {
    let a = db.core.login("nobody", "whatever-pw").await.unwrap_err();
    db.core.user_add(&db.admin, add("fin1", Role::Finance, Some("finance-pw"))).await.unwrap();
    let b = db.core.login("fin1", "whatever-pw").await.unwrap_err();
    assert_eq!((a.code, a.message), (b.code, b.message));
}

async fn admins_manage_users(db: &TestDb) {
    let op = db.core.user_add(&db.admin, add("op2", Role::Operator, Some("op2-password"))).await.unwrap();
    assert!(op.active && op.has_password);
    let op_actor = db.core.actor("op2").await.unwrap();
    // Only administrators manage users.
    db.refused("forbidden", db.core.user_add(&op_actor, add("x", Role::Admin, None))).await;
    db.refused("forbidden", db.core.user_lock(&op_actor, "admin", true)).await;
    db.refused("forbidden", db.core.user_list(&op_actor)).await;
    db.refused("user_exists", db.core.user_add(&db.admin, add("op2", Role::Auditor, None))).await;
    db.refused("weak_password", db.core.user_add(&db.admin, add("op3", Role::Auditor, Some("1234567")))).await;
    db.refused("invalid_code", db.core.user_add(&db.admin, add("bad name", Role::Auditor, None))).await;
    db.refused("unknown_user", db.core.user_set_password(&db.admin, "ghost", "long-enough-pw")).await;
    let mut scoped = add("rm1", Role::RegionalManager, None);
    scoped.scopes = vec!["nowhere".into()];
    db.refused("invalid_scope", db.core.user_add(&db.admin, scoped)).await;
    // Lock: sign-in and acting are refused until unlocked.
    let locked = db.core.user_lock(&db.admin, "op2", true).await.unwrap();
    assert!(!locked.active);
    assert_eq!(db.core.login("op2", "op2-password").await.unwrap_err().code, "account_locked");
    assert_eq!(db.core.actor("op2").await.unwrap_err().code, "forbidden");
    db.core.user_lock(&db.admin, "op2", false).await.unwrap();
    db.core.user_set_password(&db.admin, "op2", "new-op2-password").await.unwrap();
    assert_eq!(db.core.login("op2", "op2-password").await.unwrap_err().code, "invalid_credentials");
    db.core.login("op2", "new-op2-password").await.unwrap();
    let names: Vec<String> = db.core.user_list(&db.admin).await.unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(names, ["admin", "op2"]);
}

async fn the_cli_provisions_users(db: &TestDb) {
    let (code, out, err) = db.cli(&["user", "add", "cashier1", "--role", "operator", "--scope", "mall:SH01"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!((v["name"].as_str(), v["has_password"].as_bool()), (Some("cashier1"), Some(false)));
    // The password comes from stdin only, never from the command line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_onecard"))
        .args(["--db", &db.url, "--json", "user", "password", "cashier1", "--password-stdin"])
        .env("ONECARD_KEY_FILE", &db.key_file)
        .env("ONECARD_NOW", NOW)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"cashier-pass-1\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    db.core.login("cashier1", "cashier-pass-1").await.unwrap();
    let (code, out, _) = db.cli(&["user", "password", "cashier1"]);
    assert_eq!(code, 2, "{out}");
    let (code, out, _) = db.cli(&["user", "lock", "cashier1"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(db.core.login("cashier1", "cashier-pass-1").await.unwrap_err().code, "account_locked");
    let (code, _, _) = db.cli(&["user", "unlock", "cashier1"]);
    assert_eq!(code, 0);
    let (code, out, _) = db.cli(&["user", "list"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["users"].as_array().unwrap().len(), 2);
    let (code, out, _) = db.cli(&["--as", "cashier1", "user", "list"]);
    assert_eq!(code, 1);
    assert!(out.contains("\"forbidden\""), "{out}");
}

both_backends!(
    sandbox_demo_admin,
    production_first_start_asks_for_the_admin_password,
    five_failures_lock_for_fifteen_minutes,
    unknown_users_and_wrong_passwords_look_the_same,
    admins_manage_users,
    the_cli_provisions_users,
);
