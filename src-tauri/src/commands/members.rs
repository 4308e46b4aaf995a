//! Members: search through the blind index, bind a card.

use onecard::card_number::CardNumber;
use onecard::members::MemberInfo;
use onecard::CardInfo;
use tauri::State;

use crate::{AppState, CommandError};

/// Members with this mobile or ID number.
#[tauri::command(rename_all = "snake_case")]
pub async fn member_search(
    state: State<'_, AppState>,
    phone: Option<String>,
    id_number: Option<String>,
) -> Result<Vec<MemberInfo>, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.member_search(&actor, phone.as_deref(), id_number.as_deref()).await?)
}

/// Binds an anonymous card to a member.
#[tauri::command(rename_all = "snake_case")]
pub async fn member_bind_card(state: State<'_, AppState>, member: i64, card: String) -> Result<CardInfo, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.member_bind_card(&actor, member, &CardNumber::parse(&card)?).await?)
}
