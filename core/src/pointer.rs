//! JSON Pointers (RFC 6901): their escaping, and where the value one points at stands in
//! a JSON text.
//!
//! `serde_json` forgets positions once a document is parsed, yet every problem found
//! later (an unknown type name in a spec, a wrongly typed value in a body checked against
//! a spec read at run time) must still say where it is. Rather than carry spans through a
//! parsed value, the text is walked again, only along the pointer, when a problem is
//! reported.

/// Appends `/` and `token`, escaped as RFC 6901 requires (`~` as `~0`, `/` as `~1`).
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// One reference token escaped as RFC 6901 requires.
pub fn escape_token(token: &str) -> String {
    let mut escaped = String::with_capacity(token.len() + 1);
    push_token(&mut escaped, token);
    escaped.remove(0);
    escaped
}

/// One reference token with its escapes undone.
pub fn unescape_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The pointer made of `tokens`, each escaped.
pub fn pointer<I, S>(tokens: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut pointer = String::new();
    for token in tokens {
        push_token(&mut pointer, token.as_ref());
    }
    pointer
}

/// The pointer of a path `serde_path_to_error` tracked (`messages[2].payload` becomes
/// `/messages/2/payload`).
pub fn of_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => push_token(&mut pointer, &index.to_string()),
            Segment::Map { key } => push_token(&mut pointer, key),
            Segment::Enum { variant } => push_token(&mut pointer, variant),
            Segment::Unknown => {}
        }
    }
    pointer
}

/// The unescaped tokens of `pointer`; `None` when it is neither empty nor starts with `/`.
pub fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    Some(pointer.strip_prefix('/')?.split('/').map(unescape_token).collect())
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
    let tokens = tokens(pointer)?;
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
        assert_eq!(escape_token("~1/"), "~01~1");
        assert_eq!(unescape_token("~01~1"), "~1/");
        assert_eq!(tokens("/a~1b/c~0d/0"), Some(vec!["a/b".to_owned(), "c~d".to_owned(), "0".to_owned()]));
        assert_eq!(tokens(""), Some(Vec::new()));
        assert_eq!(tokens("a"), None);
    }
}
