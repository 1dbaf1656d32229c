//! The limits of a served endpoint, over TCP on 127.0.0.1 with requests written byte by
//! byte: stalled headers and bodies, declared oversize bodies, panicking and slow handlers,
//! unusable unique keys, and the rejection hook.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lago_webhooks::receiver::Receiver;
use lago_webhooks::server::{Limits, serve};
use lago_webhooks::verify::{Algorithm, HmacKey, Verifier, lago_headers};
use lago_webhooks::{AsyncWebhookHandler, Delivery, Fee, HandlerResult, WebhookType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HMAC_KEY: &str = "9f3b51c2-limits-key";
const HEADER_TIMEOUT: Duration = Duration::from_millis(400);
const BODY_TIMEOUT: Duration = Duration::from_millis(400);
const DEADLINE: Duration = Duration::from_millis(300);
/// How long a slow handler takes: well past the deadline.
const SLOW: Duration = Duration::from_millis(900);

/// Panics on the first attempt at `panicky-*` keys and sleeps past the deadline on the
/// first attempt at `slow-*` keys; records what it handles.
#[derive(Clone, Default)]
struct Moody {
    handled: Arc<Mutex<Vec<String>>>,
    panicked: Arc<AtomicUsize>,
    slowed: Arc<AtomicUsize>,
}

impl AsyncWebhookHandler for Moody {
    async fn on_fee_created(&self, _: Fee, delivery: &Delivery) -> HandlerResult {
        let key = delivery.unique_key.clone().unwrap_or_default();
        if key.starts_with("panicky") && self.panicked.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("the ledger exploded");
        }
        if key.starts_with("slow") && self.slowed.fetch_add(1, Ordering::SeqCst) == 0 {
            tokio::time::sleep(SLOW).await;
        }
        self.handled.lock().unwrap().push(key);
        Ok(())
    }
}

struct Endpoint {
    addr: SocketAddr,
    handler: Moody,
    rejected: Arc<Mutex<Vec<Vec<u8>>>>,
}

async fn start(max_connections: usize) -> Endpoint {
    let handler = Moody::default();
    let rejected = Arc::new(Mutex::new(Vec::new()));
    let hook = Arc::clone(&rejected);
    let receiver = Receiver::new(Verifier::new().with_hmac(HMAC_KEY).unwrap(), handler.clone())
        .with_body_limit(64 * 1024)
        .with_body_timeout(BODY_TIMEOUT)
        .with_handler_deadline(Some(DEADLINE))
        .with_rejection_hook(move |rejection| hook.lock().unwrap().push(rejection.body.to_vec()));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = Limits::default().with_header_timeout(HEADER_TIMEOUT).with_max_connections(max_connections);
    tokio::spawn(serve(listener, receiver.into_router("/webhooks"), limits));
    Endpoint { addr, handler, rejected }
}

/// The head of a signed request for `body` under `unique_key`, with `content_length`.
fn head(body: &str, unique_key: &str, content_length: usize) -> String {
    let signature = HmacKey::new(HMAC_KEY).sign(body.as_bytes());
    let mut head = format!("POST /webhooks HTTP/1.1\r\nhost: lago\r\ncontent-length: {content_length}\r\n");
    for (name, value) in &lago_headers(Algorithm::Hmac, &signature, unique_key).unwrap() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head + "\r\n"
}

/// Writes `bytes`, then reads until the server answers or closes, or `patience` runs out
/// (`None`). Returns the status (0 for a close without an answer) and how long it took.
async fn exchange(addr: SocketAddr, bytes: &[u8], patience: Duration) -> Option<(u16, Duration)> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let start = Instant::now();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        match tokio::time::timeout(patience.saturating_sub(start.elapsed()), stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buffer[..n]);
                // The status line and headers are the answer; the connection may stay open.
                if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        }
    }
    let status = String::from_utf8_lossy(&answer).split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Some((status, start.elapsed()))
}

fn deliver(body: &str, unique_key: &str) -> Vec<u8> {
    (head(body, unique_key, body.len()) + body).into_bytes()
}

#[tokio::test]
async fn stalled_requests_are_closed_within_their_timeouts() {
    let endpoint = start(64).await;
    let body = WebhookType::FeeCreated.example();
    // Headers that never end: closed by the header timeout, without an answer.
    let (status, took) =
        exchange(endpoint.addr, b"POST /webhooks HTTP/1.1\r\nhost: lago\r\n", Duration::from_secs(5))
            .await
            .expect("the server closes a request stalled in its headers");
    assert!(status == 0 || status == 408, "{status}");
    // Never before its timeout (how long after it depends on the machine's load).
    assert!(took >= HEADER_TIMEOUT, "{took:?}");
    // A body that stops halfway: 408 after the body timeout.
    let half = head(body, "stalled-body", body.len()) + &body[..body.len() / 2];
    let (status, took) = exchange(endpoint.addr, half.as_bytes(), Duration::from_secs(5))
        .await
        .expect("the server answers a request stalled in its body");
    assert_eq!(status, 408);
    assert!(took >= BODY_TIMEOUT, "{took:?}");
    // A body declared far over the limit and never sent: 413 from the declared length (a
    // server that waited for the body would answer 408).
    let declared = head(body, "oversize", 100 * 1024 * 1024);
    let (status, _) = exchange(endpoint.addr, declared.as_bytes(), Duration::from_secs(5)).await.unwrap();
    assert_eq!(status, 413);
    assert!(endpoint.handler.handled.lock().unwrap().is_empty());
}

