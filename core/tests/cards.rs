//! Issue 2, points 3 to 5: malls and merchants, members and cards (real name, expiry, personal
//! data encrypted at rest and masked), and the card lifecycle with its refusals.

mod common;

use common::{cn, holder, id_number, m, name, pay, phone, topup, TestDb};
use onecard::auth::Scope;
use onecard::card_number::CardNumber;
use onecard::money::Money;
use onecard::types::{CardType, Category, Channel, CityTier, Funding, PayerType, Role};
use onecard::{
    BatchIssueRequest, CardAction, CardActionRequest, Holder, IssueRequest, MallAddRequest, MerchantAddRequest,
    TransferRequest,
};

fn action(card: &CardNumber, action: CardAction) -> CardActionRequest {
    CardActionRequest { card: card.clone(), action, reason: Some("at the desk".into()), reference: None }
}

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

// ---- point 3: regions, malls, merchants ----

#[test]
fn categories_and_tiers_are_closed_lists() {
    let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "apparel",
            "bags",
            "cosmetics",
            "sports",
            "dining",
            "kids",
            "jewellery",
            "appliances",
            "home",
            "specialty",
            "tourism",
            "transit",
            "other"
        ]
    );
    for bad in ["Apparel", "food", "", "jewelry"] {
        assert_eq!(Category::parse(bad).unwrap_err().code, "invalid_category");
    }
    for t in ["1", "2", "3", "4"] {
        assert_eq!(CityTier::parse(t).unwrap().as_str(), t);
    }
    for bad in ["0", "5", "", " 1", "一"] {
        assert_eq!(CityTier::parse(bad).unwrap_err().code, "invalid_city_tier");
    }
}

async fn mall_add_creates_the_region_when_new(db: &TestDb) {
    let add = |code: &str, region: &str, tier: &str| MallAddRequest {
        code: code.into(),
        name: format!("{code} 奥特莱斯"),
        region: region.into(),
        city_tier: CityTier::parse(tier).unwrap(),
        mode: None,
        card_since: None,
    };
    let v = db.core.mall_add(&db.admin, add("SH01", "east", "1")).await.unwrap();
    assert_eq!(v["region_created"], true);
    assert_eq!(v["city_tier"], 1);
    let v = db.core.mall_add(&db.admin, add("HZ01", "east", "2")).await.unwrap();
    assert_eq!(v["region_created"], false);
    let v = db.core.mall_add(&db.admin, add("LJ01", "southwest", "4")).await.unwrap();
    assert_eq!(v["region_created"], true);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM regions").await, 2);
    assert_eq!(db.scalar("SELECT city_tier FROM malls WHERE code = 'LJ01'").await, 4);
    db.refused("mall_exists", db.core.mall_add(&db.admin, add("SH01", "north", "1"))).await;
    db.refused("invalid_code", db.core.mall_add(&db.admin, add("SH 02", "east", "1"))).await;

    let v = db
        .core
        .merchant_add(
            &db.admin,
            MerchantAddRequest { mall: "SH01".into(), name: "Jewels".into(), category: Category::Jewellery },
        )
        .await
        .unwrap();
    assert_eq!(v["category"], "jewellery");
    assert_eq!(v["active"], true);
    assert_eq!(v["mall"], "SH01");
    let id = v["merchant"].as_i64().unwrap();
    let (mall, cat, active): (String, String, i64) =
        sqlx::query_as("SELECT mall, category, active FROM merchants WHERE id = $1")
            .bind(id)
            .fetch_one(db.raw())
            .await
            .unwrap();
    assert_eq!((mall.as_str(), cat.as_str(), active), ("SH01", "jewellery", 1));
    let nowhere = MerchantAddRequest { mall: "XX99".into(), name: "Ghost".into(), category: Category::Other };
    db.refused("mall_not_found", db.core.merchant_add(&db.admin, nowhere)).await;
}

/// An inactive merchant cannot take payments (merchants carry an `active` flag).
async fn inactive_merchant_takes_no_payment(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    db.load(&card, "100").await;
    db.exec(&format!("UPDATE merchants SET active = 0 WHERE id = {shop}")).await;
    db.refused("merchant_inactive", db.core.pay(&db.admin, pay(&card, "1", shop, "inactive"))).await;
    db.refused("merchant_not_found", db.core.pay(&db.admin, pay(&card, "1", 999_999, "nomerchant"))).await;
}

// ---- point 4: members and cards ----

