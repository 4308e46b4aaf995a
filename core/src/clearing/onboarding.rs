//! Merchant onboarding: applied -> submitted -> approved / rejected -> contracted -> active, then
//! suspended / active, and terminated once nothing is left to settle. Each transition is a
//! `merchant_events` row (who, why) and a chained audit record.

use serde_json::{json, Value};

use super::auth::{require, require_checker, require_merchant, Act, MerchantScope};
use super::{check_bps, check_credit_code, ClearingOp, Credentials};
use crate::auth::Actor;
use crate::engine::{Batch, Op, V};
use crate::error::{Error, Result};
use crate::types::{Category, Role};
use crate::{Core, MerchantAddRequest};

/// A merchant as onboarding reads it.
#[derive(Debug, Clone)]
pub(crate) struct MerchantRow {
    pub scope: MerchantScope,
    pub status: String,
    pub account_id: i64,
    pub settlement_account: Option<String>,
}

impl Batch<'_> {
    /// Runs a clearing-center op.
    pub(crate) async fn clearing(&mut self, op: &ClearingOp, actor: &Actor) -> Result<Value> {
        match op {
            ClearingOp::Apply { mall, name, category, manager } => {
                self.merchant_apply(mall, name, *category, manager.clone(), actor).await
            }
            ClearingOp::Submit { merchant, credentials } => self.merchant_submit(*merchant, credentials, actor).await,
            ClearingOp::Review { merchant, approve, reason } => {
                self.merchant_review(*merchant, *approve, reason, actor).await
            }
            ClearingOp::Contract { merchant, fee_bps, settlement_account, start } => {
                self.merchant_contract(*merchant, *fee_bps, settlement_account.clone(), *start, actor).await
            }
            ClearingOp::Status { merchant, to, reason } => self.merchant_status(*merchant, to, reason, actor).await,
            ClearingOp::Add { req, fee_bps, manager } => {
                if actor.role != Role::Admin {
                    return Err(Error::new("forbidden", "the one-step merchant add is for administrators"));
                }
                if let Some(m) = manager {
                    self.manager_exists(m).await?;
                }
                self.merchant_add(req, *fee_bps, manager.clone(), actor).await
            }
            ClearingOp::FeeRule { category, bps, from, to } => {
                self.fee_rule_set(*category, *bps, *from, *to, actor).await
            }
            ClearingOp::FeeAdjust { kind, key, bps } => self.fee_adjust(kind, key, *bps, actor).await,
            ClearingOp::Setting { name, value } => self.clearing_setting(name, value, actor).await,
            ClearingOp::Settle { day } => self.settle(*day, actor).await,
            ClearingOp::PayoutMark { batch, merchant, paid } => self.payout_mark(*batch, *merchant, *paid, actor).await,
            ClearingOp::ReserveImport { name, hash, rows } => self.reserve_import(name, hash, rows, actor).await,
            ClearingOp::ChannelImport { name, hash, rows } => self.channel_import(name, hash, rows, actor).await,
            ClearingOp::ChannelReconcile { day } => self.channel_reconcile(*day, actor).await,
            ClearingOp::ChannelResolve { id, note } => self.channel_resolve(*id, note, actor).await,
            ClearingOp::Complaint { merchant, kind, note } => self.complaint(*merchant, kind, note, actor).await,
            ClearingOp::Rating { month } => self.rating_run(*month, actor).await,
        }
    }

    /// Queues one onboarding transition.
    pub(crate) fn merchant_event(&mut self, id: i64, from: &str, to: &str, actor: &Actor, why: &str) -> Result<()> {
        let eid = self.next_id("misc")?;
        self.push(
            "merchant_events",
            vec![
                V::I(eid),
                V::I(id),
                V::T(from.into()),
                V::T(to.into()),
                V::T(actor.user.clone()),
                V::T(why.into()),
                V::I(self.now),
            ],
        );
        Ok(())
    }

    async fn manager_exists(&mut self, name: &str) -> Result<()> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *self.tx)
            .await?;
        if n == 0 {
            return Err(Error::new("unknown_user", format!("no user {name:?} to be the account manager")));
        }
        Ok(())
    }

    /// The merchant as onboarding needs it (`merchant_not_found`).
    pub(crate) async fn merchant_row(&mut self, id: i64) -> Result<MerchantRow> {
        let row: Option<(String, String, String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT m.mall, r.region, m.account_manager, m.status, m.account_id, m.settlement_account \
             FROM merchants m JOIN malls r ON r.code = m.mall WHERE m.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        let (mall, region, manager, status, account_id, settlement_account) =
            row.ok_or_else(|| Error::new("merchant_not_found", format!("no merchant {id}")))?;
        Ok(MerchantRow { scope: MerchantScope { id, mall, region, manager }, status, account_id, settlement_account })
    }

    async fn merchant_apply(
        &mut self,
        mall: &str,
        name: &str,
        category: Category,
        manager: Option<String>,
        actor: &Actor,
    ) -> Result<Value> {
        crate::engine::check_name(name)?;
        let manager = manager.unwrap_or_else(|| actor.user.clone());
        let region = self.mall_region(mall).await?;
        let scope = MerchantScope { id: 0, mall: mall.into(), region: region.clone(), manager: manager.clone() };
        require_merchant(actor, Act::Onboard, &scope)?;
        self.manager_exists(&manager).await?;
        let id = self.next_id("misc")?;
        let account_id = self.new_account("merchant_payable", id.to_string(), -1)?;
        self.push(
            "merchants",
            vec![
                V::I(id),
                V::T(mall.into()),
                V::T(name.into()),
                V::T(category.as_str().into()),
                V::I(0),
                V::I(account_id),
                V::I(self.now),
                V::T("applied".into()),
                V::T(manager.clone()),
                V::NI(None),
            ],
        );
        self.merchant_event(id, "", "applied", actor, "")?;
        self.audit(actor, "merchant.apply", &id.to_string(), name)?;
        Ok(json!({"merchant": id, "mall": mall, "name": name, "category": category, "status": "applied",
                  "account_manager": manager}))
    }

    fn wrong_state(m: &MerchantRow, want: &str) -> Error {
        Error::new(
            "invalid_merchant_state",
            format!("merchant {} is {}; this step needs it {want}", m.scope.id, m.status),
        )
    }

    async fn merchant_submit(&mut self, id: i64, c: &Credentials, actor: &Actor) -> Result<Value> {
        let m = self.merchant_row(id).await?;
        require_merchant(actor, Act::Onboard, &m.scope)?;
        if !matches!(m.status.as_str(), "applied" | "rejected") {
            return Err(Self::wrong_state(&m, "applied or rejected"));
        }
        check_credit_code(&c.credit_code)?;
        for (what, v) in [
            ("brand authorization reference", &c.brand_auth),
            ("contact", &c.contact),
            ("settlement account", &c.settlement_account),
        ] {
            if v.trim().is_empty() || v.chars().count() > 128 || v.chars().any(char::is_control) {
                return Err(Error::new("invalid_credentials", format!("the {what} is required (1-128 characters)")));
            }
        }
        sqlx::query(
            "UPDATE merchants SET status = 'submitted', credit_code = $1, brand_auth = $2, contact = $3, \
             settlement_account = $4 WHERE id = $5",
        )
        .bind(c.credit_code.clone())
        .bind(c.brand_auth.clone())
        .bind(c.contact.clone())
        .bind(c.settlement_account.clone())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        self.merchant_event(id, &m.status, "submitted", actor, "")?;
        self.audit(actor, "merchant.submit", &id.to_string(), &c.credit_code)?;
        Ok(json!({"merchant": id, "status": "submitted"}))
    }

    async fn merchant_review(&mut self, id: i64, approve: bool, reason: &str, actor: &Actor) -> Result<Value> {
        let m = self.merchant_row(id).await?;
        require_merchant(actor, Act::Review, &m.scope)?;
        require_checker(actor, &m.scope)?;
        if m.status != "submitted" {
            return Err(Self::wrong_state(&m, "submitted"));
        }
        if !approve && reason.trim().is_empty() {
            return Err(Error::new("reason_required", "a rejection needs a reason"));
        }
        let to = if approve { "approved" } else { "rejected" };
        self.set_status(id, to, None).await?;
        self.merchant_event(id, &m.status, to, actor, reason)?;
        self.audit(
            actor,
            &format!("merchant.{}", if approve { "approve" } else { "reject" }),
            &id.to_string(),
            reason,
        )?;
        Ok(json!({"merchant": id, "status": to, "reason": reason}))
    }

    async fn set_status(&mut self, id: i64, status: &str, active: Option<bool>) -> Result<()> {
        let active = active.unwrap_or(status == "active");
        sqlx::query("UPDATE merchants SET status = $1, active = $2 WHERE id = $3")
            .bind(status)
            .bind(i64::from(active))
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        if let Some(ms) = self.merchants.get_mut(&id) {
            ms.active = active;
        }
        Ok(())
    }

    async fn merchant_contract(
        &mut self,
        id: i64,
        fee_bps: Option<i64>,
        account: Option<String>,
        start: Option<chrono::NaiveDate>,
        actor: &Actor,
    ) -> Result<Value> {
        let m = self.merchant_row(id).await?;
        require_merchant(actor, Act::Onboard, &m.scope)?;
        if let Some(b) = fee_bps {
            check_bps(b)?;
        }
        let first = m.status == "approved";
        if !first && !matches!(m.status.as_str(), "contracted" | "active" | "suspended") {
            return Err(Self::wrong_state(&m, "approved (or already contracted)"));
        }
        let account = account.or(m.settlement_account.clone()).filter(|a| !a.trim().is_empty()).ok_or_else(|| {
            Error::new("settlement_account_required", "a contract needs the merchant's settlement bank account")
        })?;
        let start = start.unwrap_or(self.today);
        sqlx::query(
            "UPDATE merchants SET fee_bps = COALESCE($1, fee_bps), settlement_account = $2, contract_start = $3, \
             status = $4 WHERE id = $5",
        )
        .bind(fee_bps)
        .bind(account.clone())
        .bind(start.to_string())
        .bind(if first { "contracted".to_string() } else { m.status.clone() })
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        if let (Some(ms), Some(b)) = (self.merchants.get_mut(&id), fee_bps) {
            ms.fee_bps = Some(b);
        }
        let to = if first { "contracted" } else { m.status.as_str() };
        let why = format!("fee_bps={} account={account} start={start}", fee_bps.map_or("-".into(), |b| b.to_string()));
        self.merchant_event(id, &m.status, to, actor, &why)?;
        self.audit(actor, "merchant.contract", &id.to_string(), &why)?;
        Ok(json!({"merchant": id, "status": to, "fee_bps": fee_bps, "settlement_account": account,
                  "contract_start": start.to_string()}))
    }

    async fn merchant_status(&mut self, id: i64, to: &str, reason: &str, actor: &Actor) -> Result<Value> {
        let m = self.merchant_row(id).await?;
        let act = if to == "terminated" { Act::Terminate } else { Act::Onboard };
        require_merchant(actor, act, &m.scope)?;
        let ok = match to {
            "active" => matches!(m.status.as_str(), "contracted" | "suspended"),
            "suspended" => m.status == "active",
            "terminated" => m.status != "terminated",
            _ => return Err(Error::new("invalid_merchant_state", format!("unknown merchant status {to:?}"))),
        };
        if !ok {
            return Err(Self::wrong_state(
                &m,
                match to {
                    "active" => "contracted or suspended",
                    "suspended" => "active",
                    _ => "not terminated",
                },
            ));
        }
        if to != "active" && reason.trim().is_empty() {
            return Err(Error::new("reason_required", format!("{to} needs a reason")));
        }
        if to == "terminated" {
            // Nothing left to settle: no payable balance (unsettled sales, carried debts) and
            // no payout still on its way to the bank.
            let balance: i64 = sqlx::query_scalar("SELECT balance FROM accounts WHERE id = $1")
                .bind(m.account_id)
                .fetch_one(&mut *self.tx)
                .await?;
            let pending: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM settlement_lines WHERE merchant_id = $1 AND status = 'pending'",
            )
            .bind(id)
            .fetch_one(&mut *self.tx)
            .await?;
            if balance != 0 || pending > 0 {
                return Err(Error::new(
                    "unsettled_balance",
                    format!(
                        "merchant {id} still has {} to settle and {pending} payout(s) pending; settle and pay first",
                        crate::money::Money::from_fen(balance)
                    ),
                ));
            }
        }
        self.set_status(id, to, None).await?;
        self.merchant_event(id, &m.status, to, actor, reason)?;
        self.audit(actor, &format!("merchant.{to}"), &id.to_string(), reason)?;
        Ok(json!({"merchant": id, "status": to, "reason": reason}))
    }

    async fn complaint(&mut self, id: i64, kind: &str, note: &str, actor: &Actor) -> Result<Value> {
        let m = self.merchant_row(id).await?;
        require_merchant(actor, Act::Complaint, &m.scope)?;
        if !matches!(kind, "complaint" | "dispute") {
            return Err(Error::new("invalid_argument", "a complaint kind is complaint or dispute"));
        }
        if note.trim().is_empty() {
            return Err(Error::new("reason_required", "a complaint needs a note"));
        }
        let cid = self.next_id("misc")?;
        sqlx::query("INSERT INTO complaints (id, merchant_id, kind, note, actor, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(cid)
            .bind(id)
            .bind(kind)
            .bind(note)
            .bind(actor.user.clone())
            .bind(self.now)
            .execute(&mut *self.tx)
            .await?;
        self.audit(actor, &format!("merchant.{kind}"), &id.to_string(), note)?;
        Ok(json!({"complaint": cid, "merchant": id, "kind": kind}))
    }
}

