//! Deduplication shared by replicas and kept across restarts, in PostgreSQL.

use std::future::Future;
use std::time::Duration;

use deadpool_postgres::tokio_postgres;
use deadpool_postgres::{Pool, RecyclingMethod};

use super::{Claim, ClaimToken, DEFAULT_LEASE, DEFAULT_RETENTION, Deduplicate, KeyDigest, StoreError, Terms};
use crate::HandlerError;

/// Keys claimed in a PostgreSQL table, shared by every replica that uses it and kept
/// across restarts.
///
/// The table (by default `lago_webhook_deliveries`, created if missing) holds a row per
/// key: its digest, the token and lease of its claim, and when it was done. A claim is
/// leased for 2 s and renewed by the receiver while its handler runs; one whose lease ran
/// out without being completed or released (its replica died) is taken over by the next
/// attempt, which Lago makes about 3 s later. Done rows are kept for the retention (7
/// days, [`PostgresDeduplicator::with_retention`]): completions delete older ones, a
/// batch a minute at most, and [`PostgresDeduplicator::purge`] does it at once. A row
/// takes about 150 bytes with its indexes. Connections come from a pool
/// (deadpool-postgres, without TLS: put the database on a private network or a local
/// socket).
#[derive(Clone)]
pub struct PostgresDeduplicator {
    table: Table,
}

impl std::fmt::Debug for PostgresDeduplicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.table.show(f, "PostgresDeduplicator")
    }
}

/// The table a PostgreSQL store keeps its rows in (the deduplicator's, the inbox's): a
/// pool of connections to its database, its name, how long its rows are leased and kept
/// once done, and when done rows past that were last deleted.
#[derive(Clone)]
pub(crate) struct Table {
    pub(crate) pool: Pool,
    /// The name quoted for SQL, so that a name that is also an SQL word works.
    pub(crate) name: String,
    /// The name alone, unquoted and without its schema, for naming its indexes.
    base: String,
    pub(crate) terms: Terms<Option<Duration>>,
    purge: crate::pg::Purge,
}

impl Table {
    /// The table `table` (`name` or `schema.name`, in lower-case letters, digits and
    /// underscores) of the database at `url`, connected on first use, its rows leased for
    /// `lease` and kept for [`DEFAULT_RETENTION`] once done. Fails when the name or the URL
    /// is not one.
    pub(crate) fn new(url: &str, table: &str, lease: Duration) -> Result<Table, String> {
        let (name, base) = crate::pg::table_name(table)?;
        let pool = crate::pg::pool(url, 16, RecyclingMethod::Fast)?;
        let terms = Terms { lease, retention: Some(DEFAULT_RETENTION) };
        Ok(Table { pool, name, base, terms, purge: crate::pg::Purge::default() })
    }

    /// Creates the table if it is missing, once among replicas starting together: a row per
    /// key (a unique key's digest) holding `columns` and when it was done (which
    /// [`Table::purge_expired`] reads), with `indexes`, each a name (after the table's) and
    /// what it indexes.
    pub(crate) async fn create(&self, columns: &str, indexes: &[(&str, &str)]) -> Result<(), String> {
        let mut sql = format!(
            "CREATE TABLE IF NOT EXISTS {} (key bytea PRIMARY KEY, {columns}, done_at timestamptz);",
            self.name
        );
        for (index, indexed) in indexes {
            sql.push_str(&format!(
                " CREATE INDEX IF NOT EXISTS \"{}_{index}\" ON {} {indexed};",
                self.base, self.name
            ));
        }
        crate::pg::create_once(&self.pool, &sql).await
    }

    /// Deletes a batch of the done rows (those where `done` holds) past the retention in
    /// the background, at most once a minute per store: the table stays about as large as
    /// the retention's rows.
    pub(crate) fn purge_expired(&self, done: &str) {
        let Some(retention) = self.terms.retention else { return };
        let sql = format!(
            "DELETE FROM {table} WHERE key IN (
                 SELECT key FROM {table}
                 WHERE {done} AND done_at < now() - make_interval(secs => $1) LIMIT 10000)",
            table = self.name
        );
        self.purge.maybe(&self.pool, sql, retention);
    }

    /// Shows the store of type `store` keeping its rows here, and nothing of its
    /// connections.
    pub(crate) fn show(&self, f: &mut std::fmt::Formatter<'_>, store: &str) -> std::fmt::Result {
        f.debug_struct(store)
            .field("table", &self.name)
            .field("lease", &self.terms.lease)
            .field("retention", &self.terms.retention)
            .finish_non_exhaustive()
    }
}

impl PostgresDeduplicator {
    /// A store in the database at `url` (`postgres://user@host:port/database`), in the
    /// table `lago_webhook_deliveries`, with claims leased for [`DEFAULT_LEASE`] (2 s,
    /// renewed while their handler runs) and done keys kept for [`DEFAULT_RETENTION`] (7
    /// days). Connects, and creates the table if it is missing.
    pub async fn connect(url: &str) -> Result<Self, HandlerError> {
        Self::connect_to_table(url, "lago_webhook_deliveries").await
    }

    /// The same, with the table `table` (`name` or `schema.name`, in lower-case letters,
    /// digits and underscores; the schema must exist).
    ///
    /// Each statement is given 10 s, and a connection 5 s to come from the pool: a stuck
    /// database fails deliveries (Lago retries them) rather than holding them.
    pub async fn connect_to_table(url: &str, table: &str) -> Result<Self, HandlerError> {
        let table = Table::new(url, table, DEFAULT_LEASE)?;
        table
            .create("token bytea NOT NULL, lease_until timestamptz NOT NULL", &[("done_at", "(done_at)")])
            .await?;
        Ok(PostgresDeduplicator { table })
    }

