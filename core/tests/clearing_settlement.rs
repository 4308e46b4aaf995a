//! Issue 4: fee rules in the purchase path, fee rounding and refund fee returns, T+1 settlement
//! (identity, replay, carry-forward, late refunds, suspended merchants, payouts), statements.

mod common;

use chrono::NaiveDate;
use common::{m, pay, TestDb};
use onecard::clearing::{fee_of, refund_fee, split_fee, ClearingOp};
use onecard::types::Category;
use onecard::{Core, MerchantAddRequest, RefundRequest, ReverseRequest};
use proptest::strategy::{Strategy, ValueTree};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The instant 10:00 in Shanghai on `d`.
fn at(d: NaiveDate) -> String {
    format!("{d}T10:00:00+08:00")
}

async fn base_rate(db: &TestDb, bps: i64) {
    db.core
        .clearing_op(&db.admin, ClearingOp::FeeRule { category: Category::Apparel, bps, from: None, to: None })
        .await
        .unwrap();
}

async fn merchant_at(db: &TestDb, mall: &str, name: &str, fee_bps: Option<i64>) -> i64 {
    let r = MerchantAddRequest { mall: mall.into(), name: name.into(), category: Category::Apparel };
    let v = db.core.merchant_add_full(&db.admin, r, fee_bps, None).await.unwrap();
    v["merchant"].as_i64().unwrap()
}

async fn fee_of_payment(db: &TestDb, payment: i64) -> (i64, i64) {
    let bps = db.scalar(&format!("SELECT fee_bps FROM payments WHERE id = {payment}")).await;
    let fee = db.scalar(&format!("SELECT fee FROM payments WHERE id = {payment}")).await;
    (bps, fee)
}

async fn fees_and_refunds(db: &TestDb) {
    db.mall("M1", "east").await;
    // Nothing configured: 0 bps.
    let plain = db.merchant("M1", "Plain").await;
    let card = db.anon_card().await;
    db.load(&card, "900").await;
    let p = db.core.pay(&db.admin, pay(&card, "100", plain, "p0")).await.unwrap();
    assert_eq!(fee_of_payment(db, p.payment_id.unwrap()).await, (0, 0));

    // Base rate 100 bps: 1.50 -> 0.015 -> 0.02 (half-up); 1.49 -> 0.01.
    base_rate(db, 100).await;
    let a = db.core.pay(&db.admin, pay(&card, "1.50", plain, "p1")).await.unwrap();
    assert_eq!(fee_of_payment(db, a.payment_id.unwrap()).await, (100, 2));
    let b = db.core.pay(&db.admin, pay(&card, "1.49", plain, "p2")).await.unwrap();
    assert_eq!(fee_of_payment(db, b.payment_id.unwrap()).await, (100, 1));

    // A contract rate overrides the base rate; a promotion overrides both.
    let contracted = merchant_at(db, "M1", "Contracted", Some(50)).await;
    let c = db.core.pay(&db.admin, pay(&card, "100", contracted, "p3")).await.unwrap();
    assert_eq!(fee_of_payment(db, c.payment_id.unwrap()).await, (50, 50));
    db.core
        .clearing_op(
            &db.admin,
            ClearingOp::FeeRule {
                category: Category::Apparel,
                bps: 10,
                from: Some(day("2026-03-01")),
                to: Some(day("2026-03-01")),
            },
        )
        .await
        .unwrap();
    let d = db.core.pay(&db.admin, pay(&card, "100", contracted, "p4")).await.unwrap();
    assert_eq!(fee_of_payment(db, d.payment_id.unwrap()).await, (10, 10));
    // The next day the promotion is over: the contract rate again; history is not rewritten.
    let tomorrow = db.core_at("2026-03-02T10:00:00+08:00").await;
    let e = tomorrow.pay(&db.admin, pay(&card, "100", contracted, "p5")).await.unwrap();
    assert_eq!(fee_of_payment(db, e.payment_id.unwrap()).await, (50, 50));
    assert_eq!(fee_of_payment(db, d.payment_id.unwrap()).await, (10, 10));
    // Adjustments add where configured, never below 0.
    db.core
        .clearing_op(&db.admin, ClearingOp::FeeAdjust { kind: "volume".into(), key: "0".into(), bps: Some(-80) })
        .await
        .unwrap();
    let f = tomorrow.pay(&db.admin, pay(&card, "100", contracted, "p6")).await.unwrap();
    assert_eq!(fee_of_payment(db, f.payment_id.unwrap()).await, (0, 0));

    // Refunds return fee x refund / purchase (half-up); the completing refund returns the rest.
    let pid = a.payment_id.unwrap(); // 1.50 with a 0.02 fee
    let r1 = db.core.refund(&db.admin, RefundRequest { payment_id: pid, amount: m("0.50"), reference: "r1".into() });
    let r1 = r1.await.unwrap();
    let fee1 = db.scalar(&format!("SELECT fee FROM refunds WHERE id = {}", r1.refund_id.unwrap())).await;
    assert_eq!(fee1, 1); // 0.02 * 0.5 / 1.5 = 0.00667 -> 0.01
    let r2 = db.core.refund(&db.admin, RefundRequest { payment_id: pid, amount: m("1.00"), reference: "r2".into() });
    let r2 = r2.await.unwrap();
    let fee2 = db.scalar(&format!("SELECT fee FROM refunds WHERE id = {}", r2.refund_id.unwrap())).await;
    assert_eq!(fee2, 1); // what is left
    assert_eq!(db.scalar(&format!("SELECT fee_refunded FROM payments WHERE id = {pid}")).await, 2);
    // A reversed refund takes its fee back.
    db.core
        .reverse(
            &db.admin,
            ReverseRequest { entry_id: r2.entry_id, reason: "till error".into(), reference: "v1".into() },
        )
        .await
        .unwrap();
    assert_eq!(db.scalar(&format!("SELECT fee_refunded FROM payments WHERE id = {pid}")).await, 1);
    db.assert_verified().await;

    assert_eq!(fee_of(10_000, 60), 60);
    assert_eq!(refund_fee(10_000, 60, 0, 0, 3_333), 20);
    assert_eq!(split_fee(101, 3000), (30, 71)); // 30.3 -> 30
    assert_eq!(split_fee(105, 3000), (32, 73)); // 31.5 -> 32
}

