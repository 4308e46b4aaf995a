//! Issue 2, points 8 and 9 under load: 64 concurrent purchases against one card never overdraw
//! it, concurrent duplicates of one reference make one movement, and several cores (and
//! separate processes) on one database wait for each other instead of failing.
//!
//! Requests are spread over several `Core` handles on the same database, each with its own
//! writer(s) and pool, so they really race in the database (on SQLite: separate connections
//! taking the file lock; on PostgreSQL: concurrent transactions), not just in one writer's queue.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::{m, pay, topup, TestDb, NOW};
use onecard::auth::Actor;
use onecard::card_number::CardNumber;
use onecard::error::Result;
use onecard::{Core, Movement, RefundRequest, ReverseRequest, TransferRequest};
use tokio::sync::Barrier;

/// `n` extra cores on the test database, at the same clock.
async fn cores(db: &TestDb, n: usize) -> Vec<Arc<Core>> {
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(Arc::new(db.core_at(NOW).await));
    }
    v
}

/// Runs `n` requests at once (released together by a barrier), request `i` on core `i % len`.
async fn race<F, Fut>(cores: &[Arc<Core>], n: usize, make: F) -> Vec<Result<Movement>>
where
    F: Fn(usize, Arc<Core>, Actor) -> Fut,
    Fut: std::future::Future<Output = Result<Movement>> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let mut handles = Vec::new();
    for i in 0..n {
        let fut = make(i, cores[i % cores.len()].clone(), Actor::admin());
        let barrier = barrier.clone();
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            fut.await
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task panicked"));
    }
    out
}

/// The error codes of the refused requests; internal/database failures are printed in full.
fn codes(results: &[Result<Movement>]) -> Vec<String> {
    results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| {
            if matches!(e.code, "database" | "internal") {
                eprintln!("unexpected failure: {e}");
            }
            e.code.to_string()
        })
        .collect()
}

async fn sixty_four_concurrent_purchases_never_overdraw(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    db.load(&card, "1000").await;
    let cs = cores(db, 4).await;
    let results = race(&cs, 64, |i, core, admin| {
        let card = card.clone();
        async move { core.pay(&admin, pay(&card, "20", shop, &format!("c64-{i}"))).await }
    })
    .await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let refused = codes(&results);
    assert_eq!(ok, 50, "exactly 1000.00 / 20.00 purchases fit; refusals: {refused:?}");
    assert_eq!(refused.len(), 14);
    assert!(refused.iter().all(|c| c == "insufficient_funds"), "{refused:?}");
    assert_eq!(db.balance(&card).await, m("0.00"));
    // Every accepted purchase saw a distinct balance: no two spent the same money.
    let afters: HashSet<i64> = results.iter().flatten().map(|mv| mv.balance_after.fen()).collect();
    assert_eq!(afters.len(), 50);
    assert_eq!(afters.iter().min(), Some(&0));
    assert_eq!(afters.iter().max(), Some(&98_000));
    let owed =
        db.scalar(&format!("SELECT balance FROM accounts WHERE kind = 'merchant_payable' AND owner = '{shop}'")).await;
    assert_eq!(owed, 100_000);
    let hist = db.core.card_history(&db.admin, &card).await.unwrap();
    let purchases: Vec<_> = hist.iter().filter(|h| h.kind == "purchase").collect();
    assert_eq!(purchases.len(), 50);
    // In history order the balance steps down 20.00 at a time.
    for (i, h) in purchases.iter().enumerate() {
        assert_eq!(h.balance_after.fen(), 100_000 - 2_000 * (i as i64 + 1));
    }
    db.assert_verified().await;
}

