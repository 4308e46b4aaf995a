//! Issue 2, point 7: every regulatory rule is enforced with its default, refused with its own
//! code (writing nothing), and configurable with `rule set NAME VALUE`.

mod common;

use common::{holder, id_number, m, name, pay, topup, TestDb};
use onecard::card_number::CardNumber;
use onecard::money::Money;
use onecard::rules::{Rules, RULE_NAMES};
use onecard::types::{CardType, Channel, Funding, PayerType};
use onecard::{
    BatchIssueRequest, CardAction, CardActionRequest, IssueRequest, RefundRequest, TopUpRequest, TransferRequest,
};

fn batch(count: u32, face: &str, reference: &str) -> BatchIssueRequest {
    BatchIssueRequest {
        card_type: CardType::Physical,
        count,
        face_value: m(face),
        reference: reference.into(),
        buyer_name: None,
        buyer_id: None,
        channel: Channel::Unionpay,
        payer_type: PayerType::Person,
        payer_name: None,
        funding: Funding::Debit,
        mall: None,
    }
}

fn with_buyer(mut b: BatchIssueRequest) -> BatchIssueRequest {
    b.buyer_name = Some("上海某某贸易有限公司".into());
    b.buyer_id = Some(id_number(500));
    b
}

fn cash(card: &CardNumber, amount: &str, payer: PayerType, reference: &str) -> TopUpRequest {
    let mut r = topup(card, amount, reference);
    r.channel = Channel::Cash;
    r.payer_type = payer;
    r
}

#[test]
fn defaults_are_the_regulation() {
    let r = Rules::default();
    for (name, value) in [
        ("balance_cap_registered", "5000.00"),
        ("balance_cap_anonymous", "1000.00"),
        ("real_name_threshold", "10000.00"),
        ("cash_limit_company", "5000.00"),
        ("cash_limit_person", "50000.00"),
        ("credit_funding_allowed", "false"),
        ("redemption_min_months", "3"),
        ("anonymous_validity_years", "3"),
    ] {
        assert_eq!(r.get(name).as_deref(), Some(value), "{name}");
    }
    assert_eq!(RULE_NAMES.len(), 8);
}

async fn balance_caps(db: &TestDb) {
    let reg = db.reg_card(1).await;
    let anon = db.anon_card().await;
    assert_eq!(db.load(&reg, "5000").await, m("5000.00"));
    assert_eq!(db.load(&anon, "1000").await, m("1000.00"));
    db.refused("balance_cap_exceeded", db.core.top_up(&db.admin, topup(&reg, "0.01", "cap-1"))).await;
    db.refused("balance_cap_exceeded", db.core.top_up(&db.admin, topup(&anon, "0.01", "cap-2"))).await;
    // A transfer cannot push the receiving card over its cap either.
    let spare = db.reg_card(2).await;
    db.load(&spare, "10").await;
    let tr = TransferRequest { from: spare.clone(), to: anon.clone(), amount: m("0.01"), reference: "cap-3".into() };
    db.refused("balance_cap_exceeded", db.core.transfer(&db.admin, tr)).await;
    // Configurable.
    db.core.rule_set(&db.admin, "balance_cap_anonymous", "500").await.unwrap();
    db.core.rule_set(&db.admin, "balance_cap_registered", "6000").await.unwrap();
    let small = db.anon_card().await;
    db.refused("balance_cap_exceeded", db.core.top_up(&db.admin, topup(&small, "500.01", "cap-4"))).await;
    assert_eq!(db.load(&small, "500").await, m("500.00"));
    assert_eq!(db.load(&reg, "1000").await, m("6000.00"));
    db.refused("balance_cap_exceeded", db.core.top_up(&db.admin, topup(&reg, "0.01", "cap-5"))).await;
    // Another handle on the database sees the same rules.
    let other = db.core_at(common::NOW).await;
    db.refused("balance_cap_exceeded", other.top_up(&db.admin, topup(&small, "0.01", "cap-6"))).await;
}

async fn real_name_for_large_anonymous_purchases(db: &TestDb) {
    // 10 x 1,000.00 = 10,000.00: the threshold itself needs the buyer's name and ID.
    db.refused("real_name_required", db.core.batch_issue(&db.admin, batch(10, "1000", "rn-1"))).await;
    let mut only_name = batch(10, "1000", "rn-2");
    only_name.buyer_name = Some(name(3));
    db.refused("real_name_required", db.core.batch_issue(&db.admin, only_name)).await;
    let mut bad_id = with_buyer(batch(10, "1000", "rn-3"));
    bad_id.buyer_id = Some("110101199003070000".into());
    db.refused("invalid_id_number", db.core.batch_issue(&db.admin, bad_id)).await;
    let ok = db.core.batch_issue(&db.admin, with_buyer(batch(10, "1000", "rn-4"))).await.unwrap();
    assert_eq!(ok.total, m("10000.00"));
    // Just under the threshold: no name needed.
    let under = db.core.batch_issue(&db.admin, batch(10, "999.99", "rn-5")).await.unwrap();
    assert_eq!(under.total, m("9999.90"));
    // Configurable.
    db.core.rule_set(&db.admin, "real_name_threshold", "500").await.unwrap();
    db.refused("real_name_required", db.core.batch_issue(&db.admin, batch(1, "500", "rn-6"))).await;
    db.core.batch_issue(&db.admin, batch(1, "499.99", "rn-7")).await.unwrap();
    // Registered cards always need the holder's real name (see cards.rs for every field).
    let no_id = onecard::Holder { id_number: String::new(), ..holder(4) };
    let r = IssueRequest { card_type: CardType::Virtual, holder: Some(no_id), mall: None };
    db.refused("real_name_required", db.core.issue_card(&db.admin, r)).await;
}

