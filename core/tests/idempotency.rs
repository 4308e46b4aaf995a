//! Issue 2, point 9: every money-moving request carries a reference. The same reference with the
//! same request returns the first answer marked `replayed` and writes nothing; with a different
//! request it is a `conflict` and writes nothing. (Concurrent duplicates: concurrency.rs.)

mod common;

use common::{m, pay, topup, TestDb};
use onecard::card_number::CardNumber;
use onecard::{CardAction, CardActionRequest, Movement, RefundRequest, ReverseRequest, TransferRequest};

/// `second` must be `first` marked replayed, and must have written nothing.
fn assert_replay(first: &Movement, second: &Movement) {
    assert!(!first.replayed);
    assert!(second.replayed, "the second answer is marked replayed");
    let mut unmarked = second.clone();
    unmarked.replayed = false;
    assert_eq!(&unmarked, first, "a replay returns the first result");
}

async fn every_movement_replays_and_conflicts(db: &TestDb) {
    let shop = db.shop().await;
    let a = db.reg_card(1).await;
    let b = db.anon_card().await;

    // top-up
    let first = db.core.top_up(&db.admin, topup(&a, "300", "idem-topup")).await.unwrap();
    db.load(&a, "50").await; // the balance moves on; the replay still tells the first answer
    let before = db.digest().await;
    let again = db.core.top_up(&db.admin, topup(&a, "300", "idem-topup")).await.unwrap();
    before.assert_same(&db.digest().await, "replayed top-up");
    assert_replay(&first, &again);
    assert_eq!(again.balance_after, m("300.00"));
    db.refused("conflict", db.core.top_up(&db.admin, topup(&a, "300.01", "idem-topup"))).await;
    db.refused("conflict", db.core.top_up(&db.admin, topup(&b, "300", "idem-topup"))).await;

    // purchase
    let first = db.core.pay(&db.admin, pay(&a, "20", shop, "idem-pay")).await.unwrap();
    let before = db.digest().await;
    let again = db.core.pay(&db.admin, pay(&a, "20", shop, "idem-pay")).await.unwrap();
    before.assert_same(&db.digest().await, "replayed purchase");
    assert_replay(&first, &again);
    assert_eq!(again.payment_id, first.payment_id);
    db.refused("conflict", db.core.pay(&db.admin, pay(&a, "21", shop, "idem-pay"))).await;
    let mut other_medium = pay(&a, "20", shop, "idem-pay");
    other_medium.checkout_seconds = Some(60);
    db.refused("conflict", db.core.pay(&db.admin, other_medium)).await;

    // refund
    let pid = first.payment_id.unwrap();
    let rf = |amount: &str| RefundRequest { payment_id: pid, amount: m(amount), reference: "idem-refund".into() };
    let first = db.core.refund(&db.admin, rf("5")).await.unwrap();
    let before = db.digest().await;
    let again = db.core.refund(&db.admin, rf("5")).await.unwrap();
    before.assert_same(&db.digest().await, "replayed refund");
    assert_replay(&first, &again);
    db.refused("conflict", db.core.refund(&db.admin, rf("6"))).await;
    assert_eq!(db.scalar(&format!("SELECT refunded FROM payments WHERE id = {pid}")).await, 500);

    // transfer
    let tr = |amount: &str| TransferRequest {
        from: a.clone(),
        to: b.clone(),
        amount: m(amount),
        reference: "idem-transfer".into(),
    };
    let first = db.core.transfer(&db.admin, tr("10")).await.unwrap();
    let before = db.digest().await;
    let again = db.core.transfer(&db.admin, tr("10")).await.unwrap();
    before.assert_same(&db.digest().await, "replayed transfer");
    assert_replay(&first, &again);
    db.refused("conflict", db.core.transfer(&db.admin, tr("11"))).await;

    // reversal
    let rv = |reason: &str| ReverseRequest {
        entry_id: first.entry_id,
        reason: reason.into(),
        reference: "idem-reverse".into(),
    };
    let first_rv = db.core.reverse(&db.admin, rv("wrong card")).await.unwrap();
    let before = db.digest().await;
    let again = db.core.reverse(&db.admin, rv("wrong card")).await.unwrap();
    before.assert_same(&db.digest().await, "replayed reversal");
    assert_replay(&first_rv, &again);
    db.refused("conflict", db.core.reverse(&db.admin, rv("another reason"))).await;

    assert_eq!(db.balance(&a).await, m("335.00")); // 300 + 50 - 20 + 5 - 10 + 10
    assert_eq!(db.balance(&b).await, m("0.00"));
    db.assert_verified().await;
}

