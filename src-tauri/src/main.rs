//! Entry point of the OneCard desktop console. Everything lives in the library (`run`), so the
//! binary stays one line and tests can reach the code.

// Release builds on Windows would otherwise open a terminal window beside the console.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    onecard_console::run()
}
