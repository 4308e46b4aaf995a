//! Reads that do not go through the writer: card detail, the card table (keyset-paged over
//! millions of cards), histories, payments, QR codes. Personal data leaves here masked; the full
//! card number only in the detail view. A scoped user (mall or region) sees the cards of their
//! malls only.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::auth::{Actor, Permission, Scope};
use crate::card_number::{mask_card, CardNumber};
use crate::clock::{format_micros, parse_date};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::types::{CardStatus, CardType, Medium, Phone};
use crate::{CardInfo, Core};

/// How long a virtual card's QR code stays valid.
pub const QR_TTL_SECONDS: i64 = 60;

/// One line of a card's history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Activity {
    /// Order within the card's history (1, 2, ...).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    /// issue, top_up, purchase, refund, transfer_in/out, reversal, freeze, ...
    pub kind: String,
    /// Signed change of the balance (0 for service actions).
    pub amount: Money,
    /// Balance after this line.
    pub balance_after: Money,
    /// The journal entry behind it, if money moved.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub entry_id: Option<i64>,
    /// Who did it.
    pub actor: String,
    /// When (RFC 3339, Asia/Shanghai).
    pub at: String,
    /// Channel, merchant, reason...
    pub note: String,
}

/// The order of the card table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CardSort {
    /// By card number.
    #[default]
    Number,
    /// By issue time.
    IssuedAt,
}

/// A page request of the card table: filters, order, and where the previous page ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardQuery {
    /// Only cards in this state (`expired` = active but past its expiry date).
    pub status: Option<CardStatus>,
    /// Only cards of this type.
    pub card_type: Option<CardType>,
    /// Only cards of this mall.
    pub mall: Option<String>,
    /// Only the cards of the member with this mobile number (found through the blind index).
    pub phone: Option<String>,
    /// A full card number, or the first digits of one.
    pub number: Option<String>,
    /// Order.
    pub sort: CardSort,
    /// Descending order.
    pub desc: bool,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Rows per page, 1..=1000.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub limit: i64,
}

impl Default for CardQuery {
    fn default() -> Self {
        CardQuery {
            status: None,
            card_type: None,
            mall: None,
            phone: None,
            number: None,
            sort: CardSort::Number,
            desc: false,
            after: None,
            limit: 50,
        }
    }
}

/// A page of the card table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardPage {
    /// The cards, numbers masked.
    pub rows: Vec<CardInfo>,
    /// Cursor of the next page (None on the last page).
    pub next: Option<String>,
}

/// A card payment as the cashier's refund screen shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentInfo {
    /// The payment.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub payment_id: i64,
    /// The paying card, masked.
    pub card: String,
    /// The payee.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub merchant: i64,
    /// The payee's name.
    pub merchant_name: String,
    /// Amount paid.
    pub amount: Money,
    /// Refunded so far.
    pub refunded: Money,
    /// What may still be refunded (0 once reversed).
    pub refundable: Money,
    /// How the card was presented.
    pub medium: Medium,
    /// When (RFC 3339).
    pub at: String,
    /// The purchase's journal entry.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub entry_id: i64,
}

/// A virtual card's payment code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QrCode {
    /// The card.
    pub card: String,
    /// What the code encodes (signed; single use).
    pub payload: String,
    /// The code as SVG markup, drawn by the core.
    pub svg: String,
    /// When it stops being accepted (RFC 3339).
    pub expires_at: String,
    /// Its lifetime in seconds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub ttl_seconds: i64,
}

const CARD_COLS: &str = "c.id, c.number, c.card_type, c.registered, c.status, a.balance, \
     c.expires_on, c.mall, m.name_masked, m.phone_masked, c.issued_at, r.number";
const CARD_FROM: &str = "FROM cards c JOIN accounts a ON a.id = c.account_id \
     LEFT JOIN members m ON m.id = c.member_id LEFT JOIN cards r ON r.id = c.replaced_by";

/// A SQL condition with its parameters, numbered as it grows.
struct Sql {
    text: String,
    params: Vec<String>,
}

impl Sql {
    fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), params: Vec::new() }
    }
    /// Appends `fragment`, whose `?` is replaced by the next `$n`.
    fn push(&mut self, fragment: &str, value: impl Into<Option<String>>) {
        let mut f = fragment.to_string();
        if let Some(v) = value.into() {
            self.params.push(v);
            f = f.replacen('?', &format!("${}", self.params.len()), 1);
        }
        self.text.push_str(&f);
    }
}

