//! Merchant statements: every payment, refund and reversal of a merchant on a business day, with
//! totals computed the same way as the settlement batch (so they match it to the fen), as XLSX,
//! CSV or a printable PDF.

use std::path::Path;

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::clock::{day_start_micros, format_micros};
use crate::error::{Error, Result};
use crate::export::{Cell, ExportFormat, Table};
use crate::money::Money;
use crate::Core;

/// One line: kind, id, time, payment, amount (as it moves the merchant's money), fee.
#[derive(Debug, Clone)]
pub(crate) struct StatementLine {
    kind: &'static str,
    id: i64,
    at: i64,
    payment: i64,
    amount: i64,
    fee: i64,
}

/// A merchant's day (or month: `days` business days from `day`).
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    merchant: i64,
    name: String,
    day: NaiveDate,
    days: u64,
    lines: Vec<StatementLine>,
    gross: i64,
    refunds: i64,
    fees: i64,
}

pub(crate) async fn load(core: &Core, merchant: i64, day: NaiveDate, days: u64) -> Result<Statement> {
    let pool = &core.db().pool;
    let (start, end) = (day_start_micros(day), day_start_micros(day + chrono::Days::new(days)));
    let name: String =
        sqlx::query_scalar("SELECT name FROM merchants WHERE id = $1").bind(merchant).fetch_one(pool).await?;
    let mut lines = Vec::new();
    let purchases: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, created_at, amount, fee FROM payments WHERE merchant_id = $1 AND created_at >= $2 \
         AND created_at < $3 ORDER BY created_at, id",
    )
    .bind(merchant)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    for (id, at, amount, fee) in purchases {
        lines.push(StatementLine { kind: "purchase", id, at, payment: id, amount, fee });
    }
    let refunds: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT f.id, f.created_at, f.payment_id, f.amount, f.fee FROM refunds f JOIN payments p ON p.id = f.payment_id \
         WHERE p.merchant_id = $1 AND f.created_at >= $2 AND f.created_at < $3 ORDER BY f.created_at, f.id",
    )
    .bind(merchant)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    for (id, at, payment, amount, fee) in refunds {
        lines.push(StatementLine { kind: "refund", id, at, payment, amount: -amount, fee: -fee });
    }
    let reversals: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT j.id, j.created_at, p.id, p.amount, p.fee FROM journal_entries j JOIN payments p \
         ON p.entry_id = j.reverses WHERE j.reverses IS NOT NULL AND p.merchant_id = $1 \
         AND j.created_at >= $2 AND j.created_at < $3",
    )
    .bind(merchant)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    for (id, at, payment, amount, fee) in reversals {
        lines.push(StatementLine { kind: "purchase_reversal", id, at, payment, amount: -amount, fee: -fee });
    }
    let refund_reversals: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT j.id, j.created_at, f.payment_id, f.amount, f.fee FROM journal_entries j JOIN refunds f \
         ON f.entry_id = j.reverses JOIN payments p ON p.id = f.payment_id WHERE j.reverses IS NOT NULL \
         AND p.merchant_id = $1 AND j.created_at >= $2 AND j.created_at < $3",
    )
    .bind(merchant)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    for (id, at, payment, amount, fee) in refund_reversals {
        lines.push(StatementLine { kind: "refund_reversal", id, at, payment, amount, fee });
    }
    lines.sort_by_key(|l| (l.at, l.id));
    let gross = lines.iter().filter(|l| l.kind == "purchase").map(|l| l.amount).sum();
    let refunds = -lines.iter().filter(|l| l.kind != "purchase").map(|l| l.amount).sum::<i64>();
    let fees = lines.iter().map(|l| l.fee).sum();
    Ok(Statement { merchant, name, day, days, lines, gross, refunds, fees })
}

/// Column headers: ASCII for CSV (scripts parse them; never change them), Chinese first then
/// English for the XLSX and PDF that people read.
const HEADERS: [(&str, &str); 6] = [
    ("kind", "类型 Kind"),
    ("id", "编号 ID"),
    ("time", "时间 Time"),
    ("payment", "消费单号 Payment"),
    ("amount", "金额 Amount"),
    ("fee", "手续费 Fee"),
];

/// A line kind as people read it (XLSX, PDF); CSV keeps the machine name.
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "purchase" => "消费 Purchase",
        "refund" => "退款 Refund",
        "purchase_reversal" => "消费冲正 Purchase reversal",
        "refund_reversal" => "退款冲正 Refund reversal",
        _ => "其他 Other",
    }
}

