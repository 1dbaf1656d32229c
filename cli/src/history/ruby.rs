//! Just enough Ruby to read Lago's serializers and webhook services: classes and modules
//! with their parent, included modules and method bodies, found by indentation (Lago's
//! code is formatted by RuboCop, so a `def` and its `end` line up); statements; and
//! splitting expressions at the commas, dots and operators outside brackets and strings.
//!
//! It is a reader of one code base's habits, not a Ruby parser: heredocs, `=begin`
//! comments and one-line `def ...; end` are not understood, and code using them is
//! reported as unread by the caller when its shape cannot be found.

use std::collections::BTreeMap;

/// A class or module of a file.
#[derive(Debug, Clone, Default)]
pub struct ClassDef {
    /// Its full name, `V1::InvoiceSerializer`.
    pub name: String,
    /// The names it was written inside, innermost first (`V1::Fees`, `V1`, ``), to resolve
    /// the constants it names as Ruby does.
    pub scopes: Vec<String>,
    /// The parent class as written (`ModelSerializer`, `::V1::BaseSerializer`).
    pub parent: Option<String>,
    /// The modules it includes, as written.
    pub includes: Vec<String>,
    /// Its instance methods: name to body (the lines between `def` and `end`, or the
    /// expression of an endless `def name = expr`).
    pub methods: BTreeMap<String, String>,
}

/// The classes and modules of one Ruby file.
pub fn classes(source: &str) -> Vec<ClassDef> {
    let lines: Vec<String> = source.lines().map(strip_comment).collect();
    // Open scopes: (indentation, index into `found`, or None for `class << self`).
    let mut open: Vec<(usize, Option<usize>)> = Vec::new();
    let mut found: Vec<ClassDef> = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = &lines[index];
        let indent = indentation(line);
        let text = line.trim();
        index += 1;
        if text == "end" {
            if open.last().is_some_and(|(depth, _)| *depth == indent) {
                open.pop();
            }
            continue;
        }
        if let Some(rest) = text.strip_prefix("class ").or_else(|| text.strip_prefix("module ")) {
            let rest = rest.trim();
            if rest.starts_with("<<") {
                open.push((indent, None));
                continue;
            }
            let (own, parent) = match rest.split_once('<') {
                Some((own, parent)) => (own.trim(), Some(parent.trim().to_owned())),
                None => (rest.split_whitespace().next().unwrap_or(""), None),
            };
            if !is_constant(own) {
                continue;
            }
            let outer: Vec<String> =
                open.iter().rev().filter_map(|(_, slot)| slot.map(|slot| found[slot].name.clone())).collect();
            let prefix = outer.first().cloned().unwrap_or_default();
            let name = join(&prefix, own.trim_start_matches("::"));
            let mut scopes = outer;
            scopes.push(String::new());
            found.push(ClassDef { name, scopes, parent, ..ClassDef::default() });
            open.push((indent, Some(found.len() - 1)));
            continue;
        }
        // Only what is directly in a class or module (not in `class << self`) is its own.
        let Some(&(_, Some(slot))) = open.last() else { continue };
        if let Some(rest) = text.strip_prefix("include ") {
            found[slot].includes.extend(rest.split(',').map(|name| name.trim().to_owned()));
        } else if let Some(rest) = text.strip_prefix("def ") {
            let (name, endless) = method_head(rest);
            if name.starts_with("self.") || name.is_empty() {
                index = skip_body(&lines, index, indent, endless.is_some());
                continue;
            }
            let body = match endless {
                Some(expr) => expr,
                None => {
                    let end = skip_body(&lines, index, indent, false);
                    let body = lines[index..end.saturating_sub(1).max(index)].join("\n");
                    index = end;
                    body
                }
            };
            found[slot].methods.insert(name, body);
        }
    }
    found
}

/// The index after the `end` of a method whose `def` (at `indent`) was just read.
fn skip_body(lines: &[String], from: usize, indent: usize, endless: bool) -> usize {
    if endless {
        return from;
    }
    for (offset, line) in lines[from..].iter().enumerate() {
        let text = line.trim();
        if indentation(line) == indent && (text == "end" || text.starts_with("end ")) {
            return from + offset + 1;
        }
        if indentation(line) < indent && !text.is_empty() {
            // The class ended first: the def had no end of its own (a one-line def).
            return from + offset;
        }
    }
    lines.len()
}

