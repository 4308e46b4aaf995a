//! The write path. Every change of state is a job sent to a writer task; the writer takes the
//! jobs that are waiting, runs them as one database transaction (group commit) and answers each.
//!
//! Why: on SQLite every statement is a round trip to sqlx's worker thread (~50 us), so a writer
//! that runs statements per purchase tops out near 4,000/s. This one loads what a batch needs in a
//! few set-based reads, decides every job in memory against that state (a refused job leaves no
//! trace, as if it had its own savepoint), and writes the survivors with multi-row statements.
//! On PostgreSQL several writers run at once; card rows are locked `FOR UPDATE` in id order and
//! the tamper-evidence chain is sharded, so they do not serialize on one row.

mod apply;
mod batch;
mod ids;
mod users;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

pub(crate) use apply::check_name;
pub(crate) use batch::{audit_canonical, entry_canonical, insert_source, Batch, MerchSt, PaySt, V};
pub(crate) use ids::IdAlloc;
pub(crate) use users::UserOp;

use crate::auth::Actor;
use crate::card_number::CardNumber;
use crate::clock::Clock;
use crate::crypto::Pii;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::types::{CardStatus, CardType, Category, Channel, CityTier, Funding, Medium, PayerType};

/// Top up a card through a payment channel.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TopUpRequest {
    /// The card to load.
    pub card: CardNumber,
    /// How much.
    pub amount: Money,
    /// Where the money comes from.
    pub channel: Channel,
    /// Person or company paying (cash limits differ).
    pub payer_type: PayerType,
    /// The payer's account name; bank transfers must match the card holder.
    pub payer_name: Option<String>,
    /// Debit or credit funding (credit is refused by default).
    pub funding: Funding,
    /// Idempotency reference from the client.
    pub reference: String,
}

/// Pay at a merchant with a card.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PayRequest {
    /// The paying card.
    pub card: CardNumber,
    /// How much.
    pub amount: Money,
    /// The payee.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub merchant: i64,
    /// How the card was presented (recorded, not checked against the card type).
    pub medium: Medium,
    /// A signed QR payload shown by a virtual card; verified when present.
    pub qr_payload: Option<String>,
    /// Seconds from checkout start to payment, when the till measured it.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub checkout_seconds: Option<i64>,
    /// Idempotency reference.
    pub reference: String,
}

/// Refund (part of) a payment back to its card.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RefundRequest {
    /// The payment being refunded.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub payment_id: i64,
    /// How much (total refunds never exceed the payment).
    pub amount: Money,
    /// Idempotency reference.
    pub reference: String,
}

/// Move balance from one card to another.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TransferRequest {
    /// Paying card.
    pub from: CardNumber,
    /// Receiving card.
    pub to: CardNumber,
    /// How much.
    pub amount: Money,
    /// Idempotency reference.
    pub reference: String,
}

/// Reverse a journal entry with a new, opposite entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReverseRequest {
    /// The entry to reverse.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub entry_id: i64,
    /// Why (required, audited).
    pub reason: String,
    /// Idempotency reference.
    pub reference: String,
}

/// The real-name details of a registered card's holder (raw input; validated by the core).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Holder {
    /// Full name.
    pub name: String,
    /// 18-character resident ID number.
    pub id_number: String,
    /// 11-digit mobile number.
    pub phone: String,
}

/// Issue one card.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IssueRequest {
    /// Physical, virtual or cobrand.
    pub card_type: CardType,
    /// Holder details: present = registered card, absent = anonymous.
    pub holder: Option<Holder>,
    /// The issuing mall, if any.
    pub mall: Option<String>,
}

/// Sell N anonymous cards in one purchase.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BatchIssueRequest {
    /// Card type of every card.
    pub card_type: CardType,
    /// How many (1..=10,000).
    pub count: u32,
    /// Value loaded on each card (may be zero).
    pub face_value: Money,
    /// Idempotency reference.
    pub reference: String,
    /// The buyer's real name (required from the real-name threshold up).
    pub buyer_name: Option<String>,
    /// The buyer's ID number (likewise).
    pub buyer_id: Option<String>,
    /// How the buyer pays.
    pub channel: Channel,
    /// Person or company.
    pub payer_type: PayerType,
    /// Payer account name (bank transfer).
    pub payer_name: Option<String>,
    /// Debit or credit funding.
    pub funding: Funding,
    /// The selling mall, if any.
    pub mall: Option<String>,
}

