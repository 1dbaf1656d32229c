//! The receiver's logs (the `tracing` feature): a span per delivery with its webhook type,
//! unique key and outcome, refusals at warn with the status, webhook type, JSON Pointer
//! and reason their answer gives, store failures told as such, and never the body, a
//! signature or a key, nor a control character a sender put in a field.

use std::io::Write;
use std::sync::{Arc, Mutex};

use lago_webhooks::dedup::{Deduplicate, RedisDeduplicator};
use lago_webhooks::receiver::Receiver;
use lago_webhooks::verify::{Algorithm, HmacKey, Verifier, lago_headers};
use lago_webhooks::{AsyncWebhookHandler, Delivery, Fee, HandlerResult, WebhookEvent, WebhookType};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

const HMAC_KEY: &str = "5f0c2a9e-logs-key-7d1b";

/// Everything the subscriber writes.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Counts the fees it is handed.
#[derive(Default)]
struct Books {
    fees: Mutex<usize>,
}

impl AsyncWebhookHandler for Books {
    async fn on_fee_created(&self, _: Fee, _: &Delivery) -> HandlerResult {
        *self.fees.lock().unwrap() += 1;
        Ok(())
    }
}

fn verifier() -> Verifier {
    Verifier::new()
        .with_hmac(HMAC_KEY)
        .unwrap()
        .with_jwt(include_str!("../fixtures/signing/lago-test-public.pem"), "https://api.getlago.com")
        .unwrap()
}

/// Runs `deliveries` through a validating receiver and returns what was logged.
fn logged(deliveries: &[(http::HeaderMap, &str, u16)]) -> String {
    logged_by(&Receiver::new(verifier(), Books::default()).with_validation(true), deliveries)
}

/// Runs `deliveries` through `receiver`, asserting the status of each, and returns what
/// was logged.
fn logged_by<D: Deduplicate>(
    receiver: &Receiver<WebhookEvent, Books, D>,
    deliveries: &[(http::HeaderMap, &str, u16)],
) -> String {
    capturing(async {
        for (headers, body, status) in deliveries {
            let outcome = receiver.receive(headers, body.as_bytes()).await;
            assert_eq!(outcome.status(), *status, "{outcome}");
        }
    })
}

/// Runs `work` on a runtime of this thread, where everything logged is captured, and
/// returns what was.
pub fn capturing(work: impl std::future::Future<Output = ()>) -> String {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(FmtSpan::CLOSE)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        // Other tests log from other threads without a subscriber: a callsite they reach
        // first may have cached "nobody listens" while this subscriber was being set.
        tracing::callsite::rebuild_interest_cache();
        // One thread: the tasks a store spawns log here too.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(work);
    });
    String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
}

fn signed(body: &str, unique_key: &str) -> (http::HeaderMap, String) {
    let signature = HmacKey::new(HMAC_KEY).sign(body.as_bytes());
    (lago_headers(Algorithm::Hmac, &signature, unique_key).unwrap(), signature)
}

#[test]
fn a_handled_and_a_refused_delivery_are_logged_without_body_or_signature() {
    let body = WebhookType::FeeCreated.example();
    let (good, good_signature) = signed(body, "log-handled-1");
    let forged = lago_headers(Algorithm::Hmac, "Zm9yZ2VkLXNpZ25hdHVyZQ==", "log-forged-2").unwrap();
    // A signed body whose value is wrongly typed: its error message would quote the value.
    let secret = "SECRET-PAYLOAD-VALUE";
    let malformed = body.replacen("\"units\":\"", &format!("\"units\":{{\"x\":\"{secret}\"}},\"was\":\""), 1);
    assert_ne!(malformed, body, "the example has units to break");
    let (malformed_headers, malformed_signature) = signed(&malformed, "log-malformed-3");

    let logs = logged(&[(good, body, 200), (forged, body, 401), (malformed_headers, &malformed, 400)]);

    // One span per delivery, with its webhook type, unique key and outcome.
    let closes: Vec<&str> = logs.lines().filter(|line| line.contains("close")).collect();
    assert_eq!(closes.len(), 3, "{logs}");
    for (line, key, outcome) in [
        (closes[0], "log-handled-1", "handled"),
        (closes[1], "log-forged-2", "unverified"),
        (closes[2], "log-malformed-3", "malformed"),
    ] {
        assert!(line.contains(&format!("unique_key=\"{key}\"")), "{line}");
        assert!(line.contains(&format!("outcome=\"{outcome}\"")), "{line}");
    }
    assert!(closes[0].contains("webhook_type=\"fee.created\""), "{}", closes[0]);
    // Refusals at warn, with their reason.
    let warnings: Vec<&str> = logs.lines().filter(|line| line.contains("WARN")).collect();
    assert_eq!(warnings.len(), 2, "{logs}");
    assert!(warnings[0].contains("signature refused: the signature does not match"), "{}", warnings[0]);
    assert!(warnings[1].contains("body refused: Data error at line 1, column "), "{}", warnings[1]);
    // Each with the status, and what the answer names: the malformed body's webhook type
    // and the JSON Pointer of the value it could not read.
    assert!(warnings[0].contains("status=401"), "{}", warnings[0]);
    assert!(!warnings[0].contains("pointer="), "{}", warnings[0]);
    for field in ["status=400", "webhook_type=\"fee.created\"", "pointer=\"/fee/units\""] {
        assert!(warnings[1].contains(field), "{field} missing: {}", warnings[1]);
    }
    assert!(closes[2].contains("webhook_type=\"fee.created\""), "{}", closes[2]);

    // Never the body (nor a value from it), a signature or the key.
    let lago_id = serde_json::from_str::<serde_json::Value>(body).unwrap()["fee"]["lago_id"].to_string();
    for secret in [body, &malformed, lago_id.trim_matches('"'), secret, &good_signature, &malformed_signature]
        .into_iter()
        .chain(["Zm9yZ2VkLXNpZ25hdHVyZQ==", HMAC_KEY])
    {
        assert!(!logs.contains(secret), "the logs hold {secret:?}:\n{logs}");
    }
}

