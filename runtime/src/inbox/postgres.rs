//! The inbox in PostgreSQL: one table, claimed with `FOR UPDATE SKIP LOCKED` under
//! leases, and a transaction a handler can write in.
//!
//! # Writing in the inbox's transaction
//!
//! A handler that keeps its own data in the same database can make its writes and the
//! delivery's completion one transaction: [`InboxTransaction::current`] opens it (on a
//! connection of the inbox's pool, on first use in an attempt), the handler writes
//! through it, and the worker marks the delivery done in it and commits. Either both
//! happen or neither: a worker that dies before the commit leaves nothing behind, and
//! an attempt whose lease another worker took over is rolled back. So the handler's
//! writes happen exactly once per delivery, even across crashes.
//!
//! ```no_run
//! # #[cfg(feature = "bundled")] {
//! use lago_webhooks::inbox::postgres::InboxTransaction;
//! use lago_webhooks::{AsyncWebhookHandler, Delivery, HandlerResult, Invoice};
//!
//! struct Ledger;
//!
//! impl AsyncWebhookHandler for Ledger {
//!     async fn on_invoice_created(&self, invoice: Invoice, _: &Delivery) -> HandlerResult {
//!         let transaction = InboxTransaction::current().await?;
//!         transaction
//!             .execute(
//!                 "INSERT INTO invoices (lago_id, number, total_cents) VALUES ($1, $2, $3)",
//!                 &[&invoice.lago_id.to_string(), &invoice.number, &invoice.total_amount_cents],
//!             )
//!             .await?;
//!         Ok(()) // committed with the delivery's completion
//!     }
//! }
//! # }
//! ```
//!
//! Do not commit or roll it back yourself, nor keep it past the handler: the worker ends
//! it. Writes made elsewhere (another connection, another service) are not part of it;
//! make those idempotent.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
pub use deadpool_postgres::tokio_postgres;
use deadpool_postgres::{Object, Pool, RecyclingMethod};
use tokio::sync::OnceCell;
use tokio_postgres::Row;

use super::{
    Completion, Enqueued, Entry, Inbox, InboxAdmin, InboxError, Job, Source, State, Status, Stored, Taken,
};
use crate::dedup::{ClaimToken, KeyDigest, Table};
use crate::verify::Algorithm;

/// How long a worker's lease on a delivery holds unless renewed (it is renewed four
/// times per lease while the handler runs): a worker that dies mid-attempt holds its
/// delivery this long.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// The inbox in a PostgreSQL table, shared by every receiver and worker that uses it, and
/// kept across restarts.
///
/// The table (by default `lago_webhook_inbox`, created if missing, with its indexes)
/// holds a row per delivery: its unique key's digest and text, webhook type,
/// organization, signature scheme, time received and raw body; its state (`pending`,
/// `in_progress`, `done`, `dead`), attempts, when it is due, the last error, and the
/// lease of the worker handling it. Receivers insert with `ON CONFLICT DO NOTHING` (the
/// unique key is the primary key: a delivery sent again is answered 200 and not stored
/// again, for as long as its row is kept); workers claim due rows with `FOR UPDATE SKIP
/// LOCKED` under a lease (30 s, renewed while the handler runs), so that a dead worker's
/// delivery is taken over once its lease ends. Done rows are kept for the retention (7
/// days), their bodies included, then deleted as workers complete others; dead rows are
/// kept until replayed or deleted by hand.
///
/// Connections come from a pool (deadpool-postgres, 16 connections, without TLS: put the
/// database on a private network or a local socket), and each statement is given 10 s.
#[derive(Clone)]
pub struct PostgresInbox {
    table: Table,
    /// Connections for handlers' transactions: rolled back when reused, so that an
    /// attempt cut short never leaves its transaction open for the next.
    transactions: Pool,
    poll: Duration,
}

impl std::fmt::Debug for PostgresInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.table.show(f, "PostgresInbox")
    }
}

/// The columns an entry is read from, in the order [`entry_of`] reads them.
const ENTRY_COLUMNS: &str = "unique_key, key_derived, webhook_type, organization_id, algorithm, received_at";

