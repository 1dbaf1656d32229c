//! Reading and writing the webhook envelope:
//! `{"webhook_type": ..., "object_type": ..., "organization_id": ..., <payload_key>: {...}}`.
//!
//! The payload's type depends on `webhook_type`, so the envelope is read key by key:
//! once `webhook_type` is known, the payload is deserialized straight from the input
//! into its struct, with no intermediate tree. Lago sends `webhook_type` first; for a
//! body that puts the payload before it, [`parse_event`] skips the payload, learns the
//! type, and reads the body a second time (still straight into the struct), while the
//! generic `Deserialize` path buffers the payload as a `serde_json::Value`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use lago_webhooks_core::envelope;

use crate::error::{ParseError, ParseErrorKind};
use crate::unknown::UnknownEvent;

/// Implemented by the generated `WebhookType`.
pub trait WebhookKind: Copy + 'static {
    /// The `webhook_type` string.
    fn webhook_type(self) -> &'static str;
    /// The `object_type` string.
    fn object_type(self) -> &'static str;
    /// The envelope key holding the payload.
    fn payload_key(self) -> &'static str;
}

/// Implemented by the generated `WebhookEvent`, for the lifetime `'de` of the input its
/// payloads may borrow from (any, for the owned types).
pub trait Catalog<'de>: Sized {
    /// The generated `WebhookType`.
    type Kind: WebhookKind;
    /// The known webhook type named `webhook_type`.
    fn lookup(webhook_type: &str) -> Option<Self::Kind>;
    /// Deserializes the payload of a `kind` webhook into its variant.
    fn deserialize_payload<D: Deserializer<'de>>(kind: Self::Kind, deserializer: D)
    -> Result<Self, D::Error>;
    /// The catch-all variant.
    fn unknown(event: UnknownEvent) -> Self;
    /// Sets the envelope's `organization_id` of a known type's event, once the whole
    /// envelope is read (Lago sends it before the payload, but any order is accepted).
    fn set_organization_id(&mut self, organization_id: Option<Cow<'de, str>>);
}

/// Writes the envelope of a known webhook type around its payload, in Lago's key order.
pub fn serialize_envelope<S: Serializer, K: WebhookKind, P: Serialize>(
    serializer: S,
    kind: K,
    organization_id: Option<&str>,
    payload: &P,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(3 + usize::from(organization_id.is_some())))?;
    map.serialize_entry(envelope::WEBHOOK_TYPE, kind.webhook_type())?;
    map.serialize_entry(envelope::OBJECT_TYPE, kind.object_type())?;
    if let Some(organization_id) = organization_id {
        map.serialize_entry(envelope::ORGANIZATION_ID, organization_id)?;
    }
    map.serialize_entry(kind.payload_key(), payload)?;
    map.end()
}

/// Parses a body with serde_json, reporting errors with pointer, line and column.
pub fn parse_event<'de, E: Catalog<'de>>(body: &'de [u8]) -> Result<E, ParseError> {
    let (outcome, prior) = match read::<E>(body, None, None) {
        Ok(Scan::Retry(prior)) => (read::<E>(body, Some(&prior), None), Some(prior)),
        other => (other, None),
    };
    match outcome {
        Ok(Scan::Event(event)) => Ok(event),
        Ok(Scan::MissingWebhookType) => Err(ParseError::at_envelope(
            body,
            ParseErrorKind::MissingWebhookType,
            None,
            "missing field `webhook_type`".to_owned(),
        )),
        Ok(
            Scan::MissingPayload { webhook_type, key }
            | Scan::Retry(Prior { webhook_type, payload_key: key, .. }),
        ) => {
            let message = format!("missing payload field `{key}`");
            Err(ParseError::at_envelope(body, ParseErrorKind::MissingPayload, Some(webhook_type), message))
        }
        Err(err) => Err(explain::<E>(body, err, prior.as_ref())),
    }
}

/// The `Deserialize` implementation of the generated `WebhookEvent`, for any deserializer.
pub fn deserialize_event<'de, E: Catalog<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<E, D::Error> {
    let seed = EnvelopeSeed::<E> { prior: None, buffer: true, record: None, marker: PhantomData };
    match seed.deserialize(deserializer)? {
        Scan::Event(event) => Ok(event),
        Scan::MissingWebhookType => Err(de::Error::missing_field(envelope::WEBHOOK_TYPE)),
        Scan::MissingPayload { key, .. } | Scan::Retry(Prior { payload_key: key, .. }) => {
            Err(de::Error::missing_field(key))
        }
    }
}