/// A volume tier applies from the purchase that finds the merchant's month-to-date volume at
/// its threshold: purchases one after another each see those before them (on SQLite the writer
/// keeps its state from one transaction to the next, and must read the volume afresh).
async fn volume_tier_from_its_threshold(db: &TestDb) {
    db.mall("M1", "east").await;
    base_rate(db, 60).await;
    let shop = db.merchant("M1", "Volume").await;
    let tier = ClearingOp::FeeAdjust { kind: "volume".into(), key: "100000".into(), bps: Some(-20) };
    db.core.clearing_op(&db.admin, tier).await.unwrap();
    let card = db.reg_card(1).await;
    db.load(&card, "2000").await;
    let mut fees = Vec::new();
    for (i, amount) in ["600", "399.99", "0.01", "100"].into_iter().enumerate() {
        let p = db.core.pay(&db.admin, pay(&card, amount, shop, &format!("vol-{i}"))).await.unwrap();
        fees.push(fee_of_payment(db, p.payment_id.unwrap()).await);
    }
    // 600.00 and 999.99 before the third and fourth: the tier (1,000.00) from the fourth on.
    assert_eq!(fees, [(60, 360), (60, 240), (60, 0), (40, 40)]);
    db.assert_verified().await;
}

async fn settle_replay_and_identity(db: &TestDb) {
    db.mall("M1", "east").await;
    base_rate(db, 60).await;
    let a = db.merchant("M1", "A").await;
    let b = db.merchant("M1", "B").await;
    let card = db.anon_card().await;
    db.load(&card, "1000").await;
    db.core.pay(&db.admin, pay(&card, "100", a, "s1")).await.unwrap();
    db.core.pay(&db.admin, pay(&card, "33.33", a, "s2")).await.unwrap();
    let pb = db.core.pay(&db.admin, pay(&card, "200", b, "s3")).await.unwrap();
    db.core
        .refund(
            &db.admin,
            RefundRequest { payment_id: pb.payment_id.unwrap(), amount: m("50"), reference: "s4".into() },
        )
        .await
        .unwrap();
    // The day is not over.
    db.refused("day_not_closed", db.core.settle(&db.admin, day("2026-03-01"))).await;
    let next = db.core_at("2026-03-02T01:00:00+08:00").await;
    let s = next.settle(&db.admin, day("2026-03-01")).await.unwrap();
    assert!(!s.replayed);
    assert_eq!(s.merchants, 2);
    assert_eq!(s.gross, m("333.33"));
    assert_eq!(s.refunds, m("50"));
    // a: 0.60 + 0.20 (0.19998); b: 1.20 - 0.30
    assert_eq!(s.fees, m("1.70"));
    assert_eq!(s.net, m("281.63"));
    assert_eq!(s.fee_issuer.fen() + s.fee_operator.fen(), s.fees.fen());
    let show = next.settlement_show(&db.admin, day("2026-03-01")).await.unwrap();
    let lines = show["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    for l in lines {
        let f = |k: &str| {
            m(l[k].as_str().unwrap().trim_start_matches('-')).fen()
                * if l[k].as_str().unwrap().starts_with('-') { -1 } else { 1 }
        };
        assert_eq!(f("net") + f("fees") + f("refunds"), f("gross"));
        assert_eq!(f("fee_issuer") + f("fee_operator"), f("fees"));
    }
    assert_eq!(show["totals"]["net"], "281.63");
    // Replay: same answer, nothing written.
    let before = db.digest().await;
    let again = next.settle(&db.admin, day("2026-03-01")).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.batch_id, s.batch_id);
    assert_eq!(again.net, s.net);
    before.assert_same(&db.digest().await, "replayed settlement");
    // The merchants' payables are settled to zero; the payouts wait for the bank.
    assert_eq!(db.scalar("SELECT balance FROM accounts WHERE kind = 'merchant_payout'").await, 28_163);
    db.assert_verified().await;

    // Statement totals match the batch line to the fen.
    let out = db.dir.path().join("a.csv");
    let st = next.statement(&db.admin, a, day("2026-03-01"), "csv", &out).await.unwrap();
    assert_eq!(st["gross"], "133.33");
    assert_eq!(st["net"], lines.iter().find(|l| l["merchant"] == a).unwrap()["net"]);
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.contains("purchase") && csv.contains("total_net"));
    let pdf = db.dir.path().join("b.pdf");
    let st = next.statement(&db.admin, b, day("2026-03-01"), "pdf", &pdf).await.unwrap();
    assert_eq!(st["lines"], 2);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.4") && bytes.ends_with(b"%%EOF\n"));
    let xlsx = db.dir.path().join("b.xlsx");
    next.statement(&db.admin, b, day("2026-03-01"), "xlsx", &xlsx).await.unwrap();
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    // The payout file: one line per merchant paid.
    let file = db.dir.path().join("payout.csv");
    let pf = next.payout_file(&db.admin, day("2026-03-01"), &file).await.unwrap();
    assert_eq!(pf["rows"], 2);
    assert_eq!(pf["total"], "281.63");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&format!("ONECARD-{}-{a}", s.batch_id)), "{text}");
    // verify recomputes every line: a tampered net is found.
    db.exec(&format!("UPDATE settlement_lines SET net = net + 1 WHERE merchant_id = {a}")).await;
    let r = db.core.verify(&db.admin).await.unwrap();
    assert!(r.problems.iter().any(|p| p.check == "settlement"), "{:?}", r.problems);
}

