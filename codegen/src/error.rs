//! Problems found in a spec, each located in the spec file.

use std::fmt;

/// Where a problem comes from: the spec file itself, or one of the generator's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A place in the spec file.
    Spec(Location),
    /// The `include` entry at this index in [`Settings`](crate::Settings).
    Include(usize),
}

/// A place in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The spec file as it was given.
    pub file: String,
    /// JSON Pointer of the offending value (empty for the whole document).
    pub pointer: String,
    /// 1-based line, when the value could be found in the text.
    pub line: Option<usize>,
    /// 1-based column, when the value could be found in the text.
    pub column: Option<usize>,
    /// The text of that line, for display.
    pub source_line: Option<String>,
}

/// One problem in a spec or in the settings used with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is.
    pub origin: Origin,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        let Origin::Spec(loc) = &self.origin else {
            return Ok(());
        };
        // A file that could not be read has no place in it to show.
        let Some(line) = loc.line else { return Ok(()) };
        write!(f, "\n  --> {}:{line}", loc.file)?;
        if let Some(column) = loc.column {
            write!(f, ":{column}")?;
        }
        if !loc.pointer.is_empty() {
            write!(f, " (at {})", loc.pointer)?;
        }
        if let (Some(line), Some(text), Some(column)) = (loc.line, &loc.source_line, loc.column) {
            let gutter = line.to_string().len();
            write!(f, "\n{:gutter$} |\n{line} | {text}\n{:gutter$} | {:>column$}", "", "", "^")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

/// Every problem found in one spec, in the order found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpecErrors(pub Vec<SpecError>);

impl SpecErrors {
    /// The problems, in the order found.
    pub fn iter(&self) -> std::slice::Iter<'_, SpecError> {
        self.0.iter()
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<SpecError> for SpecErrors {
    fn from(error: SpecError) -> Self {
        SpecErrors(vec![error])
    }
}

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl<'a> IntoIterator for &'a SpecErrors {
    type Item = &'a SpecError;
    type IntoIter = std::slice::Iter<'a, SpecError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
