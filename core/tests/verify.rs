//! Issue 2, point 10: journal entries and audit records are chained with SM3, and `verify`
//! recomputes the chains and every invariant from the rows alone. Each test tampers with the
//! database behind the core's back (raw SQL) and checks that verify names the first bad row.

mod common;

use common::{m, pay, topup, TestDb};
use onecard::verify::Problem;
use onecard::{CardAction, CardActionRequest, ReverseRequest};

/// Some history: top-ups, purchases, a transfer, a reversal and service actions.
async fn history(db: &TestDb) -> Vec<i64> {
    let shop = db.shop().await;
    let a = db.reg_card(1).await;
    let b = db.anon_card().await;
    let mut entries = Vec::new();
    entries.push(db.core.top_up(&db.admin, topup(&a, "1000", "v-1")).await.unwrap().entry_id);
    entries.push(db.core.top_up(&db.admin, topup(&b, "200", "v-2")).await.unwrap().entry_id);
    for i in 0..4 {
        entries.push(db.core.pay(&db.admin, pay(&a, "12.34", shop, &format!("v-p{i}"))).await.unwrap().entry_id);
    }
    let t = db
        .core
        .transfer(
            &db.admin,
            onecard::TransferRequest { from: a.clone(), to: b.clone(), amount: m("5"), reference: "v-3".into() },
        )
        .await
        .unwrap();
    entries.push(t.entry_id);
    let r = db
        .core
        .reverse(
            &db.admin,
            ReverseRequest { entry_id: t.entry_id, reason: "wrong card".into(), reference: "v-4".into() },
        )
        .await
        .unwrap();
    entries.push(r.entry_id);
    for action in [CardAction::Freeze, CardAction::Unfreeze, CardAction::Freeze, CardAction::Unfreeze] {
        db.core
            .card_action(
                &db.admin,
                CardActionRequest { card: b.clone(), action, reason: Some("check".into()), reference: None },
            )
            .await
            .unwrap();
    }
    entries
}

async fn problems(db: &TestDb) -> Vec<Problem> {
    let r = db.core.verify(&db.admin).await.unwrap();
    assert_eq!(r.ok, r.problems.is_empty());
    r.problems
}

fn checks(ps: &[Problem]) -> Vec<&str> {
    let mut v: Vec<&str> = ps.iter().map(|p| p.check.as_str()).collect();
    v.sort_unstable();
    v
}

fn find<'a>(ps: &'a [Problem], check: &str) -> &'a Problem {
    ps.iter().find(|p| p.check == check).unwrap_or_else(|| panic!("no {check} problem in {ps:?}"))
}

