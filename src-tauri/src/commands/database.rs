//! Which database the console is looking at. Operators need to see it (a support call starts with
//! "which file, which server?"), but a PostgreSQL URL can carry a password, so only a redacted
//! location ever leaves the shell.

use serde::Serialize;
use tauri::State;

use crate::{AppState, CommandError};

/// The database as the Overview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbInfo {
    /// A SQLite file path, or a PostgreSQL URL without its password.
    pub url: String,
    /// `"sqlite"` or `"postgres"`.
    pub backend: &'static str,
}

/// Where the data lives. Answers even when the database did not open: that is when it matters.
#[tauri::command]
pub fn db_info(state: State<'_, AppState>) -> Result<DbInfo, CommandError> {
    let url = state.db_url()?;
    let backend = match state.core() {
        Ok(core) => core.backend(),
        Err(_) => backend_of(url),
    };
    Ok(DbInfo { url: display_location(url), backend })
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
