//! The text of parse errors, without the location their parsers append: callers place
//! the line and column themselves (`file:line:column: message`, or a body's own
//! `(line L, column C)`).

use std::borrow::Cow;

/// The message of `err` without the " at line L column C" `serde_json` appends.
pub fn error_message(err: &serde_json::Error) -> String {
    without_location(&err.to_string(), err.line(), err.column()).into_owned()
}

/// `message` without the " at line `line` column `column`" its parser put in it
/// (`serde_json` at the end, YAML readers of the serde family before a clause of their
/// own), or all of it when it has none. The exact place is cut, and its last mention: a
/// message may quote text of the input, which may itself read like a place.
pub fn without_location(message: &str, line: usize, column: usize) -> Cow<'_, str> {
    let place = format!(" at line {line} column {column}");
    match message.rfind(&place) {
        Some(at) => Cow::Owned(format!("{}{}", &message[..at], &message[at + place.len()..])),
        None => Cow::Borrowed(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_is_cut_and_nothing_else() {
        let err = serde_json::from_str::<serde_json::Value>("{\n  \"a\": tru }").unwrap_err();
        assert_eq!(error_message(&err), "expected ident");
        assert_eq!(without_location("bad at line 3 column 14", 3, 14), "bad");
        assert_eq!(
            without_location("found a tab at line 2 column 3, while scanning a plain scalar", 2, 3),
            "found a tab, while scanning a plain scalar"
        );
        // Text of the input that reads like a place stays; the parser's own place goes.
        let err = serde_json::from_str::<u8>("\"x at line 1 column 2\"").unwrap_err();
        assert_eq!(error_message(&err), "invalid type: string \"x at line 1 column 2\", expected u8");
        assert_eq!(without_location("x at line 2", 2, 1), "x at line 2");
    }
}
