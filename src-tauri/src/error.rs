//! The one error shape the shell hands to the UI: `{"code": "...", "message": "..."}`. The code is
//! the core's stable snake_case code, which ui/src/services translates (`errors.<code>`); the
//! message is the fallback for codes the locales don't know yet. Commands return nothing else.

use std::fmt;

use serde::Serialize;

/// A refused or failed command, as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CommandError {
    /// Stable snake_case code (`not_initialized`, `database`, ...): never renamed, only added.
    pub code: &'static str,
    /// What happened and what the person can do about it.
    pub message: String,
}

impl CommandError {
    /// An error raised by the shell itself rather than the core.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CommandError { code, message: message.into() }
    }
}

impl From<onecard::error::Error> for CommandError {
    fn from(e: onecard::error::Error) -> Self {
        CommandError { code: e.code, message: e.message }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CommandError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message_only() {
        let core_error = onecard::error::Error::new("not_initialized", "run `onecard init` first");
        let json = serde_json::to_string(&CommandError::from(core_error)).unwrap();
        assert_eq!(json, r#"{"code":"not_initialized","message":"run `onecard init` first"}"#);
    }

    #[test]
    fn keeps_the_core_code_and_message() {
        let e = CommandError::from(onecard::error::Error::internal("disk full"));
        assert_eq!(e, CommandError::new("internal", "disk full"));
        assert_eq!(e.to_string(), "internal: disk full");
    }
}
