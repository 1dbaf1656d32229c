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
    /// Every "one of" type: a value whose JSON kind varies.
    pub unions: Vec<Union>,
    /// Inconsistencies found in the source documentation, with their decisions.
    pub quirks: Vec<Quirk>,
    /// Differences from an upstream description of the messages that the spec has
    /// decided. `lago-webhooks import-openapi` reads them; they generate no code.
    pub drift: Vec<DriftDecision>,
    /// The Lago releases the spec covers, when it says.
    pub releases: Option<Releases>,
    /// Names of objects, enumerations and unions whose definitions could not be read;
    /// references to them are not reported again as unknown types.
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
    /// Whether current Lago still sends the message.
    #[serde(default)]
    pub lifecycle: Lifecycle,
    /// The paid add-on without which Lago never sends the message, if any.
    #[serde(default)]
    pub premium: Option<String>,
    /// The first Lago release that sends it (`1.9.0`), or `unreleased` when only Lago's
    /// development head does; absent when every release from the spec's floor does.
    #[serde(default)]
    pub since: Option<String>,
    /// The last Lago release that sends it, when a later one no longer does.
    #[serde(default)]
    pub until: Option<String>,
    /// Releases that changed the shape of its payload in a way its fields' `since` and
    /// `until` cannot say, such as a switch to another serializer.
    #[serde(default)]
    pub changes: Vec<MessageChange>,
}

/// A release that changed one message's payload (see [`Message::changes`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageChange {
    /// The first release that sends the new shape (`1.34.0`).
    pub release: String,
    /// What changed.
    pub description: String,
    /// Whether the release stopped sending keys the message had.
    #[serde(default)]
    pub breaking: bool,
}

/// Whether Lago still sends a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// Sent by current Lago.
    #[default]
    Current,
    /// Still sent, but Lago has announced its removal.
    Deprecated,
    /// No longer sent by current Lago; older versions still in use send it.
    Retired,
    /// Sent by Lago's development head only, by no release yet.
    Unreleased,
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
    /// Rules across its fields.
    pub rules: Vec<Rule>,
}

/// A rule across the fields of an object, checked by validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Every currency code of the object, and of the objects under the `within` fields,
    /// equals the root currency: the first of the `root` fields that holds a currency code.
    SameCurrency {
        /// Currency fields of the object, in order of preference.
        root: Vec<String>,
        /// Fields holding nested objects whose currencies must match.
        #[serde(default)]
        within: Vec<String>,
    },
    /// The integer field `total` equals the sum of `parts`; a part written as a list of
    /// fields takes the first present of them. Checked only when every part is present.
    Sum {
        /// The total field.
        total: String,
        /// The parts.
        parts: Vec<SumPart>,
    },
}

/// One part of a sum: a field, or a list of alternative fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SumPart {
    /// One field.
    Field(String),
    /// The first present of these fields.
    FirstOf(Vec<String>),
}

impl SumPart {
    /// The fields of the part, in order of preference.
    pub fn fields(&self) -> &[String] {
        match self {
            SumPart::Field(field) => std::slice::from_ref(field),
            SumPart::FirstOf(fields) => fields,
        }
    }
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
    /// The textual format the value must have, overriding the one its type implies
    /// (`uuid`, `email`, `url`, `date`, `datetime`, `currency`, `decimal`, or `none`).
    #[serde(default)]
    pub format: Option<String>,
    /// A string value must not be empty.
    #[serde(default)]
    pub non_empty: bool,
    /// Least value of an integer.
    #[serde(default)]
    pub minimum: Option<i64>,
    /// Greatest value of an integer.
    #[serde(default)]
    pub maximum: Option<i64>,
    /// The first Lago release that sends it (`1.9.0`), or `unreleased` when only Lago's
    /// development head does; absent when every release from the spec's floor does.
    #[serde(default)]
    pub since: Option<String>,
    /// The last Lago release that sends it, when a later one no longer does.
    #[serde(default)]
    pub until: Option<String>,
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
    /// The first Lago release that sends it (`1.9.0`), or `unreleased` when only Lago's
    /// development head does; absent when every release from the spec's floor does.
    #[serde(default)]
    pub since: Option<String>,
    /// The last Lago release that sends it, when a later one no longer does.
    #[serde(default)]
    pub until: Option<String>,
}

/// A value whose JSON kind varies ("one of"): each variant is one kind of JSON value.
#[derive(Debug, Clone)]
pub struct Union {
    /// Position in the `unions` list.
    pub index: usize,
    /// Type name, converted to an UpperCamelCase Rust identifier.
    pub name: String,
    /// What the value represents.
    pub description: String,
    /// Its alternatives, at most one per JSON kind.
    pub variants: Vec<UnionVariant>,
}

/// One alternative of a union.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnionVariant {
    /// Position in its union's `variants` list.
    #[serde(skip)]
    pub index: usize,
    /// Variant name, converted to an UpperCamelCase Rust identifier.
    pub name: String,
    /// Type expression of the alternative.
    #[serde(rename = "type")]
    pub ty: String,
    /// When the value takes this form.
    #[serde(default)]
    pub description: String,
    /// The first Lago release that sends it (`1.9.0`), or `unreleased` when only Lago's
    /// development head does; absent when every release from the spec's floor does.
    #[serde(default)]
    pub since: Option<String>,
    /// The last Lago release that sends it, when a later one no longer does.
    #[serde(default)]
    pub until: Option<String>,
}

/// The Lago releases a spec covers: the oldest whose deliveries the types must read (the
/// floor), and where the `since` and `until` of its parts were read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Releases {
    /// The oldest release supported (`1.0.0`): what every release from it on sends is
    /// always there in types without a version pin.
    pub floor: String,
    /// The newest release the spec knows.
    pub latest: String,
    /// Where the versions were read, such as a lago-api commit.
    #[serde(default)]
    pub read_from: Option<String>,
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

/// Differences from an upstream description that the spec has decided, and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftDecision {
    /// The keys of the differences: `message T`, `field O.f`, `value E.v`,
    /// `alternative U.kind`, `type O.f` or `type U.kind`.
    pub differences: Vec<String>,
    /// Why the spec keeps its own.
    pub decision: String,
}