/// A card service action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CardAction {
    /// Stop all use until unfrozen.
    Freeze,
    /// Lift a freeze.
    Unfreeze,
    /// Registered cards only: stop use, ready for replacement.
    ReportLoss,
    /// New card, balance moved, old card closed.
    Replace,
    /// Close with redemption of the balance (registered, after the minimum months).
    Close,
    /// Renew an anonymous card's validity.
    Extend,
}

impl CardAction {
    /// snake_case name (audit action and history kind).
    pub fn as_str(self) -> &'static str {
        match self {
            CardAction::Freeze => "freeze",
            CardAction::Unfreeze => "unfreeze",
            CardAction::ReportLoss => "report_loss",
            CardAction::Replace => "replace",
            CardAction::Close => "close",
            CardAction::Extend => "extend",
        }
    }
}

/// Apply a service action to a card.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardActionRequest {
    /// The card.
    pub card: CardNumber,
    /// What to do.
    pub action: CardAction,
    /// Why (audited).
    pub reason: Option<String>,
    /// Idempotency reference for money-moving actions (replace, close); a default is derived
    /// from the card number, since a card can be replaced or closed only once.
    pub reference: Option<String>,
}

impl CardActionRequest {
    /// The idempotency (kind, reference) of the actions that move money (replace, close). A card
    /// is replaced or closed once, so its number makes a natural default reference.
    pub(crate) fn idempotency_key(&self) -> Option<(&'static str, String)> {
        match self.action {
            CardAction::Replace | CardAction::Close => {
                let kind = self.action.as_str();
                Some((kind, self.reference.clone().unwrap_or_else(|| format!("{kind}:{}", self.card))))
            }
            _ => None,
        }
    }
}

/// Add a mall (and its region when new).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MallAddRequest {
    /// Short unique code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Region code.
    pub region: String,
    /// City tier 1..4.
    pub city_tier: CityTier,
    /// traditional / card / ecommerce (default: card mode from the day it is added).
    #[serde(default)]
    pub mode: Option<crate::analytics::Mode>,
    /// The card-mode adoption date (YYYY-MM-DD) of a mall traditional until then.
    #[serde(default)]
    pub card_since: Option<String>,
}

/// Add an active merchant in one step (admins).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MerchantAddRequest {
    /// The mall it trades in.
    pub mall: String,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: Category,
}

/// The result of a money movement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Movement {
    /// The journal entry written.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub entry_id: i64,
    /// The card named first (for a refund, the refunded card).
    pub card: String,
    /// The amount moved.
    pub amount: Money,
    /// That card's balance after the movement.
    pub balance_after: Money,
    /// True when this is the stored answer to an earlier identical request.
    pub replayed: bool,
    /// The payment (pay, refund).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<f64>"))]
    pub payment_id: Option<i64>,
    /// The refund (refund).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<f64>"))]
    pub refund_id: Option<i64>,
    /// The payee (pay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<f64>"))]
    pub merchant: Option<i64>,
    /// The receiving card (transfer, replace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub to_card: Option<String>,
    /// The receiving card's balance after (transfer, replace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub to_balance_after: Option<Money>,
    /// The entry reversed (reverse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<f64>"))]
    pub reverses: Option<i64>,
}

/// A card as shown outside its detail view.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardInfo {
    /// Internal id: the console's key for a row whose number is masked.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// Full card number (the CLI and the card detail show it; lists mask it).
    pub card: String,
    /// physical / virtual / cobrand.
    #[serde(rename = "type")]
    pub card_type: CardType,
    /// Registered (real-name) card.
    pub registered: bool,
    /// active / frozen / lost / closed / expired (derived from the expiry date).
    pub status: CardStatus,
    /// Current balance.
    pub balance: Money,
    /// Anonymous cards' expiry (YYYY-MM-DD).
    pub expires_on: Option<String>,
    /// Issuing mall.
    pub mall: Option<String>,
    /// Holder name, masked.
    pub holder: Option<String>,
    /// Holder phone, masked.
    pub phone: Option<String>,
    /// When issued (RFC 3339, Asia/Shanghai).
    pub issued_at: String,
    /// The card that replaced this one.
    pub replaced_by: Option<String>,
}

