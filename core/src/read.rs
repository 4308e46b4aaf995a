//! Reads that do not go through the writer: card detail, card lists (keyset-paged), histories.
//! Personal data leaves here masked; the full number only in the detail view.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::auth::{Actor, Permission};
use crate::card_number::{mask_card, CardNumber};
use crate::clock::{format_micros, parse_date};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::types::{CardStatus, CardType};
use crate::{CardInfo, Core};

/// One line of a card's history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Activity {
    /// Order within the card's history (1, 2, ...).
    pub seq: i64,
    /// issue, top_up, purchase, refund, transfer_in/out, reversal, freeze, ...
    pub kind: String,
    /// Signed change of the balance (0 for service actions).
    pub amount: Money,
    /// Balance after this line.
    pub balance_after: Money,
    /// The journal entry behind it, if money moved.
    pub entry_id: Option<i64>,
    /// Who did it.
    pub actor: String,
    /// When (RFC 3339, Asia/Shanghai).
    pub at: String,
    /// Channel, merchant, reason...
    pub note: String,
}

const CARD_COLS: &str = "c.number, c.card_type, c.registered, c.status, a.balance, c.expires_on, \
     c.mall, m.name_masked, m.phone_masked, c.issued_at, r.number";
const CARD_FROM: &str = "FROM cards c JOIN accounts a ON a.id = c.account_id \
     LEFT JOIN members m ON m.id = c.member_id LEFT JOIN cards r ON r.id = c.replaced_by";

impl Core {
    fn row_to_card(&self, row: &sqlx::any::AnyRow) -> Result<CardInfo> {
        let card_type: String = row.try_get(1)?;
        let status: String = row.try_get(3)?;
        let expires_on: Option<String> = row.try_get(5)?;
        let expired = status == "active"
            && match &expires_on {
                Some(e) => self.clock().today() > parse_date(e)?,
                None => false,
            };
        Ok(CardInfo {
            card: row.try_get(0)?,
            card_type: CardType::parse(&card_type)?,
            registered: row.try_get::<i64, _>(2)? != 0,
            status: if expired { "expired".into() } else { status },
            balance: Money::from_fen(row.try_get(4)?),
            expires_on,
            mall: row.try_get(6)?,
            holder: row.try_get(7)?,
            phone: row.try_get(8)?,
            issued_at: format_micros(row.try_get(9)?),
            replaced_by: row.try_get(10)?,
        })
    }

    /// A card's detail, with its full number.
    pub async fn card_show(&self, actor: &Actor, card: &CardNumber) -> Result<CardInfo> {
        actor.require(Permission::ReadCards)?;
        let sql = format!("SELECT {CARD_COLS} {CARD_FROM} WHERE c.number = $1");
        let row = sqlx::query(&sql)
            .bind(card.as_str())
            .fetch_optional(&self.db().pool)
            .await?
            .ok_or_else(|| not_found(card.as_str()))?;
        self.row_to_card(&row)
    }

    /// Cards in number order, `limit` at a time after `after` (keyset paging: a page costs the
    /// same on the millionth card as on the first). Numbers are masked.
    pub async fn card_list(
        &self,
        actor: &Actor,
        status: Option<CardStatus>,
        after: Option<&CardNumber>,
        limit: i64,
    ) -> Result<Vec<CardInfo>> {
        actor.require(Permission::ReadCards)?;
        if !(1..=1000).contains(&limit) {
            return Err(Error::new("invalid_limit", "limit must be 1..=1000"));
        }
        let today = self.clock().today().to_string();
        let (cond, bind_today) = match status {
            None => ("", false),
            Some(CardStatus::Expired) => {
                (" AND c.status = 'active' AND c.expires_on IS NOT NULL AND c.expires_on < $3", true)
            }
            Some(CardStatus::Active) => {
                (" AND c.status = 'active' AND (c.expires_on IS NULL OR c.expires_on >= $3)", true)
            }
            Some(_) => (" AND c.status = $3", false),
        };
        let sql = format!(
            "SELECT {CARD_COLS} {CARD_FROM} WHERE c.number > $1{cond} ORDER BY c.number LIMIT $2"
        );
        let mut q = sqlx::query(&sql).bind(after.map_or(String::new(), |a| a.as_str().to_string())).bind(limit);
        if bind_today {
            q = q.bind(today);
        } else if let Some(s) = status {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(&self.db().pool).await?;
        rows.iter()
            .map(|r| {
                let mut c = self.row_to_card(r)?;
                c.card = mask_card(&c.card);
                c.replaced_by = c.replaced_by.map(|n| mask_card(&n));
                Ok(c)
            })
            .collect()
    }

    /// Every change of a card, oldest first, with its balance after.
    pub async fn card_history(&self, actor: &Actor, card: &CardNumber) -> Result<Vec<Activity>> {
        actor.require(Permission::ReadCards)?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM cards WHERE number = $1")
            .bind(card.as_str())
            .fetch_optional(&self.db().pool)
            .await?
            .ok_or_else(|| not_found(card.as_str()))?;
        let rows: Vec<(i64, String, i64, i64, Option<i64>, String, i64, String)> = sqlx::query_as(
            "SELECT seq, kind, amount, balance_after, entry_id, actor, at, note \
             FROM card_activities WHERE card_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.db().pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(seq, kind, amount, balance_after, entry_id, actor, at, note)| Activity {
                seq,
                kind,
                amount: Money::from_fen(amount),
                balance_after: Money::from_fen(balance_after),
                entry_id,
                actor,
                at: format_micros(at),
                note,
            })
            .collect())
    }

    /// A fresh signed QR payload for a virtual card (valid 60 s, single use).
    pub async fn card_qr(&self, actor: &Actor, card: &CardNumber) -> Result<String> {
        actor.require(Permission::ReadCards)?;
        let info = self.card_show(actor, card).await?;
        if info.card_type != CardType::Virtual {
            return Err(Error::new("qr_not_available", "only virtual cards show a QR code"));
        }
        let now = self.clock().now_micros() / 1_000_000;
        Ok(self.pii()?.qr_payload(card.as_str(), now, &crate::crypto::new_qr_nonce()))
    }
}

fn not_found(n: &str) -> Error {
    Error::new("card_not_found", format!("no card {}", mask_card(n)))
}