/// A refund of a settled purchase lands in the batch of its own day; a negative net carries
/// forward; a returned payout goes back into the next batch; a suspended merchant is still paid.
async fn carry_forward_and_returns(db: &TestDb) {
    db.mall("M1", "east").await;
    base_rate(db, 100).await;
    let a = db.merchant("M1", "A").await;
    let card = db.anon_card().await;
    db.load(&card, "1000").await;
    let p = db.core.pay(&db.admin, pay(&card, "100", a, "c1")).await.unwrap();
    let d2 = db.core_at(&at(day("2026-03-02"))).await;
    let s1 = d2.settle(&db.admin, day("2026-03-01")).await.unwrap();
    assert_eq!(s1.net, m("99"));
    assert_eq!(s1.payout, m("99"));
    // Day 2: the settled purchase is refunded in full: -100 + 1.00 fee back = -99, carried.
    d2.refund(&db.admin, RefundRequest { payment_id: p.payment_id.unwrap(), amount: m("100"), reference: "c2".into() })
        .await
        .unwrap();
    let d3 = db.core_at(&at(day("2026-03-03"))).await;
    let s2 = d3.settle(&db.admin, day("2026-03-02")).await.unwrap();
    let neg = |s: &str| onecard::money::Money::from_fen(-m(s).fen());
    assert_eq!((s2.gross, s2.refunds, s2.fees, s2.net, s2.payout), (m("0"), m("100"), neg("1"), neg("99"), m("0")));
    // The bank returns day 1's payout: it goes back to the payable and into the next batch.
    let show = d3.settlement_show(&db.admin, day("2026-03-01")).await.unwrap();
    assert_eq!(show["lines"][0]["status"], "pending");
    d3.payout_mark(&db.admin, s1.batch_id, a, false).await.unwrap();
    db.refused("invalid_payout_state", d3.payout_mark(&db.admin, s1.batch_id, a, true)).await;
    // Day 3: the merchant sells 200 (fee 2) and is then suspended: it is still paid.
    d3.pay(&db.admin, pay(&card, "200", a, "c3")).await.unwrap();
    d3.clearing_op(&db.admin, ClearingOp::Status { merchant: a, to: "suspended".into(), reason: "audit".into() })
        .await
        .unwrap();
    db.refused("merchant_inactive", d3.pay(&db.admin, pay(&card, "1", a, "c4"))).await;
    let d4 = db.core_at(&at(day("2026-03-04"))).await;
    let s3 = d4.settle(&db.admin, day("2026-03-03")).await.unwrap();
    // 198 net - 99 carried + 99 returned = 198.
    assert_eq!((s3.net, s3.payout), (m("198"), m("198")));
    let show = d4.settlement_show(&db.admin, day("2026-03-03")).await.unwrap();
    assert_eq!(show["lines"][0]["carry_in"], "0.00");
    // Settling out of order is refused.
    db.refused("settlement_out_of_order", d4.settle(&db.admin, day("2026-02-27"))).await;
    d4.payout_mark(&db.admin, s3.batch_id, a, true).await.unwrap();
    // The month's statement sums the three batches: 99 - 99 + 198.
    let out = db.dir.path().join("march.csv");
    let month = onecard::clearing::parse_month("2026-03").unwrap();
    let st = d4.statement_month(&db.admin, a, month, "csv", &out).await.unwrap();
    assert_eq!(
        (st["gross"].as_str(), st["refunds"].as_str(), st["fees"].as_str()),
        (Some("300.00"), Some("100.00"), Some("2.00"))
    );
    assert_eq!(st["net"], "198.00");
    assert_eq!(st["lines"], 3);
    assert_eq!(db.scalar("SELECT balance FROM accounts WHERE kind = 'merchant_payout'").await, 0);
    // Nothing left to settle: it can be terminated.
    db.refused(
        "reason_required",
        d4.clearing_op(&db.admin, ClearingOp::Status { merchant: a, to: "terminated".into(), reason: "".into() }),
    )
    .await;
    d4.clearing_op(&db.admin, ClearingOp::Status { merchant: a, to: "terminated".into(), reason: "left".into() })
        .await
        .unwrap();
    db.assert_verified().await;
}