/// The result of a batch sale.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BatchIssued {
    /// The request's reference.
    pub reference: String,
    /// How many cards.
    pub count: u32,
    /// The card numbers issued.
    pub cards: Vec<String>,
    /// Value on each card.
    pub face_value: Money,
    /// Total paid.
    pub total: Money,
    /// The loading entry (none when the face value is zero).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub entry_id: Option<i64>,
    /// Stored answer to an earlier identical request.
    pub replayed: bool,
}

/// The result of a card service action.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardChange {
    /// The card acted on.
    pub card: String,
    /// What was done.
    pub action: CardAction,
    /// The card's status afterwards.
    pub status: String,
    /// The card's balance afterwards.
    pub balance: Money,
    /// The replacement card (replace).
    pub new_card: Option<String>,
    /// Balance moved to the new card (replace) or paid out (close).
    pub moved: Money,
    /// The journal entry that moved it, if any money moved.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub entry_id: Option<i64>,
    /// Expiry afterwards (anonymous cards).
    pub expires_on: Option<String>,
    /// Stored answer to an earlier identical request.
    pub replayed: bool,
}

/// Progress of a long job (a batch sale now; imports and settlement later).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JobProgress {
    /// Units done (cards, rows...).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub done: u64,
    /// Units in all.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    /// What it is doing: queued, checking, writing, committed.
    pub stage: String,
}

/// Hooks of a long job: where its progress goes, and the flag that cancels it. A job cancelled
/// before its commit writes nothing.
#[derive(Clone)]
pub struct JobControl {
    progress: Arc<dyn Fn(JobProgress) + Send + Sync>,
    cancel: Arc<std::sync::atomic::AtomicBool>,
}

impl JobControl {
    /// A control reporting to `progress`.
    pub fn new(progress: impl Fn(JobProgress) + Send + Sync + 'static) -> JobControl {
        JobControl { progress: Arc::new(progress), cancel: Default::default() }
    }

    /// Asks the job to stop; it stops at its next check, at the latest before it commits.
    pub fn cancel(&self) {
        self.cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn report(&self, done: u64, total: u64, stage: &str) {
        (self.progress)(JobProgress { done, total, stage: stage.to_string() });
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::new("cancelled", "the job was cancelled; nothing was written"))
        } else {
            Ok(())
        }
    }
}

impl std::fmt::Debug for JobControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JobControl(cancelled: {})", self.is_cancelled())
    }
}

/// What a write job answers.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Movement(Movement),
    Card(CardInfo),
    Batch(BatchIssued),
    Change(CardChange),
    Json(serde_json::Value),
}

/// A change of state.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    TopUp(TopUpRequest),
    Pay(PayRequest),
    Refund(RefundRequest),
    Transfer(TransferRequest),
    Reverse(ReverseRequest),
    Issue(IssueRequest),
    BatchIssue(BatchIssueRequest, Option<JobControl>),
    Card(CardActionRequest),
    MallAdd(MallAddRequest),
    MerchantAdd(MerchantAddRequest),
    User(UserOp),
    /// Bind an anonymous card to a member (it becomes registered).
    BindCard {
        member: i64,
        card: CardNumber,
    },
    /// A chained audit record of a read of personal data.
    Audit {
        action: String,
        subject: String,
    },
    RuleSet {
        name: String,
        value: String,
    },
    /// Merchants and the clearing center (onboarding, fee rules, settlement, payouts, imports,
    /// rating): see crate::clearing.
    Clearing(crate::clearing::ClearingOp),
    /// Mode timeline, imports and demo data of the operations database (analytics/).
    Analytics(crate::analytics::AnalyticsOp),
}

impl Op {
    /// Which writer takes this op (modulo the number of writers): the hot account it credits
    /// where there is one, so that account is written by one writer only (see `Engine::start`).
    fn route(&self) -> u64 {
        fn hash(s: &str) -> u64 {
            // FNV-1a: stable and cheap; only the spread matters.
            s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
        }
        match self {
            Op::Pay(r) => r.merchant as u64,
            Op::TopUp(r) => hash(r.channel.as_str()),
            Op::BatchIssue(r, _) => hash(r.channel.as_str()),
            Op::Refund(r) => r.payment_id as u64,
            Op::Transfer(r) => hash(r.from.as_str()),
            Op::Reverse(r) => r.entry_id as u64,
            Op::Card(r) => hash(r.card.as_str()),
            Op::Issue(_) | Op::BindCard { .. } => 1,
            _ => 0,
        }
    }

