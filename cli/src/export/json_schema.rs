//! JSON Schema (draft 2020-12) of a resolved spec: a schema per message, describing the
//! whole envelope Lago POSTs, and the definitions of the objects, enumerations and unions
//! it reaches. The AsyncAPI document reuses the same definitions under
//! `components/schemas`.
//!
//! A schema is a validator, so it says what the Rust side accepts *and validates clean*:
//!
//! - a key is `required` when its Rust field is no `Option` (neither `optional` nor
//!   `nullable` in the spec); `null` is allowed where the spec says `nullable`;
//! - objects are open (no `additionalProperties`): Lago adds keys, and parsing ignores
//!   them;
//! - enumerations are closed (`enum`): validation reports a value the spec does not list
//!   (rule `enum`), though parsing keeps it in the fallback variant;
//! - formats are those validation checks: `uuid`, `email`, `date`, `date-time`, `uri`
//!   (with a pattern for the http(s) scheme and a host), currency codes as an enumeration,
//!   decimals as a pattern, JSON text as `contentMediaType`, plus `minLength` for
//!   `non_empty` and integer bounds;
//! - decimals stay strings where Lago sends strings (a number is accepted too, as the
//!   spec's `decimal` type is), so no precision is lost to a float.
//!
//! Rules across fields (`same_currency`, `sum`) have no JSON Schema form; an object's
//! `$comment` states them.

use std::collections::BTreeSet;

use lago_webhooks_codegen::resolved::{
    EnumIr, FieldIr, Format, Ir, Lifecycle, MessageIr, ObjectId, ObjectIr, Primitive, RuleIr, TypeRef,
    UnionIr,
};
use lago_webhooks_codegen::vocabulary::JsonKind;

use crate::ordered::Json;

/// The dialect of the exported schemas.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The definition name of the currency codes. It is a primitive type's name, which no
/// object, enumeration or union of a spec may take (theirs are UpperCamelCase), so it
/// cannot collide with one.
pub const CURRENCY: &str = "currency";

/// What an absolute URL with the http or https scheme and a host starts with, and no
/// white space after: the `uri` format alone would take any scheme. (Validation also
/// refuses control characters and an empty host after user information; a pattern
/// keeps to the common case.)
pub const URL_PATTERN: &str = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#@:][^\s]*$";

/// A decimal as validation takes it: an optional `-`, digits, an optional fraction.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

/// A JSON object of `members`, in this order.
pub fn object(members: Vec<(&str, Json)>) -> Json {
    Json::Object(members.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
}

/// A JSON string.
pub fn text(value: &str) -> Json {
    Json::String(value.to_owned())
}

/// A JSON array of strings.
fn texts<'a>(values: impl IntoIterator<Item = &'a str>) -> Json {
    Json::Array(values.into_iter().map(text).collect())
}

/// How schemas refer to the named definitions of a spec: `#/$defs/` in a schema file,
/// `#/components/schemas/` in an AsyncAPI document.
#[derive(Clone, Copy)]
pub struct Refs<'a> {
    ir: &'a Ir,
    prefix: &'a str,
}

impl<'a> Refs<'a> {
    /// References into `prefix` to the types of `ir`.
    pub fn new(ir: &'a Ir, prefix: &'a str) -> Self {
        Refs { ir, prefix }
    }

    /// `{"$ref": "<prefix><name>"}`. Names are UpperCamelCase identifiers (or
    /// [`CURRENCY`]), so they need no escaping in a JSON pointer.
    fn to(self, name: &str) -> Json {
        object(vec![("$ref", Json::String(format!("{}{name}", self.prefix)))])
    }

    /// The name of a named type, empty for others (never asked).
    fn name(self, ty: &TypeRef) -> &'a str {
        match ty {
            TypeRef::Object(id) => &self.ir.object(*id).name,
            TypeRef::Enum(id) => &self.ir.enumeration(*id).name,
            TypeRef::Union(id) => &self.ir.union(*id).name,
            _ => "",
        }
    }
}

/// The constraints validation checks on a value: a field's, or those a union
/// alternative's type implies.
#[derive(Clone, Copy, Default)]
struct Constraints {
    format: Option<Format>,
    non_empty: bool,
    minimum: Option<i64>,
    maximum: Option<i64>,
}

