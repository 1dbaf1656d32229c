//! Specs read at run time: a spec held as a value parses, validates and goes through a
//! [`Receiver`] the way the code `lago_webhooks!` generates from it would, without any
//! code generated. For tools and services that take the spec as input (a spec newer than
//! the one compiled in, a spec to try before generating code from it).
//!
//! The spec is resolved by the generator's own resolution
//! ([`lago_webhooks_codegen::resolve`]), so names, presence, formats, constraints, rules
//! and unions mean what they mean for generated code, and violations come from the
//! checks generated code calls ([`crate::validate::checks`]), so they are worded alike.
//!
//! ```
//! use lago_webhooks::dynamic::{DynamicSpec, SpecSource};
//! use lago_webhooks::Validate;
//!
//! let spec = DynamicSpec::from_source(&SpecSource::new("inline.json", r#"{
//!     "format_version": 1, "title": "Tiny",
//!     "messages": [{"webhook_type": "thing.happened", "object_type": "thing",
//!                   "payload_key": "thing", "payload": "Thing", "title": "Thing happened",
//!                   "description": "A thing happened."}],
//!     "objects": [{"name": "Thing", "description": "A thing.",
//!                  "fields": [{"name": "id", "type": "id", "description": "Its id."}]}]
//! }"#))?;
//! let event = spec.parse(br#"{"webhook_type": "thing.happened", "thing": {"id": "x"}}"#)?;
//! assert_eq!(event.payload().unwrap()["id"], "x");
//! assert_eq!(event.validate().unwrap_err().to_string(), "/thing/id: `x` is not a UUID");
//!
//! let err = spec.parse(br#"{"webhook_type": "thing.happened", "thing": {"id": 7}}"#).unwrap_err();
//! assert_eq!(err.to_string(), "thing.happened: expected a string, found an integer at /thing/id (line 1, column 52)");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Where it differs from generated code, which reads the body straight into its types
//! while this reads it into a `serde_json::Value` first:
//! - a key written twice in one object, which generated code refuses, is read as
//!   `serde_json` reads it (the last one wins);
//! - a key the spec does not list is skipped by generated code whatever it holds, while
//!   here its value must be one `serde_json` can build: nested less than 128 levels, no
//!   lone surrogate escapes, numbers within `f64`, valid UTF-8;
//! - of several problems, a parse reports the first in the spec's order of fields (generated
//!   code, the first in the body's order), located where its value starts.

mod walk;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use lago_webhooks_codegen::resolved::{Ir, MessageIr};
pub use lago_webhooks_codegen::{SpecErrors, SpecSource, resolved};
use lago_webhooks_core::envelope;
use serde_json::Value;

use crate::receiver::Receiver;
use crate::validate::Path;
use crate::verify::Verifier;
use crate::{Delivery, Dispatch, HandlerResult, ParseError, ParseErrorKind, Validate, Violations, Webhook};

pub use self::walk::MAX_DEPTH;

/// The rules of the problems that stop a body from parsing, as [`DynamicSpec::inspect`]
/// reports them (validation reports the others):
///
/// | rule | what |
/// |---|---|
/// | `type` | a value of the wrong JSON kind (a string for an integer, `1.5` for an integer, an array for an object, a kind no variant of a union takes), or a body that is not a JSON object |
/// | `required` | a key that must be present is absent: `webhook_type`, the message's payload key, or a field neither `optional` nor `nullable` |
/// | `null` | `null` where the type does not take it: a field neither `optional` nor `nullable`, an array item, the payload (`json` values take `null` anywhere) |
/// | `depth` | an object or array [`MAX_DEPTH`] levels deep or deeper, not looked into |
pub const PARSE_RULES: &[&str] = &["type", "required", "null", "depth"];

/// The rule of a `webhook_type` the spec does not list: not a parse problem (generated
/// code keeps such a webhook as unknown, and a receiver accepts it), but worth saying
/// when checking a body against a spec.
pub const UNKNOWN_TYPE_RULE: &str = "webhook_type";

/// A spec read at run time, resolved once, to parse and validate any number of bodies.
/// Cheap to clone: clones share the resolved spec.
#[derive(Debug, Clone)]
pub struct DynamicSpec(Arc<Resolved>);

