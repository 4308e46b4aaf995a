//! End to end on the real webview (tauri-driver + WebKitWebDriver under Xvfb): finance catches up
//! settlement from the console, as issue 4 describes it. The database has card purchases on past
//! days (made through the core with the sandbox clock set to those days), nothing settled, and a
//! custody statement that does not cover what is owed. The administrator signs in and the overview
//! alerts on the reserve coverage; then opens Clearing, runs settlement with the default range (the earliest
//! day with a purchase through yesterday), watches the progress reach 100%, sees one result per
//! day, and opens the lines of the first day's batch. A screenshot of every step goes to
//! target/e2e-screenshots/.

#[macro_use]
mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{drivers_or_skip, ConsoleApp, TempDir};
use onecard::card_number::CardNumber;
use onecard::money::Money;
use onecard::types::{CardType, Category, Channel, Funding, Medium, PayerType};
use onecard::{Core, IssueRequest, MerchantAddRequest, OpenOptions, PayRequest, TopUpRequest};

const DEMO_PASSWORD: &str = "onecard-demo";

/// A core on the sandbox database whose clock reads 10:00 Shanghai time on `day`.
async fn core_on(url: &str, day: &str) -> Core {
    let opts = OpenOptions { key_file: None, now: Some(format!("{day}T10:00:00+08:00")) };
    Core::open_with(url, &opts).await.expect("open the sandbox at a past day")
}

/// A sandbox database with a mall, a merchant, a card and purchases of 100.00 three days ago and
/// 50.00 two days ago (Shanghai business days). Returns the URL and the three days to settle.
async fn seeded(dir: &TempDir) -> (String, [String; 3]) {
    let url = format!("sqlite://{}", dir.path().join("onecard.db").display());
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_micros() as i64;
    let today = onecard::clock::business_day(now);
    let d1 = today.pred_opt().expect("yesterday");
    let d2 = d1.pred_opt().expect("two days ago");
    let d3 = d2.pred_opt().expect("three days ago");
    let days = [d3.to_string(), d2.to_string(), d1.to_string()];
    drop(Core::init(&url, true).await.expect("init the sandbox"));

    let core = core_on(&url, &days[0]).await;
    let admin = core.actor("admin").await.expect("admin");
    common::add_demo_mall(&core, &admin).await;
    let m = core
        .merchant_add_full(
            &admin,
            MerchantAddRequest { mall: "SH01".into(), name: "耐克工厂店".into(), category: Category::Sports },
            Some(60),
            None,
        )
        .await
        .expect("add a merchant");
    let merchant = m["merchant"].as_i64().expect("merchant id");
    let card = core
        .issue_card(&admin, IssueRequest { card_type: CardType::Physical, holder: None, mall: Some("SH01".into()) })
        .await
        .expect("issue a card");
    let card = CardNumber::parse(&card.card).expect("card number");
    core.top_up(
        &admin,
        TopUpRequest {
            card: card.clone(),
            amount: Money::parse("500").expect("amount"),
            channel: Channel::parse("wechat").expect("channel"),
            payer_type: PayerType::Person,
            payer_name: None,
            funding: Funding::Debit,
            reference: "e2e-load".into(),
        },
    )
    .await
    .expect("top up");
    let purchase = |amount: &str, reference: &str| PayRequest {
        card: card.clone(),
        amount: Money::parse(amount).expect("amount"),
        merchant,
        medium: Medium::Nfc,
        qr_payload: None,
        checkout_seconds: None,
        reference: reference.into(),
    };
    core.pay(&admin, purchase("100", "e2e-p1")).await.expect("pay three days ago");
    drop(core);
    let core = core_on(&url, &days[1]).await;
    core.pay(&admin, purchase("50", "e2e-p2")).await.expect("pay two days ago");
    // The custody bank's statement of yesterday holds 300.00 for 350.00 on the card and 150.00
    // owed to the merchant: coverage 60.00%, an alert on the overview.
    let custody = dir.path().join("custody.csv");
    std::fs::write(&custody, format!("date,opening,inflows,outflows,closing\n{},0,300.00,0,300.00\n", days[2]))
        .expect("write the custody statement");
    core.reserve_import(&admin, &custody).await.expect("import the custody statement");
    drop(core);
    (url, days)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finance_catches_up_settlement_with_progress() {
    let Some(drivers) = drivers_or_skip("e2e_clearing") else { return };
    let data = TempDir::new("onecard-e2e-clearing");
    let (db_url, days) = seeded(&data).await;
    // The console's date pickers use the webview's local day: a Shanghai desk, as in the malls.
    let app = ConsoleApp::launch(&drivers, &[("ONECARD_DB", db_url.into()), ("TZ", "Asia/Shanghai".into())]).await;

    step!(app, "20-login-admin-reserve-alert", {
        app.wait_for_page_text(&["admin", DEMO_PASSWORD]).await?;
        app.sign_in("admin", DEMO_PASSWORD).await?;
        // The overview (the admin's first screen) alerts: the reserve covers 60.00% of what is owed.
        let alert = app.wait_for_id_text("overview-reserve-alert", "60.00%").await?;
        if !alert.contains(&days[2]) {
            return Err(format!("the reserve alert does not name the statement's day {}: {alert}", days[2]));
        }
        Ok(())
    });

    step!(app, "21-clearing-run-settlement", {
        app.click("menu-clearing").await?;
        app.by_id("clearing-settlement").await?;
        app.click("clearing-run").await?;
        app.by_id("clearing-run-panel").await?;
        // From left empty: the earliest day with a purchase; to: yesterday.
        app.click("clearing-run-start").await?;
        app.wait_for("[data-testid='clearing-run-outcome'][data-outcome='done']").await.map(drop)
    });

    step!(app, "22-progress-finished-one-result-per-day", {
        let progress = app.by_id("clearing-run-progress").await?;
        let percent = progress.attr("data-percent").await.map_err(|e| format!("data-percent: {e}"))?;
        if percent.as_deref() != Some("100") {
            return Err(format!("the progress ended at {percent:?}%, not 100%"));
        }
        app.wait_for_id_text("clearing-run-stage", "3 / 3").await?;
        for d in &days {
            app.by_id(&format!("clearing-run-day-{d}")).await?;
        }
        let rows = app.count("[data-testid^='clearing-run-day-']").await;
        if rows != 3 {
            return Err(format!("{rows} result rows, not 3 (one per business day)"));
        }
        Ok(())
    });

    step!(app, "23-batch-lines-of-the-first-day", {
        app.click(&format!("clearing-run-show-{}", days[0])).await?;
        let lines = app.wait_for_id_text("clearing-lines", "耐克工厂店").await?;
        // 100.00 at 0.60%: fees 0.60, net and payout 99.40.
        for needle in ["100.00", "0.60", "99.40"] {
            if !lines.contains(needle) {
                return Err(format!("the batch lines do not show {needle}:\n{lines}"));
            }
        }
        Ok(())
    });

    step!(app, "24-second-day-lines", {
        app.click(&format!("clearing-run-show-{}", days[1])).await?;
        app.wait_for_id_text("clearing-lines", "49.70").await.map(drop)
    });

    app.quit().await;
}
