//! The endpoint deliveries are posted to: the body read within the receiver's limit and
//! timeout, each delivery through the runtime's receiver once (verified, parsed,
//! deduplicated, answered), then kept for the page, recorded (when its signature
//! verified), forwarded (the same) and printed.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request};
use axum::routing::post;
use http::HeaderMap;
use lago_webhooks::dedup::Deduplicate;
use lago_webhooks::dynamic::{DynamicEvent, DynamicHandler};
use lago_webhooks::receiver::{DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT, Outcome, Receiver, read_body};
use lago_webhooks::verify::{ALGORITHM_HEADER, Algorithm, SIGNATURE_HEADER};
use lago_webhooks::{
    AsyncWebhookHandler, Delivery, Dispatch, HandlerResult, Received, Refusal, Validate, Webhook,
    WebhookEvent,
};
use serde_json::Value;

use super::forward::Forwarder;
use super::record::{Recorded, Recorder};
use super::store::{Entry, Forward, Store, Violation};
use super::terminal;
use crate::output::out;

/// Accepts everything: `listen` shows deliveries, it does not act on them.
pub struct Accept;

impl AsyncWebhookHandler for Accept {}

impl DynamicHandler for Accept {
    async fn handle(&self, _: DynamicEvent, _: &Delivery) -> HandlerResult {
        Ok(())
    }
}

/// What the endpoint does with each delivery besides answering it.
pub struct Keep {
    /// Where the page finds it.
    pub store: Store,
    /// `--record`.
    pub recorder: Option<Arc<Recorder>>,
    /// `--forward-to`.
    pub forwarder: Option<Arc<Forwarder>>,
}

/// The endpoint: `POST path`, each delivery through `receiver`, then through `keep`.
pub fn route<E, D>(path: &str, receiver: Receiver<E, Accept, D>, keep: Keep) -> Router
where
    E: Dispatch<Accept> + Shown,
    D: Deduplicate + 'static,
{
    let receiver = Arc::new(receiver);
    let keep = Arc::new(keep);
    let handle = move |request: Request| {
        let (receiver, keep) = (Arc::clone(&receiver), Arc::clone(&keep));
        async move {
            let at = SystemTime::now();
            let (parts, body) = request.into_parts();
            let (outcome, accepted, raw) =
                match read_body(&parts.headers, body, DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT).await {
                    Ok(raw) => {
                        let mut accepted = None;
                        let outcome = receiver
                            .receive_inspected(&parts.headers, &raw, |received| {
                                accepted = Some(Accepted::of(received))
                            })
                            .await;
                        (outcome, accepted, Some(raw))
                    }
                    Err(refusal) => (Outcome::Refused(refusal), None, None),
                };
            keep.delivery(at, &parts.headers, raw, accepted, &outcome).await;
            outcome
        }
    };
    // The body limit is applied while reading, in the runtime's `read_body`.
    Router::new().route(path, post(handle)).layer(DefaultBodyLimit::disable())
}

/// What `listen` shows of a webhook: the whole of it and its payload, as JSON.
pub trait Shown: Validate + Webhook {
    /// The webhook as its type holds it, serialized back: violations point into it.
    fn envelope_json(&self) -> Value;

    /// The payload object (the envelope's value under the payload key), or the whole
    /// envelope of a type the spec does not know.
    fn payload_json(&self, envelope: &Value) -> Value;
}

impl Shown for WebhookEvent {
    fn envelope_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    fn payload_json(&self, envelope: &Value) -> Value {
        match self.known_type() {
            Some(kind) => envelope.get(kind.payload_key()).cloned().unwrap_or(Value::Null),
            None => envelope.clone(),
        }
    }
}

impl Shown for DynamicEvent {
    fn envelope_json(&self) -> Value {
        self.body().clone()
    }

    fn payload_json(&self, _: &Value) -> Value {
        self.payload().unwrap_or(self.body()).clone()
    }
}

/// A delivery the receiver accepted, as `listen` shows it.
pub struct Accepted {
    webhook_type: String,
    organization_id: Option<String>,
    algorithm: Option<Algorithm>,
    event: Value,
    payload: Value,
    violations: Vec<Violation>,
}

