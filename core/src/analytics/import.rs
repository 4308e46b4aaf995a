//! Imports of the malls' exports: `sales`, `footfall`, `marketing`, `members`, `inventory` as CSV
//! (or the same columns in XLSX). A file is parsed and every row checked first; any bad row
//! refuses the whole file with the list of bad rows (line, column, reason) and nothing written.
//! A good file is written in one transaction (raw rows + rollups + the `imports` row with its
//! content hash, which refuses the same file twice).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::rollup::{Deltas, K};
use crate::auth::Actor;
use crate::db::{RowSource, Val};
use crate::engine::{Batch, JobControl};
use crate::error::{Error, Result};
use crate::money::Money;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Till and online sales.
    Sales,
    /// Gate entries per hour.
    Footfall,
    /// Marketing spend and reach per month.
    Marketing,
    /// New members and visitors reached per day.
    Members,
    /// Stock at cost and cost of goods sold per merchant and date.
    Inventory,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 5] = [Kind::Sales, Kind::Footfall, Kind::Marketing, Kind::Members, Kind::Inventory];

    /// `invalid_kind` unless one of the five.
    pub fn parse(s: &str) -> Result<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            Error::new(
                "invalid_kind",
                format!("import kind must be sales, footfall, marketing, members or inventory, got {s:?}"),
            )
        })
    }

    /// The name (also the file-name prefix `sync` looks for).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sales => "sales",
            Kind::Footfall => "footfall",
            Kind::Marketing => "marketing",
            Kind::Members => "members",
            Kind::Inventory => "inventory",
        }
    }

    /// The required columns, in the documented order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::Sales => &[
                "mall",
                "merchant",
                "channel",
                "txn_id",
                "time",
                "amount",
                "customer_id",
                "member",
                "checkout_seconds",
                "returned",
            ],
            Kind::Footfall => &["mall", "date", "hour", "entries"],
            Kind::Marketing => &["mall", "month", "spend", "targeted", "delivered"],
            Kind::Members => &["mall", "date", "new_members", "visitors_reached"],
            Kind::Inventory => &["merchant", "date", "stock_at_cost", "cogs"],
        }
    }
}

/// An imported sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRow {
    /// Mall code.
    pub mall: String,
    /// Merchant id.
    pub merchant: i64,
    /// till / online.
    pub channel: String,
    /// The till's transaction id.
    pub txn_id: String,
    /// When (micros).
    pub at: i64,
    /// Business day.
    pub day: String,
    /// Fen.
    pub amount: i64,
    /// The mall system's customer id ('' = unidentified).
    pub customer_id: String,
    /// Bought by a member.
    pub member: bool,
    /// Checkout seconds.
    pub checkout: Option<i64>,
    /// Returned.
    pub returned: bool,
    /// The ledger payment this till row records (not counted again).
    pub card_payment_id: Option<i64>,
}

/// A file's checked rows.
#[derive(Debug, Clone)]
pub enum Rows {
    /// Sales.
    Sales(Vec<SaleRow>),
    /// (mall, day, hour, entries).
    Footfall(Vec<(String, String, i64, i64)>),
    /// (mall, month, spend fen, targeted, delivered).
    Marketing(Vec<(String, String, i64, i64, i64)>),
    /// (mall, day, new members, visitors reached).
    Members(Vec<(String, String, i64, i64)>),
    /// (merchant, day, stock at cost fen, cogs fen).
    Inventory(Vec<(i64, String, i64, i64)>),
}