    /// Whether the op may run in a writer chain (see [`Chain`]): the money movements, which
    /// read and change only what the batch caches, and never read a row another op of the
    /// chain wrote without finding it there.
    fn chains(&self) -> bool {
        matches!(self, Op::Pay(_) | Op::TopUp(_) | Op::Refund(_) | Op::Transfer(_))
    }

    /// The control of a long, cancellable job.
    pub(crate) fn control(&self) -> Option<&JobControl> {
        match self {
            Op::BatchIssue(_, c) => c.as_ref(),
            _ => None,
        }
    }

    /// Whether the op runs in a transaction of its own: long jobs under a control, and the
    /// clearing center's bulk jobs (a settlement, an import), which read the database in sets.
    fn solo(&self) -> bool {
        match self {
            Op::Clearing(c) => c.solo(),
            Op::Analytics(a) => a.solo(),
            _ => self.control().is_some(),
        }
    }

    /// Upper bounds of the ids this op may take, by allocator name, reserved before the
    /// transaction begins (a reservation inside it would be lost on rollback).
    fn id_needs(&self) -> [(&'static str, u64); 5] {
        // Money movements are the hot path: ask for exactly what they take, so a writer under
        // load rarely goes back to the id table. Rare ops may over-ask.
        match self {
            Op::Analytics(a) => a.id_needs(),
            Op::Pay(_) | Op::Refund(_) => [("entry", 1), ("payment", 1), ("card", 0), ("account", 0), ("misc", 0)],
            Op::TopUp(_) | Op::Transfer(_) | Op::Reverse(_) => {
                [("entry", 1), ("payment", 0), ("card", 0), ("account", 0), ("misc", 0)]
            }
            Op::Clearing(c) => c.id_needs(),
            _ => {
                let cards = match self {
                    Op::Issue(_) | Op::Card(_) => 1,
                    Op::BatchIssue(b, _) => u64::from(b.count),
                    _ => 0,
                };
                // The one-step merchant add records every onboarding step (5 events + audit).
                let misc = if matches!(self, Op::MerchantAdd(_)) { 8 } else { 3 };
                [("entry", 1), ("payment", 1), ("card", cards), ("account", cards + 1), ("misc", misc)]
            }
        }
    }
}

struct Job {
    op: Op,
    actor: Actor,
    reply: oneshot::Sender<Result<Outcome>>,
}

/// Everything a writer needs besides the jobs.
pub(crate) struct Ctx {
    pub db: Db,
    pub clock: Clock,
    pub pii: Option<Arc<Pii>>,
    /// Why `pii` is None (no key file, wrong key...), so refusals can say so.
    pub key_error: Option<Error>,
    pub stats: Stats,
}

/// Counters of the write path, so a benchmark can report how well group commit batched.
#[derive(Default)]
pub(crate) struct Stats {
    /// Transactions committed.
    pub commits: std::sync::atomic::AtomicU64,
    /// Jobs answered by those transactions.
    pub jobs: std::sync::atomic::AtomicU64,
    /// Those of the transactions whose jobs were decided while the one before committed.
    pub ahead: std::sync::atomic::AtomicU64,
}

/// Handle to the writer task(s).
#[derive(Clone)]
pub(crate) struct Engine {
    queues: Vec<mpsc::Sender<Job>>,
}

/// How many jobs one transaction takes at most.
const MAX_BATCH: usize = 1024;

impl Engine {
    /// Starts `writers` writer tasks (1 on SQLite), each with its own queue.
    ///
    /// Why a queue per writer: some accounts are touched by most requests (a busy merchant's
    /// payable, a channel's clearing account). A writer holds such a row's lock from its update
    /// to its commit, so writers that all touch the same merchants queue behind each other. Jobs
    /// are routed by the hot account they credit (the merchant of a purchase, the channel of a
    /// top-up), so each of those rows is written by one writer, which batches its jobs into one
    /// update per transaction.
    pub fn start(ctx: Arc<Ctx>, writers: usize) -> Engine {
        let queues = (0..writers.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel::<Job>(MAX_BATCH * 4);
                let ctx = ctx.clone();
                tokio::spawn(async move { writer_loop(ctx, rx).await });
                tx
            })
            .collect();
        Engine { queues }
    }