impl Constraints {
    fn of(field: &FieldIr) -> Self {
        Constraints {
            format: field.format,
            non_empty: field.non_empty,
            minimum: field.minimum,
            maximum: field.maximum,
        }
    }
}

/// The named types a message reaches, to define them once each.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reach {
    objects: BTreeSet<usize>,
    enums: BTreeSet<usize>,
    unions: BTreeSet<usize>,
    currency: bool,
}

impl Reach {
    /// What `root` reaches, itself included.
    pub fn from(ir: &Ir, root: ObjectId) -> Self {
        let mut reach = Reach::default();
        reach.object(ir, root);
        reach
    }

    /// Adds what `other` reaches.
    pub fn extend(&mut self, other: Reach) {
        self.objects.extend(other.objects);
        self.enums.extend(other.enums);
        self.unions.extend(other.unions);
        self.currency |= other.currency;
    }

    fn object(&mut self, ir: &Ir, id: ObjectId) {
        // A type already seen is not walked again: objects may nest themselves.
        if !self.objects.insert(id.index()) {
            return;
        }
        for field in &ir.object(id).fields {
            self.ty(ir, &field.ty, field.format);
        }
    }

    fn ty(&mut self, ir: &Ir, ty: &TypeRef, format: Option<Format>) {
        match ty {
            TypeRef::Primitive(_) => self.currency |= format == Some(Format::Currency),
            TypeRef::Object(id) => self.object(ir, *id),
            TypeRef::Enum(id) => {
                self.enums.insert(id.index());
            }
            TypeRef::Union(id) => {
                if self.unions.insert(id.index()) {
                    for variant in &ir.union(*id).variants {
                        self.ty(ir, &variant.ty, variant.format);
                    }
                }
            }
            TypeRef::Array(inner) => self.ty(ir, inner, format),
        }
    }

    /// The definitions of the types reached, by name: objects, enumerations and unions in
    /// spec order, then the currency codes.
    pub fn definitions(&self, refs: Refs<'_>) -> Vec<(String, Json)> {
        let ir = refs.ir;
        let mut definitions = Vec::new();
        for &index in &self.objects {
            let object = &ir.objects[index];
            definitions.push((object.name.clone(), object_schema(refs, object)));
        }
        for &index in &self.enums {
            let enumeration = &ir.enums[index];
            definitions.push((enumeration.name.clone(), enum_schema(enumeration)));
        }
        for &index in &self.unions {
            let union = &ir.unions[index];
            definitions.push((union.name.clone(), union_schema(refs, union)));
        }
        if self.currency {
            definitions.push((CURRENCY.to_owned(), currency_schema()));
        }
        definitions
    }
}

/// The schema of a value of type `ty` with the constraints validation checks on it.
fn type_schema(refs: Refs<'_>, ty: &TypeRef, constraints: Constraints) -> Json {
    match ty {
        TypeRef::Primitive(primitive) => primitive_schema(refs, *primitive, constraints),
        TypeRef::Object(_) | TypeRef::Enum(_) | TypeRef::Union(_) => refs.to(refs.name(ty)),
        // A field's constraints apply to each item, as validation checks them.
        TypeRef::Array(inner) => {
            object(vec![("type", text("array")), ("items", type_schema(refs, inner, constraints))])
        }
    }
}

