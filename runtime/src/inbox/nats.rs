//! The inbox in NATS JetStream: a work-queue stream, a durable pull consumer shared by
//! every worker, a dead-letter stream, and a stream of the keys handled.
//!
//! # What deduplication covers
//!
//! A receiver publishes each delivery with its unique key's digest as `Nats-Msg-Id`:
//! within the stream's duplicate window (2 minutes by default,
//! [`NatsOptions::with_duplicate_window`]) the server drops a second publish of the same
//! key and the receiver answers 200 without a second copy. Lago's own tries of one
//! delivery all come within about 2 minutes of the first (three tries, 3 s and 18 s
//! apart, 30 s each at most), so the window covers them.
//!
//! Beyond the window, a delivery sent again (a person retrying it from Lago's UI, a
//! replayed body) is stored a second time, and answered 200. What the workers add: each
//! records the keys it handled in a stream of its own (`<STREAM>_DONE`, one message per
//! key, kept for the retention: 7 days by default, [`NatsOptions::with_retention`]), and a
//! worker taking a copy whose key is recorded there acknowledges it without handling it.
//! So a delivery is handled twice only when its second copy is taken while the first is
//! still being handled or waiting for a retry. (Looking the key up before publishing would
//! store fewer copies, at the cost of a round trip per delivery on the path Lago waits on.)

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_nats::HeaderMap;
use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::consumer::pull::Config as ConsumerConfig;
use async_nats::jetstream::message::AckKind;
use async_nats::jetstream::stream::{Config as StreamConfig, RetentionPolicy, StorageType, Stream};
use async_nats::jetstream::{self, Message};
use bytes::Bytes;
use futures_util::StreamExt;

use super::entry::{Header, Kept, epoch_millis, from_epoch_millis, header_text};
use super::{
    Completion, Enqueued, Entry, Inbox, InboxAdmin, InboxError, Job, Source, State, Status, Stored, Taken,
};
use crate::dedup::{KeyDigest, Terms};
use crate::verify::Algorithm;

/// How long a worker's hold on a delivery lasts unless renewed (it is renewed four times
/// per lease while the handler runs): the consumer's ack wait.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// The inbox in NATS JetStream, shared by every receiver and worker connected to it.
///
/// [`NatsInbox::connect`] creates what is missing: the stream `LAGO_WEBHOOKS` (file
/// storage, work-queue retention: a message is removed once acknowledged) on the subjects
/// `lago_webhooks.inbox.<digest>`, the durable pull consumer `workers` (explicit acks, ack
/// wait of [`DEFAULT_LEASE`]), the dead-letter stream `LAGO_WEBHOOKS_DEAD` on
/// `lago_webhooks.dead.<digest>`, and the stream of handled keys `LAGO_WEBHOOKS_DONE` on
/// `lago_webhooks.done.<digest>` (the last message of each subject kept, for the
/// retention). Each delivery's body is its message's payload, and what identifies it its
/// headers. It needs a NATS server with JetStream, 2.9 or later.
///
/// A worker acknowledges a message only after its handler returned `Ok` (and its key is
/// recorded in the bucket); a failed attempt is negatively acknowledged with the retry
/// policy's delay, so the server delivers it again then; a message whose worker died is
/// delivered again once its ack wait runs out. The attempt number is the server's count
/// of deliveries, so a delivery given back at shutdown counts one more attempt. At the
/// last attempt, the message is published to the dead-letter stream, then acknowledged.
/// A handled key is recorded before the message is acknowledged.
///
/// In `inbox status`, deliveries being handled and those waiting for a retry are counted
/// together as in progress: the consumer does not tell them apart.
///
/// Durability is the server's: a publish is acknowledged once the stream stored it, and a
/// NATS server flushes its files to disk every 2 minutes by default (`sync_interval`), so
/// a crash of the machine (not of the server process) may lose what it stored since; set
/// `sync_interval: always` in the server's JetStream settings where that matters, and
/// keep the streams on 3 servers of a cluster ([`NatsOptions::with_replicas`]). A
/// message, its headers included, must fit the server's `max_payload` (1 MiB by default):
/// raise it above the receiver's body limit, or lower that.
#[derive(Clone)]
pub struct NatsInbox {
    shared: Arc<Shared>,
}

