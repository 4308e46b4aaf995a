//! Issue 2, points 6 and 8: top-ups through channels, purchases with a medium (and signed QR
//! codes), refunds, transfers and reversals; every card change in the card's history with its
//! balance after; a double-entry ledger whose postings are never updated or deleted.

mod common;

use common::{cn, m, pay, topup, TestDb};
use onecard::card_number::CardNumber;
use onecard::money::Money;
use onecard::types::{CardType, Channel, Funding, Medium};
use onecard::{CardAction, CardActionRequest, IssueRequest, RefundRequest, ReverseRequest, TransferRequest};

fn refund(payment: i64, amount: &str, reference: &str) -> RefundRequest {
    RefundRequest { payment_id: payment, amount: m(amount), reference: reference.into() }
}

fn transfer(from: &CardNumber, to: &CardNumber, amount: &str, reference: &str) -> TransferRequest {
    TransferRequest { from: from.clone(), to: to.clone(), amount: m(amount), reference: reference.into() }
}

fn replace(card: &CardNumber) -> CardActionRequest {
    CardActionRequest {
        card: card.clone(),
        action: CardAction::Replace,
        reason: Some("worn out".into()),
        reference: None,
    }
}

fn reverse(entry: i64, reason: &str, reference: &str) -> ReverseRequest {
    ReverseRequest { entry_id: entry, reason: reason.into(), reference: reference.into() }
}

/// The natural balance of a system account such as channel_clearing/wechat.
async fn system_balance(db: &TestDb, kind: &str, owner: &str) -> i64 {
    db.scalar(&format!("SELECT balance FROM accounts WHERE kind = '{kind}' AND owner = '{owner}'")).await
}

async fn top_up_through_every_channel(db: &TestDb) {
    let card = db.reg_card(1).await;
    let mut expected = 0;
    for (i, ch) in Channel::ALL.iter().enumerate() {
        let before = system_balance(db, "channel_clearing", ch.as_str()).await;
        let mut r = topup(&card, "10.25", &format!("ch-{i}"));
        r.channel = *ch;
        if *ch == Channel::BankTransfer {
            r.payer_name = Some(common::name(1));
        }
        let mv = db.core.top_up(&db.admin, r).await.unwrap_or_else(|e| panic!("{ch}: {e}"));
        expected += 1025;
        assert_eq!(mv.balance_after, Money::from_fen(expected));
        assert!(!mv.replayed);
        let after = system_balance(db, "channel_clearing", ch.as_str()).await;
        assert_eq!(after - before, 1025, "{ch}: the money is in transit from its channel");
        let (channel, funding): (String, String) =
            sqlx::query_as("SELECT channel, funding FROM topups WHERE entry_id = $1")
                .bind(mv.entry_id)
                .fetch_one(db.raw())
                .await
                .unwrap();
        assert_eq!((channel.as_str(), funding.as_str()), (ch.as_str(), "debit"));
    }
    assert_eq!(Channel::ALL.len(), 6);
    db.assert_verified().await;
}

