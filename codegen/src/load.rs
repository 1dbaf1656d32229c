//! Reading a spec file into the model, with errors that say where.

use std::path::Path;

use serde_json::Value;

use crate::error::{Location, Origin, SpecError, SpecErrors};
use lago_webhooks_core::pointer;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::model::{
    DriftDecision, Enum, EnumValue, FORMAT_VERSION, Field, Message, Object, Quirk, Spec, Union, UnionVariant,
};

/// A spec's text and the name it is reported under.
#[derive(Debug, Clone)]
pub struct SpecSource {
    /// How errors name the file (usually its path).
    pub file: String,
    /// The whole text.
    pub text: String,
}

impl SpecSource {
    /// A spec held in memory, reported under `file`.
    pub fn new(file: impl Into<String>, text: impl Into<String>) -> Self {
        SpecSource { file: file.into(), text: text.into() }
    }

    /// Reads a spec file; a missing or unreadable file is an error naming the path tried.
    pub fn read(path: &Path) -> Result<Self, SpecErrors> {
        Self::read_as(path, &path.display().to_string())
    }

    /// Reads a spec file, reporting it under `file` (the path as the user wrote it, or a
    /// description of where it was looked for).
    pub fn read_as(path: &Path, file: &str) -> Result<Self, SpecErrors> {
        let file = file.to_owned();
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(SpecSource { file, text }),
            Err(err) => Err(SpecError {
                message: format!("cannot read spec file `{file}`: {err}"),
                origin: Origin::Spec(Location {
                    file,
                    pointer: String::new(),
                    line: None,
                    column: None,
                    source_line: None,
                }),
            }
            .into()),
        }
    }

    /// The location of the value at `pointer`, with line and column when it can be found.
    pub fn locate(&self, pointer: &str) -> Location {
        let (line, column) = pointer::line_column(&self.text, pointer).unzip();
        self.location(pointer.to_owned(), line, column)
    }

    /// An error about the value at `pointer`.
    pub fn error(&self, pointer: &str, message: impl Into<String>) -> SpecError {
        SpecError { message: message.into(), origin: Origin::Spec(self.locate(pointer)) }
    }

    /// serde_json counts columns in bytes, from 0 before the first character; the rest of
    /// our messages count characters from 1.
    fn char_column(&self, line: usize, byte_column: usize) -> usize {
        let text = pointer::source_line(&self.text, line).unwrap_or("");
        let end = (0..=byte_column.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text[..end].chars().count().max(1)
    }

    fn location(&self, pointer: String, line: Option<usize>, column: Option<usize>) -> Location {
        let source_line = line.and_then(|l| pointer::source_line(&self.text, l)).map(str::to_owned);
        Location { file: self.file.clone(), pointer, line, column, source_line }
    }

    /// Parses the text into the model: syntax first, then the format version, then the shape.
    /// Fails with every problem found.
    pub fn parse(&self) -> Result<Spec, SpecErrors> {
        match self.parse_partial() {
            (Some(spec), errors) if errors.is_empty() => Ok(spec),
            (_, errors) => Err(SpecErrors(errors)),
        }
    }

    /// Parses what can be parsed: the model without the list items that could not be
    /// read (none at all when the text is not a spec), and every problem found.
    pub(crate) fn parse_partial(&self) -> (Option<Spec>, Vec<SpecError>) {
        let value: Value = match serde_json::from_str(&self.text) {
            Ok(value) => value,
            Err(err) => {
                let message =
                    format!("spec is not valid JSON: {}", lago_webhooks_core::json::error_message(&err));
                let column = self.char_column(err.line(), err.column());
                let origin = Origin::Spec(self.location(String::new(), Some(err.line()), Some(column)));
                return (None, vec![SpecError { message, origin }]);
            }
        };
        if let Err(errors) = self.check_version(&value) {
            return (None, errors.0);
        }
        let mut reader = Reader { source: self, errors: Vec::new() };
        let spec = reader.spec(&value);
        (spec, reader.errors)
    }

    fn check_version(&self, value: &Value) -> Result<(), SpecErrors> {
        let error = match value.get("format_version") {
            Some(v) if v.as_u64() == Some(FORMAT_VERSION) => return Ok(()),
            Some(v) => self.error(
                "/format_version",
                format!("unknown spec format version {v}; this generator reads version {FORMAT_VERSION}"),
            ),
            None if value.is_object() => self.error(
                "",
                format!("spec has no `format_version`; expected `\"format_version\": {FORMAT_VERSION}`"),
            ),
            None => self.error("", "spec must be a JSON object"),
        };
        Err(error.into())
    }
}

