//! No delivery lost, on each engine, under the load and failures of a real deployment:
//! thousands of signed deliveries (some sent twice, some of those at once) through two
//! receiver replicas into one inbox, handled by two worker processes whose handler fails
//! every first attempt and panics on a few, one of them killed (SIGKILL) mid-run and
//! started again. At the end, by the handler's own durable record (a file the workers
//! append to; on PostgreSQL, also a table written in the inbox's transaction), every
//! delivery was handled, the inbox holds nothing pending and its dead letter is empty.
//!
//! Then the same with a handler that always fails one webhook type: those deliveries end
//! in the dead letter, whose count the inbox reports; replayed, a fixed handler completes
//! them.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lago_webhooks::WebhookType;
use lago_webhooks::dedup::RedisDeduplicator;
use lago_webhooks::inbox::{Inbox, InboxAdmin, InboxReceiver, NatsInbox, PostgresInbox, RabbitMqInbox};
use lago_webhooks::server::{Limits, serve_until};
use lago_webhooks::shutdown::Shutdown;
use lago_webhooks::verify::{Algorithm, HmacKey, Verifier, lago_headers};

use crate::lago_sender::send_as_lago;
use crate::processes::{Child, HMAC_KEY, Record, Settings, recorded};
use crate::services::{
    Cleanup, Schema, amqp_url, nats_stream, nats_url, postgres_url, rabbitmq_queue, redis_prefix, redis_url,
};

/// Deliveries of the main run; a tenth of them sent twice.
const DELIVERIES: u64 = 5_000;
/// The attempts a worker may take on one delivery before the dead letter.
const MAX_ATTEMPTS: u32 = 6;
/// Attempts a worker runs at once: what a killed worker may have held.
const CONCURRENCY: usize = 16;

/// Two receiver replicas serving `inboxes` on 127.0.0.1, until `shutdown`.
async fn receivers<I: Inbox + Clone>(inboxes: [I; 2], shutdown: &Shutdown) -> [SocketAddr; 2] {
    let mut addrs = Vec::new();
    for inbox in inboxes {
        let receiver = InboxReceiver::new(Verifier::new().with_hmac(HMAC_KEY).unwrap(), inbox)
            .with_required_unique_key(true)
            .with_store_deadline(Duration::from_secs(5));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        addrs.push(listener.local_addr().unwrap());
        tokio::spawn(serve_until(
            listener,
            receiver.into_router("/webhooks"),
            Limits::default(),
            shutdown.signalled(),
        ));
    }
    [addrs[0], addrs[1]]
}

/// The key of the `i`-th delivery of a run, and its webhook type: every `invoices`-th an
/// invoice, the others fees.
fn delivery(run: &str, i: u64, invoices: Option<u64>) -> (String, WebhookType) {
    let invoice = invoices.is_some_and(|every| i.is_multiple_of(every));
    (format!("{run}-{i}"), if invoice { WebhookType::InvoiceCreated } else { WebhookType::FeeCreated })
}

/// Sends `count` deliveries as Lago sends them, alternating between the receivers, a
/// tenth of them twice: half of those to both receivers at once, half again once
/// answered. Every one must be delivered, as Lago sees it.
async fn send_all(run: &str, count: u64, invoices: Option<u64>, receivers: [SocketAddr; 2]) {
    // Many at once, as a busy Lago sends them; enough that deliveries waiting out Lago's
    // 3 s before a retry (a 409 while another receiver stores the same one) hold few back.
    let limit = Arc::new(tokio::sync::Semaphore::new(256));
    let mut sending = tokio::task::JoinSet::new();
    for i in 0..count {
        let (key, webhook_type) = delivery(run, i, invoices);
        let body = webhook_type.example().as_bytes();
        let headers = lago_headers(Algorithm::Hmac, &HmacKey::new(HMAC_KEY).sign(body), &key).unwrap();
        let permit = Arc::clone(&limit).acquire_owned().await.unwrap();
        let (first, second) = (receivers[(i % 2) as usize], receivers[((i + 1) % 2) as usize]);
        sending.spawn(async move {
            let _permit = permit;
            let mut sent = Vec::new();
            match i % 20 {
                0 => {
                    let (a, b) = tokio::join!(
                        send_as_lago(first, &headers, body),
                        send_as_lago(second, &headers, body)
                    );
                    sent.extend([a, b]);
                }
                10 => {
                    sent.push(send_as_lago(first, &headers, body).await);
                    sent.push(send_as_lago(second, &headers, body).await);
                }
                _ => sent.push(send_as_lago(first, &headers, body).await),
            }
            for sent in sent {
                assert!(sent.delivered(), "{key} lost: {:?}", sent.tries);
            }
        });
    }
    while let Some(sent) = sending.join_next().await {
        sent.unwrap();
    }
}

