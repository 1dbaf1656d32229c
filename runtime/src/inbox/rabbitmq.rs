//! The inbox in RabbitMQ: a durable quorum queue, publisher confirms, manual
//! acknowledgements, delayed retry queues and a dead-letter exchange.
//!
//! RabbitMQ has no deduplication of its own: a receiver claims each delivery's unique key
//! in a [`Deduplicate`] store before publishing it, and marks it done once the broker
//! confirmed the publish, so that a delivery sent again is answered 200 without a second
//! copy. The store is in each receiver's memory by default; with several receivers, give
//! them a shared one ([`RabbitMqInbox::with_deduplicator`]: Redis or PostgreSQL), or a
//! delivery sent to two of them at once is stored twice (and handled twice). A publish
//! that the receiver's store deadline cut short frees the claim for Lago's retry, though
//! the broker may still have stored it: that delivery, too, is stored twice.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicGetOptions, BasicNackOptions,
    BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{
    BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, Consumer, ExchangeKind,
};
use tokio::sync::Mutex;

use super::entry::{Header, Kept, epoch_millis, from_epoch_millis};
use super::{
    Completion, Enqueued, Entry, Inbox, InboxAdmin, InboxError, Job, Source, State, Status, Stored, Taken,
};
use crate::dedup::{Claim, ClaimGuard, Deduplicate, InMemoryDeduplicator};
use crate::verify::Algorithm;

/// The waits of the retry queues, in milliseconds, each at most twice the one before: a
/// failed attempt's message goes to the longest that is not longer than its delay, and
/// expires from it back to the main queue. Every message of a queue waits the same, so
/// they expire in the order they came.
const RETRY_RUNGS_MS: [u64; 21] = [
    100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_200_000,
    1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 43_200_000, 86_400_000,
];

/// How many times the dead letter's messages may be read: as good as unlimited.
const DEAD_DELIVERY_LIMIT: i64 = 1_000_000_000;

/// How long a read of the dead letter waits for the messages it did not take to be ready
/// again (the broker returns them soon after the close; a busy one, some milliseconds).
const PUT_BACK_PATIENCE: Duration = Duration::from_secs(5);

/// Set by quorum queues on a redelivered message: its earlier deliveries.
const DELIVERY_COUNT: &str = "x-delivery-count";

/// The inbox in RabbitMQ, shared by every receiver and worker connected to it.
///
/// [`RabbitMqInbox::connect`] declares what is missing: the durable quorum queue
/// `lago-webhooks`, the dead-letter exchange and quorum queue `lago-webhooks.dead`, and
/// the retry queues `lago-webhooks.retry.<ms>` (quorum queues whose messages expire after
/// their wait, from 100 ms to 24 h, back to the main queue, dead-lettered at least once).
/// A retry waits the longest of these waits that is not longer than the policy's delay
/// (each at most twice the one before): 10 s, 20 s, 30 s, 1 min, 2 min, 5 min, 10 min,
/// 20 min, 30 min and 1 h with the default policy.
/// A receiver publishes each delivery persistent, with its body as the payload and what
/// identifies it as headers, and answers 200 only once the broker confirmed it (a nack or
/// an unroutable message is a 503).
///
/// Workers consume with manual acknowledgements and a prefetch of their concurrency. A
/// delivery is acknowledged only after its handler returned `Ok`; a failed attempt's
/// message is published to the retry queue of its delay (confirmed), then acknowledged; at
/// the last attempt, it is published to the dead-letter exchange, then acknowledged. A
/// worker whose connection dies has its deliveries requeued by the broker at once. The
/// attempt number counts the failed attempts carried in the message and the quorum
/// queue's count of redeliveries, so a delivery given back at shutdown may count one more
/// attempt (as RabbitMQ 3 counts a return; later versions count fewer). A copy to the
/// retry queue or the dead letter is published, confirmed, then the delivery acknowledged:
/// a worker killed between the two leaves both, and the delivery is handled twice. One
/// whose copy cannot be published is returned to the queue at once. RabbitMQ closes a channel whose delivery stays unacknowledged past its
/// `consumer_timeout` (30 min by default): keep handlers' deadlines under it.
///
/// In `inbox status`, deliveries being handled are not counted (AMQP does not tell them);
/// `inbox list` and `inbox show` see the dead letter only, and done deliveries are not
/// kept.
pub struct RabbitMqInbox<D = InMemoryDeduplicator> {
    link: Arc<Link>,
    dedup: Arc<D>,
}