async fn purchases_record_medium_and_checkout_seconds(db: &TestDb) {
    let shop = db.shop().await;
    let physical = db.anon_card().await;
    let virt = cn(&db
        .core
        .issue_card(&db.admin, IssueRequest { card_type: CardType::Virtual, holder: None, mall: None })
        .await
        .unwrap()
        .card);
    db.load(&physical, "500").await;
    db.load(&virt, "500").await;
    // The medium is recorded, not checked against the card type.
    for (i, (card, medium)) in
        [(&physical, Medium::Qr), (&physical, Medium::Ecny), (&virt, Medium::Nfc), (&physical, Medium::Nfc)]
            .into_iter()
            .enumerate()
    {
        let mut r = pay(card, "12.30", shop, &format!("med-{i}"));
        r.medium = medium;
        r.checkout_seconds = Some(75 + i as i64);
        let mv = db.core.pay(&db.admin, r).await.unwrap_or_else(|e| panic!("{medium}: {e}"));
        let pid = mv.payment_id.expect("pay returns its payment id");
        assert_eq!(mv.merchant, Some(shop));
        let (med, secs, amount): (String, Option<i64>, i64) =
            sqlx::query_as("SELECT medium, checkout_seconds, amount FROM payments WHERE id = $1")
                .bind(pid)
                .fetch_one(db.raw())
                .await
                .unwrap();
        assert_eq!((med.as_str(), secs, amount), (medium.as_str(), Some(75 + i as i64), 1230));
    }
    // Checkout seconds are optional ...
    let mv = db.core.pay(&db.admin, pay(&physical, "1", shop, "med-none")).await.unwrap();
    let secs: Option<i64> = sqlx::query_scalar("SELECT checkout_seconds FROM payments WHERE id = $1")
        .bind(mv.payment_id.unwrap())
        .fetch_one(db.raw())
        .await
        .unwrap();
    assert_eq!(secs, None);
    // ... and when given, sane.
    for bad in [-1, 86_401] {
        let mut r = pay(&physical, "1", shop, "med-bad");
        r.checkout_seconds = Some(bad);
        db.refused("invalid_checkout_seconds", db.core.pay(&db.admin, r)).await;
    }
    // The merchant is owed what was paid.
    let owed =
        db.scalar(&format!("SELECT balance FROM accounts WHERE kind = 'merchant_payable' AND owner = '{shop}'")).await;
    assert_eq!(owed, 4 * 1230 + 100);
}

async fn signed_qr_codes_are_verified_when_given(db: &TestDb) {
    let shop = db.shop().await;
    let issue = |t| IssueRequest { card_type: t, holder: None, mall: None };
    let virt = cn(&db.core.issue_card(&db.admin, issue(CardType::Virtual)).await.unwrap().card);
    let other = cn(&db.core.issue_card(&db.admin, issue(CardType::Virtual)).await.unwrap().card);
    let physical = db.anon_card().await;
    db.load(&virt, "100").await;
    db.load(&other, "100").await;
    let qr_pay = |card: &CardNumber, payload: &str, reference: &str| {
        let mut r = pay(card, "5", shop, reference);
        r.medium = Medium::Qr;
        r.qr_payload = Some(payload.to_string());
        r
    };
    let qr = db.core.card_qr(&db.admin, &virt).await.unwrap();
    assert!(qr.svg.starts_with("<?xml") || qr.svg.starts_with("<svg"), "{}", &qr.svg[..40]);
    assert_eq!(qr.ttl_seconds, 60);
    let code = qr.payload;
    assert!(code.starts_with("OC1."));
    db.refused("qr_not_available", db.core.card_qr(&db.admin, &physical)).await;
    // Another card's code, a forged code: refused.
    let others = db.core.card_qr(&db.admin, &other).await.unwrap().payload;
    db.refused("qr_invalid", db.core.pay(&db.admin, qr_pay(&virt, &others, "qr-1"))).await;
    let mut forged = code.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    db.refused("qr_invalid", db.core.pay(&db.admin, qr_pay(&virt, &forged, "qr-2"))).await;
    db.refused("qr_invalid", db.core.pay(&db.admin, qr_pay(&virt, "not a code", "qr-3"))).await;
    // Stale after 60 seconds.
    let late = db.core_at("2026-03-01T10:01:01+08:00").await;
    db.refused("qr_expired", late.pay(&db.admin, qr_pay(&virt, &code, "qr-4"))).await;
    // Valid once, within the minute.
    let in_time = db.core_at("2026-03-01T10:01:00+08:00").await;
    let mv = in_time.pay(&db.admin, qr_pay(&virt, &code, "qr-5")).await.unwrap();
    assert_eq!(mv.balance_after, m("95.00"));
    db.refused("qr_used", db.core.pay(&db.admin, qr_pay(&virt, &code, "qr-6"))).await;
    assert_eq!(db.scalar("SELECT COUNT(*) FROM qr_used").await, 1);
}

