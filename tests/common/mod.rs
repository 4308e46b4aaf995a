//! Harness for end-to-end tests of the desktop console on the real webview: every test gets its
//! own temp dir, database and tauri-driver (zero2prod's `spawn_app`), so tests never share state
//! and can run in parallel. tauri-driver proxies WebDriver to WebKitWebDriver, which starts the
//! app binary; see BUILD-NOTES "End-to-end tests on the real webview" for why it is built this way.

#![allow(dead_code)] // Each test binary uses its own subset of the helpers.

use std::ffi::OsString;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use thirtyfour::prelude::*;
use thirtyfour::Capabilities;

/// One named step of an end-to-end test: on success a screenshot of the screen it left, on
/// failure the screenshot, the page text and the reason, then the test fails (`ConsoleApp::fail`).
#[allow(unused_macros)] // bench_console uses the harness without steps.
macro_rules! step {
    ($app:expr, $name:expr, $body:expr) => {{
        let r: Result<_, String> = async { $body }.await;
        match r {
            Ok(v) => {
                $app.screenshot($name).await;
                v
            }
            Err(why) => $app.fail($name, why).await,
        }
    }};
}

/// The app under test: the one cargo built for this test run, or `ONECARD_CONSOLE_BIN` (the
/// benchmarks measure the release binary).
pub fn app_binary() -> String {
    std::env::var("ONECARD_CONSOLE_BIN")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_onecard-console").to_string())
}

/// How long the UI may take to show something (first start of WebKit under Xvfb included).
pub const UI_TIMEOUT: Duration = Duration::from_secs(30);

/// The two drivers the test needs, found on this machine.
pub struct Drivers {
    pub tauri_driver: PathBuf,
    pub native_driver: PathBuf,
}

/// Finds the drivers and a display. Without them a developer's run prints SKIPPED and passes;
/// a CI run (env `CI` set) fails, because a green CI must mean the UI was really driven.
pub fn drivers_or_skip(test: &str) -> Option<Drivers> {
    let tauri_driver = find_program("tauri-driver", &[cargo_bin("tauri-driver")]);
    let native_driver = find_program("WebKitWebDriver", &[PathBuf::from("/usr/bin/WebKitWebDriver")]);
    let display = std::env::var_os("DISPLAY").or_else(|| std::env::var_os("WAYLAND_DISPLAY"));
    let missing: Vec<&str> = [
        (tauri_driver.is_none(), "tauri-driver (cargo install tauri-driver --version 2.1.0 --locked)"),
        (native_driver.is_none(), "WebKitWebDriver (apt-get install webkit2gtk-driver)"),
        (display.is_none(), "a display (run under xvfb-run)"),
    ]
    .into_iter()
    .filter_map(|(absent, what)| absent.then_some(what))
    .collect();
    if missing.is_empty() {
        return Some(Drivers { tauri_driver: tauri_driver?, native_driver: native_driver? });
    }
    let missing = missing.join(", ");
    if std::env::var_os("CI").is_some() {
        panic!("{test}: cannot run the end-to-end test, missing: {missing}; run scripts/install-deps.sh");
    }
    println!("SKIPPED {test}: missing {missing} (scripts/install-deps.sh installs them)");
    None
}

fn cargo_bin(name: &str) -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"));
    cargo_home.join("bin").join(name)
}

fn find_program(name: &str, fallbacks: &[PathBuf]) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|dir| dir.join(name)).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path.into_iter().chain(fallbacks.iter().cloned()).find(|p| p.is_file())
}

/// A directory removed when the test ends, pass or fail.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create the test's temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh sandbox SQLite database in `dir`, initialized by the core; returns its URL.
pub async fn sandbox_sqlite(dir: &Path) -> String {
    let url = format!("sqlite://{}", dir.join("onecard.db").display());
    let core = onecard::Core::init(&url, true).await.expect("initialize the sandbox database");
    drop(core);
    url
}

