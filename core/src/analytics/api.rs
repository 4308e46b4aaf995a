//! The analytics API on [`Core`]: mode timelines, imports, sync.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;

use super::import::{self, ImportFailure, Imported, Kind, Parsed, Refs};
use super::{AnalyticsOp, Mode};
use crate::auth::Actor;
use crate::engine::{JobControl, Op, Outcome};
use crate::error::{Error, Result};
use crate::Core;

/// One row of the `imports` table, as `onecard imports` and the console list it (typed by hand
/// in ui/src/services/analytics.ts, like the dashboards' JSON).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportRecord {
    /// The import's id.
    pub import_id: i64,
    /// sales, footfall, marketing, members or inventory.
    pub kind: String,
    /// The file's name.
    pub file: String,
    /// Rows written.
    pub rows: i64,
    /// Who imported it.
    pub actor: String,
    /// When (RFC 3339, Asia/Shanghai).
    pub imported_at: String,
}

impl Core {
    /// `mall set-mode`: the mall is in `mode` from `since` on.
    pub async fn mall_set_mode(
        &self,
        actor: &Actor,
        mall: &str,
        mode: Mode,
        since: NaiveDate,
    ) -> Result<serde_json::Value> {
        let op = AnalyticsOp::SetMode { mall: mall.to_string(), mode, since };
        match self.submit(actor, Op::Analytics(op)).await? {
            Outcome::Json(v) => Ok(v),
            o => Err(Error::internal(format!("unexpected outcome {o:?}"))),
        }
    }

    async fn import_refs(&self, card_ids: &[i64]) -> Result<Refs> {
        let pool = &self.db().pool;
        let mut refs = Refs::default();
        let malls: Vec<(String, String)> = sqlx::query_as("SELECT code, region FROM malls").fetch_all(pool).await?;
        refs.malls = malls.into_iter().collect();
        let merchants: Vec<(i64, String)> = sqlx::query_as("SELECT id, mall FROM merchants").fetch_all(pool).await?;
        refs.merchants = merchants.into_iter().collect();
        let backend = self.db().backend;
        for chunk in card_ids.chunks(2000) {
            let sql = format!(
                "SELECT id, merchant_id, amount FROM payments WHERE id IN ({})",
                crate::db::placeholders(backend, chunk.len(), 1)
            );
            let mut q = sqlx::query_as::<_, (i64, i64, i64)>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for (id, m, a) in q.fetch_all(pool).await? {
                refs.payments.insert(id, (m, a));
            }
        }
        Ok(refs)
    }

    /// Checks a file's rows (all of them) without writing: the parsed file, or every bad row.
    pub async fn import_check(&self, kind: Kind, file_name: &str, bytes: &[u8]) -> Result<Parsed, ImportFailure> {
        self.import_check_with(kind, file_name, bytes, None).await
    }

    /// [`Core::import_check`] reporting its progress to `control`, which may also cancel it.
    async fn import_check_with(
        &self,
        kind: Kind,
        file_name: &str,
        bytes: &[u8],
        control: Option<&JobControl>,
    ) -> Result<Parsed, ImportFailure> {
        let cells = import::read_cells(Path::new(file_name), bytes)?;
        let mut card_ids = Vec::new();
        if let Some(col) = cells.first().and_then(|h| h.iter().position(|c| c.trim() == "card_payment_id")) {
            card_ids = cells.iter().skip(1).filter_map(|r| r.get(col)?.trim().parse::<i64>().ok()).collect();
            card_ids.sort_unstable();
            card_ids.dedup();
        }
        let refs = self.import_refs(&card_ids).await?;
        import::check(kind, file_name, bytes, cells, &refs, control)
    }

    /// Imports one file: all of it or nothing (`invalid_rows` with every bad row,
    /// `already_imported`, `forbidden`).
    pub async fn import_file(&self, actor: &Actor, kind: Kind, path: &Path) -> Result<Imported, ImportFailure> {
        self.import_file_with(actor, kind, path, None).await
    }

    /// [`Core::import_file`] reporting its stages to `control` (reading, checking, writing,
    /// committed, with row counts), which can also cancel it: a cancel that arrives before the
    /// commit writes nothing (`cancelled`), as the import runs in a transaction of its own.
    pub async fn import_file_with(
        &self,
        actor: &Actor,
        kind: Kind,
        path: &Path,
        control: Option<JobControl>,
    ) -> Result<Imported, ImportFailure> {
        // Who may import is checked before the file is even read.
        super::require_write(actor)?;
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if let Some(c) = &control {
            c.report(0, len, "reading");
        }
        let bytes = std::fs::read(path)
            .map_err(|e| Error::new("invalid_file", format!("cannot read {}: {e}", path.display())))?;
        if let Some(c) = &control {
            c.check()?;
            c.report(bytes.len() as u64, bytes.len() as u64, "reading");
        }
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        self.import_bytes_with(actor, kind, &name, &bytes, control).await
    }

