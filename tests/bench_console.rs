//! Benchmarks of the desktop console (issue 3), not tests: they print figures for BENCHMARKS.md
//! and assert nothing about time. Run them on the release binary:
//!
//! ```sh
//! cargo build --release --bins
//! ONECARD_CONSOLE_BIN=$PWD/target/release/onecard-console xvfb-run -a dbus-run-session -- \
//!   cargo test --test bench_console -- --ignored --nocapture --test-threads 1
//! ```
//!
//! - cold start, direct: the app started as a user starts it (no WebDriver), timed from the
//!   spawn to the sign-in screen's `ui_ready` call (the `ONECARD_STARTUP_PROBE` file appears),
//!   and as the app itself measured it from `main`;
//! - cold start through WebDriver: from asking WebDriver for a session (which starts the app) to
//!   the sign-in screen's user field being displayed and enabled (WebDriver's own start-up is
//!   included, so the figure is an upper bound);
//! - idle memory: the RSS of the app and every process it started (WebKit's web and network
//!   processes), summed from /proc, 5 s after the sign-in screen is up.

mod common;

use std::time::{Duration, Instant};

use common::{drivers_or_skip, ConsoleApp, TempDir};

/// The process and its descendants (by /proc's parent links).
fn tree(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
            // Field 4 (after the ')' that ends the command name) is the parent pid.
            let ppid =
                stat.rsplit(')').next().and_then(|r| r.split_whitespace().nth(1)).and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parent_of.push((pid, ppid));
            }
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Proportional set size: shared pages (WebKit's libraries, mapped by every process of the tree)
/// counted once across the tree instead of once per process, so the sum is the tree's real share.
fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Pss:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).map(|s| s.trim().to_string()).unwrap_or_default()
}

fn console_pid() -> Option<u32> {
    let bin = common::app_binary();
    let name: String = std::path::Path::new(&bin).file_name()?.to_string_lossy().chars().take(15).collect();
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_string_lossy().parse().ok()?;
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        (comm.trim() == name).then_some(pid)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --ignored"]
async fn console_cold_start_direct() {
    let bin = common::app_binary();
    let (mut spawned, mut inside, mut memory) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..7 {
        let data = TempDir::new("onecard-bench-db");
        let url = common::sandbox_sqlite(data.path()).await;
        let probe = data.path().join("ready.json");
        let t = Instant::now();
        let mut child = std::process::Command::new(&bin)
            .env("ONECARD_DB", &url)
            .env("ONECARD_STARTUP_PROBE", &probe)
            .env("XDG_CONFIG_HOME", data.path().join("config"))
            .env("XDG_DATA_HOME", data.path().join("data"))
            .env("XDG_CACHE_HOME", data.path().join("cache"))
            .spawn()
            .expect("start the console");
        while !probe.exists() {
            assert!(t.elapsed() < Duration::from_secs(60), "the sign-in screen never came up");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let outside = t.elapsed();
        let text = std::fs::read_to_string(&probe).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let ms = v["ms"].as_u64().unwrap_or(0);
        let phases =
            format!("page load started at {} ms, bundle evaluated at {} ms", v["page_load_ms"], v["bundle_ms"]);
        tokio::time::sleep(Duration::from_secs(5)).await;
        let procs = tree(child.id());
        let rss: u64 = procs.iter().map(|p| rss_kib(*p)).sum::<u64>() / 1024;
        let pss: u64 = procs.iter().map(|p| pss_kib(*p)).sum::<u64>() / 1024;
        let each: Vec<String> = procs.iter().map(|p| format!("{} {} MiB", comm(*p), rss_kib(*p) / 1024)).collect();
        println!(
            "run {run}: spawn to sign-in {outside:?} (app: {ms} ms from main; {phases}); RSS {rss} MiB, PSS {pss} MiB: {}",
            each.join(", ")
        );
        let _ = child.kill();
        let _ = child.wait();
        spawned.push(outside);
        inside.push(ms);
        memory.push((rss, pss));
    }
    spawned.sort();
    inside.sort();
    memory.sort();
    println!(
        "cold start, spawn to sign-in: median {:?} (min {:?}, max {:?}); from main: median {} ms; \
         idle RSS/PSS median {:?} MiB",
        spawned[3], spawned[0], spawned[6], inside[3], memory[3]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --ignored"]
async fn console_start_and_memory() {
    let Some(drivers) = drivers_or_skip("bench_console") else { return };
    let mut starts = Vec::new();
    let mut memory = Vec::new();
    for run in 0..5 {
        let data = TempDir::new("onecard-bench-db");
        let url = common::sandbox_sqlite(data.path()).await;
        let t = Instant::now();
        let app = ConsoleApp::launch(&drivers, &[("ONECARD_DB", url.into())]).await;
        let user = app.by_id("login-user").await.expect("the sign-in screen");
        while !user.is_enabled().await.unwrap_or(false) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let start = t.elapsed();
        tokio::time::sleep(Duration::from_secs(5)).await;
        let pid = console_pid().expect("the console's process");
        let procs = tree(pid);
        let kib: u64 = procs.iter().map(|p| rss_kib(*p)).sum();
        let pss: u64 = procs.iter().map(|p| pss_kib(*p)).sum();
        let each: Vec<String> = procs.iter().map(|p| format!("{} {} MiB", comm(*p), rss_kib(*p) / 1024)).collect();
        println!(
            "run {run}: start {start:?}, idle RSS {} MiB (PSS {} MiB) over {} processes: {}",
            kib / 1024,
            pss / 1024,
            procs.len(),
            each.join(", ")
        );
        starts.push(start);
        memory.push(kib / 1024);
        app.quit().await;
    }
    starts.sort();
    memory.sort();
    println!(
        "cold start to sign-in: median {:?} (min {:?}, max {:?}); idle RSS median {} MiB (max {} MiB)",
        starts[2], starts[0], starts[4], memory[2], memory[4]
    );
}
