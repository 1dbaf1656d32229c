//! A spec file as the import commands read and write it.
//!
//! The codegen model is read-only and forgets the order of keys; these types read every
//! key of the format (unknown ones are refused, as the generator refuses them) and write
//! them back in the order the bundled spec uses, so that a merge changes only the lines
//! it means to. Examples stay the text they were, byte for byte.

use std::path::Path;

use lago_webhooks_codegen::{Settings, SpecSource, generate};
use serde::{Deserialize, Serialize};

use serde_json::value::RawValue;

/// A whole spec file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    pub format_version: u64,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub messages: Vec<Message>,
    #[serde(default)]
    pub objects: Vec<Object>,
    #[serde(default)]
    pub enums: Vec<Enum>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unions: Vec<Union>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quirks: Vec<Box<RawValue>>,
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
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl SpecFile {
    /// Reads a spec file; an error names the file, line and column.
    pub fn read(path: &Path) -> Result<SpecFile, String> {
        let text =
            std::fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        serde_json::from_str(&text).map_err(|err| {
            let message = err.to_string();
            let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(text, _)| text);
            format!("{}:{}:{}: {message}", path.display(), err.line(), err.column())
        })
    }

    /// The file's text: two-space indentation, keys in the format's order, a final newline.
    pub fn to_text(&self) -> Result<String, String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|err| err.to_string())?;
        text.push('\n');
        Ok(text)
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

    /// Refuses a spec the generator would not take: one about to be written must be
    /// usable.
    pub fn ensure_valid(&self, what: &str) -> Result<(), String> {
        let source = SpecSource::new(what, self.to_text()?);
        generate(&source, &Settings::default())
            .map(|_| ())
            .map_err(|errors| format!("{what} would not be a valid spec, so nothing is written:\n{errors}"))
    }

    pub fn object(&self, name: &str) -> Option<&Object> {
        self.objects.iter().find(|o| o.name == name)
    }

    pub fn enumeration(&self, name: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.name == name)
    }

    pub fn union(&self, name: &str) -> Option<&Union> {
        self.unions.iter().find(|u| u.name == name)
    }

    /// Whether a type name is defined by the spec (an object, enumeration or union).
    pub fn defines(&self, name: &str) -> bool {
        self.object(name).is_some() || self.enumeration(name).is_some() || self.union(name).is_some()
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
