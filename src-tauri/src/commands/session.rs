//! Sign-in, sign-out and what the login screen needs to know first.

use onecard::{AuthInfo, Session};
use serde::Serialize;
use tauri::State;

use super::database::{db_info_of, DbInfo};
use crate::{AppState, CommandError};

/// Everything the console shows before anyone signs in.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AuthStatus {
    /// Whether the database opened.
    pub db_ok: bool,
    /// Why it did not.
    pub db_error: Option<CommandError>,
    /// Which database (without a password).
    pub db: Option<DbInfo>,
    /// The admin password must be set first.
    pub needs_setup: bool,
    /// A sandbox (demo) database.
    pub sandbox: bool,
    /// Demo credentials to show (sandbox only).
    pub demo_user: Option<String>,
    /// Likewise.
    pub demo_password: Option<String>,
}

/// The login screen's facts.
#[tauri::command(rename_all = "snake_case")]
pub async fn auth_status(state: State<'_, AppState>) -> Result<AuthStatus, CommandError> {
    let db = state.db_url().await.ok().map(|u| db_info_of(&u));
    let info = match state.core().await {
        Ok(core) => core.auth_info().await.map_err(CommandError::from),
        Err(e) => Err(e),
    };
    Ok(match info {
        Ok(AuthInfo { needs_setup, sandbox, demo_user, demo_password }) => {
            AuthStatus { db_ok: true, db_error: None, db, needs_setup, sandbox, demo_user, demo_password }
        }
        Err(e) => AuthStatus {
            db_ok: false,
            db_error: Some(e),
            db,
            needs_setup: false,
            sandbox: false,
            demo_user: None,
            demo_password: None,
        },
    })
}

/// Sets the administrator's first password and signs them in.
#[tauri::command(rename_all = "snake_case")]
pub async fn setup_admin(state: State<'_, AppState>, password: String) -> Result<Session, CommandError> {
    let core = state.core().await?;
    let session = core.setup_admin(&password).await?;
    state.set_session(Some(core.actor(&session.user).await?));
    Ok(session)
}

/// Signs a user in.
#[tauri::command(rename_all = "snake_case")]
pub async fn login(state: State<'_, AppState>, user: String, password: String) -> Result<Session, CommandError> {
    let core = state.core().await?;
    let session = core.login(&user, &password).await?;
    state.set_session(Some(core.actor(&session.user).await?));
    Ok(session)
}

/// Signs out.
#[tauri::command(rename_all = "snake_case")]
pub fn logout(state: State<'_, AppState>) {
    state.set_session(None);
}

/// The signed-in user, if any.
#[tauri::command(rename_all = "snake_case")]
pub fn session(state: State<'_, AppState>) -> Option<Session> {
    state.session().as_ref().map(Session::of)
}

/// The sign-in screen is up and takes input. With `ONECARD_STARTUP_PROBE=FILE` set (the start-up
/// benchmark, tests/bench_console.rs), writes the milliseconds since the console's process
/// started to FILE: `ms` (now), and from the page's own clock when the webview began loading the
/// page (`page_load_ms`) and when the JS bundle had been evaluated (`bundle_ms`). Otherwise does
/// nothing.
#[tauri::command(rename_all = "snake_case")]
pub fn ui_ready(origin_ms: Option<i64>, evaluated_ms: Option<i64>) {
    let Some(path) = std::env::var_os("ONECARD_STARTUP_PROBE") else { return };
    let ms = i64::try_from(crate::started().elapsed().as_millis()).unwrap_or(i64::MAX);
    let started_epoch_ms = crate::started_epoch_ms();
    let page_load = origin_ms.map(|o| o - started_epoch_ms);
    let bundle = page_load.zip(evaluated_ms).map(|(p, e)| p + e);
    let json = serde_json::json!({"ms": ms, "page_load_ms": page_load, "bundle_ms": bundle});
    // Written whole under a temporary name, then renamed: the benchmark polls for the file.
    let tmp = std::path::PathBuf::from(&path).with_extension("tmp");
    if std::fs::write(&tmp, json.to_string()).is_ok() {
        let _ = std::fs::rename(&tmp, &path);
    }
}
