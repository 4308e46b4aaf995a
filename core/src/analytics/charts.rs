//! Charts and exports.
use std::path::Path;

use serde_json::Value;

use crate::error::Result;

/// Exports a dashboard's table.
pub fn export(_which: &str, _v: &Value, _path: &Path) -> Result<Value> {
    Ok(Value::Null)
}

/// Draws a dashboard's chart.
pub fn draw(_which: &str, _v: &Value, _path: &Path) -> Result<Value> {
    Ok(Value::Null)
}