fn primitive_schema(refs: Refs<'_>, primitive: Primitive, constraints: Constraints) -> Json {
    let mut members: Vec<(&str, Json)> = Vec::new();
    match primitive {
        // Any JSON value, null included.
        Primitive::Json => return object(members),
        Primitive::Integer => members.push(("type", text("integer"))),
        Primitive::Number => members.push(("type", text("number"))),
        Primitive::Boolean => members.push(("type", text("boolean"))),
        // Lago sends amounts with many digits as strings: they stay strings here, and the
        // numbers older payloads carry are accepted, as the `decimal` type accepts them.
        Primitive::Decimal => members.push(("type", texts(["string", "number"]))),
        Primitive::String
        | Primitive::Date
        | Primitive::DateTime
        | Primitive::Currency
        | Primitive::Url
        | Primitive::Id
        | Primitive::EncodedJson => members.push(("type", text("string"))),
    }
    match constraints.format {
        None => {}
        // Every code validation accepts, defined once.
        Some(Format::Currency) => return refs.to(CURRENCY),
        Some(Format::Uuid) => members.push(("format", text("uuid"))),
        Some(Format::Email) => members.push(("format", text("email"))),
        Some(Format::Date) => members.push(("format", text("date"))),
        Some(Format::DateTime) => members.push(("format", text("date-time"))),
        Some(Format::Url) => {
            members.push(("format", text("uri")));
            members.push(("pattern", text(URL_PATTERN)));
        }
        Some(Format::Decimal) => members.push(("pattern", text(DECIMAL_PATTERN))),
        Some(Format::Json) => members.push(("contentMediaType", text("application/json"))),
        // A format added to the vocabulary later: no check rather than a wrong one.
        Some(_) => {}
    }
    if constraints.non_empty {
        members.push(("minLength", Json::Number(1.into())));
    }
    if let Some(minimum) = constraints.minimum {
        members.push(("minimum", Json::Number(minimum.into())));
    }
    if let Some(maximum) = constraints.maximum {
        members.push(("maximum", Json::Number(maximum.into())));
    }
    object(members)
}

/// `schema`, also taking `null`: `null` added to its `type` when it has one and nothing
/// that `null` would have to meet too, else an `anyOf` with `null`.
fn or_null(schema: Json) -> Json {
    let Json::Object(mut members) = schema else { return schema };
    if members.is_empty() {
        // Any value already.
        return Json::Object(members);
    }
    let plain = members.iter().all(|(key, _)| !matches!(key.as_str(), "$ref" | "anyOf" | "enum" | "const"));
    if plain && let Some((_, kind)) = members.iter_mut().find(|(key, _)| key == "type") {
        let mut kinds = match std::mem::replace(kind, Json::Null) {
            Json::Array(kinds) => kinds,
            single => vec![single],
        };
        kinds.push(text("null"));
        *kind = Json::Array(kinds);
        return Json::Object(members);
    }
    object(vec![("anyOf", Json::Array(vec![Json::Object(members), object(vec![("type", text("null"))])]))])
}

/// Adds `key: value` to an object schema.
fn with(schema: Json, key: &str, value: Json) -> Json {
    match schema {
        Json::Object(mut members) => {
            members.push((key.to_owned(), value));
            Json::Object(members)
        }
        other => other,
    }
}

fn field_schema(refs: Refs<'_>, field: &FieldIr) -> Json {
    let schema = type_schema(refs, &field.ty, Constraints::of(field));
    let schema = if field.nullable { or_null(schema) } else { schema };
    with(schema, "description", text(&field.description))
}

/// Whether a key must be present: its Rust field is no `Option`.
pub fn required(field: &FieldIr) -> bool {
    !field.optional && !field.nullable
}

fn object_schema(refs: Refs<'_>, object_ir: &ObjectIr) -> Json {
    let properties =
        object_ir.fields.iter().map(|field| (field.json_name.clone(), field_schema(refs, field))).collect();
    let required: Vec<&str> =
        object_ir.fields.iter().filter(|f| required(f)).map(|f| f.json_name.as_str()).collect();
    let mut members = vec![
        ("title", text(&object_ir.name)),
        ("description", text(&object_ir.description)),
        ("type", text("object")),
        ("properties", Json::Object(properties)),
    ];
    if !required.is_empty() {
        members.push(("required", texts(required)));
    }
    if !object_ir.rules.is_empty() {
        let rules: Vec<String> = object_ir.rules.iter().map(|rule| rule_text(object_ir, rule)).collect();
        let comment = format!(
            "Checked by lago-webhooks validation, beyond what JSON Schema can say: {}.",
            rules.join("; ")
        );
        members.push(("$comment", Json::String(comment)));
    }
    object(members)
}

/// A rule across fields, in words.
fn rule_text(object_ir: &ObjectIr, rule: &RuleIr) -> String {
    match rule {
        RuleIr::SameCurrency { root, within } => {
            let names = |fields: &[_]| {
                fields.iter().map(|i| object_ir.field(*i).json_name.as_str()).collect::<Vec<_>>().join(", ")
            };
            let within = match within.is_empty() {
                true => String::new(),
                false => format!(" (and those under {})", names(within)),
            };
            format!("its currencies{within} equal the first present of {}", names(root))
        }
        RuleIr::Sum { total, parts } => {
            let either = match parts.iter().any(|alternatives| alternatives.len() > 1) {
                true => " (`a|b`: the first of them present)",
                false => "",
            };
            format!("{} = {}{either}", object_ir.field(*total).json_name, object_ir.sum_terms(parts))
        }
    }
}