impl<D> Clone for RabbitMqInbox<D> {
    fn clone(&self) -> Self {
        RabbitMqInbox { link: Arc::clone(&self.link), dedup: Arc::clone(&self.dedup) }
    }
}

impl<D: std::fmt::Debug> std::fmt::Debug for RabbitMqInbox<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RabbitMqInbox").field("queue", &self.link.queue).field("dedup", &self.dedup).finish()
    }
}

/// The connection to the broker, made again after it broke.
struct Link {
    url: String,
    queue: String,
    /// The connection and its publishing channel (in confirm mode).
    publishing: Mutex<Option<(Connection, Channel)>>,
}

fn store_error(err: impl std::fmt::Display) -> InboxError {
    InboxError::Store(format!("RabbitMQ: {err}"))
}

/// A quorum queue's arguments, with `more`.
fn quorum(more: &[(&str, AMQPValue)]) -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert("x-queue-type".into(), AMQPValue::LongString("quorum".into()));
    for (name, value) in more {
        arguments.insert((*name).into(), value.clone());
    }
    arguments
}

fn text_value(text: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(text))
}

impl Link {
    fn dead(&self) -> String {
        format!("{}.dead", self.queue)
    }

    fn retry_queue(&self, rung_ms: u64) -> String {
        format!("{}.retry.{rung_ms}", self.queue)
    }

    /// A new connection, with everything the inbox needs declared on `channel`.
    async fn connect(&self) -> Result<(Connection, Channel), InboxError> {
        let connect = Connection::connect(&self.url, ConnectionProperties::default());
        let connection = tokio::time::timeout(Duration::from_secs(5), connect)
            .await
            .map_err(|_| {
                store_error(format!("no connection to {} within 5 s", super::open::redact(&self.url)))
            })?
            .map_err(|err| {
                store_error(format!("cannot connect to {}: {err}", super::open::redact(&self.url)))
            })?;
        let channel = connection.create_channel().await.map_err(store_error)?;
        let durable = QueueDeclareOptions::durable();
        let dead = self.dead();
        channel
            .exchange_declare(
                dead.as_str().into(),
                ExchangeKind::Fanout,
                ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() },
                FieldTable::default(),
            )
            .await
            .map_err(store_error)?;
        // Reading the dead letter returns what it read, which quorum queues count as
        // deliveries; RabbitMQ 4 drops a message past 20 of them unless told otherwise.
        let kept = [("x-delivery-limit", AMQPValue::LongLongInt(DEAD_DELIVERY_LIMIT))];
        channel.queue_declare(dead.as_str().into(), durable, quorum(&kept)).await.map_err(store_error)?;
        channel
            .queue_bind(
                dead.as_str().into(),
                dead.as_str().into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(store_error)?;
        let to_dead = [("x-dead-letter-exchange", text_value(&dead))];
        channel
            .queue_declare(self.queue.as_str().into(), durable, quorum(&to_dead))
            .await
            .map_err(store_error)?;
        for rung in RETRY_RUNGS_MS {
            let back = [
                ("x-message-ttl", AMQPValue::LongLongInt(rung as i64)),
                ("x-dead-letter-exchange", text_value("")),
                ("x-dead-letter-routing-key", text_value(&self.queue)),
                ("x-dead-letter-strategy", text_value("at-least-once")),
                ("x-overflow", text_value("reject-publish")),
            ];
            let name = self.retry_queue(rung);
            channel.queue_declare(name.as_str().into(), durable, quorum(&back)).await.map_err(store_error)?;
        }
        channel.confirm_select(ConfirmSelectOptions::default()).await.map_err(store_error)?;
        Ok((connection, channel))
    }