/// The name of a method from the text after `def`, and the expression of an endless one.
fn method_head(rest: &str) -> (String, Option<String>) {
    let name_end = rest
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '?' | '!' | '.')))
        .unwrap_or(rest.len());
    let name = rest[..name_end].to_owned();
    let mut after = rest[name_end..].trim_start();
    if after.starts_with('(')
        && let Some(close) = matching(after, 0)
    {
        after = after[close + 1..].trim_start();
    }
    let endless =
        after.strip_prefix('=').filter(|expr| !expr.starts_with('=')).map(|expr| expr.trim().to_owned());
    (name, endless)
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_owned() } else { format!("{prefix}::{name}") }
}

/// Whether `text` is a constant path: `Foo`, `::V1::Foo`.
pub fn is_constant(text: &str) -> bool {
    let text = text.trim_start_matches("::");
    !text.is_empty()
        && text.split("::").all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Whether `text` is a plain identifier (a local variable or a method called without
/// arguments).
pub fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && text.trim_end_matches(['?', '!']).chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The line without its comment: a `#` outside strings (in a double-quoted string, `#{`
/// starts an interpolation, not a comment).
fn strip_comment(line: &str) -> String {
    let mut cut = line.len();
    walk(line, |at, c, _| {
        if c == '#' {
            cut = at;
        }
        c != '#'
    });
    line[..cut].trim_end().to_owned()
}

/// Walks `text`, calling `visit(byte offset, char, depth)` for every character outside
/// strings; depth counts the brackets open before it.
pub(super) fn walk(text: &str, mut visit: impl FnMut(usize, char, usize) -> bool) {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let chars = text.char_indices().peekable();
    for (at, c) in chars {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => {
                quote = Some(c);
                continue;
            }
            '(' | '[' | '{' => {
                if !visit(at, c, depth) {
                    return;
                }
                depth += 1;
                continue;
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        if !visit(at, c, depth) {
            return;
        }
    }
}

/// The offset of the bracket closing the one at `open`.
pub fn matching(text: &str, open: usize) -> Option<usize> {
    let mut found = None;
    let mut inside = false;
    walk(text, |at, _c, depth| {
        if at == open {
            inside = true;
            return true;
        }
        if inside && depth == 0 && at > open {
            found = Some(at);
            return false;
        }
        true
    });
    found
}

/// `text` split at the occurrences of `separator` outside brackets and strings, each part
/// trimmed, empty parts dropped.
pub fn split_top(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    walk(text, |at, c, depth| {
        if depth == 0 && c == separator {
            parts.push(&text[start..at]);
            start = at + c.len_utf8();
        }
        true
    });
    parts.push(&text[start..]);
    parts.into_iter().map(str::trim).filter(|part| !part.is_empty()).collect()
}

/// The first offset of `needle` outside brackets and strings.
pub fn find_top(text: &str, needle: &str) -> Option<usize> {
    let mut found = None;
    walk(text, |at, _c, depth| {
        if depth == 0 && text[at..].starts_with(needle) {
            found = Some(at);
            return false;
        }
        true
    });
    found
}

/// The statements of a method body: lines joined while a bracket is open, a line ends
/// with a comma, an operator or `do |...|`, or the next line starts with `.` or `&.`. A
/// `do` block runs to its `end` at the indentation of the statement.
pub fn statements(body: &str) -> Vec<String> {
    let lines: Vec<String> = body.lines().map(strip_comment).filter(|line| !line.trim().is_empty()).collect();
    let mut statements = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        // The indentation of the line joined last: a `do` block it opens ends at it.
        let mut indent = indentation(&lines[index]);
        let mut statement = lines[index].trim().to_owned();
        index += 1;
        loop {
            let opens_block = ends_with_do(&statement);
            let continues = opens_block
                || depth_of(&statement) > 0
                || [",", "\\", "&&", "||", "+", " =", " ?"].iter().any(|end| statement.ends_with(end))
                || lines.get(index).is_some_and(|next| {
                    let next = next.trim_start();
                    next.starts_with('.')
                        || next.starts_with("&.")
                        || next.starts_with("&&")
                        || next.starts_with("||")
                });
            if !continues || index >= lines.len() {
                break;
            }
            if opens_block {
                // The block's lines, up to its `end` at the indentation of its `do` line.
                while index < lines.len() {
                    let line = &lines[index];
                    index += 1;
                    statement.push('\n');
                    statement.push_str(line.trim());
                    if indentation(line) == indent && line.trim().starts_with("end") {
                        break;
                    }
                }
                if !lines.get(index).is_some_and(|next| next.trim_start().starts_with('.')) {
                    break;
                }
                continue;
            }
            indent = indentation(&lines[index]);
            statement.push('\n');
            statement.push_str(lines[index].trim());
            index += 1;
        }
        statements.push(statement);
    }
    statements
}

fn ends_with_do(statement: &str) -> bool {
    let last = statement.lines().last().unwrap_or("").trim_end();
    if last.ends_with(" do") {
        return true;
    }
    // `do |a, b|`
    last.ends_with('|') && last.rfind(" do |").is_some_and(|at| !last[at + 5..last.len() - 1].contains('|'))
}

/// How many brackets are left open at the end of `text`.
fn depth_of(text: &str) -> usize {
    let mut opened = 0usize;
    let mut closed = 0usize;
    walk(text, |_, c, _| {
        match c {
            '(' | '[' | '{' => opened += 1,
            ')' | ']' | '}' => closed += 1,
            _ => {}
        }
        true
    });
    opened.saturating_sub(closed)
}

/// The value of a string literal (`'x'`, `"x"` without interpolation), or of a symbol
/// (`:x`).
pub fn literal(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(symbol) = text.strip_prefix(':') {
        return is_identifier(symbol).then(|| symbol.to_owned());
    }
    for quote in ['\'', '"'] {
        if let Some(inner) = text.strip_prefix(quote).and_then(|rest| rest.strip_suffix(quote)) {
            if inner.contains(quote) || inner.contains('\\') || (quote == '"' && inner.contains("#{")) {
                return None;
            }
            return Some(inner.to_owned());
        }
    }
    None
}

/// The symbols of `%i[a b]`, `[:a, :b]`, `[]`; `None` for anything else.
pub fn symbol_list(text: &str) -> Option<Vec<String>> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("%i[").and_then(|rest| rest.strip_suffix(']')) {
        return Some(inner.split_whitespace().map(str::to_owned).collect());
    }
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    split_top(inner, ',')
        .into_iter()
        .map(|item| item.strip_prefix(':').filter(|s| is_identifier(s)).map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r##"
# a note about the file
module Api
  module Shapes
    class BoxSerializer < BaseThing
      include Helpers::Sizes

      def serialize # the entry point
        out = {
          width: model.w, # a comment with a }
          label: "#{model.name} box",
        }
        out
      end

      def short = { depth: 1 }

      private

      def self.helper
        1
      end

      def tags(list)
        list.map do |tag|
          { name: tag }
        end
      end
    end
  end
end
"##;

    #[test]
    fn classes_methods_and_nesting_are_found() {
        let found = classes(SOURCE);
        let names: Vec<&str> = found.iter().map(|class| class.name.as_str()).collect();
        assert_eq!(names, ["Api", "Api::Shapes", "Api::Shapes::BoxSerializer"]);
        let class = &found[2];
        assert_eq!(class.parent.as_deref(), Some("BaseThing"));
        assert_eq!(class.includes, ["Helpers::Sizes"]);
        assert_eq!(class.scopes, ["Api::Shapes", "Api", ""]);
        let methods: Vec<&str> = class.methods.keys().map(String::as_str).collect();
        assert_eq!(methods, ["serialize", "short", "tags"]);
        assert_eq!(class.methods["short"], "{ depth: 1 }");
        assert!(class.methods["serialize"].contains("label:"));
        assert!(!class.methods["serialize"].contains("a comment"));
    }

    #[test]
    fn statements_join_continued_lines_and_blocks() {
        let body = "  x = {\n    a: 1,\n  }\n  x.merge!(y) if include?(:y)\n  z = list\n    .map do |i|\n      { b: i }\n    end\n  x";
        let found = statements(body);
        assert_eq!(found.len(), 4, "{found:?}");
        assert_eq!(found[0], "x = {\na: 1,\n}");
        assert!(found[2].starts_with("z = list\n.map do |i|"));
        assert!(found[2].ends_with("end"));
    }

    #[test]
    fn splitting_ignores_brackets_and_strings() {
        assert_eq!(
            split_top("a: f(1, 2), b: 'x,y', c: [3, 4]", ','),
            ["a: f(1, 2)", "b: 'x,y'", "c: [3, 4]"]
        );
        assert_eq!(find_top("f(a ? b : c) ? d : e", " ? "), Some(12));
        assert_eq!(matching("(a(b)c)d", 0), Some(6));
        assert_eq!(literal("'a.b'"), Some("a.b".to_owned()));
        assert_eq!(literal("\"a.b\""), Some("a.b".to_owned()));
        assert_eq!(literal("\"#{x}\""), None);
        assert_eq!(symbol_list("%i[a b]"), Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(symbol_list("[:a, :b]"), Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(symbol_list("[]"), Some(vec![]));
        assert_eq!(symbol_list("options[:x]"), None);
        assert!(is_constant("::V1::Fees::ThingSerializer"));
        assert!(!is_constant("model.x"));
    }
}
