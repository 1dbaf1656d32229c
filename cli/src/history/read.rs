//! What a release sends, read from its Ruby: the webhook services (their `webhook_type`,
//! `object_type` and `object_serializer`), and the keys each serializer's `serialize`
//! builds, following the merges, the `include?(:x)` conditions with the includes the
//! service asks for, nested serializers and `CollectionSerializer`s, helper methods,
//! included modules and parent classes.
//!
//! Conditions other than `include?(:x)` cannot be decided by reading, so both branches
//! count: a key is listed when some delivery can carry it. What cannot be read (a key
//! computed at run time, a serializer that is not found, a service whose type is not a
//! string literal) is listed as unread, never guessed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::ruby::{self, ClassDef};
use super::tree::Shape;

/// The classes and modules of a release, by full name. A class reopened in several files
/// gets the methods of all of them.
#[derive(Default)]
pub struct Codebase {
    classes: HashMap<String, ClassDef>,
}

impl Codebase {
    /// Adds the classes of one file.
    pub fn add(&mut self, classes: &[ClassDef]) {
        for class in classes {
            match self.classes.get_mut(&class.name) {
                Some(existing) => {
                    existing.methods.extend(class.methods.clone());
                    existing.includes.extend(class.includes.iter().cloned());
                    if existing.parent.is_none() {
                        existing.parent.clone_from(&class.parent);
                    }
                }
                None => {
                    self.classes.insert(class.name.clone(), class.clone());
                }
            }
        }
    }

    /// The full name of the constant `written` as named from inside `from`.
    fn resolve(&self, written: &str, from: &str) -> Option<String> {
        if let Some(absolute) = written.strip_prefix("::") {
            return self.classes.contains_key(absolute).then(|| absolute.to_owned());
        }
        let mut scopes = vec![from.to_owned()];
        if let Some(class) = self.classes.get(from) {
            scopes.extend(class.scopes.iter().cloned());
        } else {
            scopes.push(String::new());
        }
        scopes
            .into_iter()
            .map(|scope| if scope.is_empty() { written.to_owned() } else { format!("{scope}::{written}") })
            .find(|name| self.classes.contains_key(name))
    }

    /// The body of `method` for an instance of `class` (its own, its modules', its
    /// ancestors'), and the class or module that defines it.
    fn method(&self, class: &str, method: &str) -> Option<(String, &str)> {
        let mut current = class.to_owned();
        for _ in 0..16 {
            let def = self.classes.get(&current)?;
            if let Some(body) = def.methods.get(method) {
                return Some((current, body));
            }
            for module in def.includes.iter().rev() {
                if let Some(module) = self.resolve(module, &current)
                    && let Some(body) = self.classes.get(&module).and_then(|def| def.methods.get(method))
                {
                    return Some((module, body));
                }
            }
            current = self.resolve(def.parent.as_deref()?, &current)?;
        }
        None
    }

    /// The parent class of `class`, resolved.
    fn parent(&self, class: &str) -> Option<String> {
        let def = self.classes.get(class)?;
        self.resolve(def.parent.as_deref()?, class)
    }
}

/// One webhook type as a release sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The envelope's `object_type`.
    pub object_type: String,
    /// The key the payload is under (Lago's base service uses `object_type`).
    pub payload_key: String,
    /// The serializer that builds the payload (`V1::PaymentSerializer`), when read.
    pub serializer: Option<String>,
    /// The payload's keys.
    pub keys: Shape,
}

/// A release's webhook types, and what could not be read.
#[derive(Debug, Default)]
pub struct Reading {
    /// Webhook type to message.
    pub messages: BTreeMap<String, Message>,
    /// What could not be read, and why.
    pub unread: BTreeSet<String>,
}

