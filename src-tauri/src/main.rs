//! Entry point of the OneCard desktop console. Everything lives in the library (`run`), so the
//! binary stays one line and tests can reach the code.

// Release builds on Windows would otherwise open a terminal window beside the console.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// The same allocator as the `onecard` CLI: the core's write path allocates per row on two
// threads, where glibc's malloc contends (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Start-up is timed from here (the `ui_ready` probe).
    onecard_console::started();
    // WebKitGTK's accelerated compositing buys nothing for forms and tables, and without a GPU
    // (remote desktops, VMs, the kiosk PCs at service desks) it costs ~90 MiB in the web process
    // and half a second of start-up (BENCHMARKS.md). Set before any thread exists; the user's own
    // setting wins.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    onecard_console::run()
}