async fn registered_cards_need_name_id_number_and_mobile(db: &TestDb) {
    let issue = |h: Holder| IssueRequest { card_type: CardType::Physical, holder: Some(h), mall: None };
    let mut h = holder(1);
    h.id_number = String::new();
    db.refused("real_name_required", db.core.issue_card(&db.admin, issue(h))).await;
    let mut h = holder(1);
    h.name = String::new();
    db.refused("real_name_required", db.core.issue_card(&db.admin, issue(h))).await;
    let mut h = holder(1);
    h.phone = String::new();
    db.refused("real_name_required", db.core.issue_card(&db.admin, issue(h))).await;

    // GB 11643: a wrong check character, a wrong length, an impossible birth date.
    let good = id_number(1);
    let last = good.chars().last().unwrap();
    let wrong_check = format!("{}{}", &good[..17], if last == '0' { '1' } else { '0' });
    for bad in [wrong_check, good[..17].to_string(), format!("{good}1"), "110101199013070011".into()] {
        let mut h = holder(1);
        h.id_number = bad.clone();
        db.refused("invalid_id_number", db.core.issue_card(&db.admin, issue(h))).await;
    }
    for bad in ["1380013800", "138001380001", "23800138000", "1380013800a", "+8613800138000"] {
        let mut h = holder(1);
        h.phone = bad.into();
        db.refused("invalid_phone", db.core.issue_card(&db.admin, issue(h))).await;
    }
    // A well-known valid number with an X check character.
    let mut h = holder(2);
    h.id_number = "11010519491231002X".into();
    let c = db.core.issue_card(&db.admin, issue(h)).await.unwrap();
    assert!(c.registered);
    assert_eq!(c.expires_on, None, "registered cards do not expire");
    assert_eq!(c.status.as_str(), "active");
    assert_eq!(c.balance, Money::ZERO);
    assert_eq!(c.card_type, CardType::Physical);
    // The holder's data comes back masked.
    assert_eq!(c.holder.as_deref(), Some("张***"));
    assert_eq!(c.phone.as_deref(), Some("138****0002"));
    let shown = db.core.card_show(&db.admin, &cn(&c.card)).await.unwrap();
    assert_eq!(shown.holder.as_deref(), Some("张***"));
    assert_eq!(shown.phone.as_deref(), Some("138****0002"));
}

async fn one_member_may_hold_several_cards(db: &TestDb) {
    let a = db.reg_card(7).await;
    let b = db.reg_card(7).await;
    let c = db.reg_card(8).await;
    assert_eq!(db.scalar("SELECT COUNT(*) FROM members").await, 2);
    let member = |n: CardNumber| {
        let sql = format!("SELECT member_id FROM cards WHERE number = '{}'", n.as_str());
        async move { db.scalar(&sql).await }
    };
    let (ma, mb, mc) = (member(a).await, member(b).await, member(c).await);
    assert_eq!(ma, mb);
    assert_ne!(ma, mc);
}

/// Issues that reach the writer together are decided on one read of their malls and holders:
/// each holder still gets one member (found, or created once), each mall's scope still holds,
/// and a refused issue writes nothing.
async fn issues_decided_together_find_or_create_each_member_once(db: &TestDb) {
    db.mall("M1", "east").await;
    db.mall("W1", "west").await;
    let known = db.reg_card(30).await;
    let east = db.user_scoped("east-op", Role::Operator, vec![Scope::Region("east".into())]).await;
    let (members, cards) =
        (db.scalar("SELECT COUNT(*) FROM members").await, db.scalar("SELECT COUNT(*) FROM cards").await);
    let req = |who: u32, mall: &str| IssueRequest {
        card_type: CardType::Physical,
        holder: Some(holder(who)),
        mall: Some(mall.to_string()),
    };
    let mut bad_id = holder(33);
    let wrong = if bad_id.id_number.ends_with('0') { "1" } else { "0" };
    bad_id.id_number.replace_range(17.., wrong);
    let mut asks = Vec::new();
    for i in 0..12u32 {
        asks.push((&east, req(30 + i % 3, "M1")));
    }
    asks.push((&east, req(34, "W1")));
    asks.push((&db.admin, req(35, "NOPE")));
    asks.push((&db.admin, IssueRequest { card_type: CardType::Physical, holder: Some(bad_id), mall: None }));
    let results = futures_util::future::join_all(asks.iter().map(|(who, r)| db.core.issue_card(who, r.clone()))).await;
    let codes: Vec<String> =
        results[12..].iter().map(|r| r.as_ref().map_or_else(|e| e.code.to_string(), |_| "ok".to_string())).collect();
    assert_eq!(codes, ["forbidden", "mall_not_found", "invalid_id_number"]);
    let issued: Vec<CardNumber> = results[..12].iter().map(|r| cn(&r.as_ref().expect("issued").card)).collect();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM members").await, members + 2, "holders 31 and 32 are new");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM cards").await, cards + 12);
    let member = |n: &CardNumber| {
        let sql = format!("SELECT member_id FROM cards WHERE number = '{}'", n.as_str());
        async move { db.scalar(&sql).await }
    };
    let known_member = member(&known).await;
    for (i, n) in issued.iter().enumerate() {
        let same = member(&issued[i % 3]).await;
        assert_eq!(member(n).await, same, "card {i}");
        assert_eq!(same == known_member, i % 3 == 0, "card {i}: holder 30 keeps the member it had");
    }
    db.assert_verified().await;
}

