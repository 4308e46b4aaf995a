//! The counter's money movements: top-ups, purchases, refunds. The request carries the
//! idempotency reference the UI made for the submission, so a retry never moves money twice.

use onecard::card_number::CardNumber;
use onecard::{CardInfo, Movement, PayRequest, PaymentInfo, RefundRequest, TopUpRequest};
use tauri::State;

use crate::{AppState, CommandError};

/// Tops up a card.
#[tauri::command(rename_all = "snake_case")]
pub async fn top_up(state: State<'_, AppState>, request: TopUpRequest) -> Result<Movement, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.top_up(&actor, request).await?)
}

/// Takes a card payment at a merchant.
#[tauri::command(rename_all = "snake_case")]
pub async fn pay(state: State<'_, AppState>, request: PayRequest) -> Result<Movement, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.pay(&actor, request).await?)
}

/// Refunds (part of) a payment to its card.
#[tauri::command(rename_all = "snake_case")]
pub async fn refund(state: State<'_, AppState>, request: RefundRequest) -> Result<Movement, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.refund(&actor, request).await?)
}

/// The card behind a scanned QR payload.
#[tauri::command(rename_all = "snake_case")]
pub async fn card_from_qr(state: State<'_, AppState>, payload: String) -> Result<CardInfo, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.card_from_qr(&actor, &payload).await?)
}

/// A card's payments, or one payment.
#[tauri::command(rename_all = "snake_case")]
pub async fn payment_list(
    state: State<'_, AppState>,
    card: Option<String>,
    payment_id: Option<i64>,
) -> Result<Vec<PaymentInfo>, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let card = card.filter(|c| !c.is_empty()).map(|c| CardNumber::parse(&c)).transpose()?;
    Ok(core.payment_list(&actor, card.as_ref(), payment_id).await?)
}