/// The contract rate changes among a merchant's onboarding events (`merchant contract` and the
/// one-step add record `fee_bps=N` or `fee_bps=-` for "unchanged" in the event's reason), oldest
/// first, each with the rate in force after it. `current` is the merchant's rate now: it stands in
/// for the rate of a last change recorded before events carried it.
pub(crate) fn contract_history(events: &[(String, String, String, String, i64)], current: Option<i64>) -> Vec<Value> {
    let changes: Vec<(&(String, String, String, String, i64), Option<Option<i64>>)> = events
        .iter()
        .filter(|(_, to, _, reason, _)| reason.contains("fee_bps=") || to == "contracted")
        .map(|e| {
            let token = e.3.split(|c: char| c.is_whitespace() || c == ';').find_map(|w| w.strip_prefix("fee_bps="));
            // Some(Some(n)): set to n; Some(None): unchanged ("-"); None: not recorded.
            let parsed = token.map(|t| t.parse::<i64>().ok());
            (e, parsed)
        })
        .collect();
    let mut rate: Option<i64> = None;
    let last = changes.len().saturating_sub(1);
    changes
        .into_iter()
        .enumerate()
        .map(|(i, ((_, to, actor, reason, at), parsed))| {
            rate = match parsed {
                Some(Some(b)) => Some(b),
                Some(None) => rate,
                None if i == last => current,
                None => rate,
            };
            let field = |k: &str| {
                reason
                    .split(|c: char| c.is_whitespace() || c == ';')
                    .find_map(|w| w.strip_prefix(k))
                    .map(str::to_string)
            };
            json!({"at": crate::clock::format_micros(*at), "actor": actor, "status": to,
                   "fee_bps": rate, "changed": matches!(parsed, Some(Some(_))),
                   "start": field("start="), "account": field("account=")})
        })
        .collect()
}