/// Reads the messages of the services in `code` (the classes named under `services`,
/// `Webhooks::...`); `catalogue` is the list of `config/webhook_event_types.yml` when the
/// release has one.
pub fn messages(code: &Codebase, service_names: &[String], catalogue: Option<&[String]>) -> Reading {
    let mut reader = Reader { code, unread: BTreeSet::new(), memo: HashMap::new(), stack: Vec::new() };
    let mut messages: BTreeMap<String, Message> = BTreeMap::new();
    for service in service_names {
        let Some((_, body)) = code.method(service, "webhook_type") else { continue };
        if body.trim().is_empty() {
            // An abstract service: its subclasses name the type.
            continue;
        }
        let Some(webhook_type) = ruby::literal(body) else {
            reader.note(service, "webhook_type", &format!("not a string literal: `{}`", one_line(body)));
            continue;
        };
        let object_type = match code.method(service, "object_type").map(|(_, body)| ruby::literal(body)) {
            Some(Some(object_type)) => object_type,
            _ => {
                reader.note(service, "object_type", "not a string literal; the message is left out");
                continue;
            }
        };
        let mut serializer = None;
        let keys = match code.method(service, "object_serializer") {
            Some((owner, body)) => {
                let mut context = Context::new(service, &owner, "object_serializer", Vec::new());
                match reader.body(&mut context, body) {
                    Value::Serializer { class, includes } => {
                        let keys = reader.method(&class, "serialize", &includes).shape();
                        serializer = Some(class);
                        keys
                    }
                    other => {
                        let what = format!(
                            "does not build a known serializer ({}): `{}`",
                            other.kind(),
                            one_line(body)
                        );
                        reader.note(service, "object_serializer", &what);
                        Shape::Leaf
                    }
                }
            }
            None => {
                reader.note(service, "object_serializer", "missing");
                Shape::Leaf
            }
        };
        let message =
            Message { object_type: object_type.clone(), payload_key: object_type, serializer, keys };
        match messages.remove(&webhook_type) {
            Some(existing) if existing.object_type != message.object_type => {
                reader.note(
                    service,
                    "object_type",
                    &format!("{webhook_type} is also sent with object_type {}", existing.object_type),
                );
                messages.insert(webhook_type, existing);
            }
            Some(existing) => {
                let keys = existing.keys.union(message.keys);
                messages.insert(webhook_type, Message { keys, ..message });
            }
            None => {
                messages.insert(webhook_type, message);
            }
        }
    }
    if let Some(catalogue) = catalogue {
        for name in catalogue {
            if !messages.contains_key(name) {
                reader
                    .unread
                    .insert(format!("{name}: in config/webhook_event_types.yml, but no service sends it"));
            }
        }
        for name in messages.keys() {
            if !catalogue.contains(name) {
                reader
                    .unread
                    .insert(format!("{name}: sent by a service, but not in config/webhook_event_types.yml"));
            }
        }
    }
    Reading { messages, unread: reader.unread }
}

