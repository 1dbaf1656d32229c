//! What the PostgreSQL deduplicator and inbox share: pools, table names, errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deadpool_postgres::tokio_postgres::{self, NoTls};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};

/// A pool of connections to the database at `url`, each statement given 10 s and each
/// connection 5 s to come, so that a stuck database fails work (which is retried) rather
/// than holding it. `recycling` runs when a connection is reused.
pub(crate) fn pool(url: &str, size: usize, recycling: RecyclingMethod) -> Result<Pool, String> {
    let mut config: tokio_postgres::Config =
        url.parse().map_err(|err| format!("bad PostgreSQL URL: {err}"))?;
    config.options("-c statement_timeout=10000");
    config.connect_timeout(Duration::from_secs(5));
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: recycling });
    let wait = Some(Duration::from_secs(5));
    Pool::builder(manager)
        .max_size(size.max(1))
        .runtime(Runtime::Tokio1)
        .timeouts(Timeouts { wait, create: wait, recycle: wait })
        .build()
        .map_err(|err| err.to_string())
}

/// `table` (`name` or `schema.name`, in lower-case letters, digits and `_`) quoted for
/// SQL, so that a name that is also an SQL word (`order`) works; and its name alone, for
/// naming its indexes.
pub(crate) fn table_name(table: &str) -> Result<(String, String), String> {
    let identifier = |part: &str| {
        !part.is_empty()
            && part.len() <= 63
            && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if table.split('.').count() > 2 || !table.split('.').all(identifier) {
        return Err(format!("`{table}` is not a table name: lower-case letters, digits and `_`"));
    }
    let quoted = table.split('.').map(|part| format!("\"{part}\"")).collect::<Vec<_>>().join(".");
    let base = table.rsplit('.').next().unwrap_or(table).to_owned();
    Ok((quoted, base))
}

/// A database error with the server's message: tokio-postgres shows only "db error".
pub(crate) fn describe(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("PostgreSQL: {} ({})", db.message(), db.code().code()),
        None => format!("PostgreSQL: {err}"),
    }
}

/// Runs `sql` (statements creating what a store needs, if missing) in one transaction
/// under an advisory lock: replicas starting together would race in `CREATE ... IF NOT
/// EXISTS` (PostgreSQL reports a duplicate type), and the lock lets one create it.
pub(crate) async fn create_once(pool: &Pool, sql: &str) -> Result<(), String> {
    let client = pool.get().await.map_err(|err| format!("PostgreSQL: {err}"))?;
    client
        .batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock(7402815117256041984); {sql} COMMIT;"))
        .await
        .map_err(|err| describe(&err))
}

/// Deletes rows past a retention in the background, a batch at most once a minute per
/// store (its clones share the clock): the table stays about as large as the retention's
/// rows, and a store doing thousands of completions a second runs one delete a minute.
#[derive(Debug, Clone, Default)]
pub(crate) struct Purge {
    /// When the last batch was deleted, in seconds since the epoch.
    last: Arc<AtomicU64>,
}

impl Purge {
    /// Runs `sql` (a delete of a batch, its one parameter the retention in seconds) on a
    /// connection of `pool`, unless one ran in the last minute.
    pub(crate) fn maybe(&self, pool: &Pool, sql: String, retention: Duration) {
        const EVERY_SECS: u64 = 60;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let last = self.last.load(Ordering::Relaxed);
        if now < last + EVERY_SECS
            || self.last.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_err()
        {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let pool = pool.clone();
        runtime.spawn(async move {
            if let Ok(client) = pool.get().await {
                let _ = client.execute(&sql, &[&retention.as_secs_f64()]).await;
            }
        });
    }
}
