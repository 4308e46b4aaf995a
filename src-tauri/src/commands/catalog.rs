//! The lists forms pick from.

use onecard::catalog::{MallInfo, MerchantInfo};
use onecard::rules::Rules;
use tauri::State;

use crate::{AppState, CommandError};

/// Malls in the user's scope.
#[tauri::command(rename_all = "snake_case")]
pub async fn mall_list(state: State<'_, AppState>) -> Result<Vec<MallInfo>, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.mall_list(&actor).await?)
}

/// Merchants of a mall (or of every mall in scope).
#[tauri::command(rename_all = "snake_case")]
pub async fn merchant_list(
    state: State<'_, AppState>,
    mall: Option<String>,
) -> Result<Vec<MerchantInfo>, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.merchant_list(&actor, mall.as_deref()).await?)
}

/// The rules in force (caps, thresholds), for forms to explain themselves.
#[tauri::command(rename_all = "snake_case")]
pub async fn rules_get(state: State<'_, AppState>) -> Result<Rules, CommandError> {
    let (core, _) = state.signed_in().await?;
    Ok(core.rules().await?)
}