/// One pass over the body; `record` receives the `webhook_type` once read.
fn read<'de, E: Catalog<'de>>(
    body: &'de [u8],
    prior: Option<&Prior>,
    record: Option<&mut Option<String>>,
) -> Result<Scan<E>, serde_json::Error> {
    let seed = EnvelopeSeed::<E> { prior, buffer: false, record, marker: PhantomData };
    // A body checked for UTF-8 once, in one pass, is read as text: serde_json then skips
    // the check it makes string by string on bytes, and most of a webhook is strings
    // (measured: a fifth of the parse of invoice.created). A body that is not UTF-8 is
    // read as bytes, which reports the error at its place, as before.
    match std::str::from_utf8(body) {
        Ok(text) => read_all(seed, serde_json::Deserializer::from_str(text)),
        Err(_) => read_all(seed, serde_json::Deserializer::from_slice(body)),
    }
}

/// Reads the envelope with `seed`, then checks that nothing but whitespace follows.
fn read_all<'de, E: Catalog<'de>, R: serde_json::de::Read<'de>>(
    seed: EnvelopeSeed<'_, E>,
    mut deserializer: serde_json::Deserializer<R>,
) -> Result<Scan<E>, serde_json::Error> {
    let outcome = seed.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(outcome)
}

/// Turns a serde_json error into a [`ParseError`], reading the body again with path
/// tracking to find the pointer and the webhook type. Paying for these only on
/// failure keeps the successful parse as fast as a plain one.
fn explain<'de, E: Catalog<'de>>(
    body: &'de [u8],
    err: serde_json::Error,
    prior: Option<&Prior>,
) -> ParseError {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let mut track = serde_path_to_error::Track::new();
    let mut webhook_type = None;
    let seed =
        EnvelopeSeed::<E> { prior, buffer: false, record: Some(&mut webhook_type), marker: PhantomData };
    let traced = seed.deserialize(serde_path_to_error::Deserializer::new(&mut deserializer, &mut track));
    let pointer = match traced {
        Err(_) => lago_webhooks_core::pointer::of_path(&track.path()),
        Ok(_) => String::new(),
    };
    ParseError { webhook_type, pointer, ..ParseError::from_json(&err) }
}

/// What a first pass learned when the payload came before the keys that identify it.
struct Prior {
    webhook_type: String,
    object_type: Option<String>,
    payload_key: &'static str,
}

/// What one pass over an envelope found.
enum Scan<E> {
    Event(E),
    /// Read again, knowing the envelope.
    Retry(Prior),
    MissingWebhookType,
    MissingPayload {
        webhook_type: String,
        key: &'static str,
    },
}

/// Reads one envelope. `buffer` keeps undecided members as `Value`s (generic
/// deserializers cannot be rewound); otherwise they are skipped and a retry is asked for.
struct EnvelopeSeed<'s, E> {
    prior: Option<&'s Prior>,
    buffer: bool,
    /// Receives the `webhook_type`, for error messages; `None` on the fast path.
    record: Option<&'s mut Option<String>>,
    marker: PhantomData<E>,
}