/// The webhook type names of a `config/webhook_event_types.yml` (its `name:` lines).
pub fn catalogue(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter_map(|line| line.trim().strip_prefix("name:"))
        .map(|name| name.trim().trim_matches(['"', '\'']).to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

fn one_line(text: &str) -> String {
    let joined: Vec<&str> = text.split_whitespace().collect();
    let joined = joined.join(" ");
    if joined.chars().count() > 90 {
        format!("{}...", joined.chars().take(90).collect::<String>())
    } else {
        joined
    }
}

/// A value met while reading an expression.
#[derive(Debug, Clone)]
enum Value {
    /// A hash, an array of hashes, or a value of unknown structure.
    Shape(Shape),
    /// A constant (a class), resolved when it is one of the code base.
    Constant(String),
    /// `Serializer.new(model, includes: ...)`, not yet serialized.
    Serializer { class: String, includes: Vec<String> },
    /// `CollectionSerializer.new(records, Serializer, collection_name: ...)`.
    Collection { class: String, includes: Vec<String>, name: String },
}

impl Value {
    fn shape(self) -> Shape {
        match self {
            Value::Shape(shape) => shape,
            _ => Shape::Leaf,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Value::Shape(Shape::Leaf) => "a value of unknown structure",
            Value::Shape(_) => "a hash",
            Value::Constant(_) => "a constant",
            Value::Serializer { .. } => "a serializer",
            Value::Collection { .. } => "a collection serializer",
        }
    }
}

const UNKNOWN: Value = Value::Shape(Shape::Leaf);

/// Where an expression is read: the class of `self`, the class or module whose method it
/// is (for `super`), the method, the includes the serializer was built with, and the
/// local variables.
struct Context {
    class: String,
    owner: String,
    method: String,
    includes: Vec<String>,
    locals: HashMap<String, Value>,
}

impl Context {
    fn new(class: &str, owner: &str, method: &str, includes: Vec<String>) -> Context {
        Context {
            class: class.to_owned(),
            owner: owner.to_owned(),
            method: method.to_owned(),
            includes,
            locals: HashMap::new(),
        }
    }
}

struct Reader<'a> {
    code: &'a Codebase,
    unread: BTreeSet<String>,
    memo: HashMap<(String, String, Vec<String>), Value>,
    stack: Vec<(String, String, Vec<String>)>,
}

impl Reader<'_> {
    fn note(&mut self, class: &str, method: &str, what: &str) {
        self.unread.insert(format!("{class}#{method}: {what}"));
    }

    /// The value `method` returns on an instance of `class` built with `includes`.
    fn method(&mut self, class: &str, method: &str, includes: &[String]) -> Value {
        let key = (class.to_owned(), method.to_owned(), includes.to_vec());
        if let Some(value) = self.memo.get(&key) {
            return value.clone();
        }
        if self.stack.contains(&key) || self.stack.len() > 40 {
            self.note(class, method, "calls itself through nested serializers; the inner one is a leaf");
            return UNKNOWN;
        }
        let Some((owner, body)) = self.code.method(class, method) else {
            if method == "serialize" {
                self.note(class, method, "no serialize method found");
            }
            return UNKNOWN;
        };
        self.stack.push(key.clone());
        let mut context = Context::new(class, &owner, method, includes.to_vec());
        let value = self.body(&mut context, body);
        self.stack.pop();
        self.memo.insert(key, value.clone());
        value
    }

    /// The value of a method body: its last statement, or what it returns, with the
    /// branches of a final `if`/`case` together.
    fn body(&mut self, context: &mut Context, body: &str) -> Value {
        // Open blocks: Some(false) is an `include?` condition that does not hold.
        let mut blocks: Vec<Option<bool>> = Vec::new();
        let mut last = UNKNOWN;
        let mut branches = Shape::Leaf;
        let mut returned = Shape::Leaf;
        let mut ended_block = false;
        for statement in ruby::statements(body) {
            let text = statement.trim();
            let word = text.split_whitespace().next().unwrap_or("");
            let one_line_block = text.ends_with(" end") || text.ends_with("\nend");
            match word {
                "if" | "unless" if !one_line_block => {
                    let condition = self.condition(context, &text[word.len()..]);
                    blocks.push(if word == "if" { condition } else { condition.map(|holds| !holds) });
                    continue;
                }
                "case" | "while" | "until" | "begin" if !one_line_block => {
                    blocks.push(None);
                    continue;
                }
                "elsif" => {
                    if let Some(top) = blocks.last_mut() {
                        *top = None;
                    }
                    continue;
                }
                "else" => {
                    if let Some(top) = blocks.last_mut() {
                        *top = top.map(|holds| !holds);
                    }
                    continue;
                }
                "when" | "in" | "rescue" | "ensure" => continue,
                "end" => {
                    blocks.pop();
                    ended_block = blocks.is_empty();
                    continue;
                }
                _ => {}
            }
            if blocks.contains(&Some(false)) {
                continue;
            }
            ended_block = false;
            let (text, condition) =
                match ruby::find_top(text, " if ").or_else(|| ruby::find_top(text, " unless ")) {
                    Some(at) => {
                        let negated = text[at..].starts_with(" unless ");
                        let condition = &text[at + if negated { 8 } else { 4 }..];
                        (&text[..at], self.condition(context, condition).map(|holds| holds != negated))
                    }
                    _ => (text, None),
                };
            if condition == Some(false) {
                continue;
            }
            let value = self.statement(context, text, &mut returned);
            if blocks.is_empty() {
                last = value;
                branches = Shape::Leaf;
            } else if let Value::Shape(shape) = &value {
                branches = branches.union(shape.clone());
                last = value;
            } else {
                last = value;
            }
        }
        match last {
            Value::Shape(shape) => {
                let shape = if ended_block { shape.union(branches) } else { shape };
                Value::Shape(returned.union(shape))
            }
            other if matches!(returned, Shape::Leaf) => other,
            other => Value::Shape(returned.union(other.shape())),
        }
    }

    /// Whether a condition holds: known only for `include?(:x)` (and `!`, and `&&` with
    /// something unknown when it does not hold).
    fn condition(&mut self, context: &Context, condition: &str) -> Option<bool> {
        let condition = condition.trim();
        let first = ruby::find_top(condition, " && ").map_or(condition, |at| &condition[..at]).trim();
        let (negated, call) = match first.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, first),
        };
        let name = call.strip_prefix("include?(:").and_then(|rest| rest.strip_suffix(')'))?;
        let holds = context.includes.iter().any(|include| include == name) != negated;
        if holds && first.len() != condition.len() {
            return None;
        }
        Some(holds)
    }

    /// Reads one statement; assignments and in-place merges update the locals.
    fn statement(&mut self, context: &mut Context, text: &str, returned: &mut Shape) -> Value {
        if let Some(expr) = text.strip_prefix("return ") {
            let value = self.expression(context, expr);
            *returned = std::mem::replace(returned, Shape::Leaf).union(value.clone().shape());
            return value;
        }
        // `name = value`, `name ||= value`
        if let Some(at) = ruby::find_top(text, "=") {
            let target = text[..at].trim().trim_end_matches("||").trim_end();
            let after = &text[at + 1..];
            let is_assignment =
                !after.starts_with(['=', '>', '~']) && !text[..at].ends_with(['!', '<', '>', '=']);
            if is_assignment && ruby::is_identifier(target) {
                let value = self.expression(context, after);
                context.locals.insert(target.to_owned(), value.clone());
                return value;
            }
            // `name[:key] = value`
            if is_assignment
                && let Some((local, key)) = target.strip_suffix(']').and_then(|rest| rest.split_once('['))
                && let (true, Some(key)) = (context.locals.contains_key(local), ruby::literal(key))
            {
                let value = self.expression(context, after).shape();
                let mut keys = BTreeMap::new();
                keys.insert(key, value);
                let merged =
                    context.locals.remove(local).unwrap_or(UNKNOWN).shape().union(Shape::Object(keys));
                context.locals.insert(local.to_owned(), Value::Shape(merged.clone()));
                return Value::Shape(merged);
            }
        }
        let value = self.expression(context, text);
        // `name.merge!(...)` changes the local.
        if let Some((local, rest)) = text.split_once('.') {
            let bang = rest.split(['(', ' ']).next().is_some_and(|call| call.ends_with('!'));
            if bang && context.locals.contains_key(local) {
                context.locals.insert(local.to_owned(), value.clone());
            }
        }
        value
    }

    /// The value of an expression.
    fn expression(&mut self, context: &mut Context, text: &str) -> Value {
        let text = text.trim();
        if text.is_empty() {
            return UNKNOWN;
        }
        if let Some(at) = ruby::find_top(text, " ? ")
            && let Some(colon) = ruby::find_top(&text[at + 3..], " : ")
        {
            let (yes, no) = (&text[at + 3..at + 3 + colon], &text[at + 3 + colon + 3..]);
            return match self.condition(context, &text[..at]) {
                Some(true) => self.expression(context, yes),
                Some(false) => self.expression(context, no),
                None => {
                    let yes = self.expression(context, yes).shape();
                    Value::Shape(yes.union(self.expression(context, no).shape()))
                }
            };
        }
        for operator in [" || ", " && "] {
            if let Some(at) = ruby::find_top(text, operator) {
                let left = self.expression(context, &text[..at]).shape();
                return Value::Shape(left.union(self.expression(context, &text[at + 4..]).shape()));
            }
        }
        // A `do ... end` block is taken apart first: its body is not part of the chain.
        let (head, do_block) = split_do_block(text);
        let mut segments = chain(head);
        if segments.is_empty() {
            return UNKNOWN;
        }
        let primary = segments.remove(0);
        let mut value = self.primary(context, primary);
        let count = segments.len();
        for (index, segment) in segments.into_iter().enumerate() {
            let block = if index + 1 == count { do_block } else { None };
            value = self.call(context, value, segment, block);
        }
        value
    }

    /// The value of the start of a chain.
    fn primary(&mut self, context: &mut Context, text: &str) -> Value {
        let text = text.trim();
        if text.starts_with('{') && ruby::matching(text, 0) == Some(text.len() - 1) {
            return Value::Shape(self.hash(context, &text[1..text.len() - 1]));
        }
        if text.starts_with('(') && ruby::matching(text, 0) == Some(text.len() - 1) {
            return self.expression(context, &text[1..text.len() - 1]);
        }
        if text.starts_with('[') && ruby::matching(text, 0) == Some(text.len() - 1) {
            let mut item = Shape::Leaf;
            for element in ruby::split_top(&text[1..text.len() - 1], ',') {
                item = item.union(self.expression(context, element).shape());
            }
            return Value::Shape(if item == Shape::Leaf {
                Shape::Leaf
            } else {
                Shape::Array(Box::new(item))
            });
        }
        if ruby::is_constant(text) {
            let resolved = self
                .code
                .resolve(text, &context.owner)
                .unwrap_or_else(|| text.trim_start_matches("::").to_owned());
            return Value::Constant(resolved);
        }
        if text == "super" || text.starts_with("super(") {
            let owner = context.owner.clone();
            let method = context.method.clone();
            let Some(parent) = self.code.parent(&owner) else { return UNKNOWN };
            return match self.code.method(&parent, &method) {
                Some((defining, body)) => {
                    let mut inner =
                        Context::new(&context.class, &defining, &method, context.includes.clone());
                    self.body(&mut inner, body)
                }
                None => UNKNOWN,
            };
        }
        let name = text.split('(').next().unwrap_or(text);
        if !ruby::is_identifier(name) {
            return UNKNOWN;
        }
        if name == text
            && let Some(value) = context.locals.get(name)
        {
            return value.clone();
        }
        if matches!(name, "model" | "object" | "options" | "self") {
            return UNKNOWN;
        }
        let class = context.class.clone();
        let includes = context.includes.clone();
        self.method(&class, name, &includes)
    }

    /// A hash literal's keys.
    fn hash(&mut self, context: &mut Context, inner: &str) -> Shape {
        let mut keys: BTreeMap<String, Shape> = BTreeMap::new();
        let mut shape = Shape::empty();
        for entry in ruby::split_top(inner, ',') {
            if let Some(splat) = entry.strip_prefix("**") {
                shape = shape.union(self.expression(context, splat).shape());
                continue;
            }
            let (key, value): (String, &str) = match label(entry) {
                Some((key, value)) => (key, value),
                None => match ruby::find_top(entry, "=>") {
                    Some(at) => match ruby::literal(&entry[..at]) {
                        Some(key) => (key, entry[at + 2..].trim()),
                        None => {
                            let what = format!("a key computed at run time: `{}`", one_line(&entry[..at]));
                            self.note(&context.class.clone(), &context.method.clone(), &what);
                            continue;
                        }
                    },
                    None => {
                        let what = format!("a hash entry not understood: `{}`", one_line(entry));
                        self.note(&context.class.clone(), &context.method.clone(), &what);
                        continue;
                    }
                },
            };
            // `key:` alone is `key: key`.
            let value = if value.is_empty() {
                self.expression(context, &key)
            } else {
                self.expression(context, value)
            };
            keys.insert(key, value.shape());
        }
        shape.union(Shape::Object(keys))
    }

    /// `value.name(args) { block }`.
    fn call(&mut self, context: &mut Context, value: Value, segment: &str, do_block: Option<&str>) -> Value {
        let call = Call::parse(segment);
        let block = call.block.or(do_block);
        match (call.name, value) {
            ("new", Value::Constant(class)) => self.construct(context, &class, call.args.unwrap_or("")),
            ("serialize", Value::Serializer { class, includes }) => {
                self.method(&class, "serialize", &includes)
            }
            ("serialize", Value::Collection { class, includes, name }) => {
                let item = self.method(&class, "serialize", &includes).shape();
                let mut keys = BTreeMap::new();
                keys.insert(name, Shape::Array(Box::new(item)));
                Value::Shape(Shape::Object(keys))
            }
            ("merge" | "merge!" | "deep_merge" | "deep_merge!" | "reverse_merge" | "update", value) => {
                let mut shape = value.shape();
                let args = call.args.unwrap_or("");
                let arguments = ruby::split_top(args, ',');
                if arguments.iter().any(|arg| label(arg).is_some()) {
                    // `merge(key: value)`: a hash without its braces.
                    return Value::Shape(shape.union(self.hash(context, args)));
                }
                for arg in arguments {
                    shape = shape.union(self.expression(context, arg).shape());
                }
                Value::Shape(shape)
            }
            ("except", Value::Shape(Shape::Object(mut keys))) => {
                for arg in ruby::split_top(call.args.unwrap_or(""), ',') {
                    if let Some(key) = ruby::literal(arg) {
                        keys.remove(&key);
                    }
                }
                Value::Shape(Shape::Object(keys))
            }
            ("slice", value) => {
                let known = match value.shape() {
                    Shape::Object(keys) => keys,
                    _ => BTreeMap::new(),
                };
                let keys = ruby::split_top(call.args.unwrap_or(""), ',')
                    .into_iter()
                    .filter_map(ruby::literal)
                    .map(|key| {
                        let shape = known.get(&key).cloned().unwrap_or(Shape::Leaf);
                        (key, shape)
                    })
                    .collect();
                Value::Shape(Shape::Object(keys))
            }
            ("map" | "filter_map" | "collect" | "flat_map" | "each_with_object", _) if block.is_some() => {
                let body = block.unwrap_or("");
                let item = self.block(context, body);
                Value::Shape(if item == Shape::Leaf { Shape::Leaf } else { Shape::Array(Box::new(item)) })
            }
            ("then" | "yield_self" | "tap", _) if block.is_some() => {
                Value::Shape(self.block(context, block.unwrap_or("")))
            }
            (
                "compact"
                | "to_h"
                | "presence"
                | "symbolize_keys"
                | "deep_symbolize_keys"
                | "stringify_keys"
                | "deep_stringify_keys"
                | "with_indifferent_access"
                | "dup"
                | "select"
                | "reject"
                | "sort_by"
                | "uniq"
                | "flatten"
                | "compact_blank"
                | "to_a",
                value,
            ) => value,
            ("first" | "last", Value::Shape(Shape::Array(item))) => Value::Shape(*item),
            ("fetch" | "dig" | "[]", Value::Shape(Shape::Object(keys))) => {
                let key = call
                    .args
                    .and_then(|args| ruby::split_top(args, ',').first().and_then(|key| ruby::literal(key)));
                key.and_then(|key| keys.get(&key).cloned()).map_or(UNKNOWN, Value::Shape)
            }
            _ => UNKNOWN,
        }
    }

    /// The value of a block's body, its parameters unknown.
    fn block(&mut self, context: &mut Context, body: &str) -> Shape {
        let body = body.trim_start();
        let body = match body.strip_prefix('|').and_then(|rest| rest.split_once('|')) {
            Some((_params, rest)) => rest,
            None => body,
        };
        let mut inner =
            Context::new(&context.class, &context.owner, &context.method, context.includes.clone());
        inner.locals = context.locals.clone();
        self.body(&mut inner, body).shape()
    }

    /// `Class.new(args)`: a serializer, a collection serializer, or something else.
    fn construct(&mut self, context: &mut Context, class: &str, args: &str) -> Value {
        let args = ruby::split_top(args, ',');
        let mut includes = Vec::new();
        let mut collection_name = "data".to_owned();
        for arg in &args {
            if let Some((key, value)) = label(arg) {
                match key.as_str() {
                    "includes" => includes = self.includes(context, value),
                    "collection_name" => match ruby::literal(value) {
                        Some(name) => collection_name = name,
                        None => {
                            let what =
                                format!("a collection name computed at run time: `{}`", one_line(value));
                            self.note(&context.class.clone(), &context.method.clone(), &what);
                        }
                    },
                    _ => {}
                }
            }
        }
        if class.rsplit("::").next() == Some("CollectionSerializer") {
            let item = args
                .get(1)
                .filter(|item| ruby::is_constant(item))
                .and_then(|item| self.code.resolve(item, &context.owner));
            return match item {
                Some(item) => Value::Collection { class: item, includes, name: collection_name },
                None => {
                    let what = format!(
                        "a collection of a serializer not found: `{}`",
                        args.get(1).copied().unwrap_or("")
                    );
                    self.note(&context.class.clone(), &context.method.clone(), &what);
                    UNKNOWN
                }
            };
        }
        if self.code.classes.contains_key(class) {
            return Value::Serializer { class: class.to_owned(), includes };
        }
        if class.ends_with("Serializer") {
            self.note(
                &context.class.clone(),
                &context.method.clone(),
                &format!("serializer {class} not found"),
            );
        }
        UNKNOWN
    }

    /// The includes a serializer is built with.
    fn includes(&mut self, context: &mut Context, text: &str) -> Vec<String> {
        if let Some(list) = ruby::symbol_list(text) {
            return list;
        }
        if text.trim() == "options[:includes]" {
            return context.includes.clone();
        }
        if let Some(at) = ruby::find_top(text, " ? ")
            && let Some(colon) = ruby::find_top(&text[at + 3..], " : ")
        {
            let (yes, no) = (&text[at + 3..at + 3 + colon], &text[at + 3 + colon + 3..]);
            return match self.condition(context, &text[..at]) {
                Some(false) => self.includes(context, no),
                _ => self.includes(context, yes),
            };
        }
        let what = format!("includes computed at run time (taken as none): `{}`", one_line(text));
        self.note(&context.class.clone(), &context.method.clone(), &what);
        Vec::new()
    }
}

