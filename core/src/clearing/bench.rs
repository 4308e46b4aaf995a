//! Data for `bench-settle`: merchants and cards through the engine, then a day of purchases
//! bulk-inserted the way the writer would have written them (journal entries chained with SM3,
//! balanced postings, account balances, payments with their fees), so `verify` passes after.
//! Each card's purchases share one journal entry: the ledger stays exact with far fewer rows to
//! hash, and settlement reads payments, not entries.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::{fee_of, ClearingOp};
use crate::auth::Actor;
use crate::crypto::chain_hash;
use crate::db::{bigint_values_clause, values_clause, Backend};
use crate::engine::entry_canonical;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::types::{CardType, Category, Channel, CityTier, Funding, PayerType};
use crate::{BatchIssueRequest, Core, MallAddRequest, MerchantAddRequest};

const PER_CARD: u64 = 100;
const BPS: i64 = 60;

pub(crate) async fn setup_merchants(core: &Core, actor: &Actor, n: u64) -> Result<Vec<i64>> {
    let run = crate::clock::system_micros() % 1_000_000_000;
    let mall = format!("BS{run}");
    core.mall_add(
        actor,
        MallAddRequest {
            code: mall.clone(),
            name: format!("Bench {run}"),
            region: "bench".into(),
            city_tier: CityTier::parse("1")?,
            mode: None,
            card_since: None,
        },
    )
    .await?;
    core.clearing_op(actor, ClearingOp::FeeRule { category: Category::Apparel, bps: BPS, from: None, to: None })
        .await?;
    let mut ids = Vec::with_capacity(n as usize);
    let all: Vec<u64> = (0..n).collect();
    for chunk in all.chunks(1000) {
        let futs = chunk.iter().map(|i| {
            core.merchant_add(
                actor,
                MerchantAddRequest {
                    mall: mall.clone(),
                    name: format!("Bench merchant {i}"),
                    category: Category::Apparel,
                },
            )
        });
        for r in futures_util::future::join_all(futs).await {
            let v = r?;
            ids.push(v["merchant"].as_i64().ok_or_else(|| Error::internal("merchant id"))?);
        }
    }
    Ok(ids)
}