impl<'de, E: Catalog<'de>> DeserializeSeed<'de> for EnvelopeSeed<'_, E> {
    type Value = Scan<E>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Scan<E>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, E: Catalog<'de>> Visitor<'de> for EnvelopeSeed<'_, E> {
    type Value = Scan<E>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Lago webhook envelope (a JSON object with `webhook_type`)")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Scan<E>, A::Error> {
        let mut state = State::<E>::new(self.prior);
        if let (Some(record), Some(prior)) = (self.record.as_deref_mut(), self.prior) {
            *record = Some(prior.webhook_type.clone());
        }
        // The envelope keys read in this pass (the state may start from a first pass).
        let (mut saw_webhook_type, mut saw_object_type, mut saw_organization) = (false, false, false);
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key {
                Key::WebhookType => {
                    if std::mem::replace(&mut saw_webhook_type, true) {
                        return Err(de::Error::duplicate_field(envelope::WEBHOOK_TYPE));
                    }
                    let value: Cow<'de, str> = map.next_value_seed(StrSeed)?;
                    if state.webhook_type.is_none() {
                        if let Some(record) = self.record.as_deref_mut() {
                            *record = Some(value.to_string());
                        }
                        state.set_webhook_type(value);
                    }
                }
                Key::ObjectType => {
                    if std::mem::replace(&mut saw_object_type, true) {
                        return Err(de::Error::duplicate_field(envelope::OBJECT_TYPE));
                    }
                    // Informative only: a value that is not a string is ignored, wherever it is.
                    let value = map.next_value_seed(LenientStr)?;
                    state.object_type = state.object_type.take().or(value);
                }
                Key::OrganizationId => {
                    if std::mem::replace(&mut saw_organization, true) {
                        return Err(de::Error::duplicate_field(envelope::ORGANIZATION_ID));
                    }
                    // Kept when it is a string; any other value is ignored, as for object_type.
                    state.organization_id = map.next_value_seed(LenientStr)?;
                }
                Key::Other(name) => state.read_member(name, &mut map, self.buffer)?,
            }
        }
        state.finish()
    }
}

enum Role<K> {
    /// The payload of a known webhook type.
    Payload(K),
    /// The payload of an unknown webhook type.
    UnknownPayload,
    /// Not known yet: the identifying keys have not been read.
    Undecided,
    Ignored,
}

struct State<'de, E: Catalog<'de>> {
    webhook_type: Option<Cow<'de, str>>,
    kind: Option<E::Kind>,
    object_type: Option<Cow<'de, str>>,
    organization_id: Option<Cow<'de, str>>,
    event: Option<E>,
    unknown_payload: Option<Value>,
    /// Members read before their role was known, by name: their value when buffering.
    /// A map, so that a body with many members before `webhook_type` parses in linear time.
    deferred: HashMap<MemberName, Option<Value>>,
}

