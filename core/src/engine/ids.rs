//! Id allocation without a shared sequence: a writer reserves a block of ids in a short
//! transaction of its own and hands them out from memory. Blocks are reserved *before* a batch
//! transaction begins: a reservation inside it would vanish on rollback while the ids it gave out
//! stayed in memory, and on SQLite a second connection would wait on our own write lock.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::db::Db;
use crate::error::{Error, Result};

/// Reserved, unused id ranges per allocator name.
#[derive(Default)]
pub(crate) struct IdAlloc {
    ranges: Mutex<HashMap<&'static str, Vec<(i64, i64)>>>,
    /// Blocks reserved so far per name: blocks grow with use, so a one-shot CLI process burns
    /// few ids while a busy writer goes back to the table rarely.
    reserved: Mutex<HashMap<&'static str, u32>>,
}

const MAX_BLOCK: u64 = 65_536;

impl IdAlloc {
    fn block_size(&self, name: &'static str, need: u64) -> u64 {
        let mut r = self.reserved.lock().unwrap_or_else(|p| p.into_inner());
        let n = r.entry(name).or_default();
        let grown = (4u64 << (*n).min(16)).min(MAX_BLOCK);
        *n += 1;
        // Twice the shortfall: a writer under steady load then reserves every other batch.
        need.saturating_mul(2).max(grown)
    }
}

impl IdAlloc {
    fn available(&self, name: &str) -> u64 {
        let r = self.ranges.lock().unwrap_or_else(|p| p.into_inner());
        r.get(name).map_or(0, |v| v.iter().map(|(a, b)| (b - a) as u64).sum())
    }

    /// Makes sure at least `n` ids of each name are available in memory, reserving every
    /// missing block in one short transaction (one commit, not one per name).
    pub async fn reserve(&self, db: &Db, needs: &HashMap<&'static str, u64>) -> Result<()> {
        let mut short: Vec<(&'static str, i64)> = needs
            .iter()
            .filter_map(|(name, n)| {
                let have = self.available(name);
                (have < *n).then(|| (*name, self.block_size(name, n - have) as i64))
            })
            .collect();
        // Update the allocator rows in one fixed order: `needs` is a HashMap, whose order differs
        // from map to map, and two writers locking the same rows in opposite orders deadlock
        // (PostgreSQL aborts one of them).
        short.sort_unstable();
        if short.is_empty() {
            return Ok(());
        }
        let mut tx = db.begin_write_unmarked().await?;
        let mut got = Vec::with_capacity(short.len());
        for (name, block) in short {
            let end: i64 =
                sqlx::query_scalar("UPDATE id_alloc SET next_id = next_id + $1 WHERE name = $2 RETURNING next_id")
                    .bind(block)
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| Error::internal(format!("id allocator {name} missing")))?;
            got.push((name, end - block, end));
        }
        tx.commit().await?;
        let mut r = self.ranges.lock().unwrap_or_else(|p| p.into_inner());
        for (name, start, end) in got {
            r.entry(name).or_default().push((start, end));
        }
        Ok(())
    }

    /// Whether every need is already covered by blocks in memory (no reservation to make).
    pub fn covers(&self, needs: &HashMap<&'static str, u64>) -> bool {
        needs.iter().all(|(name, n)| self.available(name) >= *n)
    }

    /// Takes one reserved id. Running out means `reserve` under-counted: a bug, reported.
    pub fn next(&self, name: &'static str) -> Result<i64> {
        let mut r = self.ranges.lock().unwrap_or_else(|p| p.into_inner());
        let v = r.entry(name).or_default();
        while let Some((a, b)) = v.first_mut() {
            if *a < *b {
                let id = *a;
                *a += 1;
                return Ok(id);
            }
            v.remove(0);
        }
        Err(Error::internal(format!("id allocator {name} ran dry (under-reserved)")))
    }
}