    /// The publishing channel, connecting (again) if there is none or it broke.
    async fn channel(&self) -> Result<Channel, InboxError> {
        let mut publishing = self.publishing.lock().await;
        if let Some((connection, channel)) = publishing.as_ref()
            && connection.status().connected()
            && channel.status().connected()
        {
            return Ok(channel.clone());
        }
        *publishing = None;
        let (connection, channel) = self.connect().await?;
        *publishing = Some((connection, channel.clone()));
        Ok(channel)
    }

    /// Publishes `payload` to `exchange` with `routing_key`, persistent and mandatory,
    /// and waits for the broker's confirmation.
    async fn publish(
        &self,
        exchange: &str,
        routing_key: &str,
        payload: &[u8],
        properties: BasicProperties,
    ) -> Result<(), InboxError> {
        let channel = self.channel().await?;
        let confirm = channel
            .basic_publish(
                exchange.into(),
                routing_key.into(),
                BasicPublishOptions { mandatory: true, ..BasicPublishOptions::default() },
                payload,
                properties.with_delivery_mode(2),
            )
            .await
            .map_err(store_error)?
            .await
            .map_err(store_error)?;
        match confirm {
            Confirmation::Ack(None) => Ok(()),
            Confirmation::Ack(Some(_)) => {
                Err(store_error(format!("no queue took the message for `{routing_key}`")))
            }
            Confirmation::Nack(_) => Err(store_error("the broker refused the message")),
            Confirmation::NotRequested => Err(store_error("the channel is not in confirm mode")),
        }
    }
}

impl RabbitMqInbox {
    /// An inbox on the broker at `url` (`amqp://user:password@host:port/vhost`, the
    /// default virtual host being `%2f`), in the queue `lago-webhooks`; declares the
    /// queues and exchange it needs if missing. Receivers deduplicate in their own memory
    /// unless given a shared store ([`RabbitMqInbox::with_deduplicator`]).
    pub async fn connect(url: &str) -> Result<Self, InboxError> {
        Self::connect_to_queue(url, "lago-webhooks").await
    }

    /// The same, with the queue `queue` (and `<queue>.dead`, `<queue>.retry.<ms>`).
    pub async fn connect_to_queue(url: &str, queue: &str) -> Result<Self, InboxError> {
        if queue.is_empty() || queue.len() > 200 || queue.starts_with("amq.") {
            return Err(InboxError::Config(format!("`{queue}` cannot be a queue name")));
        }
        let link = Link { url: url.to_owned(), queue: queue.to_owned(), publishing: Mutex::new(None) };
        link.channel().await?;
        Ok(RabbitMqInbox { link: Arc::new(link), dedup: Arc::new(InMemoryDeduplicator::default()) })
    }
}

impl<D: Deduplicate + 'static> RabbitMqInbox<D> {
    /// Deletes the inbox: its queues and exchange, with every delivery they hold.
    pub async fn delete(self) -> Result<(), InboxError> {
        use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
        let channel = self.link.channel().await?;
        let mut queues = vec![self.link.queue.clone(), self.link.dead()];
        queues.extend(RETRY_RUNGS_MS.map(|rung| self.link.retry_queue(rung)));
        for queue in queues {
            channel
                .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                .await
                .map_err(store_error)?;
        }
        let dead = self.link.dead();
        channel
            .exchange_delete(dead.as_str().into(), ExchangeDeleteOptions::default())
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Receivers claim each delivery's key in `dedup` (a store shared by every receiver:
    /// Redis or PostgreSQL) before publishing it, so that a delivery is stored once
    /// however many receivers it is sent to.
    pub fn with_deduplicator<D2: Deduplicate>(self, dedup: D2) -> RabbitMqInbox<D2> {
        RabbitMqInbox { link: self.link, dedup: Arc::new(dedup) }
    }

    /// Publishes `entry` to the main queue, with `attempts` made already.
    async fn publish_entry(
        &self,
        entry: &Entry,
        attempts: u32,
        more: &[(Header, AMQPValue)],
    ) -> Result<(), InboxError> {
        let link = &self.link;
        let properties = properties_of(entry, attempts, more);
        link.publish("", &link.queue, &entry.body, properties).await
    }
}