impl<'de, E: Catalog<'de>> State<'de, E> {
    fn new(prior: Option<&Prior>) -> Self {
        let mut state = State {
            webhook_type: None,
            kind: None,
            object_type: prior.and_then(|p| p.object_type.clone()).map(Cow::Owned),
            organization_id: None,
            event: None,
            unknown_payload: None,
            deferred: HashMap::new(),
        };
        if let Some(prior) = prior {
            state.set_webhook_type(Cow::Owned(prior.webhook_type.clone()));
        }
        state
    }

    fn set_webhook_type(&mut self, webhook_type: Cow<'de, str>) {
        self.kind = E::lookup(&webhook_type);
        self.webhook_type = Some(webhook_type);
    }

    fn role(&self, name: &str) -> Role<E::Kind> {
        match (self.kind, &self.webhook_type, &self.object_type) {
            (Some(kind), _, _) if name == kind.payload_key() => Role::Payload(kind),
            (Some(_), _, _) => Role::Ignored,
            (None, Some(_), Some(object_type)) if name == object_type => Role::UnknownPayload,
            (None, Some(_), Some(_)) => Role::Ignored,
            (None, _, None) | (None, None, _) => Role::Undecided,
        }
    }

    /// Reads a member that is not `webhook_type` or `object_type`. A payload given twice
    /// is an error, as a field given twice is inside a payload.
    fn read_member<A: MapAccess<'de>>(
        &mut self,
        name: Cow<'de, str>,
        map: &mut A,
        buffer: bool,
    ) -> Result<(), A::Error> {
        let role = self.role(&name);
        if let Role::Ignored = role {
            map.next_value::<IgnoredAny>()?;
            return Ok(());
        }
        // The name is kept only when it may be a payload seen twice or read later; a body
        // in Lago's order defers nothing, and allocates nothing here.
        let member = (!self.deferred.is_empty() || matches!(role, Role::Undecided))
            .then(|| MemberName(name.to_string()));
        let deferred = member.as_ref().is_some_and(|member| self.deferred.contains_key(member));
        let duplicate = match role {
            Role::Payload(_) => deferred || self.event.is_some(),
            Role::UnknownPayload => deferred || self.unknown_payload.is_some(),
            Role::Undecided => deferred,
            Role::Ignored => false,
        };
        if duplicate {
            return Err(de::Error::custom(format_args!("duplicate field `{name}`")));
        }
        match (role, member) {
            (Role::Payload(kind), _) => {
                self.event = Some(map.next_value_seed(PayloadSeed::<E, _>(kind, PhantomData))?)
            }
            (Role::UnknownPayload, _) => self.unknown_payload = Some(map.next_value()?),
            (Role::Undecided, Some(member)) => {
                let value = if buffer {
                    Some(map.next_value()?)
                } else {
                    map.next_value::<IgnoredAny>()?;
                    None
                };
                self.deferred.insert(member, value);
            }
            (Role::Undecided, None) | (Role::Ignored, _) => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn finish<Er: de::Error>(mut self) -> Result<Scan<E>, Er> {
        let Some(webhook_type) = self.webhook_type.take() else {
            return Ok(Scan::MissingWebhookType);
        };
        let Some(kind) = self.kind else {
            return Ok(self.finish_unknown(webhook_type.into_owned()));
        };
        let organization_id = self.organization_id.take();
        let with_organization = |mut event: E| {
            event.set_organization_id(organization_id);
            Scan::Event(event)
        };
        if let Some(event) = self.event.take() {
            return Ok(with_organization(event));
        }
        let key = kind.payload_key();
        let webhook_type = webhook_type.into_owned();
        match self.take_deferred(key) {
            Some(Some(value)) => {
                E::deserialize_payload(kind, value).map(with_organization).map_err(Er::custom)
            }
            Some(None) => {
                let object_type = self.object_type.map(Cow::into_owned);
                Ok(Scan::Retry(Prior { webhook_type, object_type, payload_key: key }))
            }
            None => Ok(Scan::MissingPayload { webhook_type, key }),
        }
    }

    fn finish_unknown(mut self, webhook_type: String) -> Scan<E> {
        let object_type = self.object_type.take().map(Cow::into_owned);
        let mut payload = self.unknown_payload.take();
        if payload.is_none()
            && let Some(object_type) = &object_type
        {
            match self.take_deferred(object_type) {
                Some(Some(value)) => payload = Some(value),
                Some(None) => {
                    let prior =
                        Prior { webhook_type, object_type: Some(object_type.clone()), payload_key: "" };
                    return Scan::Retry(prior);
                }
                None => {}
            }
        }
        let organization_id = self.organization_id.take().map(Cow::into_owned);
        Scan::Event(E::unknown(UnknownEvent { webhook_type, object_type, organization_id, payload }))
    }

    fn take_deferred(&mut self, name: &str) -> Option<Option<Value>> {
        self.deferred.remove(&MemberName(name.to_owned()))
    }
}

/// The name of a member read before its role was known. Its own type so that the tests
/// can count the comparisons a parse makes.
#[derive(Debug)]
struct MemberName(String);

impl PartialEq for MemberName {
    fn eq(&self, other: &Self) -> bool {
        #[cfg(test)]
        tests::COMPARISONS.with(|count| count.set(count.get() + 1));
        self.0 == other.0
    }
}

impl Eq for MemberName {}

impl Hash for MemberName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

/// Deserializes a payload into the variant for `kind`.
struct PayloadSeed<E, K>(K, PhantomData<E>);

impl<'de, E: Catalog<'de>> DeserializeSeed<'de> for PayloadSeed<E, E::Kind> {
    type Value = E;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<E, D::Error> {
        E::deserialize_payload(self.0, deserializer)
    }
}

enum Key<'de> {
    WebhookType,
    ObjectType,
    OrganizationId,
    Other(Cow<'de, str>),
}

/// Reads an envelope key, borrowing it from the input when possible.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<'de>, D::Error> {
        let name = StrSeed.deserialize(deserializer)?;
        Ok(match name.as_ref() {
            envelope::WEBHOOK_TYPE => Key::WebhookType,
            envelope::OBJECT_TYPE => Key::ObjectType,
            envelope::ORGANIZATION_ID => Key::OrganizationId,
            _ => Key::Other(name),
        })
    }
}

/// Reads a string, borrowing it from the input when possible.
struct StrSeed;