    /// How long a claim holds unless renewed: when its replica dies, Lago's retries get
    /// 409 until then. The receiver renews it four times per lease while the handler
    /// runs. Keep it under Lago's first wait (about 3 s), so that a retry after a crash is
    /// handled, and well over the database's round trip.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.table.terms.lease = lease;
        self
    }

    /// How long done keys are kept before completions delete them; `None` keeps them
    /// until [`PostgresDeduplicator::purge`]. A delivery sent again after that (a manual
    /// retry from Lago's UI, a body replayed under an old key) is handled again.
    pub fn with_retention(mut self, retention: Option<Duration>) -> Self {
        self.table.terms.retention = retention;
        self
    }

    /// Deletes the done keys older than `age` (Lago stops retrying within a day), and
    /// returns how many.
    pub async fn purge(&self, age: Duration) -> Result<u64, HandlerError> {
        let client = self.table.pool.get().await?;
        let sql =
            format!("DELETE FROM {} WHERE done_at < now() - make_interval(secs => $1)", self.table.name);
        client.execute(&sql, &[&age.as_secs_f64()]).await.map_err(database_error)
    }
}

impl Deduplicate for PostgresDeduplicator {
    fn store_name(&self) -> &'static str {
        "postgres"
    }

    fn claim(&self, key: &KeyDigest) -> impl Future<Output = Result<Claim, HandlerError>> + Send {
        let key = key.as_bytes().to_vec();
        async move {
            let token = ClaimToken::new();
            let client = self.table.pool.get().await?;
            // Takes the key if it is free or its lease ran out; otherwise reads its state.
            // The second select sees the table as it was when the statement began.
            let sql = format!(
                "WITH claimed AS (
                     INSERT INTO {table} AS t (key, token, lease_until)
                     VALUES ($1, $2, now() + make_interval(secs => $3))
                     ON CONFLICT (key) DO UPDATE
                         SET token = EXCLUDED.token, lease_until = EXCLUDED.lease_until
                         WHERE t.done_at IS NULL AND t.lease_until < now()
                     RETURNING 1
                 )
                 SELECT EXISTS (SELECT 1 FROM claimed),
                        EXISTS (SELECT 1 FROM {table} WHERE key = $1 AND done_at IS NOT NULL)",
                table = self.table.name
            );
            let token_bytes = token.as_u128().to_be_bytes().to_vec();
            let row = client
                .query_one(&sql, &[&key, &token_bytes, &self.table.terms.lease.as_secs_f64()])
                .await
                .map_err(database_error)?;
            let (claimed, done): (bool, bool) = (row.try_get(0)?, row.try_get(1)?);
            Ok(match (claimed, done) {
                (true, _) => Claim::Claimed(token),
                (false, true) => Claim::Done,
                (false, false) => Claim::InProgress,
            })
        }
    }

    fn complete(
        &self,
        key: &KeyDigest,
        token: ClaimToken,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        let key = key.as_bytes().to_vec();
        async move {
            let client = self.table.pool.get().await?;
            client
                .execute(&self.complete_sql(), &[&key, &token.as_u128().to_be_bytes().to_vec()])
                .await
                .map_err(database_error)?;
            self.table.purge_expired("done_at IS NOT NULL");
            Ok(())
        }
    }

    fn release(&self, key: &KeyDigest, token: ClaimToken) {
        self.spawn_statement(
            "release",
            format!("DELETE FROM {} WHERE key = $1 AND token = $2 AND done_at IS NULL", self.table.name),
            key,
            token,
        );
    }

    fn complete_detached(&self, key: &KeyDigest, token: ClaimToken) {
        self.spawn_statement("complete", self.complete_sql(), key, token);
    }

    fn renewal(&self) -> Option<Duration> {
        Some(super::renewal_of(self.table.terms.lease))
    }

    fn renew(
        &self,
        key: &KeyDigest,
        token: ClaimToken,
    ) -> impl Future<Output = Result<bool, HandlerError>> + Send {
        let key = key.as_bytes().to_vec();
        async move {
            let client = self.table.pool.get().await?;
            let sql = format!(
                "UPDATE {} SET lease_until = now() + make_interval(secs => $3)
                 WHERE key = $1 AND token = $2 AND done_at IS NULL",
                self.table.name
            );
            let token = token.as_u128().to_be_bytes().to_vec();
            let renewed = client
                .execute(&sql, &[&key, &token, &self.table.terms.lease.as_secs_f64()])
                .await
                .map_err(database_error)?;
            Ok(renewed == 1)
        }
    }
}

impl PostgresDeduplicator {
    fn complete_sql(&self) -> String {
        format!(
            "UPDATE {} SET done_at = now() WHERE key = $1 AND token = $2 AND done_at IS NULL",
            self.table.name
        )
    }

    /// Runs `sql`, the store's `operation`, with the key and token in the background,
    /// logging its failure. Outside a tokio runtime there is nothing to run it on: the
    /// lease then frees the key.
    fn spawn_statement(&self, operation: &'static str, sql: String, key: &KeyDigest, token: ClaimToken) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let (pool, key) = (self.table.pool.clone(), key.as_bytes().to_vec());
        runtime.spawn(async move {
            let ran = match pool.get().await {
                Ok(client) => client
                    .execute(&sql, &[&key, &token.as_u128().to_be_bytes().to_vec()])
                    .await
                    .map(drop)
                    .map_err(database_error),
                Err(err) => Err(err.into()),
            };
            if let Err(err) = ran {
                crate::log::dedup_store_failed(&StoreError::new("postgres", operation, err));
            }
        });
    }
}

/// A database error with the server's message: tokio-postgres shows only "db error".
fn database_error(err: tokio_postgres::Error) -> HandlerError {
    crate::pg::describe(&err).into()
}
