//! An inbox chosen by URL, for programs that take it from their settings.

use std::future::Future;
use std::time::{Duration, SystemTime};

use super::{
    Completion, Enqueued, Entry, Inbox, InboxAdmin, InboxError, Job, MemoryInbox, Source, State, Status,
    Stored, Taken,
};

/// What [`open`] needs besides a URL.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// The engine's name for the inbox: the PostgreSQL table (`name` or `schema.name`),
    /// the NATS stream, the RabbitMQ queue. Each engine has a default.
    pub name: Option<String>,
    /// Where RabbitMQ receivers share what they stored (`redis://...` or
    /// `postgres://...`), so that a delivery sent to two of them is stored once; in each
    /// receiver's memory without. Other engines deduplicate in themselves.
    pub dedup_url: Option<String>,
    /// How long a worker's hold on a delivery lasts unless renewed, for the engines that
    /// lease (PostgreSQL, NATS): how long the deliveries of a worker that died wait. Each
    /// engine has a default (30 s).
    pub lease: Option<Duration>,
}

impl Options {
    /// The engine's name for the inbox.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Where RabbitMQ receivers share what they stored.
    pub fn with_dedup_url(mut self, url: impl Into<String>) -> Self {
        self.dedup_url = Some(url.into());
        self
    }

    /// How long a worker's hold on a delivery lasts unless renewed.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }
}

/// An inbox of any engine compiled in, chosen at run time by [`open`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AnyInbox {
    /// In this process's memory (`memory:`).
    Memory(MemoryInbox),
    /// In PostgreSQL (`postgres://`, `postgresql://`).
    #[cfg(feature = "postgres")]
    Postgres(super::PostgresInbox),
    /// In NATS JetStream (`nats://`).
    #[cfg(feature = "nats")]
    Nats(super::NatsInbox),
    /// In RabbitMQ (`amqp://`, `amqps://`).
    #[cfg(feature = "rabbitmq")]
    RabbitMq(super::RabbitMqInbox<crate::dedup::AnyDeduplicator>),
}

/// Connects to the inbox at `url`, creating what it needs (table, stream, queues) if
/// missing: `postgres://` (feature `postgres`), `nats://` (feature `nats`), `amqp://`
/// (feature `rabbitmq`), or `memory:` for one in this process.
pub async fn open(url: &str, options: &Options) -> Result<AnyInbox, InboxError> {
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    // Read by the engines compiled in.
    let _ = options;
    match scheme {
        "memory" => Ok(AnyInbox::Memory(MemoryInbox::new())),
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => {
            let mut inbox = match &options.name {
                Some(table) => super::PostgresInbox::connect_to_table(url, table).await?,
                None => super::PostgresInbox::connect(url).await?,
            };
            if let Some(lease) = options.lease {
                inbox = inbox.with_lease(lease);
            }
            Ok(AnyInbox::Postgres(inbox))
        }
        #[cfg(feature = "nats")]
        "nats" => {
            let mut settings =
                super::nats::NatsOptions::new(options.name.as_deref().unwrap_or("LAGO_WEBHOOKS"));
            if let Some(lease) = options.lease {
                settings = settings.with_lease(lease);
            }
            Ok(AnyInbox::Nats(super::NatsInbox::connect_with(url, settings).await?))
        }
        #[cfg(feature = "rabbitmq")]
        "amqp" | "amqps" => {
            let dedup =
                crate::dedup::AnyDeduplicator::open(options.dedup_url.as_deref()).await.map_err(|err| {
                    InboxError::Config(format!("cannot use the RabbitMQ receivers' deduplicator: {err}"))
                })?;
            let inbox = match &options.name {
                Some(queue) => super::RabbitMqInbox::connect_to_queue(url, queue).await?,
                None => super::RabbitMqInbox::connect(url).await?,
            };
            Ok(AnyInbox::RabbitMq(inbox.with_deduplicator(dedup)))
        }
        _ => Err(InboxError::Config(format!(
            "`{}` is not an inbox URL this build takes: {}",
            redact(url),
            supported().join(", ")
        ))),
    }
}

