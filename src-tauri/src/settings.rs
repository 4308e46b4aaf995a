//! The console's own settings: which database it opens. They live in a small JSON file in the
//! OS config directory; a PostgreSQL password never does: it goes to the OS keychain (keyring),
//! where the core looks for it when it connects. `$ONECARD_DB` overrides the file (scripts,
//! tests, the README's demo command).

use std::path::PathBuf;

use onecard::error::Error;
use serde::{Deserialize, Serialize};

/// Which database the console opens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSettings {
    /// A `sqlite://` or `postgres://` URL without a password; none = the default SQLite file.
    pub database: Option<String>,
}

impl ConsoleSettings {
    fn path() -> Result<PathBuf, Error> {
        let dir = dirs::config_dir()
            .ok_or_else(|| Error::new("no_config_dir", "cannot find the OS config directory; set ONECARD_DB"))?;
        Ok(dir.join("onecard").join("console.json"))
    }

    /// The saved settings (defaults when there are none).
    pub fn load() -> Result<ConsoleSettings, Error> {
        let path = Self::path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| Error::new("invalid_settings", format!("{} is not valid: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConsoleSettings::default()),
            Err(e) => Err(Error::new("invalid_settings", format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// Saves them.
    pub fn save(&self) -> Result<(), Error> {
        let path = Self::path()?;
        let io = |e: std::io::Error| Error::new("invalid_settings", format!("cannot write {}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(Error::internal)?;
        std::fs::write(&path, text).map_err(io)
    }

    /// `$ONECARD_DB`, else the saved database, else the default SQLite file.
    pub fn database_url(&self) -> Result<String, Error> {
        if let Some(env) = std::env::var("ONECARD_DB").ok().filter(|v| !v.is_empty()) {
            return Ok(env);
        }
        match &self.database {
            Some(url) => Ok(url.clone()),
            None => onecard::default_db_url(),
        }
    }
}