async fn partial_and_full_refunds_back_to_the_card(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    db.load(&card, "500").await;
    let p = db.core.pay(&db.admin, pay(&card, "100", shop, "rf-pay")).await.unwrap();
    let pid = p.payment_id.unwrap();
    assert_eq!(p.balance_after, m("400.00"));
    db.refused("refund_exceeds_purchase", db.core.refund(&db.admin, refund(pid, "100.01", "rf-0"))).await;
    let r1 = db.core.refund(&db.admin, refund(pid, "30", "rf-1")).await.unwrap();
    assert_eq!(r1.balance_after, m("430.00"));
    assert_eq!(r1.card, card.as_str());
    assert_eq!(r1.payment_id, Some(pid));
    assert!(r1.refund_id.is_some());
    db.refused("refund_exceeds_purchase", db.core.refund(&db.admin, refund(pid, "70.01", "rf-2"))).await;
    let r2 = db.core.refund(&db.admin, refund(pid, "70", "rf-3")).await.unwrap();
    assert_eq!(r2.balance_after, m("500.00"));
    db.refused("refund_exceeds_purchase", db.core.refund(&db.admin, refund(pid, "0.01", "rf-4"))).await;
    assert_eq!(db.scalar(&format!("SELECT refunded FROM payments WHERE id = {pid}")).await, 10_000);
    assert_eq!(
        db.scalar(&format!("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds WHERE payment_id = {pid}"))
            .await,
        10_000
    );
    db.refused("payment_not_found", db.core.refund(&db.admin, refund(987_654, "1", "rf-5"))).await;
    // A refund is money the card receives: not onto a frozen card.
    let p2 = db.core.pay(&db.admin, pay(&card, "10", shop, "rf-pay2")).await.unwrap();
    db.core
        .card_action(
            &db.admin,
            CardActionRequest { card: card.clone(), action: CardAction::Freeze, reason: None, reference: None },
        )
        .await
        .unwrap();
    db.refused("card_frozen", db.core.refund(&db.admin, refund(p2.payment_id.unwrap(), "1", "rf-6"))).await;
    db.assert_verified().await;
}

async fn transfers_between_cards(db: &TestDb) {
    let a = db.reg_card(1).await;
    let b = db.anon_card().await;
    db.load(&a, "300").await;
    let mv = db.core.transfer(&db.admin, transfer(&a, &b, "120.50", "tr-1")).await.unwrap();
    assert_eq!(mv.card, a.as_str());
    assert_eq!(mv.balance_after, m("179.50"));
    assert_eq!(mv.to_card.as_deref(), Some(b.as_str()));
    assert_eq!(mv.to_balance_after, Some(m("120.50")));
    assert_eq!(db.balance(&b).await, m("120.50"));
    db.refused("same_card", db.core.transfer(&db.admin, transfer(&a, &a, "1", "tr-2"))).await;
    db.refused("insufficient_funds", db.core.transfer(&db.admin, transfer(&b, &a, "120.51", "tr-3"))).await;
    let closed = db.anon_card().await;
    db.core
        .card_action(
            &db.admin,
            CardActionRequest { card: closed.clone(), action: CardAction::Close, reason: None, reference: None },
        )
        .await
        .unwrap();
    db.refused("card_closed", db.core.transfer(&db.admin, transfer(&a, &closed, "1", "tr-4"))).await;
    db.refused("card_closed", db.core.transfer(&db.admin, transfer(&closed, &a, "1", "tr-5"))).await;
    db.assert_verified().await;
}

async fn purchases_never_overdraw(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    db.refused("insufficient_funds", db.core.pay(&db.admin, pay(&card, "0.01", shop, "od-0"))).await;
    db.load(&card, "50").await;
    db.refused("insufficient_funds", db.core.pay(&db.admin, pay(&card, "50.01", shop, "od-1"))).await;
    let mv = db.core.pay(&db.admin, pay(&card, "50", shop, "od-2")).await.unwrap();
    assert_eq!(mv.balance_after, Money::ZERO);
    db.refused("insufficient_funds", db.core.pay(&db.admin, pay(&card, "0.01", shop, "od-3"))).await;
}