impl<'de> DeserializeSeed<'de> for StrSeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Cow<'de, str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for StrSeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<Er: de::Error>(self, value: &'de str) -> Result<Self::Value, Er> {
        Ok(Cow::Borrowed(value))
    }

    fn visit_str<Er: de::Error>(self, value: &str) -> Result<Self::Value, Er> {
        Ok(Cow::Owned(value.to_owned()))
    }

    fn visit_string<Er: de::Error>(self, value: String) -> Result<Self::Value, Er> {
        Ok(Cow::Owned(value))
    }
}

/// Reads a string, or skips any other value and gives `None`.
struct LenientStr;

impl<'de> DeserializeSeed<'de> for LenientStr {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LenientStr {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_borrowed_str<Er: de::Error>(self, value: &'de str) -> Result<Self::Value, Er> {
        Ok(Some(Cow::Borrowed(value)))
    }

    fn visit_str<Er: de::Error>(self, value: &str) -> Result<Self::Value, Er> {
        Ok(Some(Cow::Owned(value.to_owned())))
    }

    fn visit_string<Er: de::Error>(self, value: String) -> Result<Self::Value, Er> {
        Ok(Some(Cow::Owned(value)))
    }

    fn visit_bool<Er: de::Error>(self, _: bool) -> Result<Self::Value, Er> {
        Ok(None)
    }

    fn visit_i64<Er: de::Error>(self, _: i64) -> Result<Self::Value, Er> {
        Ok(None)
    }

    fn visit_u64<Er: de::Error>(self, _: u64) -> Result<Self::Value, Er> {
        Ok(None)
    }

    fn visit_f64<Er: de::Error>(self, _: f64) -> Result<Self::Value, Er> {
        Ok(None)
    }

    fn visit_unit<Er: de::Error>(self) -> Result<Self::Value, Er> {
        Ok(None)
    }

    fn visit_none<Er: de::Error>(self) -> Result<Self::Value, Er> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    thread_local! {
        /// Comparisons of deferred member names made on this thread.
        pub(super) static COMPARISONS: Cell<u64> = const { Cell::new(0) };
    }

    /// A stand-in for a generated `WebhookEvent` that knows no webhook type.
    #[derive(Debug)]
    struct Nothing;

    #[derive(Clone, Copy)]
    struct NoKind;

    impl WebhookKind for NoKind {
        fn webhook_type(self) -> &'static str {
            ""
        }
        fn object_type(self) -> &'static str {
            ""
        }
        fn payload_key(self) -> &'static str {
            ""
        }
    }

    impl<'de> Catalog<'de> for Nothing {
        type Kind = NoKind;

        fn lookup(_: &str) -> Option<NoKind> {
            None
        }

        fn deserialize_payload<D: Deserializer<'de>>(_: NoKind, _: D) -> Result<Self, D::Error> {
            Ok(Nothing)
        }

        fn unknown(_: UnknownEvent) -> Self {
            Nothing
        }

        fn set_organization_id(&mut self, _: Option<Cow<'de, str>>) {}
    }

    /// A body with `members` members before `webhook_type`.
    fn wide_body(members: usize) -> String {
        let mut body = String::from("{");
        for i in 0..members {
            body.push_str(&format!("\"m{i}\":{i},"));
        }
        body.push_str(r#""webhook_type":"ledger.closed","object_type":"m7"}"#);
        body
    }

    #[test]
    fn members_before_the_webhook_type_cost_a_bounded_number_of_comparisons_each() {
        for members in [1_000, 80_000] {
            COMPARISONS.with(|count| count.set(0));
            assert!(parse_event::<Nothing>(wide_body(members).as_bytes()).is_ok());
            let comparisons = COMPARISONS.with(Cell::get);
            // Comparing each member with every earlier one would make members² / 2.
            assert!(comparisons < members as u64, "{comparisons} comparisons for {members} members");
        }
    }

    #[test]
    fn a_deferred_member_given_twice_is_still_refused() {
        let body = r#"{"m1": 1, "m1": 2, "webhook_type": "ledger.closed", "object_type": "m1"}"#;
        let err = parse_event::<Nothing>(body.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("duplicate field `m1`"), "{err}");
    }
}
