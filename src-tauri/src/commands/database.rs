//! Which database the console is looking at, and switching it. Operators need to see it (a
//! support call starts with "which file, which server?"), but a PostgreSQL URL can carry a
//! password, so only a redacted location ever leaves the shell, and a password typed in Settings
//! goes to the OS keychain, never to a file.

use serde::{Deserialize, Serialize};
use tauri::State;

use crate::settings::ConsoleSettings;
use crate::{AppState, CommandError};

/// The database as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DbInfo {
    /// A SQLite file path, or a PostgreSQL URL without its password.
    pub url: String,
    /// `"sqlite"` or `"postgres"`.
    pub backend: String,
}

/// The database settings as the Settings screen shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DbSettings {
    /// `"sqlite"` or `"postgres"`.
    pub backend: String,
    /// The SQLite file, when that is the database.
    pub sqlite_path: Option<String>,
    /// The PostgreSQL URL without a password, when that is the database.
    pub pg_url: Option<String>,
    /// Whether a password for that URL is in the OS keychain.
    pub pg_password_saved: bool,
    /// True when `$ONECARD_DB` decides and Settings cannot change it.
    pub from_environment: bool,
}

/// A change of database from the Settings screen.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DbSettingsRequest {
    /// `"sqlite"` or `"postgres"`.
    pub backend: String,
    /// The SQLite file (sqlite).
    pub sqlite_path: Option<String>,
    /// The server URL without a password (postgres).
    pub pg_url: Option<String>,
    /// The password: stored in the OS keychain, not in the settings file.
    pub pg_password: Option<String>,
}

/// Where the data lives. Answers even when the database did not open: that is when it matters.
#[tauri::command(rename_all = "snake_case")]
pub async fn db_info(state: State<'_, AppState>) -> Result<DbInfo, CommandError> {
    Ok(db_info_of(&state.db_url().await?))
}

/// The Settings screen's database section.
#[tauri::command(rename_all = "snake_case")]
pub async fn settings_get(state: State<'_, AppState>) -> Result<DbSettings, CommandError> {
    let url = state.db_url().await?;
    let info = db_info_of(&url);
    let pg = info.backend == "postgres";
    let saved =
        pg && onecard::crypto::secret_get("onecard", &onecard::db::pg_password_account(&url)).ok().flatten().is_some();
    Ok(DbSettings {
        backend: info.backend.clone(),
        sqlite_path: (!pg).then(|| info.url.clone()),
        pg_url: pg.then(|| info.url.clone()),
        pg_password_saved: saved,
        from_environment: std::env::var("ONECARD_DB").is_ok_and(|v| !v.is_empty()),
    })
}

/// Switches the console to another database (signing the user out).
#[tauri::command(rename_all = "snake_case")]
pub async fn settings_set_db(state: State<'_, AppState>, request: DbSettingsRequest) -> Result<DbInfo, CommandError> {
    let url = match request.backend.as_str() {
        "sqlite" => {
            let path = request
                .sqlite_path
                .filter(|p| !p.trim().is_empty())
                .ok_or_else(|| CommandError::new("invalid_settings", "give the SQLite database file's path"))?;
            format!("sqlite://{path}")
        }
        "postgres" => {
            let url = request.pg_url.filter(|u| u.starts_with("postgres")).ok_or_else(|| {
                CommandError::new("invalid_settings", "give a postgres:// URL (without the password)")
            })?;
            if display_location(&url) != url {
                return Err(CommandError::new(
                    "invalid_settings",
                    "put the password in the password field, not in the URL: it is kept in the OS keychain",
                ));
            }
            if let Some(pw) = request.pg_password.filter(|p| !p.is_empty()) {
                onecard::crypto::secret_set("onecard", &onecard::db::pg_password_account(&url), &pw)?;
            }
            url
        }
        other => return Err(CommandError::new("invalid_settings", format!("unknown database kind {other:?}"))),
    };
    state.reconnect(url.clone()).await?;
    ConsoleSettings { database: Some(url.clone()) }.save()?;
    Ok(db_info_of(&url))
}

/// The display form of a URL.
pub fn db_info_of(url: &str) -> DbInfo {
    DbInfo { url: display_location(url), backend: backend_of(url).to_string() }
}

const POSTGRES_SCHEMES: [&str; 2] = ["postgres://", "postgresql://"];

fn backend_of(url: &str) -> &'static str {
    if POSTGRES_SCHEMES.iter().any(|s| url.starts_with(s)) {
        "postgres"
    } else {
        "sqlite"
    }
}

/// What may be shown of a database URL: the file path of a SQLite URL, or a PostgreSQL URL with
/// the password dropped from the user info and from the query (`?password=`, `sslpassword=`).
pub fn display_location(url: &str) -> String {
    if let Some(scheme) = POSTGRES_SCHEMES.iter().find(|s| url.starts_with(*s)) {
        return redact_postgres(scheme, &url[scheme.len()..]);
    }
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    path.split('?').next().unwrap_or(path).to_string()
}

fn redact_postgres(scheme: &str, rest: &str) -> String {
    let (main, query) = match rest.split_once('?') {
        Some((main, query)) => (main, Some(query)),
        None => (rest, None),
    };
    // The last '@' ends the user info: a password with an unescaped '@' or '/' is still dropped.
    let main = match main.rsplit_once('@') {
        Some((userinfo, host_and_path)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{user}@{host_and_path}")
        }
        None => main.to_string(),
    };
    let query = query
        .map(|q| {
            q.split('&')
                .filter(|pair| {
                    let key = pair.split('=').next().unwrap_or_default();
                    !key.to_ascii_lowercase().contains("password")
                })
                .collect::<Vec<_>>()
                .join("&")
        })
        .filter(|q| !q.is_empty());
    match query {
        Some(q) => format!("{scheme}{main}?{q}"),
        None => format!("{scheme}{main}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_shows_the_file_path() {
        assert_eq!(display_location("sqlite:///tmp/x/onecard.db"), "/tmp/x/onecard.db");
        assert_eq!(display_location("sqlite:///tmp/onecard.db?mode=rwc"), "/tmp/onecard.db");
        assert_eq!(display_location("sqlite:onecard.db"), "onecard.db");
        assert_eq!(backend_of("sqlite:onecard.db"), "sqlite");
    }

    #[test]
    fn postgres_loses_its_password() {
        assert_eq!(
            display_location("postgres://app:s3cr3t@db.mall:5432/onecard"),
            "postgres://app@db.mall:5432/onecard"
        );
        assert_eq!(
            display_location("postgresql://app:p@ss/w0rd@127.0.0.1/test?sslmode=require"),
            "postgresql://app@127.0.0.1/test?sslmode=require"
        );
        assert_eq!(
            display_location("postgres://127.0.0.1/test?user=app&password=x&sslpassword=y"),
            "postgres://127.0.0.1/test?user=app"
        );
        assert_eq!(display_location("postgres://127.0.0.1/test?password=x"), "postgres://127.0.0.1/test");
        assert_eq!(display_location("postgres://app@127.0.0.1/test"), "postgres://app@127.0.0.1/test");
        assert_eq!(backend_of("postgresql://127.0.0.1/test"), "postgres");
    }
}