/// `url` without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The URL forms this build takes.
fn supported() -> Vec<&'static str> {
    let mut forms = vec!["memory:"];
    if cfg!(feature = "postgres") {
        forms.push("postgres://...");
    }
    if cfg!(feature = "nats") {
        forms.push("nats://...");
    }
    if cfg!(feature = "rabbitmq") {
        forms.push("amqp://...");
    }
    forms
}

/// A delivery taken from an [`AnyInbox`].
#[derive(Debug)]
#[non_exhaustive]
pub enum AnyJob {
    /// From memory.
    Memory(super::memory::MemoryJob),
    /// From PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(super::postgres::PostgresJob),
    /// From NATS JetStream.
    #[cfg(feature = "nats")]
    Nats(super::nats::NatsJob),
    /// From RabbitMQ.
    #[cfg(feature = "rabbitmq")]
    RabbitMq(super::rabbitmq::RabbitMqJob),
}

/// Calls the same method on whichever engine `$value` holds. With `$wrap as $into`,
/// `$wrap` is `$into`'s variant of the same engine, to wrap what the call makes.
macro_rules! each {
    (@let $wrap:ident = $variant:path; $call:expr) => {{
        let $wrap = $variant;
        $call
    }};
    ($enum:ident, $value:expr, $inner:ident => $call:expr) => {
        each!($enum, $value, $inner, _same as $enum => $call)
    };
    ($enum:ident, $value:expr, $inner:ident, $wrap:ident as $into:ident => $call:expr) => {
        match $value {
            $enum::Memory($inner) => each!(@let $wrap = $into::Memory; $call),
            #[cfg(feature = "postgres")]
            $enum::Postgres($inner) => each!(@let $wrap = $into::Postgres; $call),
            #[cfg(feature = "nats")]
            $enum::Nats($inner) => each!(@let $wrap = $into::Nats; $call),
            #[cfg(feature = "rabbitmq")]
            $enum::RabbitMq($inner) => each!(@let $wrap = $into::RabbitMq; $call),
        }
    };
}

impl AnyInbox {
    /// The engine's name, for messages: `memory`, `postgres`, `nats` or `rabbitmq`.
    pub fn engine(&self) -> &'static str {
        match self {
            AnyInbox::Memory(_) => "memory",
            #[cfg(feature = "postgres")]
            AnyInbox::Postgres(_) => "postgres",
            #[cfg(feature = "nats")]
            AnyInbox::Nats(_) => "nats",
            #[cfg(feature = "rabbitmq")]
            AnyInbox::RabbitMq(_) => "rabbitmq",
        }
    }
}

impl AnyInbox {
    /// Deletes the inbox, with every delivery it holds: its table, streams or queues.
    pub async fn delete(self) -> Result<(), InboxError> {
        match self {
            AnyInbox::Memory(_) => Ok(()),
            #[cfg(feature = "postgres")]
            AnyInbox::Postgres(inbox) => inbox.delete().await,
            #[cfg(feature = "nats")]
            AnyInbox::Nats(inbox) => inbox.delete().await,
            #[cfg(feature = "rabbitmq")]
            AnyInbox::RabbitMq(inbox) => inbox.delete().await,
        }
    }
}

impl Inbox for AnyInbox {
    type Job = AnyJob;
    type Source = AnySource;

    async fn enqueue(&self, entry: &Entry) -> Result<Enqueued, InboxError> {
        each!(AnyInbox, self, inbox => inbox.enqueue(entry).await)
    }
}

