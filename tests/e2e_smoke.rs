//! Smoke test of the desktop console on the real webview: the app starts on a fresh sandbox
//! database, the Overview shows the card count from the core (0), and the language switch turns
//! the screen from Chinese (the default) to English. Screenshots of both go to
//! target/e2e-screenshots/ so a person can see what an operator would.

mod common;

use common::{drivers_or_skip, sandbox_sqlite, ConsoleApp, TempDir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_shows_card_count_and_switches_language() {
    let Some(drivers) = drivers_or_skip("e2e_smoke") else { return };
    let data = TempDir::new("onecard-e2e-db");
    let db_url = sandbox_sqlite(data.path()).await;
    let app = ConsoleApp::launch(&drivers, &[("ONECARD_DB", db_url.into())]).await;

    if let Err(why) = app.wait_for_text("[data-testid=card-count]", "0").await {
        app.fail("smoke", why).await;
    }
    let db_path = data.path().join("onecard.db").display().to_string();
    if let Err(why) = app.wait_for_page_text(&["概览", "卡片总数", &db_path]).await {
        app.fail("smoke-zh", why).await;
    }
    let zh = app.screenshot("smoke-zh").await;

    let english = app.driver.find(thirtyfour::By::Css("[data-testid=lang-switch] [data-lang=en-US]"));
    match english.await {
        Ok(option) => option.click().await.expect("click English"),
        Err(e) => app.fail("smoke-lang", format!("no en-US option in the language switch: {e}")).await,
    }
    if let Err(why) = app.wait_for_page_text(&["Overview", "Cards", "Database location"]).await {
        app.fail("smoke-en", why).await;
    }
    if let Err(why) = app.wait_for_text("[data-testid=card-count]", "0").await {
        app.fail("smoke-en", why).await;
    }
    let en = app.screenshot("smoke-en").await;

    app.quit().await;
    println!("screenshots: {} {}", zh.display(), en.display());
}
