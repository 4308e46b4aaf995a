//! Charts drawn by the core with plotters (SVG for the screen, PNG or SVG for export) in a CJK
//! font, so the console and an exported report show the same picture; and every dashboard table
//! as XLSX or CSV.

// Floats are drawing coordinates only: the figures were computed exactly before they get here.
#![allow(clippy::float_arithmetic)]

use std::path::Path;

use plotters::prelude::*;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::export::{Cell, ExportFormat, Table};

const MODES: [&str; 3] = ["traditional", "card", "ecommerce"];
const MODE_ZH: [&str; 3] = ["传统 traditional", "一卡通 card", "电商 e-commerce"];
const COLORS: [RGBColor; 3] = [RGBColor(120, 130, 150), RGBColor(22, 119, 255), RGBColor(250, 140, 22)];

/// Where the CJK font is looked for (fonts-noto-cjk on Debian), `ONECARD_CHART_FONT` first.
fn font_bytes() -> Result<&'static [u8]> {
    static FONT: std::sync::OnceLock<Option<&'static [u8]>> = std::sync::OnceLock::new();
    let f = FONT.get_or_init(|| {
        let mut paths: Vec<String> = std::env::var("ONECARD_CHART_FONT").ok().into_iter().collect();
        paths.extend(
            [
                "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
                "/System/Library/Fonts/PingFang.ttc",
                "C:\\Windows\\Fonts\\msyh.ttc",
            ]
            .map(String::from),
        );
        paths.iter().find_map(|p| std::fs::read(p).ok()).map(|b| &*Box::leak(b.into_boxed_slice()))
    });
    f.ok_or_else(|| {
        Error::new("font_unavailable", "no CJK font found (install fonts-noto-cjk or set ONECARD_CHART_FONT)")
    })
}

fn register() -> Result<()> {
    static DONE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let bytes = font_bytes()?;
    let ok = *DONE.get_or_init(|| plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok());
    if ok {
        Ok(())
    } else {
        Err(Error::new("font_unavailable", "the CJK font could not be loaded"))
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        // Display only: the figures were computed exactly; a chart needs coordinates.
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn chart_err(e: impl std::fmt::Display) -> Error {
    Error::new("chart_failed", format!("cannot draw the chart: {e}"))
}

/// One panel: a bar per mode with the reference band (or line) beside it.
fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    values: [Option<f64>; 3],
    bands: [Option<(f64, f64)>; 3],
) -> Result<()> {
    let top = values.iter().flatten().chain(bands.iter().flatten().map(|b| &b.1)).fold(0.0f64, |a, b| a.max(*b)) * 1.2;
    let top = if top > 0.0 { top } else { 1.0 };
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..3f64, 0f64..top)
        .map_err(chart_err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(7)
        .x_label_formatter(&|x| {
            let i = (x - 0.5).round();
            if (x - 0.5 - i).abs() < 0.01 {
                MODE_ZH.get(i as usize).map_or(String::new(), |s| s.to_string())
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(chart_err)?;
    for i in 0..3 {
        let x = i as f64;
        if let Some((lo, hi)) = bands[i] {
            let (lo, hi) = if (hi - lo).abs() < f64::EPSILON { (lo - top * 0.005, hi + top * 0.005) } else { (lo, hi) };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.1, lo), (x + 0.9, hi)],
                    COLORS[i].mix(0.18).filled(),
                )))
                .map_err(chart_err)?;
        }
        if let Some(v) = values[i] {
            chart
                .draw_series(std::iter::once(Rectangle::new([(x + 0.3, 0.0), (x + 0.7, v)], COLORS[i].filled())))
                .map_err(chart_err)?;
        }
    }
    Ok(())
}

fn band(r: &Value) -> Option<(f64, f64)> {
    match r {
        Value::Array(a) if a.len() == 2 => Some((num(&a[0])?, num(&a[1])?)),
        v => num(v).map(|x| (x, x)),
    }
}