fn properties_of(entry: &Entry, attempts: u32, more: &[(Header, AMQPValue)]) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert(Header::UNIQUE_KEY.lower_case().into(), text_value(&entry.unique_key));
    if entry.key_derived {
        headers.insert(Header::KEY_DERIVED.lower_case().into(), AMQPValue::Boolean(true));
    }
    headers.insert(Header::WEBHOOK_TYPE.lower_case().into(), text_value(&entry.webhook_type));
    if let Some(organization_id) = &entry.organization_id {
        headers.insert(Header::ORGANIZATION_ID.lower_case().into(), text_value(organization_id));
    }
    if let Some(algorithm) = entry.algorithm {
        headers.insert(Header::ALGORITHM.lower_case().into(), text_value(algorithm.as_str()));
    }
    let received_at = epoch_millis(entry.received_at);
    headers.insert(
        Header::RECEIVED_AT.lower_case().into(),
        AMQPValue::LongLongInt(i64::try_from(received_at).unwrap_or(i64::MAX)),
    );
    headers.insert(Header::ATTEMPTS.lower_case().into(), AMQPValue::LongLongInt(i64::from(attempts)));
    for (name, value) in more {
        headers.insert(name.lower_case().into(), value.clone());
    }
    BasicProperties::default()
        .with_headers(headers)
        .with_message_id(ShortString::from(entry.digest().to_hex()))
        .with_content_type("application/json".into())
        .with_timestamp(received_at / 1000)
}

/// A header's value as text.
fn header_text(headers: Option<&FieldTable>, header: Header) -> Option<String> {
    match headers?.inner().get(header.lower_case().as_str())? {
        AMQPValue::LongString(text) => Some(String::from_utf8_lossy(text.as_bytes()).into_owned()),
        AMQPValue::ShortString(text) => Some(text.as_str().to_owned()),
        _ => None,
    }
}

/// A header's value as a number, whichever width it was sent in.
fn header_number(headers: Option<&FieldTable>, name: &str) -> Option<i64> {
    match headers?.inner().get(name)? {
        AMQPValue::LongLongInt(n) => Some(*n),
        AMQPValue::LongInt(n) => Some(i64::from(*n)),
        AMQPValue::LongUInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortUInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortShortInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortShortUInt(n) => Some(i64::from(*n)),
        _ => None,
    }
}

/// The entry a message holds (one published by something else than a receiver becomes
/// an entry keyed by its body, which a worker buries if it is not a webhook), and the
/// attempts made before this delivery of it.
fn entry_of(properties: &BasicProperties, payload: Bytes) -> (Entry, u32) {
    let headers = properties.headers().as_ref();
    let kept = Kept {
        unique_key: header_text(headers, Header::UNIQUE_KEY),
        key_derived: headers.is_some_and(|h| h.contains_key(Header::KEY_DERIVED.lower_case().as_str())),
        webhook_type: header_text(headers, Header::WEBHOOK_TYPE),
        organization_id: header_text(headers, Header::ORGANIZATION_ID),
        algorithm: header_text(headers, Header::ALGORITHM).as_deref().and_then(Algorithm::from_name),
        received_at: header_number(headers, &Header::RECEIVED_AT.lower_case())
            .and_then(|ms| u64::try_from(ms).ok())
            .map(from_epoch_millis),
    };
    let entry = Entry::read_back(kept, payload);
    let before = header_number(headers, &Header::ATTEMPTS.lower_case()).unwrap_or(0)
        + header_number(headers, DELIVERY_COUNT).unwrap_or(0);
    (entry, u32::try_from(before.max(0)).unwrap_or(u32::MAX))
}