/// `value` as PostgreSQL text takes it: without NUL, which a JSON string may hold and a
/// text column refuses.
fn text(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains('\0') { value.replace('\0', "\u{FFFD}").into() } else { value.into() }
}

fn store_error(err: impl std::fmt::Display) -> InboxError {
    InboxError::Store(format!("PostgreSQL: {err}"))
}

fn database_error(err: tokio_postgres::Error) -> InboxError {
    InboxError::Store(crate::pg::describe(&err))
}

impl PostgresInbox {
    /// An inbox in the database at `url` (`postgres://user@host:port/database`), in the
    /// table `lago_webhook_inbox`. Connects, and creates the table if it is missing.
    pub async fn connect(url: &str) -> Result<Self, InboxError> {
        Self::connect_to_table(url, "lago_webhook_inbox").await
    }

    /// The same, with the table `table` (`name` or `schema.name`, in lower-case letters,
    /// digits and underscores; the schema must exist).
    pub async fn connect_to_table(url: &str, table: &str) -> Result<Self, InboxError> {
        let table = Table::new(url, table, DEFAULT_LEASE).map_err(InboxError::Config)?;
        let transactions = crate::pg::pool(url, 16, RecyclingMethod::Custom("ROLLBACK".to_owned()))
            .map_err(InboxError::Config)?;
        table
            .create(
                "unique_key text NOT NULL,
                 key_derived boolean NOT NULL,
                 webhook_type text NOT NULL,
                 organization_id text,
                 algorithm text,
                 received_at timestamptz NOT NULL,
                 body bytea NOT NULL,
                 state text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'in_progress', 'done', 'dead')),
                 attempts integer NOT NULL DEFAULT 0,
                 due_at timestamptz NOT NULL DEFAULT now(),
                 token bytea,
                 last_error text",
                &[
                    ("due", "(due_at) WHERE state IN ('pending', 'in_progress')"),
                    ("done", "(done_at) WHERE state = 'done'"),
                    ("received", "(received_at)"),
                ],
            )
            .await
            .map_err(InboxError::Store)?;
        Ok(PostgresInbox { table, transactions, poll: Duration::from_millis(250) })
    }

    /// How long a worker's lease holds unless renewed (default 30 s, renewed four times
    /// per lease while the handler runs): how long a dead worker's delivery waits.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.table.terms.lease = lease.max(Duration::from_millis(100));
        self
    }

    /// How often an idle worker looks for due deliveries (default 250 ms).
    pub fn with_poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll.max(Duration::from_millis(10));
        self
    }

    /// How long done deliveries are kept before workers delete them (default 7 days);
    /// `None` keeps them until [`InboxAdmin::purge_done`]. A delivery sent again after
    /// its row is gone is stored and handled again.
    pub fn with_retention(mut self, retention: Option<Duration>) -> Self {
        self.table.terms.retention = retention;
        self
    }

    /// The pool of the inbox's connections, for a program that keeps its own data in the
    /// same database.
    pub fn pool(&self) -> &Pool {
        &self.table.pool
    }

    /// Deletes the inbox: drops its table, with every delivery it holds.
    pub async fn delete(self) -> Result<(), InboxError> {
        let client = self.client().await?;
        client
            .batch_execute(&format!("DROP TABLE IF EXISTS {}", self.table.name))
            .await
            .map_err(database_error)
    }

    async fn client(&self) -> Result<Object, InboxError> {
        self.table.pool.get().await.map_err(store_error)
    }

    /// Runs `sql` with the job's key and token (and `more`) on a pooled connection: how
    /// many rows it changed.
    async fn settle(
        &self,
        sql: &str,
        key: &[u8],
        token: &[u8],
        more: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, InboxError> {
        let client = self.client().await?;
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![&key, &token];
        params.extend_from_slice(more);
        client.execute(sql, &params).await.map_err(database_error)
    }
}

