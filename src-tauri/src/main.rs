//! Entry point of the OneCard desktop console. Everything lives in the library (`run`), so the
//! binary stays one line and tests can reach the code.

// Release builds on Windows would otherwise open a terminal window beside the console.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// The same allocator as the `onecard` CLI: the core's write path allocates per row on two
// threads, where glibc's malloc contends (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    onecard_console::run()
}