/// A hash entry or keyword argument written `key: value` (or `key:` alone, or
/// `"key": value`).
fn label(entry: &str) -> Option<(String, &str)> {
    let entry = entry.trim();
    if let Some(quoted) = entry.strip_prefix('"') {
        let (key, rest) = quoted.split_once("\":")?;
        return Some((key.to_owned(), rest.trim()));
    }
    let end = entry.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '?' | '!')))?;
    let (key, rest) = entry.split_at(end);
    let rest = rest.strip_prefix(':')?;
    if rest.starts_with(':')
        || !ruby::is_identifier(key)
        || !(rest.is_empty() || rest.starts_with(char::is_whitespace))
    {
        return None;
    }
    Some((key.to_owned(), rest.trim()))
}

/// A call of a chain: its name, its arguments and its `{ }` block.
struct Call<'a> {
    name: &'a str,
    args: Option<&'a str>,
    block: Option<&'a str>,
}

impl<'a> Call<'a> {
    fn parse(segment: &'a str) -> Call<'a> {
        let segment = segment.trim();
        if segment.starts_with('[') {
            let args = ruby::matching(segment, 0).map(|close| &segment[1..close]);
            return Call { name: "[]", args, block: None };
        }
        let end = segment
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '?' | '!')))
            .unwrap_or(segment.len());
        let name = &segment[..end];
        let mut rest = segment[end..].trim_start();
        let mut args = None;
        if rest.starts_with('(')
            && let Some(close) = ruby::matching(rest, 0)
        {
            args = Some(&rest[1..close]);
            rest = rest[close + 1..].trim_start();
        }
        let mut block = None;
        if rest.starts_with('{')
            && let Some(close) = ruby::matching(rest, 0)
        {
            block = Some(&rest[1..close]);
        }
        Call { name, args, block }
    }
}