/// An entry from a row holding [`ENTRY_COLUMNS`] from `at`, and `body` as its body.
fn entry_of(row: &Row, at: usize, body: Bytes) -> Result<Entry, InboxError> {
    let get_error = |err: tokio_postgres::Error| store_error(format!("an inbox row cannot be read: {err}"));
    let algorithm: Option<String> = row.try_get(at + 4).map_err(get_error)?;
    Ok(Entry {
        unique_key: row.try_get(at).map_err(get_error)?,
        key_derived: row.try_get(at + 1).map_err(get_error)?,
        webhook_type: row.try_get(at + 2).map_err(get_error)?,
        organization_id: row.try_get(at + 3).map_err(get_error)?,
        algorithm: algorithm.as_deref().and_then(Algorithm::from_name),
        received_at: row.try_get(at + 5).map_err(get_error)?,
        body,
    })
}

impl Inbox for PostgresInbox {
    type Job = PostgresJob;
    type Source = Self;

    async fn enqueue(&self, entry: &Entry) -> Result<Enqueued, InboxError> {
        let client = self.client().await?;
        let sql = format!(
            "INSERT INTO {} (key, {ENTRY_COLUMNS}, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (key) DO NOTHING",
            self.table.name
        );
        let key = entry.digest().as_bytes().to_vec();
        let algorithm = entry.algorithm.map(Algorithm::as_str);
        let body: &[u8] = &entry.body;
        let webhook_type = text(&entry.webhook_type);
        let organization_id = entry.organization_id.as_deref().map(text);
        let inserted = client
            .execute(
                &sql,
                &[
                    &key,
                    &text(&entry.unique_key),
                    &entry.key_derived,
                    &webhook_type,
                    &organization_id,
                    &algorithm,
                    &entry.received_at,
                    &body,
                ],
            )
            .await
            .map_err(database_error)?;
        Ok(if inserted == 1 { Enqueued::Stored } else { Enqueued::AlreadyStored })
    }
}

impl Source for PostgresInbox {
    type Job = PostgresJob;

    async fn take(&mut self, max: usize, wait: Duration) -> Result<Vec<PostgresJob>, InboxError> {
        let until = tokio::time::Instant::now() + wait;
        let sql = format!(
            "UPDATE {table} AS t
             SET state = 'in_progress', attempts = t.attempts + 1, token = $2,
                 due_at = now() + make_interval(secs => $3)
             FROM (SELECT key FROM {table}
                   WHERE state IN ('pending', 'in_progress') AND due_at <= now()
                   ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED) AS due
             WHERE t.key = due.key
             RETURNING t.key, t.attempts, t.body, {columns}",
            table = self.table.name,
            columns = ENTRY_COLUMNS.split(", ").map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", "),
        );
        let limit = i64::try_from(max.max(1)).unwrap_or(i64::MAX);
        loop {
            let token = ClaimToken::new().as_u128().to_be_bytes().to_vec();
            let rows = {
                let client = self.client().await?;
                client
                    .query(&sql, &[&limit, &token, &self.table.terms.lease.as_secs_f64()])
                    .await
                    .map_err(database_error)?
            };
            if !rows.is_empty() {
                let mut jobs = Vec::with_capacity(rows.len());
                for row in rows {
                    let read_error = |err: tokio_postgres::Error| {
                        store_error(format!("an inbox row cannot be read: {err}"))
                    };
                    let key: Vec<u8> = row.try_get(0).map_err(read_error)?;
                    let attempts: i32 = row.try_get(1).map_err(read_error)?;
                    let body: Vec<u8> = row.try_get(2).map_err(read_error)?;
                    let entry = entry_of(&row, 3, Bytes::from(body))?;
                    jobs.push(PostgresJob {
                        inbox: self.clone(),
                        key,
                        token: token.clone(),
                        taken: Taken::new(entry, u32::try_from(attempts).unwrap_or(0))
                            .leased(self.table.terms.lease),
                        transaction: Arc::new(TransactionSlot::new(self.transactions.clone())),
                    });
                }
                return Ok(jobs);
            }
            let now = tokio::time::Instant::now();
            if now >= until {
                return Ok(Vec::new());
            }
            tokio::time::sleep(self.poll.min(until - now)).await;
        }
    }
}

