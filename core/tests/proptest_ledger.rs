//! Property test of the ledger (issue 2, points 5 to 10): random sequences of top-ups, purchases,
//! refunds, transfers, reversals, freezes and unfreezes over three cards (one registered, two
//! anonymous) and two merchants. A plain model predicts every answer (success, or the exact
//! refusal code); after each step the card balances and statuses must match the model, a refused
//! step must have written nothing, and `verify` must find every invariant intact.
//!
//! Each backend gets one database; each case gets fresh cards, so cases stay independent while
//! the database (and what verify checks) grows across the run. Case counts are modest so a run
//! stays well under a minute per backend.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use common::{holder, Backend, TestDb};
use onecard::card_number::CardNumber;
use onecard::money::Money;
use onecard::types::{CardType, Channel, Funding, Medium, PayerType};
use onecard::{
    CardAction, CardActionRequest, IssueRequest, PayRequest, RefundRequest, ReverseRequest, TopUpRequest,
    TransferRequest,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const CARDS: usize = 3;
const CAPS: [i64; CARDS] = [500_000, 100_000, 100_000];

#[derive(Debug, Clone)]
enum Step {
    TopUp { card: usize, fen: i64 },
    Pay { card: usize, merchant: usize, fen: i64 },
    Refund { payment: usize, fen: i64 },
    Transfer { from: usize, to: usize, fen: i64 },
    Reverse { entry: usize },
    Freeze { card: usize },
    Unfreeze { card: usize },
}

/// Everyday amounts, and large ones that keep the cards near (and push them past) their caps.
fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![5 => 1i64..=5_000, 3 => 20_000i64..=60_000, 2 => 60_000i64..=110_000]
}

fn step() -> impl Strategy<Value = Step> {
    let card = 0..CARDS;
    prop_oneof![
        4 => (card.clone(), amount()).prop_map(|(card, fen)| Step::TopUp { card, fen }),
        4 => (card.clone(), 0..2usize, amount()).prop_map(|(card, merchant, fen)| Step::Pay { card, merchant, fen }),
        3 => (any::<usize>(), 1i64..=3_000).prop_map(|(payment, fen)| Step::Refund { payment, fen }),
        3 => (card.clone(), card.clone(), amount()).prop_map(|(from, to, fen)| Step::Transfer { from, to, fen }),
        2 => any::<usize>().prop_map(|entry| Step::Reverse { entry }),
        1 => card.clone().prop_map(|card| Step::Freeze { card }),
        1 => card.prop_map(|card| Step::Unfreeze { card }),
    ]
}

#[derive(Debug, Clone)]
struct Payment {
    id: i64,
    card: usize,
    amount: i64,
    refunded: i64,
    reversed: bool,
}

#[derive(Debug, Clone)]
struct Entry {
    id: i64,
    reversible: bool,
    reversed: bool,
    /// Balance change per card.
    effects: Vec<(usize, i64)>,
    /// The payment it created (purchase).
    purchase: Option<usize>,
    /// The payment it refunded, and how much (refund).
    refund: Option<(usize, i64)>,
}

#[derive(Debug, Default)]
struct Model {
    balance: [i64; CARDS],
    frozen: [bool; CARDS],
    payments: Vec<Payment>,
    entries: Vec<Entry>,
}