    /// [`Core::import_file`] on bytes already read (`file_name` decides CSV or XLSX).
    pub async fn import_bytes(
        &self,
        actor: &Actor,
        kind: Kind,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<Imported, ImportFailure> {
        self.import_bytes_with(actor, kind, file_name, bytes, None).await
    }

    /// [`Core::import_bytes`] under a job control (see [`Core::import_file_with`]).
    pub async fn import_bytes_with(
        &self,
        actor: &Actor,
        kind: Kind,
        file_name: &str,
        bytes: &[u8],
        control: Option<JobControl>,
    ) -> Result<Imported, ImportFailure> {
        super::require_write(actor)?;
        let parsed = self.import_check_with(kind, file_name, bytes, control.as_ref()).await?;
        let refs = self.import_refs(&[]).await?;
        import::check_scope(actor, &parsed, &refs)?;
        if let Some(c) = &control {
            c.check()?;
            c.report(0, parsed.rows.len() as u64, "writing");
        }
        Ok(self.import_parsed_with(actor, parsed, control).await?)
    }

    async fn import_parsed_with(&self, actor: &Actor, parsed: Parsed, control: Option<JobControl>) -> Result<Imported> {
        match self.submit(actor, Op::Analytics(AnalyticsOp::Import(Arc::new(parsed), control))).await? {
            Outcome::Json(v) => serde_json::from_value(v).map_err(Error::internal),
            o => Err(Error::internal(format!("unexpected outcome {o:?}"))),
        }
    }

    /// `imports`: the files imported so far, newest first (who may import may see them).
    pub async fn import_list(&self, actor: &Actor, limit: i64) -> Result<Vec<ImportRecord>> {
        super::require_write(actor)?;
        let rows: Vec<(i64, String, String, i64, String, i64)> = sqlx::query_as(
            "SELECT id, kind, file_name, row_count, actor, imported_at FROM imports ORDER BY imported_at DESC, id DESC \
             LIMIT $1",
        )
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.db().pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, kind, file, rows, actor, at)| ImportRecord {
                import_id: id,
                kind,
                file,
                rows,
                actor,
                imported_at: crate::clock::format_micros(at),
            })
            .collect())
    }

    /// What the dashboards' filters and the forecast pick from: the regions, malls, merchants and
    /// categories in the actor's view (the same scope the figures are computed over). The card
    /// catalog (`mall list`) needs a card permission the regional and merchant managers do not
    /// hold; this one needs what the dashboards need.
    pub async fn dashboard_catalog(&self, actor: &Actor) -> Result<serde_json::Value> {
        let v = super::metrics::view(self.db(), actor, &Default::default()).await?;
        let rows: Vec<(i64, String, String, String)> =
            sqlx::query_as("SELECT id, mall, name, category FROM merchants ORDER BY mall, name, id")
                .fetch_all(&self.db().pool)
                .await?;
        let merchants: Vec<serde_json::Value> = rows
            .into_iter()
            .filter(|(id, mall, ..)| {
                v.malls.iter().any(|m| &m.code == mall) && v.merchants.as_ref().is_none_or(|s| s.contains(id))
            })
            .map(|(id, mall, name, category)| serde_json::json!({"id": id, "mall": mall, "name": name, "category": category}))
            .collect();
        let mut regions: Vec<&str> = v.malls.iter().map(|m| m.region.as_str()).collect();
        regions.sort_unstable();
        regions.dedup();
        let mut categories: Vec<&str> = merchants.iter().filter_map(|m| m["category"].as_str()).collect();
        categories.sort_unstable();
        categories.dedup();
        let malls: Vec<serde_json::Value> = v
            .malls
            .iter()
            .map(|m| serde_json::json!({"code": m.code, "name": m.name, "region": m.region, "city_tier": m.tier}))
            .collect();
        Ok(serde_json::json!({"regions": regions, "malls": malls, "merchants": merchants, "categories": categories}))
    }

    /// `sync --from DIR`: imports every file of the folder whose name starts with a kind and
    /// that was not imported before, in name order. One bad file does not stop the others.
    pub async fn sync_dir(&self, actor: &Actor, dir: &Path) -> Result<serde_json::Value> {
        super::require_write(actor)?;
        let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| Error::new("invalid_file", format!("cannot read folder {}: {e}", dir.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        names.sort();
        let (mut imported, mut skipped, mut failed) = (Vec::new(), Vec::new(), Vec::new());
        for path in names {
            let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let Some(kind) = Kind::ALL.into_iter().find(|k| name.starts_with(k.as_str())) else { continue };
            let ext_ok =
                path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("xlsx"));
            if !ext_ok {
                continue;
            }
            match self.import_file(actor, kind, &path).await {
                Ok(r) => imported.push(serde_json::to_value(r).map_err(Error::internal)?),
                Err(f) if f.error.code == "already_imported" => skipped.push(serde_json::json!(name)),
                Err(f) => {
                    let mut v = f.to_json()["error"].clone();
                    v["file"] = serde_json::json!(name);
                    failed.push(v);
                }
            }
        }
        Ok(serde_json::json!({"imported": imported, "already_imported": skipped, "failed": failed}))
    }
}
