//! Control characters of imported text, escaped wherever that text leaves the command.
//!
//! An imported file is anybody's: a name holding `\u{1b}[2J` would clear the terminal
//! that prints it, and one holding a line break would forge a line of a report. Text
//! from a file is therefore escaped, as `\u{1b}`, where it reaches a terminal (a line of a
//! report, a warning, an error), and where it reaches a spec's prose, which the
//! generator copies into doc comments. Names (keys, values, webhook types) stay the text
//! Lago sends, which a spec must match; the JSON a spec is written as escapes them.

use std::borrow::Cow;

use lago_webhooks_core::shown::needs_escaping;

/// `text` with every control character escaped: for one line of output.
pub fn line(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

/// `text` with every control character but line breaks and tabs escaped: for prose, a
/// description of several lines.
pub fn prose(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || c == '\t')
}

/// JSON text with the characters to escape that it may hold raw (DEL, the C1 set and the
/// reordering marks, which JSON lets strings hold as they are) written as `\u` escapes:
/// the same values, and a file a terminal shows as it is.
pub fn json(text: String) -> String {
    let escaped = |c: char| needs_escaping(c) && !matches!(c, '\n' | '\t' | '\r');
    if !text.chars().any(escaped) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // Outside strings JSON holds no control character but whitespace, which stays.
        if escaped(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` with the characters to escape that `keep` does not keep written as `\u{..}`:
/// control characters, and those that reorder or break a line without being one (the
/// runtime's logs escape the same set).
fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let escaped = |c: char| needs_escaping(c) && !keep(c);
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_nothing_else() {
        assert_eq!(line("a\u{1b}[31mb\nc\u{9b}"), "a\\u{1b}[31mb\\u{a}c\\u{9b}");
        assert_eq!(prose("a\u{1b}b\n\tc\r"), "a\\u{1b}b\n\tc\\u{d}");
        assert!(matches!(line("plain text, é"), Cow::Borrowed(_)));
        // A right-to-left override would show what follows it reversed.
        assert_eq!(line("paid\u{202e}diap"), "paid\\u{202e}diap");
        let text = serde_json::to_string(&"a\u{1b}b\u{9b}c\u{7f}").unwrap();
        let escaped = json(text);
        assert_eq!(escaped, "\"a\\u001bb\\u009bc\\u007f\"");
        assert_eq!(serde_json::from_str::<String>(&escaped).unwrap(), "a\u{1b}b\u{9b}c\u{7f}");
    }
}
