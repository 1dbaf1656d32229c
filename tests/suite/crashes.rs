//! No delivery lost to a crash, a deploy or a header size, with a sender that retries as
//! Lago does (`lago_sender`): a receiver killed mid-handler (SIGKILL) or stopped
//! (SIGTERM, as `docker stop` and Kubernetes stop it) and started again at once, sharing
//! its deduplication in Redis or PostgreSQL, gets every delivery handled; a JWT-signed
//! delivery of 900 KiB is answered 200.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use lago_webhooks::receiver::Receiver;
use lago_webhooks::server::{Limits, serve};
use lago_webhooks::verify::{Algorithm, HmacKey, JwtSigner, Verifier, lago_headers};
use lago_webhooks::{AsyncWebhookHandler, Delivery, HandlerResult, Invoice, WebhookType};
use serde_json::Value;

use crate::lago_sender::{Sent, send_as_lago};
use crate::processes::{Child, HMAC_KEY, Record, Settings, recorded};
use crate::services::{Schema, postgres_url, redis_prefix, redis_url};

/// Deliveries in flight when the receiver goes down.
const DELIVERIES: usize = 40;
/// How long the handler works: the signal comes while every delivery is being handled.
const HANDLER: Duration = Duration::from_millis(1500);

#[derive(Clone, Copy, Debug)]
enum Stop {
    /// SIGKILL: the process dies at once, with its handlers.
    Kill,
    /// SIGTERM: the process stops accepting and answers what it is handling.
    Terminate,
}

/// Sends [`DELIVERIES`] deliveries as Lago does to a receiver child deduplicating in
/// `dedup_url` under `dedup_name`, stops it with `stop` while they are handled, starts it
/// again at once on the same port, and returns what Lago saw of each and the keys the
/// handlers recorded.
async fn stop_mid_handler(stop: Stop, dedup_url: String, dedup_name: String) -> (Vec<Sent>, Vec<Record>) {
    let record = std::env::temp_dir().join(format!("lago-webhooks-crash-{}.keys", crate::services::run_id()));
    let settings = Settings {
        dedup_url: Some(dedup_url),
        dedup_name: Some(dedup_name),
        record: Some(record.clone()),
        handler_delay: HANDLER,
        ..Settings::default()
    };
    let mut first = Child::start("receiver", &settings);
    let addr = first.addr;
    let body = WebhookType::FeeCreated.example().as_bytes();
    let signature = HmacKey::new(HMAC_KEY).sign(body);
    let senders: Vec<_> = (0..DELIVERIES)
        .map(|i| {
            let headers = lago_headers(Algorithm::Hmac, &signature, &format!("{stop:?}-{i}")).unwrap();
            tokio::spawn(async move { send_as_lago(addr, &headers, body).await })
        })
        .collect();
    // Every delivery has reached its handler, none is done.
    tokio::time::sleep(HANDLER / 2).await;
    let restarted = tokio::task::spawn_blocking(move || {
        match stop {
            Stop::Kill => first.kill(),
            Stop::Terminate => first.terminate(),
        }
        let exited = first.wait();
        assert!(matches!(stop, Stop::Kill) || exited, "a terminated receiver exits cleanly");
        Child::start("receiver", &Settings { port: addr.port(), ..settings })
    });
    let mut sent = Vec::new();
    for sender in senders {
        sent.push(sender.await.unwrap());
    }
    let restarted = restarted.await.unwrap();
    drop(restarted);
    let keys = recorded(&record);
    let _ = std::fs::remove_file(&record);
    (sent, keys)
}

/// Every delivery was delivered as Lago sees it and handled; returns the tries each took.
fn assert_none_lost(stop: Stop, sent: &[Sent], records: &[Record]) -> Vec<usize> {
    for (i, sent) in sent.iter().enumerate() {
        assert!(sent.delivered(), "{stop:?}: delivery {i} lost: {:?}", sent.tries);
    }
    let mut handled: HashMap<&str, usize> = HashMap::new();
    for record in records {
        *handled.entry(&record.key).or_default() += 1;
    }
    for i in 0..DELIVERIES {
        let key = format!("{stop:?}-{i}");
        assert!(handled.contains_key(key.as_str()), "{stop:?}: {key} answered but never handled");
    }
    // The handler records last, so a killed attempt recorded nothing: each once.
    assert!(handled.values().all(|n| *n == 1), "{stop:?}: handled twice: {handled:?}");
    sent.iter().map(|sent| sent.tries.len()).collect()
}