/// Reads of merchants and the onboarding API.
impl Core {
    /// Runs a clearing-center op through the engine.
    pub async fn clearing_op(&self, actor: &Actor, op: ClearingOp) -> Result<Value> {
        match self.submit(actor, Op::Clearing(op)).await? {
            crate::engine::Outcome::Json(v) => Ok(v),
            o => Err(Error::internal(format!("unexpected outcome {o:?}"))),
        }
    }

    /// Adds an active merchant in one step with an optional contract rate and account manager.
    pub async fn merchant_add_full(
        &self,
        actor: &Actor,
        req: MerchantAddRequest,
        fee_bps: Option<i64>,
        manager: Option<String>,
    ) -> Result<Value> {
        self.clearing_op(actor, ClearingOp::Add { req, fee_bps, manager }).await
    }

    /// Merchants the actor may see, with status, manager, contract rate and grade.
    pub async fn merchant_directory(&self, actor: &Actor, status: Option<&str>) -> Result<Value> {
        require(actor, Act::ReadMerchant)?;
        let rows: Vec<(i64, String, String, String, String, String, String, Option<i64>, Option<String>)> =
            sqlx::query_as(
                "SELECT m.id, m.mall, r.region, m.name, m.category, m.status, m.account_manager, m.fee_bps, \
                 m.grade FROM merchants m JOIN malls r ON r.code = m.mall ORDER BY m.id",
            )
            .fetch_all(&self.db().pool)
            .await?;
        let out: Vec<Value> = rows
            .into_iter()
            .filter(|(id, mall, region, _, _, st, manager, _, _)| {
                status.is_none_or(|s| s == st)
                    && super::auth::require_merchant(
                        actor,
                        Act::ReadMerchant,
                        &MerchantScope {
                            id: *id,
                            mall: mall.clone(),
                            region: region.clone(),
                            manager: manager.clone(),
                        },
                    )
                    .is_ok()
            })
            .map(|(id, mall, region, name, category, status, manager, fee_bps, grade)| {
                json!({"merchant": id, "mall": mall, "region": region, "name": name, "category": category,
                       "status": status, "account_manager": manager, "fee_bps": fee_bps, "grade": grade})
            })
            .collect();
        Ok(json!({"merchants": out, "count": out.len()}))
    }

