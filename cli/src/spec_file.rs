//! A spec file as the import commands read and write it.
//!
//! The codegen model is read-only and forgets the order of keys; these types read every
//! key of the format (unknown ones are refused, as the generator refuses them) and write
//! them back in the order the bundled spec uses, so that a merge changes only the lines
//! it means to. Examples stay the text they were, byte for byte.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use lago_webhooks_codegen::vocabulary::{Primitive, RESERVED_TYPES, type_name};
use lago_webhooks_codegen::{Settings, SpecSource, generate};
use serde::{Deserialize, Serialize};

use serde_json::value::RawValue;

/// A whole spec file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    pub format_version: u64,
    pub title: String,
    // Optional keys a spec leaves out stay out when it is written back; an empty list is
    // the same as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<Object>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enums: Vec<Enum>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unions: Vec<Union>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quirks: Vec<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<Decision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub releases: Option<Box<RawValue>>,
}

/// Differences from an upstream description that the spec has decided, by their keys
/// (`field Wallet.foo`), and why: `import-openapi` no longer asks about them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The keys of the differences (`message T`, `field O.f`, `value E.v`,
    /// `alternative U.kind`, `type O.f`, `type U.kind`).
    pub differences: Vec<String>,
    /// Why the spec keeps its own.
    pub decision: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub webhook_type: String,
    pub object_type: String,
    pub payload_key: String,
    pub payload: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub premium: Option<String>,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub example_corrections: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<MessageChange>,
}

/// A release that changed one message's payload.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MessageChange {
    pub release: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub breaking: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Object {
    pub name: String,
    pub description: String,
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Box<RawValue>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub nullable: bool,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub non_empty: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Enum {
    pub name: String,
    pub description: String,
    pub values: Vec<EnumValue>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    pub value: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Union {
    pub name: String,
    pub description: String,
    pub variants: Vec<UnionVariant>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UnionVariant {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl SpecFile {
    /// The webhook type of each Rust variant its messages become (the first one, when two
    /// become the same): a new message is merged only under a variant of its own.
    pub fn message_variants(&self) -> HashMap<String, String> {
        let mut variants = HashMap::new();
        for message in &self.messages {
            variants
                .entry(variant_key(&message.webhook_type))
                .or_insert_with(|| message.webhook_type.clone());
        }
        variants
    }

    /// Reads a spec file; an error names the file, line and column.
    pub fn read(path: &Path) -> Result<SpecFile, String> {
        let text =
            std::fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        serde_json::from_str(&text).map_err(|err| {
            let message = lago_webhooks_core::json::error_message(&err);
            format!("{}:{}:{}: {message}", path.display(), err.line(), err.column())
        })
    }

    /// The file's text: two-space indentation, keys in the format's order, a final newline;
    /// no control character raw, even those JSON lets a string hold.
    pub fn to_text(&self) -> Result<String, String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|err| err.to_string())?;
        text.push('\n');
        Ok(crate::controls::json(text))
    }

    /// Writes the file through a temporary sibling, so that a failed write leaves the old
    /// spec whole.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = self.to_text()?;
        let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = path.with_file_name(format!(".{name}.tmp"));
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, path))
            .map_err(|err| format!("cannot write {}: {err}", path.display()))
    }

    /// Refuses to merge into the spec file at `path` when the generator refuses it as it
    /// is: its problems are its own, placed in the file as it is, not in the merge.
    pub fn ensure_file_valid(path: &Path) -> Result<(), String> {
        let source = SpecSource::read(path).map_err(|errors| errors.to_string())?;
        generate(&source, &Settings::default()).map(|_| ()).map_err(|errors| {
            format!("{} has problems of its own, so nothing is written:\n{}", path.display(), errors)
        })
    }

    /// Refuses a spec the generator would not take: one about to be written must be
    /// usable.
    pub fn ensure_valid(&self, what: &str) -> Result<(), String> {
        let source = SpecSource::new(what, self.to_text()?);
        generate(&source, &Settings::default())
            .map(|_| ())
            .map_err(|errors| format!("{what} would not be a valid spec, so nothing is written:\n{}", errors))
    }

    /// The fields of the object `name` by the Rust field each becomes, or the values of
    /// the enumeration `name` by the Rust variant each becomes (the first of each name).
    pub fn members_by_rust_name(&self, name: &str) -> HashMap<String, String> {
        let mut members = HashMap::new();
        if let Some(object) = self.object(name) {
            for field in &object.fields {
                members.entry(field_key(&field.name)).or_insert_with(|| field.name.clone());
            }
        } else if let Some(enumeration) = self.enumeration(name) {
            for value in &enumeration.values {
                members.entry(variant_key(&value.value)).or_insert_with(|| value.value.clone());
            }
        }
        members
    }

    pub fn object(&self, name: &str) -> Option<&Object> {
        self.objects.iter().find(|o| o.name == name)
    }

    pub fn enumeration(&self, name: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.name == name)
    }
}

/// The Rust type names taken, to give new types free names: a merge may bring in
/// thousands.
#[derive(Debug, Clone, Default)]
pub struct TypeNames(HashSet<String>);

impl TypeNames {
    /// The names a spec's types take.
    pub fn of(spec: &SpecFile) -> TypeNames {
        let objects = spec.objects.iter().map(|o| &o.name);
        let names =
            objects.chain(spec.enums.iter().map(|e| &e.name)).chain(spec.unions.iter().map(|u| &u.name));
        TypeNames(names.map(|name| type_key(name)).collect())
    }