/// The mall the end-to-end screens work in (SH01, 上海青浦奥莱, tier 1, card mode from today).
pub async fn add_demo_mall(core: &onecard::Core, admin: &onecard::auth::Actor) {
    let r = onecard::MallAddRequest {
        code: "SH01".into(),
        name: "上海青浦奥莱".into(),
        region: "east".into(),
        city_tier: onecard::types::CityTier::parse("1").expect("tier"),
        mode: None,
        card_since: None,
    };
    core.mall_add(admin, r).await.expect("add a mall");
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// tauri-driver, stopped with SIGTERM on drop: SIGKILL (`Child::kill`) would orphan
/// WebKitWebDriver and the app, and a later run could talk to the stale driver (pitfall 2).
struct DriverProcess(Child);

impl Drop for DriverProcess {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("tauri-driver ignored SIGTERM for 10 s; killing it");
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The console running on a real webview, with a WebDriver session on its window.
pub struct ConsoleApp {
    pub driver: WebDriver,
    // Dropped after the session is closed (`quit`), in this order.
    process: DriverProcess,
    home: TempDir,
}

impl ConsoleApp {
    /// Starts the app with `env` added (e.g. `ONECARD_DB`). Its data, cache and config dirs go to
    /// a temp dir, so the test neither reads nor writes the developer's real ones (pitfall 4).
    pub async fn launch(drivers: &Drivers, env: &[(&str, OsString)]) -> ConsoleApp {
        let home = TempDir::new("onecard-e2e-home");
        // A session request now and then fails on a loaded machine (tauri-driver listening, but
        // its WebKitWebDriver not yet up, or a port taken between `free_port` and its bind):
        // start over with a fresh driver and fresh ports, a few times, before calling it a failure.
        let mut attempt = 0;
        let (driver, process) = loop {
            attempt += 1;
            let (port, native_port) = (free_port(), free_port());
            let mut command = Command::new(&drivers.tauri_driver);
            command
                .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
                .arg("--native-driver")
                .arg(&drivers.native_driver)
                .stdin(Stdio::null());
            for var in ["XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"] {
                let dir = home.path().join(var.to_ascii_lowercase());
                std::fs::create_dir_all(&dir).expect("create an XDG dir");
                command.env(var, dir);
            }
            command.envs(env.iter().map(|(k, v)| (k, v)));
            let process = DriverProcess(command.spawn().expect("start tauri-driver"));
            wait_for_port(port);

            let mut caps = Capabilities::new();
            caps.set("browserName", "wry").expect("capability");
            caps.set("tauri:options", json!({ "application": app_binary() })).expect("capability");
            match WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await {
                Ok(driver) => break (driver, process),
                Err(e) if attempt < 3 => {
                    eprintln!("WebDriver session attempt {attempt} failed ({e}); starting over");
                    drop(process);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => panic!("open a WebDriver session on the console: {e:?}"),
            }
        };
        ConsoleApp { driver, process, home }
    }

    /// Waits until the element at `css` shows `expected`; returns the last text seen on failure.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> Result<(), String> {
        let deadline = Instant::now() + UI_TIMEOUT;
        let mut last = String::from("<element not found>");
        while Instant::now() < deadline {
            if let Ok(element) = self.driver.find(By::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if last.trim() == expected {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(format!("{css} showed {last:?}, not {expected:?}, after {UI_TIMEOUT:?}"))
    }

    /// Waits until the page's visible text contains every one of `needles`.
    pub async fn wait_for_page_text(&self, needles: &[&str]) -> Result<String, String> {
        let deadline = Instant::now() + UI_TIMEOUT;
        let mut text = String::new();
        while Instant::now() < deadline {
            text = self.page_text().await;
            if needles.iter().all(|n| text.contains(n)) {
                return Ok(text);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(format!("page never showed all of {needles:?}; it showed:\n{text}"))
    }

    /// Signs in on the login screen and waits for the shell's user menu.
    pub async fn sign_in(&self, user: &str, password: &str) -> Result<(), String> {
        self.type_into("login-user", user).await?;
        self.type_into("login-password", password).await?;
        self.click("login-submit").await?;
        self.by_id("user-menu").await.map(drop)
    }

    /// The element with `data-testid` = `id`, waiting for it to appear.
    pub async fn by_id(&self, id: &str) -> Result<WebElement, String> {
        self.wait_for(&format!("[data-testid='{id}']")).await
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn wait_for(&self, css: &str) -> Result<WebElement, String> {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            if let Ok(e) = self.driver.find(By::Css(css)).await {
                if e.is_displayed().await.unwrap_or(false) {
                    return Ok(e);
                }
            }
            if Instant::now() > deadline {
                return Err(format!("{css} did not appear within {UI_TIMEOUT:?}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element with `data-testid` = `id`.
    pub async fn click(&self, id: &str) -> Result<(), String> {
        self.click_css(&format!("[data-testid='{id}']")).await
    }

    /// Clicks the first element matching `css`, retrying while something covers it (a
    /// table's loading mask, an animation) until the UI timeout.
    pub async fn click_css(&self, css: &str) -> Result<(), String> {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let e = self.wait_for(css).await?;
            match e.click().await {
                Ok(()) => return Ok(()),
                Err(err) if Instant::now() > deadline => return Err(format!("click {css}: {err}")),
                Err(_) => tokio::time::sleep(Duration::from_millis(150)).await,
            }
        }
    }

    /// The input with `data-testid` = `id` (or the input inside it), once it is there.
    async fn input(&self, id: &str) -> Result<WebElement, String> {
        self.wait_for(&format!("input[data-testid='{id}'], [data-testid='{id}'] input")).await
    }

    /// Types `text` into the input with `data-testid` = `id` (or the input inside it).
    pub async fn type_into(&self, id: &str, text: &str) -> Result<(), String> {
        self.input(id).await?.send_keys(text).await.map_err(|err| format!("type into {id}: {err}"))
    }

    /// Replaces what the input with `data-testid` = `id` holds by `text`: selects all of it and
    /// types over it, as a user would (React sees the same input events as from typing).
    pub async fn retype(&self, id: &str, text: &str) -> Result<(), String> {
        let e = self.input(id).await?;
        e.send_keys(Key::Control + "a").await.map_err(|err| format!("select all in {id}: {err}"))?;
        e.send_keys(text).await.map_err(|err| format!("type into {id}: {err}"))
    }

    /// Waits until the element with `data-testid` = `id` shows text containing `expected`.
    pub async fn wait_for_id_text(&self, id: &str, expected: &str) -> Result<String, String> {
        let css = format!("[data-testid='{id}']");
        let deadline = Instant::now() + UI_TIMEOUT;
        let mut last = String::from("<element not found>");
        while Instant::now() < deadline {
            if let Ok(element) = self.driver.find(By::Css(&css)).await {
                last = element.text().await.unwrap_or_default();
                if last.contains(expected) {
                    return Ok(last);
                }
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        Err(format!("{id} showed {last:?}, not {expected:?}, after {UI_TIMEOUT:?}"))
    }

    /// How many elements match `css` right now.
    pub async fn count(&self, css: &str) -> usize {
        self.driver.find_all(By::Css(css)).await.map(|v| v.len()).unwrap_or(0)
    }

    pub async fn page_text(&self) -> String {
        match self.driver.find(By::Tag("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Saves a screenshot of the window to target/e2e-screenshots/<name>.png.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        self.try_screenshot(name).await.expect("take a screenshot")
    }

    async fn try_screenshot(&self, name: &str) -> Result<PathBuf, String> {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("the target dir").join("e2e-screenshots");
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let path = dir.join(format!("{name}.png"));
        self.driver.screenshot(&path).await.map_err(|e| format!("take a screenshot: {e}"))?;
        Ok(path)
    }

    /// Fails the test after saving a screenshot of what the window showed. The reason is
    /// printed first: a window that no longer answers must not hide why the step failed.
    pub async fn fail(self, name: &str, why: String) -> ! {
        eprintln!("step {name} failed: {why}");
        let shot = match self.try_screenshot(&format!("{name}-failure")).await {
            Ok(p) => p.display().to_string(),
            Err(e) => e,
        };
        let text = self.page_text().await;
        self.quit().await;
        panic!("{why}\nscreenshot: {shot}\npage text:\n{text}");
    }

    /// Closes the window and the session, then stops the drivers.
    pub async fn quit(self) {
        let ConsoleApp { driver, process, home } = self;
        if let Err(e) = driver.quit().await {
            eprintln!("closing the WebDriver session failed: {e}");
        }
        drop(process);
        drop(home);
    }
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("tauri-driver did not listen on port {port} within 15 s");
}