impl Rows {
    /// Row count.
    pub fn len(&self) -> usize {
        match self {
            Rows::Sales(r) => r.len(),
            Rows::Footfall(r) => r.len(),
            Rows::Marketing(r) => r.len(),
            Rows::Members(r) => r.len(),
            Rows::Inventory(r) => r.len(),
        }
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn kind(&self) -> Kind {
        match self {
            Rows::Sales(_) => Kind::Sales,
            Rows::Footfall(_) => Kind::Footfall,
            Rows::Marketing(_) => Kind::Marketing,
            Rows::Members(_) => Kind::Members,
            Rows::Inventory(_) => Kind::Inventory,
        }
    }

    fn malls(&self, merchants: &HashMap<i64, String>) -> BTreeSet<String> {
        match self {
            Rows::Sales(r) => r.iter().map(|s| s.mall.clone()).collect(),
            Rows::Footfall(r) => r.iter().map(|s| s.0.clone()).collect(),
            Rows::Marketing(r) => r.iter().map(|s| s.0.clone()).collect(),
            Rows::Members(r) => r.iter().map(|s| s.0.clone()).collect(),
            Rows::Inventory(r) => r.iter().filter_map(|s| merchants.get(&s.0).cloned()).collect(),
        }
    }
}

/// A parsed, checked file ready to be written.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The file's name (as given).
    pub file_name: String,
    /// SM3 of its bytes.
    pub hash: String,
    /// Its rows.
    pub rows: Rows,
}

/// A bad row: where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadRow {
    /// 1-based line (the header is line 1).
    pub line: u64,
    /// The column name ('' for the whole row).
    pub column: String,
    /// Why.
    pub reason: String,
}

/// A refused import: the error and, for bad rows, every one of them.
#[derive(Debug, Clone)]
pub struct ImportFailure {
    /// `invalid_rows`, `already_imported`, `forbidden`...
    pub error: Error,
    /// The bad rows (for `invalid_rows`).
    pub rows: Vec<BadRow>,
}

impl From<Error> for ImportFailure {
    fn from(error: Error) -> Self {
        ImportFailure { error, rows: Vec::new() }
    }
}

impl ImportFailure {
    /// The CLI's JSON: `{"error":{"code","message","rows":[...]}}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"error": {"code": self.error.code, "message": self.error.message, "rows": self.rows}})
    }
}

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    /// The import's id.
    pub import_id: i64,
    /// The kind.
    pub kind: Kind,
    /// The file name.
    pub file: String,
    /// Rows written.
    pub rows: u64,
    /// Sales rows that record ledger card purchases (kept, not counted twice).
    pub card_rows: u64,
}

/// What rows are checked against: the malls, the merchants' malls, the ledger's payments.
#[derive(Debug, Default)]
pub(crate) struct Refs {
    pub malls: HashMap<String, String>,
    pub merchants: HashMap<i64, String>,
    pub payments: HashMap<i64, (i64, i64)>,
}

/// Reads a file's cells: XLSX by its extension (first sheet), else CSV (UTF-8, optional BOM).
pub fn read_cells(path: &Path, bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    let is_xlsx = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        return read_xlsx(bytes);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Error::new("invalid_file", "the file is not UTF-8 text"))?;
    Ok(parse_csv(text.strip_prefix('\u{feff}').unwrap_or(text)))
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| Error::new("invalid_file", format!("not a readable XLSX file: {e}")))?;
    let sheet = wb
        .worksheet_range_at(0)
        .ok_or_else(|| Error::new("invalid_file", "the XLSX file has no sheet"))?
        .map_err(|e| Error::new("invalid_file", format!("cannot read the first sheet: {e}")))?;
    Ok(sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect())
}

/// RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        out.push(row);
    }
    // Blank lines are not rows.
    out.retain(|r| !(r.len() == 1 && r[0].trim().is_empty()));
    out
}

