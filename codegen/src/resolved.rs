//! The checked spec, resolved and named: what the emitter writes code from, and what
//! tools that read a spec at run time read (see [`crate::resolve`]).
//!
//! Types refer to each other by typed position ([`ObjectId`], [`EnumId`], [`UnionId`])
//! into [`Ir::objects`], [`Ir::enums`] and [`Ir::unions`], and rules to fields by
//! [`FieldIndex`]; every name is already a valid, collision-free Rust identifier.

pub use lago_webhooks_core::Format;

pub use crate::model::Lifecycle;
pub use lago_webhooks_core::version::{LagoVersion, Since, VersionRange};

/// A typed position into one table of the resolved spec: its own type, so that it cannot
/// index another table.
macro_rules! position {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(crate) usize);

        impl $name {
            /// Its position in its table.
            pub fn index(self) -> usize {
                self.0
            }
        }
    };
}

position!(
    /// Position in [`Ir::objects`].
    ObjectId
);
position!(
    /// Position in [`Ir::enums`].
    EnumId
);
position!(
    /// Position in [`Ir::unions`].
    UnionId
);
position!(
    /// Position in one object's [`ObjectIr::fields`].
    FieldIndex
);

/// A built-in type of the spec's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    /// Any string.
    String,
    /// A JSON integer.
    Integer,
    /// A JSON number, read as `f64`.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A decimal sent as a string or a number; exact digits kept.
    Decimal,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A timestamp.
    DateTime,
    /// An ISO 4217 currency code.
    Currency,
    /// A URL.
    Url,
    /// A Lago identifier.
    Id,
    /// Any JSON value.
    Json,
    /// A string whose text is itself JSON.
    EncodedJson,
}

impl Primitive {
    /// Every primitive with the name a spec uses for it.
    pub const NAMES: &[(&str, Primitive)] = &[
        ("string", Primitive::String),
        ("integer", Primitive::Integer),
        ("number", Primitive::Number),
        ("boolean", Primitive::Boolean),
        ("decimal", Primitive::Decimal),
        ("date", Primitive::Date),
        ("datetime", Primitive::DateTime),
        ("currency", Primitive::Currency),
        ("url", Primitive::Url),
        ("id", Primitive::Id),
        ("json", Primitive::Json),
        ("encoded_json", Primitive::EncodedJson),
    ];

    /// The primitive a spec names `name`, if any.
    pub fn from_name(name: &str) -> Option<Primitive> {
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    /// Whether values of this type are plain strings.
    pub fn is_textual(self) -> bool {
        matches!(self, Primitive::String | Primitive::Id | Primitive::Currency | Primitive::Url)
    }

    /// The one JSON kind its values have, or `None` for types that accept several
    /// (`decimal` takes strings and numbers, `json` anything).
    pub fn json_kind(self) -> Option<JsonKind> {
        match self {
            Primitive::Integer => Some(JsonKind::Integer),
            Primitive::Number => Some(JsonKind::Number),
            Primitive::Boolean => Some(JsonKind::Boolean),
            Primitive::Decimal | Primitive::Json => None,
            _ => Some(JsonKind::String),
        }
    }

    /// The name a spec uses for it.
    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(_, p)| *p == self).map_or("json", |(n, _)| n)
    }

    /// The format its values must have unless a field says otherwise.
    pub fn implied_format(self) -> Option<Format> {
        match self {
            Primitive::Id => Some(Format::Uuid),
            Primitive::Url => Some(Format::Url),
            Primitive::Date => Some(Format::Date),
            Primitive::DateTime => Some(Format::DateTime),
            Primitive::Currency => Some(Format::Currency),
            Primitive::Decimal => Some(Format::Decimal),
            Primitive::EncodedJson => Some(Format::Json),
            _ => None,
        }
    }

    /// Whether a field of this type may name `format`: text formats for text, and the
    /// formats dates, timestamps and decimals imply for them.
    pub fn takes_format(self, format: Format) -> bool {
        match format {
            Format::Date => self == Primitive::Date,
            Format::DateTime => self == Primitive::DateTime,
            Format::Decimal => self == Primitive::Decimal,
            Format::Json => self == Primitive::EncodedJson || self.is_textual(),
            _ => self.is_textual(),
        }
    }
}

/// A resolved field type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// A built-in type.
    Primitive(Primitive),
    /// An object.
    Object(ObjectId),
    /// An enumeration.
    Enum(EnumId),
    /// A "one of".
    Union(UnionId),
    /// A JSON array of the inner type.
    Array(Box<TypeRef>),
}

impl TypeRef {
    /// Whether the type is an object, or an array of them at any depth.
    pub fn holds_objects(&self) -> bool {
        match self {
            TypeRef::Object(_) => true,
            TypeRef::Array(inner) => inner.holds_objects(),
            _ => false,
        }
    }