fn id_number(body17: &str) -> String {
    let w = [7u32, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body17.bytes().zip(w).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{body17}{}", char::from(b"10X98765432"[(sum % 11) as usize]))
}

async fn reserve_ids(tx: &mut sqlx::Transaction<'static, sqlx::Any>, name: &str, n: i64) -> Result<i64> {
    sqlx::query("UPDATE id_alloc SET next_id = next_id + $1 WHERE name = $2")
        .bind(n)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    let next: i64 =
        sqlx::query_scalar("SELECT next_id FROM id_alloc WHERE name = $1").bind(name).fetch_one(&mut **tx).await?;
    Ok(next - n)
}

pub(crate) async fn bulk_purchases(
    core: &Core,
    actor: &Actor,
    merchants: &[i64],
    payments: u64,
    day: NaiveDate,
) -> Result<()> {
    let db = core.db();
    let backend = db.backend;
    let run = crate::clock::system_micros();
    let ncards = payments.div_ceil(PER_CARD);
    // Cards through the engine: sold in batches, each loaded with 1,000.00 (an anonymous card's cap).
    let mut cards: Vec<(i64, i64)> = Vec::with_capacity(ncards as usize);
    let mut left = ncards;
    let mut k = 0;
    while left > 0 {
        let count = left.min(10_000);
        let reference = format!("bench-settle-{run}-{k}");
        core.batch_issue(
            actor,
            BatchIssueRequest {
                card_type: CardType::Physical,
                count: count as u32,
                face_value: Money::from_fen(100_000),
                reference: reference.clone(),
                buyer_name: Some("张三".into()),
                buyer_id: Some(id_number("11010119900307001")),
                channel: Channel::Wechat,
                payer_type: PayerType::Company,
                payer_name: None,
                funding: Funding::Debit,
                mall: None,
            },
        )
        .await?;
        let got: Vec<(i64, i64)> = sqlx::query_as("SELECT id, account_id FROM cards WHERE issue_ref = $1 ORDER BY id")
            .bind(reference)
            .fetch_all(&db.pool)
            .await?;
        cards.extend(got);
        left -= count;
        k += 1;
    }
    let maccts: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>("SELECT id, account_id FROM merchants")
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .collect();

    let mut tx = db.begin_write().await?;
    let first_payment = reserve_ids(&mut tx, "payment", payments as i64).await?;
    let first_entry = reserve_ids(&mut tx, "entry", ncards as i64).await?;
    let lock = if backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    let (chain, mut seq, mut head): (i64, i64, String) =
        sqlx::query_as(&format!("SELECT id, journal_seq, journal_head FROM chains WHERE id = 0{lock}"))
            .fetch_one(&mut *tx)
            .await?;
    let start = crate::clock::day_start_micros(day);
    let step = 86_400_000_000 / payments as i64;
    let mut entries: Vec<Vec<Value>> = Vec::with_capacity(ncards as usize);
    let mut postings: Vec<[i64; 3]> = Vec::new();
    let mut pays: Vec<[i64; 10]> = Vec::with_capacity(payments as usize);
    let mut deltas: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for (c, (card_id, card_acct)) in cards.iter().enumerate() {
        let entry_id = first_entry + c as i64;
        let g0 = c as u64 * PER_CARD;
        let g1 = (g0 + PER_CARD).min(payments);
        if g0 >= g1 {
            break;
        }
        let mut per: BTreeMap<i64, i64> = BTreeMap::new();
        for g in g0..g1 {
            let amount = 100 + ((g as i64 * 7919 + c as i64 * 104_729) % 900);
            let m = merchants[(g % merchants.len() as u64) as usize];
            let macct = *maccts.get(&m).ok_or_else(|| Error::internal("merchant account"))?;
            *per.entry(*card_acct).or_default() += amount;
            *per.entry(macct).or_default() -= amount;
            let at = start + g as i64 * step;
            pays.push([first_payment + g as i64, *card_id, m, amount, 0, entry_id, at, BPS, fee_of(amount, BPS), 0]);
        }
        let merged: Vec<(i64, i64)> = per.into_iter().filter(|(_, a)| *a != 0).collect();
        seq += 1;
        let at = start + g0 as i64 * step;
        let reference = format!("bench:{run}:{c}");
        let canonical =
            entry_canonical(entry_id, "purchase", &reference, &actor.user, at, "", None, chain, seq, &merged);
        head = chain_hash(&head, canonical.as_bytes());
        entries.push(vec![
            Value::I(entry_id),
            Value::T("purchase".into()),
            Value::T(reference),
            Value::T(actor.user.clone()),
            Value::I(at),
            Value::T(String::new()),
            Value::I(chain),
            Value::I(seq),
            Value::T(head.clone()),
        ]);
        for (a, amt) in merged {
            postings.push([entry_id, a, amt]);
            // Cards and merchant payables are both credit-normal: balance += -amount.
            let d = deltas.entry(a).or_default();
            d.0 -= amt;
            d.1 += 1;
        }
    }
    let max_params = if backend == Backend::Sqlite { 30_000 } else { 60_000 };
    for chunk in entries.chunks(max_params / 9) {
        let sql = format!(
            "INSERT INTO journal_entries (id, kind, ref, actor, created_at, memo, chain, chain_seq, hash) VALUES {}",
            values_clause(backend, chunk.len(), 9, 1)
        );
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Value::I(i) => q.bind(*i),
                    Value::T(t) => q.bind(t.clone()),
                };
            }
        }
        q.execute(&mut *tx).await?;
    }
    for chunk in postings.chunks(max_params / 3) {
        let sql = format!(
            "INSERT INTO postings (entry_id, account_id, amount) VALUES {}",
            values_clause(backend, chunk.len(), 3, 1)
        );
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = q.bind(*v);
            }
        }
        q.execute(&mut *tx).await?;
    }
    for chunk in pays.chunks(max_params / 11) {
        let sql = format!(
            "INSERT INTO payments (id, card_id, merchant_id, amount, refunded, entry_id, created_at, fee_bps, fee, \
             fee_refunded, medium) VALUES {}",
            values_clause(backend, chunk.len(), 11, 1)
        );
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = q.bind(*v);
            }
            q = q.bind("nfc");
        }
        q.execute(&mut *tx).await?;
    }
    let deltas: Vec<(i64, i64, i64)> = deltas.into_iter().map(|(a, (b, v))| (a, b, v)).collect();
    for chunk in deltas.chunks(3000) {
        let sql = format!(
            "UPDATE accounts SET balance = balance + v.column2, version = version + v.column3 \
             FROM (VALUES {}) AS v WHERE accounts.id = v.column1",
            bigint_values_clause(backend, chunk.len(), 3, 1)
        );
        let mut q = sqlx::query(&sql);
        for (id, b, v) in chunk {
            q = q.bind(*id).bind(*b).bind(*v);
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE chains SET journal_seq = $1, journal_head = $2 WHERE id = $3")
        .bind(seq)
        .bind(head)
        .bind(chain)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

enum Value {
    I(i64),
    T(String),
}
