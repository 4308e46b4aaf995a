//! Issue 2, point 11: six roles; every operation takes an actor and is checked in the core
//! (`forbidden`, writing nothing); scopes limit an actor to malls or regions; `init` creates the
//! user admin; changes of state are audited with the actor.

mod common;

use common::{cn, m, pay, topup, TestDb};
use onecard::auth::{Actor, Scope};
use onecard::card_number::CardNumber;
use onecard::error::Result;
use onecard::money::Money;
use onecard::types::{CardType, Category, Channel, CityTier, Funding, PayerType, Role};
use onecard::{
    BatchIssueRequest, CardAction, CardActionRequest, IssueRequest, MallAddRequest, MerchantAddRequest, RefundRequest,
    ReverseRequest, TransferRequest, UserAddRequest,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    TopUp,
    Pay,
    Refund,
    Transfer,
    Reverse,
    Issue,
    BatchIssue,
    ServiceCard,
    MallAdd,
    MerchantAdd,
    UserAdd,
    RuleSet,
    CardShow,
    CardList,
    CardHistory,
    CardQr,
    Verify,
    Anchor,
}

const OPS: [Op; 18] = [
    Op::TopUp,
    Op::Pay,
    Op::Refund,
    Op::Transfer,
    Op::Reverse,
    Op::Issue,
    Op::BatchIssue,
    Op::ServiceCard,
    Op::MallAdd,
    Op::MerchantAdd,
    Op::UserAdd,
    Op::RuleSet,
    Op::CardShow,
    Op::CardList,
    Op::CardHistory,
    Op::CardQr,
    Op::Verify,
    Op::Anchor,
];

/// The separation of duties: who may do what. Admin may do everything; operators serve cards and
/// move money at the counter; finance corrects (reverses) and checks; auditors only look; the
/// merchant and regional managers have no ledger operations in this issue.
fn allowed(role: Role, op: Op) -> bool {
    use Op::*;
    let reads = [CardShow, CardList, CardHistory, CardQr];
    match role {
        Role::Admin => true,
        Role::Operator => {
            [TopUp, Pay, Refund, Transfer, Issue, BatchIssue, ServiceCard].contains(&op) || reads.contains(&op)
        }
        Role::Finance => [Reverse, Verify, Anchor].contains(&op) || reads.contains(&op),
        Role::Auditor => [Verify, Anchor].contains(&op) || reads.contains(&op),
        Role::MerchantManager | Role::RegionalManager => false,
    }
}

/// What an operation needs, prepared by admin before the attempt.
struct Prep {
    card: CardNumber,
    other: CardNumber,
    payment: i64,
    entry: i64,
    virt: CardNumber,
}

async fn prepare(db: &TestDb, shop: i64, n: usize) -> Prep {
    let card = db.anon_card().await;
    let other = db.anon_card().await;
    db.core.top_up(&db.admin, topup(&card, "100", &format!("prep-t{n}"))).await.unwrap();
    let p = db.core.pay(&db.admin, pay(&card, "10", shop, &format!("prep-p{n}"))).await.unwrap();
    let virt = cn(&db
        .core
        .issue_card(&db.admin, IssueRequest { card_type: CardType::Virtual, holder: None, mall: None })
        .await
        .unwrap()
        .card);
    Prep { card, other, payment: p.payment_id.unwrap(), entry: p.entry_id, virt }
}