/// (chain, chain_seq) of a journal entry.
async fn position(db: &TestDb, table: &str, id: i64) -> (i64, i64) {
    sqlx::query_as(&format!("SELECT chain, chain_seq FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_one(db.raw())
        .await
        .unwrap()
}

async fn clean_ledger_verifies_with_its_reserve(db: &TestDb) {
    let shop = db.shop().await;
    let a = db.anon_card().await;
    db.load(&a, "800").await;
    db.core.pay(&db.admin, pay(&a, "300", shop, "r-1")).await.unwrap();
    let r = db.core.verify(&db.admin).await.unwrap();
    assert!(r.ok, "{:?}", r.problems);
    assert_eq!(r.entries, db.scalar("SELECT COUNT(*) FROM journal_entries").await);
    assert_eq!(r.entries, 2);
    assert_eq!(r.audit_records, db.scalar("SELECT COUNT(*) FROM audit_log").await);
    assert!(r.audit_records >= 4, "region, mall, merchant, card");
    assert_eq!(r.accounts, db.scalar("SELECT COUNT(*) FROM accounts").await);
    assert_eq!(r.reserve.custody, m("0"));
    assert_eq!(r.reserve.in_transit, m("800.00"));
    assert_eq!(r.reserve.card_balances, m("500.00"));
    assert_eq!(r.reserve.unsettled_payables, m("300.00"));
    // Every chained row is unanchored until an anchor covers it.
    assert_eq!(r.unanchored.iter().map(|u| u.journal).sum::<i64>(), 2);
    db.core.anchor(&db.admin).await.unwrap();
    let r = db.core.verify(&db.admin).await.unwrap();
    assert!(r.ok && r.unanchored.is_empty(), "{:?}", r.unanchored);
    db.core.pay(&db.admin, pay(&a, "1", shop, "r-2")).await.unwrap();
    let r = db.core.verify(&db.admin).await.unwrap();
    assert!(r.ok);
    assert_eq!(r.unanchored.iter().map(|u| u.journal).sum::<i64>(), 1);
    // Redemption pays out of custody: the reserve still covers everything.
    let reg = db.reg_card(2).await;
    db.load(&reg, "100").await;
    let later = db.core_at("2026-06-02T10:00:00+08:00").await;
    later
        .card_action(
            &db.admin,
            CardActionRequest { card: reg, action: CardAction::Close, reason: None, reference: None },
        )
        .await
        .unwrap();
    let r = later.verify(&db.admin).await.unwrap();
    assert!(r.ok, "{:?}", r.problems);
    assert_eq!(r.reserve.custody, onecard::money::Money::from_fen(-10_000));
    assert_eq!(r.reserve.in_transit, m("900.00"));
}

async fn tampered_posting_is_found(db: &TestDb) {
    let entries = history(db).await;
    assert!(problems(db).await.is_empty());
    let victim = entries[3]; // a purchase in the middle
    db.exec(&format!("UPDATE postings SET amount = amount + 100 WHERE entry_id = {victim} AND amount < 0")).await;
    let ps = problems(db).await;
    assert_eq!(checks(&ps), ["account_balance", "entry_balance", "journal_chain"], "{ps:?}");
    let e = find(&ps, "entry_balance");
    assert_eq!((e.table.as_str(), e.id), ("journal_entries", victim));
    let c = find(&ps, "journal_chain");
    assert_eq!((c.table.as_str(), c.id), ("journal_entries", victim), "the first bad row, not a later one");
    let merchant_account =
        db.scalar(&format!("SELECT account_id FROM postings WHERE entry_id = {victim} AND amount < 0")).await;
    let a = find(&ps, "account_balance");
    assert_eq!((a.table.as_str(), a.id), ("accounts", merchant_account));
}

async fn changed_memo_is_found_at_the_first_changed_entry(db: &TestDb) {
    let entries = history(db).await;
    let reversal = *entries.last().unwrap();
    let purchase = entries[4];
    // Two edits; verify names the earlier in its chain.
    let (c1, s1) = position(db, "journal_entries", purchase).await;
    let (c2, s2) = position(db, "journal_entries", reversal).await;
    db.exec(&format!("UPDATE journal_entries SET memo = 'refund approved' WHERE id = {reversal}")).await;
    let ps = problems(db).await;
    assert_eq!(checks(&ps), ["journal_chain"], "{ps:?}");
    assert_eq!(find(&ps, "journal_chain").id, reversal);
    db.exec(&format!("UPDATE journal_entries SET memo = 'x' WHERE id = {purchase}")).await;
    let ps = problems(db).await;
    assert_eq!(checks(&ps), ["journal_chain"], "{ps:?}");
    let first = if (c1, s1) < (c2, s2) { purchase } else { reversal };
    assert_eq!(find(&ps, "journal_chain").id, first);
}

async fn deleted_audit_row_is_found(db: &TestDb) {
    history(db).await;
    // The chain with the most audit records; delete one in its middle.
    let (chain, n): (i64, i64) =
        sqlx::query_as("SELECT chain, COUNT(*) FROM audit_log GROUP BY chain ORDER BY COUNT(*) DESC, chain LIMIT 1")
            .fetch_one(db.raw())
            .await
            .unwrap();
    assert!(n >= 5);
    let mid = n / 2;
    let next: i64 = sqlx::query_scalar("SELECT id FROM audit_log WHERE chain = $1 AND chain_seq = $2")
        .bind(chain)
        .bind(mid + 1)
        .fetch_one(db.raw())
        .await
        .unwrap();
    db.exec(&format!("DELETE FROM audit_log WHERE chain = {chain} AND chain_seq = {mid}")).await;
    let ps = problems(db).await;
    assert_eq!(checks(&ps), ["audit_chain"], "{ps:?}");
    let p = find(&ps, "audit_chain");
    assert_eq!((p.table.as_str(), p.id), ("audit_log", next));
    assert!(p.message.contains("gap"), "{}", p.message);
}

async fn deleted_last_rows_contradict_the_chain_head(db: &TestDb) {
    let entries = history(db).await;
    let last = *entries.last().unwrap();
    let (chain, _) = position(db, "journal_entries", last).await;
    let seq_max = db.scalar(&format!("SELECT MAX(chain_seq) FROM journal_entries WHERE chain = {chain}")).await;
    let tail =
        db.scalar(&format!("SELECT id FROM journal_entries WHERE chain = {chain} AND chain_seq = {seq_max}")).await;
    // Remove the newest entry of a chain with its postings (and its balances, to hide it).
    db.exec(&format!(
        "UPDATE accounts SET balance = balance - normal * (SELECT amount FROM postings p WHERE p.entry_id = {tail} \
         AND p.account_id = accounts.id) WHERE id IN (SELECT account_id FROM postings WHERE entry_id = {tail})"
    ))
    .await;
    db.exec(&format!("DELETE FROM card_activities WHERE entry_id = {tail}")).await;
    db.exec(&format!("DELETE FROM postings WHERE entry_id = {tail}")).await;
    db.exec(&format!("DELETE FROM journal_entries WHERE id = {tail}")).await;
    let ps = problems(db).await;
    assert_eq!(checks(&ps), ["chain_head"], "{ps:?}");
    assert_eq!(find(&ps, "chain_head").id, chain);
}

async fn tampered_balances_and_reserve_are_found(db: &TestDb) {
    history(db).await;
    let wechat = db.scalar("SELECT id FROM accounts WHERE kind = 'channel_clearing' AND owner = 'wechat'").await;
    db.exec(&format!("UPDATE accounts SET balance = balance - 100000 WHERE id = {wechat}")).await;
    let ps = problems(db).await;
    assert_eq!(checks(&ps), ["account_balance", "reserve"], "{ps:?}");
    assert_eq!(find(&ps, "account_balance").id, wechat);
    assert!(find(&ps, "reserve").message.contains("do not cover"));
}

async fn negative_card_balance_is_found(db: &TestDb) {
    history(db).await;
    let card_account = db.scalar("SELECT MIN(account_id) FROM cards").await;
    // The schema forbids it (CHECK); an attacker with the file does not care.
    match db.backend {
        common::Backend::Sqlite => {
            let mut conn = db.raw().acquire().await.unwrap();
            sqlx::query("PRAGMA ignore_check_constraints = ON").execute(&mut *conn).await.unwrap();
            sqlx::query(&format!("UPDATE accounts SET balance = -100 WHERE id = {card_account}"))
                .execute(&mut *conn)
                .await
                .unwrap();
            sqlx::query("PRAGMA ignore_check_constraints = OFF").execute(&mut *conn).await.unwrap();
        }
        common::Backend::Postgres => {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT CAST(conname AS TEXT) FROM pg_constraint WHERE conrelid = CAST('accounts' AS regclass) \
                 AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%card%'",
            )
            .fetch_all(db.raw())
            .await
            .unwrap();
            assert_eq!(names.len(), 1, "{names:?}");
            db.exec(&format!("ALTER TABLE accounts DROP CONSTRAINT {}", names[0])).await;
            db.exec(&format!("UPDATE accounts SET balance = -100 WHERE id = {card_account}")).await;
        }
    }
    let ps = problems(db).await;
    let n = find(&ps, "negative_card");
    assert_eq!((n.table.as_str(), n.id), ("accounts", card_account));
    assert_eq!(find(&ps, "account_balance").id, card_account);
}

/// A posting to an account or a payment to a merchant that does not exist (PostgreSQL does not
/// check these references on insert, migration 0007; SQLite does, so the test turns its check
/// off for the tampering connection).
async fn orphan_references_are_found(db: &TestDb) {
    history(db).await;
    let payment = db.scalar("SELECT MIN(id) FROM payments").await;
    let entry = db.scalar(&format!("SELECT entry_id FROM payments WHERE id = {payment}")).await;
    let tamper = [
        format!("UPDATE postings SET account_id = 999999 WHERE entry_id = {entry} AND amount > 0"),
        format!("UPDATE payments SET merchant_id = 888888 WHERE id = {payment}"),
        "UPDATE topups SET entry_id = 777777 WHERE entry_id = (SELECT MIN(entry_id) FROM topups)".to_string(),
    ];
    let mut conn = db.raw().acquire().await.unwrap();
    if db.backend == common::Backend::Sqlite {
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.unwrap();
    }
    for sql in &tamper {
        sqlx::query(sql).execute(&mut *conn).await.unwrap();
    }
    if db.backend == common::Backend::Sqlite {
        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await.unwrap();
    }
    drop(conn);
    let ps = problems(db).await;
    let p = find(&ps, "orphan_posting");
    assert_eq!((p.table.as_str(), p.id), ("postings", 999_999));
    let p = find(&ps, "orphan_payment");
    assert_eq!((p.table.as_str(), p.id), ("payments", payment));
    assert!(p.message.contains("merchant_id 888888"), "{p:?}");
    let p = find(&ps, "orphan_topup");
    assert_eq!((p.table.as_str(), p.id), ("topups", 777_777));
}

async fn tampered_anchor_is_found(db: &TestDb) {
    history(db).await;
    db.core.anchor(&db.admin).await.unwrap();
    db.core.anchor(&db.admin).await.unwrap();
    assert!(problems(db).await.is_empty());
    db.exec("UPDATE anchors SET heads = '[]' WHERE seq = 1").await;
    let ps = problems(db).await;
    assert_eq!(checks(&ps), ["anchor_chain"], "{ps:?}");
    assert_eq!(find(&ps, "anchor_chain").id, 1);
}

both_backends!(
    clean_ledger_verifies_with_its_reserve,
    tampered_posting_is_found,
    changed_memo_is_found_at_the_first_changed_entry,
    deleted_audit_row_is_found,
    deleted_last_rows_contradict_the_chain_head,
    tampered_balances_and_reserve_are_found,
    negative_card_balance_is_found,
    orphan_references_are_found,
    tampered_anchor_is_found,
);
