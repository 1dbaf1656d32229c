//! Maps JSON Pointers to line and column in the spec text.
//!
//! `serde_json` forgets positions once a document is parsed, yet every problem
//! found later (an unknown type name, a duplicate webhook type) must still say
//! where it is. Rather than carry spans through the model, we walk the text
//! again, only along the pointer, when an error is reported.

/// Escapes one reference token as RFC 6901 requires.
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Builds a pointer from tokens.
pub fn pointer<I, S>(tokens: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    tokens.into_iter().map(|t| format!("/{}", escape_token(t.as_ref()))).collect()
}

/// 1-based line and column (in characters) of the value at `pointer`, if present.
pub fn line_column(text: &str, pointer: &str) -> Option<(usize, usize)> {
    let offset = value_offset(text, pointer)?;
    Some(offset_to_line_column(text, offset))
}

/// 1-based line and column of a byte offset.
pub fn offset_to_line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The text of 1-based line `line`, without its line break.
pub fn source_line(text: &str, line: usize) -> Option<&str> {
    text.lines().nth(line.checked_sub(1)?)
}

/// Byte offset where the value at `pointer` starts.
fn value_offset(text: &str, pointer: &str) -> Option<usize> {
    let tokens: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer.strip_prefix('/')?.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect()
    };
    let mut scanner = Scanner { bytes: text.as_bytes(), pos: 0 };
    scanner.skip_ws();
    for token in &tokens {
        scanner.enter(token)?;
    }
    Some(scanner.pos)
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// Moves from the start of a container to the start of its member `token`.
    fn enter(&mut self, token: &str) -> Option<()> {
        match self.peek()? {
            b'{' => self.enter_object(token),
            b'[' => self.enter_array(token.parse().ok()?),
            _ => None,
        }
    }

    fn enter_object(&mut self, token: &str) -> Option<()> {
        self.eat(b'{')?;
        loop {
            self.skip_ws();
            let key = self.string()?;
            self.eat(b':')?;
            self.skip_ws();
            if key == token {
                return Some(());
            }
            self.skip_value()?;
            self.eat(b',')?;
        }
    }

    fn enter_array(&mut self, index: usize) -> Option<()> {
        self.eat(b'[')?;
        for _ in 0..index {
            self.skip_ws();
            self.skip_value()?;
            self.eat(b',')?;
        }
        self.skip_ws();
        (self.peek()? != b']').then_some(())
    }

    /// Reads a string literal and decodes it.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        self.skip_string()?;
        serde_json::from_slice(&self.bytes[start..self.pos]).ok()
    }

    fn skip_string(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => self.pos += 1,
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            open @ (b'{' | b'[') => self.skip_container(open),
            _ => {
                while !matches!(self.peek()?, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }

    fn skip_container(&mut self, open: u8) -> Option<()> {
        let close = if open == b'{' { b'}' } else { b']' };
        self.pos += 1;
        loop {
            self.skip_ws();
            match self.peek()? {
                c if c == close => {
                    self.pos += 1;
                    return Some(());
                }
                b',' | b':' => self.pos += 1,
                _ => self.skip_value()?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "{\n  \"a\": [1, {\"b/c\": \"x\"}],\n  \"d\": {\"e\": null}\n}";

    #[test]
    fn finds_nested_values() {
        assert_eq!(line_column(TEXT, ""), Some((1, 1)));
        assert_eq!(line_column(TEXT, "/a"), Some((2, 8)));
        assert_eq!(line_column(TEXT, "/a/1/b~1c"), Some((2, 20)));
        assert_eq!(line_column(TEXT, "/d/e"), Some((3, 14)));
    }

    #[test]
    fn missing_members_give_none() {
        assert_eq!(line_column(TEXT, "/a/2"), None);
        assert_eq!(line_column(TEXT, "/z"), None);
        assert_eq!(line_column("{", "/a"), None);
    }

    #[test]
    fn pointers_escape_tokens() {
        assert_eq!(pointer(["a/b", "c~d", "0"]), "/a~1b/c~0d/0");
    }
}
