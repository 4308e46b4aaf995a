//! The first screen's figures.

use onecard::overview::Overview;
use tauri::State;

use crate::{AppState, CommandError};

/// Today's top-ups, purchases, refunds and the cards outstanding.
#[tauri::command(rename_all = "snake_case")]
pub async fn overview(state: State<'_, AppState>) -> Result<Overview, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.overview(&actor).await?)
}