/// The keys a record holds, with their successful handlings.
fn by_key(records: &[Record]) -> HashMap<&str, Vec<&Record>> {
    let mut keys: HashMap<&str, Vec<&Record>> = HashMap::new();
    for record in records.iter().filter(|record| record.succeeded) {
        keys.entry(record.key.as_str()).or_default().push(record);
    }
    keys
}

/// Waits until `done` holds (checked every 100 ms), for at most `patience`.
async fn until(patience: Duration, mut done: impl AsyncFnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + patience;
    while tokio::time::Instant::now() < deadline {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done().await
}

/// How an engine's workers reach its inbox.
struct Engine {
    name: &'static str,
    url: String,
    inbox_name: String,
    /// A PostgreSQL table the handler records in through the inbox's transaction.
    transaction_table: Option<String>,
}

impl Engine {
    fn worker(&self, record: &std::path::Path, always_fail: Option<&str>) -> Settings {
        Settings {
            inbox_url: Some(self.url.clone()),
            inbox_name: Some(self.inbox_name.clone()),
            lease: Some(Duration::from_secs(2)),
            record: Some(record.to_path_buf()),
            handler_delay: Duration::from_millis(2),
            fail_first: always_fail.is_none(),
            panic_every: Some(97),
            always_fail: always_fail.map(str::to_owned),
            max_attempts: if always_fail.is_some() { 3 } else { MAX_ATTEMPTS },
            transaction_table: self.transaction_table.clone(),
            ..Settings::default()
        }
    }
}

fn record_file(engine: &str, part: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!("lago-webhooks-durability-{engine}-{part}-{}.log", crate::services::run_id()))
}

/// Acceptance 1: every delivery handled, none pending or dead, through a worker killed and
/// started again; the keys handled twice are those the killed worker held.
async fn nothing_lost_through_a_killed_worker<I: Inbox + InboxAdmin + Clone>(
    engine: &Engine,
    inboxes: [I; 2],
) {
    let admin = inboxes[0].clone();
    let record = record_file(engine.name, "main");
    let settings = engine.worker(&record, None);
    let workers = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || {
            (Child::start("worker", &settings), Child::start("worker", &settings))
        })
        .await
        .unwrap()
    };
    let receivers_done = Shutdown::new();
    let addrs = receivers(inboxes, &receivers_done).await;
    let run = format!("{}-main", engine.name);
    let sending = tokio::spawn({
        let run = run.clone();
        async move { send_all(&run, DELIVERIES, None, addrs).await }
    });

    // A third of the way, the first worker is killed, and started again at once.
    let reached =
        until(Duration::from_secs(120), async || by_key(&recorded(&record)).len() as u64 >= DELIVERIES / 3)
            .await;
    assert!(reached, "{}: a third handled in time", engine.name);
    let (mut killed, other) = workers;
    let killed_pid = killed.pid();
    let restarted = tokio::task::spawn_blocking(move || {
        killed.kill();
        killed.wait();
        Child::start("worker", &settings)
    })
    .await
    .unwrap();
    sending.await.unwrap();

    let all_handled =
        until(Duration::from_secs(180), async || by_key(&recorded(&record)).len() as u64 == DELIVERIES).await;
    let records = recorded(&record);
    let keys = by_key(&records);
    assert!(all_handled, "{}: {} of {DELIVERIES} handled", engine.name, keys.len());
    let settled = until(Duration::from_secs(30), async || {
        admin.status().await.is_ok_and(|s| {
            s.pending == 0 && s.dead == 0 && s.retrying.unwrap_or(0) == 0 && s.in_progress.unwrap_or(0) == 0
        })
    })
    .await;
    let status = admin.status().await.unwrap();
    assert!(settled, "{}: the inbox holds nothing pending, retrying or dead: {status:?}", engine.name);
    for i in 0..DELIVERIES {
        let key = format!("{run}-{i}");
        assert!(keys.contains_key(key.as_str()), "{}: {key} never handled", engine.name);
    }
    // A key handled twice is one the killed worker held when it died: it attempted it
    // (successfully or not) and did not live to record the outcome in the inbox.
    let held: HashSet<&str> =
        records.iter().filter(|record| record.pid == killed_pid).map(|record| record.key.as_str()).collect();
    let twice: Vec<&Vec<&Record>> = keys.values().filter(|handlings| handlings.len() > 1).collect();
    for handlings in &twice {
        assert!(
            held.contains(handlings[0].key.as_str()),
            "{}: handled twice, never held by the killed worker: {handlings:?}",
            engine.name
        );
    }
    assert!(twice.len() <= CONCURRENCY, "{}: {} keys handled twice", engine.name, twice.len());
    // Attempts beyond the second were cut short: by the kill, or a lease that ran out.
    let cut_short = records.iter().filter(|record| record.succeeded && record.attempt > 2).count();
    println!(
        "{}: {DELIVERIES} deliveries, {} handlings by {} processes, {} keys handled twice (the killed worker held \
         them), {cut_short} handled after an attempt cut short, {status:?}",
        engine.name,
        records.iter().filter(|record| record.succeeded).count(),
        records.iter().map(|record| record.pid).collect::<HashSet<_>>().len(),
        twice.len()
    );
    receivers_done.trigger();
    drop((other, restarted));
    let _ = std::fs::remove_file(&record);
}