/// Mixed amounts from many tasks: the final balance is exactly the start minus what was accepted.
async fn concurrent_mixed_purchases_balance_exactly(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.reg_card(1).await;
    db.load(&card, "5000").await;
    let cs = cores(db, 3).await;
    let amount = |i: usize| format!("{}.{:02}", 50 + (i * 37) % 200, (i * 13) % 100);
    let results = race(&cs, 64, |i, core, admin| {
        let card = card.clone();
        let a = amount(i);
        async move { core.pay(&admin, pay(&card, &a, shop, &format!("mix-{i}"))).await }
    })
    .await;
    let spent: i64 = results.iter().flatten().map(|mv| mv.amount.fen()).sum();
    assert!(codes(&results).iter().all(|c| c == "insufficient_funds"), "{:?}", codes(&results));
    assert_eq!(db.balance(&card).await.fen(), 500_000 - spent);
    assert!(db.balance(&card).await.fen() >= 0);
    db.assert_verified().await;
}

async fn concurrent_duplicate_refs_make_one_movement(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    let cs = cores(db, 4).await;
    let results = race(&cs, 32, |_, core, admin| {
        let card = card.clone();
        async move { core.top_up(&admin, topup(&card, "100", "dup-topup")).await }
    })
    .await;
    let mvs: Vec<&Movement> = results.iter().map(|r| r.as_ref().expect("duplicates are replays, not errors")).collect();
    assert_eq!(mvs.iter().filter(|mv| !mv.replayed).count(), 1, "exactly one request moved money");
    assert!(mvs.iter().all(|mv| mv.entry_id == mvs[0].entry_id && mv.balance_after == m("100.00")));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM journal_entries WHERE ref = 'dup-topup'").await, 1);
    assert_eq!(db.balance(&card).await, m("100.00"));

    let results = race(&cs, 32, |_, core, admin| {
        let card = card.clone();
        async move { core.pay(&admin, pay(&card, "30", shop, "dup-pay")).await }
    })
    .await;
    let mvs: Vec<&Movement> = results.iter().map(|r| r.as_ref().expect("replay")).collect();
    assert_eq!(mvs.iter().filter(|mv| !mv.replayed).count(), 1);
    assert!(mvs.iter().all(|mv| mv.payment_id == mvs[0].payment_id));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM payments").await, 1);
    assert_eq!(db.balance(&card).await, m("70.00"));
    db.assert_verified().await;
}

/// Refunds of one payment from many tasks never add up to more than the payment.
async fn concurrent_refunds_never_exceed_the_purchase(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    db.load(&card, "500").await;
    let p = db.core.pay(&db.admin, pay(&card, "100", shop, "cr-pay")).await.unwrap();
    let pid = p.payment_id.unwrap();
    let cs = cores(db, 4).await;
    let results = race(&cs, 12, |i, core, admin| async move {
        core.refund(&admin, RefundRequest { payment_id: pid, amount: m("30"), reference: format!("cr-{i}") }).await
    })
    .await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let refused = codes(&results);
    assert_eq!(ok, 3, "{refused:?}");
    assert!(refused.iter().all(|c| c == "refund_exceeds_purchase"), "{refused:?}");
    assert_eq!(db.scalar(&format!("SELECT refunded FROM payments WHERE id = {pid}")).await, 9_000);
    assert_eq!(db.balance(&card).await, m("490.00"));
    db.assert_verified().await;
}

async fn concurrent_reversals_reverse_once(db: &TestDb) {
    let card = db.anon_card().await;
    let t = db.core.top_up(&db.admin, topup(&card, "100", "rv-t")).await.unwrap();
    let cs = cores(db, 4).await;
    let entry = t.entry_id;
    let results = race(&cs, 8, |i, core, admin| async move {
        core.reverse(&admin, ReverseRequest { entry_id: entry, reason: "twice?".into(), reference: format!("rv-{i}") })
            .await
    })
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(codes(&results).iter().all(|c| c == "already_reversed"), "{:?}", codes(&results));
    assert_eq!(db.balance(&card).await, m("0.00"));
    db.assert_verified().await;
}