/// A totals label as people read it; CSV keeps `total_gross` etc.
fn total_label(total: &str) -> &'static str {
    match total {
        "total_gross" => "交易额合计 Total gross",
        "total_refunds" => "退款合计 Total refunds",
        "total_fees" => "手续费合计 Total fees",
        "total_net" => "净额合计 Total net",
        _ => "合计 Total",
    }
}

/// Columns a string takes in the PDF's monospaced layout: Courier characters one, characters of
/// the CJK font two (its glyphs are given 1.2 em, exactly two Courier columns at the same size,
/// see `minimal_pdf`).
fn columns(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn pad_right(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(columns(s))))
}

fn pad_left(s: &str, width: usize) -> String {
    format!("{}{s}", " ".repeat(width.saturating_sub(columns(s))))
}

impl Statement {
    /// The statement as a sheet. `people`: bilingual title, headers, kinds and totals (XLSX);
    /// otherwise the ASCII names scripts rely on (CSV).
    fn table(&self, people: bool) -> Table {
        let kind = |k: &'static str| if people { kind_label(k) } else { k };
        let mut rows: Vec<Vec<Cell>> = self
            .lines
            .iter()
            .map(|l| {
                vec![
                    Cell::Text(kind(l.kind).into()),
                    Cell::Int(l.id),
                    Cell::Text(format_micros(l.at)),
                    Cell::Int(l.payment),
                    Cell::Money(Money::from_fen(l.amount)),
                    Cell::Money(Money::from_fen(l.fee)),
                ]
            })
            .collect();
        for (label, v) in self.totals() {
            rows.push(vec![
                Cell::Text((if people { total_label(label) } else { label }).into()),
                Cell::Text(String::new()),
                Cell::Text(String::new()),
                Cell::Text(String::new()),
                Cell::Money(Money::from_fen(v)),
                Cell::Text(String::new()),
            ]);
        }
        Table {
            // The XLSX sheet name (at most 31 characters): "对账单 Statement 7 2026-03-01".
            title: if people {
                format!("对账单 Statement {} {}", self.merchant, self.day)
            } else {
                format!("{} {}", self.merchant, self.day)
            },
            headers: HEADERS.iter().map(|(csv, label)| (if people { *label } else { *csv }).to_string()).collect(),
            rows,
        }
    }

    fn totals(&self) -> [(&'static str, i64); 4] {
        [
            ("total_gross", self.gross),
            ("total_refunds", self.refunds),
            ("total_fees", self.fees),
            ("total_net", self.gross - self.refunds - self.fees),
        ]
    }

    fn pdf(&self) -> Vec<u8> {
        const W: [usize; 6] = [28, 10, 25, 17, 12, 10];
        let row = |cells: [&str; 6]| {
            let mut out = String::new();
            for (i, c) in cells.iter().enumerate() {
                // Text columns left-aligned, numbers right-aligned.
                let cell = if i == 0 || i == 2 { pad_right(c, W[i]) } else { pad_left(c, W[i]) };
                out.push_str(&cell);
                out.push(' ');
            }
            out.trim_end().to_string()
        };
        let mut text = vec![
            format!("一卡通商户对账单 OneCard merchant statement - 商户 Merchant {} ({})", self.merchant, self.name),
            if self.days == 1 {
                format!("营业日 Business day {} (Asia/Shanghai)", self.day)
            } else {
                format!(
                    "营业日 Business days {} - {} (Asia/Shanghai)",
                    self.day,
                    self.day + chrono::Days::new(self.days - 1)
                )
            },
            String::new(),
            row(HEADERS.map(|(_, label)| label)),
        ];
        for l in &self.lines {
            let (id, time, payment) = (l.id.to_string(), format_micros(l.at), l.payment.to_string());
            let (amount, fee) = (Money::from_fen(l.amount).to_string(), Money::from_fen(l.fee).to_string());
            text.push(row([
                kind_label(l.kind),
                id.as_str(),
                time.as_str(),
                payment.as_str(),
                amount.as_str(),
                fee.as_str(),
            ]));
        }
        text.push(String::new());
        for (label, v) in self.totals() {
            text.push(format!(
                "{} {}",
                pad_right(total_label(label), W[0]),
                pad_left(&Money::from_fen(v).to_string(), 12)
            ));
        }
        minimal_pdf(&text)
    }
}

/// UCS-2 big-endian hex of a line, for the UniGB-UCS2-H encoding.
fn ucs2_hex(s: &str) -> String {
    s.chars()
        .map(|c| if (c as u32) <= 0xFFFF && !c.is_control() { c as u32 } else { '?' as u32 })
        .map(|u| format!("{u:04X}"))
        .collect()
}

fn ascii(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii() && !c.is_control() { c } else { '?' }).collect()
}