async fn anonymous_cards_expire_after_the_configured_years(db: &TestDb) {
    let anon = |t| IssueRequest { card_type: t, holder: None, mall: None };
    let c = db.core.issue_card(&db.admin, anon(CardType::Virtual)).await.unwrap();
    assert!(!c.registered);
    assert_eq!(c.expires_on.as_deref(), Some("2029-03-01"), "3 years by default");
    assert_eq!(c.holder, None);
    db.refused("invalid_rule", db.core.rule_set(&db.admin, "anonymous_validity_years", "2")).await;
    db.refused("invalid_rule", db.core.rule_set(&db.admin, "anonymous_validity_years", "0")).await;
    db.core.rule_set(&db.admin, "anonymous_validity_years", "5").await.unwrap();
    let c = db.core.issue_card(&db.admin, anon(CardType::Physical)).await.unwrap();
    assert_eq!(c.expires_on.as_deref(), Some("2031-03-01"));
    let b = db.core.batch_issue(&db.admin, batch(2, "0", "exp-batch")).await.unwrap();
    for n in b.cards {
        let info = db.core.card_show(&db.admin, &cn(&n)).await.unwrap();
        assert_eq!(info.expires_on.as_deref(), Some("2031-03-01"));
    }
}

/// Name, ID number and phone are never stored in clear: not in any column of any table.
async fn personal_data_is_encrypted_at_rest(db: &TestDb) {
    let card = db.reg_card(42).await;
    db.load(&card, "10").await;
    let secrets = [name(42), id_number(42), phone(42)];
    let digest = db.digest().await;
    let mut rows = 0;
    for (table, lines) in &digest.0 {
        for line in lines {
            rows += 1;
            for s in &secrets {
                assert!(!line.contains(s.as_str()), "{table} holds {s:?} in clear: {line}");
            }
        }
    }
    assert!(rows > 20);
    let (name_enc, id_enc, phone_enc, id_bidx): (String, String, String, String) =
        sqlx::query_as("SELECT name_enc, id_number_enc, phone_enc, id_number_bidx FROM members")
            .fetch_one(db.raw())
            .await
            .unwrap();
    for ct in [&name_enc, &id_enc, &phone_enc] {
        assert!(ct.starts_with("v1:"), "SM4-GCM ciphertext expected, got {ct}");
    }
    assert_eq!(id_bidx.len(), 64, "a keyed SM3 blind index");
    assert_ne!(id_enc, phone_enc);
}

// ---- point 5: lifecycle ----