async fn cash_limits(db: &TestDb) {
    // A company may not pay 5,000.00 or more in cash; 4,999.99 is fine.
    let reg = db.reg_card(1).await;
    db.refused("cash_limit_exceeded", db.core.top_up(&db.admin, cash(&reg, "5000", PayerType::Company, "cash-1")))
        .await;
    db.core.top_up(&db.admin, cash(&reg, "4999.99", PayerType::Company, "cash-2")).await.unwrap();
    let mut company = with_buyer(batch(5, "1000", "cash-3"));
    company.channel = Channel::Cash;
    company.payer_type = PayerType::Company;
    db.refused("cash_limit_exceeded", db.core.batch_issue(&db.admin, company)).await;
    // A person may not pay 50,000.00 or more in cash.
    let mut person = with_buyer(batch(50, "1000", "cash-4"));
    person.channel = Channel::Cash;
    db.refused("cash_limit_exceeded", db.core.batch_issue(&db.admin, person)).await;
    let mut person = with_buyer(batch(49, "1000", "cash-5"));
    person.channel = Channel::Cash;
    db.core.batch_issue(&db.admin, person).await.unwrap();
    // Configurable.
    db.core.rule_set(&db.admin, "cash_limit_company", "1000").await.unwrap();
    db.core.rule_set(&db.admin, "cash_limit_person", "100").await.unwrap();
    let reg2 = db.reg_card(2).await;
    db.refused("cash_limit_exceeded", db.core.top_up(&db.admin, cash(&reg2, "1000", PayerType::Company, "cash-6")))
        .await;
    db.refused("cash_limit_exceeded", db.core.top_up(&db.admin, cash(&reg2, "100", PayerType::Person, "cash-7"))).await;
    db.core.top_up(&db.admin, cash(&reg2, "99.99", PayerType::Person, "cash-8")).await.unwrap();
    db.core.top_up(&db.admin, cash(&reg2, "999.99", PayerType::Company, "cash-9")).await.unwrap();
}

async fn bank_transfers_need_the_buyer_as_payer(db: &TestDb) {
    let mut b = with_buyer(batch(20, "1000", "bt-1"));
    b.channel = Channel::BankTransfer;
    b.payer_type = PayerType::Company;
    db.refused("payer_mismatch", db.core.batch_issue(&db.admin, b.clone())).await;
    b.payer_name = Some("另一家公司".into());
    db.refused("payer_mismatch", db.core.batch_issue(&db.admin, b.clone())).await;
    b.payer_name = b.buyer_name.clone();
    let ok = db.core.batch_issue(&db.admin, b).await.unwrap();
    assert_eq!(ok.total, m("20000.00"));
    // A registered card's top-up by transfer: the payer must be the holder.
    let reg = db.reg_card(7).await;
    let mut r = topup(&reg, "100", "bt-2");
    r.channel = Channel::BankTransfer;
    db.refused("payer_mismatch", db.core.top_up(&db.admin, r.clone())).await;
    r.payer_name = Some("李四".into());
    db.refused("payer_mismatch", db.core.top_up(&db.admin, r.clone())).await;
    r.payer_name = Some(name(7));
    db.core.top_up(&db.admin, r).await.unwrap();
}

async fn credit_funding_is_refused(db: &TestDb) {
    let card = db.anon_card().await;
    let mut r = topup(&card, "100", "cr-1");
    r.funding = Funding::Credit;
    r.channel = Channel::Unionpay;
    db.refused("credit_funding_refused", db.core.top_up(&db.admin, r.clone())).await;
    let mut b = batch(2, "100", "cr-2");
    b.funding = Funding::Credit;
    db.refused("credit_funding_refused", db.core.batch_issue(&db.admin, b.clone())).await;
    // Configurable (a compliance decision, not a code change).
    db.core.rule_set(&db.admin, "credit_funding_allowed", "true").await.unwrap();
    db.core.top_up(&db.admin, r).await.unwrap();
    db.core.batch_issue(&db.admin, b).await.unwrap();
    let (funding,): (String,) =
        sqlx::query_as("SELECT funding FROM topups WHERE ref = 'cr-1'").fetch_one(db.raw()).await.unwrap();
    assert_eq!(funding, "credit");
}

