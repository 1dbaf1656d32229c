//! A delivery as the inbox keeps it: the raw body and what identifies it.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use sha2::{Digest, Sha256};

use crate::Delivery;
use crate::borrowed::Text;
use crate::dedup::KeyDigest;
use crate::error::{ParseError, ParseErrorKind};
use crate::verify::Algorithm;

/// What a key derived from a body starts with, for a delivery that came without an
/// `X-Lago-Unique-Key`: `body-sha256:` and the body's SHA-256 in hexadecimal.
pub const DERIVED_KEY_PREFIX: &str = "body-sha256:";

/// A delivery as the inbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// Its `X-Lago-Unique-Key`, or a key derived from its body when it came without one
    /// (see [`Entry::key_derived`]): its identity in the inbox.
    pub unique_key: String,
    /// Whether the unique key was derived from the body ([`DERIVED_KEY_PREFIX`]).
    pub key_derived: bool,
    /// The envelope's `webhook_type`.
    pub webhook_type: String,
    /// The envelope's `organization_id`, when it has one.
    pub organization_id: Option<String>,
    /// The scheme its signature was verified with; `None` when it was not verified.
    pub algorithm: Option<Algorithm>,
    /// When the inbox received it.
    pub received_at: SystemTime,
    /// The raw body, as signed.
    pub body: Bytes,
}

impl Entry {
    /// An entry for `body`, received now under `unique_key` (or, without one, a key
    /// derived from the body), its webhook type and organization read from the envelope.
    /// Fails when the body is not a JSON object with a string `webhook_type`: no types
    /// could ever read it. The rest of the body is parsed by the worker.
    pub fn from_body(unique_key: Option<&str>, body: impl Into<Bytes>) -> Result<Entry, ParseError> {
        let body = body.into();
        let envelope = peek(&body)?;
        let (unique_key, key_derived) = match unique_key.filter(|key| !key.trim().is_empty()) {
            Some(key) => (key.to_owned(), false),
            None => (derived_key(&body), true),
        };
        Ok(Entry {
            unique_key,
            key_derived,
            webhook_type: envelope.webhook_type.into_string(),
            organization_id: envelope.organization_id.map(Text::into_string),
            algorithm: None,
            received_at: SystemTime::now(),
            body,
        })
    }

    /// The same entry, verified with `algorithm`.
    pub fn verified_with(mut self, algorithm: Algorithm) -> Entry {
        self.algorithm = Some(algorithm);
        self
    }

    /// The same entry, received at `received_at`.
    pub fn received_at(mut self, received_at: SystemTime) -> Entry {
        self.received_at = received_at;
        self
    }

    /// The digest of its unique key: what stores key it by.
    pub fn digest(&self) -> KeyDigest {
        KeyDigest::of(&self.unique_key)
    }

    /// What its handler is told of it, on its `attempt`-th attempt. A derived key is not
    /// one Lago sent: the delivery's `unique_key` is then `None`.
    pub fn delivery(&self, attempt: u32) -> Delivery {
        Delivery {
            unique_key: (!self.key_derived).then(|| self.unique_key.clone()),
            organization_id: self.organization_id.clone(),
            algorithm: self.algorithm,
            attempt,
            received_at: Some(self.received_at),
        }
    }
}

/// What an engine keeps of an entry beside its body, as read back from a message.
#[cfg_attr(not(any(feature = "nats", feature = "rabbitmq")), allow(dead_code))]
pub(crate) struct Kept {
    pub(crate) unique_key: Option<String>,
    pub(crate) key_derived: bool,
    pub(crate) webhook_type: Option<String>,
    pub(crate) organization_id: Option<String>,
    pub(crate) algorithm: Option<Algorithm>,
    pub(crate) received_at: Option<SystemTime>,
}