impl<D: Deduplicate + 'static> Inbox for RabbitMqInbox<D> {
    type Job = RabbitMqJob;
    type Source = RabbitMqSource;

    async fn enqueue(&self, entry: &Entry) -> Result<Enqueued, InboxError> {
        let key = entry.digest();
        let token = match self.dedup.claim(&key).await.map_err(store_error)? {
            Claim::Claimed(token) => token,
            Claim::Done => return Ok(Enqueued::AlreadyStored),
            Claim::InProgress => return Ok(Enqueued::InProgress),
        };
        // Released unless the broker confirms, including when this future is dropped (the
        // receiver's deadline ran out): a retry must find the key free.
        let claim = ClaimGuard::new(&*self.dedup, key, token);
        let publishing = self.publish_entry(entry, 0, &[]);
        let published = match self.dedup.renewal() {
            Some(every) => {
                let renew = || self.dedup.renew(&key, token);
                crate::handling::renewing(publishing, every, renew, crate::log::claim_lost).await
            }
            None => publishing.await,
        };
        published?;
        claim.succeeded().await;
        Ok(Enqueued::Stored)
    }
}

/// A worker's consumer of a [`RabbitMqInbox`]: a connection of its own, with a prefetch
/// of the worker's concurrency. Closing it returns the messages it holds untaken.
pub struct RabbitMqSource {
    link: Arc<Link>,
    /// Boxed: a source is moved into the worker, a consumer is large.
    consuming: Option<Box<(Connection, Channel, Consumer)>>,
    /// The most deliveries the worker asked for at once.
    prefetch: u16,
}

impl<D> From<RabbitMqInbox<D>> for RabbitMqSource {
    /// A consumer of the inbox's queue, not started until the worker's first take.
    fn from(inbox: RabbitMqInbox<D>) -> Self {
        RabbitMqSource { link: inbox.link, consuming: None, prefetch: 1 }
    }
}

impl std::fmt::Debug for RabbitMqSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RabbitMqSource").field("queue", &self.link.queue).finish_non_exhaustive()
    }
}

impl RabbitMqSource {
    /// The consumer, started with the prefetch if there is none or it broke.
    async fn consumer(&mut self) -> Result<&mut Consumer, InboxError> {
        let prefetch = self.prefetch;
        let alive = self.consuming.as_deref().is_some_and(|(connection, channel, _)| {
            connection.status().connected() && channel.status().connected()
        });
        if !alive {
            self.consuming = None;
            let (connection, channel) = self.link.connect().await?;
            channel.basic_qos(prefetch.max(1), BasicQosOptions::default()).await.map_err(store_error)?;
            let queue = self.link.queue.as_str().into();
            let consumer = channel
                .basic_consume(queue, "".into(), BasicConsumeOptions::default(), FieldTable::default())
                .await
                .map_err(store_error)?;
            self.consuming = Some(Box::new((connection, channel, consumer)));
        }
        match self.consuming.as_deref_mut() {
            Some((_, _, consumer)) => Ok(consumer),
            None => Err(store_error("no consumer")),
        }
    }
}

impl Source for RabbitMqSource {
    type Job = RabbitMqJob;

    async fn take(&mut self, max: usize, wait: Duration) -> Result<Vec<RabbitMqJob>, InboxError> {
        // The worker's first take asks for all it can run: its concurrency, kept as the
        // prefetch of every consumer it starts, whenever it reconnects.
        self.prefetch = self.prefetch.max(u16::try_from(max).unwrap_or(u16::MAX));
        let consumer = self.consumer().await?;
        let mut deliveries = Vec::new();
        match tokio::time::timeout(wait, consumer.next()).await {
            Err(_) => return Ok(Vec::new()),
            Ok(None) => {
                self.consuming = None;
                return Err(store_error("the consumer was cancelled"));
            }
            Ok(Some(Err(err))) => {
                self.consuming = None;
                return Err(store_error(err));
            }
            Ok(Some(Ok(delivery))) => deliveries.push(delivery),
        }
        while deliveries.len() < max {
            match consumer.next().now_or_never() {
                Some(Some(Ok(delivery))) => deliveries.push(delivery),
                _ => break,
            }
        }
        Ok(deliveries
            .into_iter()
            .map(|delivery| {
                let (entry, before) = entry_of(&delivery.properties, Bytes::from(delivery.data.clone()));
                RabbitMqJob {
                    link: Arc::clone(&self.link),
                    delivery,
                    taken: Taken::new(entry, before.saturating_add(1)),
                    settled: false,
                }
            })
            .collect())
    }

