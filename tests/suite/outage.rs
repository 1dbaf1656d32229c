//! The engine unreachable: a proxy this test controls stands between the receiver (and
//! the worker) and the machine's engine, and cuts them off, existing connections reset
//! and new ones accepted but never answered, as a partition does. Meanwhile the receiver
//! answers 503 within its store deadline, which Lago retries; once the engine is back,
//! every delivery answered 200 is handled: none lost. A receiver whose deduplication store
//! (Redis) is cut off likewise answers 503, and logs the store failing, not its handler.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use lago_webhooks::dedup::RedisDeduplicator;
use lago_webhooks::inbox::{Inbox, InboxReceiver, NatsInbox, PostgresInbox, RabbitMqInbox, Worker};
use lago_webhooks::receiver::Receiver;
use lago_webhooks::server::{Limits, serve_until};
use lago_webhooks::shutdown::Shutdown;
use lago_webhooks::verify::{Algorithm, HmacKey, Verifier, lago_headers};
use lago_webhooks::{AsyncWebhookHandler, Delivery, Fee, HandlerResult, WebhookType};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::inbox::{HMAC_KEY, Script, Scripted};
use crate::lago_sender::{client, send_as_lago};
use crate::services::{
    Cleanup, Schema, amqp_url, nats_stream, nats_url, postgres_url, rabbitmq_queue, redis_prefix, redis_url,
};

/// A TCP proxy to one address, which can cut everything off.
struct Proxy {
    addr: SocketAddr,
    open: watch::Sender<bool>,
    /// How many connections are relaying now.
    relaying: watch::Receiver<usize>,
}

impl Proxy {
    /// A proxy on 127.0.0.1 to `upstream`, open.
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (open, watching) = watch::channel(true);
        let (count, relaying) = watch::channel(0);
        let count = std::sync::Arc::new(count);
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                tokio::spawn(relay(inbound, upstream, watching.clone(), count.clone()));
            }
        });
        Proxy { addr, open, relaying }
    }

    /// Cuts every connection, and holds new ones unanswered. Returns once no connection
    /// relays any more: what is sent after it cannot slip through one not yet closed.
    async fn cut(&self) {
        self.open.send_replace(false);
        let mut relaying = self.relaying.clone();
        relaying.wait_for(|count| *count == 0).await.unwrap();
    }

    /// Relays again.
    fn restore(&self) {
        self.open.send_replace(true);
    }
}

/// Relays `inbound` to `upstream` while the proxy is open; while it is cut, swallows what
/// comes and answers nothing; a change of state ends the connection.
async fn relay(
    mut inbound: TcpStream,
    upstream: SocketAddr,
    mut open: watch::Receiver<bool>,
    relaying: std::sync::Arc<watch::Sender<usize>>,
) {
    // Counted from before the state is read, so that a cut waits for this connection or
    // this connection sees the cut.
    struct Counted(std::sync::Arc<watch::Sender<usize>>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.send_modify(|count| *count -= 1);
        }
    }
    relaying.send_modify(|count| *count += 1);
    let counted = Counted(relaying);
    let was_open = *open.borrow_and_update();
    if was_open {
        let _counted = counted;
        let Ok(mut outbound) = TcpStream::connect(upstream).await else { return };
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
            _ = open.changed() => {}
        }
    } else {
        drop(counted);
        let mut sink = [0; 4096];
        loop {
            tokio::select! {
                read = inbound.read(&mut sink) => if matches!(read, Ok(0) | Err(_)) { return },
                _ = open.changed() => return,
            }
        }
    }
}

/// `url` with its host and port replaced by `addr`'s, and where it pointed.
fn through(url: &str, addr: SocketAddr) -> (String, SocketAddr) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').map_or((rest, None), |(a, p)| (a, Some(p)));
    let (credentials, host) = authority.rsplit_once('@').map_or(("", authority), |(c, h)| (c, h));
    let upstream: SocketAddr = host.replace("localhost", "127.0.0.1").parse().unwrap();
    let at = if credentials.is_empty() { String::new() } else { format!("{credentials}@") };
    let path = path.map(|path| format!("/{path}")).unwrap_or_default();
    (format!("{scheme}://{at}{addr}{path}"), upstream)
}