impl Accepted {
    fn of<E: Shown>(received: &Received<E>) -> Self {
        let event = &received.event;
        let envelope = event.envelope_json();
        let violations = match event.validate() {
            Ok(()) => Vec::new(),
            Err(violations) => violations
                .iter()
                .map(|v| Violation { pointer: v.pointer().to_owned(), message: v.message().to_owned() })
                .collect(),
        };
        Accepted {
            webhook_type: event.webhook_type().to_owned(),
            organization_id: received.delivery.organization_id.clone(),
            algorithm: received.delivery.algorithm,
            payload: event.payload_json(&envelope),
            event: envelope,
            violations,
        }
    }
}

impl Keep {
    /// Keeps, records, prints and forwards one delivery: `raw` is its body when it came
    /// whole, `accepted` what the receiver made of it when it accepted it. Recording is
    /// done before the answer, so that a sender that has its answer finds the file.
    async fn delivery(
        &self,
        at: SystemTime,
        headers: &HeaderMap,
        raw: Option<Bytes>,
        accepted: Option<Accepted>,
        outcome: &Outcome,
    ) {
        let (mut entry, payload) = entry(at, headers, raw, accepted, outcome);
        // Only a delivery signed with the key is Lago's: anyone who can reach the port can
        // post the rest, which is neither sent on to the app nor written to disk.
        let verified = entry.signature == "verified" && entry.body_read;
        let forward = self.forwarder.as_ref().filter(|_| verified);
        if forward.is_some() {
            entry.forward = Some(Forward::Pending);
        }
        let (webhook_type, unique_key) = (entry.webhook_type.clone(), entry.unique_key.clone());
        let raw = entry.raw.clone();
        let (status, text) = (entry.status, entry.outcome.clone());
        let mut block = terminal::head(&entry, payload.as_ref());
        let id = self.store.add(entry);
        if let (Some(recorder), true) = (&self.recorder, verified) {
            let delivery = Recorded {
                at,
                id,
                webhook_type,
                unique_key: unique_key.clone(),
                headers: headers.clone(),
                body: raw.clone(),
            };
            let written = recorder.write_in_background(delivery).await.map(|path| path.display().to_string());
            block.push_str(&terminal::recorded(&written));
            if let Ok(path) = written {
                self.store.update(id, |entry| entry.recorded = Some(path));
            }
        }
        block.push_str(&terminal::answer(status, &text));
        let Some(forwarder) = forward else {
            out!("{block}");
            return;
        };
        // The app answers in its own time: Lago's answer does not wait for it, and the
        // block is printed once it has.
        let (forwarder, store) = (Arc::clone(forwarder), self.store.clone());
        let unique_key = unique_key.unwrap_or_else(|| format!("listen-{}-{id}", millis(at)));
        tokio::spawn(async move {
            let forwarded = forwarder.forward(raw, &unique_key).await;
            block.push_str(&terminal::forwarded(&forwarded));
            // Printed before the page can see the answer: whoever sees it there (a test
            // polling the API, then stopping listen) finds the block printed too.
            out!("{block}");
            store.update(id, |entry| entry.forward = Some(forwarded));
        });
    }
}

/// The most bytes of a header's value kept for the page: Lago's are short but for a JWT
/// signature, which holds the whole body (and is kept whole, apart, for replay).
const MAX_HEADER_VALUE: usize = 1024;
/// The most bytes of headers (names and values) kept for the page per delivery: a
/// request's head may take megabytes.
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The page's view of a delivery, and the payload of an accepted one.
fn entry(
    at: SystemTime,
    headers: &HeaderMap,
    raw: Option<Bytes>,
    accepted: Option<Accepted>,
    outcome: &Outcome,
) -> (Entry, Option<Value>) {
    let header_text =
        |name: &str| headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    // Whether the signature was checked: it is before the body is parsed, after the
    // body's size and the unique key.
    let signature = match (&accepted, outcome) {
        (Some(_), _) | (None, Outcome::Refused(Refusal::Malformed(_) | Refusal::Invalid(_))) => "verified",
        (None, Outcome::Refused(Refusal::Unverified(_))) => "refused",
        _ => "unchecked",
    };
    let body_read = raw.is_some();
    // A copy of the body's own: the bytes read may share a buffer with the request's
    // head, which would stay alive, uncounted, as long as the entry.
    let raw = raw.map(|raw| Bytes::copy_from_slice(&raw)).unwrap_or_default();
    let (webhook_type, scheme, organization_id, event, payload, violations) = match accepted {
        Some(accepted) => (
            Some(accepted.webhook_type),
            accepted.algorithm.map(|a| a.as_str().to_owned()),
            accepted.organization_id,
            Some(accepted.event),
            Some(accepted.payload),
            accepted.violations,
        ),
        // What the body says it is, for the page's filter.
        None => (named_type(&raw), header_text(ALGORITHM_HEADER), None, None, None, Vec::new()),
    };
    let replay_signature = (signature == "verified")
        .then(|| headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned))
        .flatten();
    let entry = Entry {
        id: 0,
        received_ms: millis(at),
        webhook_type,
        unique_key: lago_webhooks::verify::unique_key(headers).map(str::to_owned),
        scheme,
        signature,
        organization_id,
        status: outcome.status().as_u16(),
        outcome: outcome.to_string(),
        event,
        violations,
        headers: kept_headers(headers),
        raw,
        body_read,
        replay_signature,
        forward: None,
        recorded: None,
    };
    (entry, payload)
}