    /// Whether values of the type hold borrowed text in the borrowed flavour, given which
    /// objects do (see [`Ir::lending_objects`]): text and decimals, through arrays;
    /// enumerations and unions are shared with the owned flavour.
    pub fn lends(&self, lending: &[bool]) -> bool {
        match self {
            TypeRef::Primitive(p) => {
                !matches!(p, Primitive::Integer | Primitive::Number | Primitive::Boolean | Primitive::Json)
            }
            TypeRef::Object(id) => lending.get(id.0).copied().unwrap_or(false),
            TypeRef::Enum(_) | TypeRef::Union(_) => false,
            TypeRef::Array(inner) => inner.lends(lending),
        }
    }

    /// The type inside any number of arrays.
    pub fn innermost(&self) -> &TypeRef {
        match self {
            TypeRef::Array(inner) => inner.innermost(),
            other => other,
        }
    }
}

/// The resolved spec.
#[derive(Debug, Clone)]
pub struct Ir {
    /// The spec's title, to name it in diagnostics.
    pub title: String,
    /// The messages to generate, in spec order.
    pub messages: Vec<MessageIr>,
    /// The objects to generate.
    pub objects: Vec<ObjectIr>,
    /// The enumerations to generate.
    pub enums: Vec<EnumIr>,
    /// The "one of" types to generate.
    pub unions: Vec<UnionIr>,
    /// Name of the `WebhookEvent` variant for webhook types the spec does not know.
    pub unknown_event_variant: String,
}

// Ids and field indices are made only while checking, from the positions of the tables
// being built, so they are in range: an out-of-range one is a generator bug, not a spec's.
impl Ir {
    /// The ids of all objects, in spec order.
    pub fn object_ids(&self) -> impl Iterator<Item = ObjectId> + use<> {
        (0..self.objects.len()).map(ObjectId)
    }

    /// The object at `id`.
    pub fn object(&self, id: ObjectId) -> &ObjectIr {
        &self.objects[id.0]
    }

    /// Whether an object of type `from` holding a `to` directly (not in an array) would
    /// contain itself: `to` is `from`, or holds, directly, an object that leads back.
    pub fn leads_back(&self, from: ObjectId, to: ObjectId) -> bool {
        let mut seen = vec![false; self.objects.len()];
        let mut stack = vec![to];
        while let Some(id) = stack.pop() {
            if id == from {
                return true;
            }
            if std::mem::replace(&mut seen[id.0], true) {
                continue;
            }
            for field in &self.object(id).fields {
                if let TypeRef::Object(next) = field.ty {
                    stack.push(next);
                }
            }
        }
        false
    }

    /// For each object, whether its borrowed flavour holds text borrowed from the body: a
    /// text or decimal field, or an object that does, through arrays (unions and
    /// enumerations are shared with the owned flavour). Objects that do not need no
    /// lifetime.
    pub fn lending_objects(&self) -> Vec<bool> {
        let mut lending = vec![false; self.objects.len()];
        // Until nothing changes: an object lends when a field's type does.
        loop {
            let mut changed = false;
            for (index, object) in self.objects.iter().enumerate() {
                if !lending[index] && object.fields.iter().any(|f| f.ty.lends(&lending)) {
                    lending[index] = true;
                    changed = true;
                }
            }
            if !changed {
                return lending;
            }
        }
    }

    /// The enumeration `id` refers to.
    pub fn enumeration(&self, id: EnumId) -> &EnumIr {
        &self.enums[id.0]
    }

    /// The union `id` refers to.
    pub fn union(&self, id: UnionId) -> &UnionIr {
        &self.unions[id.0]
    }
}

/// One webhook message.
#[derive(Debug, Clone)]
pub struct MessageIr {
    /// The `webhook_type` string.
    pub webhook_type: String,
    /// The `object_type` string.
    pub object_type: String,
    /// The envelope key holding the payload.
    pub payload_key: String,
    /// Payload object.
    pub payload: ObjectId,
    /// Variant name in `WebhookType` and `WebhookEvent`.
    pub variant: String,
    /// Handler method name.
    pub method: String,
    /// Parameter name of the handler method.
    pub param: String,
    /// Short heading.
    pub title: String,
    /// Long description.
    pub description: String,
    /// Whether current Lago still sends it.
    pub lifecycle: Lifecycle,
    /// The paid add-on it needs, if any.
    pub premium: Option<String>,
    /// The example envelope as compact JSON text, if the spec has one.
    pub example: Option<String>,
    /// The first Lago release that sends it.
    pub since: Since,
    /// The last Lago release that sends it, if a later one stopped.
    pub until: Option<LagoVersion>,
    /// Releases that changed its payload in ways its fields' dates do not say.
    pub changes: Vec<ChangeIr>,
}

impl MessageIr {
    /// Its example envelope as compact JSON text, or, when the spec has none, a bare
    /// envelope with an empty payload: what `WebhookType::example` returns.
    pub fn example_or_bare(&self) -> String {
        self.example.clone().unwrap_or_else(|| {
            let text = |s: &str| serde_json::Value::from(s).to_string();
            format!(
                "{{\"webhook_type\":{},\"object_type\":{},{}:{{}}}}",
                text(&self.webhook_type),
                text(&self.object_type),
                text(&self.payload_key)
            )
        })
    }
}

