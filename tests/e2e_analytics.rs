//! End to end on the real webview: the operations database (issue 5). On a small sandbox with six
//! weeks of imported sales and stock counts (the hand-computed fixture of
//! core/tests/analytics_forecast.rs), the administrator signs in, opens the dashboards (the
//! core's chart, the period), narrows them to one mall through the mall select, opens the
//! forecast tab and forecasts the dining category (chart, MAPE 17.86%, and with the default 14
//! lead days a reorder of 1,120 x 0.5 + 49.50 safety - 500.00 on hand = 669.50), then
//! imports a small footfall CSV on the Imports screen and finds it in the list of imports; then
//! starts a large sales import, cancels it while its progress shows, and finds nothing of it
//! written (the list of imports and the dashboards' figures are as before).
//! Screenshots of every step go to target/e2e-screenshots/.

#[macro_use]
mod common;

use common::{drivers_or_skip, ConsoleApp, TempDir};
use onecard::analytics::import::Kind;
use onecard::analytics::metrics::Filter;
use onecard::analytics::Mode;
use onecard::types::{Category, CityTier};
use onecard::{Core, MallAddRequest, MerchantAddRequest};

const DEMO_PASSWORD: &str = "onecard-demo";

/// Two malls (M1 traditional until Feb 1 then card, M2 card), dining merchants A (M1) and B (M2)
/// and apparel C (M1); six weeks of sales (A 100.00 a day; B 10..60 a day, doubled from week 3;
/// C 50.00 a day) and stock counts for A and B.
async fn seeded(dir: &TempDir) -> (String, i64) {
    let url = format!("sqlite://{}", dir.path().join("onecard.db").display());
    let core = Core::init(&url, true).await.expect("init the sandbox");
    let admin = core.actor("admin").await.expect("admin");
    for (code, name, region, mode, since) in [
        ("M1", "上海奥莱", "east", Mode::Traditional, "2026-02-01"),
        ("M2", "成都奥莱", "west", Mode::Card, "2026-01-01"),
    ] {
        let r = MallAddRequest {
            code: code.into(),
            name: name.into(),
            region: region.into(),
            city_tier: CityTier::parse("1").expect("tier"),
            mode: Some(mode),
            card_since: Some(since.into()),
        };
        core.mall_add(&admin, r).await.expect("add a mall");
    }
    let mut ids = Vec::new();
    for (mall, name, category) in
        [("M1", "A", Category::Dining), ("M2", "B", Category::Dining), ("M1", "C", Category::Apparel)]
    {
        let r = MerchantAddRequest { mall: mall.into(), name: name.into(), category };
        ids.push(core.merchant_add(&admin, r).await.expect("add a merchant")["merchant"].as_i64().expect("id"));
    }
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    let mut csv =
        String::from("mall,merchant,channel,txn_id,time,amount,customer_id,member,checkout_seconds,returned\n");
    for i in 0..42 {
        // Jan 12..31, then Feb 1..22 (this crate has no date library).
        let day = if i < 20 { format!("2026-01-{:02}", 12 + i) } else { format!("2026-02-{:02}", i - 19) };
        let k = (i % 7) as usize;
        let b_amount = if i < 14 { [10, 20, 30, 40, 50, 60, 10][k] } else { [10, 40, 60, 80, 100, 120, 10][k] };
        csv.push_str(&format!("M1,{a},till,a{i},{day}T12:00:00+08:00,100.00,c{i},true,240,false\n"));
        csv.push_str(&format!("M2,{b},till,b{i},{day}T12:00:00+08:00,{b_amount}.00,,false,90,false\n"));
        csv.push_str(&format!("M1,{c},till,c{i},{day}T12:00:00+08:00,50.00,,false,,false\n"));
    }
    core.import_bytes(&admin, Kind::Sales, "sales-6w.csv", csv.as_bytes()).await.expect("import sales");
    let inv = format!(
        "merchant,date,stock_at_cost,cogs\n{a},2026-01-12,1000.00,2100.00\n{a},2026-02-22,300.00,0\n\
         {b},2026-01-12,200.00,1060.00\n"
    );
    core.import_bytes(&admin, Kind::Inventory, "inventory.csv", inv.as_bytes()).await.expect("import stock");
    (url, a)
}

/// What a cancelled import must leave as it was: the files imported and the mode comparison
/// (sales, transactions, buyers), read through a core of the test's own on the same file.
async fn written(db_url: &str) -> (Vec<String>, serde_json::Value) {
    let core = Core::open(db_url).await.expect("open the console's database");
    let admin = core.actor("admin").await.expect("admin");
    let files = core.import_list(&admin, 100).await.expect("imports").into_iter().map(|r| r.file).collect();
    let compare = core.dashboard(&admin, "compare", &Filter::default()).await.expect("compare");
    core.close().await;
    (files, compare)
}

