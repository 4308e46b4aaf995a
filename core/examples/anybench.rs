use sqlx::{Connection, Executor};
use std::time::Instant;
#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    let _ = std::fs::remove_file("/tmp/ocb/any.db");
    let url = "sqlite:///tmp/ocb/any.db?mode=rwc";
    let ddl = "CREATE TABLE IF NOT EXISTS je (id BIGINT PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, actor TEXT NOT NULL, created_at BIGINT NOT NULL, memo TEXT NOT NULL, reverses BIGINT UNIQUE, chain BIGINT NOT NULL, chain_seq BIGINT NOT NULL, hash TEXT NOT NULL, UNIQUE(chain, chain_seq))";
    let n = 100_000i64;
    let per = 1000i64;
    let stmt_rows = 1000usize;
    for mode in ["any", "native", "any_noidx", "native_noidx"] {
        let table = format!("je_{mode}");
        let d = ddl.replace("je (", &format!("{table} ("));
        let d = if mode.ends_with("noidx") {
            d.replace(" UNIQUE,", ",").replace(", UNIQUE(chain, chain_seq)", "")
        } else {
            d
        };
        let cols = 10;
        let vals =
            |rows: usize| (0..rows).map(|_| format!("({})", vec!["?"; cols].join(","))).collect::<Vec<_>>().join(",");
        let hash = "a".repeat(64);
        let t = Instant::now();
        if mode.starts_with("any") {
            let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
            c.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;").await.unwrap();
            c.execute(d.as_str()).await.unwrap();
            let t = Instant::now();
            let mut id = 0i64;
            while id < n {
                let mut tx = c.begin().await.unwrap();
                let sql = format!("INSERT INTO {table} VALUES {}", vals(stmt_rows));
                let mut q = sqlx::query(&sql);
                for _ in 0..per {
                    q = q
                        .bind(id)
                        .bind("purchase")
                        .bind(format!("bench-123-{id}"))
                        .bind("admin")
                        .bind(1_700_000_000_000_000i64)
                        .bind("")
                        .bind(None::<i64>)
                        .bind(0i64)
                        .bind(id + 1)
                        .bind(hash.clone());
                    id += 1;
                }
                q.execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }
            println!("{mode}: {:.0} rows/s", n as f64 / t.elapsed().as_secs_f64());
        } else {
            let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
            c.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;").await.unwrap();
            c.execute(d.as_str()).await.unwrap();
            let t = Instant::now();
            let mut id = 0i64;
            while id < n {
                let mut tx = c.begin().await.unwrap();
                let sql = format!("INSERT INTO {table} VALUES {}", vals(stmt_rows));
                let mut q = sqlx::query(&sql);
                for _ in 0..per {
                    q = q
                        .bind(id)
                        .bind("purchase")
                        .bind(format!("bench-123-{id}"))
                        .bind("admin")
                        .bind(1_700_000_000_000_000i64)
                        .bind("")
                        .bind(None::<i64>)
                        .bind(0i64)
                        .bind(id + 1)
                        .bind(hash.clone());
                    id += 1;
                }
                q.execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }
            println!("{mode}: {:.0} rows/s", n as f64 / t.elapsed().as_secs_f64());
        }
        let _ = t;
    }
}