    async fn stop(&mut self) {
        if let Some((_, channel, consumer)) = self.consuming.as_deref() {
            // No more deliveries to this worker; those it holds stay until it acks them.
            let _ = channel.basic_cancel(consumer.tag(), BasicCancelOptions::default()).await;
        }
    }

    async fn close(self) {
        if let Some((connection, channel, _)) = self.consuming.map(|consuming| *consuming) {
            // The broker requeues what the consumer holds unacknowledged.
            let _ = channel.close(200, "worker stopped".into()).await;
            let _ = connection.close(200, "worker stopped".into()).await;
        }
    }
}

/// A delivery taken from a [`RabbitMqInbox`]: a message delivered to this worker, not yet
/// acknowledged.
pub struct RabbitMqJob {
    link: Arc<Link>,
    delivery: Delivery,
    taken: Taken,
    /// Acknowledged, or given back: nothing for the destructor to do.
    settled: bool,
}

super::debug_job!(RabbitMqJob);

/// The broker requeues a delivery whose channel closed before its acknowledgement.
const REQUEUED: &str = "the channel closed before the acknowledgement: the broker requeued the delivery";

impl RabbitMqJob {
    /// Acknowledges the delivery: `false` when its channel had closed, so that the broker
    /// requeued it instead.
    async fn ack(&mut self) -> Result<bool, InboxError> {
        self.settled = true;
        self.delivery.acker.ack(BasicAckOptions::default()).await.map_err(store_error)
    }

    /// Gives the delivery back to the queue, for the next worker.
    async fn requeue(&mut self) -> Result<(), InboxError> {
        self.settled = true;
        let requeue = BasicNackOptions { requeue: true, ..BasicNackOptions::default() };
        self.delivery.acker.nack(requeue).await.map_err(store_error)?;
        Ok(())
    }

    /// Publishes a copy of the delivery to `exchange` with `routing_key` (a retry queue,
    /// the dead letter), then acknowledges the delivery. A copy that cannot be published
    /// leaves the delivery requeued, never held: no lease would free it.
    async fn move_to(
        mut self,
        exchange: &str,
        routing_key: &str,
        properties: BasicProperties,
    ) -> Result<(), InboxError> {
        if let Err(err) = self.link.publish(exchange, routing_key, &self.taken.entry.body, properties).await {
            let _ = self.requeue().await;
            return Err(err);
        }
        if !self.ack().await? {
            // Its copy is published too: both are handled.
            return Err(store_error(REQUEUED));
        }
        Ok(())
    }
}

impl Drop for RabbitMqJob {
    fn drop(&mut self) {
        // Dropped unsettled (its task panicked, or an operation ran out of time): given
        // back now, rather than held until the channel closes.
        if !self.settled
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let acker = self.delivery.acker.clone();
            runtime.spawn(async move {
                let _ = acker.nack(BasicNackOptions { requeue: true, ..BasicNackOptions::default() }).await;
            });
        }
    }
}

impl Job for RabbitMqJob {
    fn taken(&self) -> &Taken {
        &self.taken
    }

    // Taken without a lease (the broker holds an unacknowledged delivery for as long as
    // its channel lives): the defaults of `renewal` and `renew`.

    async fn complete(mut self) -> Result<Completion, InboxError> {
        // Not acknowledged: requeued by the broker, it is another worker's now.
        Ok(if self.ack().await? { Completion::Done } else { Completion::LeaseLost })
    }