    /// Runs one op and waits for its answer (and for its commit).
    pub async fn submit(&self, actor: &Actor, op: Op) -> Result<Outcome> {
        answer(self.enqueue(actor, op).await?).await
    }

    /// Queues one op and returns where its answer will come (after its commit): the caller
    /// goes on meanwhile and waits with [`answer`].
    pub async fn enqueue(&self, actor: &Actor, op: Op) -> Result<Answer> {
        let (reply, rx) = oneshot::channel();
        let queue = &self.queues[(op.route() % self.queues.len() as u64) as usize];
        queue
            .send(Job { op, actor: actor.clone(), reply })
            .await
            .map_err(|_| Error::internal("the writer has stopped"))?;
        Ok(rx)
    }
}

/// The answer to come of a queued op ([`Engine::enqueue`]).
pub type Answer = oneshot::Receiver<Result<Outcome>>;

/// Waits for a queued op's answer.
pub async fn answer(rx: Answer) -> Result<Outcome> {
    rx.await.map_err(|_| Error::internal("the writer dropped a request"))?
}

async fn writer_loop(ctx: Arc<Ctx>, mut rx: mpsc::Receiver<Job>) {
    // Each writer has its own id blocks: with several writers (PostgreSQL) a shared pool would
    // let one writer spend ids another had just reserved for its own transaction.
    let ids = Arc::new(IdAlloc::default());
    let chains = ctx.db.backend == crate::db::Backend::Sqlite && crate::db::each_available();
    let mut chain: Option<Chain<'_>> = None;
    loop {
        let mut jobs = Vec::new();
        if let Ok(j) = rx.try_recv() {
            jobs.push(j);
        } else {
            // Nothing waiting: answer the group being committed as soon as it is (its clients
            // may be the only ones), then wait.
            if let Some(c) = chain.as_mut() {
                if let Some(group) = c.committing.take() {
                    if let Landed::Failed = land(&ctx, &ids, group).await {
                        chain = None;
                    }
                }
            }
            match rx.recv().await {
                Some(j) => jobs.push(j),
                None => return,
            }
        }
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        if chains && jobs.iter().all(|j| j.op.chains()) {
            chain = run_chained(&ctx, &ids, chain.take(), jobs).await;
            continue;
        }
        // Anything else runs as before, its transaction decided in itself: the chain ends here
        // (its group lands first, so the jobs keep their order).
        if let Some(mut c) = chain.take() {
            if let Some(group) = c.committing.take() {
                land(&ctx, &ids, group).await;
            }
        }
        run_jobs(&ctx, &ids, jobs).await;
    }
}

/// SQLite's writer keeps its batch (the cards, balances, payments, chain head and answers it
/// has read or written) from one transaction to the next, so it decides a group of money
/// movements while the group before is still being stored and committed: its deciding and
/// SQLite's storing then run side by side on the two cores instead of taking turns.
///
/// Why this is safe: a group decided ahead reads what the batch has not cached on a read-only
/// connection, whose snapshot differs from the committing group's result only in rows that group
/// wrote, and those the batch holds (every change goes through its caches). The decisions stand
/// only if nothing else wrote between the two transactions: no other connection (SQLite's
/// `data_version` on the write connection, which the writer's own commits leave alone, and the
/// connection itself the same one) and nothing else of this process on the write connection
/// ([`Db::begin_chain_write`]). Otherwise, or if the committing group failed, the group is
/// decided again from scratch in its own transaction. Its answers go out only after its commit.
///
/// When the writer has the next group decided ahead, the committing task begins the next
/// transaction right after its commit, and the group's rows were taken out of the batch before
/// that: between two commits SQLite's thread waits for nothing but the task's next statement.
struct Chain<'c> {
    /// Tells this chain's transactions from any other on the write connection.
    number: u64,
    batch: Batch<'c>,
    /// The write connection and its `data_version` when the chain's latest transaction began.
    stamp: (i64, i64),
    /// The group being stored and committed on a task of its own.
    committing: Option<Committing>,
}

/// A group whose commit is under way, with its jobs and their answers.
struct Committing {
    task: tokio::task::JoinHandle<Result<Option<Begun>, TxError>>,
    /// Set once the writer has the next group in hand, to its ids' needs: the task then tops
    /// the id blocks up for the group after it and begins the next transaction as soon as its
    /// own commits (never while the writer may go idle, which would keep the write lock from
    /// other processes).
    begin_next: NextNeeds,
    jobs: Vec<Job>,
    results: Vec<Result<Outcome>>,
    /// Decided while the group before committed.
    ahead: bool,
}