/// A valid PDF (1.4) of monospaced text lines, 60 to an A4 page. ASCII lines use the standard
/// Courier font; a line with Chinese (a merchant's name) uses Adobe's predefined CJK font
/// STSong-Light with the UniGB-UCS2-H encoding, which every PDF reader supplies itself, so no font
/// file is embedded and the file stays a few kB. Characters outside the Basic Multilingual Plane
/// print as '?'. The CJK glyphs advance 1.2 em (`/DW 1200`): at the same size that is exactly two
/// Courier columns (0.6 em each), so bilingual labels keep the columns aligned.
pub(crate) fn minimal_pdf(lines: &[String]) -> Vec<u8> {
    let pages: Vec<&[String]> = if lines.is_empty() { vec![&[][..]] } else { lines.chunks(60).collect() };
    let mut objects: Vec<String> = Vec::new();
    // 1 catalog, 2 pages, 3 font, then (page, content) pairs.
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()));
    objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>".into());
    // The CJK font is the object after the last page's content.
    let cjk_font = 4 + 2 * pages.len();
    for (i, page) in pages.iter().enumerate() {
        let mut content = String::from("BT /F1 8 Tf 11 TL 36 806 Td\n");
        for l in page.iter() {
            // Runs of ASCII in Courier (monospaced columns), runs of Chinese in the CJK font.
            let mut rest = l.as_str();
            while let Some(c) = rest.chars().next() {
                let end = rest.find(|x: char| x.is_ascii() != c.is_ascii()).unwrap_or(rest.len());
                let (run, tail) = rest.split_at(end);
                if c.is_ascii() {
                    let esc = ascii(run).replace('\\', "\\\\").replace('(', "\\(").replace(')', "\\)");
                    content.push_str(&format!("/F1 8 Tf ({esc}) Tj "));
                } else {
                    content.push_str(&format!("/F2 8 Tf <{}> Tj ", ucs2_hex(run)));
                }
                rest = tail;
            }
            content.push_str("T*\n");
        }
        content.push_str("ET");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /F2 {cjk_font} 0 R >> >> \
             /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()));
    }
    objects.push(
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts \
         [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) \
         /Ordering (GB1) /Supplement 2 >> /FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light \
         /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 \
         /StemV 93 >> /DW 1200 >>] >>"
            .into(),
    );
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

impl Core {
    /// Writes a merchant's statement of a day as xlsx, csv or pdf; returns the path, the line
    /// count and the totals.
    pub async fn statement(
        &self,
        actor: &crate::auth::Actor,
        merchant: i64,
        day: NaiveDate,
        format: &str,
        out: &Path,
    ) -> Result<Value> {
        self.statement_for(actor, merchant, day, 1, format, out).await
    }

    /// A merchant's statement of a calendar month (`month` = its first day).
    pub async fn statement_month(
        &self,
        actor: &crate::auth::Actor,
        merchant: i64,
        month: NaiveDate,
        format: &str,
        out: &Path,
    ) -> Result<Value> {
        let days = ((month + chrono::Months::new(1)) - month).num_days() as u64;
        self.statement_for(actor, merchant, month, days, format, out).await
    }

