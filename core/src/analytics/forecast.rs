//! Forecasts.
use serde_json::Value;

use crate::auth::Actor;
use crate::error::Result;
use crate::Core;

impl Core {
    /// `forecast --merchant ID`.
    pub async fn forecast(&self, _actor: &Actor, _merchant: i64, _weeks: i64, _lead: i64) -> Result<Value> {
        Ok(Value::Null)
    }
}