/// Checks every row of a file; all bad rows or the parsed file.
pub(crate) fn check(
    kind: Kind,
    file_name: &str,
    bytes: &[u8],
    cells: Vec<Vec<String>>,
    refs: &Refs,
    control: Option<&JobControl>,
) -> Result<Parsed, ImportFailure> {
    let total = cells.len().saturating_sub(1) as u64;
    let mut bad = Vec::new();
    let mut it = cells.into_iter();
    let header: Vec<String> = it.next().unwrap_or_default().into_iter().map(|h| h.trim().to_string()).collect();
    let mut idx = HashMap::new();
    for col in kind.columns() {
        match header.iter().position(|h| h == col) {
            Some(i) => {
                idx.insert(*col, i);
            }
            None => bad.push(BadRow { line: 1, column: col.to_string(), reason: "missing column".into() }),
        }
    }
    let card_col = header.iter().position(|h| h == "card_payment_id");
    if kind == Kind::Sales {
        if let Some(i) = card_col {
            idx.insert("card_payment_id", i);
        }
    }
    if !bad.is_empty() {
        return Err(bad_rows(bad));
    }
    let mut rows = match kind {
        Kind::Sales => Rows::Sales(Vec::new()),
        Kind::Footfall => Rows::Footfall(Vec::new()),
        Kind::Marketing => Rows::Marketing(Vec::new()),
        Kind::Members => Rows::Members(Vec::new()),
        Kind::Inventory => Rows::Inventory(Vec::new()),
    };
    let mut txns = BTreeSet::new();
    let mut card_payments = BTreeSet::new();
    for (i, rec) in it.enumerate() {
        let line = i as u64 + 2;
        if let Some(c) = control.filter(|_| i.is_multiple_of(1000)) {
            // A cancel while checking stops here: nothing has been written yet.
            c.check()?;
            c.report(i as u64, total, "checking");
        }
        let mut r = RowCheck { line, rec: &rec, idx: &idx, bad: &mut bad, ok: true };
        match &mut rows {
            Rows::Sales(v) => {
                let mall = r.mall(refs);
                let merchant = r.merchant(refs);
                if let (Some(m), Some(mer)) = (&mall, merchant) {
                    if refs.merchants.get(&mer) != Some(m) {
                        r.fail("merchant", format!("merchant {mer} is not in mall {m}"));
                    }
                }
                let channel = r.text("channel");
                if !matches!(channel.as_str(), "till" | "online") {
                    r.fail("channel", "must be till or online".into());
                }
                let txn_id = r.text("txn_id");
                if txn_id.is_empty() {
                    r.fail("txn_id", "required".into());
                } else if !txns.insert((mall.clone(), txn_id.clone())) {
                    r.fail("txn_id", format!("transaction {txn_id} appears twice in this file"));
                }
                let at = r.time("time");
                let amount = r.money("amount", false);
                let member = r.boolean("member");
                let returned = r.boolean("returned");
                let checkout = r.opt_int("checkout_seconds", 0, 86_400);
                let card = if card_col.is_some() { r.opt_int("card_payment_id", 1, i64::MAX) } else { None };
                if let Some(pid) = card {
                    match refs.payments.get(&pid) {
                        None => r.fail("card_payment_id", format!("no card payment {pid} in the ledger")),
                        Some((pm, pa)) => {
                            if Some(*pm) != merchant {
                                r.fail("card_payment_id", format!("payment {pid} was made at merchant {pm}"));
                            }
                            if Some(*pa) != amount {
                                r.fail("card_payment_id", format!("payment {pid} was {}", Money::from_fen(*pa)));
                            }
                            if !card_payments.insert(pid) {
                                r.fail("card_payment_id", format!("payment {pid} appears twice in this file"));
                            }
                        }
                    }
                }
                if r.ok {
                    let at = at.unwrap_or_default();
                    v.push(SaleRow {
                        mall: mall.unwrap_or_default(),
                        merchant: merchant.unwrap_or_default(),
                        channel,
                        txn_id,
                        at,
                        day: crate::clock::business_day(at).to_string(),
                        amount: amount.unwrap_or_default(),
                        customer_id: r.text("customer_id"),
                        member: member.unwrap_or_default(),
                        checkout,
                        returned: returned.unwrap_or_default(),
                        card_payment_id: card,
                    });
                }
            }
            Rows::Footfall(v) => {
                let (mall, day, hour, n) =
                    (r.mall(refs), r.date("date"), r.int("hour", 0, 23), r.int("entries", 0, 10_000_000_000));
                if r.ok {
                    v.push((mall.unwrap_or_default(), day.unwrap_or_default(), hour.unwrap_or(0), n.unwrap_or(0)));
                }
            }
            Rows::Marketing(v) => {
                let mall = r.mall(refs);
                let month = r.text("month");
                let ok_month =
                    chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").is_ok() && month.len() == 7;
                if !ok_month {
                    r.fail("month", format!("expected YYYY-MM, got {month:?}"));
                }
                let spend = r.money("spend", true);
                let targeted = r.int("targeted", 0, i64::MAX);
                let delivered = r.int("delivered", 0, i64::MAX);
                if let (Some(t), Some(d)) = (targeted, delivered) {
                    if d > t {
                        r.fail("delivered", format!("delivered {d} is more than targeted {t}"));
                    }
                }
                if r.ok {
                    v.push((
                        mall.unwrap_or_default(),
                        month,
                        spend.unwrap_or(0),
                        targeted.unwrap_or(0),
                        delivered.unwrap_or(0),
                    ));
                }
            }
            Rows::Members(v) => {
                let (mall, day) = (r.mall(refs), r.date("date"));
                let (n, vis) = (r.int("new_members", 0, i64::MAX), r.int("visitors_reached", 0, i64::MAX));
                if r.ok {
                    v.push((mall.unwrap_or_default(), day.unwrap_or_default(), n.unwrap_or(0), vis.unwrap_or(0)));
                }
            }
            Rows::Inventory(v) => {
                let (m, day) = (r.merchant(refs), r.date("date"));
                let (stock, cogs) = (r.money("stock_at_cost", true), r.money("cogs", true));
                if r.ok {
                    v.push((m.unwrap_or(0), day.unwrap_or_default(), stock.unwrap_or(0), cogs.unwrap_or(0)));
                }
            }
        }
    }
    if !bad.is_empty() {
        return Err(bad_rows(bad));
    }
    if rows.is_empty() {
        return Err(Error::new("empty_file", format!("{file_name} has no data rows")).into());
    }
    Ok(Parsed { file_name: file_name.to_string(), hash: crate::crypto::sm3_hex(bytes), rows })
}