#[tokio::test]
async fn stalled_connections_past_the_cap_do_not_stop_real_deliveries() {
    let endpoint = start(8).await;
    let mut idle = Vec::new();
    for _ in 0..32 {
        let mut stream = TcpStream::connect(endpoint.addr).await.unwrap();
        stream.write_all(b"POST /webhooks HTTP/1.1\r\n").await.unwrap();
        idle.push(stream);
    }
    let body = WebhookType::FeeCreated.example();
    // Each wave of 8 stalled connections is closed after the header timeout, so the
    // delivery gets its turn; the patience only keeps a broken server from hanging the test.
    let (status, _) =
        exchange(endpoint.addr, &deliver(body, "real-1"), Duration::from_secs(60)).await.expect("answered");
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_panicking_handler_gets_500_and_its_retry_is_handled_once() {
    let endpoint = start(64).await;
    let request = deliver(WebhookType::FeeCreated.example(), "panicky-1");
    let patience = Duration::from_secs(5);
    assert_eq!(exchange(endpoint.addr, &request, patience).await.unwrap().0, 500);
    assert_eq!(exchange(endpoint.addr, &request, patience).await.unwrap().0, 200, "the key was freed");
    assert_eq!(exchange(endpoint.addr, &request, patience).await.unwrap().0, 200, "already handled");
    assert_eq!(*endpoint.handler.handled.lock().unwrap(), ["panicky-1"]);
}

#[tokio::test]
async fn a_handler_past_its_deadline_is_answered_503_and_stopped() {
    let endpoint = start(64).await;
    let request = deliver(WebhookType::FeeCreated.example(), "slow-1");
    let (status, took) = exchange(endpoint.addr, &request, Duration::from_secs(5)).await.unwrap();
    assert_eq!(status, 503);
    // Not before the deadline; 503, not the handler's 200, shows it did not wait for it.
    assert!(took >= DEADLINE, "{took:?}");
    // Had it gone on, it would have recorded the delivery by now.
    tokio::time::sleep(SLOW).await;
    assert!(endpoint.handler.handled.lock().unwrap().is_empty(), "the handler was stopped");
    // The key was freed: Lago's retry is handled, once.
    assert_eq!(exchange(endpoint.addr, &request, Duration::from_secs(5)).await.unwrap().0, 200);
    assert_eq!(exchange(endpoint.addr, &request, Duration::from_secs(5)).await.unwrap().0, 200);
    assert_eq!(*endpoint.handler.handled.lock().unwrap(), ["slow-1"]);
}

#[tokio::test]
async fn a_body_trickling_in_is_cut_off_at_the_body_timeout() {
    let endpoint = start(64).await;
    let body = WebhookType::FeeCreated.example();
    let mut stream = TcpStream::connect(endpoint.addr).await.unwrap();
    stream.write_all(head(body, "trickle", body.len()).as_bytes()).await.unwrap();
    // A byte every 50 ms: never idle long, and a minute to arrive whole (it would then be
    // answered 200). A timeout per read would not fire; only one on the whole body does.
    let mut answer = Vec::new();
    for byte in body.as_bytes() {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut buffer = [0; 1024];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buffer)).await {
            answer.extend_from_slice(&buffer[..n]);
            break;
        }
    }
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn unusable_unique_keys_are_refused_and_malformed_bodies_reach_the_hook() {
    let endpoint = start(64).await;
    let body = WebhookType::FeeCreated.example();
    let patience = Duration::from_secs(5);
    let long_key = "k".repeat(300);
    assert_eq!(exchange(endpoint.addr, &deliver(body, &long_key), patience).await.unwrap().0, 400);
    let malformed = body.replacen("\"amount_cents\":40", "\"amount_cents\":\"forty\"", 1);
    assert_ne!(malformed, body);
    assert_eq!(exchange(endpoint.addr, &deliver(&malformed, "malformed-1"), patience).await.unwrap().0, 400);
    assert_eq!(*endpoint.rejected.lock().unwrap(), [malformed.into_bytes()]);
    assert!(endpoint.handler.handled.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_receiver_may_require_the_unique_key() {
    let receiver = Receiver::new(Verifier::new().with_hmac(HMAC_KEY).unwrap(), Moody::default())
        .with_required_unique_key(true);
    let body = WebhookType::FeeCreated.example();
    let mut headers =
        lago_headers(Algorithm::Hmac, &HmacKey::new(HMAC_KEY).sign(body.as_bytes()), "k").unwrap();
    headers.remove("x-lago-unique-key");
    let outcome = receiver.receive(&headers, body.as_bytes()).await;
    assert_eq!(outcome.status(), 400);
    assert_eq!(outcome.to_string(), "delivery refused: the unique key header is missing");
    headers.insert("x-lago-unique-key", " ".parse().unwrap());
    assert_eq!(receiver.receive(&headers, body.as_bytes()).await.status(), 400, "a blank key is none");
}