async fn stops_lose_nothing(store: &str, dedup_url: String, name: impl Fn(Stop) -> String) {
    let (killed, terminated) = tokio::join!(
        stop_mid_handler(Stop::Kill, dedup_url.clone(), name(Stop::Kill)),
        stop_mid_handler(Stop::Terminate, dedup_url.clone(), name(Stop::Terminate)),
    );
    assert_none_lost(Stop::Kill, &killed.0, &killed.1);
    // Each killed attempt's claim lapsed before Lago's next try: no retry was told to come
    // back later (409), the one answer a claim held too long gives.
    for sent in &killed.0 {
        assert!(
            !sent.tries.contains(&Ok(409)),
            "{store}, killed: a claim outlived its attempt: {:?}",
            sent.tries
        );
    }
    let tries = assert_none_lost(Stop::Terminate, &terminated.0, &terminated.1);
    // A graceful stop answers what it was handling: no retry needed.
    assert!(tries.iter().all(|n| *n == 1), "{store}, terminated: tries per delivery {tries:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_killed_or_stopped_mid_handler_loses_nothing_with_redis_or_postgres() {
    let prefix = redis_prefix();
    let schema = Schema::create().await;
    let table = |stop: Stop| format!("{}.{}", schema.name, format!("{stop:?}").to_lowercase());
    tokio::join!(
        stops_lose_nothing("redis", redis_url(), |stop| format!("{prefix}{stop:?}:")),
        stops_lose_nothing("postgres", postgres_url(), table),
    );
    schema.drop().await;
}

/// An invoice of `fees` fees, as Lago sends one: the bundled example's charge fee repeated.
fn large_invoice(fees: usize) -> String {
    let mut message: Value = serde_json::from_str(WebhookType::InvoiceCreated.example()).unwrap();
    let template = message["invoice"]["fees"].as_array().unwrap()[0].clone();
    message["invoice"]["fees"] = (0..fees)
        .map(|i| {
            let mut fee = template.clone();
            fee["lago_id"] = format!("1c2d3e4f-5a6b-4c7d-8e9f-{i:012}").into();
            fee
        })
        .collect::<Vec<_>>()
        .into();
    serde_json::to_string(&message).unwrap()
}

/// Counts the invoices handled and their fees.
#[derive(Clone, Default)]
struct Fees(std::sync::Arc<std::sync::Mutex<Vec<usize>>>);

impl AsyncWebhookHandler for Fees {
    async fn on_invoice_created(&self, invoice: Invoice, _: &Delivery) -> HandlerResult {
        self.0.lock().unwrap().push(invoice.fees.map_or(0, |fees| fees.len()));
        Ok(())
    }
}

const LAGO_PRIVATE_KEY: &str = include_str!("../fixtures/signing/lago-test-private.pem");
const LAGO_PUBLIC_KEY: &str = include_str!("../fixtures/signing/lago-test-public.pem");
const ISSUER: &str = "https://api.getlago.com";

/// Serves a JWT-verifying receiver with `limits`; returns its address and handler.
async fn jwt_endpoint(limits: Limits) -> (SocketAddr, Fees) {
    let fees = Fees::default();
    let verifier = Verifier::new().with_jwt(LAGO_PUBLIC_KEY, ISSUER).unwrap();
    let receiver = Receiver::new(verifier, fees.clone());
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, receiver.into_router("/webhooks"), limits));
    (addr, fees)
}

#[tokio::test]
async fn a_jwt_signed_delivery_of_900_kib_is_answered_200() {
    let mut fees = 1;
    let body = loop {
        let body = large_invoice(fees);
        if body.len() >= 900 * 1024 {
            break body;
        }
        fees = fees * 900 * 1024 / body.len() + 1;
    };
    assert!(body.len() < 1024 * 1024, "under the default body limit: {}", body.len());
    let token = JwtSigner::new(LAGO_PRIVATE_KEY, ISSUER).unwrap().sign(body.as_bytes()).unwrap();
    assert!(token.len() > body.len(), "the signature carries the body: {} bytes", token.len());
    let headers = lago_headers(Algorithm::Jwt, &token, "a-large-invoice").unwrap();

    let (addr, handled) = jwt_endpoint(Limits::default()).await;
    let sent = send_as_lago(addr, &headers, body.as_bytes()).await;
    assert_eq!(sent.tries, [Ok(200)], "{} bytes of body, {} of signature", body.len(), token.len());
    assert_eq!(*handled.0.lock().unwrap(), [fees]);

    // Where the head is limited below the signature's size, the answer is 431, which
    // Lago retries and then gives up on: the limit is what admits the large ones.
    let (addr, handled) = jwt_endpoint(Limits::default().with_max_header_bytes(256 * 1024)).await;
    let refused =
        crate::lago_sender::client::post(addr, "/webhooks", &headers, body.into_bytes()).await.unwrap();
    assert_eq!(refused.0, 431);
    assert!(handled.0.lock().unwrap().is_empty());
}
