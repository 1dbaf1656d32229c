//! `import-docs`: the example messages of a docs page, compared with a spec.
//!
//! A page is plain text, where an example is a block of lines from one that is `{` to
//! the line where its braces balance, or Markdown/MDX with fenced `json` blocks. Each
//! example that is not valid JSON is reported with its line in the page; each valid one is
//! compared with the spec: webhook types it does not define, fields its objects lack (with
//! a type inferred from the example), enumeration values it does not list.

use std::path::PathBuf;

use lago_webhooks_codegen::model::{Object, Spec};
use serde_json::Value;

use crate::output::{Tone, out, paint};
use crate::{Outcome, SpecArg, spec};

#[derive(clap::Args)]
pub struct Args {
    /// The docs page: plain text as the docs site renders it, or Markdown/MDX.
    page: PathBuf,
    /// The spec to compare with (default: the bundled spec).
    #[command(flatten)]
    spec: SpecArg,
}

/// One example block of a page: its text and the line it starts on (1-based).
#[derive(Debug, PartialEq)]
pub struct Block {
    pub line: usize,
    pub text: String,
}

pub fn run(args: Args) -> Outcome {
    let page = std::fs::read_to_string(&args.page)
        .map_err(|err| format!("cannot read {}: {err}", args.page.display()))?;
    let source = spec::source(args.spec.spec.as_deref())?;
    let spec = source.parse().map_err(|errors| errors.to_string())?;
    let blocks = examples(&page);
    let mut invalid = 0;
    let mut messages = 0;
    for block in &blocks {
        match serde_json::from_str::<Value>(&block.text) {
            Err(err) => {
                invalid += 1;
                let line = block.line + err.line().saturating_sub(1);
                // serde_json places the error in the block; the page's line is given instead.
                let message = err.to_string();
                let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(text, _)| text);
                out!(
                    "{}: {}:{line}:{}: the example is not valid JSON: {message}",
                    paint("invalid", Tone::Bad),
                    args.page.display(),
                    err.column()
                );
            }
            Ok(example) => {
                let Some(webhook_type) = example.get("webhook_type").and_then(Value::as_str) else {
                    continue;
                };
                messages += 1;
                compare(&spec, webhook_type, &example, &mut |text| out!("{text}"));
            }
        }
    }
    out!("{} example(s) found, {messages} message(s), {invalid} not valid JSON", blocks.len());
    Ok(invalid == 0)
}

/// The example blocks of a page, fenced `json` blocks when it has any.
pub fn examples(page: &str) -> Vec<Block> {
    let lines: Vec<&str> = page.lines().collect();
    let fenced = fenced_blocks(&lines);
    if !fenced.is_empty() {
        return fenced;
    }
    let mut blocks = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        if lines[index].trim() != "{" {
            index += 1;
            continue;
        }
        let start = index;
        let mut depth = 0i64;
        let mut text = String::new();
        while index < lines.len() {
            depth += brace_balance(lines[index]);
            text.push_str(lines[index]);
            text.push('\n');
            index += 1;
            if depth <= 0 {
                break;
            }
        }
        blocks.push(Block { line: start + 1, text });
    }
    blocks
}

/// Blocks fenced with ```` ```json ```` (or `jsonc`, `json5`), their first line after the fence.
fn fenced_blocks(lines: &[&str]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (index, line) in lines.iter().enumerate() {
        let fence = line.trim_start();
        match &mut open {
            None if fence.starts_with("```json") => open = Some((index + 2, String::new())),
            None => {}
            Some(_) if fence.starts_with("```") => {
                if let Some((line, text)) = open.take() {
                    blocks.push(Block { line, text });
                }
            }
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

/// Opening minus closing braces on a line, outside JSON strings.
fn brace_balance(line: &str) -> i64 {
    let (mut balance, mut in_string, mut escaped) = (0, false, false);
    for c in line.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, _, '"') => in_string = !in_string,
            (false, _, '{') => balance += 1,
            (false, _, '}') => balance -= 1,
            _ => {}
        }
    }
    balance
}

/// Reports what `example` has that the spec lacks.
fn compare(spec: &Spec, webhook_type: &str, example: &Value, out: &mut dyn FnMut(String)) {
    let Some(message) = spec.messages.iter().find(|m| m.webhook_type == webhook_type) else {
        out(format!("{}: message `{webhook_type}`, not in the spec", paint("new", Tone::Note)));
        return;
    };
    let Some(payload) = example.get(&message.payload_key) else {
        out(format!(
            "{}: `{webhook_type}` has no `{}` payload",
            paint("differs", Tone::Note),
            message.payload_key
        ));
        return;
    };
    compare_object(spec, &message.payload, payload, &format!("`{webhook_type}`"), out);
}