/// The resolved spec and the lookups a walk needs.
#[derive(Debug)]
struct Resolved {
    ir: Ir,
    /// Message position by `webhook_type`.
    messages: HashMap<String, usize>,
    /// The values of each enumeration, by position.
    enum_values: Vec<HashSet<String>>,
}

impl DynamicSpec {
    /// Reads, checks and resolves a spec: the spec, or every problem the generator finds
    /// in it (a spec it would not generate code from says nothing certain about bodies).
    pub fn from_source(source: &SpecSource) -> Result<Self, SpecErrors> {
        Ok(DynamicSpec::from_resolved(lago_webhooks_codegen::resolve(source, None)?))
    }

    /// The spec of a resolution already made.
    pub fn from_resolved(ir: Ir) -> Self {
        let mut messages = HashMap::new();
        for (index, message) in ir.messages.iter().enumerate() {
            messages.entry(message.webhook_type.clone()).or_insert(index);
        }
        let enum_values =
            ir.enums.iter().map(|e| e.values.iter().map(|v| v.value.clone()).collect()).collect();
        DynamicSpec(Arc::new(Resolved { ir, messages, enum_values }))
    }

    /// The resolved spec.
    pub fn resolved(&self) -> &Ir {
        &self.0.ir
    }

    /// The message of `webhook_type`, when the spec lists it.
    pub fn message(&self, webhook_type: &str) -> Option<&MessageIr> {
        self.0.messages.get(webhook_type).map(|index| &self.0.ir.messages[*index])
    }

    /// Parses a body as the code generated from this spec would: a [`ParseError`] (with
    /// its pointer, line and column) where that code would refuse the body, the event
    /// otherwise (the module's documentation says where the two differ). Validation is
    /// apart: [`Validate::validate`] on the event; a parse checks kinds and presence only.
    pub fn parse(&self, body: &[u8]) -> Result<DynamicEvent, ParseError> {
        let value: Value = serde_json::from_slice(body).map_err(|err| not_json(body, &err))?;
        let inspection = walk::inspect(&self.0, &value, false);
        if let Some(problem) = inspection.violations.iter().find(|v| PARSE_RULES.contains(&v.rule())) {
            return Err(located(body, problem, inspection.webhook_type.clone()));
        }
        let Value::Object(map) = &value else {
            // Not an object is a `type` problem, reported above.
            return Err(ParseError::at_envelope(
                body,
                ParseErrorKind::Data,
                None,
                "not an object".to_owned(),
            ));
        };
        let webhook_type = inspection.webhook_type.unwrap_or_default();
        let organization_id = map.get(envelope::ORGANIZATION_ID).and_then(Value::as_str).map(str::to_owned);
        let message = self.0.messages.get(&webhook_type).copied();
        Ok(DynamicEvent { spec: self.clone(), message, webhook_type, organization_id, body: value })
    }

    /// Every problem of a parsed body at once, in the order of the body's fields as the
    /// spec lists them: those that would stop the generated code from parsing it (rules
    /// in [`PARSE_RULES`]), those its validation finds, and a `webhook_type` the spec does
    /// not list ([`UNKNOWN_TYPE_RULE`]).
    pub fn inspect(&self, body: &Value) -> Inspection {
        walk::inspect(&self.0, body, true)
    }

    /// A receiver of this spec's webhooks, handing them to `handler`: as
    /// [`Receiver::for_events`] builds for generated types, with the same steps,
    /// statuses and refusals.
    pub fn receiver<H: DynamicHandler>(&self, verifier: Verifier, handler: H) -> Receiver<DynamicEvent, H> {
        let spec = self.clone();
        Receiver::parsing_with(verifier, handler, move |body| spec.parse(body))
    }
}

/// What [`DynamicSpec::inspect`] found in a body.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Inspection {
    /// The envelope's `webhook_type`, when it is a string.
    pub webhook_type: Option<String>,
    /// Every problem found.
    pub violations: Violations,
}

impl Inspection {
    /// Whether the code generated from the spec would refuse the body while parsing it.
    pub fn is_malformed(&self) -> bool {
        self.violations.iter().any(|v| PARSE_RULES.contains(&v.rule()))
    }
}