async fn replace_and_close_replay_under_their_reference(db: &TestDb) {
    let a = db.reg_card(1).await;
    let b = db.reg_card(2).await;
    db.load(&a, "40").await;
    let act = |c: &CardNumber, action, reference: &str| CardActionRequest {
        card: c.clone(),
        action,
        reason: None,
        reference: Some(reference.into()),
    };
    let first = db.core.card_action(&db.admin, act(&a, CardAction::Replace, "idem-replace")).await.unwrap();
    let before = db.digest().await;
    let again = db.core.card_action(&db.admin, act(&a, CardAction::Replace, "idem-replace")).await.unwrap();
    before.assert_same(&db.digest().await, "replayed replacement");
    assert!(again.replayed && !first.replayed);
    assert_eq!(again.new_card, first.new_card);
    assert_eq!(again.entry_id, first.entry_id);
    db.refused("conflict", db.core.card_action(&db.admin, act(&b, CardAction::Replace, "idem-replace"))).await;

    let later = db.core_at("2026-07-01T10:00:00+08:00").await;
    let new = common::cn(first.new_card.as_deref().unwrap());
    let first = later.card_action(&db.admin, act(&new, CardAction::Close, "idem-close")).await.unwrap();
    assert_eq!(first.moved, m("40.00"));
    let again = later.card_action(&db.admin, act(&new, CardAction::Close, "idem-close")).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.entry_id, first.entry_id);
    db.refused("conflict", later.card_action(&db.admin, act(&b, CardAction::Close, "idem-close"))).await;
    db.assert_verified().await;
}

/// The first answer is what a replay returns, even after the card has changed since.
async fn replay_survives_later_state_changes(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    db.load(&card, "100").await;
    let first = db.core.pay(&db.admin, pay(&card, "10", shop, "late-1")).await.unwrap();
    db.core
        .card_action(
            &db.admin,
            CardActionRequest { card: card.clone(), action: CardAction::Freeze, reason: None, reference: None },
        )
        .await
        .unwrap();
    let again = db.core.pay(&db.admin, pay(&card, "10", shop, "late-1")).await.unwrap();
    assert_replay(&first, &again);
    // ... while a new request is judged on the state of now.
    db.refused("card_frozen", db.core.pay(&db.admin, pay(&card, "10", shop, "late-2"))).await;
}

/// A refused request stores no answer, so its reference is still free.
async fn refusals_do_not_consume_the_reference(db: &TestDb) {
    let card = db.anon_card().await;
    db.refused("balance_cap_exceeded", db.core.top_up(&db.admin, topup(&card, "1000.01", "free-1"))).await;
    db.refused("balance_cap_exceeded", db.core.top_up(&db.admin, topup(&card, "1000.01", "free-1"))).await;
    let mv = db.core.top_up(&db.admin, topup(&card, "1000", "free-1")).await.unwrap();
    assert!(!mv.replayed);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM idempotency WHERE ref = 'free-1'").await, 1);
}

/// References are 1 to 128 printable ASCII characters; they are scoped by kind of request.
async fn references_are_checked_and_scoped_by_kind(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    for bad in ["", "has space", "tab\tref", "中文", &"x".repeat(129)] {
        db.refused("invalid_reference", db.core.top_up(&db.admin, topup(&card, "1", bad))).await;
    }
    db.core.top_up(&db.admin, topup(&card, "50", &"x".repeat(128))).await.unwrap();
    db.core.top_up(&db.admin, topup(&card, "50", "shared")).await.unwrap();
    // The same text as a purchase reference is another request kind, not a conflict.
    let p = db.core.pay(&db.admin, pay(&card, "10", shop, "shared")).await.unwrap();
    assert!(!p.replayed);
    assert_eq!(db.balance(&card).await, m("90.00"));
}

both_backends!(
    every_movement_replays_and_conflicts,
    replace_and_close_replay_under_their_reference,
    replay_survives_later_state_changes,
    refusals_do_not_consume_the_reference,
    references_are_checked_and_scoped_by_kind,
);
