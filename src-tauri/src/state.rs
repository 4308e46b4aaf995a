//! What every command can reach: the open core (or why there is none), the signed-in user, and
//! the long jobs that can be cancelled. The core is swapped when Settings points the console at
//! another database, so it sits behind a lock and is handed out as an `Arc`.

use std::collections::{HashMap, VecDeque};
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
    jobs: Jobs,
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
        AppState { db, session: Mutex::new(None), jobs: Jobs::default() }
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
        self.jobs.start(id, control);
    }

    /// Forgets a finished job.
    pub fn end_job(&self, id: &str) {
        self.jobs.end(id);
    }

    /// Cancels a job: now when it runs, else as soon as it starts. True when it was running.
    pub fn cancel_job(&self, id: &str) -> bool {
        self.jobs.cancel(id)
    }
}

/// How many cancels of jobs not (yet) running are remembered.
const EARLY_CANCELS: usize = 64;

/// The long jobs the UI can cancel, by the id the UI gave each run.
#[derive(Default)]
struct Jobs(Mutex<JobsInner>);

#[derive(Default)]
struct JobsInner {
    running: HashMap<String, JobControl>,
    /// Ids cancelled before their command registered them. The screen offers Cancel as soon as it
    /// sends the command, and the command registers its job only after the session check, so a
    /// quick click would otherwise be lost and the job would run to its commit. Ids are fresh for
    /// every run, so a remembered id never cancels another job; the oldest are dropped.
    early: VecDeque<String>,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, JobsInner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn start(&self, id: &str, control: JobControl) {
        let mut jobs = self.lock();
        if let Some(at) = jobs.early.iter().position(|e| e == id) {
            jobs.early.remove(at);
            control.cancel();
        }
        jobs.running.insert(id.to_string(), control);
    }

    fn end(&self, id: &str) {
        self.lock().running.remove(id);
    }

    fn cancel(&self, id: &str) -> bool {
        let mut jobs = self.lock();
        if let Some(c) = jobs.running.get(id) {
            c.cancel();
            return true;
        }
        if !jobs.early.iter().any(|e| e == id) {
            jobs.early.push_back(id.to_string());
            if jobs.early.len() > EARLY_CANCELS {
                jobs.early.pop_front();
            }
        }
        false
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

#[cfg(test)]
mod tests {
    use super::*;

    fn control() -> JobControl {
        JobControl::new(|_| {})
    }

    #[test]
    fn a_cancel_reaches_a_running_job() {
        let jobs = Jobs::default();
        let c = control();
        jobs.start("a", c.clone());
        assert!(jobs.cancel("a"));
        assert!(c.is_cancelled());
        jobs.end("a");
        // Ended: nothing to reach, and a later run under a new id is not touched.
        assert!(!jobs.cancel("a"));
        let next = control();
        jobs.start("b", next.clone());
        assert!(!next.is_cancelled());
    }

    #[test]
    fn a_cancel_before_the_job_registers_stops_it_when_it_does() {
        let jobs = Jobs::default();
        assert!(!jobs.cancel("early"));
        let other = control();
        jobs.start("other", other.clone());
        assert!(!other.is_cancelled());
        let c = control();
        jobs.start("early", c.clone());
        assert!(c.is_cancelled());
        // Used once: the id is forgotten, so it does not linger.
        assert!(jobs.lock().early.is_empty());
    }

    #[test]
    fn early_cancels_are_bounded() {
        let jobs = Jobs::default();
        for i in 0..(EARLY_CANCELS + 10) {
            jobs.cancel(&format!("j{i}"));
        }
        jobs.cancel("j70");
        assert_eq!(jobs.lock().early.len(), EARLY_CANCELS);
        let oldest = control();
        jobs.start("j0", oldest.clone());
        assert!(!oldest.is_cancelled(), "the oldest early cancel was dropped");
        let newest = control();
        jobs.start(&format!("j{}", EARLY_CANCELS + 9), newest.clone());
        assert!(newest.is_cancelled());
    }
}
