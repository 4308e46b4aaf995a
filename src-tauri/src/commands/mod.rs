//! Commands the UI can invoke, one module per domain noun. Each is a few lines over one core call,
//! so the console and the `onecard` CLI can never disagree on a number.

pub mod cards;
pub mod database;