fn draw_on<DB: DrawingBackend>(root: DrawingArea<DB, plotters::coord::Shift>, which: &str, v: &Value) -> Result<()> {
    root.fill(&WHITE).map_err(chart_err)?;
    match which {
        "compare" | "regions" => {
            let modes = if which == "compare" { v["modes"].clone() } else { v["tiers"][0]["modes"].clone() };
            let panels = root.split_evenly((2, 2));
            let metrics = [
                ("footfall_per_mall", "年客流量/场 annual footfall per mall"),
                ("avg_ticket", "客单价 average ticket (CNY)"),
                ("member_conversion", "会员转化率 member conversion"),
                ("marketing_cost_share", "营销成本占比 marketing cost share"),
            ];
            for (area, (key, title)) in panels.iter().zip(metrics) {
                let values = MODES.map(|m| num(&modes[m][key]));
                let bands = MODES.map(|m| band(&modes[m]["reference"][key]));
                bars(area, title, values, bands)?;
            }
        }
        "card-types" => {
            let panels = root.split_evenly((1, 3));
            for (area, t) in panels.iter().zip(["physical", "virtual", "cobrand"]) {
                let h = &v["types"][t]["heatmap"];
                let max = (0..7)
                    .flat_map(|d| (0..24).map(move |x| (d, x)))
                    .filter_map(|(d, x)| h[d][x].as_i64())
                    .max()
                    .unwrap_or(0)
                    .max(1);
                let title = match t {
                    "physical" => "实体卡 physical",
                    "virtual" => "虚拟卡 virtual",
                    _ => "联名卡 cobrand",
                };
                let mut chart = ChartBuilder::on(area)
                    .caption(title, ("sans-serif", 20))
                    .margin(10)
                    .x_label_area_size(30)
                    .y_label_area_size(40)
                    .build_cartesian_2d(0i32..24i32, 0i32..7i32)
                    .map_err(chart_err)?;
                chart
                    .configure_mesh()
                    .disable_mesh()
                    .y_label_formatter(&|d| {
                        ["一", "二", "三", "四", "五", "六", "日"].get(*d as usize).unwrap_or(&"").to_string()
                    })
                    .label_style(("sans-serif", 12))
                    .draw()
                    .map_err(chart_err)?;
                chart
                    .draw_series((0..7).flat_map(|d| (0..24).map(move |x| (d, x))).map(|(d, x)| {
                        let n = h[d][x].as_i64().unwrap_or(0);
                        let c = COLORS[1].mix(0.05 + 0.95 * n as f64 / max as f64);
                        Rectangle::new([(x as i32, d as i32), (x as i32 + 1, d as i32 + 1)], c.filled())
                    }))
                    .map_err(chart_err)?;
            }
        }
        "merchants" => {
            let s = &v["summary"];
            let panels = root.split_evenly((2, 2));
            let metrics = [
                ("checkout_seconds", "结账耗时 checkout (s)"),
                ("return_rate", "退换货率 return rate"),
                ("marketing_reach", "营销触达率 marketing reach"),
                ("inventory_days", "库存周转天数 inventory days"),
            ];
            for (area, (key, title)) in panels.iter().zip(metrics) {
                let r = &v["reference"][key];
                let values = [num(&s["before"][key]), num(&s["after"][key]), None];
                let bands = [band(&r["before"]), band(&r["after"]), None];
                let t = format!("{title}  ({})", s["change"][key].as_str().unwrap_or("-"));
                bars(area, &t, values, bands)?;
            }
        }
        "forecast" => forecast_chart(&root, v)?,
        _ => return Err(Error::new("invalid_dashboard", format!("no chart {which:?}"))),
    }
    root.present().map_err(chart_err)?;
    Ok(())
}