tokio::task_local! {
    /// The transaction slot of the attempt whose handler runs in this task.
    static CURRENT: Arc<TransactionSlot>;
}

/// The transaction of one attempt, opened when its handler first asks for it.
struct TransactionSlot {
    pool: Pool,
    connection: OnceCell<Arc<Object>>,
    /// Committed or rolled back: nothing left to end.
    ended: AtomicBool,
}

impl TransactionSlot {
    fn new(pool: Pool) -> Self {
        TransactionSlot { pool, connection: OnceCell::new(), ended: AtomicBool::new(false) }
    }

    /// The attempt's connection, in a transaction begun on first use.
    async fn open(&self) -> Result<Arc<Object>, InboxError> {
        let connection = self
            .connection
            .get_or_try_init(|| async {
                let connection = self.pool.get().await.map_err(store_error)?;
                connection.batch_execute("BEGIN").await.map_err(database_error)?;
                Ok::<_, InboxError>(Arc::new(connection))
            })
            .await?;
        Ok(Arc::clone(connection))
    }

    /// The open transaction, if the handler began one and it has not ended.
    fn opened(&self) -> Option<&Arc<Object>> {
        self.connection.get().filter(|_| !self.ended.load(Ordering::Acquire))
    }

    /// Rolls the transaction back, if one is open.
    async fn roll_back(&self) {
        if let Some(connection) = self.opened() {
            self.ended.store(true, Ordering::Release);
            // A connection whose rollback fails is rolled back when next reused.
            let _ = connection.batch_execute("ROLLBACK").await;
        }
    }
}

impl Drop for TransactionSlot {
    fn drop(&mut self) {
        // An attempt dropped with its transaction open (its task was aborted): roll it
        // back now, so that its locks do not wait for the connection's next use.
        if let Some(connection) = self.connection.take()
            && !*self.ended.get_mut()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                let _ = connection.batch_execute("ROLLBACK").await;
            });
        }
    }
}

/// The transaction of the inbox's database in which the delivery being handled is
/// completed: see [the module's documentation](self). It dereferences to a
/// [`tokio_postgres::Client`].
pub struct InboxTransaction {
    connection: Arc<Object>,
}

impl InboxTransaction {
    /// The transaction of the delivery this handler is handling, begun on first use; an
    /// error outside a PostgreSQL inbox worker's handler, or when no connection can be had.
    pub async fn current() -> Result<InboxTransaction, InboxError> {
        let slot = CURRENT.try_with(Arc::clone).map_err(|_| {
            InboxError::Config("no PostgreSQL inbox delivery is being handled in this task".to_owned())
        })?;
        if slot.ended.load(Ordering::Acquire) {
            return Err(InboxError::Config("the attempt's transaction has ended".to_owned()));
        }
        Ok(InboxTransaction { connection: slot.open().await? })
    }
}

impl std::ops::Deref for InboxTransaction {
    type Target = tokio_postgres::Client;

    fn deref(&self) -> &tokio_postgres::Client {
        &self.connection
    }
}

impl std::fmt::Debug for InboxTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboxTransaction").finish_non_exhaustive()
    }
}

/// A delivery taken from a [`PostgresInbox`], leased to its worker.
pub struct PostgresJob {
    inbox: PostgresInbox,
    key: Vec<u8>,
    token: Vec<u8>,
    taken: Taken,
    transaction: Arc<TransactionSlot>,
}

super::debug_job!(PostgresJob);

impl PostgresJob {
    /// Ends the handler's transaction, if any, then runs `sql` with the key and token.
    async fn settle(
        self,
        sql: String,
        more: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, InboxError> {
        self.transaction.roll_back().await;
        self.inbox.settle(&sql, &self.key, &self.token, more).await
    }
}

impl Job for PostgresJob {
    fn taken(&self) -> &Taken {
        &self.taken
    }

