//! `onecard bench`: how fast the ledger takes durable card purchases with every check on
//! (idempotency, status, balance, double entry, hash chain), against the floor of what the same
//! database can do at all: plain multi-row inserts of one narrow row per purchase, in
//! transactions of the size the writer actually committed, with the same durability settings.
//! The ratio says how much the ledger's bookkeeping costs; the absolute rate depends on the disk.
//!
//! The purchases are real: they stay in the database, and `verify` passes afterwards with exactly
//! `payments` more purchase entries.
#![allow(clippy::float_arithmetic)] // seconds and rates of a benchmark, never money

use std::time::Instant;

use serde::Serialize;

use crate::auth::Actor;
use crate::card_number::CardNumber;
use crate::db::{values_clause, Backend};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::types::{CardType, Category, Channel, CityTier, Funding, Medium, PayerType};
use crate::{BatchIssueRequest, Core, MallAddRequest, MerchantAddRequest, PayRequest};

/// What `onecard bench` prints.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// "sqlite" or "postgres".
    pub backend: &'static str,
    /// Purchases posted (all of them succeeded).
    pub payments: u64,
    /// Concurrent clients that submitted them.
    pub clients: usize,
    /// Wall time of the purchases.
    pub seconds: f64,
    /// Purchases per second.
    pub payments_per_sec: f64,
    /// Plain narrow-row inserts per second, same transaction size and durability.
    pub floor_rows_per_sec: f64,
    /// payments_per_sec / floor_rows_per_sec.
    pub ratio: f64,
    /// Mean purchases per committed transaction (group commit at work).
    pub mean_batch: f64,
    /// Share of those transactions decided while the one before committed (SQLite).
    pub decided_ahead: f64,
}

/// Each card pays this many purchases of [`AMOUNT_FEN`]: the face value loaded covers exactly that.
const PURCHASES_PER_CARD: u64 = 50;
const AMOUNT_FEN: i64 = 200;
/// Cards sold per batch-issue request (the request's upper bound).
const CARDS_PER_BATCH: u64 = 10_000;
const MERCHANTS: usize = 64;