fn bad_rows(bad: Vec<BadRow>) -> ImportFailure {
    let first = &bad[0];
    let msg = format!(
        "{} bad row(s); nothing was imported. First: line {}, column {}: {}",
        bad.len(),
        first.line,
        first.column,
        first.reason
    );
    ImportFailure { error: Error::new("invalid_rows", msg), rows: bad }
}

struct RowCheck<'a> {
    line: u64,
    rec: &'a [String],
    idx: &'a HashMap<&'static str, usize>,
    bad: &'a mut Vec<BadRow>,
    ok: bool,
}

impl RowCheck<'_> {
    fn fail(&mut self, column: &str, reason: String) {
        self.ok = false;
        self.bad.push(BadRow { line: self.line, column: column.to_string(), reason });
    }
    fn text(&self, col: &str) -> String {
        self.idx.get(col).and_then(|i| self.rec.get(*i)).map(|s| s.trim().to_string()).unwrap_or_default()
    }
    fn mall(&mut self, refs: &Refs) -> Option<String> {
        let m = self.text("mall");
        if refs.malls.contains_key(&m) {
            Some(m)
        } else {
            self.fail("mall", format!("no mall {m:?}"));
            None
        }
    }
    fn merchant(&mut self, refs: &Refs) -> Option<i64> {
        let s = self.text("merchant");
        match s.parse::<i64>() {
            Ok(id) if refs.merchants.contains_key(&id) => Some(id),
            _ => {
                self.fail("merchant", format!("no merchant {s:?}"));
                None
            }
        }
    }
    fn int(&mut self, col: &str, min: i64, max: i64) -> Option<i64> {
        let s = self.text(col);
        match s.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) && s.bytes().all(|b| b.is_ascii_digit()) => Some(v),
            _ => {
                self.fail(col, format!("expected a whole number {min}..={max}, got {s:?}"));
                None
            }
        }
    }
    fn opt_int(&mut self, col: &str, min: i64, max: i64) -> Option<i64> {
        if self.text(col).is_empty() {
            None
        } else {
            self.int(col, min, max)
        }
    }
    fn money(&mut self, col: &str, zero_ok: bool) -> Option<i64> {
        let s = self.text(col);
        let r = if zero_ok { Money::parse_allow_zero(&s) } else { Money::parse(&s) };
        match r {
            Ok(m) => Some(m.fen()),
            Err(e) => {
                self.fail(col, e.message);
                None
            }
        }
    }
    fn boolean(&mut self, col: &str) -> Option<bool> {
        match self.text(col).as_str() {
            "true" => Some(true),
            "false" => Some(false),
            s => {
                let s = s.to_string();
                self.fail(col, format!("expected true or false, got {s:?}"));
                None
            }
        }
    }
    fn date(&mut self, col: &str) -> Option<String> {
        let s = self.text(col);
        match crate::clock::parse_date(&s) {
            Ok(d) => Some(d.to_string()),
            Err(e) => {
                self.fail(col, e.message);
                None
            }
        }
    }
    fn time(&mut self, col: &str) -> Option<i64> {
        let s = self.text(col);
        match chrono::DateTime::parse_from_rfc3339(&s) {
            Ok(t) => Some(t.timestamp_micros()),
            Err(_) => {
                self.fail(col, format!("expected an RFC 3339 time, got {s:?}"));
                None
            }
        }
    }
}

