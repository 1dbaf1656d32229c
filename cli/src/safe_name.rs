//! Text from outside (a webhook type, a unique key, a spec's file name) made safe to be
//! part of a file name or an identifier: one rule for every place the command does so.

/// `text` with every character but ASCII letters, digits, `.`, `_` and `-` replaced by
/// `_`: no separator, no space, nothing a shell or a file system reads specially. What
/// a name must not start with or be (`.`, `..`, empty) each caller settles for its use.
pub fn safe_chars(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_letters_digits_dots_dashes_and_underscores_stay() {
        assert_eq!(safe_chars("fee.created"), "fee.created");
        assert_eq!(safe_chars("../a b/é\u{1b}"), ".._a_b___");
    }
}