async fn reversals_happen_once_and_need_a_reason(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    let t = db.core.top_up(&db.admin, topup(&card, "200", "rv-t")).await.unwrap();
    let p = db.core.pay(&db.admin, pay(&card, "80", shop, "rv-p")).await.unwrap();
    db.refused("reason_required", db.core.reverse(&db.admin, reverse(p.entry_id, "", "rv-0"))).await;
    db.refused("reason_required", db.core.reverse(&db.admin, reverse(p.entry_id, "   ", "rv-0b"))).await;
    db.refused("entry_not_found", db.core.reverse(&db.admin, reverse(999_999, "typo", "rv-1"))).await;
    let rv = db.core.reverse(&db.admin, reverse(p.entry_id, "till double-charged", "rv-2")).await.unwrap();
    assert_eq!(rv.reverses, Some(p.entry_id));
    assert_eq!(rv.balance_after, m("200.00"));
    assert_eq!(rv.card, card.as_str());
    let (rev, memo): (Option<i64>, String) = sqlx::query_as("SELECT reverses, memo FROM journal_entries WHERE id = $1")
        .bind(rv.entry_id)
        .fetch_one(db.raw())
        .await
        .unwrap();
    assert_eq!((rev, memo.as_str()), (Some(p.entry_id), "till double-charged"));
    db.refused("already_reversed", db.core.reverse(&db.admin, reverse(p.entry_id, "again", "rv-3"))).await;
    db.refused("not_reversible", db.core.reverse(&db.admin, reverse(rv.entry_id, "undo the undo", "rv-4"))).await;
    // A reversed payment cannot be refunded.
    db.refused("payment_reversed", db.core.refund(&db.admin, refund(p.payment_id.unwrap(), "1", "rv-5"))).await;
    // A purchase with refunds: reverse the refunds first.
    let p2 = db.core.pay(&db.admin, pay(&card, "60", shop, "rv-p2")).await.unwrap();
    let r = db.core.refund(&db.admin, refund(p2.payment_id.unwrap(), "60", "rv-r")).await.unwrap();
    db.refused("payment_has_refunds", db.core.reverse(&db.admin, reverse(p2.entry_id, "x", "rv-6"))).await;
    // Reversing the refund makes the payment refundable again.
    db.core.reverse(&db.admin, reverse(r.entry_id, "refund in error", "rv-7")).await.unwrap();
    assert_eq!(db.scalar(&format!("SELECT refunded FROM payments WHERE id = {}", p2.payment_id.unwrap())).await, 0);
    db.core.refund(&db.admin, refund(p2.payment_id.unwrap(), "10", "rv-8")).await.unwrap();
    // Reversing the top-up would overdraw the card now: refused.
    assert_eq!(db.balance(&card).await, m("150.00"));
    db.refused("insufficient_funds", db.core.reverse(&db.admin, reverse(t.entry_id, "wrong card", "rv-9"))).await;
    db.assert_verified().await;
}