impl Model {
    /// The answer the core must give: Ok, or the refusal code.
    fn predict(&self, s: &Step) -> Result<(), &'static str> {
        match *s {
            Step::TopUp { card, fen } => {
                if self.frozen[card] {
                    Err("card_frozen")
                } else if self.balance[card] + fen > CAPS[card] {
                    Err("balance_cap_exceeded")
                } else {
                    Ok(())
                }
            }
            Step::Pay { card, fen, .. } => {
                if self.frozen[card] {
                    Err("card_frozen")
                } else if self.balance[card] < fen {
                    Err("insufficient_funds")
                } else {
                    Ok(())
                }
            }
            Step::Refund { payment, fen } => {
                let p = &self.payments[payment % self.payments.len()];
                if p.reversed {
                    Err("payment_reversed")
                } else if p.refunded + fen > p.amount {
                    Err("refund_exceeds_purchase")
                } else if self.frozen[p.card] {
                    Err("card_frozen")
                } else if self.balance[p.card] + fen > CAPS[p.card] {
                    // Refunds go back to the card and respect its cap (rule 1), like top-ups.
                    Err("balance_cap_exceeded")
                } else {
                    Ok(())
                }
            }
            Step::Transfer { from, to, fen } => {
                if from == to {
                    Err("same_card")
                } else if self.frozen[from] || self.frozen[to] {
                    Err("card_frozen")
                } else if self.balance[from] < fen {
                    Err("insufficient_funds")
                } else if self.balance[to] + fen > CAPS[to] {
                    Err("balance_cap_exceeded")
                } else {
                    Ok(())
                }
            }
            Step::Reverse { entry } => {
                let e = &self.entries[entry % self.entries.len()];
                if !e.reversible {
                    Err("not_reversible")
                } else if e.reversed {
                    Err("already_reversed")
                } else if e.purchase.is_some_and(|p| self.payments[p].refunded > 0) {
                    Err("payment_has_refunds")
                } else if e.effects.iter().any(|(c, d)| self.balance[*c] - d < 0) {
                    Err("insufficient_funds")
                } else {
                    Ok(())
                }
            }
            Step::Freeze { card } => {
                if self.frozen[card] {
                    Err("card_frozen")
                } else {
                    Ok(())
                }
            }
            Step::Unfreeze { card } => {
                if self.frozen[card] {
                    Ok(())
                } else {
                    Err("card_not_frozen")
                }
            }
        }
    }

    fn entry(&mut self, id: i64, effects: Vec<(usize, i64)>) -> &mut Entry {
        for (c, d) in &effects {
            self.balance[*c] += d;
        }
        self.entries.push(Entry { id, reversible: true, reversed: false, effects, purchase: None, refund: None });
        self.entries.last_mut().unwrap()
    }
}

static REF: AtomicU32 = AtomicU32::new(0);

/// How often each (step kind, answer) came up over a run: proof that the run was not vacuous.
type Seen = Mutex<BTreeMap<String, u32>>;

fn kind(s: &Step) -> &'static str {
    match s {
        Step::TopUp { .. } => "top_up",
        Step::Pay { .. } => "pay",
        Step::Refund { .. } => "refund",
        Step::Transfer { .. } => "transfer",
        Step::Reverse { .. } => "reverse",
        Step::Freeze { .. } => "freeze",
        Step::Unfreeze { .. } => "unfreeze",
    }
}

fn reference() -> String {
    format!("prop-{}", REF.fetch_add(1, Ordering::Relaxed))
}

