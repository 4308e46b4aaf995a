//! The dashboards (issue 5): the same JSON, chart and export as `onecard dashboard|chart|forecast`,
//! and imports with progress (`onecard import`, `onecard imports`),
//! so the console and the CLI can never disagree on a figure. The JSON is passed through as is
//! (typed by hand in ui/src/services/analytics.ts); the core checks who may read it.

use onecard::analytics::api::ImportRecord;
use onecard::analytics::charts;
use onecard::analytics::forecast::Subject;
use onecard::analytics::import::Kind;
use onecard::analytics::metrics::Filter;
use onecard::clock::parse_date;
use onecard::types::Category;
use onecard::JobProgress;
use serde_json::Value;
use tauri::ipc::Channel;
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

/// Where an export goes: the path with the format's extension, or `onecard-<kind>.<ext>` in the
/// Downloads folder when the path is empty (as the batch export does).
fn export_path(kind: &str, format: &str, path: &str) -> Result<std::path::PathBuf, CommandError> {
    let ext = match format.to_ascii_lowercase().as_str() {
        "xlsx" => "xlsx",
        "csv" => "csv",
        _ => return Err(CommandError::new("invalid_argument", "format must be xlsx or csv")),
    };
    Ok(match path.trim() {
        "" => dirs::download_dir()
            .or_else(dirs::home_dir)
            .ok_or_else(|| CommandError::new("export_failed", "no Downloads folder to write to"))?
            .join(format!("onecard-{kind}")),
        p => std::path::PathBuf::from(p),
    }
    .with_extension(ext))
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
    let path = export_path(&kind, &format, &path)?;
    let v = core.dashboard(&actor, &kind, &filter(from, to, region, mall)?).await?;
    Ok(charts::export(&kind, &v, &path)?)
}

/// The regions, malls, merchants and categories the dashboards' filters and the forecast offer:
/// those in the user's view.
#[tauri::command(rename_all = "snake_case")]
pub async fn dashboard_catalog(state: State<'_, AppState>) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.dashboard_catalog(&actor).await?)
}

/// What a forecast is of: a merchant, or a category (optionally in one mall). Empty strings
/// are "not set", as in the dashboards' filter.
fn subject(merchant: Option<i64>, category: Option<String>, mall: Option<String>) -> Result<Subject, CommandError> {
    let set = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    match (merchant, set(category)) {
        (Some(m), None) => Ok(Subject::Merchant(m)),
        (None, Some(c)) => Ok(Subject::Category(Category::parse(&c)?, set(mall))),
        _ => Err(CommandError::new("invalid_argument", "choose a merchant or a category")),
    }
}

/// The forecast the three forecast commands show, draw or export (defaults as the CLI's: 4 weeks,
/// 14 lead days).
async fn forecast_value(
    state: &AppState,
    merchant: Option<i64>,
    category: Option<String>,
    mall: Option<String>,
    weeks: Option<i64>,
    lead_days: Option<i64>,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let s = subject(merchant, category, mall)?;
    Ok(core.forecast_of(&actor, &s, weeks.unwrap_or(4), lead_days.unwrap_or(14)).await?)
}

/// `forecast --merchant ID | --category C [--mall CODE] --weeks N`: the sales forecast, its
/// backtest error, the weekly history and the reorder suggestion.
#[tauri::command(rename_all = "snake_case")]
pub async fn forecast(
    state: State<'_, AppState>,
    merchant: Option<i64>,
    category: Option<String>,
    mall: Option<String>,
    weeks: Option<i64>,
    lead_days: Option<i64>,
) -> Result<Value, CommandError> {
    forecast_value(&state, merchant, category, mall, weeks, lead_days).await
}

/// The forecast's chart as SVG text (`onecard forecast --chart x.svg`).
#[tauri::command(rename_all = "snake_case")]
pub async fn forecast_chart(
    state: State<'_, AppState>,
    merchant: Option<i64>,
    category: Option<String>,
    mall: Option<String>,
    weeks: Option<i64>,
    lead_days: Option<i64>,
) -> Result<String, CommandError> {
    let v = forecast_value(&state, merchant, category, mall, weeks, lead_days).await?;
    Ok(charts::svg("forecast", &v)?)
}

/// Writes the forecast's weekly table (history and forecast) as XLSX or CSV, like
/// `dashboard_export` (an empty path: `onecard-forecast.<ext>` in Downloads).
#[allow(clippy::too_many_arguments)] // one per CLI flag, as dashboard_export
#[tauri::command(rename_all = "snake_case")]
pub async fn forecast_export(
    state: State<'_, AppState>,
    format: String,
    path: String,
    merchant: Option<i64>,
    category: Option<String>,
    mall: Option<String>,
    weeks: Option<i64>,
    lead_days: Option<i64>,
) -> Result<Value, CommandError> {
    let path = export_path("forecast", &format, &path)?;
    let v = forecast_value(&state, merchant, category, mall, weeks, lead_days).await?;
    Ok(charts::export("forecast", &v, &path)?)
}

/// `onecard import KIND FILE` with progress (reading, checking, writing, committed) on
/// `on_progress`; `job_cancel(job)` before the commit leaves nothing written. Bad rows are an
/// answer, not a failure: `{"error":{"code":"invalid_rows","message","rows":[{line,column,reason}]}}`
/// (the CLI's JSON) so the screen can list them; success is `{"imported":{...}}`.
#[tauri::command(rename_all = "snake_case")]
pub async fn import_run(
    state: State<'_, AppState>,
    kind: String,
    path: String,
    job: String,
    on_progress: Channel<JobProgress>,
) -> Result<Value, CommandError> {
    let (core, actor) = state.signed_in().await?;
    let kind = Kind::parse(kind.trim())?;
    let path = std::path::PathBuf::from(path.trim());
    let control = super::progress_control(on_progress);
    state.start_job(&job, control.clone());
    let result = core.import_file_with(&actor, kind, &path, Some(control)).await;
    state.end_job(&job);
    match result {
        Ok(r) => Ok(serde_json::json!({ "imported": r })),
        Err(f) if !f.rows.is_empty() => Ok(f.to_json()),
        Err(f) => Err(f.error.into()),
    }
}

/// `onecard imports`: the files imported so far, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn import_list(state: State<'_, AppState>, limit: Option<i64>) -> Result<Vec<ImportRecord>, CommandError> {
    let (core, actor) = state.signed_in().await?;
    Ok(core.import_list(&actor, limit.unwrap_or(100)).await?)
}
