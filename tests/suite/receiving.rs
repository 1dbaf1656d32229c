//! Receiving over real HTTP on 127.0.0.1: every docs example, signed as Lago signs, is
//! accepted and dispatched once; everything else gets the status Lago must see.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use base64::Engine;
use lago_webhooks::receiver::Receiver;
use lago_webhooks::verify::{Algorithm, HmacKey, JwtSigner, Verifier, lago_headers};
use lago_webhooks::{AsyncWebhookHandler, Delivery, HandlerResult, WebhookEvent};

use crate::fixtures::DOCS;
use crate::lago_sender::client;

const HMAC_KEY: &str = "0c7d3b8a-41f6-4e2b-9a5d-6e8f1c2b3a4d";
const ISSUER: &str = "https://api.getlago.com";

/// Lago's key pair, and another instance's.
const LAGO: (&str, &str) = (
    include_str!("../fixtures/signing/lago-test-private.pem"),
    include_str!("../fixtures/signing/lago-test-public.pem"),
);
const OTHER_LAGO: (&str, &str) = (
    include_str!("../fixtures/signing/other-private.pem"),
    include_str!("../fixtures/signing/other-public.pem"),
);

/// Records the webhook type of every dispatch; fails on demand.
#[derive(Clone, Default)]
struct Recorder {
    dispatched: Arc<Mutex<Vec<String>>>,
    fail: Arc<Mutex<bool>>,
}

impl Recorder {
    /// Makes the handler fail every delivery, or handle them again.
    fn failing(&self, fails: bool) {
        *self.fail.lock().unwrap() = fails;
    }
}

impl AsyncWebhookHandler for Recorder {
    async fn handle(&self, event: WebhookEvent, _: &Delivery) -> HandlerResult {
        if *self.fail.lock().unwrap() {
            return Err("the ledger is down".into());
        }
        self.dispatched.lock().unwrap().push(event.webhook_type().to_owned());
        Ok(())
    }
}

/// A test instance: Lago's keys made here, a receiver serving on an ephemeral port.
struct Instance {
    addr: SocketAddr,
    recorder: Recorder,
    jwt: JwtSigner,
    hmac: HmacKey,
}

/// Lago's public key as its API returns it: Base64 of the PEM, a line break every 60.
fn as_lago_returns_it(pem: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(pem);
    encoded.as_bytes().chunks(60).map(|line| format!("{}\n", String::from_utf8_lossy(line))).collect()
}

/// The `fee.created` docs example.
fn fee_created() -> &'static str {
    DOCS.iter().find(|f| f.webhook_type == "fee.created").unwrap().valid()
}

/// The headers Lago sends with `body` signed with [`HMAC_KEY`], under `unique_key`.
fn hmac_headers(body: &str, unique_key: &str) -> http::HeaderMap {
    lago_headers(Algorithm::Hmac, &HmacKey::new(HMAC_KEY).sign(body.as_bytes()), unique_key).unwrap()
}

async fn start(body_limit: Option<usize>) -> Instance {
    start_with(LAGO, body_limit).await
}

async fn start_with((private, public): (&str, &str), body_limit: Option<usize>) -> Instance {
    let verifier =
        Verifier::new().with_hmac(HMAC_KEY).unwrap().with_jwt(&as_lago_returns_it(public), ISSUER).unwrap();
    let recorder = Recorder::default();
    let mut receiver = Receiver::new(verifier, recorder.clone());
    if let Some(limit) = body_limit {
        receiver = receiver.with_body_limit(limit);
    }
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = receiver.into_router("/webhooks");
    tokio::spawn(async move { axum::serve(listener, router).await });
    let jwt = JwtSigner::new(private, ISSUER).unwrap();
    Instance { addr, recorder, jwt, hmac: HmacKey::new(HMAC_KEY) }
}

impl Instance {
    fn signature(&self, algorithm: Algorithm, body: &str) -> String {
        match algorithm {
            Algorithm::Hmac => self.hmac.sign(body.as_bytes()),
            Algorithm::Jwt => self.jwt.sign(body.as_bytes()).unwrap(),
        }
    }

    async fn send(&self, headers: &http::HeaderMap, body: &str) -> (u16, String) {
        client::post(self.addr, "/webhooks", headers, body.into()).await.unwrap()
    }

    /// Sends `body` signed by `algorithm`, under `unique_key`.
    async fn deliver(&self, algorithm: Algorithm, body: &str, unique_key: &str) -> u16 {
        let headers = lago_headers(algorithm, &self.signature(algorithm, body), unique_key).unwrap();
        self.send(&headers, body).await.0
    }