#[test]
fn what_a_caller_controls_is_never_logged_verbatim() {
    use base64::Engine;
    let b64 = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    let body = WebhookType::FeeCreated.example();
    // A JWT whose header tries to write a log line of its own.
    let token = format!("{}.{}.c2ln", b64("{\"alg\":\"RS256\\n2026-11-29 INFO FORGED-LINE\"}"), b64("{}"));
    let injected = lago_headers(Algorithm::Jwt, &token, "log-jwt-1").unwrap();
    // A signed payload breaking the spec, whose violation message would quote its value.
    let invalid = body.replacen("\"lago_id\":\"", "\"lago_id\":\"NOT-A-UUID-SECRET-", 1);
    assert_ne!(invalid, body);
    let (invalid_headers, _) = signed(&invalid, "log-invalid-2");
    // A unique key far longer than Lago's is refused, and not logged whole.
    let long_key = format!("k{}", "x".repeat(200));
    let (long, _) = signed(body, &long_key);

    let logs = logged(&[(injected, body, 401), (invalid_headers, &invalid, 422), (long, body, 200)]);

    assert!(!logs.contains("FORGED-LINE"), "{logs}");
    assert!(logs.contains("signature refused: the JWT algorithm is not RS256"), "{logs}");
    assert!(!logs.contains("SECRET"), "{logs}");
    assert!(logs.contains("payload refused: 1 violation(s): format.uuid at /fee/lago_id;"), "{logs}");
    let invalid = logs.lines().find(|line| line.contains("payload refused")).unwrap();
    for field in ["status=422", "webhook_type=\"fee.created\"", "pointer=\"/fee/lago_id\"", "violations=1"] {
        assert!(invalid.contains(field), "{field} missing: {invalid}");
    }
    assert!(!logs.contains(&long_key), "{logs}");
    assert!(logs.contains(&long_key[..128]), "the key is logged cut to 128 characters: {logs}");
}

#[test]
fn a_control_character_in_a_signed_field_is_escaped_in_the_logs() {
    // Signed bodies whose webhook type tries to end the log line and write one of its own
    // (a line break, then a terminal escape that erases the line): one that does not parse
    // (trailing text), refused with its type named, and one Lago may send some day,
    // handled as an unknown type.
    let forged = r#"fee.created\n\u001b[2K2026-11-29T00:00:00Z  INFO FORGED-TYPE-LINE"#;
    let refused = format!(r#"{{"webhook_type":"{forged}","object_type":"fee"}} trailing"#);
    let unknown = format!(r#"{{"webhook_type":"{forged}","object_type":"fee"}}"#);
    let (refused_headers, _) = signed(&refused, "log-control-1");
    let (unknown_headers, _) = signed(&unknown, "log-control-2");

    let logs = logged(&[(refused_headers, &refused, 400), (unknown_headers, &unknown, 200)]);

    let refusal = logs.lines().find(|line| line.contains("WARN")).unwrap();
    assert!(refusal.contains("status=400"), "{refusal}");
    // The error is about the envelope as a whole: like the answer, the log names no pointer.
    assert!(!refusal.contains("pointer="), "{refusal}");
    assert!(!logs.contains('\u{1b}'), "{logs:?}");
    // Every mention of the forged text is inside a line of the receiver's, escaped.
    let mentions: Vec<&str> = logs.lines().filter(|line| line.contains("FORGED-TYPE-LINE")).collect();
    assert!(mentions.len() >= 3, "the refusal, and both deliveries' spans: {logs}");
    for line in mentions {
        assert!(line.contains(r#"webhook_type="fee.created\\n\\u{1b}[2K2026-11-29"#), "{line}");
    }
}

#[test]
fn a_redis_outage_is_logged_as_the_store_failing_and_answered_503() {
    // A port nothing listens on: the store cannot be reached.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let store = RedisDeduplicator::new(&format!("redis://{closed}")).unwrap();
    let receiver = Receiver::new(verifier(), Books::default()).with_deduplicator(store);
    let body = WebhookType::FeeCreated.example();
    let (headers, _) = signed(body, "log-outage-1");

    let logs = logged_by(&receiver, &[(headers, body, 503)]);

    assert_eq!(*receiver.handler().fees.lock().unwrap(), 0, "not handled without its claim");
    let failure = logs.lines().find(|line| line.contains("ERROR")).unwrap_or_else(|| panic!("{logs}"));
    assert!(failure.contains("lago webhook deduplication store failed"), "{failure}");
    assert!(failure.contains("store=\"redis\""), "{failure}");
    assert!(failure.contains("operation=\"claim\""), "{failure}");
    assert!(!logs.contains("handler failed"), "{logs}");
    let close = logs.lines().find(|line| line.contains("close")).unwrap();
    assert!(close.contains("outcome=\"store_failed\""), "{close}");
}
