//! One error type for the whole core. Every refusal carries a stable snake_case `code` that the CLI
//! prints and the console translates, plus a message a person can act on. Codes are part of the
//! public contract: never rename one, only add.

use std::fmt;

/// An error with a stable machine code and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Stable snake_case code (`invalid_amount`, `card_frozen`, ...).
    pub code: &'static str,
    /// What happened and what the person can do about it.
    pub message: String,
}

impl Error {
    /// A refusal (or failure) with `code` and a message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Error { code, message: message.into() }
    }

    /// Something went wrong inside (database, I/O): not the user's fault.
    pub fn internal(context: impl fmt::Display) -> Self {
        Error::new("internal", context.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::new("database", format!("database error: {e}"))
    }
}

/// Result with the core's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