/// Checks the actor may import for every mall the file touches.
pub(crate) fn check_scope(actor: &Actor, p: &Parsed, refs: &Refs) -> Result<()> {
    super::require_write(actor)?;
    for m in p.rows.malls(&refs.merchants) {
        let region = refs.malls.get(&m).cloned().unwrap_or_default();
        actor.require_mall(&m, &region)?;
    }
    Ok(())
}

/// A file's rows as its table's rows (import id first, then the columns in `write`'s order),
/// bound straight from the parsed file.
struct FileRows {
    import: i64,
    file: Arc<Parsed>,
    /// Values per row: the statement's column count.
    width: usize,
}

impl RowSource for FileRows {
    fn rows(&self) -> usize {
        self.file.rows.len()
    }

    fn width(&self, _row: usize) -> usize {
        self.width
    }

    fn value(&self, row: usize, col: usize) -> Val<'_> {
        if col == 0 {
            return Val::I(self.import);
        }
        match &self.file.rows {
            Rows::Sales(v) => {
                let s = &v[row];
                match col {
                    1 => Val::T(&s.mall),
                    2 => Val::I(s.merchant),
                    3 => Val::T(&s.channel),
                    4 => Val::T(&s.txn_id),
                    5 => Val::I(s.at),
                    6 => Val::T(&s.day),
                    7 => Val::I(s.amount),
                    8 => Val::T(&s.customer_id),
                    9 => Val::I(i64::from(s.member)),
                    10 => Val::NI(s.checkout),
                    11 => Val::I(i64::from(s.returned)),
                    _ => Val::NI(s.card_payment_id),
                }
            }
            Rows::Footfall(v) | Rows::Members(v) => {
                let (m, day, a, b) = &v[row];
                [Val::T(m), Val::T(day), Val::I(*a), Val::I(*b)][col - 1]
            }
            Rows::Marketing(v) => {
                let (m, month, spend, targeted, delivered) = &v[row];
                [Val::T(m), Val::T(month), Val::I(*spend), Val::I(*targeted), Val::I(*delivered)][col - 1]
            }
            Rows::Inventory(v) => {
                let (m, day, stock, cogs) = &v[row];
                [Val::I(*m), Val::T(day), Val::I(*stock), Val::I(*cogs)][col - 1]
            }
        }
    }
}

