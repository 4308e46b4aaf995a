//! What each write job does: the rules of DOMAIN.md checked against the batch's state, then the
//! journal entry, rows and audit records it produces. A function here either refuses before it
//! touches the batch, or writes everything it means to; nothing in between.

use serde::{de::DeserializeOwned, Serialize};

use super::batch::{Batch, CardSt, PaySt, V};
use super::{
    BatchIssueRequest, BatchIssued, CardAction, CardActionRequest, CardChange, IssueRequest, MallAddRequest,
    MerchantAddRequest, Movement, Op, Outcome, PayRequest, RefundRequest, ReverseRequest, TopUpRequest,
    TransferRequest,
};
use crate::auth::{Actor, Permission};
use crate::card_number::{mask_card, CardNumber};
use crate::crypto::{sm3_hex, Pii};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::types::{CardStatus, Channel, Funding, HolderName, IdNumber, PayerType, Phone};

/// The issuer identification number every card number starts with.
pub(crate) const IIN: &str = "990088";

impl Batch<'_> {
    /// Runs one job.
    pub async fn apply(&mut self, op: &Op, actor: &Actor) -> Result<Outcome> {
        // Same reference + same request = the first answer, marked replayed; same reference +
        // another request = `conflict`. Checked in the transaction that writes the movement.
        macro_rules! idempotent {
            ($kind:expr, $reference:expr, $request:expr, $run:expr, $wrap:path) => {{
                let reference: &str = $reference;
                match self.check_idempotency($kind, reference, $request)? {
                    Idem::Replay(stored) => Ok($wrap(replay(&stored)?)),
                    Idem::New(hash) => {
                        let res = $run.await?;
                        let response = serde_json::to_string(&res).map_err(Error::internal)?;
                        self.remember($kind, reference, hash, response);
                        Ok($wrap(res))
                    }
                }
            }};
        }
        match op {
            Op::TopUp(r) => {
                actor.require(Permission::TopUp)?;
                idempotent!("topup", &r.reference, r, self.top_up(r, actor), Outcome::Movement)
            }
            Op::Pay(r) => {
                actor.require(Permission::Pay)?;
                idempotent!("pay", &r.reference, r, self.pay(r, actor), Outcome::Movement)
            }
            Op::Refund(r) => {
                actor.require(Permission::Refund)?;
                idempotent!("refund", &r.reference, r, self.refund(r, actor), Outcome::Movement)
            }
            Op::Transfer(r) => {
                actor.require(Permission::Transfer)?;
                idempotent!("transfer", &r.reference, r, self.transfer(r, actor), Outcome::Movement)
            }
            Op::Reverse(r) => {
                actor.require(Permission::Reverse)?;
                idempotent!("reverse", &r.reference, r, self.reverse(r, actor), Outcome::Movement)
            }
            Op::Issue(r) => {
                actor.require(Permission::IssueCards)?;
                self.issue(r, actor).await.map(Outcome::Card)
            }
            Op::BatchIssue(r, ctl) => {
                actor.require(Permission::IssueCards)?;
                if let Some(c) = ctl {
                    c.check()?;
                    self.control = Some(c.clone());
                }
                idempotent!("batch_issue", &r.reference, r, self.batch_issue(r, actor), Outcome::Batch)
            }
            Op::Card(r) => {
                actor.require(Permission::ServiceCards)?;
                match r.idempotency_key() {
                    Some((kind, reference)) => {
                        let key = (r.card.as_str(), kind);
                        idempotent!(kind, &reference, &key, self.card_action(r, &reference, actor), Outcome::Change)
                    }
                    None => self.card_action(r, "", actor).await.map(Outcome::Change),
                }
            }
            Op::MallAdd(r) => {
                actor.require(Permission::ManageMalls)?;
                self.mall_add(r, actor).await.map(Outcome::Json)
            }
            Op::MerchantAdd(r) => {
                actor.require(Permission::ManageMalls)?;
                self.merchant_add(r, None, None, actor).await.map(Outcome::Json)
            }
            // Merchants and the clearing center check their own permissions (clearing/auth.rs).
            Op::Clearing(c) => self.clearing(c, actor).await.map(Outcome::Json),
            Op::User(u) => {
                // Setup and sign-in outcomes are recorded on the system's behalf by users.rs;
                // everything else is an administrator's act.
                if !matches!(u, super::UserOp::Setup { .. } | super::UserOp::LoginAttempt { .. }) {
                    actor.require(Permission::Administer)?;
                }
                self.user_op(u, actor).await.map(Outcome::Json)
            }
            Op::BindCard { member, card } => {
                actor.require(Permission::ServiceCards)?;
                self.bind_card(*member, card, actor).await.map(Outcome::Card)
            }
            Op::Audit { action, subject } => {
                self.audit(actor, action, subject, "")?;
                Ok(Outcome::Json(serde_json::Value::Null))
            }
            Op::RuleSet { name, value } => {
                actor.require(Permission::Administer)?;
                self.rule_set(name, value, actor).await.map(Outcome::Json)
            }
            Op::Analytics(op) => crate::analytics::apply(self, op, actor).await.map(Outcome::Json),
        }
    }

    fn check_idempotency<Req: Serialize>(&self, kind: &str, reference: &str, request: &Req) -> Result<Idem> {
        check_reference(reference)?;
        let body = serde_json::to_vec(&(kind, request)).map_err(Error::internal)?;
        let hash = sm3_hex(&body);
        match self.idem.get(&(kind.to_string(), reference.to_string())) {
            Some((stored_hash, _)) if *stored_hash != hash => Err(Error::new(
                "conflict",
                format!("reference {reference:?} was already used for a different {kind} request"),
            )),
            Some((_, response)) => Ok(Idem::Replay(response.clone())),
            None => Ok(Idem::New(hash)),
        }
    }

    fn usable(&self, c: &CardSt) -> Result<()> {
        let masked = mask_card(&c.number);
        match c.status.as_str() {
            "frozen" => return Err(Error::new("card_frozen", format!("card {masked} is frozen"))),
            "lost" => return Err(Error::new("card_lost", format!("card {masked} is reported lost"))),
            "closed" => return Err(Error::new("card_closed", format!("card {masked} is closed"))),
            _ => {}
        }
        if let Some(exp) = c.expires_on {
            if self.today > exp {
                return Err(Error::new(
                    "card_expired",
                    format!("card {masked} expired on {exp}; extend or replace it (the balance is kept)"),
                ));
            }
        }
        Ok(())
    }

    fn check_cap(&self, c: &CardSt, add: i64) -> Result<()> {
        let cap = self.rules.cap(c.registered);
        let after = self.balance(c.account_id) + add;
        if after > cap.fen() {
            return Err(Error::new(
                "balance_cap_exceeded",
                format!(
                    "balance would be {} but a {} card holds at most {cap}",
                    Money::from_fen(after),
                    if c.registered { "registered" } else { "anonymous" }
                ),
            ));
        }
        Ok(())
    }

    /// Funding rules of a sale or top-up of `total`: no credit, cash limits, and a bank
    /// transfer's payer must be the buyer.
    fn check_funding(
        &self,
        total: Money,
        channel: Channel,
        payer_type: PayerType,
        payer_name: Option<&str>,
        funding: Funding,
        buyer: Option<&str>,
    ) -> Result<()> {
        if funding == Funding::Credit && !self.rules.credit_funding_allowed {
            return Err(Error::new(
                "credit_funding_refused",
                "credit cards may not fund prepaid cards; pay by debit card, cash or transfer",
            ));
        }
        if channel == Channel::Cash {
            let limit = match payer_type {
                PayerType::Company => self.rules.cash_limit_company,
                PayerType::Person => self.rules.cash_limit_person,
            };
            if total >= limit {
                return Err(Error::new(
                    "cash_limit_exceeded",
                    format!(
                        "a {} may not pay {total} in cash (limit: under {limit}); use bank_transfer",
                        payer_type.as_str()
                    ),
                ));
            }
        }
        if channel == Channel::BankTransfer {
            let payer = payer_name.filter(|p| !p.is_empty()).ok_or_else(|| {
                Error::new("payer_mismatch", "a bank transfer needs the payer's account name (--payer-name)")
            })?;
            if let Some(buyer) = buyer {
                if payer != buyer {
                    return Err(Error::new(
                        "payer_mismatch",
                        "the payer's account name does not match the buyer's name",
                    ));
                }
            }
        }
        Ok(())
    }

    fn pii(&self) -> Result<&Pii> {
        // Say why the key is missing (no key file, a key from another database...): "set
        // ONECARD_KEY_FILE" is wrong advice when it is set to the wrong key.
        self.ctx.pii.as_deref().ok_or_else(|| {
            self.ctx.key_error.clone().unwrap_or_else(|| {
                Error::new(
                    "key_unavailable",
                    "personal data needs the data key: set ONECARD_KEY_FILE or unlock the OS keychain",
                )
            })
        })
    }

    async fn holder_name(&mut self, member_id: i64) -> Result<String> {
        let enc: String = sqlx::query_scalar("SELECT name_enc FROM members WHERE id = $1")
            .bind(member_id)
            .fetch_one(&mut *self.tx)
            .await?;
        self.pii()?.decrypt(&enc, &format!("member:{member_id}:name"))
    }

    async fn top_up(&mut self, r: &TopUpRequest, actor: &Actor) -> Result<Movement> {
        movement_amount(r.amount)?;
        let c = self.card(r.card.as_str()).await?;
        self.usable(&c)?;
        let holder = match (c.registered, r.channel, c.member_id) {
            (true, Channel::BankTransfer, Some(m)) => Some(self.holder_name(m).await?),
            _ => None,
        };
        self.check_funding(r.amount, r.channel, r.payer_type, r.payer_name.as_deref(), r.funding, holder.as_deref())?;
        self.check_cap(&c, r.amount.fen())?;
        let clearing = self.system_account("channel_clearing", r.channel.as_str())?;
        let a = r.amount.fen();
        let entry =
            self.add_entry("top_up", &r.reference, actor, "", None, vec![(clearing, a), (c.account_id, -a)], None)?;
        self.push(
            "topups",
            vec![
                V::I(entry),
                V::I(c.id),
                V::I(a),
                V::T(r.channel.as_str().into()),
                V::T(r.funding.as_str().into()),
                V::T(r.payer_type.as_str().into()),
                V::T(r.reference.clone()),
                V::I(self.now),
            ],
        );
        self.add_activity(&c, "top_up", a, Some(entry), actor, r.channel.as_str());
        Ok(self.movement(entry, &c, r.amount))
    }

    fn movement(&self, entry_id: i64, c: &CardSt, amount: Money) -> Movement {
        Movement {
            entry_id,
            card: c.number.clone(),
            amount,
            balance_after: Money::from_fen(self.balance(c.account_id)),
            replayed: false,
            payment_id: None,
            refund_id: None,
            merchant: None,
            to_card: None,
            to_balance_after: None,
            reverses: None,
        }
    }

    async fn pay(&mut self, r: &PayRequest, actor: &Actor) -> Result<Movement> {
        movement_amount(r.amount)?;
        let m = self.merchant(r.merchant).await?;
        actor.require_mall(&m.mall, &m.region)?;
        if !m.active {
            return Err(Error::new("merchant_inactive", format!("merchant {} does not accept payments", r.merchant)));
        }
        let c = self.card(r.card.as_str()).await?;
        self.usable(&c)?;
        if let Some(s) = r.checkout_seconds {
            if !(0..=86_400).contains(&s) {
                return Err(Error::new("invalid_checkout_seconds", "checkout seconds must be 0..=86400"));
            }
        }
        let nonce = match &r.qr_payload {
            Some(p) => Some(self.check_qr(p, &c).await?),
            None => None,
        };
        let a = r.amount.fen();
        if self.balance(c.account_id) < a {
            return Err(Error::new(
                "insufficient_funds",
                format!("card balance {} is less than {}", Money::from_fen(self.balance(c.account_id)), r.amount),
            ));
        }
        // The rate in force now is stored with the payment: a later rule change never rewrites it.
        let fee_bps = self.fee_bps_for(r.merchant, &m).await?;
        let fee = crate::clearing::fee_of(a, fee_bps);
        let payment_id = self.next_id("payment")?;
        let entry = self.add_entry(
            "purchase",
            &r.reference,
            actor,
            "",
            None,
            vec![(c.account_id, a), (m.account_id, -a)],
            Some((payment_id, a)),
        )?;
        self.add_payment(
            payment_id,
            PaySt {
                card_id: c.id,
                merchant_id: r.merchant,
                amount: a,
                refunded: 0,
                entry_id: entry,
                fee,
                fee_refunded: 0,
            },
            r.medium.as_str(),
            r.checkout_seconds,
            fee_bps,
        );
        if let Some(n) = nonce {
            self.use_qr(n, c.id);
        }
        self.add_activity(&c, "purchase", -a, Some(entry), actor, &format!("merchant {}", r.merchant));
        let mut mv = self.movement(entry, &c, r.amount);
        mv.payment_id = Some(payment_id);
        mv.merchant = Some(r.merchant);
        Ok(mv)
    }

    /// A QR payload must be ours (MAC), for this card, unexpired and unused.
    async fn check_qr(&mut self, payload: &str, c: &CardSt) -> Result<String> {
        let token = self.pii()?.qr_verify(payload)?;
        if token.card != c.number {
            return Err(Error::new("qr_invalid", "the QR code belongs to another card"));
        }
        let now = self.now / 1_000_000;
        if token.issued_unix > now + 5 {
            return Err(Error::new("qr_invalid", "the QR code was issued in the future"));
        }
        if now - token.issued_unix > crate::read::QR_TTL_SECONDS {
            return Err(Error::new("qr_expired", "the QR code has expired; refresh it on the phone"));
        }
        if self.qr_used(&token.nonce).await? {
            return Err(Error::new("qr_used", "this QR code was already used; refresh it on the phone"));
        }
        Ok(token.nonce)
    }

    /// The card a refund goes to: the paying card, or the card that replaced it.
    async fn live_card(&mut self, card_id: i64) -> Result<CardSt> {
        let mut c = self.card_by_id(card_id).await?;
        for _ in 0..32 {
            match c.replaced_by {
                Some(next) if c.status == "closed" => c = self.card_by_id(next).await?,
                _ => break,
            }
        }
        Ok(c)
    }

    async fn refund(&mut self, r: &RefundRequest, actor: &Actor) -> Result<Movement> {
        movement_amount(r.amount)?;
        let p = self.payment(r.payment_id).await?;
        if self.is_reversed(p.entry_id).await? {
            return Err(Error::new("payment_reversed", format!("payment {} was reversed", r.payment_id)));
        }
        let a = r.amount.fen();
        if p.refunded + a > p.amount {
            return Err(Error::new(
                "refund_exceeds_purchase",
                format!(
                    "payment {} was {}, already refunded {}; at most {} more",
                    r.payment_id,
                    Money::from_fen(p.amount),
                    Money::from_fen(p.refunded),
                    Money::from_fen(p.amount - p.refunded)
                ),
            ));
        }
        let m = self.merchant(p.merchant_id).await?;
        actor.require_mall(&m.mall, &m.region)?;
        // Goods bought with the card are refunded to the card (rule 5), never in cash, and the
        // card's cap (rule 1) holds for refunds too: a card topped up since the purchase must be
        // spent down first. (Reversals, finance's corrections of errors, restore the books
        // exactly and are not capped.)
        let c = self.live_card(p.card_id).await?;
        self.usable(&c)?;
        self.check_cap(&c, a)?;
        // The proportional fee goes back; the refund that completes the purchase returns whatever
        // is left, so a fully refunded purchase costs the merchant nothing.
        let fee_back = crate::clearing::refund_fee(p.amount, p.fee, p.refunded, p.fee_refunded, a);
        let refund_id = self.next_id("payment")?;
        let entry = self.add_entry(
            "refund",
            &r.reference,
            actor,
            "",
            None,
            vec![(m.account_id, a), (c.account_id, -a)],
            Some((r.payment_id, a)),
        )?;
        self.set_entry_fee(entry, fee_back);
        self.push(
            "refunds",
            vec![V::I(refund_id), V::I(r.payment_id), V::I(a), V::I(entry), V::I(self.now), V::I(fee_back)],
        );
        self.add_refunded(r.payment_id, a, fee_back);
        self.add_activity(&c, "refund", a, Some(entry), actor, &format!("payment {}", r.payment_id));
        let mut mv = self.movement(entry, &c, r.amount);
        mv.payment_id = Some(r.payment_id);
        mv.refund_id = Some(refund_id);
        Ok(mv)
    }

    async fn transfer(&mut self, r: &TransferRequest, actor: &Actor) -> Result<Movement> {
        movement_amount(r.amount)?;
        if r.from == r.to {
            return Err(Error::new("same_card", "a transfer needs two different cards"));
        }
        let from = self.card(r.from.as_str()).await?;
        let to = self.card(r.to.as_str()).await?;
        self.usable(&from)?;
        self.usable(&to)?;
        let a = r.amount.fen();
        if self.balance(from.account_id) < a {
            return Err(Error::new(
                "insufficient_funds",
                format!("card balance {} is less than {}", Money::from_fen(self.balance(from.account_id)), r.amount),
            ));
        }
        self.check_cap(&to, a)?;
        let entry = self.add_entry(
            "transfer",
            &r.reference,
            actor,
            "",
            None,
            vec![(from.account_id, a), (to.account_id, -a)],
            None,
        )?;
        self.add_activity(&from, "transfer_out", -a, Some(entry), actor, &mask_card(&to.number));
        self.add_activity(&to, "transfer_in", a, Some(entry), actor, &mask_card(&from.number));
        let mut mv = self.movement(entry, &from, r.amount);
        mv.to_card = Some(to.number.clone());
        mv.to_balance_after = Some(Money::from_fen(self.balance(to.account_id)));
        Ok(mv)
    }

    async fn reverse(&mut self, r: &ReverseRequest, actor: &Actor) -> Result<Movement> {
        if r.reason.trim().is_empty() {
            return Err(Error::new("reason_required", "a reversal needs a reason"));
        }
        let e = self.entry(r.entry_id).await?;
        if !matches!(e.kind.as_str(), "top_up" | "purchase" | "refund" | "transfer" | "issue_load") {
            return Err(Error::new(
                "not_reversible",
                format!("a {} entry cannot be reversed; correct it with a new operation", e.kind),
            ));
        }
        // Lock what the reversal reads and changes (the payment, then the cards, the order a
        // refund takes) before asking whether the entry was reversed or refunded: on PostgreSQL
        // a concurrent reversal commits while we wait for these locks, and only reads made after
        // the wait see it.
        if let Some((pid, _)) = e.payment {
            self.payment(pid).await?;
        }
        let accts: Vec<i64> = e.postings.iter().map(|(a, _)| *a).collect();
        self.load_accounts(&accts).await?;
        let mut cards = Vec::new();
        for a in &accts {
            let n: Option<String> = sqlx::query_scalar("SELECT number FROM cards WHERE account_id = $1")
                .bind(*a)
                .fetch_optional(&mut *self.tx)
                .await?;
            if let Some(n) = n {
                cards.push(self.card(&n).await?);
            }
        }
        if self.is_reversed(r.entry_id).await? {
            return Err(Error::new("already_reversed", format!("entry {} was already reversed", r.entry_id)));
        }
        if e.kind == "purchase" {
            if let Some((pid, _)) = e.payment {
                let p = self.payment(pid).await?;
                if p.refunded > 0 {
                    return Err(Error::new(
                        "payment_has_refunds",
                        format!("payment {pid} has refunds; reverse the refunds first"),
                    ));
                }
            }
        }
        let negated: Vec<(i64, i64)> = e.postings.iter().map(|(a, m)| (*a, -*m)).collect();
        for c in &cards {
            if c.status == "closed" {
                return Err(Error::new("card_closed", format!("card {} is closed", mask_card(&c.number))));
            }
            let change: i64 = negated.iter().filter(|(a, _)| *a == c.account_id).map(|(_, m)| -m).sum();
            if self.balance(c.account_id) + change < 0 {
                return Err(Error::new(
                    "insufficient_funds",
                    format!("reversing would overdraw card {}", mask_card(&c.number)),
                ));
            }
        }
        let entry =
            self.add_entry("reversal", &r.reference, actor, &r.reason, Some(r.entry_id), negated.clone(), None)?;
        if e.kind == "refund" {
            if let Some((pid, amt)) = e.payment {
                self.payment(pid).await?;
                self.add_refunded(pid, -amt, -e.fee);
            }
        }
        let change_of =
            |c: &CardSt| -> i64 { negated.iter().filter(|(a, _)| *a == c.account_id).map(|(_, m)| -m).sum() };
        // Report the cards as the reversed movement did: the card that paid (and now gets its
        // money back) first, a transfer's other card as `to_card`. Account-id order would name
        // whichever card happens to be older.
        cards.sort_by_key(|c| change_of(c) <= 0);
        for c in &cards {
            self.add_activity(c, "reversal", change_of(c), Some(entry), actor, &r.reason);
        }
        let c = cards.first().ok_or_else(|| Error::internal("reversible entry without a card"))?;
        let mut mv = self.movement(entry, c, Money::from_fen(change_of(c).abs()));
        mv.reverses = Some(r.entry_id);
        if let [_, to] = cards.as_slice() {
            mv.to_card = Some(to.number.clone());
            mv.to_balance_after = Some(Money::from_fen(self.balance(to.account_id)));
        }
        Ok(mv)
    }

    pub(crate) async fn mall_region(&mut self, code: &str) -> Result<String> {
        if let Some(r) = self.regions.get(code) {
            return Ok(r.clone());
        }
        let region: Option<String> = sqlx::query_scalar("SELECT region FROM malls WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *self.tx)
            .await?;
        let region = region.ok_or_else(|| Error::new("mall_not_found", format!("no mall {code:?}")))?;
        self.regions.insert(code.to_string(), region.clone());
        Ok(region)
    }

    /// Finds the member with this ID number, or creates one with encrypted personal data.
    async fn member(&mut self, name: &HolderName, id: &IdNumber, phone: &Phone) -> Result<i64> {
        let pii = self.pii()?.clone();
        let bidx = pii.blind_index("id_number", id.as_str());
        if let Some(m) = self.members.get(&bidx) {
            return Ok(*m);
        }
        let found: Option<i64> = if self.members_absent.contains(&bidx) {
            None
        } else {
            sqlx::query_scalar("SELECT id FROM members WHERE id_number_bidx = $1")
                .bind(bidx.clone())
                .fetch_optional(&mut *self.tx)
                .await?
        };
        let mid = match found {
            Some(m) => m,
            None => {
                let mid = self.next_id("misc")?;
                self.push(
                    "members",
                    vec![
                        V::I(mid),
                        V::T(pii.encrypt(name.as_str(), &format!("member:{mid}:name"))),
                        V::T(pii.encrypt(id.as_str(), &format!("member:{mid}:id_number"))),
                        V::T(pii.encrypt(phone.as_str(), &format!("member:{mid}:phone"))),
                        V::T(name.masked()),
                        V::T(phone.masked()),
                        V::T(bidx.clone()),
                        V::T(pii.blind_index("phone", phone.as_str())),
                        V::I(self.now),
                    ],
                );
                mid
            }
        };
        self.members.insert(bidx, mid);
        Ok(mid)
    }

    fn anonymous_expiry(&self) -> chrono::NaiveDate {
        crate::clock::add_years(self.today, self.rules.anonymous_validity_years)
    }

    fn new_card(
        &mut self,
        card_type: crate::types::CardType,
        registered: bool,
        member_id: Option<i64>,
        mall: Option<String>,
        issue_ref: Option<String>,
    ) -> Result<CardSt> {
        let id = self.next_id("card")?;
        let number = CardNumber::from_serial(IIN, id as u64).as_str().to_string();
        let account_id = self.new_account("card", number.clone(), -1)?;
        let c = CardSt {
            id,
            number,
            card_type,
            registered,
            member_id,
            mall,
            status: "active".into(),
            account_id,
            issued_at: self.now,
            expires_on: if registered { None } else { Some(self.anonymous_expiry()) },
            replaced_by: None,
        };
        self.add_card(c.clone(), issue_ref);
        Ok(c)
    }

    pub(crate) async fn issue(&mut self, r: &IssueRequest, actor: &Actor) -> Result<super::CardInfo> {
        if let Some(m) = &r.mall {
            let region = self.mall_region(m).await?;
            actor.require_mall(m, &region)?;
        }
        let member = match &r.holder {
            None => None,
            Some(h) => {
                if h.name.is_empty() || h.id_number.is_empty() || h.phone.is_empty() {
                    return Err(Error::new(
                        "real_name_required",
                        "a registered card needs the holder's name, ID number and mobile number",
                    ));
                }
                let name = HolderName::parse(&h.name)?;
                let id = IdNumber::parse(&h.id_number)?;
                let phone = Phone::parse(&h.phone)?;
                Some((self.member(&name, &id, &phone).await?, name, phone))
            }
        };
        let c = self.new_card(r.card_type, member.is_some(), member.as_ref().map(|m| m.0), r.mall.clone(), None)?;
        self.add_activity(&c, "issue", 0, None, actor, "");
        self.audit(actor, "card.issue", &mask_card(&c.number), c.card_type.as_str())?;
        Ok(self.card_info(&c, member.as_ref().map(|m| (m.1.masked(), m.2.masked()))))
    }

    pub(crate) fn card_info(&self, c: &CardSt, holder: Option<(String, String)>) -> super::CardInfo {
        let expired = c.status == "active" && c.expires_on.is_some_and(|e| self.today > e);
        super::CardInfo {
            id: c.id,
            card: c.number.clone(),
            card_type: c.card_type,
            registered: c.registered,
            status: if expired {
                CardStatus::Expired
            } else {
                CardStatus::parse(&c.status).unwrap_or(CardStatus::Active)
            },
            balance: Money::from_fen(self.balance(c.account_id)),
            expires_on: c.expires_on.map(|d| d.to_string()),
            mall: c.mall.clone(),
            holder: holder.as_ref().map(|h| h.0.clone()),
            phone: holder.map(|h| h.1),
            issued_at: crate::clock::format_micros(c.issued_at),
            replaced_by: None,
        }
    }

    async fn batch_issue(&mut self, r: &BatchIssueRequest, actor: &Actor) -> Result<BatchIssued> {
        if r.count == 0 || r.count > 10_000 {
            return Err(Error::new("invalid_count", "a batch issues 1 to 10,000 cards"));
        }
        if let Some(m) = &r.mall {
            let region = self.mall_region(m).await?;
            actor.require_mall(m, &region)?;
        }
        let cap = self.rules.balance_cap_anonymous;
        if r.face_value > cap {
            return Err(Error::new(
                "balance_cap_exceeded",
                format!("face value {} is above the anonymous card cap {cap}", r.face_value),
            ));
        }
        let total = r
            .face_value
            .checked_mul(i64::from(r.count))
            .filter(|t| *t <= Money::MAX)
            .ok_or_else(|| Error::new("invalid_amount", "the batch total is too large"))?;
        let buyer_name = r.buyer_name.as_deref().filter(|s| !s.is_empty());
        let buyer_id = r.buyer_id.as_deref().filter(|s| !s.is_empty());
        if let Some(n) = buyer_name {
            HolderName::parse(n)?;
        }
        if let Some(i) = buyer_id {
            IdNumber::parse(i)?;
        }
        if total >= self.rules.real_name_threshold && (buyer_name.is_none() || buyer_id.is_none()) {
            return Err(Error::new(
                "real_name_required",
                format!(
                    "an anonymous card purchase of {total} (from {} up) needs the buyer's real name and ID number",
                    self.rules.real_name_threshold
                ),
            ));
        }
        if !total.is_zero() {
            self.check_funding(total, r.channel, r.payer_type, r.payer_name.as_deref(), r.funding, buyer_name)?;
        }
        let mut cards = Vec::with_capacity(r.count as usize);
        for _ in 0..r.count {
            cards.push(self.new_card(r.card_type, false, None, r.mall.clone(), Some(r.reference.clone()))?);
        }
        let face = r.face_value.fen();
        let entry_id = if face > 0 {
            let clearing = self.system_account("channel_clearing", r.channel.as_str())?;
            let mut postings = vec![(clearing, total.fen())];
            postings.extend(cards.iter().map(|c| (c.account_id, -face)));
            let entry = self.add_entry("issue_load", &r.reference, actor, "", None, postings, None)?;
            for c in &cards {
                self.push(
                    "topups",
                    vec![
                        V::I(entry),
                        V::I(c.id),
                        V::I(face),
                        V::T(r.channel.as_str().into()),
                        V::T(r.funding.as_str().into()),
                        V::T(r.payer_type.as_str().into()),
                        V::T(r.reference.clone()),
                        V::I(self.now),
                    ],
                );
                self.add_activity(c, "issue_load", face, Some(entry), actor, &r.reference);
            }
            Some(entry)
        } else {
            for c in &cards {
                self.add_activity(c, "issue", 0, None, actor, &r.reference);
            }
            None
        };
        self.audit(actor, "card.batch_issue", &r.reference, &format!("{} x {}", r.count, r.face_value))?;
        Ok(BatchIssued {
            reference: r.reference.clone(),
            count: r.count,
            cards: cards.into_iter().map(|c| c.number).collect(),
            face_value: r.face_value,
            total,
            entry_id,
            replayed: false,
        })
    }

    async fn card_action(&mut self, r: &CardActionRequest, reference: &str, actor: &Actor) -> Result<CardChange> {
        let mut c = self.card(r.card.as_str()).await?;
        let masked = mask_card(&c.number);
        let reason = r.reason.clone().unwrap_or_default();
        if let Some(m) = &c.mall {
            let region = self.mall_region(m).await?;
            actor.require_mall(m, &region)?;
        }
        let closed = || Error::new("card_closed", format!("card {masked} is closed"));
        let mut change = CardChange {
            card: c.number.clone(),
            action: r.action,
            status: String::new(),
            balance: Money::ZERO,
            new_card: None,
            moved: Money::ZERO,
            entry_id: None,
            expires_on: None,
            replayed: false,
        };
        match r.action {
            CardAction::Freeze => match c.status.as_str() {
                "active" => c.status = "frozen".into(),
                "frozen" => return Err(Error::new("card_frozen", format!("card {masked} is already frozen"))),
                "lost" => return Err(Error::new("card_lost", format!("card {masked} is reported lost"))),
                _ => return Err(closed()),
            },
            CardAction::Unfreeze => match c.status.as_str() {
                "frozen" => c.status = "active".into(),
                "closed" => return Err(closed()),
                _ => return Err(Error::new("card_not_frozen", format!("card {masked} is not frozen"))),
            },
            CardAction::ReportLoss => {
                if !c.registered {
                    return Err(Error::new(
                        "loss_report_not_allowed",
                        "anonymous cards cannot be reported lost (no holder on record)",
                    ));
                }
                match c.status.as_str() {
                    "active" | "frozen" => c.status = "lost".into(),
                    "lost" => return Err(Error::new("card_lost", format!("card {masked} is already reported lost"))),
                    _ => return Err(closed()),
                }
            }
            CardAction::Extend => {
                if c.registered {
                    return Err(Error::new("extension_not_allowed", "registered cards do not expire"));
                }
                if c.status == "closed" {
                    return Err(closed());
                }
                let renewed = self.anonymous_expiry();
                c.expires_on = Some(c.expires_on.map_or(renewed, |e| e.max(renewed)));
            }
            CardAction::Replace => {
                match c.status.as_str() {
                    "closed" => return Err(closed()),
                    "frozen" => {
                        return Err(Error::new("card_frozen", format!("card {masked} is frozen; unfreeze it first")))
                    }
                    _ => {}
                }
                let n = self.new_card(c.card_type, c.registered, c.member_id, c.mall.clone(), None)?;
                let bal = self.balance(c.account_id);
                if bal > 0 {
                    let entry = self.add_entry(
                        "replace",
                        reference,
                        actor,
                        &reason,
                        None,
                        vec![(c.account_id, bal), (n.account_id, -bal)],
                        None,
                    )?;
                    change.entry_id = Some(entry);
                    self.add_activity(&n, "replace_in", bal, Some(entry), actor, &masked);
                    self.add_activity(&c, "replace_out", -bal, Some(entry), actor, &mask_card(&n.number));
                } else {
                    self.add_activity(&n, "issue", 0, None, actor, &masked);
                    self.add_activity(&c, "replace_out", 0, None, actor, &mask_card(&n.number));
                }
                change.moved = Money::from_fen(bal);
                change.new_card = Some(n.number.clone());
                c.status = "closed".into();
                c.replaced_by = Some(n.id);
            }
            CardAction::Close => {
                match c.status.as_str() {
                    "closed" => return Err(closed()),
                    "frozen" => {
                        return Err(Error::new("card_frozen", format!("card {masked} is frozen; unfreeze it first")))
                    }
                    _ => {}
                }
                let bal = self.balance(c.account_id);
                if bal > 0 {
                    if !c.registered {
                        return Err(Error::new(
                            "redemption_not_allowed",
                            "anonymous cards cannot be redeemed for cash; spend, transfer or replace",
                        ));
                    }
                    let since = crate::clock::business_day(c.issued_at);
                    let allowed = crate::clock::add_months(since, self.rules.redemption_min_months);
                    if self.today < allowed {
                        return Err(Error::new(
                            "redemption_not_allowed",
                            format!(
                                "a registered card can be redeemed from {allowed} ({} months after purchase)",
                                self.rules.redemption_min_months
                            ),
                        ));
                    }
                    let custody = self.system_account("reserve_custody", "issuer")?;
                    let entry = self.add_entry(
                        "redemption",
                        reference,
                        actor,
                        &reason,
                        None,
                        vec![(c.account_id, bal), (custody, -bal)],
                        None,
                    )?;
                    change.entry_id = Some(entry);
                    self.add_activity(&c, "redemption", -bal, Some(entry), actor, &reason);
                }
                change.moved = Money::from_fen(bal);
                c.status = "closed".into();
            }
        }
        if !matches!(r.action, CardAction::Replace | CardAction::Close) {
            self.add_activity(&c, r.action.as_str(), 0, None, actor, &reason);
        } else if change.entry_id.is_none() && r.action == CardAction::Close {
            self.add_activity(&c, "close", 0, None, actor, &reason);
        }
        self.update_card(c.clone());
        self.audit(actor, &format!("card.{}", r.action.as_str()), &masked, &reason)?;
        change.status = c.status.clone();
        change.balance = Money::from_fen(self.balance(c.account_id));
        change.expires_on = c.expires_on.map(|d| d.to_string());
        Ok(change)
    }

    async fn bind_card(&mut self, member: i64, card: &CardNumber, actor: &Actor) -> Result<super::CardInfo> {
        let mut c = self.card(card.as_str()).await?;
        let masked = mask_card(&c.number);
        if let Some(m) = &c.mall {
            let region = self.mall_region(m).await?;
            actor.require_mall(m, &region)?;
        }
        if c.registered {
            return Err(Error::new("card_registered", format!("card {masked} already has a holder")));
        }
        self.usable(&c)?;
        let holder: Option<(String, String)> =
            sqlx::query_as("SELECT name_masked, phone_masked FROM members WHERE id = $1")
                .bind(member)
                .fetch_optional(&mut *self.tx)
                .await?;
        let holder = holder.ok_or_else(|| Error::new("member_not_found", format!("no member {member}")))?;
        // A registered card's cap is the higher one, so the balance always fits; the card
        // stops expiring because registered cards have no validity limit.
        c.registered = true;
        c.member_id = Some(member);
        c.expires_on = None;
        self.update_card(c.clone());
        self.add_activity(&c, "bind", 0, None, actor, &format!("member {member}"));
        self.audit(actor, "card.bind", &masked, &format!("member {member}"))?;
        Ok(self.card_info(&c, Some(holder)))
    }

    async fn mall_add(&mut self, r: &MallAddRequest, actor: &Actor) -> Result<serde_json::Value> {
        check_code("mall code", &r.code)?;
        check_code("region", &r.region)?;
        check_name(&r.name)?;
        crate::analytics::modes::check_mall_add(r)?;
        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM malls WHERE code = $1")
            .bind(r.code.clone())
            .fetch_one(&mut *self.tx)
            .await?;
        if exists > 0 {
            return Err(Error::new("mall_exists", format!("mall {} already exists", r.code)));
        }
        let region_new: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM regions WHERE code = $1")
            .bind(r.region.clone())
            .fetch_one(&mut *self.tx)
            .await?;
        if region_new == 0 {
            sqlx::query("INSERT INTO regions (code, created_at) VALUES ($1, $2)")
                .bind(r.region.clone())
                .bind(self.now)
                .execute(&mut *self.tx)
                .await?;
            self.audit(actor, "region.add", &r.region, "")?;
        }
        sqlx::query("INSERT INTO malls (code, name, region, city_tier, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(r.code.clone())
            .bind(r.name.clone())
            .bind(r.region.clone())
            .bind(i64::from(r.city_tier.get()))
            .bind(self.now)
            .execute(&mut *self.tx)
            .await?;
        crate::analytics::modes::on_mall_add(self, r, actor).await?;
        self.audit(actor, "mall.add", &r.code, &r.name)?;
        Ok(serde_json::json!({
            "mall": r.code, "name": r.name, "region": r.region,
            "city_tier": r.city_tier.get(), "region_created": region_new == 0,
        }))
    }

    /// The one-step `merchant add` of administrators: an active merchant at once, with every
    /// onboarding step recorded as if it had been walked (applied .. active), so the merchant's
    /// history reads the same whichever way it was onboarded. `fee_bps` sets a contract rate.
    pub(crate) async fn merchant_add(
        &mut self,
        r: &MerchantAddRequest,
        fee_bps: Option<i64>,
        manager: Option<String>,
        actor: &Actor,
    ) -> Result<serde_json::Value> {
        check_name(&r.name)?;
        if let Some(b) = fee_bps {
            crate::clearing::check_bps(b)?;
        }
        let region = self.mall_region(&r.mall).await?;
        actor.require_mall(&r.mall, &region)?;
        let manager = manager.unwrap_or_else(|| actor.user.clone());
        let id = self.next_id("misc")?;
        let account_id = self.new_account("merchant_payable", id.to_string(), -1)?;
        self.push(
            "merchants",
            vec![
                V::I(id),
                V::T(r.mall.clone()),
                V::T(r.name.clone()),
                V::T(r.category.as_str().into()),
                V::I(1),
                V::I(account_id),
                V::I(self.now),
                V::T("active".into()),
                V::T(manager.clone()),
                V::NI(fee_bps),
            ],
        );
        self.merchants.insert(
            id,
            super::batch::MerchSt {
                mall: r.mall.clone(),
                region,
                active: true,
                account_id,
                category: r.category.as_str().into(),
                fee_bps,
                grade: None,
                support_month: None,
            },
        );
        let why = "one-step merchant add by an administrator";
        for (from, to) in [
            ("", "applied"),
            ("applied", "submitted"),
            ("submitted", "approved"),
            ("approved", "contracted"),
            ("contracted", "active"),
        ] {
            if to == "contracted" {
                // The contract step carries its rate like `merchant contract` does, so the
                // merchant's fee history (merchant_show) starts at the rate it was added with.
                let fee = fee_bps.map_or("-".into(), |b| b.to_string());
                self.merchant_event(id, from, to, actor, &format!("{why}; fee_bps={fee}"))?;
            } else {
                self.merchant_event(id, from, to, actor, why)?;
            }
        }
        self.audit(actor, "merchant.add", &id.to_string(), &r.name)?;
        Ok(serde_json::json!({
            "merchant": id, "mall": r.mall, "name": r.name, "category": r.category, "active": true,
            "status": "active", "account_manager": manager, "fee_bps": fee_bps,
        }))
    }

    async fn rule_set(&mut self, name: &str, value: &str, actor: &Actor) -> Result<serde_json::Value> {
        let mut rules = self.rules.clone();
        rules.set(name, value)?;
        let stored = rules.get(name).unwrap_or_default();
        sqlx::query(
            "INSERT INTO rules (name, value, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(name.to_string())
        .bind(stored.clone())
        .bind(self.now)
        .bind(actor.user.clone())
        .execute(&mut *self.tx)
        .await?;
        self.rules = rules;
        self.audit(actor, "rule.set", name, &stored)?;
        Ok(serde_json::json!({"rule": name, "value": stored}))
    }
}

enum Idem {
    /// Seen before with the same request: the stored answer.
    Replay(String),
    /// New: the request's hash, to store with the answer.
    New(String),
}

/// Answers that can be marked as replays of a stored answer.
pub(crate) trait Replayable: DeserializeOwned {
    fn mark_replayed(&mut self);
}

fn replay<T: Replayable>(stored: &str) -> Result<T> {
    let mut t: T = serde_json::from_str(stored).map_err(Error::internal)?;
    t.mark_replayed();
    Ok(t)
}

impl Replayable for Movement {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}
impl Replayable for BatchIssued {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}
impl Replayable for CardChange {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}

/// A money movement's amount: more than zero and at most [`Money::MAX`]. Parsed amounts always
/// are, but `Money::from_fen` and a deserialized zero can carry anything, and the core is the
/// last guard: a zero or negative amount would otherwise book an empty or inverted entry (a
/// negative transfer moves money the other way) and an oversized one overflows the cap check.
fn movement_amount(amount: Money) -> Result<i64> {
    if amount.fen() <= 0 || amount > Money::MAX {
        return Err(Error::new(
            "invalid_amount",
            format!("amount must be greater than zero and at most {}, got {amount}", Money::MAX),
        ));
    }
    Ok(amount.fen())
}

/// Idempotency references: 1..=128 printable ASCII characters without spaces.
fn check_reference(r: &str) -> Result<()> {
    if r.is_empty() || r.len() > 128 || !r.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::new(
            "invalid_reference",
            "a reference (--ref) is 1 to 128 printable ASCII characters without spaces",
        ));
    }
    Ok(())
}

pub(crate) fn check_code(what: &str, s: &str) -> Result<()> {
    if s.is_empty() || s.len() > 32 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(Error::new(
            "invalid_code",
            format!("{what} must be 1 to 32 letters, digits, '-' or '_', got {s:?}"),
        ));
    }
    Ok(())
}

pub(crate) fn check_name(s: &str) -> Result<()> {
    if s.trim().is_empty() || s.trim() != s || s.chars().count() > 64 || s.chars().any(char::is_control) {
        return Err(Error::new("invalid_name", "a name is 1 to 64 characters without leading/trailing spaces"));
    }
    Ok(())
}