async fn batch_issue_is_one_idempotent_transaction(db: &TestDb) {
    let b = db.core.batch_issue(&db.admin, batch(5, "100", "batch-1")).await.unwrap();
    assert_eq!(b.count, 5);
    assert_eq!(b.cards.len(), 5);
    assert_eq!(b.total, m("500.00"));
    assert!(!b.replayed);
    let entry = b.entry_id.expect("a loading entry");
    // One journal entry: the channel's clearing account against every card.
    assert_eq!(db.scalar(&format!("SELECT COUNT(*) FROM postings WHERE entry_id = {entry}")).await, 6);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM journal_entries").await, 1);
    for n in &b.cards {
        let info = db.core.card_show(&db.admin, &cn(n)).await.unwrap();
        assert_eq!(info.balance, m("100.00"));
        assert!(!info.registered);
        assert_eq!(info.expires_on.as_deref(), Some("2029-03-01"));
    }
    // The same request again: the same cards, nothing new.
    let before = db.digest().await;
    let again = db.core.batch_issue(&db.admin, batch(5, "100", "batch-1")).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.cards, b.cards);
    assert_eq!(again.entry_id, b.entry_id);
    before.assert_same(&db.digest().await, "a replayed batch");
    db.refused("conflict", db.core.batch_issue(&db.admin, batch(6, "100", "batch-1"))).await;
    // Refusals write no card at all (the batch is all or nothing).
    db.refused("invalid_count", db.core.batch_issue(&db.admin, batch(0, "100", "batch-2"))).await;
    db.refused("invalid_count", db.core.batch_issue(&db.admin, batch(10_001, "0", "batch-3"))).await;
    db.refused("balance_cap_exceeded", db.core.batch_issue(&db.admin, batch(3, "1000.01", "batch-4"))).await;
    // Face value is optional: cards without money, no entry.
    let empty = db.core.batch_issue(&db.admin, batch(3, "0", "batch-5")).await.unwrap();
    assert_eq!(empty.entry_id, None);
    assert_eq!(empty.total, Money::ZERO);
    assert_eq!(db.core.card_count(&db.admin, &Default::default()).await.unwrap(), 8);
    db.assert_verified().await;
}

async fn freeze_and_unfreeze(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    let other = db.anon_card().await;
    db.load(&card, "100").await;
    db.load(&other, "100").await;
    let ch = db.core.card_action(&db.admin, action(&card, CardAction::Freeze)).await.unwrap();
    assert_eq!(ch.status.as_str(), "frozen");
    assert_eq!(db.status(&card).await, "frozen");
    db.refused("card_frozen", db.core.pay(&db.admin, pay(&card, "1", shop, "fz-1"))).await;
    db.refused("card_frozen", db.core.top_up(&db.admin, topup(&card, "1", "fz-2"))).await;
    let out = TransferRequest { from: card.clone(), to: other.clone(), amount: m("1"), reference: "fz-3".into() };
    db.refused("card_frozen", db.core.transfer(&db.admin, out)).await;
    let inn = TransferRequest { from: other.clone(), to: card.clone(), amount: m("1"), reference: "fz-4".into() };
    db.refused("card_frozen", db.core.transfer(&db.admin, inn)).await;
    db.refused("card_frozen", db.core.card_action(&db.admin, action(&card, CardAction::Freeze))).await;
    db.refused("card_frozen", db.core.card_action(&db.admin, action(&card, CardAction::Replace))).await;
    db.refused("card_frozen", db.core.card_action(&db.admin, action(&card, CardAction::Close))).await;
    let ch = db.core.card_action(&db.admin, action(&card, CardAction::Unfreeze)).await.unwrap();
    assert_eq!(ch.status.as_str(), "active");
    db.refused("card_not_frozen", db.core.card_action(&db.admin, action(&card, CardAction::Unfreeze))).await;
    db.core.pay(&db.admin, pay(&card, "1", shop, "fz-5")).await.unwrap();
    let kinds: Vec<String> =
        db.core.card_history(&db.admin, &card).await.unwrap().into_iter().map(|a| a.kind).collect();
    assert_eq!(kinds, ["issue", "top_up", "freeze", "unfreeze", "purchase"]);
}

async fn loss_reports_only_for_registered_cards(db: &TestDb) {
    let shop = db.shop().await;
    let anon = db.anon_card().await;
    db.refused("loss_report_not_allowed", db.core.card_action(&db.admin, action(&anon, CardAction::ReportLoss))).await;
    let reg = db.reg_card(1).await;
    db.load(&reg, "200").await;
    let ch = db.core.card_action(&db.admin, action(&reg, CardAction::ReportLoss)).await.unwrap();
    assert_eq!(ch.status.as_str(), "lost");
    assert_eq!(ch.balance, m("200.00"), "the balance is protected, not lost");
    db.refused("card_lost", db.core.pay(&db.admin, pay(&reg, "1", shop, "lost-1"))).await;
    db.refused("card_lost", db.core.top_up(&db.admin, topup(&reg, "1", "lost-2"))).await;
    let inn = TransferRequest { from: anon.clone(), to: reg.clone(), amount: m("1"), reference: "lost-3".into() };
    db.refused("card_lost", db.core.transfer(&db.admin, inn)).await;
    db.refused("card_lost", db.core.card_action(&db.admin, action(&reg, CardAction::ReportLoss))).await;
    db.refused("card_lost", db.core.card_action(&db.admin, action(&reg, CardAction::Freeze))).await;
}