async fn attempt(db: &TestDb, actor: &Actor, op: Op, shop: i64, p: &Prep, n: usize) -> Result<()> {
    let c = &db.core;
    let r = format!("role-{n}");
    match op {
        Op::TopUp => c.top_up(actor, topup(&p.card, "1", &r)).await.map(drop),
        Op::Pay => c.pay(actor, pay(&p.card, "1", shop, &r)).await.map(drop),
        Op::Refund => {
            c.refund(actor, RefundRequest { payment_id: p.payment, amount: m("1"), reference: r }).await.map(drop)
        }
        Op::Transfer => c
            .transfer(
                actor,
                TransferRequest { from: p.card.clone(), to: p.other.clone(), amount: m("1"), reference: r },
            )
            .await
            .map(drop),
        Op::Reverse => {
            c.reverse(actor, ReverseRequest { entry_id: p.entry, reason: "test".into(), reference: r }).await.map(drop)
        }
        Op::Issue => c
            .issue_card(actor, IssueRequest { card_type: CardType::Physical, holder: None, mall: None })
            .await
            .map(drop),
        Op::BatchIssue => c
            .batch_issue(
                actor,
                BatchIssueRequest {
                    card_type: CardType::Physical,
                    count: 2,
                    face_value: Money::ZERO,
                    reference: r,
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
            .map(drop),
        Op::ServiceCard => c
            .card_action(
                actor,
                CardActionRequest { card: p.other.clone(), action: CardAction::Freeze, reason: None, reference: None },
            )
            .await
            .map(drop),
        Op::MallAdd => c
            .mall_add(
                actor,
                MallAddRequest {
                    code: format!("R{n}"),
                    name: "Role Mall".into(),
                    region: format!("region{n}"),
                    city_tier: CityTier::parse("3").unwrap(),
                    mode: None,
                    card_since: None,
                },
            )
            .await
            .map(drop),
        Op::MerchantAdd => c
            .merchant_add(
                actor,
                MerchantAddRequest { mall: "M1".into(), name: format!("Shop {n}"), category: Category::Dining },
            )
            .await
            .map(drop),
        Op::UserAdd => c
            .user_add(
                actor,
                UserAddRequest { name: format!("new{n}"), role: Role::Auditor, scopes: vec![], password: None },
            )
            .await
            .map(drop),
        Op::RuleSet => c.rule_set(actor, "balance_cap_anonymous", "1000").await.map(drop),
        Op::CardShow => c.card_show(actor, &p.card).await.map(drop),
        Op::CardList => c.card_list(actor, &onecard::read::CardQuery::default()).await.map(drop),
        Op::CardHistory => c.card_history(actor, &p.card).await.map(drop),
        Op::CardQr => c.card_qr(actor, &p.virt).await.map(drop),
        Op::Verify => c.verify(actor).await.map(drop),
        Op::Anchor => c.anchor(actor).await.map(drop),
    }
}

async fn role_by_operation_matrix(db: &TestDb) {
    let shop = db.shop().await;
    let mut n = 0;
    let mut forbidden = 0;
    for role in Role::ALL {
        let actor = db.user(&format!("u_{}", role.as_str()), *role).await;
        assert_eq!(actor.role, *role);
        for op in OPS {
            n += 1;
            let prep = prepare(db, shop, n).await;
            if allowed(*role, op) {
                attempt(db, &actor, op, shop, &prep, n)
                    .await
                    .unwrap_or_else(|e| panic!("{} may {op:?}, got {e}", role.as_str()));
            } else {
                forbidden += 1;
                let e = db.refused("forbidden", attempt(db, &actor, op, shop, &prep, n)).await;
                assert!(e.message.contains(role.as_str()), "{}", e.message);
            }
        }
    }
    assert_eq!(Role::ALL.len(), 6);
    assert_eq!(forbidden, 6 * 18 - (18 + 11 + 7 + 6));
    db.assert_verified().await;
}

async fn unknown_and_deactivated_users_are_refused(db: &TestDb) {
    assert_eq!(db.core.actor("nobody").await.unwrap_err().code, "unknown_user");
    db.user("clerk", Role::Operator).await;
    db.exec("UPDATE users SET active = 0 WHERE name = 'clerk'").await;
    assert_eq!(db.core.actor("clerk").await.unwrap_err().code, "forbidden");
    // init created the user admin.
    let (role, scopes, active): (String, String, i64) =
        sqlx::query_as("SELECT role, scopes, active FROM users WHERE name = 'admin'")
            .fetch_one(db.raw())
            .await
            .unwrap();
    assert_eq!((role.as_str(), scopes.as_str(), active), ("admin", "", 1));
    assert_eq!(db.core.actor("admin").await.unwrap(), Actor::admin());
}

/// A scoped operator acts only in the malls (or regions) of its scopes.
async fn scopes_limit_malls_and_regions(db: &TestDb) {
    db.mall("M1", "east").await;
    db.mall("M2", "east").await;
    db.mall("M3", "west").await;
    let s1 = db.merchant("M1", "East One").await;
    let s2 = db.merchant("M2", "East Two").await;
    let s3 = db.merchant("M3", "West Three").await;
    let card = db.anon_card().await;
    db.load(&card, "500").await;
    let m1 = db.user_scoped("op_m1", Role::Operator, vec![Scope::Mall("M1".into())]).await;
    let east = db.user_scoped("op_east", Role::Operator, vec![Scope::Region("east".into())]).await;

    db.core.pay(&m1, pay(&card, "1", s1, "sc-1")).await.unwrap();
    db.refused("forbidden", db.core.pay(&m1, pay(&card, "1", s2, "sc-2"))).await;
    db.core.pay(&east, pay(&card, "1", s2, "sc-3")).await.unwrap();
    db.refused("forbidden", db.core.pay(&east, pay(&card, "1", s3, "sc-4"))).await;
    // A refund is judged by the payment's merchant.
    let p3 = db.core.pay(&db.admin, pay(&card, "5", s3, "sc-5")).await.unwrap();
    let refund = RefundRequest { payment_id: p3.payment_id.unwrap(), amount: m("1"), reference: "sc-6".into() };
    db.refused("forbidden", db.core.refund(&east, refund)).await;
    // Cards issued for a mall are served only within scope.
    let issue = |mall: &str| IssueRequest { card_type: CardType::Physical, holder: None, mall: Some(mall.into()) };
    db.refused("forbidden", db.core.issue_card(&m1, issue("M2"))).await;
    let in_m2 = cn(&db.core.issue_card(&east, issue("M2")).await.unwrap().card);
    let freeze = CardActionRequest { card: in_m2.clone(), action: CardAction::Freeze, reason: None, reference: None };
    db.refused("forbidden", db.core.card_action(&m1, freeze.clone())).await;
    db.core.card_action(&east, freeze).await.unwrap();
}

/// Every change of state leaves an audit record naming its actor; money movements are recorded
/// (and chained) as journal entries naming theirs.
async fn changes_of_state_are_audited_with_their_actor(db: &TestDb) {
    let op = db.user("clerk", Role::Operator).await;
    let fin = db.user("controller", Role::Finance).await;
    db.mall("M1", "east").await;
    let shop = db.merchant("M1", "Brand").await;
    db.core.rule_set(&db.admin, "balance_cap_anonymous", "900").await.unwrap();
    let issued = db
        .core
        .issue_card(
            &op,
            IssueRequest { card_type: CardType::Cobrand, holder: Some(common::holder(1)), mall: Some("M1".into()) },
        )
        .await
        .unwrap();
    let card = cn(&issued.card);
    let anon = cn(&db
        .core
        .issue_card(&op, IssueRequest { card_type: CardType::Virtual, holder: None, mall: None })
        .await
        .unwrap()
        .card);
    let b = db
        .core
        .batch_issue(
            &op,
            BatchIssueRequest {
                card_type: CardType::Physical,
                count: 2,
                face_value: m("50"),
                reference: "aud-batch".into(),
                buyer_name: None,
                buyer_id: None,
                channel: Channel::Alipay,
                payer_type: PayerType::Person,
                payer_name: None,
                funding: Funding::Debit,
                mall: None,
            },
        )
        .await
        .unwrap();
    let t = db.core.top_up(&op, topup(&card, "100", "aud-t")).await.unwrap();
    let p = db.core.pay(&op, pay(&card, "10", shop, "aud-p")).await.unwrap();
    let r = db
        .core
        .refund(&op, RefundRequest { payment_id: p.payment_id.unwrap(), amount: m("1"), reference: "aud-r".into() })
        .await
        .unwrap();
    let tr = db
        .core
        .transfer(
            &op,
            TransferRequest { from: card.clone(), to: anon.clone(), amount: m("2"), reference: "aud-tr".into() },
        )
        .await
        .unwrap();
    let rv = db
        .core
        .reverse(
            &fin,
            ReverseRequest { entry_id: tr.entry_id, reason: "wrong card".into(), reference: "aud-rv".into() },
        )
        .await
        .unwrap();
    let act = |c: &CardNumber, a| CardActionRequest {
        card: c.clone(),
        action: a,
        reason: Some("desk".into()),
        reference: None,
    };
    for a in [CardAction::Freeze, CardAction::Unfreeze, CardAction::ReportLoss] {
        db.core.card_action(&op, act(&card, a)).await.unwrap();
    }
    let replaced = db.core.card_action(&op, act(&card, CardAction::Replace)).await.unwrap();
    db.core.card_action(&op, act(&anon, CardAction::Extend)).await.unwrap();
    let later = db.core_at("2026-07-01T10:00:00+08:00").await;
    later.card_action(&op, act(&cn(replaced.new_card.as_deref().unwrap()), CardAction::Close)).await.unwrap();

    let audit: Vec<(String, String)> = sqlx::query_as("SELECT actor, action FROM audit_log ORDER BY chain, chain_seq")
        .fetch_all(db.raw())
        .await
        .unwrap();
    let has = |actor: &str, action: &str| audit.iter().any(|(a, b)| a == actor && b == action);
    for (actor, action) in [
        ("admin", "region.add"),
        ("admin", "mall.add"),
        ("admin", "merchant.add"),
        ("admin", "user.add"),
        ("admin", "rule.set"),
        ("clerk", "card.issue"),
        ("clerk", "card.batch_issue"),
        ("clerk", "card.freeze"),
        ("clerk", "card.unfreeze"),
        ("clerk", "card.report_loss"),
        ("clerk", "card.replace"),
        ("clerk", "card.extend"),
        ("clerk", "card.close"),
    ] {
        assert!(has(actor, action), "no audit record {actor} {action} in {audit:?}");
    }
    let journal: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, kind, actor FROM journal_entries ORDER BY id").fetch_all(db.raw()).await.unwrap();
    for (entry, kind, actor) in [
        (b.entry_id.unwrap(), "issue_load", "clerk"),
        (t.entry_id, "top_up", "clerk"),
        (p.entry_id, "purchase", "clerk"),
        (r.entry_id, "refund", "clerk"),
        (tr.entry_id, "transfer", "clerk"),
        (rv.entry_id, "reversal", "controller"),
        (replaced.entry_id.unwrap(), "replace", "clerk"),
    ] {
        assert!(
            journal.iter().any(|(id, k, a)| *id == entry && k == kind && a == actor),
            "entry {entry} should be {kind} by {actor}: {journal:?}"
        );
    }
    let redemption = journal.iter().find(|(_, k, _)| k == "redemption").expect("the close paid out");
    assert_eq!(redemption.2, "clerk");
    db.assert_verified().await;
}

both_backends!(
    role_by_operation_matrix,
    unknown_and_deactivated_users_are_refused,
    scopes_limit_malls_and_regions,
    changes_of_state_are_audited_with_their_actor,
);