    /// One merchant with its onboarding history (`merchant_not_found`, `forbidden`).
    pub async fn merchant_show(&self, actor: &Actor, id: i64) -> Result<Value> {
        let scope = self.merchant_scope(id).await?;
        require_merchant(actor, Act::ReadMerchant, &scope)?;
        let row: (String, String, String, Option<i64>, Option<String>, Option<String>, Option<String>, Option<String>) =
            sqlx::query_as(
                "SELECT name, category, status, fee_bps, credit_code, settlement_account, contract_start, grade \
                 FROM merchants WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&self.db().pool)
            .await?;
        let events: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT from_status, to_status, actor, reason, at FROM merchant_events WHERE merchant_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.db().pool)
        .await?;
        let contracts = contract_history(&events, row.3);
        let events: Vec<Value> = events
            .into_iter()
            .map(|(f, t, a, r, at)| {
                json!({"from": f, "to": t, "actor": a, "reason": r, "at": crate::clock::format_micros(at)})
            })
            .collect();
        let fee_history = self.fee_history(id, &row.1, contracts).await?;
        let ratings = self.rating_history(id).await?;
        Ok(json!({"merchant": id, "mall": scope.mall, "region": scope.region, "account_manager": scope.manager,
                  "name": row.0, "category": row.1, "status": row.2, "fee_bps": row.3, "credit_code": row.4,
                  "settlement_account": row.5, "contract_start": row.6, "grade": row.7, "events": events,
                  "fee_history": fee_history, "ratings": ratings}))
    }