/// Writes a checked file in the writer's transaction: refuses a file already imported, then
/// the raw rows, the rollups and the `imports` row.
pub(crate) async fn write(b: &mut Batch<'_>, p: &Arc<Parsed>, actor: &Actor) -> Result<serde_json::Value> {
    super::require_write(actor)?;
    let kind = p.rows.kind();
    let seen: Option<(i64, String)> =
        sqlx::query_as("SELECT id, file_name FROM imports WHERE kind = $1 AND content_hash = $2")
            .bind(kind.as_str())
            .bind(p.hash.clone())
            .fetch_optional(&mut *b.tx)
            .await?;
    if let Some((id, name)) = seen {
        return Err(Error::new(
            "already_imported",
            format!("this {} file was already imported (import {id}, {name}); nothing was written", kind.as_str()),
        ));
    }
    let id = b.next_id("misc")?;
    let backend = b.ctx.db.backend;
    let (table, cols) = match &p.rows {
        Rows::Sales(_) => (
            "imported_sales",
            "import_id, mall, merchant, channel, txn_id, at, day, amount, customer_id, member, checkout_seconds, \
             returned, card_payment_id",
        ),
        Rows::Footfall(_) => ("imported_footfall", "import_id, mall, day, hour, entries"),
        Rows::Marketing(_) => ("imported_marketing", "import_id, mall, month, spend, targeted, delivered"),
        Rows::Members(_) => ("imported_members", "import_id, mall, day, new_members, visitors_reached"),
        Rows::Inventory(_) => ("imported_inventory", "import_id, merchant, day, stock_at_cost, cogs"),
    };
    let rows = std::sync::Arc::new(FileRows { import: id, file: p.clone(), width: cols.split(',').count() });
    let n = p.rows.len() as u64;
    let control = b.control.clone();
    let insert = crate::engine::insert_source(&mut b.tx, table, cols, rows, backend, control.as_ref(), 0, n);
    // The file's rollup sums go straight into the transaction's, which the flush writes with
    // its other sums (a demo's files of one transaction relink their buyers' days once, not once
    // per file), while the database stores the rows: `join!` polls the insert first, which hands
    // its rows to SQLite's thread and waits. A failed insert fails the whole transaction, and
    // its sums with it.
    let sums = b.sums.get_or_insert_with(Deltas::default);
    let (inserted, card_rows) = tokio::join!(insert, async { add_sums(&p.rows, sums) });
    inserted?;
    sqlx::query(
        "INSERT INTO imports (id, kind, file_name, content_hash, row_count, actor, imported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(kind.as_str())
    .bind(p.file_name.clone())
    .bind(p.hash.clone())
    .bind(n as i64)
    .bind(actor.user.clone())
    .bind(b.now)
    .execute(&mut *b.tx)
    .await?;
    b.audit(actor, &format!("import.{}", kind.as_str()), &p.file_name, &format!("{n} rows, import {id}"))?;
    let out = Imported { import_id: id, kind, file: p.file_name.clone(), rows: n, card_rows };
    serde_json::to_value(out).map_err(Error::internal)
}

/// Adds what a file adds to the rollups to `d`, and returns how many of its sales rows are the
/// till's records of card purchases (stored, never counted: the ledger has them).
fn add_sums(rows: &Rows, d: &mut Deltas) -> u64 {
    let mut card_rows = 0u64;
    match rows {
        Rows::Sales(v) => {
            // Summed per key in the file's own strings first: a file's sales fall under far fewer
            // keys than rows (one mall's merchants, a month's days), and an owned key per sale
            // cost more than the sums.
            let mut keys: HashMap<(&str, i64, &str, &str), [i64; 6], foldhash::fast::RandomState> = HashMap::default();
            for s in v {
                if s.card_payment_id.is_some() {
                    card_rows += 1;
                    continue;
                }
                let e = keys.entry((&s.mall, s.merchant, &s.day, &s.channel)).or_default();
                for (a, x) in e.iter_mut().zip(super::rollup::sale_values(s.amount, s.returned, s.checkout)) {
                    *a += x;
                }
                if !s.customer_id.is_empty() {
                    d.buyer_days.insert((format!("x:{}", s.customer_id), s.mall.clone(), s.day.clone()));
                }
            }
            for ((mall, merchant, day, channel), sums) in &keys {
                d.sales_sum(mall, *merchant, day, channel, sums);
            }
        }
        Rows::Footfall(v) => {
            for (m, day, _, n) in v {
                d.mall_day.add(vec![K::T(m.clone()), K::T(day.clone())], &[*n, 0, 0, 0, 0, 0]);
            }
        }
        Rows::Marketing(v) => {
            for (m, month, s, t, dl) in v {
                d.mall_month.add(vec![K::T(m.clone()), K::T(month.clone())], &[*s, *t, *dl]);
            }
        }
        Rows::Members(v) => {
            for (m, day, n, vis) in v {
                d.mall_day.add(vec![K::T(m.clone()), K::T(day.clone())], &[0, *n, *vis, 0, 0, 0]);
            }
        }
        Rows::Inventory(v) => {
            for (m, day, s, c) in v {
                d.inventory.add(vec![K::I(*m), K::T(day.clone())], &[*s, 1, *c]);
            }
        }
    }
    card_rows
}