fn compare_object(spec: &Spec, name: &str, value: &Value, place: &str, out: &mut dyn FnMut(String)) {
    let (Some(object), Value::Object(members)) = (find_object(spec, name), value) else { return };
    for (key, member) in members {
        let Some(field) = object.fields.iter().find(|f| &f.name == key) else {
            out(format!(
                "{}: field `{}.{key}` ({}, in {place}): {}",
                paint("new", Tone::Note),
                object.name,
                infer(member),
                short(member)
            ));
            continue;
        };
        let element = field.ty.trim_end_matches("[]");
        match member {
            Value::Array(items) => {
                for item in items {
                    compare_value(spec, element, item, place, out);
                }
            }
            other => compare_value(spec, element, other, place, out),
        }
    }
}

fn compare_value(spec: &Spec, ty: &str, value: &Value, place: &str, out: &mut dyn FnMut(String)) {
    if find_object(spec, ty).is_some() {
        compare_object(spec, ty, value, place, out);
    } else if let (Some(enumeration), Some(text)) = (spec.enums.iter().find(|e| e.name == ty), value.as_str())
        && !enumeration.values.iter().any(|v| v.value == text)
    {
        out(format!("{}: value `{text}` of `{}` (in {place})", paint("new", Tone::Note), enumeration.name));
    }
}

fn find_object<'s>(spec: &'s Spec, name: &str) -> Option<&'s Object> {
    spec.objects.iter().find(|o| o.name == name)
}

/// The spec type an example value suggests.
pub fn infer(value: &Value) -> String {
    match value {
        Value::Null => "unknown, null in the example".to_owned(),
        Value::Bool(_) => "boolean".to_owned(),
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer".to_owned(),
        Value::Number(_) => "number".to_owned(),
        Value::String(text) => {
            let bytes = text.as_bytes();
            let digits = |range: std::ops::Range<usize>| {
                bytes.get(range).is_some_and(|b| b.iter().all(u8::is_ascii_digit))
            };
            let date = bytes.len() >= 10
                && digits(0..4)
                && bytes[4] == b'-'
                && digits(5..7)
                && bytes[7] == b'-'
                && digits(8..10);
            if text.len() == 36 && text.bytes().filter(|b| *b == b'-').count() == 4 {
                "id".to_owned()
            } else if date && bytes.len() == 10 {
                "date".to_owned()
            } else if date && bytes.get(10) == Some(&b'T') {
                "datetime".to_owned()
            } else if text.starts_with("http://") || text.starts_with("https://") {
                "url".to_owned()
            } else {
                "string".to_owned()
            }
        }
        Value::Array(items) => match items.first() {
            Some(first) => format!("{}[]", infer(first)),
            None => "unknown[], empty in the example".to_owned(),
        },
        Value::Object(_) => "an object the spec does not define".to_owned(),
    }
}

/// The example value, cut to a readable length.
fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_found_in_plain_text_and_in_fenced_markdown() {
        let text = "Title\n{\n\"a\": \"}\",\n\"b\": {\"c\": 1}\n}\nprose\n{\n}\n";
        let blocks = examples(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].line, 2);
        assert_eq!(serde_json::from_str::<Value>(&blocks[0].text).unwrap()["b"]["c"], 1);
        let markdown = "# Fee\n\n```json\n{\"x\": 1}\n```\n\n```js\n{}\n```\n";
        let blocks = examples(markdown);
        assert_eq!(blocks, [Block { line: 4, text: "{\"x\": 1}\n".to_owned() }]);
    }

    #[test]
    fn types_are_inferred_from_example_values() {
        let cases = [
            ("\"5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba\"", "id"),
            ("\"2022-04-29\"", "date"),
            ("\"2022-04-29T08:59:51Z\"", "datetime"),
            ("\"https://lago.dev\"", "url"),
            ("12", "integer"),
            ("1.5", "number"),
            ("[true]", "boolean[]"),
        ];
        for (json, ty) in cases {
            assert_eq!(infer(&serde_json::from_str(json).unwrap()), ty, "{json}");
        }
    }
}