    /// A merchant's fee history: its contract rate changes, its category's base and promotional
    /// rules (the rules a purchase falls back to or is overridden by), and the rates that really
    /// applied, per month and rate, from the `fee_bps` stored with each purchase (the record of
    /// what was charged; later rule changes never rewrite it).
    async fn fee_history(&self, id: i64, category: &str, contracts: Vec<Value>) -> Result<Value> {
        let pool = &self.db().pool;
        let rules: Vec<(i64, i64, Option<String>, Option<String>, i64, String)> = sqlx::query_as(
            "SELECT id, bps, valid_from, valid_to, created_at, created_by FROM fee_rules WHERE category = $1 \
             ORDER BY id",
        )
        .bind(category)
        .fetch_all(pool)
        .await?;
        let rules: Vec<Value> = rules
            .into_iter()
            .map(|(rule, bps, from, to, at, by)| {
                let kind = if from.is_some() || to.is_some() { "promotional" } else { "base" };
                json!({"rule": rule, "kind": kind, "bps": bps, "from": from, "to": to,
                       "at": crate::clock::format_micros(at), "by": by})
            })
            .collect();
        // Per Shanghai day (integer micros shifted by +8 h, whole days) and rate, then folded
        // into months here: the same integer arithmetic on SQLite and PostgreSQL, and at most a
        // few rows per day however many purchases the merchant took.
        let days: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT (created_at + 28800000000) / 86400000000, fee_bps, COUNT(*), CAST(SUM(amount) AS BIGINT), \
             CAST(SUM(fee) AS BIGINT) FROM payments WHERE merchant_id = $1 GROUP BY 1, 2",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let mut months: std::collections::BTreeMap<(String, i64), (i64, i64, i64)> = Default::default();
        for (day, bps, n, amount, fee) in days {
            let d = epoch + chrono::Duration::days(day);
            let e = months.entry((d.format("%Y-%m").to_string(), bps)).or_default();
            e.0 += n;
            e.1 += amount;
            e.2 += fee;
        }
        let mf = crate::money::Money::from_fen;
        let applied: Vec<Value> = months
            .into_iter()
            .rev()
            .map(|((month, bps), (n, amount, fee))| {
                json!({"month": month, "fee_bps": bps, "purchases": n, "amount": mf(amount), "fees": mf(fee)})
            })
            .collect();
        Ok(json!({"contracts": contracts, "category_rules": rules, "applied": applied}))
    }