/// Property: over random days of purchases, refunds and reversals, every line and the batch
/// satisfy net + fees + refunds = gross, and they equal a model computed from the requests.
async fn settlement_identity_property(db: &TestDb) {
    db.mall("M1", "east").await;
    let merchants = [
        merchant_at(db, "M1", "A", Some(60)).await,
        merchant_at(db, "M1", "B", Some(125)).await,
        merchant_at(db, "M1", "C", None).await,
    ];
    base_rate(db, 37).await;
    // (merchant index, amount in fen, refund: 0 none, 1 partial, 2 full, 3 reversal)
    let strategy = proptest::collection::vec((0usize..3, 1i64..50_000, 0u8..4, 1i64..100), 1..12);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let card_amount = "1000";
    let mut ref_n = 0;
    for case in 0..6 {
        let ops = strategy.new_tree(&mut runner).unwrap().current();
        let d = day("2026-03-01") + chrono::Days::new(case);
        let core: Core = db.core_at(&at(d)).await;
        let mut model = [(0i64, 0i64, 0i64); 3];
        for (mi, amount, kind, pct) in ops {
            let card = db.anon_card().await;
            core.top_up(&db.admin, common::topup(&card, card_amount, &format!("t{case}-{ref_n}"))).await.unwrap();
            ref_n += 1;
            let amt = onecard::money::Money::from_fen(amount);
            let p = core
                .pay(&db.admin, pay(&card, &amt.to_string(), merchants[mi], &format!("p{case}-{ref_n}")))
                .await
                .unwrap();
            let pid = p.payment_id.unwrap();
            let fee = db.scalar(&format!("SELECT fee FROM payments WHERE id = {pid}")).await;
            model[mi].0 += amount;
            model[mi].2 += fee;
            match kind {
                1 | 2 => {
                    let part = if kind == 2 { amount } else { (amount * pct / 100).max(1) };
                    let r = core
                        .refund(
                            &db.admin,
                            RefundRequest {
                                payment_id: pid,
                                amount: onecard::money::Money::from_fen(part),
                                reference: format!("r{case}-{ref_n}"),
                            },
                        )
                        .await
                        .unwrap();
                    let back = db.scalar(&format!("SELECT fee FROM refunds WHERE id = {}", r.refund_id.unwrap())).await;
                    assert_eq!(back, refund_fee(amount, fee, 0, 0, part));
                    model[mi].1 += part;
                    model[mi].2 -= back;
                }
                3 => {
                    core.reverse(
                        &db.admin,
                        ReverseRequest {
                            entry_id: p.entry_id,
                            reason: "error".into(),
                            reference: format!("v{case}-{ref_n}"),
                        },
                    )
                    .await
                    .unwrap();
                    model[mi].1 += amount;
                    model[mi].2 -= fee;
                }
                _ => {}
            }
        }
        let next = db.core_at(&at(d + chrono::Days::new(1))).await;
        let s = next.settle(&db.admin, d).await.unwrap();
        assert_eq!(s.net.fen() + s.fees.fen() + s.refunds.fen(), s.gross.fen(), "batch identity");
        let show = next.settlement_show(&db.admin, d).await.unwrap();
        let mut sum = [0i64; 4];
        for l in show["lines"].as_array().unwrap() {
            let money = |k: &str| {
                let s = l[k].as_str().unwrap();
                let v = m(s.trim_start_matches('-')).fen();
                if s.starts_with('-') {
                    -v
                } else {
                    v
                }
            };
            let (g, r, f, n) = (money("gross"), money("refunds"), money("fees"), money("net"));
            assert_eq!(n + f + r, g, "line identity");
            let mi = merchants.iter().position(|x| l["merchant"].as_i64() == Some(*x)).unwrap();
            assert_eq!((g, r, f), model[mi], "line equals the model");
            for (i, v) in [g, r, f, n].into_iter().enumerate() {
                sum[i] += v;
            }
        }
        assert_eq!(sum, [s.gross.fen(), s.refunds.fen(), s.fees.fen(), s.net.fen()]);
    }
    db.assert_verified().await;
}