/// The headers as the page shows them: each value cut at [`MAX_HEADER_VALUE`] bytes and
/// all of them at [`MAX_HEADER_BYTES`], each cut said (`… (N bytes in all)`, and a last
/// `…` row counting the headers left out).
fn kept_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut kept = Vec::new();
    let mut room = MAX_HEADER_BYTES;
    let mut left_out = 0;
    for (name, value) in headers {
        let (name, bytes) = (name.as_str(), value.as_bytes());
        if room <= name.len() {
            left_out += 1;
            continue;
        }
        let limit = MAX_HEADER_VALUE.min(room - name.len());
        let text = if bytes.len() <= limit {
            String::from_utf8_lossy(bytes).into_owned()
        } else {
            // Cut as bytes, then read: a character cut in two reads as one replacement.
            format!("{}… ({} bytes in all)", String::from_utf8_lossy(&bytes[..limit]), bytes.len())
        };
        room = room.saturating_sub(name.len() + text.len());
        kept.push((name.to_owned(), text));
    }
    if left_out > 0 {
        kept.push(("…".to_owned(), format!("{left_out} more header(s) not kept")));
    }
    kept
}

/// The most characters of a refused body's `webhook_type` kept: Lago's are short words,
/// and a refused body's is anybody's.
const MAX_NAMED_TYPE: usize = 128;

/// The `webhook_type` a body names, if it is a JSON object naming one, cut at
/// [`MAX_NAMED_TYPE`] characters.
fn named_type(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        webhook_type: String,
    }
    let named = serde_json::from_slice::<Named>(body).ok()?.webhook_type;
    Some(match named.char_indices().nth(MAX_NAMED_TYPE) {
        Some((end, _)) => format!("{}…", &named[..end]),
        None => named,
    })
}

/// Milliseconds since the Unix epoch.
pub fn millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_millis().try_into().unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_body_is_named_by_its_type_when_it_has_one() {
        assert_eq!(named_type(br#"{"webhook_type":"fee.created","fee":1}"#).as_deref(), Some("fee.created"));
        assert_eq!(named_type(br#"{"webhook_type":7}"#), None);
        assert_eq!(named_type(b"not json"), None);
        let long = format!(r#"{{"webhook_type":"{}"}}"#, "t".repeat(10_000));
        assert_eq!(named_type(long.as_bytes()), Some(format!("{}…", "t".repeat(MAX_NAMED_TYPE))));
    }

    #[test]
    fn headers_are_kept_within_their_bounds_saying_what_was_cut() {
        let mut headers = HeaderMap::new();
        headers.insert("x-lago-unique-key", "key-1".parse().unwrap());
        headers.insert("x-huge", "h".repeat(2 * 1024 * 1024).parse().unwrap());
        for n in 0..200 {
            let name = http::HeaderName::try_from(format!("x-filler-{n}")).unwrap();
            headers.insert(name, "v".repeat(500).parse().unwrap());
        }
        let kept = kept_headers(&headers);
        let bytes: usize = kept.iter().map(|(name, value)| name.len() + value.len()).sum();
        // The bound, past which only the marks of a cut go.
        assert!(bytes <= MAX_HEADER_BYTES + 128, "{bytes}");
        assert!(kept.contains(&("x-lago-unique-key".to_owned(), "key-1".to_owned())));
        let huge = &kept.iter().find(|(name, _)| name == "x-huge").unwrap().1;
        assert_eq!(*huge, format!("{}… (2097152 bytes in all)", "h".repeat(MAX_HEADER_VALUE)));
        let (name, note) = kept.last().unwrap();
        assert!(name == "…" && note.ends_with(" more header(s) not kept"), "{name}: {note}");
        let shown = kept.len() - 1;
        assert_eq!(note, &format!("{} more header(s) not kept", headers.len() - shown));
    }
}