struct Shared {
    client: async_nats::Client,
    jetstream: jetstream::Context,
    stream: Stream,
    dead: Stream,
    consumer: PullConsumer,
    done: Stream,
    /// `lago_webhooks`: subjects are `<prefix>.inbox.<digest>` and `<prefix>.dead.<digest>`.
    prefix: String,
    /// The consumer's ack wait, as the server has it (it may have been created with
    /// another lease than this inbox's options say).
    lease: Duration,
}

impl std::fmt::Debug for NatsInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsInbox").field("prefix", &self.shared.prefix).finish_non_exhaustive()
    }
}

fn store_error(err: impl std::fmt::Display) -> InboxError {
    InboxError::Store(format!("NATS: {err}"))
}

/// Settings of a [`NatsInbox`] before it connects.
#[derive(Debug, Clone)]
pub struct NatsOptions {
    stream: String,
    /// The consumer's ack wait, and how long the keys handled are kept.
    terms: Terms<Duration>,
    duplicate_window: Duration,
    replicas: usize,
}

impl NatsOptions {
    /// The defaults, for the stream `stream` (letters, digits, `-` and `_`).
    pub fn new(stream: impl Into<String>) -> Self {
        NatsOptions {
            stream: stream.into(),
            terms: Terms { lease: DEFAULT_LEASE, retention: crate::dedup::DEFAULT_RETENTION },
            duplicate_window: Duration::from_secs(120),
            replicas: 1,
        }
    }

    /// How many servers of a cluster keep each stream (default 1; 3 in a cluster, so
    /// that a server lost loses nothing). It applies when the streams are created.
    pub fn with_replicas(mut self, replicas: usize) -> Self {
        self.replicas = replicas.max(1);
        self
    }

    /// How long a worker's hold on a delivery lasts unless renewed (default 30 s; the
    /// consumer's ack wait): how long the deliveries of a worker that died wait. It
    /// applies when the consumer is created.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.terms.lease = lease.max(Duration::from_millis(100));
        self
    }

    /// The stream's duplicate window (default 2 minutes), within which the server drops
    /// a second publish of the same key. It applies when the stream is created.
    pub fn with_duplicate_window(mut self, window: Duration) -> Self {
        self.duplicate_window = window;
        self
    }

    /// How long handled keys are remembered (default 7 days).
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.terms.retention = retention;
        self
    }
}

impl NatsInbox {
    /// An inbox on the NATS server at `url` (`nats://host:port`), in the stream
    /// `LAGO_WEBHOOKS`; creates the streams, consumer and bucket it needs if missing.
    pub async fn connect(url: &str) -> Result<Self, InboxError> {
        Self::connect_with(url, NatsOptions::new("LAGO_WEBHOOKS")).await
    }

    /// The same, with the stream `stream` (letters, digits, `-` and `_`): its subjects
    /// are the stream's name in lower case, the dead letter `<stream>_DEAD`, the bucket
    /// `<stream>_DONE`.
    pub async fn connect_to_stream(url: &str, stream: &str) -> Result<Self, InboxError> {
        Self::connect_with(url, NatsOptions::new(stream)).await
    }

