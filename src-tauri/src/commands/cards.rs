//! Cards: the paged table, detail, history, issue, service actions, QR codes, batch sales.

use onecard::card_number::CardNumber;
use onecard::export::{ExportFormat, Exported};
use onecard::read::{Activity, CardPage, CardQuery, QrCode};
use onecard::{BatchIssueRequest, BatchIssued, CardActionRequest, CardChange, CardInfo, IssueRequest, JobProgress};
use tauri::ipc::Channel;
use tauri::State;

use crate::{AppState, CommandError};

/// A page of the card table.
#[tauri::command(rename_all = "snake_case")]
pub async fn card_list(state: State<'_, AppState>, query: CardQuery) -> Result<CardPage, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.card_list(&actor, &query).await?)
}

/// How many cards match the table's filters.
#[tauri::command(rename_all = "snake_case")]
pub async fn card_count(state: State<'_, AppState>, query: CardQuery) -> Result<i64, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.card_count(&actor, &query).await?)
}

/// A card's detail by id (full number).
#[tauri::command(rename_all = "snake_case")]
pub async fn card_get(state: State<'_, AppState>, id: i64) -> Result<CardInfo, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.card_get(&actor, id).await?)
}

/// A card's detail by number.
#[tauri::command(rename_all = "snake_case")]
pub async fn card_show(state: State<'_, AppState>, card: String) -> Result<CardInfo, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.card_show(&actor, &CardNumber::parse(&card)?).await?)
}

/// A card's activity timeline, oldest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn card_history(state: State<'_, AppState>, card: String) -> Result<Vec<Activity>, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.card_history(&actor, &CardNumber::parse(&card)?).await?)
}

/// Issues one card.
#[tauri::command(rename_all = "snake_case")]
pub async fn card_issue(state: State<'_, AppState>, request: IssueRequest) -> Result<CardInfo, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.issue_card(&actor, request).await?)
}

/// Freeze, unfreeze, report loss, replace, close (redeem) or extend a card.
#[tauri::command(rename_all = "snake_case")]
pub async fn card_action(state: State<'_, AppState>, request: CardActionRequest) -> Result<CardChange, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.card_action(&actor, request).await?)
}

/// A fresh QR code of a virtual card.
#[tauri::command(rename_all = "snake_case")]
pub async fn card_qr(state: State<'_, AppState>, card: String) -> Result<QrCode, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.card_qr(&actor, &CardNumber::parse(&card)?).await?)
}

/// Sells a batch of anonymous cards, reporting progress on `on_progress`; `job_cancel(job)`
/// before it commits leaves nothing written.
#[tauri::command(rename_all = "snake_case")]
pub async fn batch_issue(
    state: State<'_, AppState>,
    request: BatchIssueRequest,
    job: String,
    on_progress: Channel<JobProgress>,
) -> Result<BatchIssued, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let control = super::progress_control(on_progress);
    state.start_job(&job, control.clone());
    let result = core.batch_issue_with(&actor, request, Some(control)).await;
    state.end_job(&job);
    Ok(result?)
}

/// Cancels a job, also one whose command has not registered it yet (it starts cancelled);
/// true when it was running.
#[tauri::command(rename_all = "snake_case")]
pub fn job_cancel(state: State<'_, AppState>, job: String) -> bool {
    state.cancel_job(&job)
}

/// Writes the numbers of a batch sale into the user's Downloads folder.
#[tauri::command(rename_all = "snake_case")]
pub async fn batch_export(
    state: State<'_, AppState>,
    reference: String,
    format: ExportFormat,
) -> Result<Exported, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let dir = dirs::download_dir()
        .or_else(dirs::home_dir)
        .ok_or_else(|| CommandError::new("export_failed", "no Downloads folder to write to"))?;
    Ok(core.export_batch(&actor, &reference, format, &dir).await?)
}