/// An expression and the body of the `do ... end` block that ends it, if any.
fn split_do_block(text: &str) -> (&str, Option<&str>) {
    let Some(at) = ruby::find_top(text, " do") else { return (text, None) };
    let after = &text[at + 3..];
    if !(after.starts_with(" |") || after.starts_with('\n')) {
        return (text, None);
    }
    let Some(body) = after.trim_end().strip_suffix("end") else { return (text, None) };
    (&text[..at], Some(body))
}

/// The parts of a method chain: `a.b(c).d` is `a`, `b(c)`, `d`. Dots inside brackets and
/// strings, of `::`, `&.` and numbers do not split; `x[:k]` is `x`, `[:k]`.
fn chain(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut depth_zero_brackets: Vec<usize> = Vec::new();
    walk_top(text, |at, c| {
        if c == '.' {
            let before = if at > 0 { bytes[at - 1] } else { b' ' };
            let after = bytes.get(at + 1).copied().unwrap_or(b' ');
            if before.is_ascii_digit() && after.is_ascii_digit() || before == b'.' || after == b'.' {
                return;
            }
            let cut_start = if before == b'&' { at - 1 } else { at };
            cuts.push((cut_start, at + 1));
        } else if c == '['
            && at > 1
            && !bytes[at - 1].is_ascii_whitespace()
            && bytes[at - 1] != b'('
            && bytes[at - 2] != b'%'
        {
            depth_zero_brackets.push(at);
        }
    });
    for at in depth_zero_brackets {
        cuts.push((at, at));
    }
    cuts.sort_unstable();
    for (cut_start, next) in cuts {
        if cut_start < start {
            continue;
        }
        parts.push(text[start..cut_start].trim());
        start = next;
    }
    parts.push(text[start..].trim());
    parts.into_iter().filter(|part| !part.is_empty()).collect()
}

