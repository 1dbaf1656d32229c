//! Problems found in a spec, each located in the spec file.

use std::fmt;

/// Where a problem comes from: the spec file itself, or one of the generator's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A place in the spec file.
    Spec(Location),
    /// The `include` entry at this index in [`Settings`](crate::Settings).
    Include(usize),
    /// The extra derive at this index in [`Settings`](crate::Settings), in the order
    /// [`Settings::with_derive`](crate::Settings::with_derive) added them.
    Derive(usize),
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
            let (text, column) = excerpt(text, column);
            let caret = format!("{}^", " ".repeat(column.saturating_sub(1)));
            write!(f, "\n{:gutter$} |\n{line} | {text}\n{:gutter$} | {caret}", "", "")?;
        }
        Ok(())
    }
}

/// Characters of a long source line shown before the problem's column, and after it.
const BEFORE: usize = 60;
const AFTER: usize = 40;

/// The part of a source line to show around `column` (1-based, in characters), and the
/// column within it: a spec written on one line (minified) must not print as a whole.
fn excerpt(text: &str, column: usize) -> (String, usize) {
    let length = text.chars().count();
    if length <= BEFORE + AFTER {
        return (text.to_owned(), column);
    }
    let start = column.saturating_sub(BEFORE + 1).min(length);
    let end = column.saturating_add(AFTER).min(length);
    let middle: String = text.chars().skip(start).take(end - start).collect();
    let (lead, tail) = (if start > 0 { "..." } else { "" }, if end < length { "..." } else { "" });
    (format!("{lead}{middle}{tail}"), column - start + lead.len())
}

impl std::error::Error for SpecError {}

/// Every problem found in one spec, in the order found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpecErrors(pub Vec<SpecError>);

lago_webhooks_core::problem_list!(SpecErrors, SpecError, "\n\n");

impl From<SpecError> for SpecErrors {
    fn from(error: SpecError) -> Self {
        SpecErrors(vec![error])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(source_line: &str, column: usize) -> String {
        let location = Location {
            file: "spec.json".to_owned(),
            pointer: "/x".to_owned(),
            line: Some(1),
            column: Some(column),
            source_line: Some(source_line.to_owned()),
        };
        SpecError { message: "bad".to_owned(), origin: Origin::Spec(location) }.to_string()
    }

    #[test]
    fn a_place_far_into_a_long_line_shows_a_window_with_the_caret_under_it() {
        let mut line = "a".repeat(100_000);
        line.replace_range(70_000..70_001, "X");
        let shown = at(&line, 70_001);
        let lines: Vec<&str> = shown.lines().collect();
        let (text, caret) = (lines[3], lines[4]);
        assert!(text.len() < 120, "{text}");
        assert_eq!(text.find('X'), caret.find('^'), "{shown}");
        assert!(text.starts_with("1 | ...") && text.ends_with("..."), "{text}");
    }

    #[test]
    fn a_short_line_shows_whole() {
        assert_eq!(at(r#"{"x": 1}"#, 7).lines().nth(4), Some("  |       ^"));
    }
}
