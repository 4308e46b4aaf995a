//! CLI handlers of the operations database and dashboards (issue 5): `mall set-mode`, `import`,
//! `sync`, `dashboard`, `chart`, `forecast`, `demo`, `bench-dashboard`.

use serde_json::{json, Value};

use super::{int, usage, Args};
use crate::analytics::import::Kind;
use crate::analytics::metrics::Filter;
use crate::analytics::Mode;
use crate::auth::Actor;
use crate::clock::parse_date;
use crate::error::Result;
use crate::Core;

pub(super) async fn mall_set_mode(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    let mall = a.word("CODE")?;
    let mode = Mode::parse(&a.need("--mode")?)?;
    let since = parse_date(&a.need("--since")?)?;
    a.done()?;
    core.mall_set_mode(actor, &mall, mode, since).await
}

fn filter(a: &mut Args) -> Result<Filter> {
    Ok(Filter {
        from: a.take("--from").map(|d| parse_date(&d)).transpose()?,
        to: a.take("--to").map(|d| parse_date(&d)).transpose()?,
        region: a.take("--region"),
        mall: a.take("--mall"),
    })
}

/// The analytics commands; `None` when `cmd` is not one of them.
pub(super) async fn run(cmd: &str, core: &Core, actor: &Actor, a: &mut Args) -> Option<Result<(Value, i32)>> {
    Some(match cmd {
        "import" => import(core, actor, a).await,
        "sync" => sync(core, actor, a).await.map(|v| (v, 0)),
        "imports" => imports(core, actor, a).await.map(|v| (v, 0)),
        "dashboard" => dashboard(core, actor, a).await.map(|v| (v, 0)),
        "chart" => chart(core, actor, a).await.map(|v| (v, 0)),
        "forecast" => forecast(core, actor, a).await.map(|v| (v, 0)),
        "bench-dashboard" => bench(core, actor, a).await.map(|v| (v, 0)),
        _ => return None,
    })
}

async fn import(core: &Core, actor: &Actor, a: &mut Args) -> Result<(Value, i32)> {
    let kind = Kind::parse(&a.word("KIND")?)?;
    let file = a.word("FILE")?;
    a.done()?;
    match core.import_file(actor, kind, std::path::Path::new(&file)).await {
        Ok(r) => Ok((serde_json::to_value(r).unwrap_or(Value::Null), 0)),
        // Bad rows are a structured error: every (line, column, reason), nothing written.
        Err(f) if !f.rows.is_empty() => {
            eprintln!("error [{}]: {}", f.error.code, f.error.message);
            Ok((f.to_json(), 1))
        }
        Err(f) => Err(f.error),
    }
}

async fn imports(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    let limit = a.take("--limit").map(|s| int(&s, "--limit")).transpose()?.unwrap_or(100);
    a.done()?;
    Ok(json!({"imports": core.import_list(actor, limit).await?}))
}

async fn sync(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    let dir = a.need("--from")?;
    a.done()?;
    core.sync_dir(actor, std::path::Path::new(&dir)).await
}

async fn dashboard(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    let which = a.word("dashboard (compare|card-types|merchants|regions)")?;
    let f = filter(a)?;
    let export = a.take("--export");
    a.done()?;
    let v = core.dashboard(actor, &which, &f).await?;
    if let Some(path) = export {
        let out = crate::analytics::charts::export(&which, &v, std::path::Path::new(&path))?;
        return Ok(json!({"dashboard": v, "exported": out}));
    }
    Ok(v)
}

async fn chart(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    let which = a.word("chart (compare|card-types|merchants|regions)")?;
    let out = a.need("--out")?;
    let f = filter(a)?;
    a.done()?;
    let v = core.dashboard(actor, &which, &f).await?;
    crate::analytics::charts::draw(&which, &v, std::path::Path::new(&out))
}

async fn forecast(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    use crate::analytics::forecast::Subject;
    let merchant = a.take("--merchant").map(|s| int(&s, "--merchant")).transpose()?;
    let category = a.take("--category").map(|s| crate::types::Category::parse(&s)).transpose()?;
    let mall = a.take("--mall");
    let weeks = a.take("--weeks").map(|s| int(&s, "--weeks")).transpose()?.unwrap_or(4);
    let lead = a.take("--lead-days").map(|s| int(&s, "--lead-days")).transpose()?.unwrap_or(14);
    let chart = a.take("--chart");
    let export = a.take("--export");
    a.done()?;
    let subject = match (merchant, category) {
        (Some(m), None) if mall.is_none() => Subject::Merchant(m),
        (None, Some(c)) => Subject::Category(c, mall),
        _ => return Err(usage("forecast needs --merchant ID, or --category C [--mall CODE]")),
    };
    let mut v = core.forecast_of(actor, &subject, weeks, lead).await?;
    if let Some(path) = chart {
        v["chart"] = crate::analytics::charts::draw("forecast", &v, std::path::Path::new(&path))?;
    }
    if let Some(path) = export {
        v["exported"] = crate::analytics::charts::export("forecast", &v, std::path::Path::new(&path))?;
    }
    Ok(v)
}

async fn bench(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    let runs = a.take("--runs").map(|s| int(&s, "--runs")).transpose()?.unwrap_or(20);
    a.done()?;
    crate::analytics::demo::bench_dashboard(core, actor, runs as usize).await
}

pub(super) async fn demo(url: &str, a: &mut Args) -> Result<Value> {
    let seed = a.take("--seed").map(|s| int(&s, "--seed")).transpose()?.unwrap_or(1) as u64;
    let scale = crate::analytics::demo::Scale::parse(&a.take("--scale").unwrap_or_else(|| "small".into()))?;
    a.done()?;
    if a.words.is_empty() && url.is_empty() {
        return Err(usage("demo needs --db"));
    }
    crate::analytics::demo::run(url, seed, scale).await
}
