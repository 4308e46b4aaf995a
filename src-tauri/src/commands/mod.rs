//! Commands the UI can invoke, one module per domain noun. Each is a few lines over one core call,
//! so the console and the `onecard` CLI can never disagree on a number. Arguments arrive in
//! snake_case (`rename_all`), as the bindings in ui/src/bindings name them.

pub mod analytics;
pub mod cards;
pub mod catalog;
pub mod clearing;
pub mod database;
pub mod members;
pub mod overview;
pub mod payments;
pub mod session;
pub mod users;
