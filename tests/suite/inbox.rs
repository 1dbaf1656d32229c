//! The inbox, on each engine: receivers store what Lago sends and answer once the store
//! confirmed it; workers handle it, retry what fails with backoff, move what cannot be
//! handled to the dead letter, and give back what they hold when they stop. The same
//! scenarios run against the in-memory inbox and, on the machine's services, PostgreSQL,
//! NATS JetStream and RabbitMQ (`services`), each under names of its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use lago_webhooks::inbox::{
    AnyInbox, Inbox, InboxAdmin, InboxError, InboxReceiver, MemoryInbox, Options, RetryPolicy, State, Worker,
    WorkerReport,
};
use lago_webhooks::shutdown::Shutdown;
use lago_webhooks::verify::{Algorithm, HmacKey, Verifier, lago_headers};
use lago_webhooks::{AsyncWebhookHandler, Delivery, HandlerResult, WebhookEvent, WebhookType};

use crate::services::Cleanup;

pub const HMAC_KEY: &str = "2f6c0a1e-inbox-key";

/// Retries quickly, so that a scenario takes seconds: 3 attempts, 50 ms then 100 ms.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::default().with_max_attempts(3).with_backoff(
        Duration::from_millis(50),
        2.0,
        Duration::from_millis(400),
    )
}

/// What a scripted handler does with each delivery.
#[derive(Clone, Default)]
pub struct Script {
    /// Fail the first attempt at every delivery.
    pub fail_first: bool,
    /// Panic on the first attempt at deliveries whose key ends with this.
    pub panic_suffix: Option<String>,
    /// Fail every attempt at deliveries of this webhook type.
    pub always_fail: Option<String>,
    /// Work this long before deciding.
    pub delay: Duration,
}

/// A handler doing what its script says and recording every attempt it sees.
#[derive(Clone, Default)]
pub struct Scripted {
    pub script: Arc<Mutex<Script>>,
    /// Each attempt: unique key, attempt number, whether it succeeded.
    pub attempts: Arc<Mutex<Vec<(String, u32, bool)>>>,
    /// How many attempts have begun.
    pub started: Arc<std::sync::atomic::AtomicUsize>,
}

impl Scripted {
    pub fn new(script: Script) -> Self {
        Scripted { script: Arc::new(Mutex::new(script)), attempts: Arc::default(), started: Arc::default() }
    }

    /// The keys handled successfully, with how many times each.
    pub fn succeeded(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for (key, _, ok) in self.attempts.lock().unwrap().iter() {
            if *ok {
                *counts.entry(key.clone()).or_default() += 1;
            }
        }
        counts
    }
}

impl AsyncWebhookHandler for Scripted {
    async fn handle(&self, event: WebhookEvent, delivery: &Delivery) -> HandlerResult {
        let script = self.script.lock().unwrap().clone();
        self.started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tokio::time::sleep(script.delay).await;
        let key = delivery.unique_key.clone().unwrap_or_default();
        let first = delivery.attempt == 1;
        let panics = first && script.panic_suffix.as_deref().is_some_and(|suffix| key.ends_with(suffix));
        let fails =
            (first && script.fail_first) || script.always_fail.as_deref() == Some(event.webhook_type());
        self.attempts.lock().unwrap().push((key.clone(), delivery.attempt, !(fails || panics)));
        if panics {
            panic!("the ledger exploded on {key}");
        }
        if fails {
            return Err(format!("the ledger is down for {key}").into());
        }
        Ok(())
    }
}

/// The headers and body Lago sends for `webhook_type`'s example under `key`.
pub fn signed(webhook_type: WebhookType, key: &str) -> (http::HeaderMap, Bytes) {
    let body = webhook_type.example().as_bytes();
    let headers = lago_headers(Algorithm::Hmac, &HmacKey::new(HMAC_KEY).sign(body), key).unwrap();
    (headers, Bytes::from_static(body))
}

pub fn receiver<I: Inbox>(inbox: I) -> InboxReceiver<I> {
    InboxReceiver::new(Verifier::new().with_hmac(HMAC_KEY).unwrap(), inbox)
}

/// Runs `worker` until `until` holds (checked every 20 ms) or 60 s pass, then stops it.
pub async fn work_until<I: Inbox>(
    worker: Worker<WebhookEvent, Scripted, I>,
    until: impl AsyncFn() -> bool,
) -> WorkerReport {
    let shutdown = Shutdown::new();
    let running = tokio::spawn(worker.run_until(shutdown.signalled()));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !until().await && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    shutdown.trigger();
    running.await.unwrap()
}