    async fn statement_for(
        &self,
        actor: &crate::auth::Actor,
        merchant: i64,
        day: NaiveDate,
        days: u64,
        format: &str,
        out: &Path,
    ) -> Result<Value> {
        let s = self.statement_lines(actor, merchant, day, days).await?;
        let io = |e: std::io::Error| Error::new("export_failed", format!("cannot write {}: {e}", out.display()));
        match format {
            "pdf" => {
                if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                std::fs::write(out, s.pdf()).map_err(io)?;
            }
            f => {
                crate::export::write(
                    // CSV stays ASCII (scripts parse it); XLSX is for people: bilingual.
                    &s.table(f != "csv"),
                    ExportFormat::parse(f).map_err(|_| {
                        Error::new("invalid_format", format!("format must be xlsx, csv or pdf, got {f:?}"))
                    })?,
                    out,
                )?;
            }
        }
        let mf = Money::from_fen;
        Ok(
            json!({"merchant": merchant, "date": day.to_string(), "days": days, "format": format, "path": out.display().to_string(),
                  "lines": s.lines.len(), "gross": mf(s.gross), "refunds": mf(s.refunds), "fees": mf(s.fees),
                  "net": mf(s.gross - s.refunds - s.fees)}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_lines_use_the_cjk_font_and_every_xref_offset_points_at_its_object() {
        let pdf = minimal_pdf(&["merchant 7 (上海青浦奥莱)".to_string(), "total 1.00".to_string()]);
        let text = String::from_utf8(pdf.clone()).unwrap();
        // 上 = U+4E0A, 海 = U+6D77, in UCS-2 big-endian hex, set in the CJK font.
        assert!(text.contains("/F2 8 Tf <"), "{text}");
        assert!(text.contains("4E0A6D77"), "{text}");
        assert!(text.contains("/F1 8 Tf (total 1.00) Tj T*"), "{text}");
        assert!(text.contains("/F1 8 Tf (merchant 7 \\() Tj /F2 8 Tf <4E0A"), "{text}");
        assert!(text.contains("/BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"));
        // The cross-reference table: entry n gives the byte offset of "n 0 obj".
        let xref = text.rfind("\nxref\n").unwrap() + 1;
        let offsets: Vec<usize> =
            text[xref..].lines().skip(3).take_while(|l| l.ends_with(" n ")).map(|l| l[..10].parse().unwrap()).collect();
        assert_eq!(offsets.len(), 6, "catalog, pages, Courier, page, content, CJK font");
        for (i, off) in offsets.iter().enumerate() {
            assert!(text[*off..].starts_with(&format!("{} 0 obj\n", i + 1)), "object {}", i + 1);
        }
    }

    fn sample() -> Statement {
        let line =
            |kind, id, amount, fee| StatementLine { kind, id, at: 1_772_330_400_000_000, payment: 5, amount, fee };
        Statement {
            merchant: 7,
            name: "耐克工厂店".into(),
            day: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            days: 1,
            lines: vec![
                line("purchase", 5, 10_000, 60),
                line("refund", 9, -2_500, -15),
                line("purchase_reversal", 11, -100, -1),
            ],
            gross: 10_000,
            refunds: 2_600,
            fees: 44,
        }
    }

    /// The text of each row's first cell (its kind).
    fn first_column(t: &Table) -> Vec<String> {
        t.rows
            .iter()
            .map(|r| match &r[0] {
                Cell::Text(t) => t.clone(),
                _ => String::new(),
            })
            .collect()
    }

    #[test]
    fn csv_stays_ascii_and_people_get_bilingual_labels() {
        let s = sample();
        let csv = s.table(false);
        assert_eq!(csv.headers, ["kind", "id", "time", "payment", "amount", "fee"]);
        assert!(csv.headers.iter().chain(std::iter::once(&csv.title)).all(|h| h.is_ascii()));
        let kinds = first_column(&csv);
        assert_eq!(kinds[..3], ["purchase", "refund", "purchase_reversal"]);
        assert_eq!(kinds[3..], ["total_gross", "total_refunds", "total_fees", "total_net"]);

        let xlsx = s.table(true);
        assert_eq!(
            xlsx.headers,
            ["类型 Kind", "编号 ID", "时间 Time", "消费单号 Payment", "金额 Amount", "手续费 Fee"]
        );
        assert!(xlsx.title.starts_with("对账单 Statement 7"), "{}", xlsx.title);
        assert!(xlsx.title.chars().count() <= 31, "an XLSX sheet name is at most 31 characters");
        let kinds = first_column(&xlsx);
        assert_eq!(kinds[0], "消费 Purchase");
        assert_eq!(kinds[2], "消费冲正 Purchase reversal");
        assert_eq!(kinds[6], "净额合计 Total net");
        // Same figures either way: only the labels differ.
        assert_eq!(xlsx.rows.len(), csv.rows.len());
        assert!(matches!(&xlsx.rows[6][4], Cell::Money(m) if m.fen() == 10_000 - 2_600 - 44));
    }

    #[test]
    fn the_pdf_is_bilingual_and_its_columns_line_up() {
        let s = sample();
        let pdf = String::from_utf8(s.pdf()).unwrap();
        // 对账单 = U+5BF9 U+8D26 U+5355; 商户 = U+5546 U+6237: set in the CJK font, English in Courier.
        assert!(pdf.contains("5BF98D265355"), "{pdf}");
        assert!(pdf.contains("<55466237> Tj /F1 8 Tf ( Merchant 7 \\() Tj"), "{pdf}");
        assert!(pdf.contains("OneCard merchant statement"));
        assert!(pdf.contains("/DW 1200"), "CJK glyphs are two Courier columns wide");
        // Every line of the table (header and rows) puts the amount column at the same place.
        let header = format!("{} ", pad_right("类型 Kind", 28));
        assert_eq!(columns(&header), 29);
        let rows: Vec<String> = [kind_label("purchase"), kind_label("purchase_reversal"), "类型 Kind"]
            .iter()
            .map(|k| format!("{}|", pad_right(k, 28)))
            .collect();
        assert!(rows.iter().all(|r| columns(r) == 29), "{rows:?}");
        assert_eq!(pad_left("1.00", 12), "        1.00");
    }
}