impl Core {
    fn row_to_card(&self, row: &sqlx::any::AnyRow) -> Result<CardInfo> {
        let card_type: String = row.try_get(2)?;
        let status: String = row.try_get(4)?;
        let expires_on: Option<String> = row.try_get(6)?;
        let expired = status == "active"
            && match &expires_on {
                Some(e) => self.clock().today() > parse_date(e)?,
                None => false,
            };
        Ok(CardInfo {
            id: row.try_get(0)?,
            card: row.try_get(1)?,
            card_type: CardType::parse(&card_type)?,
            registered: row.try_get::<i64, _>(3)? != 0,
            status: if expired { CardStatus::Expired } else { CardStatus::parse(&status)? },
            balance: Money::from_fen(row.try_get(5)?),
            expires_on,
            mall: row.try_get(7)?,
            holder: row.try_get(8)?,
            phone: row.try_get(9)?,
            issued_at: format_micros(row.try_get(10)?),
            replaced_by: row.try_get(11)?,
        })
    }

    /// The malls a scoped actor may see (None: all of them).
    pub(crate) async fn visible_malls(&self, actor: &Actor) -> Result<Option<Vec<String>>> {
        if actor.scopes.is_empty() {
            return Ok(None);
        }
        let mut malls = Vec::new();
        for s in &actor.scopes {
            match s {
                Scope::Mall(m) => malls.push(m.clone()),
                Scope::Region(r) => {
                    let in_region: Vec<String> = sqlx::query_scalar("SELECT code FROM malls WHERE region = $1")
                        .bind(r)
                        .fetch_all(&self.db().pool)
                        .await?;
                    malls.extend(in_region);
                }
                Scope::Merchant(_) => {}
            }
        }
        Ok(Some(malls))
    }

    fn check_visible(&self, card: &CardInfo, visible: &Option<Vec<String>>) -> Result<()> {
        match visible {
            Some(malls) if !card.mall.as_ref().is_some_and(|m| malls.contains(m)) => {
                Err(Error::new("forbidden", "this card belongs to a mall outside your scope"))
            }
            _ => Ok(()),
        }
    }

    /// A card's detail by number, with its full number.
    pub async fn card_show(&self, actor: &Actor, card: &CardNumber) -> Result<CardInfo> {
        self.card_detail(actor, "c.number = $1", card.as_str().to_string()).await
    }

    /// A card's detail by id (the console's table rows), with its full number.
    pub async fn card_get(&self, actor: &Actor, id: i64) -> Result<CardInfo> {
        self.card_detail(actor, "c.id = CAST($1 AS BIGINT)", id.to_string()).await
    }

    async fn card_detail(&self, actor: &Actor, cond: &str, key: String) -> Result<CardInfo> {
        actor.require(Permission::ReadCards)?;
        let sql = format!("SELECT {CARD_COLS} {CARD_FROM} WHERE {cond}");
        let row = sqlx::query(&sql)
            .bind(key)
            .fetch_optional(&self.db().pool)
            .await?
            .ok_or_else(|| Error::new("card_not_found", "no such card"))?;
        let info = self.row_to_card(&row)?;
        self.check_visible(&info, &self.visible_malls(actor).await?)?;
        Ok(info)
    }

