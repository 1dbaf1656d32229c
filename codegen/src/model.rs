//! The spec file as written: plain serde types, before any checking.
//!
//! Field names mirror the keys documented in `spec/README.md`; unknown keys are
//! refused so that a typo such as `nulable` is reported instead of ignored.
//! Every list item keeps its `index` in the file, so that problems found later
//! point at the right place even when a sibling item could not be read.

use serde::Deserialize;
use serde_json::Value;

/// The only format version this crate reads.
pub const FORMAT_VERSION: u64 = 1;

/// A whole spec file.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// Version of the file format; see [`FORMAT_VERSION`].
    pub format_version: u64,
    /// Human title of the spec.
    pub title: String,
    /// What the spec covers.
    pub description: String,
    /// Where the described messages are documented.
    pub source: Option<String>,
    /// Every webhook message.
    pub messages: Vec<Message>,
    /// Every object reachable from a payload.
    pub objects: Vec<Object>,
    /// Every enumeration used by a field.
    pub enums: Vec<Enum>,
    /// Inconsistencies found in the source documentation, with their decisions.
    pub quirks: Vec<Quirk>,
    /// Names of objects and enumerations whose definitions could not be read; references
    /// to them are not reported again as unknown types.
    pub unreadable_names: Vec<String>,
}

/// One webhook message, identified by its `webhook_type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// Position in the `messages` list.
    #[serde(skip)]
    pub index: usize,
    /// The `webhook_type` string Lago sends, such as `invoice.created`.
    pub webhook_type: String,
    /// The `object_type` string Lago sends alongside it.
    pub object_type: String,
    /// The envelope key that holds the payload.
    pub payload_key: String,
    /// Name of the object describing the payload.
    pub payload: String,
    /// Short heading.
    pub title: String,
    /// Section of the documentation the message belongs to.
    #[serde(default)]
    pub category: Option<String>,
    /// When the message is sent and what it is for.
    pub description: String,
    /// A full example envelope.
    #[serde(default)]
    pub example: Option<Value>,
    /// How `example` differs from the documentation's text, when it had to be corrected.
    #[serde(default)]
    pub example_corrections: Vec<String>,
}

/// A JSON object type.
#[derive(Debug, Clone)]
pub struct Object {
    /// Position in the `objects` list.
    pub index: usize,
    /// Type name, converted to an UpperCamelCase Rust identifier.
    pub name: String,
    /// What the object represents.
    pub description: String,
    /// Its attributes, in display order.
    pub fields: Vec<Field>,
}

/// One attribute of an object.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Position in its object's `fields` list.
    #[serde(skip)]
    pub index: usize,
    /// JSON key, exactly as sent.
    pub name: String,
    /// Type expression: a primitive, an object or enum name, or `T[]`.
    #[serde(rename = "type")]
    pub ty: String,
    /// The key may be absent.
    #[serde(default)]
    pub optional: bool,
    /// The value may be `null`.
    #[serde(default)]
    pub nullable: bool,
    /// What the attribute means.
    pub description: String,
}

/// A string enumeration.
#[derive(Debug, Clone)]
pub struct Enum {
    /// Position in the `enums` list.
    pub index: usize,
    /// Type name, converted to an UpperCamelCase Rust identifier.
    pub name: String,
    /// What the enumeration represents.
    pub description: String,
    /// Its known values.
    pub values: Vec<EnumValue>,
}

/// One known value of an enumeration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// Position in its enumeration's `values` list.
    #[serde(skip)]
    pub index: usize,
    /// The string as sent.
    pub value: String,
    /// What the value means.
    #[serde(default)]
    pub description: String,
    /// HTTP status associated with an error code, where the docs give one.
    #[serde(default)]
    pub http_status: Option<u16>,
}

/// An inconsistency in the source documentation and how the spec settles it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quirk {
    /// Stable kebab-case identifier.
    pub id: String,
    /// Webhook types whose documentation shows it.
    #[serde(default)]
    pub messages: Vec<String>,
    /// JSON Pointer into the example where it shows.
    #[serde(default)]
    pub pointer: Option<String>,
    /// What the documentation shows.
    pub found: String,
    /// How the spec handles it.
    pub decision: String,
}
