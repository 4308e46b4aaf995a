//! Card commands.

use tauri::State;

use crate::{AppState, CommandError};

/// How many cards the database holds, every state included.
#[tauri::command]
pub async fn card_count(state: State<'_, AppState>) -> Result<i64, CommandError> {
    Ok(state.core()?.card_count().await?)
}
