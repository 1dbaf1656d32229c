//! Accept durably, then handle: an inbox between Lago and your handler, so that no
//! delivery Lago was told was received is lost.
//!
//! Lago tries a delivery three times in about twenty seconds, then gives up on it for
//! good. A receiver that handles deliveries as they arrive spends those tries against a
//! handler whose database is down, a deploy, or a slow downstream call. With an inbox,
//! an [`InboxReceiver`] verifies each delivery, writes it to a durable store, and answers
//! Lago 200 only once the store has confirmed the write (503 when it cannot, so that Lago
//! retries). [`Worker`]s then take the deliveries from the store, parse them into the
//! generated types and call the same `AsyncWebhookHandler` as a [`Receiver`] does, with
//! the [`Delivery`](crate::Delivery) and the attempt number; a failed, panicked or
//! timed-out attempt is retried later with exponential backoff ([`RetryPolicy`]), and a
//! delivery whose attempts are all spent goes to a dead letter, where it is kept until
//! replayed.
//!
//! # Engines
//!
//! - [`MemoryInbox`]: in this process's memory; for tests and development, lost on exit.
//! - `PostgresInbox` (feature `postgres`): one table, created if missing; workers claim
//!   with `FOR UPDATE SKIP LOCKED` under a lease, and a handler can write in the same
//!   transaction as the delivery's completion, for effects exactly once.
//! - `NatsInbox` (feature `nats`): a JetStream stream and a durable pull consumer.
//! - `RabbitMqInbox` (feature `rabbitmq`): a quorum queue with publisher confirms, manual
//!   acknowledgements, delayed retry queues and a dead-letter exchange.
//!
//! [`open`] picks one by URL (`postgres://`, `nats://`, `amqp://`, `memory:`), as the
//! example receiver and `lago-webhooks inbox` do.
//!
//! # What is guaranteed
//!
//! - No delivery answered 200 is lost while the store keeps its data: it stays in the
//!   inbox until its handler returned `Ok` (or, after its last attempt, in the dead
//!   letter).
//! - The unique key is the delivery's identity: a delivery already in the inbox is
//!   answered 200 and not stored again (each engine says within which window). A delivery
//!   without an `X-Lago-Unique-Key` gets a key derived from its body,
//!   `body-sha256:<hex>`, so that the same body sent twice is one delivery.
//! - A handler sees a delivery more than once only when an attempt's outcome was not
//!   recorded (its worker died or lost its lease between the handler's return and the
//!   acknowledgement, or the handler failed), or when the delivery was stored twice, as
//!   NATS and RabbitMQ may (their modules say when). [`Delivery::attempt`](crate::Delivery::attempt)
//!   tells which attempt it is. Make handlers idempotent: key your writes by the
//!   payload's `lago_id` or the unique key (an upsert, or a unique index), or, on
//!   PostgreSQL, write in the inbox's transaction.
//! - Not guaranteed: order. Lago does not order its deliveries either; read the state a
//!   webhook carries (a status, an `updated_at`), not the order they come in.
//!
//! # A receiver and a worker
//!
//! ```no_run
//! # #[cfg(all(feature = "bundled", feature = "axum"))]
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! use lago_webhooks::inbox::{InboxReceiver, MemoryInbox, Worker};
//! use lago_webhooks::server::{Limits, serve_until};
//! use lago_webhooks::shutdown::Shutdown;
//! use lago_webhooks::verify::Verifier;
//! use lago_webhooks::{AsyncWebhookHandler, Delivery, HandlerResult, Invoice};
//!
//! struct Billing;
//!
//! impl AsyncWebhookHandler for Billing {
//!     async fn on_invoice_created(&self, invoice: Invoice, delivery: &Delivery) -> HandlerResult {
//!         println!("book {} (attempt {})", invoice.number, delivery.attempt);
//!         Ok(())
//!     }
//! }
//!
//! let inbox = MemoryInbox::new(); // PostgresInbox::connect(url).await? in production
//! let receiver = InboxReceiver::new(Verifier::new().with_hmac("my-hmac-key")?, inbox.clone());
//! let shutdown = Shutdown::on_signals();
//! let worker = tokio::spawn(Worker::new(inbox, Billing).run_until(shutdown.signalled()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! serve_until(listener, receiver.into_router("/webhooks"), Limits::default(), shutdown.signalled()).await?;
//! worker.await?;
//! # Ok(())
//! # }
//! ```
//!
//! [`Receiver`]: crate::receiver::Receiver

