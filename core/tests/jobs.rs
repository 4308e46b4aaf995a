//! Long jobs (issue 3): a batch sale reports its progress and can be cancelled; a cancelled batch
//! writes nothing, whether the cancel comes before it starts or while its rows are being written.

mod common;

use std::sync::{Arc, Mutex};

use common::{id_number, m, TestDb};
use onecard::types::{CardType, Channel, Funding, PayerType};
use onecard::{BatchIssueRequest, JobControl, JobProgress};

fn sale(count: u32, reference: &str) -> BatchIssueRequest {
    BatchIssueRequest {
        card_type: CardType::Virtual,
        count,
        face_value: m("100"),
        reference: reference.into(),
        buyer_name: Some("上海某某贸易有限公司".into()),
        buyer_id: Some(id_number(7)),
        channel: Channel::BankTransfer,
        payer_type: PayerType::Company,
        payer_name: Some("上海某某贸易有限公司".into()),
        funding: Funding::Debit,
        mall: None,
    }
}

async fn progress_is_reported_until_committed(db: &TestDb) {
    let seen: Arc<Mutex<Vec<JobProgress>>> = Default::default();
    let log = seen.clone();
    let ctl = JobControl::new(move |p| log.lock().unwrap().push(p));
    let b = db.core.batch_issue_with(&db.admin, sale(3000, "job-1"), Some(ctl)).await.unwrap();
    assert_eq!(b.cards.len(), 3000);
    let seen = seen.lock().unwrap().clone();
    let stages: Vec<&str> = seen.iter().map(|p| p.stage.as_str()).collect();
    assert_eq!(stages.first(), Some(&"queued"));
    assert!(stages.contains(&"writing"), "{stages:?}");
    assert_eq!(stages.last(), Some(&"committed"));
    let last = seen.last().unwrap();
    assert_eq!(last.done, last.total);
    // Progress never goes backwards within the writing stage.
    let writing: Vec<u64> = seen.iter().filter(|p| p.stage == "writing").map(|p| p.done).collect();
    assert!(writing.windows(2).all(|w| w[0] <= w[1]), "{writing:?}");
    db.assert_verified().await;
}

async fn cancelled_before_it_starts_writes_nothing(db: &TestDb) {
    let ctl = JobControl::new(|_| {});
    ctl.cancel();
    db.refused("cancelled", db.core.batch_issue_with(&db.admin, sale(500, "job-2"), Some(ctl))).await;
}

async fn cancelled_while_writing_writes_nothing(db: &TestDb) {
    // The cancel arrives from the progress report of the first rows written: the transaction is
    // already open and has rows in it, and must still leave nothing behind.
    let slot: Arc<Mutex<Option<JobControl>>> = Default::default();
    let hook = slot.clone();
    let ctl = JobControl::new(move |p| {
        if p.stage == "writing" && p.done > 0 {
            if let Some(c) = hook.lock().unwrap().as_ref() {
                c.cancel();
            }
        }
    });
    *slot.lock().unwrap() = Some(ctl.clone());
    db.refused("cancelled", db.core.batch_issue_with(&db.admin, sale(5000, "job-3"), Some(ctl))).await;
    // The same reference works afterwards: a cancelled request used nothing up.
    let b = db.core.batch_issue(&db.admin, sale(10, "job-3")).await.unwrap();
    assert_eq!(b.cards.len(), 10);
    db.assert_verified().await;
}

both_backends!(
    progress_is_reported_until_committed,
    cancelled_before_it_starts_writes_nothing,
    cancelled_while_writing_writes_nothing,
);
