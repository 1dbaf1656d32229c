//! The text of parse errors, without the location their parsers append: callers place
//! the line and column themselves (`file:line:column: message`, or a body's own
//! `(line L, column C)`).

/// What `serde_json` appends to its errors, followed by the line and column.
const LOCATION: &str = " at line ";

/// The message of `err` without the " at line L column C" `serde_json` appends.
pub fn error_message(err: &serde_json::Error) -> String {
    without_location(&err.to_string()).to_owned()
}

/// `message` without a trailing " at line L column C" (as `serde_json` and YAML parsers
/// of the serde family append), or all of it when it has none.
pub fn without_location(message: &str) -> &str {
    match message.rfind(LOCATION) {
        Some(at) if is_location(&message[at + LOCATION.len()..]) => &message[..at],
        _ => message,
    }
}

/// Whether `rest` is `L column C`, digits each, as parsers write it.
fn is_location(rest: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    rest.split_once(" column ").is_some_and(|(line, column)| digits(line) && digits(column))
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
    }
}
