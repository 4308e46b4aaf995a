//! Merchants and the clearing center: onboarding, settlement, statements, reconciliation,
//! rating. Each command is a few lines over one core call; answers are the core's JSON (the same
//! shapes the `onecard` CLI prints, documented in the README).

use onecard::clearing::{parse_day, parse_month, ClearingOp, Credentials};
use onecard::types::Category;
use onecard::JobProgress;
use serde_json::Value;
use tauri::ipc::Channel;
use tauri::State;

use crate::{AppState, CommandError};

/// Merchants the signed-in user may see (optionally in one onboarding status).
#[tauri::command(rename_all = "snake_case")]
pub async fn merchant_directory(state: State<'_, AppState>, status: Option<String>) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.merchant_directory(&actor, status.as_deref().filter(|s| !s.is_empty())).await?)
}

/// One merchant with its onboarding history.
#[tauri::command(rename_all = "snake_case")]
pub async fn merchant_show(state: State<'_, AppState>, merchant: i64) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.merchant_show(&actor, merchant).await?)
}

/// A new merchant application.
#[tauri::command(rename_all = "snake_case")]
pub async fn merchant_apply(
    state: State<'_, AppState>,
    mall: String,
    name: String,
    category: String,
    manager: Option<String>,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let op = ClearingOp::Apply { mall, name, category: Category::parse(&category)?, manager };
    Ok(core.clearing_op(&actor, op).await?)
}

/// Submits a merchant's credentials for review.
#[tauri::command(rename_all = "snake_case")]
pub async fn merchant_submit(
    state: State<'_, AppState>,
    merchant: i64,
    credit_code: String,
    brand_auth: String,
    contact: String,
    settlement_account: String,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let credentials = Credentials { credit_code, brand_auth, contact, settlement_account };
    Ok(core.clearing_op(&actor, ClearingOp::Submit { merchant, credentials }).await?)
}

/// Approves or rejects a submitted merchant (never by its own account manager).
#[tauri::command(rename_all = "snake_case")]
pub async fn merchant_review(
    state: State<'_, AppState>,
    merchant: i64,
    approve: bool,
    reason: String,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.clearing_op(&actor, ClearingOp::Review { merchant, approve, reason }).await?)
}

/// Signs or changes a merchant's contract.
#[tauri::command(rename_all = "snake_case")]
pub async fn merchant_contract(
    state: State<'_, AppState>,
    merchant: i64,
    fee_bps: Option<i64>,
    settlement_account: Option<String>,
    start: Option<String>,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let start = start.filter(|s| !s.is_empty()).map(|s| parse_day(&s, core.clock())).transpose()?;
    let op = ClearingOp::Contract { merchant, fee_bps, settlement_account, start };
    Ok(core.clearing_op(&actor, op).await?)
}

/// Activates, suspends or terminates a merchant.
#[tauri::command(rename_all = "snake_case")]
pub async fn merchant_set_status(
    state: State<'_, AppState>,
    merchant: i64,
    to: String,
    reason: String,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.clearing_op(&actor, ClearingOp::Status { merchant, to, reason }).await?)
}

/// Settles a business day (replayed when already settled).
#[tauri::command(rename_all = "snake_case")]
pub async fn settle(state: State<'_, AppState>, date: String) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let day = parse_day(&date, core.clock())?;
    let s = core.settle(&actor, day).await?;
    Ok(serde_json::to_value(s).unwrap_or(Value::Null))
}

/// Settles every unsettled business day from `from` through `to` (empty: the day after the last
/// batch, yesterday), each day its own batch, reporting progress per day on `on_progress`.
/// `job_cancel(job)` stops it between days: the days settled stay settled (`cancelled: true`).
#[tauri::command(rename_all = "snake_case")]
pub async fn settle_range(
    state: State<'_, AppState>,
    from: Option<String>,
    to: Option<String>,
    job: String,
    on_progress: Channel<JobProgress>,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let day = |d: Option<String>| d.filter(|s| !s.is_empty()).map(|s| parse_day(&s, core.clock())).transpose();
    let (from, to) = (day(from)?, day(to)?);
    let control = super::progress_control(on_progress);
    state.start_job(&job, control.clone());
    let result = core.settle_range(&actor, from, to, Some(control)).await;
    state.end_job(&job);
    Ok(serde_json::to_value(result?).unwrap_or(Value::Null))
}

/// The reconciliation of the latest custody statement (null when none was imported): what the
/// overview's reserve card shows.
#[tauri::command(rename_all = "snake_case")]
pub async fn reserve_latest(state: State<'_, AppState>) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.reserve_latest(&actor).await?)
}

/// The lines and totals of a day's batch.
#[tauri::command(rename_all = "snake_case")]
pub async fn settlement_show(state: State<'_, AppState>, date: String) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let day = parse_day(&date, core.clock())?;
    Ok(core.settlement_show(&actor, day).await?)
}

/// Writes a merchant's statement of a day (xlsx, csv or pdf) to `path`.
#[tauri::command(rename_all = "snake_case")]
pub async fn statement_export(
    state: State<'_, AppState>,
    merchant: i64,
    date: String,
    format: String,
    path: String,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let day = parse_day(&date, core.clock())?;
    Ok(core.statement(&actor, merchant, day, &format, std::path::Path::new(&path)).await?)
}

/// Marks a payout paid or returned by the bank.
#[tauri::command(rename_all = "snake_case")]
pub async fn payout_mark(
    state: State<'_, AppState>,
    batch: i64,
    merchant: i64,
    paid: bool,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.payout_mark(&actor, batch, merchant, paid).await?)
}

/// Custody vs ledger on a day: coverage, alert, differences.
#[tauri::command(rename_all = "snake_case")]
pub async fn reserve_reconcile(state: State<'_, AppState>, date: String) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let day = parse_day(&date, core.clock())?;
    Ok(core.reserve_reconcile(&actor, day).await?)
}

/// Matches a day's channel lines against top-ups; lists the exceptions.
#[tauri::command(rename_all = "snake_case")]
pub async fn channel_reconcile(state: State<'_, AppState>, date: String) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let day = parse_day(&date, core.clock())?;
    Ok(core.clearing_op(&actor, ClearingOp::ChannelReconcile { day }).await?)
}

/// Resolves a channel exception with a note.
#[tauri::command(rename_all = "snake_case")]
pub async fn channel_resolve(state: State<'_, AppState>, id: i64, note: String) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.clearing_op(&actor, ClearingOp::ChannelResolve { id, note }).await?)
}

/// Runs (or re-runs) a month's rating.
#[tauri::command(rename_all = "snake_case")]
pub async fn rating_run(state: State<'_, AppState>, month: String) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.clearing_op(&actor, ClearingOp::Rating { month: parse_month(&month)? }).await?)
}

/// A month's stored rating (grades, watch list, support plan).
#[tauri::command(rename_all = "snake_case")]
pub async fn rating_show(state: State<'_, AppState>, month: String) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.rating_show(&actor, parse_month(&month)?).await?)
}