async fn redemption_rules(db: &TestDb) {
    let close = |c: &CardNumber| CardActionRequest {
        card: c.clone(),
        action: CardAction::Close,
        reason: None,
        reference: None,
    };
    let reg = db.reg_card(1).await;
    db.load(&reg, "100").await;
    let month_later = db.core_at("2026-04-01T10:00:00+08:00").await;
    db.refused("redemption_not_allowed", month_later.card_action(&db.admin, close(&reg))).await;
    db.core.rule_set(&db.admin, "redemption_min_months", "1").await.unwrap();
    let ch = month_later.card_action(&db.admin, close(&reg)).await.unwrap();
    assert_eq!(ch.moved, m("100.00"));
    // Anonymous cards: never, whatever the months.
    db.core.rule_set(&db.admin, "redemption_min_months", "0").await.unwrap();
    let anon = db.anon_card().await;
    db.load(&anon, "1").await;
    db.refused("redemption_not_allowed", db.core.card_action(&db.admin, close(&anon))).await;
    db.refused("invalid_rule", db.core.rule_set(&db.admin, "redemption_min_months", "-1")).await;
    db.refused("invalid_rule", db.core.rule_set(&db.admin, "redemption_min_months", "121")).await;
    db.assert_verified().await;
}

/// Goods returned are refunded to the card: the refund moves money from the merchant's payable
/// back to the card, and no channel or custody money leaves.
async fn refunds_go_to_the_card_only(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    db.load(&card, "300").await;
    let p = db.core.pay(&db.admin, pay(&card, "200", shop, "rc-1")).await.unwrap();
    let outside =
        "SELECT CAST(SUM(balance) AS BIGINT) FROM accounts WHERE kind IN ('channel_clearing', 'reserve_custody')";
    let before = db.scalar(outside).await;
    let r = db
        .core
        .refund(
            &db.admin,
            RefundRequest { payment_id: p.payment_id.unwrap(), amount: m("200"), reference: "rc-2".into() },
        )
        .await
        .unwrap();
    assert_eq!(r.balance_after, m("300.00"));
    assert_eq!(db.scalar(outside).await, before, "no money left through a channel");
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT a.kind FROM postings p JOIN accounts a ON a.id = p.account_id WHERE p.entry_id = $1 ORDER BY a.kind",
    )
    .bind(r.entry_id)
    .fetch_all(db.raw())
    .await
    .unwrap();
    assert_eq!(kinds, ["card", "merchant_payable"]);
    assert_eq!(db.scalar("SELECT balance FROM accounts WHERE kind = 'merchant_payable'").await, 0);
}

async fn refunds_respect_the_cap(db: &TestDb) {
    // Paid 600 of 1,000, then topped back up to the cap: refunding the 600 would put 1,600 on an
    // anonymous card. The cap holds (rule 1); once the card is spent down, the refund goes through.
    let shop = db.shop().await;
    let card = db.anon_card().await;
    db.load(&card, "1000").await;
    let p = db.core.pay(&db.admin, pay(&card, "600", shop, "rcap-1")).await.unwrap();
    db.load(&card, "600").await;
    let refund = |reference: &str| RefundRequest {
        payment_id: p.payment_id.unwrap(),
        amount: m("600"),
        reference: reference.into(),
    };
    db.refused("balance_cap_exceeded", db.core.refund(&db.admin, refund("rcap-2"))).await;
    db.core.pay(&db.admin, pay(&card, "700", shop, "rcap-3")).await.unwrap();
    let r = db.core.refund(&db.admin, refund("rcap-4")).await.unwrap();
    assert_eq!(r.balance_after, m("900.00"));
    db.assert_verified().await;
}

async fn rule_values_are_validated(db: &TestDb) {
    db.refused("invalid_rule", db.core.rule_set(&db.admin, "no_such_rule", "1")).await;
    db.refused("invalid_amount", db.core.rule_set(&db.admin, "balance_cap_registered", "-1")).await;
    db.refused("invalid_amount", db.core.rule_set(&db.admin, "cash_limit_person", "1e6")).await;
    db.refused("invalid_amount", db.core.rule_set(&db.admin, "real_name_threshold", "0")).await;
    db.refused("invalid_rule", db.core.rule_set(&db.admin, "credit_funding_allowed", "yes")).await;
    db.refused("invalid_rule", db.core.rule_set(&db.admin, "anonymous_validity_years", "2")).await;
    let v = db.core.rule_set(&db.admin, "balance_cap_anonymous", "800.5").await.unwrap();
    assert_eq!(v["value"], "800.50");
    let stored: String = sqlx::query_scalar("SELECT value FROM rules WHERE name = 'balance_cap_anonymous'")
        .fetch_one(db.raw())
        .await
        .unwrap();
    assert_eq!(stored, "800.50");
    let anon = db.anon_card().await;
    db.refused("balance_cap_exceeded", db.core.top_up(&db.admin, topup(&anon, "800.51", "rv-1"))).await;
    assert_eq!(db.load(&anon, "800.50").await, Money::from_fen(80_050));
}

both_backends!(
    balance_caps,
    real_name_for_large_anonymous_purchases,
    cash_limits,
    bank_transfers_need_the_buyer_as_payer,
    credit_funding_is_refused,
    redemption_rules,
    refunds_go_to_the_card_only,
    refunds_respect_the_cap,
    rule_values_are_validated,
);