    /// The same, with all settings.
    pub async fn connect_with(url: &str, options: NatsOptions) -> Result<Self, InboxError> {
        let name = options.stream;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(InboxError::Config(format!(
                "`{name}` is not a stream name: letters, digits, `-` and `_`"
            )));
        }
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|err| store_error(format!("cannot connect to {}: {err}", super::open::redact(url))))?;
        let jetstream = jetstream::new(client.clone());
        let prefix = name.to_ascii_lowercase();
        // Every stream is kept in files, on the replicas asked for, with its subjects under
        // the prefix.
        let file_stream = |name: String, part: &str| StreamConfig {
            name,
            subjects: vec![format!("{prefix}.{part}.>")],
            storage: StorageType::File,
            num_replicas: options.replicas,
            ..StreamConfig::default()
        };
        let stream = StreamConfig {
            retention: RetentionPolicy::WorkQueue,
            duplicate_window: options.duplicate_window,
            ..file_stream(name.clone(), "inbox")
        };
        let stream = jetstream.get_or_create_stream(stream).await.map_err(store_error)?;
        let dead = file_stream(format!("{name}_DEAD"), "dead");
        let dead = jetstream.get_or_create_stream(dead).await.map_err(store_error)?;
        let consumer: PullConsumer = stream
            .get_or_create_consumer(
                "workers",
                ConsumerConfig {
                    durable_name: Some("workers".to_owned()),
                    ack_policy: jetstream::consumer::AckPolicy::Explicit,
                    ack_wait: options.terms.lease,
                    max_deliver: -1,
                    // Deliveries waiting for a retry count as pending acknowledgements: a
                    // limit would stop every new delivery while many wait out a long outage.
                    max_ack_pending: -1,
                    filter_subject: format!("{prefix}.inbox.>"),
                    ..ConsumerConfig::default()
                },
            )
            .await
            .map_err(store_error)?;
        let done = StreamConfig {
            max_messages_per_subject: 1,
            max_age: options.terms.retention,
            ..file_stream(format!("{name}_DONE"), "done")
        };
        let done = jetstream.get_or_create_stream(done).await.map_err(store_error)?;
        let lease = consumer.cached_info().config.ack_wait;
        let shared = Shared { client, jetstream, stream, dead, consumer, done, prefix, lease };
        Ok(NatsInbox { shared: Arc::new(shared) })
    }

    /// Deletes the inbox: its streams (the consumer with them), with every delivery and
    /// handled key they hold.
    pub async fn delete(self) -> Result<(), InboxError> {
        let names = [&self.shared.stream, &self.shared.dead, &self.shared.done]
            .map(|stream| stream.cached_info().config.name.clone());
        for name in names {
            self.shared.jetstream.delete_stream(&name).await.map_err(store_error)?;
        }
        Ok(())
    }

    fn subject(&self, part: &str, key: &KeyDigest) -> String {
        format!("{}.{part}.{}", self.shared.prefix, key.to_hex())
    }

    /// Publishes `entry` to `subject` with `extra` headers, and waits for the stream's
    /// acknowledgement.
    async fn publish(
        &self,
        subject: String,
        entry: &Entry,
        message_id: Option<String>,
        extra: &[(Header, String)],
    ) -> Result<jetstream::publish::PublishAck, InboxError> {
        let mut headers = headers_of(entry);
        if let Some(id) = message_id {
            headers.insert(async_nats::header::NATS_MESSAGE_ID, id.as_str());
        }
        for (name, value) in extra {
            headers.insert(name.capitalised(), header_text::encode(value).as_str());
        }
        let ack = self
            .shared
            .jetstream
            .publish_with_headers(subject, headers, entry.body.clone())
            .await
            .map_err(store_error)?;
        ack.await.map_err(store_error)
    }

    /// What was recorded of the delivery with `key`, if it was handled within the
    /// retention.
    async fn handled(&self, key: &KeyDigest) -> Result<Option<Bytes>, InboxError> {
        match self.shared.done.get_last_raw_message_by_subject(&self.subject("done", key)).await {
            Ok(message) => Ok(Some(message.payload)),
            Err(err) if not_found(&err) => Ok(None),
            Err(err) => Err(store_error(err)),
        }
    }
}

fn headers_of(entry: &Entry) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(Header::UNIQUE_KEY.capitalised(), header_text::encode(&entry.unique_key).as_str());
    if entry.key_derived {
        headers.insert(Header::KEY_DERIVED.capitalised(), "1");
    }
    headers.insert(Header::WEBHOOK_TYPE.capitalised(), header_text::encode(&entry.webhook_type).as_str());
    if let Some(organization_id) = &entry.organization_id {
        headers.insert(Header::ORGANIZATION_ID.capitalised(), header_text::encode(organization_id).as_str());
    }
    if let Some(algorithm) = entry.algorithm {
        headers.insert(Header::ALGORITHM.capitalised(), algorithm.as_str());
    }
    headers.insert(Header::RECEIVED_AT.capitalised(), epoch_millis(entry.received_at).to_string().as_str());
    headers
}

fn text(headers: Option<&HeaderMap>, header: Header) -> Option<String> {
    header_text::decode(headers?.get(header.capitalised())?.as_str())
}

/// The entry a message holds. A message published by something else than a receiver
/// (without the headers) becomes an entry keyed by its body, which a worker buries if
/// its body is not a webhook.
fn entry_of(headers: Option<&HeaderMap>, payload: Bytes) -> Entry {
    let kept = Kept {
        unique_key: text(headers, Header::UNIQUE_KEY),
        key_derived: text(headers, Header::KEY_DERIVED).is_some(),
        webhook_type: text(headers, Header::WEBHOOK_TYPE),
        organization_id: text(headers, Header::ORGANIZATION_ID),
        algorithm: text(headers, Header::ALGORITHM).as_deref().and_then(Algorithm::from_name),
        received_at: text(headers, Header::RECEIVED_AT).and_then(|ms| ms.parse().ok()).map(from_epoch_millis),
    };
    Entry::read_back(kept, payload)
}

