//! `import-docs`: the example messages of a docs page, compared with a spec and merged
//! into it on request.
//!
//! A page is plain text, where an example is a block of lines from one that is `{` to
//! the line where its braces balance, or Markdown/MDX with fenced `json` blocks. Each
//! example that is not valid JSON is reported with its line in the page; each valid one is
//! compared with the spec: webhook types it does not define, fields its objects lack (with
//! a type inferred from the example), enumeration values it does not list.
//!
//! An example shows one payload, not every one: what it lacks says nothing, so only what
//! it adds is reported and merged. Merged fields are optional and nullable (one example
//! cannot tell whether a key is always sent, nor whether it can be null), with the type
//! the value suggests (`json` for a null); a new message gets its example and a payload
//! object built from it the same way.

use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use lago_webhooks_core::envelope;
use serde_json::Value;

use crate::controls;
use crate::ordered::Json;
use crate::output::Outcome;
use crate::output::{Tone, out, paint};
use crate::spec;
use crate::spec_file::{
    EXAMPLE_DEPTH, EnumValue, Field, Message, Object, SpecFile, TypeNames, field_key, raw_at_depth,
    variant_key,
};

#[derive(clap::Args)]
#[command(after_help = "Exits with 0 when every example is valid JSON, 1 when one is not, 2 when the \
page or the spec cannot be read, or the merge cannot be written.")]
pub struct Args {
    /// The docs page: plain text as the docs site renders it, or Markdown/MDX.
    page: PathBuf,
    /// The spec to compare with and merge into (default: the bundled spec).
    #[arg(long, visible_alias = "spec", value_name = "SPEC")]
    into: Option<PathBuf>,
    /// Write what the examples add into the spec given with --into.
    #[arg(long, requires = "into")]
    write: bool,
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
    let spec = match &args.into {
        Some(path) if args.write => {
            let spec = SpecFile::read(path)?;
            SpecFile::ensure_file_valid(path)?;
            spec
        }
        Some(path) => SpecFile::read(path)?,
        None => serde_json::from_str(spec::BUNDLED).map_err(|err| err.to_string())?,
    };
    let blocks = examples(&page);
    let mut objects_at = HashMap::new();
    for (at, object) in spec.objects.iter().enumerate() {
        objects_at.entry(object.name.clone()).or_insert(at);
    }
    let message_variants = spec.message_variants();
    let mut merge = Merge {
        objects_at,
        message_variants,
        merged: spec.clone(),
        names: TypeNames::of(&spec),
        spec: Rc::new(spec),
        added: 0,
        members: HashMap::new(),
    };
    let mut invalid = 0;
    let mut messages = 0;
    for block in &blocks {
        match serde_json::from_str::<Json>(&block.text) {
            Err(err) => {
                invalid += 1;
                let line = block.line + err.line().saturating_sub(1);
                // serde_json places the error in the block; the page's line is given instead.
                let message = lago_webhooks_core::json::error_message(&err);
                say(
                    "invalid",
                    Tone::Bad,
                    format!(
                        "{}:{line}:{}: the example is not valid JSON: {message}",
                        args.page.display(),
                        // serde_json says column 0 before the first character of a line.
                        err.column().max(1)
                    ),
                );
            }
            Ok(example) => {
                let Some(webhook_type) = example.get("webhook_type").and_then(Json::as_str) else {
                    continue;
                };
                messages += 1;
                merge.example(webhook_type, &example)?;
            }
        }
    }
    out!("{} example(s) found, {messages} message(s), {invalid} not valid JSON", blocks.len());
    if let (true, Some(path)) = (args.write, &args.into) {
        if merge.added > 0 {
            merge.merged.ensure_valid(&path.display().to_string())?;
            merge.merged.write(path)?;
        }
        out!("{}: {} addition(s) merged", path.display(), merge.added);
    }
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
    let mut rest = lines.iter().enumerate();
    while let Some((start, line)) = rest.next() {
        if line.trim() != "{" {
            continue;
        }
        let mut depth = brace_balance(line);
        let mut text = format!("{line}\n");
        while depth > 0 {
            let Some((_, line)) = rest.next() else { break };
            depth += brace_balance(line);
            text.push_str(line);
            text.push('\n');
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
    // A block never closed runs to the end of the page, and is an example all the same.
    if let Some((line, text)) = open {
        blocks.push(Block { line, text });
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

/// Prints a line of the report: a label, and text from the page with its control
/// characters escaped.
fn say(label: &str, tone: Tone, text: String) {
    out!("{}: {}", paint(label, tone), controls::line(&text));
}

/// The comparison of examples with a spec, and the spec with their additions.
struct Merge {
    /// Shared, so that an object of the spec is read while the merge grows, not copied
    /// for every object of an example (a page may hold thousands).
    spec: Rc<SpecFile>,
    merged: SpecFile,
    /// Where each object of `merged` is, by name: a page may add thousands.
    objects_at: HashMap<String, usize>,
    /// The webhook type of each message of `merged`, by the Rust variant it becomes: a
    /// page may add thousands.
    message_variants: HashMap<String, String>,
    added: usize,
    /// The fields of merged objects and the values of merged enumerations, by type and by
    /// the Rust name each becomes: a page may hold objects of thousands of keys, each
    /// looked up.
    members: HashMap<String, HashMap<String, String>>,
    /// The Rust type names the merge takes.
    names: TypeNames,
}

impl Merge {
    fn note(&mut self, text: String) {
        self.added += 1;
        say("new", Tone::Note, text);
    }

    /// What is left out, and why.
    fn differs(text: String) {
        say("differs", Tone::Note, text);
    }

    /// The fields of the merged object `name` by the Rust field each becomes, or the
    /// values of the merged enumeration `name` by the Rust variant each becomes.
    fn members_of(&mut self, name: &str) -> &mut HashMap<String, String> {
        let (merged, at) = (&self.merged, self.objects_at.get(name).copied());
        self.members.entry(name.to_owned()).or_insert_with(|| {
            match at.and_then(|at| merged.objects.get(at)) {
                Some(object) => {
                    let mut members = HashMap::new();
                    for field in &object.fields {
                        members.entry(field_key(&field.name)).or_insert_with(|| field.name.clone());
                    }
                    members
                }
                None => merged.members_by_rust_name(name),
            }
        })
    }

    /// Adds a field to a merged object, whose Rust fields the caller found free of it.
    fn add_field(&mut self, object: &str, field: Field) {
        self.members_of(object).insert(field_key(&field.name), field.name.clone());
        if let Some(target) = self.objects_at.get(object).and_then(|&at| self.merged.objects.get_mut(at)) {
            target.fields.push(field);
        }
    }

    /// Reports and merges what `example` has that the spec lacks.
    fn example(&mut self, webhook_type: &str, example: &Json) -> Result<(), String> {
        let spec = Rc::clone(&self.spec);
        let Some(message) = spec.messages.iter().find(|m| m.webhook_type == webhook_type) else {
            // The generated code has one variant and one handler method per message.
            let variant = variant_key(webhook_type);
            if let Some(other) = self.message_variants.get(&variant) {
                if other == webhook_type {
                    return Ok(()); // A second example of a message the page added.
                }
                Merge::differs(format!(
                    "`{webhook_type}` becomes the same Rust variant as `{other}`; left out"
                ));
                return Ok(());
            }
            if variant == "Unknown" {
                Merge::differs(format!(
                    "`{webhook_type}` becomes the handler method for unknown webhook types; left out"
                ));
                return Ok(());
            }
            return self.new_message(webhook_type, example);
        };
        let Some(payload) = example.get(&message.payload_key) else {
            Merge::differs(format!("`{webhook_type}` has no `{}` payload", message.payload_key));
            return Ok(());
        };
        self.object(&message.payload, payload, &format!("`{webhook_type}`"));
        Ok(())
    }

    fn new_message(&mut self, webhook_type: &str, example: &Json) -> Result<(), String> {
        // An envelope key spelled otherwise (`organizationId`) is no payload either.
        let envelope: Vec<String> = envelope::KEYS.iter().map(|key| field_key(key)).collect();
        let payload_key = match example {
            Json::Object(members) => {
                members.iter().map(|(key, _)| key).find(|key| !envelope.contains(&field_key(key)))
            }
            _ => None,
        };
        let (Some(payload_key), Some(object_type)) =
            (payload_key, example.get(envelope::OBJECT_TYPE).and_then(Json::as_str))
        else {
            Merge::differs(format!("`{webhook_type}` has no payload beside its envelope"));
            return Ok(());
        };
        let payload = match example.get(payload_key) {
            Some(Json::Object(members)) => {
                self.build(&crate::openapi::pascal(object_type), members, &format!("`{webhook_type}`"))
            }
            _ => {
                Merge::differs(format!("the payload of `{webhook_type}` is not an object"));
                return Ok(());
            }
        };
        self.message_variants.insert(variant_key(webhook_type), webhook_type.to_owned());
        self.merged.messages.push(Message {
            webhook_type: webhook_type.to_owned(),
            object_type: object_type.to_owned(),
            payload_key: payload_key.clone(),
            payload,
            title: controls::prose(webhook_type).into_owned(),
            description: String::new(),
            example: Some(raw_at_depth(example, EXAMPLE_DEPTH)?),
            ..Message::default()
        });
        self.note(format!("message `{webhook_type}`, not in the spec"));
        Ok(())
    }

    /// A new object for an example object, named after `name` (made free), with a field
    /// per member; nested objects become objects of their own.
    fn build(&mut self, name: &str, members: &[(String, Json)], place: &str) -> String {
        let free = self.names.take(if name.is_empty() { "Payload" } else { name });
        self.objects_at.insert(free.clone(), self.merged.objects.len());
        self.merged.objects.push(Object { name: free.clone(), ..Object::default() });
        for (key, value) in members {
            // The key is checked before its value makes types of its own.
            if let Some(other) = self.members_of(&free).get(&field_key(key)) {
                Merge::differs(format!(
                    "field `{free}.{key}` (in {place}) becomes the same Rust field as `{other}`; left out"
                ));
                continue;
            }
            let field = self.field(&free, key, value, place);
            self.add_field(&free, field);
        }
        free
    }

    fn field(&mut self, object: &str, key: &str, value: &Json, place: &str) -> Field {
        let ty = match value {
            Json::Object(members) => {
                self.build(&format!("{object}{}", crate::openapi::pascal(key)), members, place)
            }
            Json::Array(items) => match items.first() {
                Some(Json::Object(members)) => {
                    format!(
                        "{}[]",
                        self.build(&format!("{object}{}", crate::openapi::pascal(key)), members, place)
                    )
                }
                _ => spec_type(&value.to_value()),
            },
            _ => spec_type(&value.to_value()),
        };
        Field {
            name: key.to_owned(),
            ty,
            optional: true,
            nullable: true,
            description: controls::prose(&format!("Seen in the docs example of {place}.")).into_owned(),
            ..Field::default()
        }
    }

    fn object(&mut self, name: &str, value: &Json, place: &str) {
        let spec = Rc::clone(&self.spec);
        let (Some(object), Json::Object(members)) = (spec.object(name), value) else { return };
        let mut fields: HashMap<&str, &Field> = HashMap::new();
        for field in &object.fields {
            fields.entry(field.name.as_str()).or_insert(field);
        }
        for (key, member) in members {
            let Some(field) = fields.get(key.as_str()) else {
                match self.members_of(name).get(&field_key(key)) {
                    // Merged from an earlier example.
                    Some(other) if other == key => {}
                    Some(other) => Merge::differs(format!(
                        "field `{name}.{key}` (in {place}) becomes the same Rust field as `{other}`; left out"
                    )),
                    None => {
                        let added = self.field(name, key, member, place);
                        self.add_field(name, added);
                        let member = member.to_value();
                        self.note(format!(
                            "field `{name}.{key}` ({}, in {place}): {}",
                            infer(&member),
                            short(&member)
                        ));
                    }
                }
                continue;
            };
            let element = field.ty.trim_end_matches("[]").to_owned();
            match member {
                Json::Array(items) => {
                    for item in items {
                        self.value(&element, item, place);
                    }
                }
                other => self.value(&element, other, place),
            }
        }
    }

    fn value(&mut self, ty: &str, value: &Json, place: &str) {
        if self.spec.object(ty).is_some() {
            self.object(ty, value, place);
        } else if let (Some(enumeration), Some(text)) = (self.spec.enumeration(ty), value.as_str())
            && !enumeration.values.iter().any(|v| v.value == text)
        {
            let variant = variant_key(text);
            match self.members_of(ty).get(&variant) {
                // Merged from an earlier example.
                Some(other) if other == text => return,
                Some(other) => {
                    return Merge::differs(format!(
                        "value `{text}` of `{ty}` (in {place}) becomes the same Rust variant as `{other}`; left out"
                    ));
                }
                None => {}
            }
            let Some(target) = self.merged.enums.iter_mut().find(|e| e.name == ty) else { return };
            target.values.push(EnumValue { value: text.to_owned(), ..EnumValue::default() });
            self.members_of(ty).insert(variant, text.to_owned());
            self.note(format!("value `{text}` of `{ty}` (in {place})"));
        }
    }
}

/// The spec type expression for an example value that is not an object.
fn spec_type(value: &Value) -> String {
    match value {
        Value::Null | Value::Object(_) => "json".to_owned(),
        Value::Array(items) => match items.first() {
            Some(Value::Null | Value::Array(_)) | None => "json".to_owned(),
            Some(first) => format!("{}[]", spec_type(first)),
        },
        other => infer(other),
    }
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
                && bytes.get(4) == Some(&b'-')
                && digits(5..7)
                && bytes.get(7) == Some(&b'-')
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