    fn dispatched(&self) -> Vec<String> {
        std::mem::take(&mut *self.recorder.dispatched.lock().unwrap())
    }
}

#[tokio::test]
async fn every_docs_example_signed_either_way_is_accepted_and_dispatched_once() {
    let lago = start(None).await;
    for (i, fixture) in DOCS.iter().enumerate() {
        for algorithm in [Algorithm::Hmac, Algorithm::Jwt] {
            let key = format!("{algorithm}-{i}");
            assert_eq!(
                lago.deliver(algorithm, fixture.valid(), &key).await,
                200,
                "{} {algorithm}",
                fixture.webhook_type
            );
            assert_eq!(lago.dispatched(), [fixture.webhook_type], "{} {algorithm}", fixture.webhook_type);
        }
    }
}

#[tokio::test]
async fn forged_and_unsigned_deliveries_get_401_and_reach_no_handler() {
    let lago = start(None).await;
    let body = DOCS[2].valid();
    let tampered = body.replacen("120", "121", 1);
    let other_lago = start_with(OTHER_LAGO, None).await;
    let wrong_hmac = HmacKey::new("another-organization-key").sign(body.as_bytes());
    let other_instance = JwtSigner::new(LAGO.0, "https://api.eu.getlago.com").unwrap();
    // Lago's HMAC headers for the body under `key`, then changed.
    let changed = |key: &str, change: fn(&mut http::HeaderMap)| {
        let mut headers = lago_headers(Algorithm::Hmac, &lago.signature(Algorithm::Hmac, body), key).unwrap();
        change(&mut headers);
        headers
    };
    let cases: Vec<(&str, http::HeaderMap, &str)> = vec![
        (
            "tampered body, hmac",
            lago_headers(Algorithm::Hmac, &lago.signature(Algorithm::Hmac, body), "k1").unwrap(),
            &tampered,
        ),
        (
            "tampered body, jwt",
            lago_headers(Algorithm::Jwt, &lago.signature(Algorithm::Jwt, body), "k2").unwrap(),
            &tampered,
        ),
        ("wrong hmac key", lago_headers(Algorithm::Hmac, &wrong_hmac, "k3").unwrap(), body),
        (
            "wrong rsa key",
            lago_headers(Algorithm::Jwt, &other_lago.signature(Algorithm::Jwt, body), "k4").unwrap(),
            body,
        ),
        (
            "missing signature",
            changed("k5", |headers| {
                headers.remove("x-lago-signature");
            }),
            body,
        ),
        (
            "missing algorithm",
            changed("k6", |headers| {
                headers.remove("x-lago-signature-algorithm");
            }),
            body,
        ),
        (
            "unknown algorithm",
            changed("k7", |headers| {
                headers.insert("x-lago-signature-algorithm", "rsa-sha512".parse().unwrap());
            }),
            body,
        ),
        (
            "wrong issuer",
            {
                let token = other_instance.sign(body.as_bytes()).unwrap();
                lago_headers(Algorithm::Jwt, &token, "k8").unwrap()
            },
            body,
        ),
    ];
    for (name, headers, body) in cases {
        let (status, text) = lago.send(&headers, body).await;
        assert_eq!(status, 401, "{name}: {text}");
        assert!(text.starts_with("signature refused: "), "{name}: {text}");
    }
    assert!(lago.dispatched().is_empty());
}

#[tokio::test]
async fn the_same_unique_key_twice_is_handled_once_and_answered_200_twice() {
    let lago = start(None).await;
    let body = fee_created();
    assert_eq!(lago.deliver(Algorithm::Hmac, body, "same-key").await, 200);
    assert_eq!(lago.deliver(Algorithm::Jwt, body, "same-key").await, 200);
    assert_eq!(lago.dispatched(), ["fee.created"]);
}

#[tokio::test]
async fn a_failed_handler_gets_a_retry() {
    let lago = start(None).await;
    lago.recorder.failing(true);
    assert_eq!(lago.deliver(Algorithm::Hmac, fee_created(), "retried").await, 500);
    lago.recorder.failing(false);
    assert_eq!(lago.deliver(Algorithm::Hmac, fee_created(), "retried").await, 200);
    assert_eq!(lago.dispatched(), ["fee.created"]);
}