/// The lease of the dead letter's part. It is about a type that always fails, not about
/// leases: long enough that a worker starved of the CPU (the suite's other tests build
/// crates beside it) keeps its deliveries, where a 2 s lease lost to starvation counts an
/// attempt and, past the last of three, buries a delivery that never failed.
const DEAD_LETTER_LEASE: Duration = Duration::from_secs(15);

/// Acceptance 2: deliveries of a type whose handler always fails end in the dead letter
/// after their attempts, counted by the status; replayed, a fixed handler completes them.
async fn a_failing_type_is_dead_then_replayed<I: Inbox + InboxAdmin + Clone>(
    engine: &Engine,
    inboxes: [I; 2],
) {
    const COUNT: u64 = 500;
    const INVOICES: u64 = 5;
    let admin = inboxes[0].clone();
    let record = record_file(engine.name, "dead");
    let failing =
        Settings { lease: Some(DEAD_LETTER_LEASE), ..engine.worker(&record, Some("invoice.created")) };
    let workers = tokio::task::spawn_blocking(move || {
        [Child::start("worker", &failing), Child::start("worker", &failing)]
    })
    .await
    .unwrap();
    let shutdown = Shutdown::new();
    let addrs = receivers(inboxes, &shutdown).await;
    let run = format!("{}-dead", engine.name);
    send_all(&run, COUNT, Some(INVOICES), addrs).await;
    let invoices = COUNT.div_ceil(INVOICES);
    let dead =
        until(Duration::from_secs(120), async || admin.status().await.is_ok_and(|s| s.dead == invoices))
            .await;
    assert!(dead, "{}: {:?}", engine.name, admin.status().await);
    let fees: HashSet<String> =
        recorded(&record).into_iter().filter(|record| record.succeeded).map(|record| record.key).collect();
    assert_eq!(fees.len() as u64, COUNT - invoices, "{}: every fee handled", engine.name);
    drop(workers);

    assert_eq!(admin.replay_dead().await.unwrap(), invoices, "{}", engine.name);
    let fixed = engine.worker(&record, None);
    let fixed = Settings { fail_first: false, panic_every: None, lease: Some(DEAD_LETTER_LEASE), ..fixed };
    let _workers =
        tokio::task::spawn_blocking(move || [Child::start("worker", &fixed), Child::start("worker", &fixed)])
            .await
            .unwrap();
    let handled =
        until(Duration::from_secs(120), async || by_key(&recorded(&record)).len() as u64 == COUNT).await;
    assert!(
        handled,
        "{}: {} of {COUNT} handled after the replay",
        engine.name,
        by_key(&recorded(&record)).len()
    );
    let empty = until(Duration::from_secs(30), async || {
        admin.status().await.is_ok_and(|s| s.dead == 0 && s.pending == 0)
    })
    .await;
    assert!(empty, "{}: {:?}", engine.name, admin.status().await);
    shutdown.trigger();
    let _ = std::fs::remove_file(&record);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_loses_nothing_and_handles_each_key_once_in_its_transaction() {
    let schema = Schema::create().await;
    let _cleanup = Cleanup::schema(&schema.name);
    let table = format!("{}.handled", schema.name);
    schema
        .client()
        .batch_execute(&format!("CREATE TABLE {table} (unique_key text, attempt int, pid bigint)"))
        .await
        .unwrap();
    let url = postgres_url();
    let engine = Engine {
        name: "postgres",
        url: url.clone(),
        inbox_name: format!("{}.inbox", schema.name),
        transaction_table: Some(table.clone()),
    };
    let inbox = || async { PostgresInbox::connect_to_table(&url, &engine.inbox_name).await.unwrap() };
    nothing_lost_through_a_killed_worker(&engine, [inbox().await, inbox().await]).await;
    // Written in the inbox's transaction, each key's handling is there exactly once, the
    // killed worker's included.
    let rows = schema
        .client()
        .query(&format!("SELECT unique_key, count(*) FROM {table} GROUP BY unique_key"), &[])
        .await
        .unwrap();
    assert_eq!(rows.len() as u64, DELIVERIES);
    let twice: Vec<String> =
        rows.iter().filter(|row| row.get::<_, i64>(1) != 1).map(|row| row.get(0)).collect();
    assert!(twice.is_empty(), "handled more than once in the transaction: {twice:?}");

    let engine =
        Engine { inbox_name: format!("{}.dead_letter", schema.name), transaction_table: None, ..engine };
    let inbox = || async { PostgresInbox::connect_to_table(&url, &engine.inbox_name).await.unwrap() };
    a_failing_type_is_dead_then_replayed(&engine, [inbox().await, inbox().await]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_loses_nothing_through_a_killed_worker() {
    let url = nats_url();
    for part in ["main", "dead"] {
        let stream = format!("{}_{}", nats_stream(), part.to_uppercase());
        let _cleanup = Cleanup::nats(&stream);
        let engine =
            Engine { name: "nats", url: url.clone(), inbox_name: stream.clone(), transaction_table: None };
        // The consumer's ack wait is the lease of the part's workers.
        let lease = if part == "main" { Duration::from_secs(2) } else { DEAD_LETTER_LEASE };
        let inbox = || async {
            let options = lago_webhooks::inbox::nats::NatsOptions::new(&stream).with_lease(lease);
            NatsInbox::connect_with(&url, options).await.unwrap()
        };
        match part {
            "main" => nothing_lost_through_a_killed_worker(&engine, [inbox().await, inbox().await]).await,
            _ => a_failing_type_is_dead_then_replayed(&engine, [inbox().await, inbox().await]).await,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq_loses_nothing_through_a_killed_worker() {
    let url = amqp_url();
    for part in ["main", "dead"] {
        let queue = format!("{}-{part}", rabbitmq_queue());
        let _cleanup = Cleanup::rabbitmq(&queue);
        let engine =
            Engine { name: "rabbitmq", url: url.clone(), inbox_name: queue.clone(), transaction_table: None };
        // The receivers share what they stored in Redis: RabbitMQ keeps no identity.
        let prefix = redis_prefix();
        let inbox = || async {
            let dedup = RedisDeduplicator::new(&redis_url())
                .unwrap()
                .with_prefix(&prefix)
                .with_retention(Duration::from_secs(300));
            RabbitMqInbox::connect_to_queue(&url, &queue).await.unwrap().with_deduplicator(dedup)
        };
        match part {
            "main" => nothing_lost_through_a_killed_worker(&engine, [inbox().await, inbox().await]).await,
            _ => a_failing_type_is_dead_then_replayed(&engine, [inbox().await, inbox().await]).await,
        }
    }
}