mod admin;
mod entry;
mod memory;
#[cfg(feature = "nats")]
pub mod nats;
mod open;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "rabbitmq")]
pub mod rabbitmq;
mod receiver;
mod retry;
mod worker;

use std::future::Future;
use std::time::Duration;

pub use self::admin::{InboxAdmin, State, Status, Stored};
pub use self::entry::{DERIVED_KEY_PREFIX, Entry};
pub use self::memory::MemoryInbox;
#[cfg(feature = "nats")]
pub use self::nats::NatsInbox;
pub use self::open::{AnyInbox, AnyJob, AnySource, Options, open};
#[cfg(feature = "postgres")]
pub use self::postgres::PostgresInbox;
#[cfg(feature = "rabbitmq")]
pub use self::rabbitmq::RabbitMqInbox;
pub use self::receiver::{DEFAULT_STORE_DEADLINE, InboxReceiver};
pub use self::retry::RetryPolicy;
pub use self::worker::{DEFAULT_ATTEMPT_DEADLINE, DEFAULT_SHUTDOWN_GRACE, Worker, WorkerReport};

/// Why an inbox operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InboxError {
    /// The store failed or could not be reached; the message names the engine.
    #[error("{0}")]
    Store(String),
    /// The store did not answer in time.
    #[error("the inbox's store did not answer within {0:?}")]
    Timeout(Duration),
    /// An operation this engine does not offer.
    #[error("{engine} cannot {operation}")]
    Unsupported {
        /// The engine's name.
        engine: &'static str,
        /// What was asked of it.
        operation: &'static str,
    },
    /// A URL or a setting the engine cannot use.
    #[error("{0}")]
    Config(String),
}

/// What storing a delivery found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Enqueued {
    /// Stored; the store confirmed the write.
    Stored,
    /// A delivery with the same unique key is in the inbox already: not stored again.
    AlreadyStored,
    /// Another receiver is storing the same delivery right now: Lago should retry.
    InProgress,
}

/// How an attempt's success was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Completion {
    /// Marked done (or removed): no worker takes it again.
    Done,
    /// The attempt's lease had run out and another worker took the delivery over: its
    /// outcome is that worker's to record. (On PostgreSQL, writes made in the inbox's
    /// transaction were rolled back.)
    LeaseLost,
}

/// A durable store of deliveries: where an [`InboxReceiver`] puts them and
/// [`Worker`]s take them from.
///
/// The engines of this module implement it; implement it over another store with the
/// same promises: `enqueue` resolves only once the write is durable, a source's `take`
/// hands each delivery to one worker at a time (until its lease runs out), and a delivery
/// leaves the store only through [`Job::complete`].
///
/// An inbox is a handle to its store: its clones share it, as a receiver and the workers
/// beside it do.
pub trait Inbox: Clone + Send + Sync + 'static {
    /// A delivery taken for an attempt.
    type Job: Job;
    /// What a worker takes deliveries from, made from a clone of the inbox: the inbox
    /// itself where workers take from the store directly (`type Source = Self`).
    type Source: Source<Job = Self::Job> + From<Self>;

    /// Stores `entry`, resolving once the store has confirmed the write.
    fn enqueue(&self, entry: &Entry) -> impl Future<Output = Result<Enqueued, InboxError>> + Send;

    /// A source of deliveries for one worker, which [`Source::close`] ends.
    fn source(&self) -> Self::Source {
        Self::Source::from(self.clone())
    }
}