/// Rows that any accepted change adds to; a refusal must leave them all as they were.
async fn footprint(db: &TestDb) -> Vec<i64> {
    let mut v = Vec::new();
    for t in
        ["journal_entries", "postings", "card_activities", "idempotency", "audit_log", "payments", "refunds", "topups"]
    {
        v.push(db.scalar(&format!("SELECT COUNT(*) FROM {t}")).await);
    }
    v.push(db.scalar("SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM accounts WHERE kind = 'card'").await);
    v.push(db.scalar("SELECT COUNT(*) FROM cards WHERE status = 'frozen'").await);
    v
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

async fn run_case(db: &TestDb, shops: &[i64; 2], seen: &Seen, steps: &[Step]) -> Result<(), String> {
    let n = REF.fetch_add(1, Ordering::Relaxed);
    let mut cards: Vec<CardNumber> = Vec::new();
    let reg = IssueRequest { card_type: CardType::Cobrand, holder: Some(holder(n % 1000)), mall: None };
    cards.push(common::cn(&db.core.issue_card(&db.admin, reg).await.map_err(|e| e.to_string())?.card));
    for _ in 1..CARDS {
        cards.push(db.anon_card().await);
    }
    let mut model = Model::default();
    for (i, s) in steps.iter().enumerate() {
        let s = match s {
            Step::Refund { .. } if model.payments.is_empty() => continue,
            Step::Reverse { .. } if model.entries.is_empty() => continue,
            s => s,
        };
        let want = model.predict(s);
        let before = footprint(db).await;
        let a = &db.admin;
        let c = &db.core;
        let got: Result<Option<(i64, Option<i64>)>, onecard::error::Error> = match *s {
            Step::TopUp { card, fen } => c
                .top_up(
                    a,
                    TopUpRequest {
                        card: cards[card].clone(),
                        amount: Money::from_fen(fen),
                        channel: Channel::Alipay,
                        payer_type: PayerType::Person,
                        payer_name: None,
                        funding: Funding::Debit,
                        reference: reference(),
                    },
                )
                .await
                .map(|mv| Some((mv.entry_id, None))),
            Step::Pay { card, merchant, fen } => c
                .pay(
                    a,
                    PayRequest {
                        card: cards[card].clone(),
                        amount: Money::from_fen(fen),
                        merchant: shops[merchant],
                        medium: Medium::Nfc,
                        qr_payload: None,
                        checkout_seconds: Some(90),
                        reference: reference(),
                    },
                )
                .await
                .map(|mv| Some((mv.entry_id, mv.payment_id))),
            Step::Refund { payment, fen } => {
                let p = &model.payments[payment % model.payments.len()];
                c.refund(a, RefundRequest { payment_id: p.id, amount: Money::from_fen(fen), reference: reference() })
                    .await
                    .map(|mv| Some((mv.entry_id, None)))
            }
            Step::Transfer { from, to, fen } => c
                .transfer(
                    a,
                    TransferRequest {
                        from: cards[from].clone(),
                        to: cards[to].clone(),
                        amount: Money::from_fen(fen),
                        reference: reference(),
                    },
                )
                .await
                .map(|mv| Some((mv.entry_id, None))),
            Step::Reverse { entry } => {
                let e = &model.entries[entry % model.entries.len()];
                c.reverse(a, ReverseRequest { entry_id: e.id, reason: "property test".into(), reference: reference() })
                    .await
                    .map(|mv| Some((mv.entry_id, None)))
            }
            Step::Freeze { card } | Step::Unfreeze { card } => {
                let action = if matches!(s, Step::Freeze { .. }) { CardAction::Freeze } else { CardAction::Unfreeze };
                c.card_action(a, CardActionRequest { card: cards[card].clone(), action, reason: None, reference: None })
                    .await
                    .map(|_| None)
            }
        };
        match (&want, &got) {
            (Ok(()), Ok(_)) => {}
            (Err(code), Err(e)) if e.code == *code => {}
            _ => return Err(format!("step {i} {s:?}: model says {want:?}, core says {got:?}; model {model:?}")),
        }
        let answer = match &want {
            Ok(()) => "ok",
            Err(code) => code,
        };
        *seen.lock().unwrap().entry(format!("{} {answer}", kind(s))).or_default() += 1;
        if want.is_err() {
            let after = footprint(db).await;
            ensure!(before == after, "step {i} {s:?} was refused but wrote: {before:?} -> {after:?}");
        }
        // Apply the accepted step to the model.
        if let Ok(out) = got {
            match *s {
                Step::TopUp { card, fen } => {
                    model.entry(out.unwrap().0, vec![(card, fen)]);
                }
                Step::Pay { card, fen, .. } => {
                    let (entry, payment) = out.unwrap();
                    model.payments.push(Payment {
                        id: payment.unwrap(),
                        card,
                        amount: fen,
                        refunded: 0,
                        reversed: false,
                    });
                    let p = model.payments.len() - 1;
                    model.entry(entry, vec![(card, -fen)]).purchase = Some(p);
                }
                Step::Refund { payment, fen } => {
                    let p = payment % model.payments.len();
                    model.payments[p].refunded += fen;
                    let card = model.payments[p].card;
                    model.entry(out.unwrap().0, vec![(card, fen)]).refund = Some((p, fen));
                }
                Step::Transfer { from, to, fen } => {
                    model.entry(out.unwrap().0, vec![(from, -fen), (to, fen)]);
                }
                Step::Reverse { entry } => {
                    let k = entry % model.entries.len();
                    model.entries[k].reversed = true;
                    let e = model.entries[k].clone();
                    if let Some(p) = e.purchase {
                        model.payments[p].reversed = true;
                    }
                    if let Some((p, amt)) = e.refund {
                        model.payments[p].refunded -= amt;
                    }
                    let undo: Vec<(usize, i64)> = e.effects.iter().map(|(c, d)| (*c, -d)).collect();
                    model.entry(out.unwrap().0, undo).reversible = false;
                }
                Step::Freeze { card } => model.frozen[card] = true,
                Step::Unfreeze { card } => model.frozen[card] = false,
            }
        }
        // The core agrees with the model, and verify with itself.
        for (k, card) in cards.iter().enumerate() {
            let info = c.card_show(a, card).await.map_err(|e| e.to_string())?;
            ensure!(
                info.balance.fen() == model.balance[k],
                "after step {i} {s:?}: card {k} balance {} but model {}",
                info.balance,
                Money::from_fen(model.balance[k])
            );
            let status = if model.frozen[k] { "frozen" } else { "active" };
            ensure!(info.status.as_str() == status, "after step {i}: card {k} is {} but model {status}", info.status);
        }
        let report = c.verify(a).await.map_err(|e| e.to_string())?;
        ensure!(report.ok, "after step {i} {s:?}: verify found {:?}", report.problems);
    }
    // Every card's history ends at its balance.
    for (k, card) in cards.iter().enumerate() {
        let hist = db.core.card_history(&db.admin, card).await.map_err(|e| e.to_string())?;
        let last = hist.last().map_or(0, |h| h.balance_after.fen());
        ensure!(last == model.balance[k], "card {k}: history ends at {last}, model {}", model.balance[k]);
        let sum: i64 = hist.iter().map(|h| h.amount.fen()).sum();
        ensure!(sum == model.balance[k], "card {k}: history amounts sum to {sum}, model {}", model.balance[k]);
    }
    Ok(())
}

fn run(backend: Backend) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let Some(db) = rt.block_on(TestDb::new(backend, "proptest_ledger")) else { return };
    let shops = rt.block_on(async {
        let a = db.shop().await;
        let b = db.merchant("M1", "Brand B").await;
        [a, b]
    });
    let seen = Seen::default();
    let config = Config { cases: 32, max_shrink_iters: 200, failure_persistence: None, ..Config::default() };
    let strategy = proptest::collection::vec(step(), 1..40);
    // The run must reach every outcome below, or it proves less than it claims. 32 random cases
    // miss one of them about one run in four (an unfreeze that only ever meets active cards, say),
    // so rounds of 32 fresh cases run until every outcome was met; eight rounds without one
    // would mean the generator cannot reach it.
    let accepted = ["top_up", "pay", "refund", "transfer", "reverse", "freeze", "unfreeze"].map(|k| format!("{k} ok"));
    let refusals =
        ["balance_cap_exceeded", "insufficient_funds", "card_frozen", "refund_exceeds_purchase", "already_reversed"];
    let missing = |seen: &BTreeMap<String, u32>| -> Vec<String> {
        let mut out: Vec<String> = accepted.iter().filter(|k| !seen.contains_key(*k)).cloned().collect();
        out.extend(refusals.iter().filter(|k| !seen.keys().any(|s| s.ends_with(*k))).map(|k| format!("a {k} refusal")));
        out
    };
    for round in 1..=8 {
        let mut runner = TestRunner::new(config.clone());
        let result = runner
            .run(&strategy, |steps| rt.block_on(run_case(&db, &shops, &seen, &steps)).map_err(TestCaseError::fail));
        if let Err(e) = result {
            panic!("{e}");
        }
        let seen = seen.lock().unwrap();
        let left = missing(&seen);
        eprintln!("{backend:?}, round {round}: {seen:?}");
        if left.is_empty() {
            break;
        }
        assert!(round < 8, "{} rounds of random cases never reached {left:?}: {seen:?}", round);
    }
    rt.block_on(db.cleanup());
}

#[test]
fn random_operation_sequences_keep_every_invariant_sqlite() {
    run(Backend::Sqlite);
}

#[test]
fn random_operation_sequences_keep_every_invariant_postgres() {
    run(Backend::Postgres);
}