/// Every change of a card, with its signed amount and the balance after it, in order.
async fn history_shows_every_change_with_its_balance_after(db: &TestDb) {
    let shop = db.shop().await;
    let a = db.anon_card().await;
    let b = db.anon_card().await;
    db.core.top_up(&db.admin, topup(&a, "100", "h-1")).await.unwrap();
    let p = db.core.pay(&db.admin, pay(&a, "30", shop, "h-2")).await.unwrap();
    db.core.refund(&db.admin, refund(p.payment_id.unwrap(), "10", "h-3")).await.unwrap();
    let t = db.core.transfer(&db.admin, transfer(&a, &b, "20", "h-4")).await.unwrap();
    let rv = db.core.reverse(&db.admin, reverse(t.entry_id, "wrong card", "h-5")).await.unwrap();
    // Reported like the transfer it undoes: the paying card first, the other as to_card.
    assert_eq!((rv.card.as_str(), rv.balance_after), (a.as_str(), m("80.00")));
    assert_eq!((rv.to_card.as_deref(), rv.to_balance_after), (Some(b.as_str()), Some(Money::ZERO)));
    let act =
        |c: &CardNumber, a| CardActionRequest { card: c.clone(), action: a, reason: Some("r".into()), reference: None };
    db.core.card_action(&db.admin, act(&a, CardAction::Freeze)).await.unwrap();
    db.core.card_action(&db.admin, act(&a, CardAction::Unfreeze)).await.unwrap();
    db.core.card_action(&db.admin, act(&a, CardAction::Extend)).await.unwrap();
    // A refused request leaves no line.
    let _ = db.core.pay(&db.admin, pay(&a, "1000", shop, "h-6")).await.unwrap_err();

    let hist = db.core.card_history(&db.admin, &a).await.unwrap();
    let got: Vec<(i64, &str, String, String)> =
        hist.iter().map(|h| (h.seq, h.kind.as_str(), h.amount.to_string(), h.balance_after.to_string())).collect();
    let want: Vec<(i64, &str, String, String)> = [
        ("issue", "0.00", "0.00"),
        ("top_up", "100.00", "100.00"),
        ("purchase", "-30.00", "70.00"),
        ("refund", "10.00", "80.00"),
        ("transfer_out", "-20.00", "60.00"),
        ("reversal", "20.00", "80.00"),
        ("freeze", "0.00", "80.00"),
        ("unfreeze", "0.00", "80.00"),
        ("extend", "0.00", "80.00"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (k, a, b))| (i as i64 + 1, *k, a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want);
    assert!(hist.iter().all(|h| h.actor == "admin"));
    assert!(hist[1].entry_id.is_some() && hist[6].entry_id.is_none());
    let hist_b = db.core.card_history(&db.admin, &b).await.unwrap();
    let got_b: Vec<(&str, String)> = hist_b.iter().map(|h| (h.kind.as_str(), h.balance_after.to_string())).collect();
    assert_eq!(got_b, [("issue", "0.00".to_string()), ("transfer_in", "20.00".into()), ("reversal", "0.00".into())]);
    // The history agrees with the balance.
    assert_eq!(hist.last().unwrap().balance_after, db.balance(&a).await);
}

/// Double entry: every entry has >= 2 postings summing to zero, every balance is the sum of its
/// postings, and postings are only ever added (never updated or deleted).
async fn ledger_is_double_entry_and_append_only(db: &TestDb) {
    let shop = db.shop().await;
    let a = db.reg_card(1).await;
    let b = db.anon_card().await;
    db.load(&a, "1000").await;
    let p = db.core.pay(&db.admin, pay(&a, "100", shop, "le-1")).await.unwrap();
    let tr = db.core.transfer(&db.admin, transfer(&a, &b, "50", "le-2")).await.unwrap();
    let first = db.digest().await;
    let first_postings = first.rows("postings").to_vec();
    assert!(first_postings.len() >= 6);

    db.core.refund(&db.admin, refund(p.payment_id.unwrap(), "40", "le-3")).await.unwrap();
    db.core.reverse(&db.admin, reverse(tr.entry_id, "wrong card", "le-4")).await.unwrap();
    let t = db.core.top_up(&db.admin, topup(&b, "10", "le-5")).await.unwrap();
    db.core.reverse(&db.admin, reverse(t.entry_id, "wrong amount", "le-6")).await.unwrap();
    db.core
        .card_action(
            &db.admin,
            CardActionRequest { card: a.clone(), action: CardAction::Replace, reason: None, reference: None },
        )
        .await
        .unwrap();

    let later = db.digest().await;
    let later_postings = later.rows("postings");
    for row in &first_postings {
        assert!(later_postings.contains(row), "posting {row} was updated or deleted");
    }
    assert!(later_postings.len() > first_postings.len());
    let unbalanced = db
        .scalar(
            "SELECT COUNT(*) FROM (SELECT entry_id FROM postings GROUP BY entry_id \
             HAVING SUM(amount) <> 0 OR COUNT(*) < 2) x",
        )
        .await;
    assert_eq!(unbalanced, 0);
    let orphans = db
        .scalar("SELECT COUNT(*) FROM journal_entries e WHERE NOT EXISTS (SELECT 1 FROM postings p WHERE p.entry_id = e.id)")
        .await;
    assert_eq!(orphans, 0);
    let off = db
        .scalar(
            "SELECT COUNT(*) FROM accounts a WHERE a.balance <> a.normal * \
             COALESCE((SELECT SUM(p.amount) FROM postings p WHERE p.account_id = a.id), 0)",
        )
        .await;
    assert_eq!(off, 0, "balances are updated in the same transaction as their postings");
    let negative = db.scalar("SELECT COUNT(*) FROM accounts WHERE kind = 'card' AND balance < 0").await;
    assert_eq!(negative, 0);
    db.assert_verified().await;
}

/// A card's payments, newest first, found through its history (migration 0010 dropped the index
/// of payments by card): each with what is refunded and what is still refundable (nothing once
/// reversed); another card's payments never show; a replaced card keeps its own, the new card
/// lists only its own; a card without purchases lists none; one payment by id.
async fn payments_of_a_card_newest_first(db: &TestDb) {
    let shop = db.shop().await;
    let a = db.reg_card(7).await;
    let b = db.anon_card().await;
    db.load(&a, "500").await;
    db.load(&b, "100").await;
    let p1 = db.core.pay(&db.admin, pay(&a, "100", shop, "pl-1")).await.unwrap();
    let p2 = db.core.pay(&db.admin, pay(&a, "50", shop, "pl-2")).await.unwrap();
    let p3 = db.core.pay(&db.admin, pay(&b, "30", shop, "pl-3")).await.unwrap();
    db.core.refund(&db.admin, refund(p1.payment_id.unwrap(), "20", "pl-r")).await.unwrap();
    db.core.reverse(&db.admin, reverse(p2.entry_id, "till double-charged", "pl-v")).await.unwrap();
    let list = |card: &CardNumber| {
        let card = card.clone();
        async move { db.core.payment_list(&db.admin, Some(&card), None).await }
    };

    let of_a = list(&a).await.unwrap();
    let ids: Vec<i64> = of_a.iter().map(|p| p.payment_id).collect();
    assert_eq!(ids, [p2.payment_id.unwrap(), p1.payment_id.unwrap()], "newest first, only card a's");
    assert_eq!((of_a[0].amount, of_a[0].refunded, of_a[0].refundable), (m("50.00"), Money::ZERO, Money::ZERO));
    assert_eq!((of_a[1].amount, of_a[1].refunded, of_a[1].refundable), (m("100.00"), m("20.00"), m("80.00")));
    assert_eq!(of_a[1].entry_id, p1.entry_id);
    assert_eq!(of_a[1].merchant, shop);
    assert!(of_a[1].card.contains("****") && !of_a[1].card.contains(&a.as_str()[6..15]), "{}", of_a[1].card);
    let of_b = list(&b).await.unwrap();
    assert_eq!(of_b.iter().map(|p| p.payment_id).collect::<Vec<_>>(), [p3.payment_id.unwrap()]);

    db.core.card_action(&db.admin, replace(&a)).await.unwrap();
    let new = cn(&db.core.card_show(&db.admin, &a).await.unwrap().replaced_by.expect("replaced"));
    assert!(list(&new).await.unwrap().is_empty(), "a new card has no purchases yet");
    let p4 = db.core.pay(&db.admin, pay(&new, "10", shop, "pl-4")).await.unwrap();
    assert_eq!(list(&new).await.unwrap().iter().map(|p| p.payment_id).collect::<Vec<_>>(), [p4.payment_id.unwrap()]);
    assert_eq!(list(&a).await.unwrap(), of_a, "the replaced card keeps its payments");

    let one = db.core.payment_list(&db.admin, None, p3.payment_id).await.unwrap();
    assert_eq!(one, of_b);
}

both_backends!(
    top_up_through_every_channel,
    purchases_record_medium_and_checkout_seconds,
    signed_qr_codes_are_verified_when_given,
    partial_and_full_refunds_back_to_the_card,
    transfers_between_cards,
    purchases_never_overdraw,
    reversals_happen_once_and_need_a_reason,
    history_shows_every_change_with_its_balance_after,
    ledger_is_double_entry_and_append_only,
    payments_of_a_card_newest_first,
);

#[test]
fn funding_defaults_and_vocabularies() {
    assert_eq!(Funding::parse("debit").unwrap(), Funding::Debit);
    assert_eq!(Funding::parse("credit").unwrap(), Funding::Credit);
    let channels: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(channels, ["cash", "unionpay", "wechat", "alipay", "ecny", "bank_transfer"]);
    let media: Vec<&str> = Medium::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(media, ["nfc", "qr", "ecny"]);
    assert_eq!(Channel::parse("paypal").unwrap_err().code, "invalid_channel");
    assert_eq!(Medium::parse("swipe").unwrap_err().code, "invalid_medium");
}
