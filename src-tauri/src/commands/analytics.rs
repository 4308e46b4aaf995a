//! The dashboards (issue 5): the same JSON, chart and export as `onecard dashboard|chart|forecast`,
//! so the console and the CLI can never disagree on a figure. The JSON is passed through as is
//! (typed by hand in ui/src/services/analytics.ts); the core checks who may read it.

use onecard::analytics::charts;
use onecard::analytics::metrics::Filter;
use onecard::clock::parse_date;
use serde_json::Value;
use tauri::State;

use crate::{AppState, CommandError};

/// The filter the CLI builds from `--from/--to/--region/--mall`; empty strings mean "not set"
/// because the UI's form sends them for cleared fields.
fn filter(
    from: Option<String>,
    to: Option<String>,
    region: Option<String>,
    mall: Option<String>,
) -> Result<Filter, CommandError> {
    let set = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    Ok(Filter {
        from: set(from).map(|d| parse_date(&d)).transpose()?,
        to: set(to).map(|d| parse_date(&d)).transpose()?,
        region: set(region),
        mall: set(mall),
    })
}

/// `dashboard compare|card-types|merchants|regions`: the figures with their reference ranges.
#[tauri::command(rename_all = "snake_case")]
pub async fn dashboard(
    state: State<'_, AppState>,
    kind: String,
    from: Option<String>,
    to: Option<String>,
    region: Option<String>,
    mall: Option<String>,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.dashboard(&actor, &kind, &filter(from, to, region, mall)?).await?)
}

/// The dashboard's chart as SVG text: the picture `onecard chart --out x.svg` draws.
#[tauri::command(rename_all = "snake_case")]
pub async fn dashboard_chart(
    state: State<'_, AppState>,
    kind: String,
    from: Option<String>,
    to: Option<String>,
    region: Option<String>,
    mall: Option<String>,
) -> Result<String, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let v = core.dashboard(&actor, &kind, &filter(from, to, region, mall)?).await?;
    Ok(charts::svg(&kind, &v)?)
}

/// Writes the dashboard's table to `path` as XLSX or CSV (`onecard dashboard --export`); the
/// format decides the extension so the file always opens in the program it claims.
/// An empty path writes `onecard-<kind>` into the Downloads folder.
#[allow(clippy::too_many_arguments)] // one per CLI flag; a request struct would only rename them
#[tauri::command(rename_all = "snake_case")]
pub async fn dashboard_export(
    state: State<'_, AppState>,
    kind: String,
    format: String,
    path: String,
    from: Option<String>,
    to: Option<String>,
    region: Option<String>,
    mall: Option<String>,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let ext = match format.to_ascii_lowercase().as_str() {
        "xlsx" => "xlsx",
        "csv" => "csv",
        _ => return Err(CommandError::new("invalid_argument", "format must be xlsx or csv")),
    };
    // No path: the Downloads folder, as the batch export does.
    let path = match path.trim() {
        "" => dirs::download_dir()
            .or_else(dirs::home_dir)
            .ok_or_else(|| CommandError::new("export_failed", "no Downloads folder to write to"))?
            .join(format!("onecard-{kind}")),
        p => std::path::PathBuf::from(p),
    }
    .with_extension(ext);
    let v = core.dashboard(&actor, &kind, &filter(from, to, region, mall)?).await?;
    Ok(charts::export(&kind, &v, &path)?)
}

/// `forecast --merchant ID --weeks N`: the merchant's sales forecast and stock advice.
#[tauri::command(rename_all = "snake_case")]
pub async fn forecast(
    state: State<'_, AppState>,
    merchant: i64,
    weeks: Option<i64>,
    lead_days: Option<i64>,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.forecast(&actor, merchant, weeks.unwrap_or(4), lead_days.unwrap_or(14)).await?)
}