/// What the done bucket keeps of a handled delivery: enough to show it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Handled {
    unique_key: String,
    webhook_type: String,
    organization_id: Option<String>,
    received_at: u64,
    done_at: u64,
}

impl Inbox for NatsInbox {
    type Job = NatsJob;
    type Source = Self;

    async fn enqueue(&self, entry: &Entry) -> Result<Enqueued, InboxError> {
        // The server refuses a message over its `max_payload` (1 MiB by default), headers
        // included: said plainly, rather than as the publish's failure.
        let max_payload = self.shared.client.server_info().max_payload;
        if max_payload > 0 && entry.body.len() + HEADROOM > max_payload {
            return Err(store_error(format!(
                "a body of {} bytes does not fit the server's max_payload of {max_payload} bytes with its \
                 headers: raise max_payload, or lower the receiver's body limit",
                entry.body.len()
            )));
        }
        let key = entry.digest();
        let ack = self.publish(self.subject("inbox", &key), entry, Some(key.to_hex()), &[]).await?;
        Ok(if ack.duplicate { Enqueued::AlreadyStored } else { Enqueued::Stored })
    }
}

/// What a message's headers may take beside its body: the entry's fields, and in the
/// dead letter the error (cut to [`MAX_ERROR_HEADER`]) and the attempts.
const HEADROOM: usize = 4 * 1024;

/// The most bytes of an attempt's error kept in the dead letter's header.
const MAX_ERROR_HEADER: usize = 1024;

/// How much longer than its own expiry a pull request is waited for.
const PULL_MARGIN: Duration = Duration::from_secs(5);

impl NatsInbox {
    /// What is there now, up to `max`; if nothing, waits up to `wait` for one, then takes
    /// what else is there. A pull for one message ends once it is delivered: none is
    /// pulled that this worker cannot start on at once.
    async fn pull(&self, max: usize, wait: Duration) -> Result<Vec<Message>, InboxError> {
        let consumer = &self.shared.consumer;
        let mut messages = Vec::new();
        let mut now = consumer.fetch().max_messages(max.max(1)).messages().await.map_err(store_error)?;
        while let Some(message) = now.next().await {
            messages.push(message.map_err(store_error)?);
        }
        if messages.is_empty() {
            let mut one =
                consumer.batch().max_messages(1).expires(wait).messages().await.map_err(store_error)?;
            while let Some(message) = one.next().await {
                messages.push(message.map_err(store_error)?);
            }
            if !messages.is_empty() && max > 1 {
                let mut more =
                    consumer.fetch().max_messages(max - 1).messages().await.map_err(store_error)?;
                while let Some(message) = more.next().await {
                    messages.push(message.map_err(store_error)?);
                }
            }
        }
        Ok(messages)
    }
}

impl Source for NatsInbox {
    type Job = NatsJob;

    async fn take(&mut self, max: usize, wait: Duration) -> Result<Vec<NatsJob>, InboxError> {
        // A pull request lost in a reconnection is never answered: the wait is bounded
        // here too. Messages pulled then dropped are delivered again after the ack wait.
        let pulling = tokio::time::timeout(wait + PULL_MARGIN, self.pull(max, wait));
        let messages = pulling.await.map_err(|_| store_error("a pull request went unanswered"))??;
        let mut jobs = Vec::with_capacity(messages.len());
        for message in messages {
            let attempt = message.info().map_or(1, |info| u32::try_from(info.delivered).unwrap_or(u32::MAX));
            let entry = entry_of(message.headers.as_ref(), message.payload.clone());
            // Handled already (a copy stored after the duplicate window): removed unhandled.
            if self.handled(&entry.digest()).await?.is_some() {
                message.double_ack().await.map_err(store_error)?;
                continue;
            }
            // The consumer's ack wait, as the server has it.
            let taken = Taken::new(entry, attempt).leased(self.shared.lease);
            jobs.push(NatsJob { inbox: self.clone(), message, taken });
        }
        Ok(jobs)
    }
}

/// A delivery taken from a [`NatsInbox`]: a message delivered to this worker, not yet
/// acknowledged.
pub struct NatsJob {
    inbox: NatsInbox,
    message: Message,
    taken: Taken,
}

super::debug_job!(NatsJob);

impl Job for NatsJob {
    fn taken(&self) -> &Taken {
        &self.taken
    }

