//! Tables out of the core as files finance can open: CSV (UTF-8 with a BOM, which is what makes
//! Excel on a Chinese Windows read it as UTF-8) and XLSX. Money goes into XLSX as numbers with a
//! two-decimal format so a sheet can sum them; into CSV as the exact decimal text.

use std::path::Path;

use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money::Money;

/// A file format for a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// Excel workbook.
    Xlsx,
    /// Comma-separated values.
    Csv,
}

impl ExportFormat {
    /// Parses `xlsx` or `csv` (`invalid_format`).
    pub fn parse(s: &str) -> Result<ExportFormat> {
        match s {
            "xlsx" => Ok(ExportFormat::Xlsx),
            "csv" => Ok(ExportFormat::Csv),
            _ => Err(Error::new("invalid_format", format!("format must be xlsx or csv, got {s:?}"))),
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
        }
    }
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text (card numbers are text: 19 digits are not a number a sheet may round).
    Text(String),
    /// An amount of money.
    Money(Money),
    /// A count or an id.
    Int(i64),
}

/// A sheet: a title (the XLSX sheet name), headers and rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Sheet name (at most 31 characters in XLSX).
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<Cell>>,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Exported {
    /// The file written.
    pub path: String,
    /// Data rows in it (headers not counted).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rows: u64,
}

/// Writes `table` to `path` in `format`.
pub fn write(table: &Table, format: ExportFormat, path: &Path) -> Result<Exported> {
    let io = |e: std::io::Error| Error::new("export_failed", format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    match format {
        ExportFormat::Csv => std::fs::write(path, to_csv(table)).map_err(io)?,
        ExportFormat::Xlsx => write_xlsx(table, path)?,
    }
    Ok(Exported { path: path.display().to_string(), rows: table.rows.len() as u64 })
}

/// The CSV text of a table (with a UTF-8 BOM, CRLF line ends as RFC 4180 says).
pub fn to_csv(table: &Table) -> String {
    let mut out = String::from("\u{feff}");
    let line = |cells: Vec<String>| cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",");
    out.push_str(&line(table.headers.clone()));
    out.push_str("\r\n");
    for row in &table.rows {
        out.push_str(&line(row.iter().map(cell_text).collect()));
        out.push_str("\r\n");
    }
    out
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => t.clone(),
        Cell::Money(m) => m.to_string(),
        Cell::Int(i) => i.to_string(),
    }
}

fn csv_field(s: &str) -> String {
    // A leading = + - @ makes a spreadsheet evaluate the cell (CSV injection): quote it as text.
    let risky = s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err();
    if risky {
        return format!("\"'{}\"", s.replace('"', "\"\""));
    }
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_xlsx(table: &Table, path: &Path) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let err =
        |e: rust_xlsxwriter::XlsxError| Error::new("export_failed", format!("cannot write {}: {e}", path.display()));
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    let title: String = table.title.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    if !title.is_empty() {
        sheet.set_name(&title).map_err(err)?;
    }
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    for (c, h) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold).map_err(err)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) => sheet.write_string(r, c, t).map(|_| ()),
                Cell::Int(i) => sheet.write_number(r, c, i.to_f64().unwrap_or_default()).map(|_| ()),
                Cell::Money(m) => sheet
                    .write_number_with_format(r, c, m.to_decimal().to_f64().unwrap_or_default(), &money)
                    .map(|_| ()),
            }
            .map_err(err)?;
        }
    }
    sheet.autofit();
    wb.save(path).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let t = Table {
            title: "t".into(),
            headers: vec!["a".into(), "b".into()],
            rows: vec![
                vec![Cell::Text("x,y".into()), Cell::Money(Money::from_fen(123_450))],
                vec![Cell::Text("=SUM(A1)".into()), Cell::Int(-5)],
            ],
        };
        let csv = to_csv(&t);
        assert_eq!(csv, "\u{feff}a,b\r\n\"x,y\",1234.50\r\n\"'=SUM(A1)\",-5\r\n");
    }

    #[test]
    fn xlsx_is_a_zip() {
        let dir = std::env::temp_dir().join(format!("onecard-export-{}", std::process::id()));
        let path = dir.join("t.xlsx");
        let t = Table { title: "卡号".into(), headers: vec!["n".into()], rows: vec![vec![Cell::Int(1)]] };
        let e = write(&t, ExportFormat::Xlsx, &path).unwrap();
        assert_eq!(e.rows, 1);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let _ = std::fs::remove_dir_all(dir);
    }
}
