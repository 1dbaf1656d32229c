//! Reading a spec file into the model, with errors that say where.

use std::path::Path;

use serde_json::Value;

use crate::error::{Location, Origin, SpecError, SpecErrors};
use crate::locate;
use crate::model::{FORMAT_VERSION, Spec};

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
        let file = path.display().to_string();
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
        let (line, column) = locate::line_column(&self.text, pointer).unzip();
        self.location(pointer.to_owned(), line, column)
    }

    /// An error about the value at `pointer`.
    pub fn error(&self, pointer: &str, message: impl Into<String>) -> SpecError {
        SpecError { message: message.into(), origin: Origin::Spec(self.locate(pointer)) }
    }

    fn location(&self, pointer: String, line: Option<usize>, column: Option<usize>) -> Location {
        let source_line = line.and_then(|l| locate::source_line(&self.text, l)).map(str::to_owned);
        Location { file: self.file.clone(), pointer, line, column, source_line }
    }

    /// Parses the text into the model: syntax first, then the format version, then the shape.
    pub fn parse(&self) -> Result<Spec, SpecErrors> {
        let value: Value = serde_json::from_str(&self.text).map_err(|err| {
            let (line, column) = (err.line(), err.column());
            SpecError {
                message: format!("spec is not valid JSON: {}", strip_position(&err)),
                origin: Origin::Spec(self.location(String::new(), Some(line), Some(column))),
            }
        })?;
        self.check_version(&value)?;
        serde_path_to_error::deserialize(&value).map_err(|err| {
            let pointer = pointer_of(err.path());
            self.error(&pointer, format!("invalid spec: {}", err.inner())).into()
        })
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

/// Converts a serde path (`messages[2].payload`) to a JSON Pointer (`/messages/2/payload`).
pub(crate) fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let tokens = path.iter().filter_map(|segment| match segment {
        Segment::Seq { index } => Some(index.to_string()),
        Segment::Map { key } => Some(key.clone()),
        Segment::Enum { variant } => Some(variant.clone()),
        Segment::Unknown => None,
    });
    locate::pointer(tokens)
}

/// serde_json appends " at line L column C"; we print the position ourselves.
fn strip_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}