/// The top level, with list items kept as JSON so that each is read on its own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    format_version: u64,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    source: Option<String>,
    messages: Vec<Value>,
    #[serde(default)]
    objects: Vec<Value>,
    #[serde(default)]
    enums: Vec<Value>,
    #[serde(default)]
    unions: Vec<Value>,
    #[serde(default)]
    quirks: Vec<Value>,
    #[serde(default)]
    drift: Vec<Value>,
    #[serde(default)]
    releases: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObject {
    name: String,
    description: String,
    fields: Vec<Value>,
    #[serde(default)]
    rules: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnion {
    name: String,
    description: String,
    variants: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnum {
    name: String,
    description: String,
    values: Vec<Value>,
}

/// Reads list items one by one, so that one bad item does not hide the problems of
/// the others.
struct Reader<'a> {
    source: &'a SpecSource,
    errors: Vec<SpecError>,
}

impl Reader<'_> {
    fn read<T: DeserializeOwned>(&mut self, value: &Value, pointer: &str) -> Option<T> {
        match serde_path_to_error::deserialize(value) {
            Ok(item) => Some(item),
            Err(err) => {
                let pointer = format!("{pointer}{}", pointer::of_path(err.path()));
                self.errors.push(self.source.error(&pointer, format!("invalid spec: {}", err.inner())));
                None
            }
        }
    }

    /// Reads each item of `items`, found at `pointer`, keeping the readable ones.
    fn list<T>(
        &mut self,
        items: &[Value],
        pointer: &str,
        mut read: impl FnMut(&mut Self, usize, &Value, &str) -> Option<T>,
    ) -> Vec<T> {
        (items.iter().enumerate())
            .filter_map(|(index, item)| read(self, index, item, &format!("{pointer}/{index}")))
            .collect()
    }

    fn spec(&mut self, value: &Value) -> Option<Spec> {
        let raw: RawSpec = self.read(value, "")?;
        let messages = self.list(&raw.messages, "/messages", |r, index, item, pointer| {
            r.read(item, pointer).map(|m: Message| Message { index, ..m })
        });
        let mut unreadable_names = Vec::new();
        let objects = self.list(&raw.objects, "/objects", |r, index, item, pointer| {
            let object = r.object(index, item, pointer);
            note_unreadable(&object, item, &mut unreadable_names);
            object
        });
        let enums = self.list(&raw.enums, "/enums", |r, index, item, pointer| {
            let enumeration = r.enumeration(index, item, pointer);
            note_unreadable(&enumeration, item, &mut unreadable_names);
            enumeration
        });
        let unions = self.list(&raw.unions, "/unions", |r, index, item, pointer| {
            let union = r.union(index, item, pointer);
            note_unreadable(&union, item, &mut unreadable_names);
            union
        });
        let quirks = self.list(&raw.quirks, "/quirks", |r, _, item, pointer| r.read::<Quirk>(item, pointer));
        let drift =
            self.list(&raw.drift, "/drift", |r, _, item, pointer| r.read::<DriftDecision>(item, pointer));
        Some(Spec {
            format_version: raw.format_version,
            title: raw.title,
            description: raw.description,
            source: raw.source,
            messages,
            objects,
            enums,
            unions,
            quirks,
            drift,
            releases: raw.releases.and_then(|releases| self.read(&releases, "/releases")),
            unreadable_names,
        })
    }

    fn object(&mut self, index: usize, value: &Value, pointer: &str) -> Option<Object> {
        let raw: RawObject = self.read(value, pointer)?;
        let fields = self.list(&raw.fields, &format!("{pointer}/fields"), |r, index, item, pointer| {
            r.read(item, pointer).map(|f: Field| Field { index, ..f })
        });
        let rules =
            self.list(&raw.rules, &format!("{pointer}/rules"), |r, _, item, pointer| r.read(item, pointer));
        Some(Object { index, name: raw.name, description: raw.description, fields, rules })
    }

    fn enumeration(&mut self, index: usize, value: &Value, pointer: &str) -> Option<Enum> {
        let raw: RawEnum = self.read(value, pointer)?;
        let values = self.list(&raw.values, &format!("{pointer}/values"), |r, index, item, pointer| {
            r.read(item, pointer).map(|v: EnumValue| EnumValue { index, ..v })
        });
        Some(Enum { index, name: raw.name, description: raw.description, values })
    }
}

impl Reader<'_> {
    fn union(&mut self, index: usize, value: &Value, pointer: &str) -> Option<Union> {
        let raw: RawUnion = self.read(value, pointer)?;
        let variants = self.list(&raw.variants, &format!("{pointer}/variants"), |r, index, item, pointer| {
            r.read(item, pointer).map(|v: UnionVariant| UnionVariant { index, ..v })
        });
        Some(Union { index, name: raw.name, description: raw.description, variants })
    }
}

/// Remembers the name of an item that could not be read, when it has one.
fn note_unreadable<T>(item: &Option<T>, value: &Value, names: &mut Vec<String>) {
    if item.is_none()
        && let Some(name) = value.get("name").and_then(Value::as_str)
    {
        names.push(name.to_owned());
    }
}