/// A delivery stored once, however often it is sent; handled once, after a failed first
/// attempt, with the attempt numbers counted.
pub async fn stores_once_and_retries<I: Inbox + InboxAdmin + Clone>(inbox: I) {
    let receiver = receiver(inbox.clone());
    let (headers, body) = signed(WebhookType::FeeCreated, "retried-1");
    assert_eq!(receiver.receive(&headers, body.clone()).await.name(), "stored");
    assert_eq!(receiver.receive(&headers, body.clone()).await.name(), "already_stored");
    let status = inbox.status().await.unwrap();
    assert_eq!(status.pending, 1, "{status:?}");
    // Not every engine can tell (RabbitMQ cannot); those that do, tell the truth.
    assert!(status.oldest.is_none_or(|oldest| oldest <= SystemTime::now()), "{status:?}");
    // RabbitMQ can show dead deliveries only (reading a queue takes its messages).
    match inbox.show("retried-1").await {
        Err(InboxError::Unsupported { .. }) => {}
        shown => {
            let stored = shown.unwrap().expect("stored");
            assert_eq!((stored.state, stored.entry.webhook_type.as_str()), (State::Pending, "fee.created"));
            assert_eq!(stored.entry.body, body, "the raw body, as signed");
            assert_eq!(stored.entry.algorithm, Some(Algorithm::Hmac));
        }
    }

    let handler = Scripted::new(Script { fail_first: true, ..Script::default() });
    let worker = Worker::new(inbox.clone(), handler.clone()).with_retry_policy(quick_retries());
    let report = work_until(worker, async || handler.succeeded().len() == 1).await;
    assert_eq!((report.succeeded, report.retried, report.dead), (1, 1, 0), "{report:?}");
    let attempts = handler.attempts.lock().unwrap().clone();
    assert_eq!(attempts, [("retried-1".into(), 1, false), ("retried-1".into(), 2, true)]);
    // Sent again after it was handled: answered 200, not handled again.
    assert_eq!(receiver.receive(&headers, body).await.status(), 200);
    let status = inbox.status().await.unwrap();
    assert_eq!((status.pending, status.dead, status.oldest), (0, 0, None), "{status:?}");
}