async fn replace_moves_the_balance_in_one_entry_and_closes_the_old_card(db: &TestDb) {
    let shop = db.shop().await;
    let old = db.reg_card(3).await;
    db.load(&old, "300").await;
    let p = db.core.pay(&db.admin, pay(&old, "50", shop, "rep-pay")).await.unwrap();
    db.core.card_action(&db.admin, action(&old, CardAction::ReportLoss)).await.unwrap();
    let entries_before = db.scalar("SELECT COUNT(*) FROM journal_entries").await;
    let ch = db.core.card_action(&db.admin, action(&old, CardAction::Replace)).await.unwrap();
    let new = cn(ch.new_card.as_deref().unwrap());
    assert_ne!(new, old);
    assert_eq!(ch.moved, m("250.00"));
    assert_eq!(ch.status.as_str(), "closed");
    assert_eq!(ch.balance, Money::ZERO);
    let entry = ch.entry_id.unwrap();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM journal_entries").await, entries_before + 1);
    assert_eq!(db.scalar(&format!("SELECT COUNT(*) FROM postings WHERE entry_id = {entry}")).await, 2);
    let info = db.core.card_show(&db.admin, &new).await.unwrap();
    assert_eq!(info.balance, m("250.00"));
    assert!(info.registered);
    assert_eq!(info.holder.as_deref(), Some("张***"), "same holder");
    let old_info = db.core.card_show(&db.admin, &old).await.unwrap();
    assert_eq!(old_info.status.as_str(), "closed");
    assert_eq!(old_info.replaced_by.as_deref(), Some(new.as_str()));
    // Same member behind both cards.
    let members =
        db.scalar(&format!("SELECT COUNT(DISTINCT member_id) FROM cards WHERE number IN ('{old}', '{new}')")).await;
    assert_eq!(members, 1);
    // The old card is dead; a refund of its purchase goes to the card that replaced it.
    db.refused("card_closed", db.core.pay(&db.admin, pay(&old, "1", shop, "rep-1"))).await;
    // Replacing again is a replay (the card's number is the default reference) ...
    let before = db.digest().await;
    let again = db.core.card_action(&db.admin, action(&old, CardAction::Replace)).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.new_card, ch.new_card);
    before.assert_same(&db.digest().await, "a replayed replacement");
    // ... and under a new reference it is refused: the card is closed.
    let mut second = action(&old, CardAction::Replace);
    second.reference = Some("replace-again".into());
    db.refused("card_closed", db.core.card_action(&db.admin, second)).await;
    let r =
        onecard::RefundRequest { payment_id: p.payment_id.unwrap(), amount: m("20"), reference: "rep-refund".into() };
    let mv = db.core.refund(&db.admin, r).await.unwrap();
    assert_eq!(mv.card, new.as_str());
    assert_eq!(db.balance(&new).await, m("270.00"));
    let hist = db.core.card_history(&db.admin, &old).await.unwrap();
    let last = hist.last().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.amount, last.balance_after),
        ("replace_out", Money::from_fen(-25_000), Money::ZERO)
    );
    let hist = db.core.card_history(&db.admin, &new).await.unwrap();
    assert_eq!(hist[0].kind, "replace_in");
    assert_eq!(hist[0].balance_after, m("250.00"));
    db.assert_verified().await;
}

