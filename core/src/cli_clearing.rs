//! The CLI of merchants and the clearing center (see `onecard --help`). Dates accept
//! `yesterday` and `today` (Asia/Shanghai, by the core's clock), so the nightly cron line is
//! `onecard settle --date yesterday`.

use std::path::PathBuf;

use serde_json::Value;

use crate::auth::Actor;
use crate::clearing::{parse_day, parse_month, ClearingOp, Credentials};
use crate::cli::{int, usage, Args};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::types::Category;
use crate::{Core, MerchantAddRequest};

fn bps(s: &str) -> Result<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    let v = int(digits, "--bps")
        .map_err(|_| Error::new("invalid_fee_rate", format!("--bps must be a whole number, got {s:?}")))?;
    Ok(if neg { -v } else { v })
}

/// Runs one top-level command of the clearing center.
pub(crate) async fn run(core: &Core, actor: &Actor, cmd: &str, a: &mut Args) -> Result<Value> {
    let clock = core.clock();
    match cmd {
        "merchant" => merchant(core, actor, a).await,
        "fee-rule" => match a.word("fee-rule subcommand")?.as_str() {
            "set" => {
                let category = Category::parse(&a.need("--category")?)?;
                let b = bps(&a.need("--bps")?)?;
                let from = a.take("--from").map(|d| parse_day(&d, clock)).transpose()?;
                let to = a.take("--to").map(|d| parse_day(&d, clock)).transpose()?;
                a.done()?;
                core.clearing_op(actor, ClearingOp::FeeRule { category, bps: b, from, to }).await
            }
            "adjust" => {
                let (kind, key) = if let Some(g) = a.take("--grade") {
                    ("grade", g)
                } else if let Some(v) = a.take("--volume-from") {
                    ("volume", Money::parse_allow_zero(&v)?.fen().to_string())
                } else if a.switch("--support") {
                    ("support", "plan".to_string())
                } else {
                    return Err(usage("fee-rule adjust needs --grade G, --volume-from AMOUNT or --support"));
                };
                let b = if a.switch("--remove") { None } else { Some(bps(&a.need("--bps")?)?) };
                a.done()?;
                core.clearing_op(actor, ClearingOp::FeeAdjust { kind: kind.into(), key, bps: b }).await
            }
            "split" => {
                let v = a.need("--issuer-bps")?;
                a.done()?;
                core.clearing_op(actor, ClearingOp::Setting { name: "fee_issuer_bps".into(), value: v }).await
            }
            "list" => {
                a.done()?;
                core.fee_rules(actor).await
            }
            s => Err(usage(format!("unknown fee-rule subcommand {s:?}"))),
        },
        "settle" => {
            // `--date D` settles one day (the nightly cron line, unchanged); `--from D --to D`
            // (either may be left out: the day after the last batch, yesterday) catches up a
            // range, each day its own batch.
            if let Some(d) = a.take("--date") {
                let day = parse_day(&d, clock)?;
                a.done()?;
                return Ok(serde_json::to_value(core.settle(actor, day).await?).unwrap_or(Value::Null));
            }
            let from = a.take("--from").map(|d| parse_day(&d, clock)).transpose()?;
            let to = a.take("--to").map(|d| parse_day(&d, clock)).transpose()?;
            if from.is_none() && to.is_none() {
                return Err(usage("settle needs --date D, or --from D and/or --to D"));
            }
            a.done()?;
            Ok(serde_json::to_value(core.settle_range(actor, from, to, None).await?).unwrap_or(Value::Null))
        }
        "settlement" => match a.word("settlement subcommand")?.as_str() {
            "show" => {
                let day = parse_day(&a.need("--date")?, clock)?;
                a.done()?;
                core.settlement_show(actor, day).await
            }
            s => Err(usage(format!("unknown settlement subcommand {s:?}"))),
        },
        "statement" => {
            let merchant = int(&a.need("--merchant")?, "--merchant")?;
            let month = a.take("--month").map(|m| parse_month(&m)).transpose()?;
            let day = if month.is_none() { Some(parse_day(&a.need("--date")?, clock)?) } else { None };
            let format = a.need("--format")?;
            let out = PathBuf::from(a.need("--out")?);
            a.done()?;
            match (month, day) {
                (Some(m), _) => core.statement_month(actor, merchant, m, &format, &out).await,
                (None, Some(d)) => core.statement(actor, merchant, d, &format, &out).await,
                _ => Err(usage("statement needs --date D or --month YYYY-MM")),
            }
        }
        "payout" => match a.word("payout subcommand")?.as_str() {
            "file" => {
                let day = parse_day(&a.need("--date")?, clock)?;
                let out = PathBuf::from(a.need("--out")?);
                a.done()?;
                core.payout_file(actor, day, &out).await
            }
            "mark" => {
                let batch = int(&a.word("BATCH")?, "BATCH")?;
                let merchant = int(&a.word("MERCHANT")?, "MERCHANT")?;
                let paid = match a.word("paid|returned")?.as_str() {
                    "paid" => true,
                    "returned" => false,
                    s => return Err(usage(format!("payout mark BATCH MERCHANT paid|returned, got {s:?}"))),
                };
                a.done()?;
                core.payout_mark(actor, batch, merchant, paid).await
            }
            s => Err(usage(format!("unknown payout subcommand {s:?}"))),
        },
        "reserve" => match a.word("reserve subcommand")?.as_str() {
            "import" => {
                let file = PathBuf::from(a.word("FILE")?);
                a.done()?;
                core.reserve_import(actor, &file).await
            }
            "reconcile" => {
                let day = parse_day(&a.need("--date")?, clock)?;
                a.done()?;
                core.reserve_reconcile(actor, day).await
            }
            "latest" => {
                a.done()?;
                core.reserve_latest(actor).await
            }
            s => Err(usage(format!("unknown reserve subcommand {s:?}"))),
        },
        "channel" => match a.word("channel subcommand")?.as_str() {
            "import" => {
                let channel = a.need("--channel")?;
                let file = PathBuf::from(a.word("FILE")?);
                a.done()?;
                core.channel_import(actor, &channel, &file).await
            }
            "reconcile" => {
                let day = parse_day(&a.need("--date")?, clock)?;
                a.done()?;
                core.clearing_op(actor, ClearingOp::ChannelReconcile { day }).await
            }
            "resolve" => {
                let id = int(&a.word("ID")?, "ID")?;
                let note = a.need("--note")?;
                a.done()?;
                core.clearing_op(actor, ClearingOp::ChannelResolve { id, note }).await
            }
            "drift" => {
                let v = a.need("--seconds")?;
                a.done()?;
                core.clearing_op(actor, ClearingOp::Setting { name: "channel_drift_seconds".into(), value: v }).await
            }
            s => Err(usage(format!("unknown channel subcommand {s:?}"))),
        },
        "complaint" => match a.word("complaint subcommand")?.as_str() {
            "add" => {
                let merchant = int(&a.need("--merchant")?, "--merchant")?;
                let note = a.need("--note")?;
                let kind = a.take("--kind").unwrap_or_else(|| "complaint".into());
                a.done()?;
                core.clearing_op(actor, ClearingOp::Complaint { merchant, kind, note }).await
            }
            s => Err(usage(format!("unknown complaint subcommand {s:?}"))),
        },
        "rating" => match a.word("rating subcommand")?.as_str() {
            "run" => {
                let month = parse_month(&a.need("--month")?)?;
                a.done()?;
                core.clearing_op(actor, ClearingOp::Rating { month }).await
            }
            "show" => {
                let month = parse_month(&a.need("--month")?)?;
                a.done()?;
                core.rating_show(actor, month).await
            }
            s => Err(usage(format!("unknown rating subcommand {s:?}"))),
        },
        "bench-settle" => {
            let payments = a.take("--payments").map(|s| int(&s, "--payments")).transpose()?.unwrap_or(1_000_000);
            let merchants = a.take("--merchants").map(|s| int(&s, "--merchants")).transpose()?.unwrap_or(2_000);
            a.done()?;
            let r = core.bench_settle(actor, payments as u64, merchants as u64).await?;
            Ok(serde_json::to_value(r).unwrap_or(Value::Null))
        }
        other => Err(usage(format!("unknown command {other:?}"))),
    }
}