/// A write transaction a committing task began for the chain's next group: the transaction,
/// whether the one before it on the write connection was the chain's, and its stamp.
type Begun = (sqlx::Transaction<'static, sqlx::Any>, bool, (i64, i64));

/// The id needs of the group the writer has decided ahead (see [`Committing::begin_next`]).
type NextNeeds = Arc<std::sync::Mutex<Option<std::collections::HashMap<&'static str, u64>>>>;

/// What became of a committing group.
enum Landed {
    /// Not committed: its jobs ran again the ordinary way, and the chain built on it must end.
    Failed,
    /// Committed and answered, with the next transaction if the task began one.
    Committed(Option<Begun>),
}

/// Twice each need.
fn twice(needs: &std::collections::HashMap<&'static str, u64>) -> std::collections::HashMap<&'static str, u64> {
    needs.iter().map(|(name, n)| (*name, n.saturating_mul(2))).collect()
}

/// Stores a decided group's rows and commits them on a task of its own; then, if `begin_next`
/// is set by then, reserves ids for the group after the next (the next one's are taken: it
/// was decided ahead) and begins the chain's next transaction.
fn spawn_commit(
    db: Db,
    ids: Arc<IdAlloc>,
    number: u64,
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    pending: batch::Pending,
    begin_next: NextNeeds,
) -> tokio::task::JoinHandle<Result<Option<Begun>, TxError>> {
    tokio::spawn(async move {
        batch::store(&mut tx, db.backend, pending).await?;
        tx.commit().await?;
        let Some(needs) = begin_next.lock().unwrap_or_else(|p| p.into_inner()).take() else {
            return Ok(None);
        };
        // The commit stands whatever happens now: if the next transaction cannot begin here,
        // the writer begins it (and meets the error itself). Twice the needs: the next group
        // may still be taking ids while these are reserved.
        if ids.reserve(&db, &twice(&needs)).await.is_err() {
            return Ok(None);
        }
        let Ok((mut next, mine)) = db.begin_chain_write(number).await else {
            return Ok(None);
        };
        Ok(write_stamp(&mut next).await.ok().map(|stamp| (next, mine, stamp)))
    })
}

/// A chain starts over past this many cached things (memory, not correctness).
const CHAIN_CACHE: usize = 200_000;

fn next_chain_number() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The write connection and its `data_version`, read in the transaction that just began.
async fn write_stamp(tx: &mut sqlx::AnyConnection) -> Result<(i64, i64), TxError> {
    Ok(sqlx::query_as("SELECT onecard_connection(), data_version FROM pragma_data_version()").fetch_one(tx).await?)
}

/// Waits for a group's commit and answers its jobs. If the commit failed (none of the group
/// was written), the jobs run again the ordinary way, with its retries.
async fn land(ctx: &Ctx, ids: &IdAlloc, group: Committing) -> Landed {
    let next = match group.task.await {
        Ok(Ok(next)) => next,
        _ => {
            run_group(ctx, ids, group.jobs).await;
            return Landed::Failed;
        }
    };
    ctx.stats.commits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ctx.stats.jobs.fetch_add(group.jobs.len() as u64, std::sync::atomic::Ordering::Relaxed);
    ctx.stats.ahead.fetch_add(u64::from(group.ahead), std::sync::atomic::Ordering::Relaxed);
    for (job, r) in group.jobs.into_iter().zip(group.results) {
        let _ = job.reply.send(r);
    }
    Landed::Committed(next)
}

/// The ids a group of ops may take, by allocator name (reserved before its transaction).
fn id_needs(ops: &[(Op, Actor)]) -> std::collections::HashMap<&'static str, u64> {
    let mut needs: std::collections::HashMap<&'static str, u64> = Default::default();
    for (op, _) in ops {
        for (name, n) in op.id_needs() {
            *needs.entry(name).or_default() += n;
        }
    }
    needs
}

/// Decides `ops` on the batch. A database failure inside a job (rather than a refusal) poisons
/// the transaction: the whole group fails, retryable.
async fn decide(batch: &mut Batch<'_>, ops: &[(Op, Actor)]) -> Result<Vec<Result<Outcome>>, TxError> {
    batch.prefetch(ops).await?;
    let mut results = Vec::with_capacity(ops.len());
    for (op, actor) in ops {
        let r = batch.apply(op, actor).await;
        if let Err(e) = &r {
            if e.code == "database" {
                return Err(TxError { error: e.clone(), retryable: true });
            }
        }
        results.push(r);
    }
    Ok(results)
}

/// Runs a group of money movements in the chain (see [`Chain`]) and returns the chain to go on
/// with: none when it had to end.
async fn run_chained<'c>(
    ctx: &'c Ctx,
    ids: &'c Arc<IdAlloc>,
    chain: Option<Chain<'c>>,
    jobs: Vec<Job>,
) -> Option<Chain<'c>> {
    let ops: Vec<(Op, Actor)> = jobs.iter().map(|j| (j.op.clone(), j.actor.clone())).collect();
    let needs = id_needs(&ops);
    let mut chain = chain;
    if let Some(mut c) = chain.take_if(|c| c.batch.cached() >= CHAIN_CACHE) {
        // Its group lands before the chain starts over (never a job left unanswered).
        if let Some(group) = c.committing.take() {
            land(ctx, ids, group).await;
        }
    }
    // Decide ahead while the group before commits, when its ids are in hand (reserving takes
    // the write connection, which that commit holds) and no fee depends on a volume; and take
    // its rows out of the batch before that commit ends.
    let ahead = match chain.as_mut() {
        Some(c) if c.committing.is_some() && ids.covers(&needs) && c.batch.fees_without_volume() => {
            match ctx.db.reader().await {
                Ok(Some(conn)) => {
                    if let Some(group) = &c.committing {
                        *group.begin_next.lock().unwrap_or_else(|p| p.into_inner()) = Some(needs.clone());
                    }
                    c.batch.read_on(conn);
                    c.batch.next_group();
                    let decided = match decide(&mut c.batch, &ops).await {
                        Ok(results) => c.batch.take_group().await.map(|pending| (results, pending)),
                        Err(e) => Err(e),
                    };
                    Some(decided)
                }
                _ => None,
            }
        }
        _ => None,
    };
    let mut begun = None;
    if let Some(c) = chain.as_mut() {
        if let Some(group) = c.committing.take() {
            match land(ctx, ids, group).await {
                Landed::Failed => chain = None,
                Landed::Committed(next) => begun = next,
            }
        }
    }
    let number = chain.as_ref().map_or_else(next_chain_number, |c| c.number);
    let outcome = async {
        let (tx, mine, stamp) = match begun {
            Some(b) => b,
            None => {
                // Twice: the next group is then decided ahead without reserving first.
                ids.reserve(&ctx.db, &twice(&needs)).await?;
                let (mut tx, mine) = ctx.db.begin_chain_write(number).await?;
                let stamp = write_stamp(&mut tx).await?;
                (tx, mine, stamp)
            }
        };
        let go_on = chain.take().filter(|c| mine && c.stamp == stamp);
        let (mut c, results, pending, early) = match (go_on, ahead) {
            // Decided ahead on the state this transaction begins with.
            (Some(mut c), Some(Ok((results, pending)))) => {
                c.batch.resume(tx);
                (c, results, pending, true)
            }
            // Nothing wrote since the chain's last transaction: its state is this one's.
            (Some(mut c), None) => {
                c.batch.resume(tx);
                c.batch.next_group();
                let results = decide(&mut c.batch, &ops).await?;
                let pending = c.batch.take_group().await?;
                (c, results, pending, false)
            }
            // A new chain (or a decision ahead that failed or no longer holds), under the
            // number this transaction began with.
            _ => {
                // Covered: reserved just before this transaction began, by the writer or (with
                // twice these needs, see `spawn_commit`) by the committing task.
                debug_assert!(ids.covers(&needs), "ids for a group decided again");
                let mut batch = Batch::begin(ctx, ids, tx).await?;
                let results = decide(&mut batch, &ops).await?;
                let pending = batch.take_group().await?;
                (Chain { number, batch, stamp, committing: None }, results, pending, false)
            }
        };
        c.stamp = stamp;
        let begin_next = NextNeeds::default();
        let task = spawn_commit(ctx.db.clone(), ids.clone(), c.number, c.batch.take_tx(), pending, begin_next.clone());
        // A task spawned from a runtime thread waits in that thread's next-task slot, which no
        // other thread steals, until this one yields: let it hand its first rows to SQLite now.
        tokio::task::yield_now().await;
        Ok::<_, TxError>((c, task, begin_next, results, early))
    }
    .await;
    match outcome {
        Ok((mut c, task, begin_next, results, ahead)) => {
            c.committing = Some(Committing { task, begin_next, jobs, results, ahead });
            Some(c)
        }
        // A failure of the transaction (not a refusal): nothing of it is kept, and the jobs run
        // the ordinary way, with its retries and its one-job-at-a-time fallback.
        Err(_) => {
            run_group(ctx, ids, jobs).await;
            None
        }
    }
}