/// Where one worker takes deliveries from: for most engines the inbox itself; for
/// RabbitMQ, a consumer of the worker's own.
pub trait Source: Send + 'static {
    /// A delivery taken for an attempt.
    type Job: Job;

    /// Takes up to `max` deliveries due for an attempt, waiting up to `wait` for the
    /// first when none is due; each is leased to the caller until it is completed,
    /// retried, buried or released, or its lease runs out.
    fn take(
        &mut self,
        max: usize,
        wait: Duration,
    ) -> impl Future<Output = Result<Vec<Self::Job>, InboxError>> + Send;

    /// The worker takes no more (it is stopping): a consumer stops receiving, so that the
    /// deliveries its worker gives back go to other workers. Called before the worker's
    /// jobs in progress are settled.
    fn stop(&mut self) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// The worker is done: gives back what the source holds that was not taken (a
    /// consumer's prefetched messages). Called once every taken job is settled.
    fn close(self) -> impl Future<Output = ()> + Send
    where
        Self: Sized,
    {
        async {}
    }
}

/// A delivery as a worker took it for one attempt: what every [`Job`] is about, whatever
/// else its engine holds to settle it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Taken {
    /// The delivery.
    pub entry: Entry,
    /// Which attempt this is, from 1, counting those a crash cut short.
    pub attempt: u32,
    /// How long the worker holds the delivery unless it renews its lease; `None` when the
    /// hold never runs out while the worker lives, as in memory or in a broker that holds
    /// an unacknowledged message for as long as its channel lives.
    pub lease: Option<Duration>,
}

impl Taken {
    /// `entry`, taken for its `attempt`-th attempt, held for as long as the worker lives.
    pub fn new(entry: Entry, attempt: u32) -> Self {
        Taken { entry, attempt, lease: None }
    }

    /// The same, held for `lease` unless renewed.
    pub fn leased(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }
}

/// One delivery taken from an inbox for one attempt.
pub trait Job: Send + Sync + 'static {
    /// The delivery and which attempt this is.
    fn taken(&self) -> &Taken;

    /// The delivery.
    fn entry(&self) -> &Entry {
        &self.taken().entry
    }

    /// Which attempt this is, from 1, counting those a crash cut short.
    fn attempt(&self) -> u32 {
        self.taken().attempt
    }

    /// How often [`Job::renew`] must be called while the handler runs: four times per
    /// [lease](Taken::lease), so that a renewal or two may fail without losing it; `None`
    /// when the lease never runs out while its worker lives.
    fn renewal(&self) -> Option<Duration> {
        self.taken().lease.map(crate::dedup::renewal_of)
    }

    /// Extends the lease: `Ok(false)` when another worker took the delivery over. The
    /// default, for a lease that never runs out, has nothing to do.
    fn renew(&self) -> impl Future<Output = Result<bool, InboxError>> + Send {
        std::future::ready(Ok(true))
    }

    /// Runs the handler's future: an engine may set up what the handler can reach while
    /// it runs (the PostgreSQL inbox, its transaction).
    fn scope<F: Future + Send>(&self, handling: F) -> impl Future<Output = F::Output> + Send {
        handling
    }

    /// The handler returned `Ok`: marks the delivery done.
    fn complete(self) -> impl Future<Output = Result<Completion, InboxError>> + Send;

    /// The attempt failed: the delivery is attempted again after `delay`.
    fn retry(self, delay: Duration, error: &str) -> impl Future<Output = Result<(), InboxError>> + Send;

    /// The delivery's attempts are spent, or it can never be handled (its body does not
    /// parse): moves it to the dead letter, where it is kept until replayed.
    fn bury(self, error: &str) -> impl Future<Output = Result<(), InboxError>> + Send;

    /// Gives the delivery back without counting this attempt, for another worker to take
    /// at once: its worker is stopping.
    fn release(self) -> impl Future<Output = Result<(), InboxError>> + Send;
}

/// Implements `Debug` for an engine's job: its type's name, its delivery's unique key and
/// the attempt, and nothing of what it holds to settle the delivery (connections, a
/// broker's message).
macro_rules! debug_job {
    ($job:ident) => {
        impl std::fmt::Debug for $job {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let taken = super::Job::taken(self);
                f.debug_struct(stringify!($job))
                    .field("unique_key", &taken.entry.unique_key)
                    .field("attempt", &taken.attempt)
                    .finish_non_exhaustive()
            }
        }
    };
}
// By path, for the engines' modules: `super::debug_job!(MemoryJob)`.
use debug_job;