/// Refunds and a reversal of one purchase at once: either the reversal wins (and no refund
/// goes through) or a refund does (and the reversal is refused); never both.
async fn refunds_and_a_reversal_of_one_purchase_exclude_each_other(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    db.load(&card, "500").await;
    let p = db.core.pay(&db.admin, pay(&card, "100", shop, "rr-pay")).await.unwrap();
    let (pid, entry) = (p.payment_id.unwrap(), p.entry_id);
    let cs = cores(db, 4).await;
    let results = race(&cs, 9, |i, core, admin| async move {
        if i == 4 {
            core.reverse(&admin, ReverseRequest { entry_id: entry, reason: "void".into(), reference: "rr-rev".into() })
                .await
        } else {
            core.refund(&admin, RefundRequest { payment_id: pid, amount: m("1"), reference: format!("rr-{i}") }).await
        }
    })
    .await;
    let reversed = results[4].is_ok();
    let refunds_ok = results.iter().enumerate().filter(|(i, r)| *i != 4 && r.is_ok()).count() as i64;
    let refused = codes(&results);
    if reversed {
        assert_eq!(refunds_ok, 0, "{refused:?}");
        assert!(refused.iter().all(|c| c == "payment_reversed"), "{refused:?}");
        assert_eq!(db.balance(&card).await, m("500.00"));
    } else {
        assert!(refunds_ok > 0);
        assert_eq!(results[4].as_ref().unwrap_err().code, "payment_has_refunds");
        assert_eq!(db.balance(&card).await.fen(), 40_000 + 100 * refunds_ok);
    }
    db.assert_verified().await;
}

/// Transfers in both directions between two cards at once: no deadlock, nothing lost.
async fn opposite_transfers_neither_deadlock_nor_lose_money(db: &TestDb) {
    let a = db.anon_card().await;
    let b = db.anon_card().await;
    db.load(&a, "500").await;
    db.load(&b, "500").await;
    let cs = cores(db, 4).await;
    let results = race(&cs, 40, |i, core, admin| {
        let (from, to) = if i % 2 == 0 { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
        async move {
            core.transfer(&admin, TransferRequest { from, to, amount: m("10"), reference: format!("ot-{i}") }).await
        }
    })
    .await;
    assert!(results.iter().all(|r| r.is_ok()), "{:?}", codes(&results));
    assert_eq!(db.balance(&a).await, m("500.00"));
    assert_eq!(db.balance(&b).await, m("500.00"));
    db.assert_verified().await;
}

/// Separate `onecard` processes and an in-process core write to one database at once: each
/// waits for the others (busy timeout), none fails with a lock error.
async fn separate_processes_wait_for_each_other(db: &TestDb) {
    let shop = db.shop().await;
    let card: CardNumber = db.reg_card(1).await;
    db.load(&card, "1000").await;
    let url = db.url.clone();
    let key = db.key_file.to_str().unwrap().to_string();
    let procs: Vec<_> = (0..8)
        .map(|i| {
            let (url, key, card) = (url.clone(), key.clone(), card.as_str().to_string());
            std::thread::spawn(move || {
                common::run_cli(
                    &[
                        "--db",
                        &url,
                        "--json",
                        "pay",
                        &card,
                        "10",
                        "--merchant",
                        &shop.to_string(),
                        "--medium",
                        "nfc",
                        "--ref",
                        &format!("proc-{i}"),
                    ],
                    &[("ONECARD_KEY_FILE", &key), ("ONECARD_NOW", NOW)],
                )
            })
        })
        .collect();
    for i in 0..8 {
        db.core.pay(&db.admin, pay(&card, "5", shop, &format!("inproc-{i}"))).await.unwrap();
    }
    for p in procs {
        let (code, out, err) = p.join().unwrap();
        assert_eq!(code, 0, "stdout {out} stderr {err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(v["replayed"], false);
        assert!(!err.contains("locked"), "{err}");
    }
    assert_eq!(db.balance(&card).await, m("880.00"));
    db.assert_verified().await;
}

both_backends!(
    sixty_four_concurrent_purchases_never_overdraw,
    concurrent_mixed_purchases_balance_exactly,
    concurrent_duplicate_refs_make_one_movement,
    concurrent_refunds_never_exceed_the_purchase,
    concurrent_reversals_reverse_once,
    refunds_and_a_reversal_of_one_purchase_exclude_each_other,
    opposite_transfers_neither_deadlock_nor_lose_money,
    separate_processes_wait_for_each_other,
);
