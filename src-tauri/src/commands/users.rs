//! User administration (administrators only; the core checks).

use onecard::{UserAddRequest, UserInfo};
use tauri::State;

use crate::{AppState, CommandError};

/// Every user.
#[tauri::command(rename_all = "snake_case")]
pub async fn user_list(state: State<'_, AppState>) -> Result<Vec<UserInfo>, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.user_list(&actor).await?)
}

/// Adds a user.
#[tauri::command(rename_all = "snake_case")]
pub async fn user_add(state: State<'_, AppState>, request: UserAddRequest) -> Result<UserInfo, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.user_add(&actor, request).await?)
}

/// Sets a user's password.
#[tauri::command(rename_all = "snake_case")]
pub async fn user_set_password(state: State<'_, AppState>, name: String, password: String) -> Result<(), CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.user_set_password(&actor, &name, &password).await?)
}

/// Locks a user.
#[tauri::command(rename_all = "snake_case")]
pub async fn user_lock(state: State<'_, AppState>, name: String) -> Result<UserInfo, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.user_lock(&actor, &name, true).await?)
}

/// Unlocks a user (also clears a lock after failed sign-ins).
#[tauri::command(rename_all = "snake_case")]
pub async fn user_unlock(state: State<'_, AppState>, name: String) -> Result<UserInfo, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.user_lock(&actor, &name, false).await?)
}
