//! Issue 2, points 1 and 2: money is parsed strictly and kept as integer fen; card numbers are 19
//! digits with a Luhn check digit, never reused, and masked everywhere but the card detail.

mod common;

use std::collections::HashSet;

use common::{cn, m, pay, topup, unknown_card, TestDb};
use onecard::card_number::CardNumber;
use onecard::money::Money;
use onecard::types::{CardType, Channel, Funding, PayerType};
use onecard::{BatchIssueRequest, CardAction, CardActionRequest, IssueRequest, TransferRequest};

// ---- point 1: money ----

#[test]
fn amounts_accept_plain_decimals_with_scale_two() {
    for (s, fen, shown) in [
        ("100", 10_000, "100.00"),
        ("100.5", 10_050, "100.50"),
        ("100.50", 10_050, "100.50"),
        ("0.01", 1, "0.01"),
        ("10000000000.00", 1_000_000_000_000, "10000000000.00"),
    ] {
        let a = Money::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(a.fen(), fen, "{s}");
        assert_eq!(a.to_string(), shown);
        // The API's decimal always has scale 2.
        assert_eq!(a.to_decimal().scale(), 2, "{s}");
        assert_eq!(a.to_decimal().to_string(), shown);
    }
}

#[test]
fn amounts_refuse_everything_else_with_invalid_amount() {
    let refused = [
        "-1",
        "-0.01",
        "-0",
        "0",
        "0.00",
        "0.0",
        "1.234",
        "100.001",
        "1e3",
        "1E3",
        "1e-2",
        "１００",
        "１",
        "100 ",
        " 100",
        "1 00",
        "\t100",
        "100\n",
        "\u{3000}100",
        "100\u{a0}",
        "",
        "NaN",
        "nan",
        "inf",
        "Infinity",
        "+100",
        "10000000000.01",
        "10000000001",
        "99999999999",
        "0x10",
        "1,000",
        "¥100",
        ".5",
        "5.",
        "1..2",
    ];
    for s in refused {
        let e = Money::parse(s).expect_err(s);
        assert_eq!(e.code, "invalid_amount", "{s:?}: {e}");
        assert!(!e.message.is_empty());
    }
    // Zero only where the API says it may be zero (a face value); never negative there either.
    assert_eq!(Money::parse_allow_zero("0").unwrap(), Money::ZERO);
    for s in ["-1", "1e3", "", "１"] {
        assert_eq!(Money::parse_allow_zero(s).unwrap_err().code, "invalid_amount", "{s:?}");
    }
    // The JSON form (what the console sends) is parsed by the same rules.
    for s in ["\"1e3\"", "\"-1\"", "\"1.234\"", "\"１００\"", "100"] {
        let e = serde_json::from_str::<Money>(s).expect_err(s).to_string();
        assert!(e.contains("invalid_amount") || s == "100", "{s}: {e}");
    }
}

/// The core is the last guard: an amount built in code (not parsed) that is zero, negative or
/// beyond the maximum is refused with invalid_amount and writes nothing.
async fn movements_refuse_non_positive_amounts(db: &TestDb) {
    let shop = db.shop().await;
    let a = db.anon_card().await;
    let b = db.anon_card().await;
    db.load(&a, "100").await;
    db.load(&b, "100").await;
    for fen in [0, -1, -10_000, Money::MAX.fen() + 1, i64::MAX] {
        let amount = Money::from_fen(fen);
        let mut t = topup(&a, "1", "bad-topup");
        t.amount = amount;
        db.refused("invalid_amount", db.core.top_up(&db.admin, t)).await;
        let mut p = pay(&a, "1", shop, "bad-pay");
        p.amount = amount;
        db.refused("invalid_amount", db.core.pay(&db.admin, p)).await;
        let tr = TransferRequest { from: a.clone(), to: b.clone(), amount, reference: "bad-tr".into() };
        db.refused("invalid_amount", db.core.transfer(&db.admin, tr)).await;
    }
    let p = db.core.pay(&db.admin, pay(&a, "10", shop, "p1")).await.unwrap();
    let r = onecard::RefundRequest {
        payment_id: p.payment_id.unwrap(),
        amount: Money::from_fen(-500),
        reference: "bad-refund".into(),
    };
    db.refused("invalid_amount", db.core.refund(&db.admin, r)).await;
    assert_eq!(db.balance(&a).await, m("90.00"));
    assert_eq!(db.balance(&b).await, m("100.00"));
    db.assert_verified().await;
}

