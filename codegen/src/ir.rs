//! The checked spec, resolved and named, ready for emission.
//!
//! Indices refer into [`Ir::objects`] and [`Ir::enums`]; every name is already a
//! valid, collision-free Rust identifier.

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
    ];

    /// The primitive a spec names `name`, if any.
    pub fn from_name(name: &str) -> Option<Primitive> {
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    /// The name a spec uses for it.
    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(_, p)| *p == self).map_or("json", |(n, _)| n)
    }
}

/// A resolved field type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// A built-in type.
    Primitive(Primitive),
    /// An object, by index.
    Object(usize),
    /// An enumeration, by index.
    Enum(usize),
    /// A JSON array of the inner type.
    Array(Box<TypeRef>),
}

/// The resolved spec.
#[derive(Debug, Clone)]
pub struct Ir {
    /// The messages to generate, in spec order.
    pub messages: Vec<MessageIr>,
    /// The objects to generate.
    pub objects: Vec<ObjectIr>,
    /// The enumerations to generate.
    pub enums: Vec<EnumIr>,
    /// Name of the `WebhookEvent` variant for webhook types the spec does not know.
    pub unknown_event_variant: String,
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
    /// Payload object, by index.
    pub payload: usize,
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
}