/// A worker's source of deliveries from an [`AnyInbox`]: its engine's
/// [`Source`](Inbox::Source).
#[derive(Debug)]
#[non_exhaustive]
pub enum AnySource {
    /// From memory.
    Memory(<MemoryInbox as Inbox>::Source),
    /// From PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(<super::PostgresInbox as Inbox>::Source),
    /// From NATS JetStream.
    #[cfg(feature = "nats")]
    Nats(<super::NatsInbox as Inbox>::Source),
    /// From RabbitMQ.
    #[cfg(feature = "rabbitmq")]
    RabbitMq(<super::RabbitMqInbox<crate::dedup::AnyDeduplicator> as Inbox>::Source),
}

impl From<AnyInbox> for AnySource {
    /// The source of whichever inbox `inbox` holds.
    // Most engines are their own source: for them the conversion keeps the inbox as is.
    #[allow(clippy::useless_conversion)]
    fn from(inbox: AnyInbox) -> Self {
        each!(AnyInbox, inbox, inbox, source as AnySource => source(inbox.into()))
    }
}

impl Source for AnySource {
    type Job = AnyJob;

    async fn take(&mut self, max: usize, wait: Duration) -> Result<Vec<AnyJob>, InboxError> {
        each!(AnySource, self, source, job as AnyJob => Ok(source.take(max, wait).await?.into_iter().map(job).collect()))
    }

    async fn stop(&mut self) {
        each!(AnySource, self, source => source.stop().await)
    }

    async fn close(self) {
        each!(AnySource, self, source => source.close().await)
    }
}

impl Job for AnyJob {
    fn taken(&self) -> &Taken {
        each!(AnyJob, self, job => job.taken())
    }

    fn renewal(&self) -> Option<Duration> {
        each!(AnyJob, self, job => job.renewal())
    }

    async fn renew(&self) -> Result<bool, InboxError> {
        each!(AnyJob, self, job => job.renew().await)
    }

    async fn scope<F: Future + Send>(&self, handling: F) -> F::Output {
        each!(AnyJob, self, job => job.scope(handling).await)
    }

    async fn complete(self) -> Result<Completion, InboxError> {
        each!(AnyJob, self, job => job.complete().await)
    }

    async fn retry(self, delay: Duration, error: &str) -> Result<(), InboxError> {
        each!(AnyJob, self, job => job.retry(delay, error).await)
    }

    async fn bury(self, error: &str) -> Result<(), InboxError> {
        each!(AnyJob, self, job => job.bury(error).await)
    }

    async fn release(self) -> Result<(), InboxError> {
        each!(AnyJob, self, job => job.release().await)
    }
}

impl InboxAdmin for AnyInbox {
    async fn status(&self) -> Result<Status, InboxError> {
        each!(AnyInbox, self, inbox => inbox.status().await)
    }

    async fn list(&self, state: Option<State>, limit: usize) -> Result<Vec<Stored>, InboxError> {
        each!(AnyInbox, self, inbox => inbox.list(state, limit).await)
    }

    async fn show(&self, unique_key: &str) -> Result<Option<Stored>, InboxError> {
        each!(AnyInbox, self, inbox => inbox.show(unique_key).await)
    }

    async fn replay(&self, unique_key: &str) -> Result<bool, InboxError> {
        each!(AnyInbox, self, inbox => inbox.replay(unique_key).await)
    }

    async fn replay_dead(&self) -> Result<u64, InboxError> {
        each!(AnyInbox, self, inbox => inbox.replay_dead().await)
    }

    async fn purge_done(&self, before: SystemTime) -> Result<u64, InboxError> {
        each!(AnyInbox, self, inbox => inbox.purge_done(before).await)
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_a_message() {
        let cases = [
            ("amqp://guest:secret@127.0.0.1:5672/%2f", "amqp://guest:***@127.0.0.1:5672/%2f"),
            ("nats://user:p@ss@host:4222", "nats://user:***@host:4222"),
            ("postgres://postgres@127.0.0.1/test", "postgres://postgres:***@127.0.0.1/test"),
            ("nats://127.0.0.1:4222", "nats://127.0.0.1:4222"),
            ("memory:", "memory:"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact(url), shown);
        }
    }
}