/// Runs jobs as one transaction; if the transaction itself fails (not a refusal: those are
/// per job), retries, then falls back to one transaction per job so a poison job cannot take
/// its neighbours down with it. Jobs under a [`JobControl`] (long, cancellable) run in a
/// transaction of their own, so cancelling one rolls back nothing but itself.
async fn run_jobs(ctx: &Ctx, ids: &IdAlloc, jobs: Vec<Job>) {
    let (solo, grouped): (Vec<Job>, Vec<Job>) = jobs.into_iter().partition(|j| j.op.solo());
    if !grouped.is_empty() {
        run_group(ctx, ids, grouped).await;
    }
    for job in solo {
        run_group(ctx, ids, vec![job]).await;
    }
}

async fn run_group(ctx: &Ctx, ids: &IdAlloc, jobs: Vec<Job>) {
    let ops: Vec<(Op, Actor)> = jobs.iter().map(|j| (j.op.clone(), j.actor.clone())).collect();
    match execute_with_retry(ctx, ids, &ops).await {
        Ok(results) => {
            ctx.stats.commits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            ctx.stats.jobs.fetch_add(results.len() as u64, std::sync::atomic::Ordering::Relaxed);
            for (job, r) in jobs.into_iter().zip(results) {
                let _ = job.reply.send(r);
            }
        }
        Err(_) if jobs.len() > 1 => {
            for job in jobs {
                let one = vec![(job.op.clone(), job.actor.clone())];
                let r = Box::pin(execute_with_retry(ctx, ids, &one)).await;
                let _ = job.reply.send(r.map(|mut v| v.remove(0)).unwrap_or_else(Err));
            }
        }
        Err(e) => {
            if let Some(job) = jobs.into_iter().next() {
                let _ = job.reply.send(Err(e));
            }
        }
    }
}