/// A refund of a purchase whose money the merchant was already paid leaves the merchant owing
/// it until the next settlement: `verify` counts that claim beside the issuer's funds (the books
/// are whole), and the next batch nets it.
async fn refund_after_paid_out(db: &TestDb) {
    db.mall("M1", "east").await;
    base_rate(db, 100).await;
    let a = db.merchant("M1", "A").await;
    let card = db.anon_card().await;
    db.load(&card, "1000").await;
    let p = db.core.pay(&db.admin, pay(&card, "100", a, "pp1")).await.unwrap();
    let d2 = db.core_at(&at(day("2026-03-02"))).await;
    let s1 = d2.settle(&db.admin, day("2026-03-01")).await.unwrap();
    d2.payout_mark(&db.admin, s1.batch_id, a, true).await.unwrap();
    d2.refund(
        &db.admin,
        RefundRequest { payment_id: p.payment_id.unwrap(), amount: m("100"), reference: "pp2".into() },
    )
    .await
    .unwrap();
    let r = d2.verify(&db.admin).await.unwrap();
    assert!(r.ok, "verify found problems: {:?}", r.problems);
    // The purchase's fee (1.00) is the merchant's until settlement gives it back.
    assert_eq!(r.reserve.merchant_receivables, m("100"));
    assert_eq!(r.reserve.unsettled_payables, m("0"));
    assert_eq!(r.reserve.card_balances, m("1000"));
    // The next day: a purchase of 300 (fee 3), the refund of 100 (fee 1 back): 300 - 100 - 2.
    d2.pay(&db.admin, pay(&card, "300", a, "pp3")).await.unwrap();
    let d3 = db.core_at(&at(day("2026-03-03"))).await;
    let s2 = d3.settle(&db.admin, day("2026-03-02")).await.unwrap();
    assert_eq!(s2.payout, m("198"));
    let r = d3.verify(&db.admin).await.unwrap();
    assert!(r.ok, "verify found problems: {:?}", r.problems);
    assert_eq!(r.reserve.merchant_receivables, m("0"));
}

both_backends!(
    fees_and_refunds,
    volume_tier_from_its_threshold,
    settle_replay_and_identity,
    carry_forward_and_returns,
    settlement_identity_property,
    refund_after_paid_out
);