/// Waits until at least one element matches `css` (e.g. the SVG inside a chart).
async fn wait_count(app: &ConsoleApp, css: &str) -> Result<(), String> {
    let deadline = std::time::Instant::now() + common::UI_TIMEOUT;
    while std::time::Instant::now() < deadline {
        if app.count(css).await > 0 {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Err(format!("nothing matched {css} within {:?}", common::UI_TIMEOUT))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_forecast_and_an_import() {
    let Some(drivers) = drivers_or_skip("e2e_analytics") else { return };
    let data = TempDir::new("onecard-e2e-ana");
    let (db_url, merchant_a) = seeded(&data).await;
    let footfall = data.path().join("footfall-e2e.csv");
    std::fs::write(
        &footfall,
        "mall,date,hour,entries\nM1,2026-02-20,10,120\nM1,2026-02-20,11,80\nM2,2026-02-21,12,64\n",
    )
    .expect("write the footfall file");
    // Big enough that its import (reading, checking, writing in chunks) is still running when
    // Cancel is clicked.
    let big = data.path().join("sales-big.csv");
    let mut csv =
        String::from("mall,merchant,channel,txn_id,time,amount,customer_id,member,checkout_seconds,returned\n");
    for i in 0..300_000 {
        let day = 1 + i % 28;
        csv.push_str(&format!(
            "M1,{merchant_a},till,big{i},2026-02-{day:02}T15:00:00+08:00,12.50,g{i},false,60,false\n"
        ));
    }
    std::fs::write(&big, csv).expect("write the big sales file");
    let app = ConsoleApp::launch(&drivers, &[("ONECARD_DB", db_url.clone().into())]).await;

    step!(app, "ana-01-login", {
        app.wait_for_page_text(&["admin", DEMO_PASSWORD]).await?;
        app.sign_in("admin", DEMO_PASSWORD).await
    });

    step!(app, "ana-02-dashboards", {
        app.click("menu-analytics").await?;
        wait_count(&app, "[data-testid='dashboard-chart'] svg").await?;
        app.wait_for_id_text("dashboard-period", "2026-02-22").await.map(drop)
    });

    step!(app, "ana-03-mall-select", {
        // The mall filter is a select fed from the user's view, not free text.
        app.click("dashboard-mall").await?;
        app.click_css(".ant-select-item-option [data-value='M2']").await?;
        app.click("dashboard-apply").await?;
        wait_count(&app, "[data-testid='dashboard-chart'] svg").await?;
        app.wait_for_page_text(&["成都奥莱"]).await.map(drop)
    });

    step!(app, "ana-04-forecast-category", {
        app.click("dashboard-tab-forecast").await?;
        app.click("forecast-by-category").await?;
        app.click("forecast-category").await?;
        app.click_css(".ant-select-item-option [data-value='dining']").await?;
        app.click("forecast-run").await?;
        wait_count(&app, "[data-testid='forecast-chart'] svg").await?;
        app.wait_for_id_text("forecast-mape", "17.86%").await?;
        app.wait_for_id_text("forecast-reorder-amount", "669.50").await?;
        app.wait_for_id_text("forecast-table", "1120.00").await.map(drop)
    });

    step!(app, "ana-05-import-footfall", {
        app.click("menu-imports").await?;
        app.click("import-kind").await?;
        app.click("import-kind-footfall").await?;
        app.type_into("import-path", footfall.to_str().expect("utf-8 path")).await?;
        app.click("import-run").await?;
        app.wait_for_id_text("import-done", "footfall-e2e.csv").await?;
        app.wait_for_id_text("import-list", "footfall-e2e.csv").await?;
        app.wait_for_id_text("import-list", "sales-6w.csv").await.map(drop)
    });

    let before = written(&db_url).await;
    assert_eq!(before.0.len(), 3, "{:?}", before.0);
    step!(app, "ana-06-import-cancelled", {
        app.click("import-kind").await?;
        app.click("import-kind-sales").await?;
        app.retype("import-path", big.to_str().expect("utf-8 path")).await?;
        app.click("import-run").await?;
        // Cancelled as soon as the progress bar names a stage with row counts: the earliest
        // moment a user sees the job run, and the widest margin before its commit.
        let stage = app.wait_for_id_text("import-stage", " / ").await?;
        app.click("import-cancel").await?;
        app.by_id("import-cancelled").await.map_err(|e| format!("{e} (Cancel clicked at {stage:?})"))?;
        app.click("import-list-reload").await?;
        let list = app.wait_for_id_text("import-list", "footfall-e2e.csv").await?;
        if list.contains("sales-big.csv") {
            return Err(format!("the cancelled file is listed as imported: {list}"));
        }
        Ok(())
    });

    app.quit().await;
    // Nothing of the cancelled file: not recorded as imported (so it can be imported again), not
    // counted in any figure.
    assert_eq!(written(&db_url).await, before);
}
