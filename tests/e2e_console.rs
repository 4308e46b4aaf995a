//! End to end on the real webview (tauri-driver + WebKitWebDriver under Xvfb): an operator's day
//! at the counter, as issue 3 describes it. Sign in; issue a registered card; top it up with
//! 1,000.00; pay 300.00 at a merchant; the card's drawer shows 700.00 and three activities; a
//! top-up over the cap is refused with the Chinese reason beside the amount; switching to English
//! shows the same screen, and the same refusal, in English. A second test signs in as an auditor
//! and finds no counter menus. A screenshot of every step goes to target/e2e-screenshots/.

#[macro_use]
mod common;

use common::{drivers_or_skip, ConsoleApp, TempDir};
use onecard::types::{Category, Role};
use onecard::{Core, MerchantAddRequest, UserAddRequest};

const DEMO_PASSWORD: &str = "onecard-demo";

/// The UI's own strings, so the test checks what a person reads (and fails if a key is missing).
fn locale(lang: &str, path: &str) -> String {
    let file = format!("{}/ui/src/locales/{lang}.json", env!("CARGO_MANIFEST_DIR"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read a locale")).expect("locale JSON");
    let mut v = &json;
    for part in path.split('.') {
        v = &v[part];
    }
    v.as_str().unwrap_or_else(|| panic!("{file} has no string {path}")).to_string()
}

/// A sandbox database with a mall and a merchant (and an auditor), as the console would find it.
async fn seeded(dir: &TempDir) -> (String, String) {
    let url = format!("sqlite://{}", dir.path().join("onecard.db").display());
    let core = Core::init(&url, true).await.expect("init the sandbox");
    let admin = core.actor("admin").await.expect("admin");
    common::add_demo_mall(&core, &admin).await;
    let m = core
        .merchant_add(
            &admin,
            MerchantAddRequest { mall: "SH01".into(), name: "耐克工厂店".into(), category: Category::Sports },
        )
        .await
        .expect("add a merchant");
    core.user_add(
        &admin,
        UserAddRequest {
            name: "audit1".into(),
            role: Role::Auditor,
            scopes: vec![],
            password: Some("audit-pass-1".into()),
        },
    )
    .await
    .expect("add an auditor");
    (url, m["merchant"].as_i64().expect("merchant id").to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_issues_tops_up_and_takes_a_payment() {
    let Some(drivers) = drivers_or_skip("e2e_console") else { return };
    let data = TempDir::new("onecard-e2e-db");
    let (db_url, merchant) = seeded(&data).await;
    let app = ConsoleApp::launch(&drivers, &[("ONECARD_DB", db_url.into())]).await;

    step!(app, "01-login", {
        // The sandbox shows its demo credentials on the login screen.
        app.wait_for_page_text(&["admin", DEMO_PASSWORD]).await?;
        app.sign_in("admin", DEMO_PASSWORD).await
    });

    let card = step!(app, "02-issue-registered-card", {
        app.click("menu-issue").await?;
        app.click_css("[data-testid='issue-type'] [data-value='physical']").await?;
        app.click("issue-registered").await?;
        app.type_into("issue-holder-name", "张三").await?;
        app.type_into("issue-id-number", "11010519491231002X").await?;
        app.type_into("issue-phone", "13800138000").await?;
        app.click("issue-submit").await?;
        let text = app.wait_for_id_text("issue-result-card", "990088").await?;
        let number: String = text.chars().filter(char::is_ascii_digit).collect();
        if number.len() != 19 {
            return Err(format!("issue-result-card showed {text:?}, not a 19-digit number"));
        }
        Ok(number)
    });

    step!(app, "03-top-up-1000", {
        app.click("menu-topup").await?;
        app.type_into("topup-card", &card).await?;
        app.type_into("topup-amount", "1000").await?;
        app.click_css("[data-testid='topup-channel'] [data-value='wechat']").await?;
        app.click("topup-submit").await?;
        app.wait_for_id_text("topup-result-balance", "1,000.00").await.map(drop)
    });

    step!(app, "04-pay-300", {
        app.click("menu-cashier").await?;
        app.type_into("pay-card", &card).await?;
        // The merchant picker searches by name or id; pick the option it offers.
        app.click("pay-merchant").await?;
        app.type_into("pay-merchant", &merchant).await?;
        app.click_css(&format!(".ant-select-item-option [data-value='{merchant}']")).await?;
        app.type_into("pay-amount", "300").await?;
        app.click_css("[data-testid='pay-medium'] [data-value='nfc']").await?;
        app.click("pay-submit").await?;
        app.wait_for_id_text("pay-result-balance", "700.00").await.map(drop)
    });

    step!(app, "05-card-drawer-700-three-activities", {
        app.click("menu-cards").await?;
        app.type_into("cards-filter-number", &card).await?;
        app.click("cards-search").await?;
        app.click_css("[data-testid^='card-row-'] td").await?;
        app.by_id("card-drawer").await?;
        app.wait_for_id_text("card-balance", "700.00").await?;
        let deadline = std::time::Instant::now() + common::UI_TIMEOUT;
        loop {
            let n = app.count("[data-testid='card-activity']").await;
            if n == 3 {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err(format!("the timeline shows {n} activities, not 3 (issue, top-up, purchase)"));
            }
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        }
        for kind in ["issue", "top_up", "purchase"] {
            if app.count(&format!("[data-testid='card-activity'][data-kind='{kind}']")).await != 1 {
                return Err(format!("no {kind} activity in the timeline"));
            }
        }
        Ok(())
    });

    let zh_reason = locale("zh-CN", "errors.balance_cap_exceeded");
    step!(app, "06-over-cap-refused-zh", {
        // 700.00 + 4,500.00 would be 5,200.00, over the registered card's 5,000.00 cap.
        app.driver.refresh().await.map_err(|e| format!("reload: {e}"))?;
        app.click("menu-topup").await?;
        app.type_into("topup-card", &card).await?;
        app.type_into("topup-amount", "4500").await?;
        app.click("topup-submit").await?;
        app.wait_for_id_text("topup-error", &zh_reason).await.map(drop)
    });

    step!(app, "07-same-screen-en-us", {
        app.click_css("[data-testid='lang-switch']").await?;
        app.click_css("[data-lang='en-US']").await?;
        let en_reason = locale("en-US", "errors.balance_cap_exceeded");
        app.wait_for_id_text("topup-error", &en_reason).await?;
        let title = locale("en-US", "menu.topup");
        let submit = locale("en-US", "topup.submit");
        app.wait_for_page_text(&[&title, &submit]).await?;
        if app.page_text().await.contains(&zh_reason) {
            return Err("the Chinese refusal is still on screen after switching to English".into());
        }
        Ok(())
    });

    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditors_menu_has_no_counter() {
    let Some(drivers) = drivers_or_skip("e2e_console_auditor") else { return };
    let data = TempDir::new("onecard-e2e-db");
    let (db_url, _) = seeded(&data).await;
    let app = ConsoleApp::launch(&drivers, &[("ONECARD_DB", db_url.into())]).await;
    step!(app, "10-auditor-menu", {
        app.sign_in("audit1", "audit-pass-1").await?;
        app.by_id("menu-cards").await?;
        for hidden in ["menu-topup", "menu-cashier", "menu-issue", "menu-batch", "menu-users"] {
            if app.count(&format!("[data-testid='{hidden}']")).await != 0 {
                return Err(format!("an auditor sees {hidden}"));
            }
        }
        Ok(())
    });
    app.quit().await;
}