    async fn retry(self, delay: Duration, error: &str) -> Result<(), InboxError> {
        // Rounded down to a retry queue's wait: all of a queue's messages expire in the
        // order they came, none held behind a longer wait.
        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        let rung =
            RETRY_RUNGS_MS.into_iter().rev().find(|rung| *rung <= delay_ms).unwrap_or(RETRY_RUNGS_MS[0]);
        let properties =
            properties_of(&self.taken.entry, self.taken.attempt, &[(Header::ERROR, text_value(error))]);
        let queue = self.link.retry_queue(rung);
        self.move_to("", &queue, properties).await
    }

    async fn bury(self, error: &str) -> Result<(), InboxError> {
        let properties =
            properties_of(&self.taken.entry, self.taken.attempt, &[(Header::ERROR, text_value(error))]);
        let dead = self.link.dead();
        self.move_to(&dead, "", properties).await
    }

    async fn release(mut self) -> Result<(), InboxError> {
        self.requeue().await
    }
}

impl<D: Deduplicate + 'static> RabbitMqInbox<D> {
    /// Up to `limit` messages of the dead letter, fetched unacknowledged on a connection
    /// of their own: whatever is not acknowledged returns to the queue when it closes.
    async fn read_dead(&self, limit: usize) -> Result<DeadLetters, InboxError> {
        let ready_before = self.count(&self.link.channel().await?, &self.link.dead()).await?;
        let (connection, channel) = self.link.connect().await?;
        let dead = self.link.dead();
        let mut deliveries = Vec::new();
        while deliveries.len() < limit {
            let got = channel.basic_get(dead.as_str().into(), BasicGetOptions::default()).await;
            match got.map_err(store_error)? {
                Some(message) => deliveries.push(message.delivery),
                None => break,
            }
        }
        Ok(DeadLetters { connection, channel, deliveries, ready_before })
    }

    /// Closes what [`read_dead`](Self::read_dead) opened, `removed` of its messages taken
    /// for good, and waits (up to a few seconds) until the others are ready again: the
    /// broker returns them after it has confirmed the close, and a replay right after a
    /// `list` or `show` would otherwise not see them.
    async fn put_back(&self, dead: DeadLetters, removed: u64) {
        let expected = dead.ready_before.saturating_sub(removed);
        dead.close().await;
        let Ok(channel) = self.link.channel().await else { return };
        let until = tokio::time::Instant::now() + PUT_BACK_PATIENCE;
        while tokio::time::Instant::now() < until {
            // More may have died meanwhile; fewer means another reader took some, and the
            // wait ends at its bound.
            if self.count(&channel, &self.link.dead()).await.is_ok_and(|ready| ready >= expected) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Queue `name`'s ready messages.
    async fn count(&self, channel: &Channel, name: &str) -> Result<u64, InboxError> {
        let passive = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
        let queue =
            channel.queue_declare(name.into(), passive, FieldTable::default()).await.map_err(store_error)?;
        Ok(u64::from(queue.message_count()))
    }
}

/// Dead messages fetched unacknowledged: those not acknowledged return to the dead letter
/// when [`DeadLetters::close`] closes their connection.
struct DeadLetters {
    connection: Connection,
    channel: Channel,
    deliveries: Vec<Delivery>,
    /// The dead letter's ready messages before these were taken.
    ready_before: u64,
}

impl DeadLetters {
    /// The first with `unique_key`.
    fn find(&self, unique_key: &str) -> Option<&Delivery> {
        self.deliveries.iter().find(|delivery| {
            header_text(delivery.properties.headers().as_ref(), Header::UNIQUE_KEY).as_deref()
                == Some(unique_key)
        })
    }

    async fn close(self) {
        let _ = self.channel.close(200, "read".into()).await;
        let _ = self.connection.close(200, "read".into()).await;
    }
}

impl<D: Deduplicate + 'static> RabbitMqInbox<D> {
    /// Publishes a dead message back to the main queue, its attempts counted afresh, then
    /// takes it from the dead letter.
    async fn revive(&self, delivery: &Delivery) -> Result<(), InboxError> {
        let (entry, _) = entry_of(&delivery.properties, Bytes::from(delivery.data.clone()));
        self.publish_entry(&entry, 0, &[]).await?;
        if !delivery.acker.ack(BasicAckOptions::default()).await.map_err(store_error)? {
            return Err(store_error(format!("{REQUEUED}: it is in the inbox and in the dead letter")));
        }
        Ok(())
    }
}