    /// Whether a new type may not take `name`: the generated code reserves it, or a type
    /// already becomes the same Rust type.
    pub fn taken(&self, name: &str) -> bool {
        let key = type_key(name);
        RESERVED_TYPES.contains(&key.as_str())
            || Primitive::from_name(name).is_some()
            || self.0.contains(&key)
    }

    /// Frees a name taken.
    pub fn release(&mut self, name: &str) {
        self.0.remove(&type_key(name));
    }

    /// `base`, or the first of `base2`, `base3`, ... that is free, now taken.
    pub fn take(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut counter = 2;
        while self.taken(&name) {
            name = format!("{base}{counter}");
            counter += 1;
        }
        self.0.insert(type_key(&name));
        name
    }
}

/// The Rust type a spec type name becomes: two names with the same one cannot both be
/// defined.
pub fn type_key(name: &str) -> String {
    type_name(name)
}

/// What a JSON key becomes as a Rust field, as far as telling keys apart goes: `fooBar`
/// and `foo_bar`, `type` and `type_`, `1a` and `field_1a` are the same field.
pub fn field_key(name: &str) -> String {
    type_name(&prefixed(name, "field_"))
}

/// What an enumeration value, a union variant or a webhook type becomes as a Rust
/// variant, as far as telling them apart goes: `a-b` and `a_b`, `404` and `value404` are
/// the same variant.
pub fn variant_key(name: &str) -> String {
    type_name(&prefixed(name, "value_"))
}

/// `name` behind the prefix the generator puts before a Rust name that would start with
/// a digit or be empty.
fn prefixed(name: &str, prefix: &str) -> String {
    match name.chars().find(char::is_ascii_alphanumeric) {
        Some(c) if !c.is_ascii_digit() => name.to_owned(),
        _ => format!("{prefix}{name}"),
    }
}

/// A JSON value as the text a spec holds at `depth` levels of nesting, pretty-printed as
/// the rest of the file, so that an example added by a merge reads as those written by
/// hand.
pub fn raw_at_depth(value: &impl Serialize, depth: usize) -> Result<Box<RawValue>, String> {
    let pretty = serde_json::to_string_pretty(value).map_err(|err| err.to_string())?;
    let indent = "  ".repeat(depth);
    let text = pretty.lines().enumerate().fold(String::new(), |mut text, (index, line)| {
        if index > 0 {
            text.push('\n');
            text.push_str(&indent);
        }
        text.push_str(line);
        text
    });
    RawValue::from_string(text).map_err(|err| err.to_string())
}

/// The depth of a message's example in a spec file: top level, `messages`, the message.
pub const EXAMPLE_DEPTH: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_spec_is_written_back_byte_for_byte() {
        let spec: SpecFile = serde_json::from_str(crate::spec::BUNDLED).unwrap();
        assert_eq!(spec.to_text().unwrap(), crate::spec::BUNDLED);
    }

    #[test]
    fn keys_a_spec_leaves_out_stay_out_when_it_is_written_back() {
        let text = r#"{
  "format_version": 1,
  "title": "Orders",
  "messages": [
    {
      "webhook_type": "order.paid",
      "object_type": "order",
      "payload_key": "order",
      "payload": "Order",
      "title": "Order paid",
      "description": "An order was paid."
    }
  ],
  "objects": [
    {
      "name": "Order",
      "description": "An order.",
      "fields": [
        {
          "name": "id",
          "type": "id",
          "description": "Its id."
        }
      ]
    }
  ]
}
"#;
        let spec: SpecFile = serde_json::from_str(text).unwrap();
        assert_eq!(spec.to_text().unwrap(), text);
    }

    #[test]
    fn names_that_become_one_rust_name_have_one_key() {
        assert_eq!(field_key("fooBar"), field_key("foo_bar"));
        assert_eq!(field_key("type"), field_key("type_"));
        assert_eq!(field_key("1a"), field_key("field_1a"));
        assert_eq!(field_key(""), field_key("field"));
        assert_ne!(field_key("a_bc"), field_key("ab_c"));
        assert_eq!(variant_key("a-b"), variant_key("a_b"));
        assert_eq!(variant_key("404"), variant_key("value404"));
        assert_ne!(variant_key("404"), variant_key("type404"));
        let spec = SpecFile {
            objects: vec![Object { name: "Fee".to_owned(), ..Object::default() }],
            ..SpecFile::default()
        };
        let mut names = TypeNames::of(&spec);
        assert!(names.taken("fee") && names.taken("WebhookEvent") && names.taken("string"));
        assert_eq!(
            (names.take("fee"), names.take("Fee_2"), names.take("WebhookType")),
            ("fee2".to_owned(), "Fee_22".to_owned(), "WebhookType2".to_owned())
        );
    }

    #[test]
    fn an_added_example_is_indented_as_the_others() {
        let value = serde_json::json!({"a": [1, {"b": null}], "c": {}});
        let raw = raw_at_depth(&value, EXAMPLE_DEPTH).unwrap();
        let indent = " ".repeat(6);
        let expected = format!(
            "{{\n{indent}  \"a\": [\n{indent}    1,\n{indent}    {{\n{indent}      \"b\": null\n{indent}    }}\n{indent}  ],\n{indent}  \"c\": {{}}\n{indent}}}"
        );
        assert_eq!(raw.get(), expected);
    }
}