/// Amounts are integer fen in SQL and scale-2 decimals in the API.
async fn money_is_integer_fen_in_sql(db: &TestDb) {
    let card = db.anon_card().await;
    let mv = db.core.top_up(&db.admin, topup(&card, "100.5", "fen-1")).await.unwrap();
    assert_eq!(mv.balance_after.to_decimal().to_string(), "100.50");
    assert_eq!(mv.amount.to_string(), "100.50");
    let mut amounts: Vec<i64> = sqlx::query_scalar("SELECT amount FROM postings WHERE entry_id = $1 ORDER BY amount")
        .bind(mv.entry_id)
        .fetch_all(db.raw())
        .await
        .unwrap();
    amounts.sort_unstable();
    assert_eq!(amounts, vec![-10_050, 10_050]);
    let bal: i64 =
        sqlx::query_scalar("SELECT a.balance FROM accounts a JOIN cards c ON c.account_id = a.id WHERE c.number = $1")
            .bind(card.as_str().to_string())
            .fetch_one(db.raw())
            .await
            .unwrap();
    assert_eq!(bal, 10_050);
    let topup_amount = db.scalar("SELECT amount FROM topups").await;
    assert_eq!(topup_amount, 10_050);
}

// ---- point 2: card numbers ----

#[test]
fn card_numbers_need_19_digits_and_the_luhn_digit() {
    let good = CardNumber::from_serial("990088", 42);
    let s = good.as_str().to_string();
    assert_eq!(s.len(), 19);
    assert!(CardNumber::parse(&s).is_ok());
    let last = s.as_bytes()[18] - b'0';
    for d in 0..10u8 {
        if d == last {
            continue;
        }
        let wrong = format!("{}{}", &s[..18], d);
        let e = CardNumber::parse(&wrong).unwrap_err();
        assert_eq!(e.code, "invalid_card_number", "{wrong}");
        assert!(!e.message.contains(&wrong), "the message must not echo the number");
    }
    for bad in [&s[..18], &format!("{s}0"), "", &format!("{}a", &s[..18]), &format!(" {}", &s[1..])] {
        assert_eq!(CardNumber::parse(bad).unwrap_err().code, "invalid_card_number", "{bad:?}");
    }
}

/// A valid number nobody issued is card_not_found everywhere, and nothing is written.
async fn unknown_valid_card_is_not_found(db: &TestDb) {
    let shop = db.shop().await;
    let known = db.anon_card().await;
    db.load(&known, "50").await;
    let ghost = unknown_card();
    assert!(CardNumber::parse(ghost.as_str()).is_ok(), "the ghost number is well formed");
    db.refused("card_not_found", db.core.card_show(&db.admin, &ghost)).await;
    db.refused("card_not_found", db.core.card_history(&db.admin, &ghost)).await;
    db.refused("card_not_found", db.core.top_up(&db.admin, topup(&ghost, "10", "nf-1"))).await;
    db.refused("card_not_found", db.core.pay(&db.admin, pay(&ghost, "10", shop, "nf-2"))).await;
    let to_ghost = TransferRequest { from: known.clone(), to: ghost.clone(), amount: m("1"), reference: "nf-3".into() };
    db.refused("card_not_found", db.core.transfer(&db.admin, to_ghost)).await;
    let from_ghost =
        TransferRequest { from: ghost.clone(), to: known.clone(), amount: m("1"), reference: "nf-4".into() };
    db.refused("card_not_found", db.core.transfer(&db.admin, from_ghost)).await;
    for action in [CardAction::Freeze, CardAction::Close, CardAction::Replace, CardAction::Extend] {
        let r = CardActionRequest { card: ghost.clone(), action, reason: None, reference: None };
        db.refused("card_not_found", db.core.card_action(&db.admin, r)).await;
    }
    assert_eq!(db.balance(&known).await, m("50.00"));
}