async fn execute_with_retry(ctx: &Ctx, ids: &IdAlloc, ops: &[(Op, Actor)]) -> Result<Vec<Result<Outcome>>> {
    let mut attempt = 0;
    loop {
        match execute(ctx, ids, ops).await {
            Ok(r) => return Ok(r),
            Err(e) if attempt < 8 && e.retryable => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(2 << attempt.min(6))).await;
            }
            Err(e) => return Err(e.error),
        }
    }
}

/// A failure of the whole transaction.
pub(crate) struct TxError {
    error: Error,
    retryable: bool,
}

impl From<TxError> for Error {
    fn from(e: TxError) -> Self {
        e.error
    }
}

impl From<sqlx::Error> for TxError {
    fn from(e: sqlx::Error) -> Self {
        TxError { retryable: crate::db::is_retryable(&e), error: e.into() }
    }
}

impl From<Error> for TxError {
    fn from(error: Error) -> Self {
        TxError { error, retryable: false }
    }
}

/// One transaction over `ops`: reserve ids, begin, prefetch, decide each op, flush, commit.
async fn execute(ctx: &Ctx, ids: &IdAlloc, ops: &[(Op, Actor)]) -> Result<Vec<Result<Outcome>>, TxError> {
    ids.reserve(&ctx.db, &id_needs(ops)).await?;
    let tx = ctx.db.begin_write().await?;
    let mut batch = Batch::begin(ctx, ids, tx).await?;
    let results = decide(&mut batch, ops).await?;
    if let [(op, _)] = ops {
        if op.solo() && results[0].is_err() {
            // A bulk job refused midway (a demo chunk that would overdraw a card, a second file
            // already imported) may have queued or stored rows: none of it is kept.
            batch.roll_back().await?;
            return Ok(results);
        }
    }
    batch.flush_and_commit().await?;
    Ok(results)
}