fn enum_schema(enumeration: &EnumIr) -> Json {
    // JSON Schema has no description per value, so the description lists them.
    let described: Vec<String> = (enumeration.values.iter())
        .filter(|value| !value.description.is_empty())
        .map(|value| format!("- `{}`: {}", value.value, value.description))
        .collect();
    let description = match described.is_empty() {
        true => enumeration.description.clone(),
        false => format!("{}\n\n{}", enumeration.description, described.join("\n")),
    };
    object(vec![
        ("title", text(&enumeration.name)),
        ("description", Json::String(description)),
        ("type", text("string")),
        // Closed, as validation is: a value the spec does not list is reported.
        ("enum", texts(enumeration.values.iter().map(|value| value.value.as_str()))),
    ])
}

fn union_schema(refs: Refs<'_>, union: &UnionIr) -> Json {
    // `anyOf`, not `oneOf`: a number alternative also takes integers, so an integer may
    // meet two alternatives.
    let alternatives = union.variants.iter().map(|variant| {
        let constraints = Constraints { format: variant.format, ..Constraints::default() };
        let schema = type_schema(refs, &variant.ty, constraints);
        let schema = match variant.kind {
            // An object alternative is a `$ref`; a title beside it would be ignored by
            // draft-07 readers (AsyncAPI) and means nothing to 2020-12 ones.
            JsonKind::Object => schema,
            _ => with(schema, "title", text(&variant.variant)),
        };
        match variant.description.is_empty() {
            true => schema,
            false => with(schema, "description", text(&variant.description)),
        }
    });
    object(vec![
        ("title", text(&union.name)),
        ("description", text(&union.description)),
        ("anyOf", Json::Array(alternatives.collect())),
    ])
}

/// The currency codes validation accepts, read from the format itself so that the two
/// cannot disagree: every three-letter upper-case code it accepts.
fn currency_schema() -> Json {
    let mut codes = Vec::new();
    for a in b'A'..=b'Z' {
        for b in b'A'..=b'Z' {
            for c in b'A'..=b'Z' {
                let code = String::from_utf8_lossy(&[a, b, c]).into_owned();
                if Format::Currency.accepts(&code) {
                    codes.push(Json::String(code));
                }
            }
        }
    }
    object(vec![
        ("title", text("Currency")),
        ("description", text("An ISO 4217 currency code that Lago accepts.")),
        ("type", text("string")),
        ("enum", Json::Array(codes)),
    ])
}

/// A message's description, with what its lifecycle and add-on add.
pub fn message_description(message: &MessageIr) -> String {
    let mut description = message.description.clone();
    let lifecycle = match message.lifecycle {
        Lifecycle::Deprecated => Some("Deprecated: Lago still sends it but has announced its removal."),
        Lifecycle::Retired => Some("Retired: current Lago no longer sends it; older versions in use do."),
        Lifecycle::Unreleased => Some("Unreleased: only Lago's development version sends it."),
        _ => None,
    };
    if let Some(lifecycle) = lifecycle {
        description.push_str("\n\n");
        description.push_str(lifecycle);
    }
    if let Some(premium) = &message.premium {
        description.push_str(&format!("\n\nSent only with Lago's paid add-on `{premium}`."));
    }
    description
}