/// Runs the benchmark on `core`'s database as `actor` (who must be allowed to add malls, issue
/// cards and take payments: the CLI's default `admin`).
pub async fn run(core: &Core, actor: &Actor, payments: u64, clients: usize) -> Result<BenchReport> {
    if payments == 0 || payments > 100_000_000 {
        return Err(Error::new("invalid_argument", "--payments must be 1..=100000000"));
    }
    if clients == 0 || clients > 1024 {
        return Err(Error::new("invalid_argument", "--clients must be 1..=1024"));
    }
    let run_id = crate::clock::system_micros();
    let (cards, merchants) = setup(core, actor, run_id, payments).await?;
    let writers = match core.db().backend {
        Backend::Sqlite => 1,
        Backend::Postgres => clients,
    };
    let bench_core = core.reopen_with_writers(writers).await?;
    let (commits0, jobs0) = bench_core.write_stats();
    let ahead0 = bench_core.decided_ahead();
    let started = Instant::now();
    // Like a mall's traffic: every card pays one purchase after another (a customer is at one
    // till at a time), all cards at once. Client c submits for the cards c, c + clients, ...
    let tasks = (0..clients).map(|c| {
        let (core, cards, merchants) = (&bench_core, &cards, &merchants);
        async move {
            let chains = (c..cards.len()).step_by(clients).map(|k| async move {
                let first = k as u64 * PURCHASES_PER_CARD;
                for i in first..(first + PURCHASES_PER_CARD).min(payments) {
                    let r = PayRequest {
                        card: cards[k].clone(),
                        amount: Money::from_fen(AMOUNT_FEN),
                        merchant: merchants[(i % merchants.len() as u64) as usize],
                        medium: Medium::Nfc,
                        qr_payload: None,
                        checkout_seconds: Some(60),
                        reference: format!("bench-{run_id}-{i}"),
                    };
                    core.pay(actor, r).await?;
                }
                Ok::<(), Error>(())
            });
            futures_util::future::try_join_all(chains).await.map(drop)
        }
    });
    for r in futures_util::future::join_all(tasks).await {
        r?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let (commits1, jobs1) = bench_core.write_stats();
    let mean_batch = (jobs1 - jobs0) as f64 / (commits1 - commits0).max(1) as f64;
    let decided_ahead = (bench_core.decided_ahead() - ahead0) as f64 / (commits1 - commits0).max(1) as f64;
    let txn_rows = (mean_batch.round() as u64).max(1);
    let floor_rows_per_sec = floor(core, payments, txn_rows, writers).await?;
    let payments_per_sec = payments as f64 / seconds;
    Ok(BenchReport {
        backend: core.backend(),
        payments,
        clients,
        seconds,
        payments_per_sec,
        floor_rows_per_sec,
        ratio: payments_per_sec / floor_rows_per_sec,
        mean_batch,
        decided_ahead,
    })
}

/// A mall, merchants and enough funded anonymous cards for `payments` purchases (not timed).
async fn setup(core: &Core, actor: &Actor, run_id: i64, payments: u64) -> Result<(Vec<CardNumber>, Vec<i64>)> {
    let mall = format!("BENCH{}", run_id % 1_000_000_000);
    core.mall_add(
        actor,
        MallAddRequest {
            code: mall.clone(),
            name: "Benchmark mall".into(),
            region: "BENCH".into(),
            city_tier: CityTier::parse("1")?,
            mode: None,
            card_since: None,
        },
    )
    .await?;
    let mut merchants = Vec::with_capacity(MERCHANTS);
    for i in 0..MERCHANTS {
        let m = core
            .merchant_add(
                actor,
                MerchantAddRequest {
                    mall: mall.clone(),
                    name: format!("Bench merchant {i}"),
                    category: Category::Apparel,
                },
            )
            .await?;
        merchants.push(m["merchant"].as_i64().ok_or_else(|| Error::internal("merchant add without an id"))?);
    }
    let face = Money::from_fen(AMOUNT_FEN * PURCHASES_PER_CARD as i64);
    let mut cards = Vec::new();
    let mut left = payments.div_ceil(PURCHASES_PER_CARD);
    let mut batch = 0;
    while left > 0 {
        let count = left.min(CARDS_PER_BATCH);
        let issued = core
            .batch_issue(
                actor,
                BatchIssueRequest {
                    card_type: CardType::Physical,
                    count: count as u32,
                    face_value: face,
                    reference: format!("bench-{run_id}-cards-{batch}"),
                    buyer_name: Some("基准测试".into()),
                    buyer_id: Some("11010519491231002X".into()),
                    channel: Channel::BankTransfer,
                    payer_type: PayerType::Company,
                    payer_name: Some("基准测试".into()),
                    funding: Funding::Debit,
                    mall: Some(mall.clone()),
                },
            )
            .await?;
        for n in issued.cards {
            cards.push(CardNumber::parse(&n)?);
        }
        left -= count;
        batch += 1;
    }
    Ok((cards, merchants))
}

/// Inserts `rows` narrow rows into a scratch table, `txn_rows` per transaction, as fast as sqlx
/// allows (multi-row INSERTs), from `clients` concurrent tasks. Returns rows per second.
async fn floor(core: &Core, rows: u64, txn_rows: u64, clients: usize) -> Result<f64> {
    let db = core.db();
    sqlx::query("DROP TABLE IF EXISTS bench_floor").execute(&db.pool).await?;
    sqlx::query("CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, payment BIGINT NOT NULL)").execute(&db.pool).await?;
    let per_stmt: u64 = 500;
    let txns = rows.div_ceil(txn_rows);
    let per_client = txns.div_ceil(clients as u64);
    let started = Instant::now();
    let tasks = (0..clients as u64).map(|c| async move {
        for t in (c * per_client)..((c + 1) * per_client).min(txns) {
            let lo = t * txn_rows;
            let hi = ((t + 1) * txn_rows).min(rows);
            let mut tx = db.begin_write().await?;
            let mut i = lo;
            while i < hi {
                let n = (hi - i).min(per_stmt);
                let sql = format!(
                    "INSERT INTO bench_floor (id, payment) VALUES {}",
                    values_clause(db.backend, n as usize, 2, 1)
                );
                let mut q = sqlx::query(&sql);
                for k in i..i + n {
                    q = q.bind(k as i64).bind(AMOUNT_FEN);
                }
                q.execute(&mut *tx).await?;
                i += n;
            }
            tx.commit().await?;
        }
        Ok::<(), Error>(())
    });
    for r in futures_util::future::join_all(tasks).await {
        r?;
    }
    let seconds = started.elapsed().as_secs_f64();
    sqlx::query("DROP TABLE bench_floor").execute(&db.pool).await?;
    Ok(rows as f64 / seconds)
}

/// What `onecard bench-cards` prints: latency of the console's card-table queries.
#[derive(Debug, Clone, Serialize)]
pub struct CardPageReport {
    /// "sqlite" or "postgres".
    pub backend: &'static str,
    /// Cards in the database.
    pub cards: i64,
    /// Per query: name, p50 and p95 in milliseconds over the runs.
    pub queries: Vec<QueryTiming>,
}

/// Timing of one kind of page request.
#[derive(Debug, Clone, Serialize)]
pub struct QueryTiming {
    /// What was asked.
    pub query: String,
    /// Median, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// Rows on the page.
    pub rows: usize,
}

/// Makes sure the database holds at least `cards` cards (anonymous cards in batch sales of
/// 10,000 across two malls and the three card types, plus one registered card with a known phone),
/// then times 50 runs of each page request the console's card table makes.
pub async fn card_pages(core: &Core, actor: &Actor, cards: i64) -> Result<CardPageReport> {
    use crate::read::{CardQuery, CardSort};
    use crate::types::CardStatus;
    let all = CardQuery { limit: 50, ..Default::default() };
    let have = core.card_count(actor, &all).await?;
    if have < cards {
        let run_id = crate::clock::system_micros();
        for mall in ["BCARDS1", "BCARDS2"] {
            let _ = core
                .mall_add(
                    actor,
                    MallAddRequest {
                        code: mall.into(),
                        name: "Card table benchmark".into(),
                        region: "BENCH".into(),
                        city_tier: CityTier::parse("2")?,
                        mode: None,
                        card_since: None,
                    },
                )
                .await;
        }
        let mut left = cards - have;
        let mut i = 0;
        while left > 0 {
            let count = left.min(CARDS_PER_BATCH as i64) as u32;
            core.batch_issue(
                actor,
                BatchIssueRequest {
                    card_type: [CardType::Physical, CardType::Virtual, CardType::Cobrand][i % 3],
                    count,
                    face_value: Money::ZERO,
                    reference: format!("bench-cards-{run_id}-{i}"),
                    buyer_name: None,
                    buyer_id: None,
                    channel: Channel::Cash,
                    payer_type: PayerType::Person,
                    payer_name: None,
                    funding: Funding::Debit,
                    mall: Some(["BCARDS1", "BCARDS2"][i % 2].to_string()),
                },
            )
            .await?;
            left -= i64::from(count);
            i += 1;
        }
        core.issue_card(
            actor,
            crate::IssueRequest {
                card_type: CardType::Physical,
                holder: Some(crate::Holder {
                    name: "基准".into(),
                    id_number: "11010519491231002X".into(),
                    phone: "13900139000".into(),
                }),
                mall: Some("BCARDS1".into()),
            },
        )
        .await?;
    }
    let total = core.card_count(actor, &all).await?;
    let middle = core.card_list(actor, &CardQuery { limit: 1, number: Some("990088".into()), ..all.clone() }).await?;
    // A cursor about half-way through the table, for a deep page.
    let deep_cursor = {
        let mut q = CardQuery { limit: 1000, ..all.clone() };
        let mut cursor = middle.next;
        for _ in 0..(total / 2000).min(500) {
            q.after = cursor.clone();
            cursor = core.card_list(actor, &q).await?.next;
        }
        cursor
    };
    let queries: Vec<(&str, CardQuery)> = vec![
        ("first page by number", all.clone()),
        ("a page half-way through", CardQuery { after: deep_cursor, ..all.clone() }),
        ("newest first", CardQuery { sort: CardSort::IssuedAt, desc: true, ..all.clone() }),
        ("status = active", CardQuery { status: Some(CardStatus::Active), ..all.clone() }),
        ("type = cobrand", CardQuery { card_type: Some(CardType::Cobrand), ..all.clone() }),
        ("mall = BCARDS2", CardQuery { mall: Some("BCARDS2".into()), ..all.clone() }),
        ("holder phone", CardQuery { phone: Some("13900139000".into()), ..all.clone() }),
        ("number prefix", CardQuery { number: Some("9900880000001".into()), ..all.clone() }),
    ];
    let mut out = Vec::new();
    for (name, q) in queries {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..50 {
            let t = Instant::now();
            rows = core.card_list(actor, &q).await?.rows.len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        out.push(QueryTiming { query: name.into(), p50_ms: times[25], p95_ms: times[47], rows });
    }
    Ok(CardPageReport { backend: core.backend(), cards: total, queries: out })
}
