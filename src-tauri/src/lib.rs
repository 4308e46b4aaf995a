//! The desktop shell of OneCard. It opens the core once at start, keeps it as Tauri state and
//! exposes it through thin commands (`commands/<noun>.rs`). Nothing here computes a balance, a fee
//! or a metric: that is the core's job, shared with the `onecard` CLI (DESIGN.md).

pub mod commands;
mod error;

pub use error::CommandError;

use onecard::Core;

/// What every command can reach. It keeps the reason the core could not be opened instead of
/// failing the start: a first run (no database yet) or an unreachable server must still bring the
/// window up, so the console can say what is wrong.
pub struct AppState {
    /// The database the console was pointed at (`$ONECARD_DB`, else the default SQLite file).
    db_url: Result<String, onecard::error::Error>,
    core: Result<Core, onecard::error::Error>,
}

impl AppState {
    /// Opens the console's database; never fails, see [`AppState`].
    pub async fn open() -> Self {
        let db_url = onecard::default_db_url();
        let core = match &db_url {
            Ok(url) => Core::open(url).await,
            Err(e) => Err(e.clone()),
        };
        if let Err(e) = &core {
            // The code only: a message may quote the database URL, with its credentials.
            eprintln!("onecard-console: the database did not open ({})", e.code);
        }
        AppState { db_url, core }
    }

    /// The open core, or why there is none.
    pub fn core(&self) -> Result<&Core, CommandError> {
        self.core.as_ref().map_err(|e| e.clone().into())
    }

    /// The URL the console tried to open, credentials included: not for display.
    pub fn db_url(&self) -> Result<&str, CommandError> {
        self.db_url.as_deref().map_err(|e| e.clone().into())
    }
}

/// Starts the console and blocks until its window closes.
///
/// Left out of the unit-test harness: `generate_context!` writes the embedded UI into OUT_DIR,
/// and two compilations expanding it at once can embed a truncated bundle (BUILD-NOTES pitfall 1).
#[cfg(not(test))]
pub fn run() {
    // Tauri's runtime, so the core's connection pool lives where the async commands run.
    let state = tauri::async_runtime::block_on(AppState::open());
    tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::cards::card_count,
            commands::database::db_info,
        ])
        .run(tauri::generate_context!())
        .expect("the OneCard console could not start its window");
}