/// The schema of a message's envelope, without the dialect, id and definitions: title,
/// description, and the keys `webhook_type` (its value), `object_type`,
/// `organization_id` and the payload key.
pub fn envelope(refs: Refs<'_>, message: &MessageIr) -> Vec<(String, Json)> {
    let payload_name = refs.name(&TypeRef::Object(message.payload));
    let mut properties = vec![
        (
            "webhook_type",
            object(vec![
                ("description", text("The type of the webhook, which tells what the payload is.")),
                ("const", text(&message.webhook_type)),
            ]),
        ),
        (
            "object_type",
            object(vec![
                (
                    "description",
                    Json::String(format!(
                        "The kind of object under `{}`; current Lago sends `{}`. Informative only: \
                         readers dispatch on `webhook_type`.",
                        message.payload_key, message.object_type
                    )),
                ),
                // Informative: readers take null, as they do any value of this key.
                ("type", Json::Array(vec![text("string"), text("null")])),
                ("examples", texts([message.object_type.as_str()])),
            ]),
        ),
        (
            "organization_id",
            object(vec![
                (
                    "description",
                    text("The Lago organization the webhook comes from; absent from older Lago versions."),
                ),
                // Readers take null as absent, as they do any value of this key.
                ("type", Json::Array(vec![text("string"), text("null")])),
            ]),
        ),
    ];
    // A payload key that is an envelope key is the payload (a spec may do so).
    properties.retain(|(key, _)| *key != message.payload_key);
    let mut properties: Vec<(String, Json)> =
        properties.into_iter().map(|(key, value)| (key.to_owned(), value)).collect();
    let payload =
        with(refs.to(payload_name), "description", Json::String(format!("The payload: {payload_name}.")));
    properties.push((message.payload_key.clone(), payload));
    let mut required = vec!["webhook_type"];
    if message.payload_key != "webhook_type" {
        required.push(message.payload_key.as_str());
    }
    let mut members = vec![
        ("title".to_owned(), text(&message.title)),
        ("description".to_owned(), Json::String(message_description(message))),
    ];
    if matches!(message.lifecycle, Lifecycle::Deprecated | Lifecycle::Retired) {
        members.push(("deprecated".to_owned(), Json::Bool(true)));
    }
    members.push(("type".to_owned(), text("object")));
    members.push(("properties".to_owned(), Json::Object(properties)));
    members.push(("required".to_owned(), texts(required)));
    members
}

/// The schema file of one message: dialect, `$id`, the envelope, its example, and the
/// definitions of the types it reaches.
pub fn message_schema(ir: &Ir, message: &MessageIr, id: &str, example: Option<Json>) -> Json {
    let refs = Refs::new(ir, "#/$defs/");
    let mut members = vec![("$schema".to_owned(), text(DIALECT)), ("$id".to_owned(), text(id))];
    members.extend(envelope(refs, message));
    if let Some(example) = example {
        members.push(("examples".to_owned(), Json::Array(vec![example])));
    }
    let definitions = Reach::from(ir, message.payload).definitions(refs);
    members.push(("$defs".to_owned(), Json::Object(definitions)));
    Json::Object(members)
}

#[cfg(test)]
mod tests {
    use lago_webhooks_codegen::{SpecSource, resolve};
    use serde_json::{Value, json};

    use super::*;

    /// The schema file of the one message of a spec made of `objects`, `enums` and
    /// `unions`, as a `serde_json::Value` to look into.
    fn exported(objects: Value, enums: Value, unions: Value) -> Value {
        let spec = json!({
            "format_version": 1, "title": "Test",
            "messages": [{"webhook_type": "thing.happened", "object_type": "thing",
                          "payload_key": "thing", "payload": "Thing", "title": "Thing happened",
                          "description": "A thing happened."}],
            "objects": objects, "enums": enums, "unions": unions,
        });
        let source = SpecSource::new("test.json", spec.to_string());
        let ir = resolve(&source, None).unwrap();
        message_schema(&ir, &ir.messages[0], "urn:test", None).to_value()
    }

    fn thing(fields: Value) -> Value {
        json!([{"name": "Thing", "description": "A thing.", "fields": fields}])
    }

    #[test]
    fn presence_maps_to_required_and_nullability_to_null() {
        let schema = exported(
            thing(json!([
                {"name": "plain", "type": "integer", "description": "Always there."},
                {"name": "maybe_null", "type": "integer", "nullable": true, "description": "May be null."},
                {"name": "maybe_absent", "type": "integer", "optional": true, "description": "May be absent."},
            ])),
            json!([]),
            json!([]),
        );
        let thing = &schema["$defs"]["Thing"];
        assert_eq!(thing["required"], json!(["plain"]));
        assert_eq!(thing["properties"]["plain"]["type"], json!("integer"));
        assert_eq!(thing["properties"]["maybe_null"]["type"], json!(["integer", "null"]));
        assert_eq!(thing["properties"]["maybe_absent"]["type"], json!("integer"));
        assert_eq!(thing["properties"]["plain"]["description"], json!("Always there."));
        // Open, as parsing is.
        assert!(thing.get("additionalProperties").is_none());
        // The envelope requires its type and payload.
        assert_eq!(schema["required"], json!(["webhook_type", "thing"]));
        assert_eq!(schema["properties"]["webhook_type"]["const"], json!("thing.happened"));
        assert_eq!(schema["properties"]["thing"]["$ref"], json!("#/$defs/Thing"));
        assert_eq!(schema["$schema"], json!(DIALECT));
    }