    /// A merchant's monthly ratings, newest first.
    async fn rating_history(&self, id: i64) -> Result<Vec<Value>> {
        let rows: Vec<(String, i64, i64, i64, i64, i64, i64, String, i64, i64)> = sqlx::query_as(
            "SELECT month, sales, returns, complaints, disputes, checkout, score, grade, watch, support \
             FROM merchant_ratings WHERE merchant_id = $1 ORDER BY month DESC",
        )
        .bind(id)
        .fetch_all(&self.db().pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(month, sales, returns, complaints, disputes, checkout, score, grade, watch, support)| {
                json!({"month": month, "score": score, "grade": grade, "watch": watch != 0, "support": support != 0,
                       "sales": sales, "returns": returns, "complaints": complaints, "disputes": disputes,
                       "checkout": checkout})
            })
            .collect())
    }

    pub(crate) async fn merchant_scope(&self, id: i64) -> Result<MerchantScope> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT m.mall, r.region, m.account_manager FROM merchants m JOIN malls r ON r.code = m.mall \
             WHERE m.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.db().pool)
        .await?;
        let (mall, region, manager) =
            row.ok_or_else(|| Error::new("merchant_not_found", format!("no merchant {id}")))?;
        Ok(MerchantScope { id, mall, region, manager })
    }
}
