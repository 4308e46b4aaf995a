//! Members: the real people behind registered cards. Their personal data is stored only
//! encrypted; the console finds them by phone or ID number through keyed blind indexes, shows
//! them masked, and every such search is audited (it is a read of personal data).

use serde::{Deserialize, Serialize};

use crate::auth::{Actor, Permission};
use crate::card_number::CardNumber;
use crate::engine::{Op, Outcome};
use crate::error::{Error, Result};
use crate::types::{IdNumber, Phone};
use crate::{CardInfo, Core};

/// A member as the console shows it (masked).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberInfo {
    /// Member id.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// Name, masked.
    pub name: String,
    /// Mobile number, masked.
    pub phone: String,
    /// ID number, masked.
    pub id_number: String,
    /// When the member was created (RFC 3339).
    pub created_at: String,
    /// The member's cards (numbers masked).
    pub cards: Vec<CardInfo>,
}

impl Core {
    /// Finds members by mobile number or ID number (exact, through the blind index).
    pub async fn member_search(
        &self,
        actor: &Actor,
        phone: Option<&str>,
        id_number: Option<&str>,
    ) -> Result<Vec<MemberInfo>> {
        actor.require(Permission::ReadMembers)?;
        let pii = self.pii()?;
        let (col, bidx, what) = match (phone.filter(|p| !p.is_empty()), id_number.filter(|i| !i.is_empty())) {
            (Some(p), _) => {
                let p = Phone::parse(p)?;
                ("phone_bidx", pii.blind_index("phone", p.as_str()), format!("phone {}", p.masked()))
            }
            (None, Some(i)) => {
                let i = IdNumber::parse(i)?;
                ("id_number_bidx", pii.blind_index("id_number", i.as_str()), format!("id {}", i.masked()))
            }
            (None, None) => return Err(Error::new("usage", "search members by mobile number or ID number")),
        };
        self.audit_read(actor, "member.search", &what).await?;
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(&format!(
            "SELECT id, name_masked, phone_masked, id_number_enc, created_at FROM members \
             WHERE {col} = $1 ORDER BY id"
        ))
        .bind(bidx)
        .fetch_all(&self.db().pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, name, phone, id_enc, created_at) in rows {
            let id_number = pii.decrypt(&id_enc, &format!("member:{id}:id_number"))?;
            let numbers: Vec<String> = sqlx::query_scalar("SELECT number FROM cards WHERE member_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(&self.db().pool)
                .await?;
            let mut cards = Vec::with_capacity(numbers.len());
            for n in numbers {
                match self.card_show(actor, &CardNumber::parse(&n)?).await {
                    Ok(mut c) => {
                        c.card = crate::card_number::mask_card(&c.card);
                        cards.push(c);
                    }
                    // A card of a mall outside the actor's scope stays hidden.
                    Err(e) if e.code == "forbidden" => {}
                    Err(e) => return Err(e),
                }
            }
            out.push(MemberInfo {
                id,
                name,
                phone,
                id_number: IdNumber::parse(&id_number).map(|i| i.masked()).unwrap_or_default(),
                created_at: crate::clock::format_micros(created_at),
                cards,
            });
        }
        Ok(out)
    }

    /// Binds an anonymous card to a member: it becomes registered (real-name), takes the
    /// registered card's cap and no longer expires.
    pub async fn member_bind_card(&self, actor: &Actor, member: i64, card: &CardNumber) -> Result<CardInfo> {
        actor.require(Permission::ServiceCards)?;
        match self.submit(actor, Op::BindCard { member, card: card.clone() }).await? {
            Outcome::Card(c) => Ok(c),
            o => Err(Error::internal(format!("unexpected outcome {o:?}"))),
        }
    }

    /// Records a read of personal data in the chained audit log.
    pub(crate) async fn audit_read(&self, actor: &Actor, action: &str, subject: &str) -> Result<()> {
        self.submit(actor, Op::Audit { action: action.to_string(), subject: subject.to_string() }).await.map(|_| ())
    }
}