/// A body that is not JSON as a [`ParseError`]: where `serde_json` stopped, with the pointer
/// of the value it was in, as generated code says it. The path is tracked only then, by a
/// second read: a body that parses pays nothing for it.
fn not_json(body: &[u8], err: &serde_json::Error) -> ParseError {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    // Trailing text after a whole value stops nowhere inside it: no pointer then.
    let traced = serde_path_to_error::deserialize::<_, Value>(&mut deserializer);
    let pointer =
        traced.err().map(|err| lago_webhooks_core::pointer::of_path(err.path())).unwrap_or_default();
    ParseError { pointer, ..ParseError::from_json(err) }
}

/// A parse problem as a [`ParseError`], located in the body: at the value, or, for a key
/// that is absent, at the object that lacks it (which is then its pointer).
fn located(body: &[u8], problem: &crate::Violation, webhook_type: Option<String>) -> ParseError {
    let pointer = problem.pointer();
    let kind = match (problem.rule(), pointer) {
        ("required", "/webhook_type") => ParseErrorKind::MissingWebhookType,
        ("required", p) if p.rfind('/') == Some(0) => ParseErrorKind::MissingPayload,
        _ => ParseErrorKind::Data,
    };
    let text = std::str::from_utf8(body).unwrap_or("");
    let parent = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
    // A key that is absent is the fault of the object lacking it, as generated code says.
    let pointer = if problem.rule() == "required" { parent } else { pointer };
    let (line, column) = lago_webhooks_core::pointer::line_column(text, pointer).unwrap_or((1, 1));
    ParseError {
        kind,
        webhook_type,
        pointer: pointer.to_owned(),
        line,
        column,
        message: problem.message().to_owned(),
    }
}

/// A webhook parsed by a [`DynamicSpec`]: the body as JSON, and what the spec says of it.
#[derive(Debug, Clone)]
pub struct DynamicEvent {
    spec: DynamicSpec,
    message: Option<usize>,
    webhook_type: String,
    organization_id: Option<String>,
    body: Value,
}

impl DynamicEvent {
    /// The `webhook_type` string, known to the spec or not.
    pub fn webhook_type(&self) -> &str {
        &self.webhook_type
    }

    /// The envelope's `organization_id`, when it has one.
    pub fn organization_id(&self) -> Option<&str> {
        self.organization_id.as_deref()
    }

    /// The spec's message for its type; `None` for a type the spec does not list.
    pub fn message(&self) -> Option<&MessageIr> {
        self.message.map(|index| &self.spec.0.ir.messages[index])
    }

    /// The payload, under the message's payload key; `None` for a type the spec does not
    /// list.
    pub fn payload(&self) -> Option<&Value> {
        self.body.get(&self.message()?.payload_key)
    }

    /// The whole body.
    pub fn body(&self) -> &Value {
        &self.body
    }

    /// The body, owned.
    pub fn into_body(self) -> Value {
        self.body
    }

    /// The spec it was parsed with.
    pub fn spec(&self) -> &DynamicSpec {
        &self.spec
    }
}

impl Webhook for DynamicEvent {
    fn webhook_type(&self) -> &str {
        &self.webhook_type
    }

    fn organization_id(&self) -> Option<&str> {
        self.organization_id.as_deref()
    }
}

impl Validate for DynamicEvent {
    fn validate_at(&self, path: &Path<'_>, out: &mut Violations) {
        if let (Some(message), Some(payload)) = (self.message(), self.payload()) {
            walk::validate_payload(&self.spec.0, message, payload, &path.key(&message.payload_key), out);
        }
    }
}

/// Handles the webhooks of a [`DynamicSpec`]: one method for every type, since the types
/// are known only at run time.
pub trait DynamicHandler: Send + Sync {
    /// Handles one webhook; an error makes the receiver answer 500, so that Lago retries.
    fn handle(&self, event: DynamicEvent, delivery: &Delivery) -> impl Future<Output = HandlerResult> + Send;
}

impl<H: DynamicHandler> Dispatch<H> for DynamicEvent {
    fn dispatch(self, handler: &H, delivery: &Delivery) -> impl Future<Output = HandlerResult> + Send {
        handler.handle(self, delivery)
    }
}

impl<H: DynamicHandler> Receiver<DynamicEvent, H> {
    /// A receiver of the webhooks of `spec` (see [`DynamicSpec::receiver`]).
    pub fn for_spec(spec: &DynamicSpec, verifier: Verifier, handler: H) -> Self {
        spec.receiver(verifier, handler)
    }
}