/// A release that changed one message's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeIr {
    /// The first release that sends the new shape.
    pub release: LagoVersion,
    /// What changed.
    pub description: String,
    /// Whether the release stopped sending keys the message had.
    pub breaking: bool,
}

/// One "one of" type, emitted as an enum with a variant per JSON kind.
#[derive(Debug, Clone)]
pub struct UnionIr {
    /// Rust type name.
    pub name: String,
    /// Doc text.
    pub description: String,
    /// Its alternatives.
    pub variants: Vec<UnionVariantIr>,
}

/// One alternative of a union.
#[derive(Debug, Clone)]
pub struct UnionVariantIr {
    /// Rust variant name.
    pub variant: String,
    /// Name of its accessor method (`as_...`).
    pub accessor: String,
    /// Resolved type.
    pub ty: TypeRef,
    /// The JSON kind of its values, which tells the variants apart.
    pub kind: JsonKind,
    /// Doc text.
    pub description: String,
    /// The format its text must have, if any (implied by its type).
    pub format: Option<Format>,
    /// The first Lago release that sends it.
    pub since: Since,
    /// The last Lago release that sends it, if a later one stopped.
    pub until: Option<LagoVersion>,
}

/// The JSON kinds a union tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// A JSON string.
    String,
    /// A JSON number without fraction.
    Integer,
    /// Any JSON number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
}

impl JsonKind {
    /// What a spec calls values of this kind, for messages.
    pub fn name(self) -> &'static str {
        match self {
            JsonKind::String => "string",
            JsonKind::Integer => "integer",
            JsonKind::Number => "number",
            JsonKind::Boolean => "boolean",
            JsonKind::Object => "object",
            JsonKind::Array => "array",
        }
    }
}

/// One object, emitted as a struct.
#[derive(Debug, Clone)]
pub struct ObjectIr {
    /// Rust type name.
    pub name: String,
    /// Doc text.
    pub description: String,
    /// Its fields, in spec order.
    pub fields: Vec<FieldIr>,
    /// Rules across its fields.
    pub rules: Vec<RuleIr>,
}

impl ObjectIr {
    /// The field `index` refers to; rules are resolved against this object's own fields.
    pub fn field(&self, index: FieldIndex) -> &FieldIr {
        &self.fields[index.0]
    }

    /// The parts of a [`RuleIr::Sum`] as its violations name them: alternatives joined
    /// by `|`, parts by ` + ` (`amount_cents + taxes_amount_cents|vat_amount_cents`).
    pub fn sum_terms(&self, parts: &[Vec<FieldIndex>]) -> String {
        let part = |alternatives: &Vec<FieldIndex>| {
            alternatives.iter().map(|i| self.field(*i).json_name.as_str()).collect::<Vec<_>>().join("|")
        };
        parts.iter().map(part).collect::<Vec<_>>().join(" + ")
    }
}

/// One struct field.
#[derive(Debug, Clone)]
pub struct FieldIr {
    /// JSON key.
    pub json_name: String,
    /// Rust field name.
    pub rust_name: String,
    /// Resolved type.
    pub ty: TypeRef,
    /// The key may be absent.
    pub optional: bool,
    /// The value may be null.
    pub nullable: bool,
    /// Doc text.
    pub description: String,
    /// The format its text must have, if any.
    pub format: Option<Format>,
    /// A string must not be empty.
    pub non_empty: bool,
    /// Least value of an integer.
    pub minimum: Option<i64>,
    /// Greatest value of an integer.
    pub maximum: Option<i64>,
    /// The first Lago release that sends it.
    pub since: Since,
    /// The last Lago release that sends it, if a later one no longer does.
    pub until: Option<LagoVersion>,
}

/// A rule across the fields of an object, which it names by [`FieldIndex`].
#[derive(Debug, Clone)]
pub enum RuleIr {
    /// Currencies equal the root's.
    SameCurrency {
        /// Root candidates, in order of preference.
        root: Vec<FieldIndex>,
        /// Fields whose nested objects are included.
        within: Vec<FieldIndex>,
    },
    /// A total equals the sum of its parts.
    Sum {
        /// The total.
        total: FieldIndex,
        /// Each part: alternatives in order of preference.
        parts: Vec<Vec<FieldIndex>>,
    },
}

/// One enumeration.
#[derive(Debug, Clone)]
pub struct EnumIr {
    /// Rust type name.
    pub name: String,
    /// Doc text.
    pub description: String,
    /// Known values.
    pub values: Vec<ValueIr>,
    /// Name of the variant holding values the spec does not list.
    pub unknown_variant: String,
}

/// One known enumeration value.
#[derive(Debug, Clone)]
pub struct ValueIr {
    /// The string as sent.
    pub value: String,
    /// Rust variant name.
    pub variant: String,
    /// Doc text.
    pub description: String,
    /// Associated HTTP status, if any.
    pub http_status: Option<u16>,
    /// The first Lago release that sends it.
    pub since: Since,
    /// The last Lago release that sends it, if a later one stopped.
    pub until: Option<LagoVersion>,
}