/// Calls `visit` for each character outside brackets and strings (and for the opening
/// brackets themselves).
fn walk_top(text: &str, mut visit: impl FnMut(usize, char)) {
    ruby::walk(text, |at, c, depth| {
        if depth == 0 && !matches!(c, ')' | ']' | '}') {
            visit(at, c);
        }
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    // Snippets written for these tests in the shape of a serializer code base: a base
    // class, a serializer with includes, a helper module, a collection, a nested one.
    const BASE: &str = "class BaseShape\n  def serialize\n    { ident: model.id }\n  end\nend\n";
    const GADGET: &str = r#"
module Shop
  class GadgetSerializer < BaseShape
    include Shop::Extras

    def serialize
      out = {
        code: model.code,
        owner: ::Shop::OwnerSerializer.new(model.owner).serialize,
        size:,
        'label' => model.label,
      }.merge(extras)

      out.merge!(parts) if include?(:parts)
      out.merge!(secret) if include?(:secret)
      out[:colour] = model.colour unless include?(:plain)
      out.merge!(stamp) if model.stamped?
      out
    end

    private

    def size
      { width: model.w, height: model.h }
    end

    def parts
      ::CollectionSerializer.new(model.parts, ::Shop::PartSerializer, collection_name: "parts").serialize
    end

    def secret = { hidden: true }

    def stamp
      return {} unless model.stamped?

      { stamped_at: model.stamped_at }
    end
  end
end
"#;
    const EXTRAS: &str = "module Shop\n  module Extras\n    def extras\n      { made_in: model.origin }\n    end\n  end\nend\n";
    const OWNER: &str = "module Shop\n  class OwnerSerializer < BaseShape\n    def serialize\n      super.merge(name: model.name)\n    end\n  end\nend\n";
    const PART: &str = "module Shop\n  class PartSerializer < BaseShape\n    def serialize\n      { part_no: model.no, gadget: GadgetSerializer.new(model.gadget).serialize }\n    end\n  end\nend\n";
    const SENDERS: &str = r#"
module Hooks
  class Sender
    def webhook_type
      # Nothing: the subclasses say.
    end
  end

  module Gadgets
    class MadeService < Hooks::Sender
      private

      def object_serializer
        ::Shop::GadgetSerializer.new(object, root_name: "gadget", includes: %i[parts])
      end

      def webhook_type
        'gadget.made'
      end

      def object_type
        "gadget"
      end
    end

    class OddService < Hooks::Sender
      def webhook_type
        options[:kind]
      end
    end
  end
end
"#;

    fn code() -> Codebase {
        let mut code = Codebase::default();
        for source in [BASE, GADGET, EXTRAS, OWNER, PART, SENDERS] {
            code.add(&ruby::classes(source));
        }
        code
    }

    fn services() -> Vec<String> {
        ["Hooks::Sender", "Hooks::Gadgets::MadeService", "Hooks::Gadgets::OddService"]
            .map(str::to_owned)
            .to_vec()
    }

    #[test]
    fn a_service_payload_is_read_with_its_includes() {
        let reading = messages(&code(), &services(), None);
        let names: Vec<&String> = reading.messages.keys().collect();
        assert_eq!(names, ["gadget.made"]);
        let message = &reading.messages["gadget.made"];
        assert_eq!(message.object_type, "gadget");
        assert_eq!(message.serializer.as_deref(), Some("Shop::GadgetSerializer"));
        let paths: Vec<String> = message.keys.paths().into_iter().collect();
        assert_eq!(
            paths,
            [
                "code",
                "colour",
                "label",
                "made_in",
                "owner",
                "owner.ident",
                "owner.name",
                "parts",
                "parts[].gadget",
                "parts[].gadget.code",
                "parts[].gadget.colour",
                "parts[].gadget.label",
                "parts[].gadget.made_in",
                "parts[].gadget.owner",
                "parts[].gadget.owner.ident",
                "parts[].gadget.owner.name",
                "parts[].gadget.size",
                "parts[].gadget.size.height",
                "parts[].gadget.size.width",
                "parts[].gadget.stamped_at",
                "parts[].part_no",
                "size",
                "size.height",
                "size.width",
                "stamped_at",
            ]
        );
        // The service whose type is computed is reported, not guessed.
        let unread: Vec<&String> = reading.unread.iter().collect();
        assert_eq!(unread.len(), 1, "{unread:?}");
        assert!(unread[0].starts_with("Hooks::Gadgets::OddService#webhook_type: not a string literal"));
    }

    #[test]
    fn the_catalogue_is_compared_with_the_services() {
        let catalogue = catalogue(
            "gadget_made:\n  name: gadget.made\n  deprecated: false\ngadget_lost:\n  name: \"gadget.lost\"\n",
        );
        assert_eq!(catalogue, ["gadget.made", "gadget.lost"]);
        let reading = messages(&code(), &services(), Some(&catalogue));
        assert!(
            reading
                .unread
                .contains("gadget.lost: in config/webhook_event_types.yml, but no service sends it")
        );
    }

    #[test]
    fn a_serializer_that_nests_itself_stops() {
        let mut code = Codebase::default();
        code.add(&ruby::classes("class LoopSerializer\n  def serialize\n    { next: LoopSerializer.new(model.after).serialize }\n  end\nend\n"));
        code.add(&ruby::classes("class LoopService\n  def webhook_type = 'loop.made'\n  def object_type = 'loop'\n  def object_serializer = LoopSerializer.new(object)\nend\n"));
        let reading = messages(&code, &["LoopService".to_owned()], None);
        let paths: Vec<String> = reading.messages["loop.made"].keys.paths().into_iter().collect();
        // The inner one is a leaf: the key is listed, what is inside it is not read again.
        assert_eq!(paths, ["next"]);
        assert!(reading.unread.iter().any(|item| item.contains("calls itself")));
    }
}
