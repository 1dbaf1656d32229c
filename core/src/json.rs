//! The text of parse errors, without the location their parsers append: callers place
//! the line and column themselves (`file:line:column: message`, or a body's own
//! `(line L, column C)`).

use std::borrow::Cow;

/// What `serde_json` appends to its errors, followed by the line and column.
const LOCATION: &str = " at line ";

/// The message of `err` without the " at line L column C" `serde_json` appends.
pub fn error_message(err: &serde_json::Error) -> String {
    without_location(&err.to_string()).into_owned()
}

/// `message` without the " at line L column C" its parser put in it (`serde_json` at the
/// end, YAML readers of the serde family before a clause of their own), or all of it when
/// it has none.
pub fn without_location(message: &str) -> Cow<'_, str> {
    let mut from = 0;
    while let Some(found) = message[from..].find(LOCATION) {
        let at = from + found;
        let rest = &message[at + LOCATION.len()..];
        if let Some(length) = location_length(rest) {
            let after = &rest[length..];
            return Cow::Owned(format!("{}{after}", &message[..at]));
        }
        from = at + LOCATION.len();
    }
    Cow::Borrowed(message)
}

/// The length of `L column C` at the start of `rest`, digits each, as parsers write it.
fn location_length(rest: &str) -> Option<usize> {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let line = digits(rest);
    let column_at = line + " column ".len();
    let column =
        rest.get(line..column_at).filter(|text| *text == " column ").map(|_| digits(&rest[column_at..]))?;
    (line > 0 && column > 0).then_some(column_at + column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_is_cut_and_nothing_else() {
        let err = serde_json::from_str::<serde_json::Value>("{\n  \"a\": tru }").unwrap_err();
        assert_eq!(error_message(&err), "expected ident");
        assert_eq!(without_location("bad at line 3 column 14"), "bad");
        // A message that quotes the phrase itself keeps it.
        assert_eq!(without_location("`at line ` is odd"), "`at line ` is odd");
        assert_eq!(without_location("x at line 2"), "x at line 2");
        assert_eq!(
            without_location("found a tab at line 2 column 3, while scanning a plain scalar"),
            "found a tab, while scanning a plain scalar"
        );
    }
}