    async fn renew(&self) -> Result<bool, InboxError> {
        let sql = format!(
            "UPDATE {} SET due_at = now() + make_interval(secs => $3)
             WHERE key = $1 AND token = $2 AND state = 'in_progress'",
            self.inbox.table.name
        );
        let renewed = self
            .inbox
            .settle(&sql, &self.key, &self.token, &[&self.inbox.table.terms.lease.as_secs_f64()])
            .await?;
        Ok(renewed == 1)
    }

    fn scope<F: Future + Send>(&self, handling: F) -> impl Future<Output = F::Output> + Send {
        CURRENT.scope(Arc::clone(&self.transaction), handling)
    }

    async fn complete(self) -> Result<Completion, InboxError> {
        let sql = format!(
            "UPDATE {} SET state = 'done', done_at = now(), token = NULL, last_error = NULL
             WHERE key = $1 AND token = $2 AND state = 'in_progress'",
            self.inbox.table.name
        );
        let done = match self.transaction.opened() {
            // The handler wrote in the transaction: the completion joins it, and both
            // are committed, or neither when another worker holds the delivery now.
            Some(connection) => {
                self.transaction.ended.store(true, Ordering::Release);
                let done = match connection.execute(&sql, &[&self.key, &self.token]).await {
                    Ok(done) => done,
                    Err(err) => {
                        let _ = connection.batch_execute("ROLLBACK").await;
                        return Err(database_error(err));
                    }
                };
                let end = if done == 1 { "COMMIT" } else { "ROLLBACK" };
                connection.batch_execute(end).await.map_err(database_error)?;
                done
            }
            None => self.inbox.settle(&sql, &self.key, &self.token, &[]).await?,
        };
        self.inbox.table.purge_expired("state = 'done'");
        Ok(if done == 1 { Completion::Done } else { Completion::LeaseLost })
    }

    async fn retry(self, delay: Duration, error: &str) -> Result<(), InboxError> {
        let sql = format!(
            "UPDATE {} SET state = 'pending', due_at = now() + make_interval(secs => $3), token = NULL,
                 last_error = $4
             WHERE key = $1 AND token = $2 AND state = 'in_progress'",
            self.inbox.table.name
        );
        self.settle(sql, &[&delay.as_secs_f64(), &text(error)]).await?;
        Ok(())
    }

    async fn bury(self, error: &str) -> Result<(), InboxError> {
        let sql = format!(
            "UPDATE {} SET state = 'dead', token = NULL, last_error = $3
             WHERE key = $1 AND token = $2 AND state = 'in_progress'",
            self.inbox.table.name
        );
        self.settle(sql, &[&text(error)]).await?;
        Ok(())
    }

