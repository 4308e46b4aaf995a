//! What every command can reach: the open core (or why there is none), the signed-in user, and
//! the long jobs that can be cancelled. The core is swapped when Settings points the console at
//! another database, so it sits behind a lock and is handed out as an `Arc`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use onecard::auth::Actor;
use onecard::error::Error;
use onecard::{Core, JobControl};
use tokio::sync::RwLock;

use crate::settings::ConsoleSettings;
use crate::CommandError;

/// The console's state (Tauri-managed).
pub struct AppState {
    db: Arc<RwLock<Db>>,
    session: Mutex<Option<Actor>>,
    jobs: Mutex<HashMap<String, JobControl>>,
}

struct Db {
    url: Result<String, Error>,
    core: Result<Arc<Core>, Error>,
}

impl AppState {
    /// Starts opening the database the console is pointed at (`$ONECARD_DB`, else its settings,
    /// else the default SQLite file) and returns at once. The open (pool, migrations, the key from
    /// the OS keychain) runs on Tauri's async runtime while the window and WebKit start, which
    /// take longer, instead of before them: that is cold-start time saved (BENCHMARKS.md). Every
    /// command waits for it behind the lock, taken before the task starts, so none ever sees the
    /// placeholder. Never fails: a first run or an unreachable server must still bring the window
    /// up, so the console can say what is wrong.
    pub fn open() -> AppState {
        let url = ConsoleSettings::load().and_then(|s| s.database_url());
        let placeholder = Db { url: url.clone(), core: Err(Error::new("db_opening", "the database is still opening")) };
        let db = Arc::new(RwLock::new(placeholder));
        let pending = db.clone().try_write_owned();
        tauri::async_runtime::spawn(async move {
            let core = match &url {
                Ok(u) => open_or_create(u).await,
                Err(e) => Err(e.clone()),
            };
            if let Err(e) = &core {
                // The code only: a message may quote the database URL, with its credentials.
                eprintln!("onecard-console: the database did not open ({})", e.code);
            }
            // A fresh lock is always free; were it not, the placeholder would say so.
            if let Ok(mut guard) = pending {
                guard.core = core;
            }
        });
        AppState { db, session: Mutex::new(None), jobs: Mutex::new(HashMap::new()) }
    }

    /// The open core, or why there is none.
    pub async fn core(&self) -> Result<Arc<Core>, CommandError> {
        self.db.read().await.core.clone().map_err(Into::into)
    }

    /// The core and the signed-in user (`not_signed_in`).
    pub async fn signed_in(&self) -> Result<(Arc<Core>, Actor), CommandError> {
        let core = self.core().await?;
        let actor = self
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| CommandError::new("not_signed_in", "sign in first"))?;
        Ok((core, actor))
    }

    /// Why the database did not open, if it did not.
    pub async fn db_error(&self) -> Option<Error> {
        self.db.read().await.core.as_ref().err().cloned()
    }

    /// The URL the console opened (credentials included: not for display).
    pub async fn db_url(&self) -> Result<String, CommandError> {
        self.db.read().await.url.clone().map_err(Into::into)
    }

    /// Points the console at another database; the session ends (another database has other
    /// users).
    pub async fn reconnect(&self, url: String) -> Result<Arc<Core>, CommandError> {
        let core = open_or_create(&url).await;
        let mut db = self.db.write().await;
        let old = std::mem::replace(&mut *db, Db { url: Ok(url), core: core.clone() });
        drop(db);
        self.set_session(None);
        if let Ok(old) = old.core {
            old.close().await;
        }
        core.map_err(Into::into)
    }

    /// Closes the database (the console is exiting).
    pub async fn close(&self) {
        if let Ok(core) = self.core().await {
            core.close().await;
        }
    }

    /// Sets or clears the signed-in user.
    pub fn set_session(&self, actor: Option<Actor>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = actor;
    }

    /// The signed-in user, if any.
    pub fn session(&self) -> Option<Actor> {
        self.session.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Registers a long job under the UI's id so `job_cancel` can reach it.
    pub fn start_job(&self, id: &str, control: JobControl) {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).insert(id.to_string(), control);
    }

    /// Forgets a finished job.
    pub fn end_job(&self, id: &str) {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }

    /// Cancels a running job; false when there is none by that id (it already ended).
    pub fn cancel_job(&self, id: &str) -> bool {
        match self.jobs.lock().unwrap_or_else(|p| p.into_inner()).get(id) {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }
}

/// Opens a database, creating the schema on an empty one (a production database: its first
/// start asks for the admin password).
async fn open_or_create(url: &str) -> Result<Arc<Core>, Error> {
    match Core::open(url).await {
        Err(e) if e.code == "not_initialized" => Core::init(url, false).await.map(Arc::new),
        other => other.map(Arc::new),
    }
}
