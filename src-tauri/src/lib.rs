//! The desktop shell of OneCard. It opens the core once at start, keeps it as Tauri state and
//! exposes it through thin commands (`commands/<noun>.rs`). Nothing here computes a balance, a fee
//! or a metric: that is the core's job, shared with the `onecard` CLI (DESIGN.md).

#[cfg(test)]
mod bindings;
pub mod commands;
mod error;
mod settings;
mod state;

pub use error::CommandError;
pub use state::AppState;

/// When the console's process started (as near as `main` can tell): the start of a cold start,
/// as an instant and as milliseconds since the epoch (the webview's clock is compared with it).
static STARTED: std::sync::OnceLock<(std::time::Instant, i64)> = std::sync::OnceLock::new();

fn started_at() -> (std::time::Instant, i64) {
    *STARTED.get_or_init(|| {
        let epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        (std::time::Instant::now(), i64::try_from(epoch.as_millis()).unwrap_or(0))
    })
}

/// The instant the console started (the first call fixes it; `main` makes that call first).
pub fn started() -> std::time::Instant {
    started_at().0
}

/// The same, in milliseconds since the Unix epoch.
pub fn started_epoch_ms() -> i64 {
    started_at().1
}

/// Starts the console and blocks until its window closes.
///
/// Left out of the unit-test harness: `generate_context!` writes the embedded UI into OUT_DIR,
/// and two compilations expanding it at once can embed a truncated bundle (BUILD-NOTES pitfall 1).
#[cfg(not(test))]
pub fn run() {
    use commands::*;
    started();
    // On Tauri's runtime, so the core's connection pool lives where the async commands run.
    let state = AppState::open();
    tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            session::auth_status,
            session::setup_admin,
            session::login,
            session::logout,
            session::session,
            session::ui_ready,
            users::user_list,
            users::user_add,
            users::user_set_password,
            users::user_lock,
            users::user_unlock,
            overview::overview,
            cards::card_list,
            cards::card_count,
            cards::card_get,
            cards::card_show,
            cards::card_history,
            cards::card_issue,
            cards::card_action,
            cards::card_qr,
            cards::batch_issue,
            cards::job_cancel,
            cards::batch_export,
            payments::top_up,
            payments::pay,
            payments::refund,
            payments::card_from_qr,
            payments::payment_list,
            members::member_search,
            members::member_bind_card,
            catalog::mall_list,
            catalog::merchant_list,
            catalog::rules_get,
            database::db_info,
            database::settings_get,
            database::settings_set_db,
            clearing::merchant_directory,
            clearing::merchant_show,
            clearing::merchant_apply,
            clearing::merchant_submit,
            clearing::merchant_review,
            clearing::merchant_contract,
            clearing::merchant_set_status,
            clearing::settle,
            clearing::settle_range,
            clearing::reserve_latest,
            clearing::settlement_show,
            clearing::statement_export,
            clearing::payout_mark,
            clearing::reserve_reconcile,
            clearing::channel_reconcile,
            clearing::channel_resolve,
            clearing::rating_run,
            clearing::rating_show,
            analytics::dashboard,
            analytics::dashboard_chart,
            analytics::dashboard_export,
            analytics::forecast,
            analytics::dashboard_catalog,
            analytics::forecast_chart,
            analytics::forecast_export,
            analytics::import_run,
            analytics::import_list,
        ])
        .build(tauri::generate_context!())
        .expect("the OneCard console could not start its window")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                // Close the database before the process ends: on SQLite the WAL is copied back,
                // so the file is whole on its own (a copy is a backup). Bounded: closing waits
                // for connections in use, and a long job must not keep the console from exiting
                // (what it committed is in the WAL either way).
                use tauri::Manager;
                let state = app.state::<AppState>();
                tauri::async_runtime::block_on(async {
                    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), state.close()).await;
                });
            }
        });
}