#[tokio::test]
async fn malformed_json_gets_400_and_an_unknown_type_200() {
    let lago = start(None).await;
    let invalid = DOCS.iter().find(|f| f.corrected.is_some()).unwrap().verbatim;
    assert_eq!(lago.deliver(Algorithm::Hmac, invalid, "bad").await, 400);
    let unknown = r#"{"webhook_type":"vault.created","object_type":"vault","vault":{"lago_id":"w"}}"#;
    assert_eq!(lago.deliver(Algorithm::Jwt, unknown, "new-type").await, 200);
    assert_eq!(lago.dispatched(), ["vault.created"]);
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413() {
    let lago = start(None).await;
    let padding = " ".repeat(1024 * 1024);
    let big = format!("{}{padding}", fee_created());
    assert_eq!(lago.deliver(Algorithm::Hmac, &big, "big").await, 413);
    let small = start(Some(256)).await;
    assert_eq!(small.deliver(Algorithm::Hmac, fee_created(), "small").await, 413);
    assert_eq!(small.deliver(Algorithm::Hmac, r#"{"webhook_type":"x.y"}"#, "tiny").await, 200);
    assert!(lago.dispatched().is_empty());
}

#[tokio::test]
async fn a_service_can_take_the_verified_event_with_its_unique_key() {
    let verifier = Verifier::new().with_hmac(HMAC_KEY).unwrap();
    let receiver = Receiver::new(verifier, Recorder::default()).with_validation(true);
    let body = fee_created();
    let headers = hmac_headers(body, "queued-1");
    let received = receiver.accept(&headers, body.as_bytes()).unwrap();
    assert_eq!(received.delivery.unique_key.as_deref(), Some("queued-1"));
    assert_eq!(received.delivery.algorithm, Some(Algorithm::Hmac));
    assert_eq!(received.delivery.organization_id, None, "the docs example has none");
    let current = lago_webhooks::WebhookType::FeeCreated.example();
    let headers = hmac_headers(current, "queued-3");
    let received = receiver.accept(&headers, current.as_bytes()).unwrap();
    assert_eq!(received.delivery.organization_id.as_deref(), Some("1a901a90-1a90-1a90-1a90-1a901a901a90"));
    assert_eq!(received.event.webhook_type(), "fee.created");
    // With validation on, a payload that breaks the spec is refused with its violations.
    let drafted = DOCS[1].valid();
    let headers = hmac_headers(drafted, "q2");
    let refused = receiver.receive(&headers, drafted.as_bytes()).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.to_string().contains("/invoice/fees/0/total_amount_currency"), "{refused}");
    assert!(receiver.handler().dispatched.lock().unwrap().is_empty());
}

/// Blocks each dispatch until told to go on, to hold a delivery in progress.
#[derive(Clone, Default)]
struct Slow {
    gate: Arc<tokio::sync::Notify>,
    dispatched: Arc<Mutex<usize>>,
}

impl AsyncWebhookHandler for Slow {
    async fn handle(&self, _: WebhookEvent, _: &Delivery) -> HandlerResult {
        self.gate.notified().await;
        *self.dispatched.lock().unwrap() += 1;
        Ok(())
    }
}

#[tokio::test]
async fn an_attempt_racing_another_gets_409_and_a_cancelled_one_frees_its_key() {
    let handler = Slow::default();
    let receiver = Arc::new(Receiver::new(Verifier::new().with_hmac(HMAC_KEY).unwrap(), handler.clone()));
    let body = fee_created();
    let headers = hmac_headers(body, "racing");
    // The first attempt starts and waits in the handler.
    let first = tokio::spawn({
        let (receiver, headers) = (Arc::clone(&receiver), headers.clone());
        async move { receiver.receive(&headers, body.as_bytes()).await.status() }
    });
    // Let it run until it waits in the handler (tests run on a single-threaded runtime).
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(receiver.receive(&headers, body.as_bytes()).await.status(), 409);
    // The caller hangs up: the first attempt is dropped mid-handling.
    first.abort();
    let _ = first.await;
    // Lago's retry is then handled.
    handler.gate.notify_one();
    assert_eq!(receiver.receive(&headers, body.as_bytes()).await.status(), 200);
    assert_eq!(*handler.dispatched.lock().unwrap(), 1);
    assert_eq!(
        receiver.receive(&headers, body.as_bytes()).await.status(),
        200,
        "done: answered, not handled"
    );
    assert_eq!(*handler.dispatched.lock().unwrap(), 1);
}