    async fn release(self) -> Result<(), InboxError> {
        let sql = format!(
            "UPDATE {} SET state = 'pending', due_at = now(), token = NULL, attempts = greatest(attempts - 1, 0)
             WHERE key = $1 AND token = $2 AND state = 'in_progress'",
            self.inbox.table.name
        );
        self.settle(sql, &[]).await?;
        Ok(())
    }
}

/// The state of a row, as an admin sees it: a pending row that failed before is
/// retrying, and an in-progress row whose lease ran out (its worker died) is retrying too.
const STATE: &str = "CASE
    WHEN state = 'pending' AND attempts > 0 THEN 'retrying'
    WHEN state = 'in_progress' AND due_at <= now() THEN 'retrying'
    ELSE state END";

fn state_of(name: &str) -> State {
    name.parse().unwrap_or(State::Pending)
}

impl InboxAdmin for PostgresInbox {
    async fn status(&self) -> Result<Status, InboxError> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {STATE} AS shown, count(*), min(received_at) FILTER (WHERE state IN ('pending', 'in_progress'))
             FROM {} GROUP BY shown",
            self.table.name
        );
        let rows = client.query(&sql, &[]).await.map_err(database_error)?;
        let mut status =
            Status { in_progress: Some(0), retrying: Some(0), done: Some(0), ..Status::default() };
        for row in rows {
            let read_error =
                |err: tokio_postgres::Error| store_error(format!("a status cannot be read: {err}"));
            let state: String = row.try_get(0).map_err(read_error)?;
            let count = u64::try_from(row.try_get::<_, i64>(1).map_err(read_error)?).unwrap_or(0);
            let oldest: Option<SystemTime> = row.try_get(2).map_err(read_error)?;
            match state_of(&state) {
                State::Pending => status.pending = count,
                State::InProgress => status.in_progress = Some(count),
                State::Retrying => status.retrying = Some(count),
                State::Done => status.done = Some(count),
                State::Dead => status.dead = count,
            }
            if let Some(oldest) = oldest {
                status.oldest = Some(status.oldest.map_or(oldest, |other| other.min(oldest)));
            }
        }
        Ok(status)
    }

    async fn list(&self, state: Option<State>, limit: usize) -> Result<Vec<Stored>, InboxError> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {STATE}, attempts, due_at, last_error, {ENTRY_COLUMNS} FROM {}
             WHERE $1::text IS NULL OR {STATE} = $1 ORDER BY received_at LIMIT $2",
            self.table.name
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client.query(&sql, &[&state.map(State::as_str), &limit]).await.map_err(database_error)?;
        rows.iter().map(|row| stored_of(row, Bytes::new())).collect()
    }

    async fn show(&self, unique_key: &str) -> Result<Option<Stored>, InboxError> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {STATE}, attempts, due_at, last_error, {ENTRY_COLUMNS}, body FROM {} WHERE key = $1",
            self.table.name
        );
        let key = KeyDigest::of(unique_key).as_bytes().to_vec();
        let Some(row) = client.query_opt(&sql, &[&key]).await.map_err(database_error)? else {
            return Ok(None);
        };
        let body: Vec<u8> = row.try_get(10).map_err(store_error)?;
        stored_of(&row, Bytes::from(body)).map(Some)
    }

    async fn replay(&self, unique_key: &str) -> Result<bool, InboxError> {
        let client = self.client().await?;
        let sql = format!(
            "UPDATE {} SET state = 'pending', attempts = 0, due_at = now(), token = NULL, last_error = NULL,
                 done_at = NULL
             WHERE key = $1 AND state IN ('dead', 'done')",
            self.table.name
        );
        let key = KeyDigest::of(unique_key).as_bytes().to_vec();
        Ok(client.execute(&sql, &[&key]).await.map_err(database_error)? == 1)
    }

    async fn replay_dead(&self) -> Result<u64, InboxError> {
        let client = self.client().await?;
        let sql = format!(
            "UPDATE {} SET state = 'pending', attempts = 0, due_at = now(), token = NULL, last_error = NULL
             WHERE state = 'dead'",
            self.table.name
        );
        client.execute(&sql, &[]).await.map_err(database_error)
    }

    async fn purge_done(&self, before: SystemTime) -> Result<u64, InboxError> {
        let client = self.client().await?;
        let sql = format!("DELETE FROM {} WHERE state = 'done' AND done_at < $1", self.table.name);
        client.execute(&sql, &[&before]).await.map_err(database_error)
    }
}

/// A stored delivery from a row of `state, attempts, due_at, last_error` and
/// [`ENTRY_COLUMNS`].
fn stored_of(row: &Row, body: Bytes) -> Result<Stored, InboxError> {
    let read_error = |err: tokio_postgres::Error| store_error(format!("an inbox row cannot be read: {err}"));
    let state: String = row.try_get(0).map_err(read_error)?;
    let state = state_of(&state);
    let attempts: i32 = row.try_get(1).map_err(read_error)?;
    let due_at: SystemTime = row.try_get(2).map_err(read_error)?;
    let last_error: Option<String> = row.try_get(3).map_err(read_error)?;
    let entry = entry_of(row, 4, body)?;
    let waiting = matches!(state, State::Pending | State::Retrying);
    Ok(Stored::new(entry, state, u32::try_from(attempts).unwrap_or(0), waiting.then_some(due_at), last_error))
}