/// The forecast: weekly net sales of the history (blue) and the forecast weeks (orange) on one
/// time axis, the method and the backtest error in the caption.
fn forecast_chart<DB: DrawingBackend>(root: &DrawingArea<DB, plotters::coord::Shift>, v: &Value) -> Result<()> {
    let weeks = |k: &str| -> Vec<(String, f64)> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .map(|w| (w["week_start"].as_str().unwrap_or("").to_string(), num(&w["sales"]).unwrap_or(0.0)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (history, forecast) = (weeks("history"), weeks("forecast"));
    let labels: Vec<String> = history.iter().chain(&forecast).map(|(d, _)| d.clone()).collect();
    let n = labels.len().max(2);
    let top = history.iter().chain(&forecast).fold(0.0f64, |a, (_, y)| a.max(*y)) * 1.15;
    let top = if top > 0.0 { top } else { 1.0 };
    let subject = match v["merchant"].as_i64() {
        Some(m) => format!("商户 merchant {m} {}", v["name"].as_str().unwrap_or("")),
        None => format!(
            "品类 category {}{}",
            v["category"].as_str().unwrap_or(""),
            v["mall"].as_str().map(|m| format!(" @ {m}")).unwrap_or_default()
        ),
    };
    let caption = format!(
        "销售预测 sales forecast · {subject} · {} · MAPE {}",
        v["method"].as_str().unwrap_or(""),
        v["backtest_mape"].as_str().unwrap_or("-")
    );
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..(n - 1) as f64, 0f64..top)
        .map_err(chart_err)?;
    let step = (n / 8).max(1);
    chart
        .configure_mesh()
        .x_labels(n.min(60))
        .x_label_formatter(&|x| {
            let i = x.round() as usize;
            if (x - i as f64).abs() < 0.01 && i.is_multiple_of(step) {
                labels.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("元 CNY / 周 week")
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(chart_err)?;
    let h: Vec<(f64, f64)> = history.iter().enumerate().map(|(i, (_, y))| (i as f64, *y)).collect();
    chart
        .draw_series(LineSeries::new(h.clone(), COLORS[1].stroke_width(2)))
        .map_err(chart_err)?
        .label("历史 history")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], COLORS[1].stroke_width(2)));
    // The forecast line starts at the last history week so the two read as one series.
    let f: Vec<(f64, f64)> = h
        .last()
        .copied()
        .into_iter()
        .chain(forecast.iter().enumerate().map(|(i, (_, y))| ((history.len() + i) as f64, *y)))
        .collect();
    chart
        .draw_series(LineSeries::new(f.clone(), COLORS[2].stroke_width(3)))
        .map_err(chart_err)?
        .label("预测 forecast")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], COLORS[2].stroke_width(3)));
    chart
        .draw_series(f.iter().skip(usize::from(!h.is_empty())).map(|p| Circle::new(*p, 4, COLORS[2].filled())))
        .map_err(chart_err)?;
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(chart_err)?;
    Ok(())
}

/// Draws a dashboard's chart to `path` (.svg or .png).
pub fn draw(which: &str, v: &Value, path: &Path) -> Result<Value> {
    register()?;
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(chart_err)?;
    }
    let size = (1200, 800);
    match ext.as_deref() {
        Some("svg") => draw_on(SVGBackend::new(path, size).into_drawing_area(), which, v)?,
        Some("png") => draw_on(BitMapBackend::new(path, size).into_drawing_area(), which, v)?,
        _ => return Err(Error::new("invalid_argument", "--out must end in .svg or .png")),
    }
    Ok(json!({"chart": which, "path": path.display().to_string()}))
}

/// The SVG text of a dashboard's chart (the console shows it as is).
pub fn svg(which: &str, v: &Value) -> Result<String> {
    register()?;
    let mut s = String::new();
    draw_on(SVGBackend::with_string(&mut s, (1200, 800)).into_drawing_area(), which, v)?;
    Ok(s)
}

fn text(v: &Value) -> Cell {
    match v {
        Value::Null => Cell::Text(String::new()),
        Value::String(s) => Cell::Text(s.clone()),
        Value::Number(n) if n.is_i64() => Cell::Int(n.as_i64().unwrap_or(0)),
        other => Cell::Text(other.to_string()),
    }
}

const FIGURES: [&str; 9] = [
    "malls",
    "mall_days",
    "footfall_per_mall",
    "avg_ticket",
    "repurchase_rate",
    "member_conversion",
    "marketing_cost_share",
    "sales",
    "transactions",
];