    #[test]
    fn enumerations_are_closed_and_a_nullable_reference_takes_null_beside_it() {
        let schema = exported(
            thing(json!([{"name": "kind", "type": "Kind", "nullable": true, "description": "Its kind."}])),
            json!([{"name": "Kind", "description": "Kinds.",
                    "values": [{"value": "a", "description": "The first."}, {"value": "b"}]}]),
            json!([]),
        );
        let kind = &schema["$defs"]["Thing"]["properties"]["kind"];
        assert_eq!(kind["anyOf"], json!([{"$ref": "#/$defs/Kind"}, {"type": "null"}]));
        let definition = &schema["$defs"]["Kind"];
        assert_eq!(definition["enum"], json!(["a", "b"]));
        assert_eq!(definition["description"], json!("Kinds.\n\n- `a`: The first."));
    }

    #[test]
    fn unions_take_any_alternative_by_its_kind() {
        let schema = exported(
            thing(json!([{"name": "code", "type": "Code", "description": "A code."}])),
            json!([]),
            json!([{"name": "Code", "description": "Text or a number.", "variants": [
                {"name": "Text", "type": "id", "description": "As text."},
                {"name": "Number", "type": "integer"},
            ]}]),
        );
        let code = &schema["$defs"]["Code"];
        assert_eq!(
            code["anyOf"],
            json!([
                {"type": "string", "format": "uuid", "title": "Text", "description": "As text."},
                {"type": "integer", "title": "Number"},
            ])
        );
    }

    #[test]
    fn arrays_carry_their_items_constraints_and_formats_and_bounds_are_kept() {
        let schema = exported(
            thing(json!([
                {"name": "ids", "type": "id[]", "description": "Ids."},
                {"name": "when", "type": "datetime", "description": "When."},
                {"name": "day", "type": "date", "description": "Day."},
                {"name": "link", "type": "url", "description": "Link."},
                {"name": "mail", "type": "string", "format": "email", "description": "Mail."},
                {"name": "free", "type": "id", "format": "none", "description": "Not checked."},
                {"name": "price", "type": "decimal", "description": "Price."},
                {"name": "money", "type": "currency", "description": "Currency."},
                {"name": "status", "type": "integer", "minimum": 100, "maximum": 599, "description": "S."},
                {"name": "name", "type": "string", "non_empty": true, "description": "Name."},
            ])),
            json!([]),
            json!([]),
        );
        let fields = &schema["$defs"]["Thing"]["properties"];
        assert_eq!(fields["ids"]["type"], json!("array"));
        assert_eq!(fields["ids"]["items"], json!({"type": "string", "format": "uuid"}));
        assert_eq!(fields["when"]["format"], json!("date-time"));
        assert_eq!(fields["day"]["format"], json!("date"));
        assert_eq!(fields["link"]["format"], json!("uri"));
        assert_eq!(fields["link"]["pattern"], json!(URL_PATTERN));
        assert_eq!(fields["mail"]["format"], json!("email"));
        assert!(fields["free"].get("format").is_none());
        assert_eq!(fields["price"]["type"], json!(["string", "number"]));
        assert_eq!(fields["price"]["pattern"], json!(DECIMAL_PATTERN));
        assert_eq!(fields["money"]["$ref"], json!("#/$defs/currency"));
        assert_eq!(
            (fields["status"]["minimum"].clone(), fields["status"]["maximum"].clone()),
            (json!(100), json!(599))
        );
        assert_eq!(fields["name"]["minLength"], json!(1));
        let currencies = schema["$defs"]["currency"]["enum"].as_array().unwrap();
        assert!(currencies.contains(&json!("EUR")) && !currencies.contains(&json!("XXX")));
    }
}