/// The deadline the receiver gives the store.
const DEADLINE: Duration = Duration::from_secs(1);

/// Sends deliveries while the engine at `url` is up, cut off and back, to an inbox that
/// `connect` opens at the URL given (the engine's, pointed through a proxy); asserts the
/// answers and that every delivery answered 200 is handled.
async fn nothing_answered_200_is_lost<I: Inbox + Clone>(url: &str, connect: impl AsyncFnOnce(&str) -> I) {
    let (_, upstream) = through(url, "127.0.0.1:1".parse().unwrap());
    let proxy = Proxy::start(upstream).await;
    let (url, _) = through(url, proxy.addr);
    let inbox = connect(&url).await;
    let shutdown = Shutdown::new();
    let receiver = InboxReceiver::new(Verifier::new().with_hmac(HMAC_KEY).unwrap(), inbox.clone())
        .with_store_deadline(DEADLINE);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_until(
        listener,
        receiver.into_router("/webhooks"),
        Limits::default(),
        shutdown.signalled(),
    ));
    let handler = Scripted::new(Script::default());
    let worker = tokio::spawn(Worker::new(inbox, handler.clone()).run_until(shutdown.signalled()));
    let signed = |key: &str| {
        let body = WebhookType::FeeCreated.example().as_bytes();
        (lago_headers(Algorithm::Hmac, &HmacKey::new(HMAC_KEY).sign(body), key).unwrap(), body)
    };

    for i in 0..20 {
        let (headers, body) = signed(&format!("before-{i}"));
        assert_eq!(client::post(addr, "/webhooks", &headers, body.to_vec()).await.unwrap().0, 200);
    }
    proxy.cut().await;
    // Cut off, each delivery gets 503 from the receiver itself, well before Lago's 30 s
    // timeout would end the try.
    let mut during = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (headers, body) = signed(&format!("during-{i}"));
        during.spawn(async move {
            tokio::time::timeout(
                Duration::from_secs(30),
                client::post(addr, "/webhooks", &headers, body.to_vec()),
            )
            .await
        });
    }
    while let Some(answer) = during.join_next().await {
        let (status, text) = answer.unwrap().expect("answered before Lago's timeout").unwrap();
        assert_eq!(status, 503, "{text}");
    }
    proxy.restore();
    // Lago's retries of those, and new deliveries: all stored once the engine is back.
    let mut after = tokio::task::JoinSet::new();
    for key in (0..20).map(|i| format!("during-{i}")).chain((0..20).map(|i| format!("after-{i}"))) {
        let (headers, body) = signed(&key);
        after.spawn(async move { (key, send_as_lago(addr, &headers, body).await) });
    }
    while let Some(sent) = after.join_next().await {
        let (key, sent) = sent.unwrap();
        assert!(sent.delivered(), "{key}: {:?}", sent.tries);
    }
    let handled = async {
        while handler.succeeded().len() < 60 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), handled).await.unwrap_or_else(|_| {
        panic!("{} of 60 handled", handler.succeeded().len());
    });
    let succeeded = handler.succeeded();
    for part in ["before", "during", "after"] {
        for i in 0..20 {
            let key = format!("{part}-{i}");
            assert!(succeeded.contains_key(&key), "{key} lost");
        }
    }
    shutdown.trigger();
    worker.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_unreachable_gets_503_and_loses_nothing() {
    let schema = Schema::create().await;
    let _cleanup = Cleanup::schema(&schema.name);
    let table = format!("{}.inbox", schema.name);
    nothing_answered_200_is_lost(&postgres_url(), async |url| {
        PostgresInbox::connect_to_table(url, &table)
            .await
            .unwrap()
            .with_lease(Duration::from_secs(2))
            .with_poll_interval(Duration::from_millis(50))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_unreachable_gets_503_and_loses_nothing() {
    let stream = nats_stream();
    let _cleanup = Cleanup::nats(&stream);
    let options = lago_webhooks::inbox::nats::NatsOptions::new(&stream).with_lease(Duration::from_secs(2));
    nothing_answered_200_is_lost(&nats_url(), async |url| {
        NatsInbox::connect_with(url, options).await.unwrap()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq_unreachable_gets_503_and_loses_nothing() {
    let queue = rabbitmq_queue();
    let _cleanup = Cleanup::rabbitmq(&queue);
    nothing_answered_200_is_lost(&amqp_url(), async |url| {
        RabbitMqInbox::connect_to_queue(url, &queue).await.unwrap()
    })
    .await;
}

/// Records the unique key of each fee it handles.
#[derive(Default)]
struct Fees(Mutex<Vec<String>>);

impl AsyncWebhookHandler for Fees {
    async fn on_fee_created(&self, _: Fee, delivery: &Delivery) -> HandlerResult {
        self.0.lock().unwrap().push(delivery.unique_key.clone().unwrap_or_default());
        Ok(())
    }
}

#[test]
fn redis_unreachable_gets_503_logged_as_the_store_failing() {
    let logs = crate::logging::capturing(async {
        let (_, upstream) = through(&redis_url(), "127.0.0.1:1".parse().unwrap());
        let proxy = Proxy::start(upstream).await;
        let (url, _) = through(&redis_url(), proxy.addr);
        let store = RedisDeduplicator::new(&url)
            .unwrap()
            .with_prefix(redis_prefix())
            .with_retention(Duration::from_secs(60));
        let verifier = Verifier::new().with_hmac(HMAC_KEY).unwrap();
        let receiver = Receiver::new(verifier, Fees::default()).with_deduplicator(store);
        let body = WebhookType::FeeCreated.example().as_bytes();
        let signed =
            |key: &str| lago_headers(Algorithm::Hmac, &HmacKey::new(HMAC_KEY).sign(body), key).unwrap();

        assert_eq!(receiver.receive(&signed("redis-before"), body).await.status(), 200);
        proxy.cut().await;
        // The patience only keeps a store that never answers from hanging the test.
        let during =
            tokio::time::timeout(Duration::from_secs(60), receiver.receive(&signed("redis-during"), body))
                .await
                .expect("answered while Redis is cut off");
        assert_eq!((during.status().as_u16(), during.name()), (503, "store_failed"), "{during}");
        proxy.restore();
        // Lago's retry is handled once Redis is back, and only once.
        assert_eq!(receiver.receive(&signed("redis-during"), body).await.status(), 200);
        assert_eq!(receiver.receive(&signed("redis-during"), body).await.name(), "duplicate");
        assert_eq!(*receiver.handler().0.lock().unwrap(), ["redis-before", "redis-during"]);
    });
    let failures: Vec<&str> = logs.lines().filter(|line| line.contains("ERROR")).collect();
    assert!(!failures.is_empty(), "{logs}");
    for line in failures {
        assert!(line.contains("lago webhook deduplication store failed"), "{line}");
        assert!(line.contains("store=\"redis\""), "{line}");
    }
    assert!(logs.contains("operation=\"claim\""), "{logs}");
    assert!(!logs.contains("handler failed"), "{logs}");
}

/// Engine URLs are pointed through the proxy as written, credentials and path kept.
#[test]
fn urls_are_pointed_through_the_proxy() {
    let addr: SocketAddr = "127.0.0.1:4000".parse().unwrap();
    assert_eq!(
        through("amqp://guest:guest@127.0.0.1:5672/%2f", addr),
        ("amqp://guest:guest@127.0.0.1:4000/%2f".to_owned(), "127.0.0.1:5672".parse().unwrap())
    );
    assert_eq!(
        through("postgres://postgres@localhost:5432/test", addr),
        ("postgres://postgres@127.0.0.1:4000/test".to_owned(), "127.0.0.1:5432".parse().unwrap())
    );
    assert_eq!(through("nats://127.0.0.1:4222", addr).0, "nats://127.0.0.1:4000");
}