/// Attempts all failing end in the dead letter, which a status counts and a replay
/// empties; a fixed handler then completes them. A body the types cannot read is buried
/// at its first attempt, without reaching the handler.
pub async fn the_dead_letter_keeps_and_replays<I: Inbox + InboxAdmin + Clone>(inbox: I) {
    let receiver = receiver(inbox.clone());
    for i in 0..3 {
        let (headers, body) = signed(WebhookType::InvoiceCreated, &format!("doomed-{i}"));
        assert_eq!(receiver.receive(&headers, body).await.name(), "stored");
    }
    let (headers, body) = signed(WebhookType::FeeCreated, "fine-1");
    assert_eq!(receiver.receive(&headers, body).await.name(), "stored");
    // Signed by Lago, but its payload is not what the types read.
    let broken = br#"{"webhook_type":"fee.created","object_type":"fee","fee":{"amount_cents":"forty"}}"#;
    let broken_headers =
        lago_headers(Algorithm::Hmac, &HmacKey::new(HMAC_KEY).sign(broken), "unreadable-1").unwrap();
    assert_eq!(receiver.receive(&broken_headers, Bytes::from_static(broken)).await.name(), "stored");

    let handler = Scripted::new(Script { always_fail: Some("invoice.created".into()), ..Script::default() });
    let worker = Worker::new(inbox.clone(), handler.clone()).with_retry_policy(quick_retries());
    let report = work_until(worker, async || {
        inbox.status().await.is_ok_and(|status| status.dead == 4 && status.pending == 0)
    })
    .await;
    assert_eq!(report.dead, 4, "{report:?}");
    assert_eq!(report.succeeded, 1, "{report:?}");
    let status = inbox.status().await.unwrap();
    assert_eq!((status.dead, status.pending), (4, 0), "{status:?}");
    let dead = inbox.show("doomed-0").await.unwrap().unwrap();
    assert_eq!((dead.state, dead.attempts), (State::Dead, 3));
    assert!(dead.last_error.as_deref().is_some_and(|e| e.contains("the ledger is down")), "{dead:?}");
    let unreadable = inbox.show("unreadable-1").await.unwrap().unwrap();
    assert!(unreadable.last_error.as_deref().is_some_and(|e| e.contains("does not parse")), "{unreadable:?}");
    let failures =
        handler.attempts.lock().unwrap().iter().filter(|(key, _, _)| key.starts_with("doomed")).count();
    assert_eq!(failures, 9, "three attempts each");
    assert!(!handler.attempts.lock().unwrap().iter().any(|(key, _, _)| key == "unreadable-1"));
    let listed = inbox.list(Some(State::Dead), 10).await.unwrap();
    let mut keys: Vec<_> = listed.iter().map(|stored| stored.entry.unique_key.as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["doomed-0", "doomed-1", "doomed-2", "unreadable-1"]);

    // Replayed while a worker buries them again as fast as it can, the dead are replayed
    // once each: a replay takes what was dead when it began.
    let still_failing = Worker::new(inbox.clone(), handler.clone()).with_retry_policy(quick_retries());
    let shutdown = Shutdown::new();
    let running = tokio::spawn(still_failing.run_until(shutdown.signalled()));
    let replayed = tokio::time::timeout(Duration::from_secs(60), inbox.replay_dead()).await;
    assert_eq!(replayed.expect("a replay ends").unwrap(), 4);
    let dead_again = async {
        while !inbox.status().await.is_ok_and(|status| status.dead == 4 && status.pending == 0) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), dead_again).await.expect("dead again");
    shutdown.trigger();
    running.await.unwrap();

    // The handler is fixed; the dead are replayed and completed (the unreadable one dies
    // again: its types still cannot read it).
    handler.script.lock().unwrap().always_fail = None;
    assert!(inbox.replay("doomed-0").await.unwrap());
    assert!(!inbox.replay("never-sent").await.unwrap());
    assert_eq!(inbox.replay_dead().await.unwrap(), 3);
    let worker = Worker::new(inbox.clone(), handler.clone()).with_retry_policy(quick_retries());
    work_until(worker, async || inbox.status().await.is_ok_and(|s| s.pending == 0 && s.dead == 1)).await;
    let succeeded = handler.succeeded();
    for i in 0..3 {
        assert_eq!(succeeded.get(&format!("doomed-{i}")), Some(&1), "{succeeded:?}");
    }
    let replayed =
        handler.attempts.lock().unwrap().iter().find(|(key, _, ok)| key == "doomed-0" && *ok).cloned();
    assert_eq!(replayed.map(|(_, attempt, _)| attempt), Some(1), "a replay counts its attempts afresh");
}

/// A worker stopping with a handler still running past its grace gives the delivery back
/// without counting the attempt, and another worker handles it.
///
/// `counted` says whether the engine may count the given-back attempt all the same (NATS
/// and RabbitMQ count deliveries, not attempts: NATS counts a redelivery, but not always
/// one to another pull request).
pub async fn a_stopping_worker_gives_back_what_it_holds<I: Inbox + InboxAdmin + Clone>(
    inbox: I,
    counted: bool,
) {
    let receiver = receiver(inbox.clone());
    let (headers, body) = signed(WebhookType::FeeCreated, "held-1");
    assert_eq!(receiver.receive(&headers, body).await.name(), "stored");
    let slow = Scripted::new(Script { delay: Duration::from_secs(30), ..Script::default() });
    let worker = Worker::new(inbox.clone(), slow.clone()).with_shutdown_grace(Duration::from_millis(200));
    let report =
        work_until(worker, async || slow.started.load(std::sync::atomic::Ordering::SeqCst) > 0).await;
    assert_eq!(report.released, 1, "{report:?}");
    assert!(slow.attempts.lock().unwrap().is_empty(), "stopped before it decided");
    let handler = Scripted::new(Script::default());
    let worker = Worker::new(inbox.clone(), handler.clone());
    work_until(worker, async || handler.succeeded().len() == 1).await;
    let attempts = handler.attempts.lock().unwrap().clone();
    let [(key, attempt, true)] = &attempts[..] else { panic!("handled once: {attempts:?}") };
    assert_eq!(key, "held-1");
    assert!(*attempt == 1 || counted && *attempt == 2, "{attempts:?}");
}