async fn close_redeems_registered_cards_after_three_months(db: &TestDb) {
    let reg = db.reg_card(5).await;
    db.load(&reg, "200").await;
    db.refused("redemption_not_allowed", db.core.card_action(&db.admin, action(&reg, CardAction::Close))).await;
    let almost = db.core_at("2026-05-31T23:59:00+08:00").await;
    db.refused("redemption_not_allowed", almost.card_action(&db.admin, action(&reg, CardAction::Close))).await;
    let later = db.core_at("2026-06-01T09:00:00+08:00").await;
    let custody_before = db.scalar("SELECT balance FROM accounts WHERE kind = 'reserve_custody'").await;
    let ch = later.card_action(&db.admin, action(&reg, CardAction::Close)).await.unwrap();
    assert_eq!(ch.status.as_str(), "closed");
    assert_eq!(ch.moved, m("200.00"), "the balance is paid out");
    assert_eq!(ch.balance, Money::ZERO);
    assert!(ch.entry_id.is_some());
    let custody_after = db.scalar("SELECT balance FROM accounts WHERE kind = 'reserve_custody'").await;
    assert_eq!(custody_before - custody_after, 20_000, "paid out of the reserve");
    db.refused("card_closed", later.top_up(&db.admin, topup(&reg, "1", "closed-1"))).await;
    let again = later.card_action(&db.admin, action(&reg, CardAction::Close)).await.unwrap();
    assert!(again.replayed, "closing again with the default reference is a replay");
    assert_eq!(again.entry_id, ch.entry_id);
    let mut second = action(&reg, CardAction::Close);
    second.reference = Some("close-again".into());
    db.refused("card_closed", later.card_action(&db.admin, second)).await;

    // Anonymous cards are never redeemed while they hold money.
    let anon = db.anon_card().await;
    db.load(&anon, "10").await;
    let much_later = db.core_at("2027-01-01T10:00:00+08:00").await;
    db.refused("redemption_not_allowed", much_later.card_action(&db.admin, action(&anon, CardAction::Close))).await;
    // With nothing on it, an anonymous card can simply be closed.
    let empty = db.anon_card().await;
    let ch = db.core.card_action(&db.admin, action(&empty, CardAction::Close)).await.unwrap();
    assert_eq!((ch.status.as_str(), ch.moved, ch.entry_id), ("closed", Money::ZERO, None));
    db.refused("card_closed", db.core.top_up(&db.admin, topup(&empty, "1", "closed-2"))).await;
    db.assert_verified().await;
}

async fn expired_anonymous_cards_keep_their_balance_and_can_be_extended(db: &TestDb) {
    let shop = db.shop().await;
    let card = db.anon_card().await;
    let other = db.anon_card().await;
    db.load(&card, "80").await;
    // The last valid day, then the day after.
    let last_day = db.core_at("2029-03-01T23:00:00+08:00").await;
    last_day.pay(&db.admin, pay(&card, "1", shop, "exp-0")).await.unwrap();
    let later = db.core_at("2029-03-02T10:00:00+08:00").await;
    let info = later.card_show(&db.admin, &card).await.unwrap();
    assert_eq!(info.status.as_str(), "expired");
    assert_eq!(info.balance, m("79.00"), "never confiscated");
    db.refused("card_expired", later.pay(&db.admin, pay(&card, "1", shop, "exp-1"))).await;
    db.refused("card_expired", later.top_up(&db.admin, topup(&card, "1", "exp-2"))).await;
    let tr = TransferRequest { from: card.clone(), to: other.clone(), amount: m("1"), reference: "exp-3".into() };
    db.refused("card_expired", later.transfer(&db.admin, tr)).await;
    let ch = later.card_action(&db.admin, action(&card, CardAction::Extend)).await.unwrap();
    assert_eq!(ch.expires_on.as_deref(), Some("2032-03-02"));
    assert_eq!(ch.balance, m("79.00"));
    later.pay(&db.admin, pay(&card, "1", shop, "exp-4")).await.unwrap();
    assert_eq!(later.card_show(&db.admin, &card).await.unwrap().status.as_str(), "active");
    // An expired card can also be replaced: the balance moves to a fresh card.
    let replaced = later.card_action(&db.admin, action(&other, CardAction::Replace)).await.unwrap();
    let fresh = later.card_show(&db.admin, &cn(replaced.new_card.as_deref().unwrap())).await.unwrap();
    assert_eq!(fresh.status.as_str(), "active");
    assert_eq!(fresh.expires_on.as_deref(), Some("2032-03-02"));
    // Registered cards have nothing to extend.
    let reg = db.reg_card(9).await;
    db.refused("extension_not_allowed", later.card_action(&db.admin, action(&reg, CardAction::Extend))).await;
    db.assert_verified().await;
}

both_backends!(
    mall_add_creates_the_region_when_new,
    inactive_merchant_takes_no_payment,
    registered_cards_need_name_id_number_and_mobile,
    one_member_may_hold_several_cards,
    issues_decided_together_find_or_create_each_member_once,
    anonymous_cards_expire_after_the_configured_years,
    personal_data_is_encrypted_at_rest,
    batch_issue_is_one_idempotent_transaction,
    freeze_and_unfreeze,
    loss_reports_only_for_registered_cards,
    replace_moves_the_balance_in_one_entry_and_closes_the_old_card,
    close_redeems_registered_cards_after_three_months,
    expired_anonymous_cards_keep_their_balance_and_can_be_extended,
);