impl Entry {
    /// The entry an engine's message holds: its fields as kept beside the body. A
    /// message without them (published there by something else than a receiver) becomes
    /// an entry read from its body, or keyed by it, which a worker buries unless its body
    /// is a webhook.
    #[cfg_attr(not(any(feature = "nats", feature = "rabbitmq")), allow(dead_code))]
    pub(crate) fn read_back(kept: Kept, body: Bytes) -> Entry {
        let received_at = kept.received_at.unwrap_or_else(SystemTime::now);
        match (kept.unique_key, kept.webhook_type) {
            (Some(unique_key), Some(webhook_type)) => Entry {
                unique_key,
                key_derived: kept.key_derived,
                webhook_type,
                organization_id: kept.organization_id,
                algorithm: kept.algorithm,
                received_at,
                body,
            },
            (unique_key, _) => match Entry::from_body(unique_key.as_deref(), body.clone()) {
                Ok(entry) => entry.received_at(received_at),
                Err(_) => Entry {
                    key_derived: unique_key.is_none(),
                    unique_key: unique_key.unwrap_or_else(|| derived_key(&body)),
                    webhook_type: String::new(),
                    organization_id: None,
                    algorithm: None,
                    received_at,
                    body,
                },
            },
        }
    }
}

/// The key of a delivery that came without one: the same for the same body.
fn derived_key(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let mut key = String::with_capacity(DERIVED_KEY_PREFIX.len() + 64);
    key.push_str(DERIVED_KEY_PREFIX);
    for byte in digest {
        key.push_str(&format!("{byte:02x}"));
    }
    key
}

/// The envelope's keys the inbox keeps apart from the body, borrowed from it when they
/// hold no escapes.
struct Envelope<'a> {
    webhook_type: Text<'a>,
    organization_id: Option<Text<'a>>,
}

/// Reads `webhook_type` and `organization_id` from a body, skipping everything else.
fn peek(body: &[u8]) -> Result<Envelope<'_>, ParseError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let read = de::Deserializer::deserialize_map(&mut deserializer, EnvelopeVisitor).and_then(|envelope| {
        deserializer.end()?;
        Ok(envelope)
    });
    match read {
        Ok(Some(envelope)) => Ok(envelope),
        Ok(None) => Err(ParseError {
            kind: ParseErrorKind::MissingWebhookType,
            webhook_type: None,
            pointer: String::new(),
            line: 1,
            column: 1,
            message: "missing field `webhook_type`".to_owned(),
        }),
        Err(err) => {
            let kind = match err.classify() {
                serde_json::error::Category::Eof => ParseErrorKind::Eof,
                serde_json::error::Category::Data => ParseErrorKind::Data,
                serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
                    ParseErrorKind::Syntax
                }
            };
            let message = err.to_string();
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_owned(),
                None => message,
            };
            Err(ParseError {
                kind,
                webhook_type: None,
                pointer: String::new(),
                line: err.line(),
                column: err.column().max(1),
                message,
            })
        }
    }
}

/// Visits the envelope: `None` when it has no `webhook_type`.
struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Option<Envelope<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a webhook envelope, a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut webhook_type: Option<Text<'de>> = None;
        let mut organization_id: Option<Option<Text<'de>>> = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                lago_webhooks_core::envelope::WEBHOOK_TYPE if webhook_type.is_none() => {
                    webhook_type = Some(map.next_value()?);
                }
                lago_webhooks_core::envelope::ORGANIZATION_ID if organization_id.is_none() => {
                    organization_id = Some(map.next_value()?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(webhook_type
            .map(|webhook_type| Envelope { webhook_type, organization_id: organization_id.flatten() }))
    }
}

/// `time` in milliseconds since the Unix epoch (0 before it), as the engines that keep an
/// entry's fields in message headers write its time received.
#[cfg_attr(not(any(feature = "nats", feature = "rabbitmq")), allow(dead_code))]
pub(crate) fn epoch_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The time [`epoch_millis`] wrote.
#[cfg_attr(not(any(feature = "nats", feature = "rabbitmq")), allow(dead_code))]
pub(crate) fn from_epoch_millis(millis: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(millis)
}