    async fn renew(&self) -> Result<bool, InboxError> {
        // The server says nothing when another worker has the message now.
        self.message.ack_with(AckKind::Progress).await.map_err(store_error)?;
        Ok(true)
    }

    async fn complete(self) -> Result<Completion, InboxError> {
        let handled = Handled {
            unique_key: self.taken.entry.unique_key.clone(),
            webhook_type: self.taken.entry.webhook_type.clone(),
            organization_id: self.taken.entry.organization_id.clone(),
            received_at: epoch_millis(self.taken.entry.received_at),
            done_at: epoch_millis(SystemTime::now()),
        };
        let value = serde_json::to_vec(&handled).map_err(store_error)?;
        let subject = self.inbox.subject("done", &self.taken.entry.digest());
        let recorded =
            self.inbox.shared.jetstream.publish(subject, value.into()).await.map_err(store_error)?;
        recorded.await.map_err(store_error)?;
        self.message.double_ack().await.map_err(store_error)?;
        Ok(Completion::Done)
    }

    async fn retry(self, delay: Duration, _error: &str) -> Result<(), InboxError> {
        self.message.double_ack_with(AckKind::Nak(Some(delay))).await.map_err(store_error)
    }

    async fn bury(self, error: &str) -> Result<(), InboxError> {
        let subject = self.inbox.subject("dead", &self.taken.entry.digest());
        let error = match error.char_indices().nth(MAX_ERROR_HEADER) {
            Some((end, _)) => format!("{}...", &error[..end]),
            None => error.to_owned(),
        };
        let extra = [(Header::ERROR, error), (Header::ATTEMPTS, self.taken.attempt.to_string())];
        self.inbox.publish(subject, &self.taken.entry, None, &extra).await?;
        self.message.double_ack().await.map_err(store_error)
    }

    async fn release(self) -> Result<(), InboxError> {
        self.message.double_ack_with(AckKind::Nak(None)).await.map_err(store_error)
    }
}

/// A stored delivery from a message of the main or dead-letter stream.
fn stored_of(message: &jetstream::message::StreamMessage, state: State, with_body: bool) -> Stored {
    let headers = Some(&message.headers);
    let mut entry = entry_of(headers, message.payload.clone());
    if !with_body {
        entry.body = Bytes::new();
    }
    let attempts = text(headers, Header::ATTEMPTS).and_then(|n| n.parse().ok()).unwrap_or(0);
    Stored::new(entry, state, attempts, None, text(headers, Header::ERROR))
}

/// Whether an error of a stream read says there is no such message.
fn not_found(err: &async_nats::jetstream::stream::RawMessageError) -> bool {
    matches!(err.kind(), async_nats::jetstream::stream::RawMessageErrorKind::NoMessageFound)
}

impl NatsInbox {
    /// Up to `limit` messages of `stream` on `subject` (a wildcard), in order.
    async fn messages(
        &self,
        stream: &Stream,
        subject: &str,
        limit: usize,
    ) -> Result<Vec<jetstream::message::StreamMessage>, InboxError> {
        let mut messages = Vec::new();
        let mut sequence = 1;
        while messages.len() < limit {
            match stream.get_first_raw_message_by_subject(subject, sequence).await {
                Ok(message) => {
                    sequence = message.sequence + 1;
                    messages.push(message);
                }
                Err(err) if not_found(&err) => break,
                Err(err) => return Err(store_error(err)),
            }
        }
        Ok(messages)
    }

    /// Publishes a dead message back to the inbox, with its attempts counted afresh, and
    /// removes it from the dead letter.
    async fn revive(&self, message: &jetstream::message::StreamMessage) -> Result<(), InboxError> {
        let entry = entry_of(Some(&message.headers), message.payload.clone());
        let key = entry.digest();
        // A fresh message id: the original's may still be in the duplicate window.
        let id = format!("{}-replay-{}", key.to_hex(), message.sequence);
        self.publish(self.subject("inbox", &key), &entry, Some(id), &[]).await?;
        self.shared.dead.delete_message(message.sequence).await.map_err(store_error)?;
        Ok(())
    }
}

