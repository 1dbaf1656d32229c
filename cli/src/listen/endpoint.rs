//! The endpoint deliveries are posted to: the body read within the receiver's limit and
//! timeout, each delivery through the runtime's receiver once (verified, parsed,
//! deduplicated, answered), then kept for the page, recorded, forwarded and printed.

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
use lago_webhooks::verify::{ALGORITHM_HEADER, Algorithm};
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
    pub recorder: Option<Recorder>,
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
            keep.delivery(at, &parts.headers, raw, accepted, &outcome);
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
    /// whole, `accepted` what the receiver made of it when it accepted it.
    fn delivery(
        &self,
        at: SystemTime,
        headers: &HeaderMap,
        raw: Option<Bytes>,
        accepted: Option<Accepted>,
        outcome: &Outcome,
    ) {
        let (entry, payload) = entry(at, headers, raw, accepted, outcome);
        let forward = self.forwarder.as_ref().filter(|_| entry.signature == "verified" && entry.body_read);
        let mut entry = entry;
        if forward.is_some() {
            entry.forward = Some(Forward::Pending);
        }
        let (webhook_type, unique_key) = (entry.webhook_type.clone(), entry.unique_key.clone());
        let (raw, body_read) = (entry.raw.clone(), entry.body_read);
        let (status, text) = (entry.status, entry.outcome.clone());
        let mut block = terminal::head(&entry, payload.as_ref());
        let id = self.store.add(entry);
        if let (Some(recorder), true) = (&self.recorder, body_read) {
            let written = recorder
                .write(&Recorded {
                    at,
                    id,
                    webhook_type: webhook_type.as_deref(),
                    unique_key: unique_key.as_deref(),
                    headers,
                    body: &raw,
                })
                .map(|path| path.display().to_string());
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
            store.update(id, |entry| entry.forward = Some(forwarded));
            out!("{block}");
        });
    }
}

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
    let raw = raw.unwrap_or_default();
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
        headers: headers
            .iter()
            .map(|(name, value)| {
                (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
            })
            .collect(),
        body: String::from_utf8_lossy(&raw).into_owned(),
        body_read,
        raw,
        forward: None,
        recorded: None,
    };
    (entry, payload)
}

/// The `webhook_type` a body names, if it is a JSON object naming one.
fn named_type(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        webhook_type: String,
    }
    serde_json::from_slice::<Named>(body).ok().map(|named| named.webhook_type)
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
    }
}