fn stored_of(delivery: &Delivery, with_body: bool) -> Stored {
    let body = if with_body { Bytes::from(delivery.data.clone()) } else { Bytes::new() };
    let (entry, attempts) = entry_of(&delivery.properties, body);
    let error = header_text(delivery.properties.headers().as_ref(), Header::ERROR);
    // The dead letter's own redeliveries (from reads like this one) are no attempts.
    let attempts = header_number(delivery.properties.headers().as_ref(), &Header::ATTEMPTS.lower_case())
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(attempts);
    Stored::new(entry, State::Dead, attempts, None, error)
}

impl<D: Deduplicate + 'static> InboxAdmin for RabbitMqInbox<D> {
    async fn status(&self) -> Result<Status, InboxError> {
        let channel = self.link.channel().await?;
        let pending = self.count(&channel, &self.link.queue).await?;
        let dead = self.count(&channel, &self.link.dead()).await?;
        let mut retrying = 0;
        for rung in RETRY_RUNGS_MS {
            retrying += self.count(&channel, &self.link.retry_queue(rung)).await?;
        }
        Ok(Status { pending, in_progress: None, retrying: Some(retrying), dead, done: None, oldest: None })
    }

    async fn list(&self, state: Option<State>, limit: usize) -> Result<Vec<Stored>, InboxError> {
        if !matches!(state, None | Some(State::Dead)) {
            return Err(InboxError::Unsupported {
                engine: "RabbitMQ",
                operation: "list deliveries other than dead ones (reading a queue takes its messages)",
            });
        }
        let dead = self.read_dead(limit).await?;
        let listed = dead.deliveries.iter().map(|delivery| stored_of(delivery, false)).collect();
        self.put_back(dead, 0).await;
        Ok(listed)
    }

    async fn show(&self, unique_key: &str) -> Result<Option<Stored>, InboxError> {
        let dead = self.read_dead(usize::MAX).await?;
        let found = dead.find(unique_key).map(|delivery| stored_of(delivery, true));
        self.put_back(dead, 0).await;
        match found {
            Some(found) => Ok(Some(found)),
            None => Err(InboxError::Unsupported {
                engine: "RabbitMQ",
                operation: "show a delivery that is not in the dead letter (reading a queue takes its messages)",
            }),
        }
    }

    async fn replay(&self, unique_key: &str) -> Result<bool, InboxError> {
        let dead = self.read_dead(usize::MAX).await?;
        let replayed = match dead.find(unique_key) {
            Some(delivery) => self.revive(delivery).await.map(|()| true),
            None => Ok(false),
        };
        self.put_back(dead, u64::from(replayed.as_ref().is_ok_and(|replayed| *replayed))).await;
        replayed
    }

    async fn replay_dead(&self) -> Result<u64, InboxError> {
        // What is dead now, not what dies meanwhile: a replayed delivery that dies again
        // at once would otherwise be replayed for ever.
        let channel = self.link.channel().await?;
        let mut left = self.count(&channel, &self.link.dead()).await?;
        let mut replayed = 0;
        while left > 0 {
            let dead = self.read_dead(usize::try_from(left.min(100)).unwrap_or(100)).await?;
            let batch = dead.deliveries.len();
            let (mut revived, mut removed) = (Ok(()), 0);
            for delivery in &dead.deliveries {
                revived = self.revive(delivery).await;
                if revived.is_err() {
                    break;
                }
                removed += 1;
            }
            replayed += removed;
            self.put_back(dead, removed).await;
            revived?;
            if batch == 0 {
                break;
            }
            left = left.saturating_sub(batch as u64);
        }
        Ok(replayed)
    }

    async fn purge_done(&self, _before: SystemTime) -> Result<u64, InboxError> {
        Err(InboxError::Unsupported {
            engine: "RabbitMQ",
            operation: "purge done deliveries (it removes a delivery once its handler succeeded)",
        })
    }
}