impl InboxAdmin for NatsInbox {
    async fn status(&self) -> Result<Status, InboxError> {
        let mut consumer = self.shared.consumer.clone();
        let info = consumer.info().await.map_err(store_error)?;
        let (pending, in_progress) = (info.num_pending, info.num_ack_pending as u64);
        let mut dead = self.shared.dead.clone();
        let dead = dead.info().await.map_err(store_error)?.state.messages;
        let mut done = self.shared.done.clone();
        let done = done.info().await.map_err(store_error)?.state.messages;
        let first = self.messages(&self.shared.stream, &format!("{}.inbox.>", self.shared.prefix), 1).await?;
        let oldest = first.first().map(|message| entry_of(Some(&message.headers), Bytes::new()).received_at);
        Ok(Status { pending, in_progress: Some(in_progress), retrying: None, dead, done: Some(done), oldest })
    }

    async fn list(&self, state: Option<State>, limit: usize) -> Result<Vec<Stored>, InboxError> {
        let mut listed = Vec::new();
        if matches!(state, None | Some(State::Pending)) {
            let subject = format!("{}.inbox.>", self.shared.prefix);
            for message in self.messages(&self.shared.stream, &subject, limit).await? {
                listed.push(stored_of(&message, State::Pending, false));
            }
        }
        if matches!(state, None | Some(State::Dead)) {
            let subject = format!("{}.dead.>", self.shared.prefix);
            for message in self.messages(&self.shared.dead, &subject, limit - listed.len().min(limit)).await?
            {
                listed.push(stored_of(&message, State::Dead, false));
            }
        }
        Ok(listed)
    }

    async fn show(&self, unique_key: &str) -> Result<Option<Stored>, InboxError> {
        let key = KeyDigest::of(unique_key);
        for (stream, part, state) in
            [(&self.shared.stream, "inbox", State::Pending), (&self.shared.dead, "dead", State::Dead)]
        {
            match stream.get_last_raw_message_by_subject(&self.subject(part, &key)).await {
                Ok(message) => return Ok(Some(stored_of(&message, state, true))),
                Err(err) if not_found(&err) => {}
                Err(err) => return Err(store_error(err)),
            }
        }
        let Some(value) = self.handled(&key).await? else { return Ok(None) };
        let Ok(handled) = serde_json::from_slice::<Handled>(&value) else { return Ok(None) };
        let entry = Entry {
            unique_key: handled.unique_key,
            key_derived: false,
            webhook_type: handled.webhook_type,
            organization_id: handled.organization_id,
            algorithm: None,
            received_at: from_epoch_millis(handled.received_at),
            body: Bytes::new(),
        };
        Ok(Some(Stored::new(entry, State::Done, 0, None, None)))
    }

    async fn replay(&self, unique_key: &str) -> Result<bool, InboxError> {
        let subject = self.subject("dead", &KeyDigest::of(unique_key));
        match self.shared.dead.get_last_raw_message_by_subject(&subject).await {
            Ok(message) => self.revive(&message).await.map(|()| true),
            Err(err) if not_found(&err) => Ok(false),
            Err(err) => Err(store_error(err)),
        }
    }

    async fn replay_dead(&self) -> Result<u64, InboxError> {
        // What is dead now, not what dies meanwhile: a replayed delivery that dies again
        // at once would otherwise be replayed for ever.
        let mut dead = self.shared.dead.clone();
        let last = dead.info().await.map_err(store_error)?.state.last_sequence;
        let subject = format!("{}.dead.>", self.shared.prefix);
        let mut replayed = 0;
        let mut sequence = 1;
        loop {
            let message = match self.shared.dead.get_first_raw_message_by_subject(&subject, sequence).await {
                Ok(message) if message.sequence <= last => message,
                Ok(_) => return Ok(replayed),
                Err(err) if not_found(&err) => return Ok(replayed),
                Err(err) => return Err(store_error(err)),
            };
            sequence = message.sequence + 1;
            self.revive(&message).await?;
            replayed += 1;
        }
    }

    async fn purge_done(&self, before: SystemTime) -> Result<u64, InboxError> {
        let before = epoch_millis(before);
        let subject = format!("{}.done.>", self.shared.prefix);
        let mut purged = 0;
        let mut sequence = 1;
        loop {
            let message = match self.shared.done.get_first_raw_message_by_subject(&subject, sequence).await {
                Ok(message) => message,
                Err(err) if not_found(&err) => return Ok(purged),
                Err(err) => return Err(store_error(err)),
            };
            sequence = message.sequence + 1;
            let done_at =
                serde_json::from_slice::<Handled>(&message.payload).map_or(0, |handled| handled.done_at);
            if done_at < before {
                self.shared.done.delete_message(message.sequence).await.map_err(store_error)?;
                purged += 1;
            }
        }
    }
}