async fn merchant(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    let sub = a.word("merchant subcommand")?;
    let id = |a: &mut Args| -> Result<i64> { int(&a.word("ID")?, "ID") };
    match sub.as_str() {
        "add" => {
            let req = MerchantAddRequest {
                mall: a.need("--mall")?,
                name: a.need("--name")?,
                category: Category::parse(&a.need("--category")?)?,
            };
            let fee_bps = a.take("--fee-bps").map(|s| bps(&s)).transpose()?;
            let manager = a.take("--manager");
            a.done()?;
            if fee_bps.is_none() && manager.is_none() {
                core.merchant_add(actor, req).await
            } else {
                core.merchant_add_full(actor, req, fee_bps, manager).await
            }
        }
        "apply" => {
            let op = ClearingOp::Apply {
                mall: a.need("--mall")?,
                name: a.need("--name")?,
                category: Category::parse(&a.need("--category")?)?,
                manager: a.take("--manager"),
            };
            a.done()?;
            core.clearing_op(actor, op).await
        }
        "submit" => {
            let merchant = id(a)?;
            let credentials = Credentials {
                credit_code: a.need("--credit-code")?,
                brand_auth: a.need("--brand-auth")?,
                contact: a.need("--contact")?,
                settlement_account: a.need("--account")?,
            };
            a.done()?;
            core.clearing_op(actor, ClearingOp::Submit { merchant, credentials }).await
        }
        "review" => {
            let merchant = id(a)?;
            let approve = match a.word("approve|reject")?.as_str() {
                "approve" => true,
                "reject" => false,
                s => return Err(usage(format!("merchant review ID approve|reject, got {s:?}"))),
            };
            let reason = a.take("--reason").unwrap_or_default();
            a.done()?;
            core.clearing_op(actor, ClearingOp::Review { merchant, approve, reason }).await
        }
        "contract" => {
            let merchant = id(a)?;
            let fee_bps = a.take("--fee-bps").map(|s| bps(&s)).transpose()?;
            let settlement_account = a.take("--account");
            let start = a.take("--start").map(|d| parse_day(&d, core.clock())).transpose()?;
            a.done()?;
            core.clearing_op(actor, ClearingOp::Contract { merchant, fee_bps, settlement_account, start }).await
        }
        "activate" | "suspend" | "terminate" => {
            let merchant = id(a)?;
            let reason = a.take("--reason").unwrap_or_default();
            a.done()?;
            let to = match sub.as_str() {
                "activate" => "active",
                "suspend" => "suspended",
                _ => "terminated",
            };
            core.clearing_op(actor, ClearingOp::Status { merchant, to: to.into(), reason }).await
        }
        "list" => {
            let status = a.take("--status");
            a.done()?;
            core.merchant_directory(actor, status.as_deref()).await
        }
        "show" => {
            let merchant = id(a)?;
            a.done()?;
            core.merchant_show(actor, merchant).await
        }
        s => Err(usage(format!("unknown merchant subcommand {s:?}"))),
    }
}