/// Issued numbers are valid, distinct, and never handed out twice, even by two writers at once
/// or by a replacement.
async fn card_numbers_are_never_reused(db: &TestDb) {
    let other = db.core_at(common::NOW).await;
    async fn issue(core: &onecard::Core, admin: &onecard::auth::Actor) -> String {
        let r = IssueRequest { card_type: CardType::Virtual, holder: None, mall: None };
        core.issue_card(admin, r).await.unwrap().card
    }
    let mut all = Vec::new();
    for _ in 0..10 {
        let (a, b) = tokio::join!(issue(&db.core, &db.admin), issue(&other, &db.admin));
        all.push(a);
        all.push(b);
    }
    let batch = db
        .core
        .batch_issue(
            &db.admin,
            BatchIssueRequest {
                card_type: CardType::Physical,
                count: 30,
                face_value: Money::ZERO,
                reference: "numbers-batch".into(),
                buyer_name: None,
                buyer_id: None,
                channel: Channel::Cash,
                payer_type: PayerType::Person,
                payer_name: None,
                funding: Funding::Debit,
                mall: None,
            },
        )
        .await
        .unwrap();
    all.extend(batch.cards.clone());
    let old = cn(&all[0]);
    let change = db
        .core
        .card_action(
            &db.admin,
            CardActionRequest { card: old.clone(), action: CardAction::Replace, reason: None, reference: None },
        )
        .await
        .unwrap();
    all.push(change.new_card.clone().unwrap());
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), all.len(), "a card number was issued twice");
    for n in &all {
        assert_eq!(n.len(), 19);
        CardNumber::parse(n).unwrap_or_else(|e| panic!("{n}: {e}"));
    }
    assert_eq!(db.scalar("SELECT COUNT(DISTINCT number) FROM cards").await, all.len() as i64);
    // The old card keeps its number (closed); the number is not given to anyone else.
    assert_eq!(db.status(&old).await, "closed");
}

/// Full numbers only in the card detail: lists, histories, audit records and error messages mask
/// them as first 6 + 9 stars + last 4.
async fn card_numbers_are_masked_outside_the_detail(db: &TestDb) {
    let shop = db.shop().await;
    let a = db.reg_card(1).await;
    let b = db.anon_card().await;
    db.load(&a, "300").await;
    db.core
        .transfer(
            &db.admin,
            TransferRequest { from: a.clone(), to: b.clone(), amount: m("10"), reference: "mask-1".into() },
        )
        .await
        .unwrap();
    db.core.pay(&db.admin, pay(&b, "5", shop, "mask-2")).await.unwrap();
    db.core
        .card_action(
            &db.admin,
            CardActionRequest {
                card: b.clone(),
                action: CardAction::Freeze,
                reason: Some("check".into()),
                reference: None,
            },
        )
        .await
        .unwrap();
    let replaced = db
        .core
        .card_action(
            &db.admin,
            CardActionRequest { card: a.clone(), action: CardAction::Replace, reason: None, reference: None },
        )
        .await
        .unwrap();
    let c = cn(&replaced.new_card.unwrap());

    let masked = |n: &CardNumber| format!("{}*********{}", &n.as_str()[..6], &n.as_str()[15..]);
    // The detail shows the full number.
    assert_eq!(db.core.card_show(&db.admin, &a).await.unwrap().card, a.as_str());
    // The list masks every number, including "replaced by".
    let q = onecard::read::CardQuery { limit: 100, ..Default::default() };
    let list = db.core.card_list(&db.admin, &q).await.unwrap().rows;
    assert_eq!(list.len(), 3);
    for info in &list {
        assert_eq!(info.card.len(), 19);
        assert_eq!(&info.card[6..15], "*********", "{}", info.card);
        assert!([&a, &b, &c].iter().any(|n| masked(n) == info.card));
        if let Some(r) = &info.replaced_by {
            assert_eq!(r, &masked(&c));
        }
    }
    // Error messages mask.
    let e = db.core.pay(&db.admin, pay(&b, "1", shop, "mask-3")).await.unwrap_err();
    assert_eq!(e.code, "card_frozen");
    assert!(e.message.contains(&masked(&b)) && !e.message.contains(b.as_str()), "{}", e.message);
    // History notes and the audit trail never hold a full number.
    let mut texts: Vec<String> = Vec::new();
    for n in [&a, &b, &c] {
        for act in db.core.card_history(&db.admin, n).await.unwrap() {
            texts.push(act.note);
        }
    }
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT subject, detail FROM audit_log").fetch_all(db.raw()).await.unwrap();
    assert!(!audit.is_empty());
    for (s, d) in audit {
        texts.push(s);
        texts.push(d);
    }
    assert!(texts.iter().any(|t| t.contains(&masked(&a))), "the notes name cards (masked)");
    for t in &texts {
        for n in [&a, &b, &c] {
            assert!(!t.contains(n.as_str()), "full number {n} in {t:?}");
        }
    }
}

both_backends!(
    movements_refuse_non_positive_amounts,
    money_is_integer_fen_in_sql,
    unknown_valid_card_is_not_found,
    card_numbers_are_never_reused,
    card_numbers_are_masked_outside_the_detail,
);
