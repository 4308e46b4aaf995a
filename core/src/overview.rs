//! The console's first screen: what moved today and what is outstanding. Counts and sums come
//! straight from the ledger's tables, by today's business day (Asia/Shanghai).

use serde::{Deserialize, Serialize};

use crate::auth::{Actor, Permission};
use crate::error::Result;
use crate::money::Money;
use crate::types::{CardStatus, CardType};
use crate::Core;

/// A count and an amount.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Tally {
    /// How many.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: i64,
    /// How much.
    pub amount: Money,
}

/// Cards in one state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusCount {
    /// The state.
    pub status: CardStatus,
    /// Cards in it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: i64,
}

/// Cards of one type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TypeCount {
    /// The type.
    pub card_type: CardType,
    /// Cards of it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: i64,
}

/// Today at a glance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Overview {
    /// The business day (YYYY-MM-DD).
    pub date: String,
    /// Top-ups (cards loaded by top-ups and batch sales) today.
    pub top_ups: Tally,
    /// Card purchases today.
    pub purchases: Tally,
    /// Refunds to cards today.
    pub refunds: Tally,
    /// What all cards hold together: the issuer's liability to card holders.
    pub outstanding_balance: Money,
    /// Cards by state (expired = active but past expiry).
    pub cards_by_status: Vec<StatusCount>,
    /// Cards by type.
    pub cards_by_type: Vec<TypeCount>,
    /// Every card.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cards_total: i64,
}

impl Core {
    /// Today's figures for the whole group (the ledger is one book; scoping comes with the
    /// dashboards).
    pub async fn overview(&self, actor: &Actor) -> Result<Overview> {
        actor.require(Permission::ReadCards)?;
        let pool = &self.db().pool;
        let today = self.clock().today();
        let start = crate::clock::day_start_micros(today);
        let end = start + 86_400 * 1_000_000;
        let tally = |table: &'static str| async move {
            let (count, amount): (i64, Option<i64>) = sqlx::query_as(&format!(
                "SELECT COUNT(*), CAST(SUM(amount) AS BIGINT) FROM {table} \
                 WHERE created_at >= $1 AND created_at < $2"
            ))
            .bind(start)
            .bind(end)
            .fetch_one(pool)
            .await?;
            Ok::<Tally, crate::error::Error>(Tally { count, amount: Money::from_fen(amount.unwrap_or(0)) })
        };
        let top_ups = tally("topups").await?;
        let purchases = tally("payments").await?;
        let refunds = tally("refunds").await?;
        let outstanding: Option<i64> =
            sqlx::query_scalar("SELECT CAST(SUM(balance) AS BIGINT) FROM accounts WHERE kind = 'card'")
                .fetch_one(pool)
                .await?;
        let by_status: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM cards GROUP BY status ORDER BY status")
                .fetch_all(pool)
                .await?;
        let expired: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cards WHERE expires_on IS NOT NULL AND expires_on < $1 \
             AND status = 'active'",
        )
        .bind(today.to_string())
        .fetch_one(pool)
        .await?;
        let mut cards_by_status = Vec::new();
        let mut total = 0;
        for s in CardStatus::ALL {
            let stored = by_status.iter().find(|(k, _)| k == s.as_str()).map_or(0, |(_, n)| *n);
            total += stored;
            let count = match s {
                CardStatus::Active => stored - expired,
                CardStatus::Expired => expired,
                _ => stored,
            };
            cards_by_status.push(StatusCount { status: *s, count });
        }
        let by_type: Vec<(String, i64)> =
            sqlx::query_as("SELECT card_type, COUNT(*) FROM cards GROUP BY card_type").fetch_all(pool).await?;
        let cards_by_type = CardType::ALL
            .iter()
            .map(|t| TypeCount {
                card_type: *t,
                count: by_type.iter().find(|(k, _)| k == t.as_str()).map_or(0, |(_, n)| *n),
            })
            .collect();
        Ok(Overview {
            date: today.to_string(),
            top_ups,
            purchases,
            refunds,
            outstanding_balance: Money::from_fen(outstanding.unwrap_or(0)),
            cards_by_status,
            cards_by_type,
            cards_total: total,
        })
    }
}