/// Header values for engines that keep an entry's fields as message headers: printable
/// ASCII kept as is, anything else (and `%`) percent-encoded, so that no value can break
/// a header line.
#[cfg_attr(not(feature = "nats"), allow(dead_code))]
pub(crate) mod header_text {
    /// `text` with every byte outside `!`..=`~`, and `%`, as `%XX`: spaces too, which
    /// some clients trim from the ends of a header's value.
    pub(crate) fn encode(text: &str) -> String {
        let mut encoded = String::with_capacity(text.len());
        for byte in text.bytes() {
            if (b'!'..=b'~').contains(&byte) && byte != b'%' {
                encoded.push(char::from(byte));
            } else {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
        encoded
    }

    /// The text [`encode`] encoded; `None` for what it cannot have written.
    pub(crate) fn decode(encoded: &str) -> Option<String> {
        let mut bytes = Vec::with_capacity(encoded.len());
        let mut rest = encoded.as_bytes();
        while let Some((&byte, tail)) = rest.split_first() {
            if byte == b'%' {
                let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                rest = &tail[2..];
            } else {
                bytes.push(byte);
                rest = tail;
            }
        }
        String::from_utf8(bytes).ok()
    }
}

/// A header the engines that keep an entry in a message (NATS, RabbitMQ) keep one of its
/// fields in, or what an attempt left on it. Messages already in users' queues carry these
/// names, so each is written once, here, in the form NATS writes it; RabbitMQ writes it in
/// lower case, as it always has.
#[cfg_attr(not(any(feature = "nats", feature = "rabbitmq")), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header(&'static str);

#[cfg_attr(not(any(feature = "nats", feature = "rabbitmq")), allow(dead_code))]
impl Header {
    pub(crate) const UNIQUE_KEY: Header = Header("Lago-Unique-Key");
    pub(crate) const KEY_DERIVED: Header = Header("Lago-Key-Derived");
    pub(crate) const WEBHOOK_TYPE: Header = Header("Lago-Webhook-Type");
    pub(crate) const ORGANIZATION_ID: Header = Header("Lago-Organization-Id");
    pub(crate) const ALGORITHM: Header = Header("Lago-Signature-Algorithm");
    pub(crate) const RECEIVED_AT: Header = Header("Lago-Received-At");
    /// The error of the attempt that moved the message (to the dead letter, or on
    /// RabbitMQ to a retry queue).
    pub(crate) const ERROR: Header = Header("Lago-Error");
    /// Attempts made before this copy of the message was published.
    pub(crate) const ATTEMPTS: Header = Header("Lago-Attempts");

    /// The name as NATS writes it: capitalised, as HTTP-style headers are.
    #[cfg_attr(not(feature = "nats"), allow(dead_code))]
    pub(crate) fn capitalised(self) -> &'static str {
        self.0
    }

    /// The name as RabbitMQ writes it: in lower case, as AMQP's own (`x-delivery-count`).
    #[cfg_attr(not(feature = "rabbitmq"), allow(dead_code))]
    pub(crate) fn lower_case(self) -> String {
        self.0.to_ascii_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_is_read_and_the_rest_skipped() {
        let body = br#"{"payload": {"deep": [1, {"x": null}]}, "webhook_type": "fee.created",
                        "organization_id": "org-1", "object_type": "fee"}"#;
        let entry = Entry::from_body(Some("key-1"), &body[..]).unwrap();
        assert_eq!(entry.webhook_type, "fee.created");
        assert_eq!(entry.organization_id.as_deref(), Some("org-1"));
        assert_eq!(entry.unique_key, "key-1");
        assert!(!entry.key_derived);
        assert_eq!(entry.delivery(3).attempt, 3);
        assert_eq!(entry.delivery(3).unique_key.as_deref(), Some("key-1"));
    }

    #[test]
    fn a_delivery_without_a_key_gets_one_from_its_body() {
        let body = br#"{"webhook_type": "fee.created", "organization_id": null}"#;
        let a = Entry::from_body(None, &body[..]).unwrap();
        let b = Entry::from_body(Some("  "), &body[..]).unwrap();
        assert!(a.key_derived && b.key_derived);
        assert_eq!(a.unique_key, b.unique_key, "the same body, the same key");
        assert!(a.unique_key.starts_with(DERIVED_KEY_PREFIX) && a.unique_key.len() == 12 + 64);
        assert_eq!(a.organization_id, None);
        assert_eq!(a.delivery(1).unique_key, None, "Lago sent no key");
        let other = Entry::from_body(None, &br#"{"webhook_type": "fee.updated"}"#[..]).unwrap();
        assert_ne!(other.unique_key, a.unique_key);
    }

    #[test]
    fn bodies_no_types_could_read_are_refused_with_their_place() {
        let cases: [(&[u8], ParseErrorKind, usize); 6] = [
            (b"[1, 2]", ParseErrorKind::Data, 1),
            (b"{\"object_type\": \"fee\"}", ParseErrorKind::MissingWebhookType, 1),
            (b"{\"webhook_type\": 7}", ParseErrorKind::Data, 1),
            (b"{\"webhook_type\": \"fee.created\"", ParseErrorKind::Eof, 1),
            (b"{\"webhook_type\": \"a\"}\n{}", ParseErrorKind::Syntax, 2),
            (b"{\"webhook_type\": \"a\", \"organization_id\": 3}", ParseErrorKind::Data, 1),
        ];
        for (body, kind, line) in cases {
            let err = Entry::from_body(Some("k"), body).unwrap_err();
            assert_eq!((err.kind(), err.line()), (kind, line), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn an_entry_is_read_back_from_what_an_engine_kept_or_else_from_its_body() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let kept = |unique_key: Option<&str>, webhook_type: Option<&str>| Kept {
            unique_key: unique_key.map(str::to_owned),
            key_derived: false,
            webhook_type: webhook_type.map(str::to_owned),
            organization_id: Some("org-1".to_owned()),
            algorithm: Some(Algorithm::Jwt),
            received_at: Some(at),
        };
        let body = Bytes::from_static(br#"{"webhook_type": "fee.created"}"#);
        let whole = Entry::read_back(kept(Some("k-1"), Some("invoice.created")), body.clone());
        assert_eq!((whole.unique_key.as_str(), whole.webhook_type.as_str()), ("k-1", "invoice.created"));
        assert_eq!((whole.algorithm, whole.received_at), (Some(Algorithm::Jwt), at));
        // Published by something else: read from the body, keyed by it when no key came.
        let bare = Entry::read_back(kept(None, None), body.clone());
        assert_eq!(
            (bare.webhook_type.as_str(), bare.key_derived, bare.received_at),
            ("fee.created", true, at)
        );
        let junk = Bytes::from_static(b"not a webhook");
        let a = Entry::read_back(kept(None, None), junk.clone());
        let b = Entry::read_back(kept(None, None), Bytes::from_static(b"another"));
        assert!(a.unique_key.starts_with(DERIVED_KEY_PREFIX) && a.webhook_type.is_empty());
        assert_ne!(a.unique_key, b.unique_key, "each body its own key");
        assert_eq!(Entry::read_back(kept(Some("k-2"), None), junk).unique_key, "k-2");
    }

    #[test]
    fn header_text_round_trips_and_never_breaks_a_line() {
        for text in ["fee.created", "a%b", "line\r\nbreak", "é€😀", "", " spaced "] {
            let encoded = header_text::encode(text);
            assert!(encoded.bytes().all(|b| (b'!'..=b'~').contains(&b)), "{encoded}");
            assert_eq!(header_text::decode(&encoded).as_deref(), Some(text));
        }
        assert_eq!(header_text::decode("%G1"), None);
        assert_eq!(header_text::decode("%4"), None);
    }

    #[test]
    fn header_names_are_those_queued_messages_carry() {
        let all = [
            Header::UNIQUE_KEY,
            Header::KEY_DERIVED,
            Header::WEBHOOK_TYPE,
            Header::ORGANIZATION_ID,
            Header::ALGORITHM,
            Header::RECEIVED_AT,
            Header::ERROR,
            Header::ATTEMPTS,
        ];
        let nats: Vec<_> = all.iter().map(|header| header.capitalised()).collect();
        assert_eq!(
            nats.join(" "),
            "Lago-Unique-Key Lago-Key-Derived Lago-Webhook-Type Lago-Organization-Id \
             Lago-Signature-Algorithm Lago-Received-At Lago-Error Lago-Attempts"
        );
        let rabbitmq: Vec<_> = all.iter().map(|header| header.lower_case()).collect();
        assert_eq!(
            rabbitmq.join(" "),
            "lago-unique-key lago-key-derived lago-webhook-type lago-organization-id \
             lago-signature-algorithm lago-received-at lago-error lago-attempts"
        );
    }
}