/// A dashboard as a table (what `--export` writes).
pub fn table(which: &str, v: &Value) -> Result<Table> {
    let mut t = Table { title: which.to_string(), ..Default::default() };
    match which {
        "compare" => {
            t.headers = std::iter::once("mode").chain(FIGURES).map(String::from).collect();
            for m in MODES {
                let mut row = vec![Cell::Text(m.into())];
                row.extend(FIGURES.iter().map(|k| text(&v["modes"][m][*k])));
                t.rows.push(row);
            }
        }
        "regions" => {
            t.headers = ["group", "name", "mode"].into_iter().chain(FIGURES).map(String::from).collect();
            for (group, key) in [("tier", "tier"), ("region", "region")] {
                for g in v[format!("{group}s")].as_array().cloned().unwrap_or_default() {
                    for m in MODES {
                        let mut row = vec![Cell::Text(group.into()), text(&g[key]), Cell::Text(m.into())];
                        row.extend(FIGURES.iter().map(|k| text(&g["modes"][m][*k])));
                        t.rows.push(row);
                    }
                }
            }
        }
        "merchants" => {
            let keys = ["checkout_seconds", "return_rate", "marketing_reach", "inventory_days"];
            t.headers = vec!["merchant".into(), "mall".into(), "name".into(), "category".into()];
            for side in ["before", "after", "change"] {
                t.headers.extend(keys.iter().map(|k| format!("{side}_{k}")));
            }
            for m in v["merchants"].as_array().cloned().unwrap_or_default() {
                let mut row = vec![text(&m["merchant"]), text(&m["mall"]), text(&m["name"]), text(&m["category"])];
                for side in ["before", "after", "change"] {
                    row.extend(keys.iter().map(|k| text(&m[side][*k])));
                }
                t.rows.push(row);
            }
        }
        "card-types" => {
            t.headers = ["card_type", "table", "key", "transactions", "amount_or_share"].map(String::from).to_vec();
            for ty in ["physical", "virtual", "cobrand"] {
                let c = &v["types"][ty];
                for cat in c["categories"].as_array().cloned().unwrap_or_default() {
                    t.rows.push(vec![
                        Cell::Text(ty.into()),
                        Cell::Text("category".into()),
                        text(&cat["category"]),
                        text(&cat["transactions"]),
                        text(&cat["share"]),
                    ]);
                }
                for b in c["tickets"].as_array().cloned().unwrap_or_default() {
                    let key = format!("{}-{}", b["from"].as_str().unwrap_or(""), b["to"].as_str().unwrap_or(""));
                    t.rows.push(vec![
                        Cell::Text(ty.into()),
                        Cell::Text("ticket".into()),
                        Cell::Text(key),
                        text(&b["transactions"]),
                        Cell::Text(String::new()),
                    ]);
                }
                for (d, hours) in c["heatmap"].as_array().cloned().unwrap_or_default().iter().enumerate() {
                    for (h, n) in hours.as_array().cloned().unwrap_or_default().iter().enumerate() {
                        if n.as_i64().unwrap_or(0) > 0 {
                            t.rows.push(vec![
                                Cell::Text(ty.into()),
                                Cell::Text("weekday_hour".into()),
                                Cell::Text(format!("{d}-{h:02}")),
                                text(n),
                                Cell::Text(String::new()),
                            ]);
                        }
                    }
                }
            }
        }
        "forecast" => {
            // The weekly table the screen shows: history then forecast, one row a week.
            t.headers = ["series", "week_start", "sales"].map(String::from).to_vec();
            for series in ["history", "forecast"] {
                for w in v[series].as_array().cloned().unwrap_or_default() {
                    t.rows.push(vec![Cell::Text(series.into()), text(&w["week_start"]), text(&w["sales"])]);
                }
            }
        }
        _ => return Err(Error::new("invalid_dashboard", format!("no dashboard {which:?}"))),
    }
    Ok(t)
}

/// Writes a dashboard's table to `path` (.xlsx or .csv).
pub fn export(which: &str, v: &Value, path: &Path) -> Result<Value> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let format = ExportFormat::parse(&ext)?;
    let out = crate::export::write(&table(which, v)?, format, path)?;
    serde_json::to_value(out).map_err(Error::internal)
}
