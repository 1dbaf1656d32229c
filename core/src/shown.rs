//! Text from outside (a sender's payload or headers, an imported file) shown on a terminal
//! or written to a log: which characters must be escaped first.

/// Whether `c` could break a line of a terminal or a log, or change how the rest of it
/// reads: control characters (escape sequences, line breaks, DEL and the C1 set), the
/// line and paragraph separators, and the bidirectional overrides and isolates, which
/// reorder the text that follows them.
pub fn needs_escaping(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_separators_and_reordering_marks_are_escaped_and_text_is_not() {
        for c in ['\u{1b}', '\n', '\u{7f}', '\u{9b}', '\u{2028}', '\u{202e}', '\u{2067}'] {
            assert!(needs_escaping(c), "{c:?}");
        }
        for c in ['a', 'é', '€', '\u{200b}', '中'] {
            assert!(!needs_escaping(c), "{c:?}");
        }
    }
}