    /// Builds the WHERE clause of a card query (without the cursor).
    async fn card_filter(&self, actor: &Actor, q: &CardQuery) -> Result<Sql> {
        let mut sql = Sql::new(" WHERE 1 = 1");
        let today = self.clock().today().to_string();
        match q.status {
            None => {}
            Some(CardStatus::Expired) => {
                sql.push(" AND c.status = 'active' AND c.expires_on IS NOT NULL AND c.expires_on < ?", today)
            }
            Some(CardStatus::Active) => {
                sql.push(" AND c.status = 'active' AND (c.expires_on IS NULL OR c.expires_on >= ?)", today)
            }
            Some(s) => sql.push(" AND c.status = ?", s.as_str().to_string()),
        }
        if let Some(t) = q.card_type {
            sql.push(" AND c.card_type = ?", t.as_str().to_string());
        }
        if let Some(m) = q.mall.as_deref().filter(|m| !m.is_empty()) {
            sql.push(" AND c.mall = ?", m.to_string());
        }
        if let Some(p) = q.phone.as_deref().filter(|p| !p.is_empty()) {
            let phone = Phone::parse(p)?;
            let bidx = self.pii()?.blind_index("phone", phone.as_str());
            sql.push(" AND c.member_id IN (SELECT id FROM members WHERE phone_bidx = ?)", bidx);
        }
        if let Some(n) = q.number.as_deref().filter(|n| !n.is_empty()) {
            if n.len() > 19 || !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::new("invalid_card_number", "search by the digits of a card number (up to 19)"));
            }
            // A prefix is a range of the number index: [prefix, prefix + ":"), ':' sorting
            // right after '9'.
            sql.push(" AND c.number >= ?", n.to_string());
            sql.push(" AND c.number < ?", format!("{n}:"));
        }
        if let Some(malls) = self.visible_malls(actor).await? {
            if malls.is_empty() {
                sql.push(" AND 1 = 0", None);
            } else {
                sql.push(" AND c.mall IN (", None);
                for (i, m) in malls.into_iter().enumerate() {
                    sql.push(if i == 0 { "?" } else { ", ?" }, m);
                }
                sql.push(")", None);
            }
        }
        Ok(sql)
    }

    /// A page of the card table (keyset paging: a page costs the same on the millionth card as on
    /// the first). Numbers are masked.
    pub async fn card_list(&self, actor: &Actor, q: &CardQuery) -> Result<CardPage> {
        actor.require(Permission::ReadCards)?;
        if !(1..=1000).contains(&q.limit) {
            return Err(Error::new("invalid_limit", "a page holds 1 to 1000 cards"));
        }
        let mut sql = self.card_filter(actor, q).await?;
        let (cmp, dir) = if q.desc { ("<", "DESC") } else { (">", "ASC") };
        if let Some(after) = q.after.as_deref() {
            let id: i64 =
                after.parse().map_err(|_| Error::new("invalid_cursor", "the page cursor is not one we gave out"))?;
            let cond = match q.sort {
                CardSort::Number => {
                    format!(" AND c.number {cmp} (SELECT number FROM cards WHERE id = CAST(? AS BIGINT))")
                }
                CardSort::IssuedAt => format!(
                    " AND (c.issued_at, c.id) {cmp} \
                     (SELECT issued_at, id FROM cards WHERE id = CAST(? AS BIGINT))"
                ),
            };
            sql.push(&cond, id.to_string());
        }
        let order = match q.sort {
            CardSort::Number => format!(" ORDER BY c.number {dir}"),
            CardSort::IssuedAt => format!(" ORDER BY c.issued_at {dir}, c.id {dir}"),
        };
        // One extra row tells whether there is a next page.
        let text = format!("SELECT {CARD_COLS} {CARD_FROM}{}{order} LIMIT {}", sql.text, q.limit + 1);
        let mut query = sqlx::query(&text);
        for p in sql.params {
            query = query.bind(p);
        }
        let rows = query.fetch_all(&self.db().pool).await?;
        let mut cards = rows.iter().map(|r| self.row_to_card(r)).collect::<Result<Vec<_>>>()?;
        let next = if cards.len() as i64 > q.limit {
            cards.truncate(q.limit as usize);
            cards.last().map(|c| c.id.to_string())
        } else {
            None
        };
        for c in &mut cards {
            c.card = mask_card(&c.card);
            c.replaced_by = c.replaced_by.as_deref().map(mask_card);
        }
        Ok(CardPage { rows: cards, next })
    }

    /// How many cards match a query's filters (its cursor and limit are ignored).
    pub async fn card_count(&self, actor: &Actor, q: &CardQuery) -> Result<i64> {
        actor.require(Permission::ReadCards)?;
        let sql = self.card_filter(actor, q).await?;
        let text = format!("SELECT COUNT(*) FROM cards c{}", sql.text);
        let mut query = sqlx::query_scalar::<_, i64>(&text);
        for p in sql.params {
            query = query.bind(p);
        }
        Ok(query.fetch_one(&self.db().pool).await?)
    }

    /// Every change of a card, oldest first, with its balance after.
    pub async fn card_history(&self, actor: &Actor, card: &CardNumber) -> Result<Vec<Activity>> {
        let info = self.card_show(actor, card).await?;
        let rows: Vec<(i64, String, i64, i64, Option<i64>, String, i64, String)> = sqlx::query_as(
            "SELECT seq, kind, amount, balance_after, entry_id, actor, at, note \
             FROM card_activities WHERE card_id = $1 ORDER BY seq",
        )
        .bind(info.id)
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

    /// The payments of a card (newest first), or one payment by id.
    pub async fn payment_list(
        &self,
        actor: &Actor,
        card: Option<&CardNumber>,
        payment_id: Option<i64>,
    ) -> Result<Vec<PaymentInfo>> {
        actor.require(Permission::ReadCards)?;
        let (cond, key) = match (card, payment_id) {
            (_, Some(id)) => ("p.id = CAST($1 AS BIGINT)", id.to_string()),
            (Some(c), None) => {
                let info = self.card_show(actor, c).await?;
                // Through the card's history (keyed by card): every purchase writes its
                // activity with its entry in the same transaction (migration 0010).
                (
                    "p.entry_id IN (SELECT a.entry_id FROM card_activities a \
                     WHERE a.card_id = CAST($1 AS BIGINT) AND a.kind = 'purchase')",
                    info.id.to_string(),
                )
            }
            (None, None) => return Err(Error::new("usage", "find payments by card number or by payment id")),
        };
        let sql = format!(
            "SELECT p.id, c.number, p.merchant_id, m.name, p.amount, p.refunded, p.medium, \
             p.created_at, p.entry_id, \
             (SELECT COUNT(*) FROM journal_entries r WHERE r.reverses = p.entry_id), m.mall \
             FROM payments p JOIN cards c ON c.id = p.card_id \
             JOIN merchants m ON m.id = p.merchant_id WHERE {cond} \
             ORDER BY p.created_at DESC, p.id DESC LIMIT 200"
        );
        let rows = sqlx::query(&sql).bind(key).fetch_all(&self.db().pool).await?;
        let visible = self.visible_malls(actor).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mall: String = row.try_get(10)?;
            if visible.as_ref().is_some_and(|v| !v.contains(&mall)) {
                continue;
            }
            let amount: i64 = row.try_get(4)?;
            let refunded: i64 = row.try_get(5)?;
            let reversed: i64 = row.try_get(9)?;
            let medium: String = row.try_get(6)?;
            out.push(PaymentInfo {
                payment_id: row.try_get(0)?,
                card: mask_card(&row.try_get::<String, _>(1)?),
                merchant: row.try_get(2)?,
                merchant_name: row.try_get(3)?,
                amount: Money::from_fen(amount),
                refunded: Money::from_fen(refunded),
                refundable: Money::from_fen(if reversed > 0 { 0 } else { amount - refunded }),
                medium: Medium::parse(&medium)?,
                at: format_micros(row.try_get(7)?),
                entry_id: row.try_get(8)?,
            });
        }
        if out.is_empty() && payment_id.is_some() {
            return Err(Error::new("payment_not_found", "no such payment"));
        }
        Ok(out)
    }

    /// Writes the numbers of the cards a batch sale issued (they go to the buyer, so in full;
    /// the export is audited) to `dir`, named after the reference.
    pub async fn export_batch(
        &self,
        actor: &Actor,
        reference: &str,
        format: crate::export::ExportFormat,
        dir: &std::path::Path,
    ) -> Result<crate::export::Exported> {
        use crate::export::{Cell, Table};
        actor.require(Permission::IssueCards)?;
        let rows: Vec<(String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT c.number, c.card_type, a.balance, c.expires_on FROM cards c \
             JOIN accounts a ON a.id = c.account_id WHERE c.issue_ref = $1 ORDER BY c.id",
        )
        .bind(reference)
        .fetch_all(&self.db().pool)
        .await?;
        if rows.is_empty() {
            return Err(Error::new("batch_not_found", format!("no batch sale with reference {reference:?}")));
        }
        self.audit_read(actor, "card.batch_export", reference).await?;
        let table = Table {
            title: "cards".into(),
            headers: ["card", "type", "balance", "expires_on"].map(String::from).to_vec(),
            rows: rows
                .into_iter()
                .map(|(n, t, b, e)| {
                    vec![
                        Cell::Text(n),
                        Cell::Text(t),
                        Cell::Money(Money::from_fen(b)),
                        Cell::Text(e.unwrap_or_default()),
                    ]
                })
                .collect(),
        };
        let safe: String =
            reference.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        let path = dir.join(format!("onecard-batch-{safe}.{}", format.extension()));
        crate::export::write(&table, format, &path)
    }

    /// A fresh signed QR code for a virtual card (valid 60 s, single use), drawn as SVG.
    pub async fn card_qr(&self, actor: &Actor, card: &CardNumber) -> Result<QrCode> {
        let info = self.card_show(actor, card).await?;
        if info.card_type != CardType::Virtual {
            return Err(Error::new("qr_not_available", "only virtual cards show a QR code"));
        }
        let now = self.clock().now_micros();
        let payload = self.pii()?.qr_payload(card.as_str(), now / 1_000_000, &crate::crypto::new_qr_nonce());
        let svg = qrcode::QrCode::new(payload.as_bytes())
            .map_err(|e| Error::internal(format!("QR encoding failed: {e}")))?
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build();
        Ok(QrCode {
            card: card.as_str().to_string(),
            payload,
            svg,
            expires_at: format_micros(now + QR_TTL_SECONDS * 1_000_000),
            ttl_seconds: QR_TTL_SECONDS,
        })
    }

    /// The card a scanned QR payload stands for, after checking its signature and freshness
    /// (whether it was already used is checked when it pays).
    pub async fn card_from_qr(&self, actor: &Actor, payload: &str) -> Result<CardInfo> {
        actor.require(Permission::ReadCards)?;
        let token = self.pii()?.qr_verify(payload)?;
        let now = self.clock().now_micros() / 1_000_000;
        if now - token.issued_unix > QR_TTL_SECONDS {
            return Err(Error::new("qr_expired", "the QR code has expired; refresh it on the phone"));
        }
        let card = CardNumber::parse(&token.card)?;
        self.card_show(actor, &card).await
    }
}