/// A test of each scenario above, in the engine's module that invokes it, on an inbox of
/// its own from the module's `fresh()` (which returns what removes it once the test
/// ends). `counted`: whether the engine may count an attempt given back.
macro_rules! every_scenario {
    (counted: $counted:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn stores_once_and_retries() {
            let (inbox, _cleanup) = fresh().await;
            super::stores_once_and_retries(inbox).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_dead_letter_keeps_and_replays() {
            let (inbox, _cleanup) = fresh().await;
            super::the_dead_letter_keeps_and_replays(inbox).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_stopping_worker_gives_back_what_it_holds() {
            let (inbox, _cleanup) = fresh().await;
            super::a_stopping_worker_gives_back_what_it_holds(inbox, $counted).await;
        }
    };
}

mod memory {
    use lago_webhooks::inbox::MemoryInbox;

    /// An inbox of its own; nothing to remove.
    async fn fresh() -> (MemoryInbox, ()) {
        (MemoryInbox::new(), ())
    }

    every_scenario!(counted: false);
}

mod postgres {
    use lago_webhooks::inbox::PostgresInbox;

    use crate::services::{Cleanup, Schema, postgres_url};

    /// An inbox in a table of the test's schema.
    pub async fn inbox(schema: &Schema) -> PostgresInbox {
        let url = postgres_url();
        PostgresInbox::connect_to_table(&url, &format!("{}.inbox", schema.name))
            .await
            .unwrap_or_else(|err| panic!("cannot use PostgreSQL at {url}: {err}"))
            .with_poll_interval(std::time::Duration::from_millis(20))
    }

    /// An inbox in a schema of its own, dropped once the test ends.
    async fn fresh() -> (PostgresInbox, Cleanup) {
        let schema = Schema::create().await;
        let cleanup = Cleanup::schema(&schema.name);
        (inbox(&schema).await, cleanup)
    }

    every_scenario!(counted: false);

    /// Done rows past the retention are deleted as workers complete others; before, and
    /// without a retention, they are kept.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_deletes_done_rows_past_their_retention() {
        use lago_webhooks::inbox::InboxAdmin;
        use std::time::Duration;
        let schema = Schema::create().await;
        let _cleanup = Cleanup::schema(&schema.name);
        let keeping = inbox(&schema).await.with_retention(None);
        let receiver = super::receiver(keeping.clone());
        for key in ["old-1", "old-2"] {
            let (headers, body) = super::signed(super::WebhookType::FeeCreated, key);
            assert_eq!(receiver.receive(&headers, body).await.name(), "stored");
        }
        let handler = super::Scripted::new(super::Script::default());
        super::work_until(super::Worker::new(keeping.clone(), handler.clone()), async || {
            handler.succeeded().len() == 2
        })
        .await;
        assert_eq!(keeping.status().await.unwrap().done, Some(2), "kept without a retention");

        let purging = inbox(&schema).await.with_retention(Some(Duration::ZERO));
        let (headers, body) = super::signed(super::WebhookType::FeeCreated, "new-1");
        assert_eq!(super::receiver(purging.clone()).receive(&headers, body).await.name(), "stored");
        let handler = super::Scripted::new(super::Script::default());
        super::work_until(super::Worker::new(purging.clone(), handler.clone()), async || {
            purging.show("old-2").await.is_ok_and(|shown| shown.is_none())
        })
        .await;
        assert!(purging.show("old-1").await.unwrap().is_none(), "deleted past its retention");
        assert!(purging.show("old-2").await.unwrap().is_none());
    }

    /// A JSON string may hold NUL, which a text column refuses: such a delivery is stored
    /// all the same, its NUL replaced where it is kept as text (its body keeps it).
    #[tokio::test]
    async fn postgres_stores_what_its_text_columns_would_refuse() {
        use lago_webhooks::inbox::{Entry, Inbox, InboxAdmin};
        let schema = Schema::create().await;
        let _cleanup = Cleanup::schema(&schema.name);
        let inbox = inbox(&schema).await;
        let body = &br#"{"webhook_type": "fee\u0000created", "organization_id": "org\u0000"}"#[..];
        let entry = Entry::from_body(Some("nul-1"), body).unwrap();
        assert_eq!(entry.webhook_type, "fee\0created");
        assert_eq!(inbox.enqueue(&entry).await.unwrap(), lago_webhooks::inbox::Enqueued::Stored);
        let stored = inbox.show("nul-1").await.unwrap().unwrap();
        assert_eq!(stored.entry.webhook_type, "fee\u{FFFD}created");
        assert_eq!(stored.entry.organization_id.as_deref(), Some("org\u{FFFD}"));
        assert_eq!(&stored.entry.body[..], body);
    }
}

/// An inbox opened by URL, as programs open it, under `name`, a name no other test uses,
/// with a short lease where the engine leases; `cleanup` removes what it made once the
/// test ends.
async fn opened(url: String, name: String, cleanup: fn(&str) -> Cleanup) -> (AnyInbox, Cleanup) {
    let cleanup = cleanup(&name);
    let options = Options::default().with_name(name).with_lease(Duration::from_secs(2));
    let inbox = lago_webhooks::inbox::open(&url, &options)
        .await
        .unwrap_or_else(|err| panic!("cannot open the inbox at {url}: {err}"));
    (inbox, cleanup)
}

mod nats {
    use lago_webhooks::inbox::AnyInbox;

    use crate::services::{Cleanup, nats_stream, nats_url};

    /// An inbox in streams of its own.
    async fn fresh() -> (AnyInbox, Cleanup) {
        super::opened(nats_url(), nats_stream(), Cleanup::nats).await
    }

    every_scenario!(counted: true);
}

mod rabbitmq {
    use lago_webhooks::inbox::AnyInbox;

    use crate::services::{Cleanup, amqp_url, rabbitmq_queue};

    /// An inbox in queues of its own.
    async fn fresh() -> (AnyInbox, Cleanup) {
        super::opened(amqp_url(), rabbitmq_queue(), Cleanup::rabbitmq).await
    }

    every_scenario!(counted: true);
}

/// An inbox whose store never answers, or fails, as a store that is down does.
#[derive(Clone)]
struct Broken {
    fails: bool,
    inbox: MemoryInbox,
}

impl Inbox for Broken {
    type Job = <MemoryInbox as Inbox>::Job;
    type Source = MemoryInbox;

    async fn enqueue(
        &self,
        _: &lago_webhooks::inbox::Entry,
    ) -> Result<lago_webhooks::inbox::Enqueued, InboxError> {
        if self.fails {
            return Err(InboxError::Store("the store is down".to_owned()));
        }
        std::future::pending().await
    }
}

/// Its workers take from the memory inbox inside.
impl From<Broken> for MemoryInbox {
    fn from(broken: Broken) -> Self {
        broken.inbox
    }
}

#[tokio::test]
async fn the_inbox_receiver_answers_each_case_as_lago_needs() {
    let inbox = MemoryInbox::new();
    let rejected = Arc::new(Mutex::new(Vec::new()));
    let hook = Arc::clone(&rejected);
    let endpoint = receiver(inbox.clone())
        .with_rejection_hook(move |rejection| hook.lock().unwrap().push(rejection.body.to_vec()));
    let (mut headers, body) = signed(WebhookType::FeeCreated, "cases-1");

    // Signed by someone else: 401, nothing stored.
    let forged = lago_headers(Algorithm::Hmac, &HmacKey::new("another-key").sign(&body), "cases-1").unwrap();
    assert_eq!(endpoint.receive(&forged, body.clone()).await.status(), 401);
    // Signed, but no types could ever read it: 400, and the hook keeps it.
    let not_a_webhook = Bytes::from_static(b"[1, 2, 3]");
    let signed_array =
        lago_headers(Algorithm::Hmac, &HmacKey::new(HMAC_KEY).sign(&not_a_webhook), "cases-2").unwrap();
    assert_eq!(endpoint.receive(&signed_array, not_a_webhook.clone()).await.status(), 400);
    assert_eq!(*rejected.lock().unwrap(), [not_a_webhook.to_vec()]);
    // Too large: 413 before the signature is checked.
    let large = receiver(MemoryInbox::new()).with_body_limit(16);
    assert_eq!(large.receive(&headers, body.clone()).await.status(), 413);
    assert_eq!(inbox.status().await.unwrap().pending, 0);

    // Without a unique key, a key derived from the body: the same body is one delivery.
    headers.remove("x-lago-unique-key");
    assert_eq!(endpoint.receive(&headers, body.clone()).await.name(), "stored");
    assert_eq!(endpoint.receive(&headers, body.clone()).await.name(), "already_stored");
    let listed = inbox.list(None, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].entry.unique_key.starts_with("body-sha256:") && listed[0].entry.key_derived);
    // ... unless the key is required.
    let strict = receiver(MemoryInbox::new()).with_required_unique_key(true);
    assert_eq!(strict.receive(&headers, body.clone()).await.status(), 400);

    // A store that never answers: 503 at the deadline; one that fails: 503 at once.
    let (headers, body) = signed(WebhookType::FeeCreated, "cases-3");
    for fails in [false, true] {
        let broken = receiver(Broken { fails, inbox: MemoryInbox::new() })
            .with_store_deadline(Duration::from_millis(200));
        let outcome = broken.receive(&headers, body.clone()).await;
        assert_eq!((outcome.status().as_u16(), outcome.name()), (503, "unavailable"), "{outcome}");
    }
}
