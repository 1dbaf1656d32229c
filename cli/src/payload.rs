//! Validation of a webhook body against a spec read at run time.
//!
//! The types compiled into this command are the bundled spec's; for any other spec file,
//! [`Validator`] interprets the spec itself and checks a parsed JSON body the way the code
//! `lago_webhooks!` generates from that spec would parse and then validate it, reporting
//! every problem at once instead of stopping at the first, each as a
//! [`Violation`](lago_webhooks::Violation) with its JSON Pointer.
//!
//! What the generated code checks while validating keeps the rule ids of `spec/README.md`
//! ("Validation"): `format.*`, `non_empty`, `minimum`, `maximum`, `enum`, `same_currency`
//! and `sum`, with the same messages. What the generated code refuses while parsing gets
//! these rule ids:
//!
//! | rule | what |
//! |---|---|
//! | `type` | a value of the wrong JSON kind (a string for an integer, `1.5` for an integer, an array for an object, a kind no variant of a union takes), or a body that is not a JSON object |
//! | `required` | a key that must be present is absent: `webhook_type`, the message's payload key, or a field neither `optional` nor `nullable` |
//! | `null` | `null` where the type does not take it: a field neither `optional` nor `nullable`, an array item, the payload (`json` values take `null` anywhere) |
//! | `depth` | an object or array [`MAX_DEPTH`] levels deep or deeper, not looked into |
//!
//! [`PARSE_RULES`] lists them: a body with one of them would not parse into the generated
//! types. One more rule, `webhook_type`, reports a `webhook_type` the spec does not list;
//! the generated code parses such a body into its catch-all variant (a receiver accepts
//! it), so it is not a parse problem, but for a check it is worth saying.
//!
//! The body is checked once parsed, so one thing the generated code refuses cannot be
//! seen: a key written twice in one object (serde_json keeps the last).
//!
//! Names in messages are the spec's own (`Fee`, `FeeItemType`), which the generated code
//! turns into the same Rust names when they are written in UpperCamelCase, as the spec
//! format asks.

use std::collections::{HashMap, HashSet};

use lago_webhooks::validate::{Format, Path};
use lago_webhooks::{Decimal, Violation, Violations};
use lago_webhooks_codegen::model::{Field, Rule, Spec};
use lago_webhooks_codegen::vocabulary::{Format as SpecFormat, JsonKind as Kind, Primitive};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Objects and arrays this many levels deep (the envelope is level 0) are reported with the
/// rule `depth` and not looked into: objects may contain themselves, and the walk recurses.
/// A body serde_json parses never gets there (it stops at 128 nested levels).
pub const MAX_DEPTH: usize = 128;

/// The rules of problems the generated code would refuse while parsing.
pub const PARSE_RULES: &[&str] = &["type", "required", "null", "depth"];

/// What a body was found to be.
#[derive(Debug, Default)]
pub struct Report {
    /// The envelope's `webhook_type`, when it is a string.
    pub webhook_type: Option<String>,
    /// Every problem found, in the order of the body's fields as the spec lists them.
    pub violations: Violations,
}

impl Report {
    /// Whether the generated code would refuse the body while parsing it.
    pub fn is_malformed(&self) -> bool {
        self.violations.iter().any(|v| PARSE_RULES.contains(&v.rule()))
    }
}

/// A violation as one line, `pointer: message`, or the message alone when it concerns
/// the whole body (whose pointer is empty).
pub fn show(violation: &Violation) -> String {
    match violation.pointer() {
        "" => violation.message().to_owned(),
        _ => violation.to_string(),
    }
}

/// What is wrong with a body that is not JSON, without the location serde_json appends
/// (callers place the line and column themselves).
pub fn syntax_message(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message,
    }
}

/// A spec's messages and types, resolved once, to validate any number of bodies.
#[derive(Debug)]
pub struct Validator {
    /// Message by `webhook_type`: its payload key and payload object.
    messages: HashMap<String, (String, usize)>,
    objects: Vec<ObjectPlan>,
    enums: Vec<EnumPlan>,
    unions: Vec<UnionPlan>,
}

/// The runtime's check for a format the spec names.
fn runtime_format(format: SpecFormat) -> Format {
    match format {
        SpecFormat::Uuid => Format::Uuid,
        SpecFormat::Email => Format::Email,
        SpecFormat::Url => Format::Url,
        SpecFormat::Date => Format::Date,
        SpecFormat::DateTime => Format::DateTime,
        SpecFormat::Currency => Format::Currency,
        SpecFormat::Decimal => Format::Decimal,
        SpecFormat::Json => Format::Json,
    }
}

/// A value of a kind, for messages: `an integer`.
fn phrase(kind: Kind) -> &'static str {
    match kind {
        Kind::String => "a string",
        Kind::Integer => "an integer",
        Kind::Number => "a number",
        Kind::Boolean => "a boolean",
        Kind::Object => "an object",
        Kind::Array => "an array",
    }
}

/// A resolved type expression. Indices point into the validator's tables.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Primitive(Primitive),
    Object(usize),
    Enum(usize),
    Union(usize),
    Array(Box<Ty>),
    /// A name the spec does not define: a spec the generator refuses, so nothing is
    /// known to check.
    Unchecked,
}

impl Ty {
    fn holds_objects(&self) -> bool {
        match self {
            Ty::Object(_) => true,
            Ty::Array(inner) => inner.holds_objects(),
            _ => false,
        }
    }

    fn primitive(&self) -> Option<Primitive> {
        match self {
            Ty::Primitive(p) => Some(*p),
            Ty::Array(inner) => inner.primitive(),
            _ => None,
        }
    }
}

/// The constraints a field's keys put on its text or integer values (through arrays).
#[derive(Debug, Clone, Default)]
struct Checks {
    format: Option<Format>,
    non_empty: bool,
    minimum: Option<i64>,
    maximum: Option<i64>,
}

#[derive(Debug)]
struct FieldPlan {
    name: String,
    ty: Ty,
    /// Absent or `null` is fine: the generated field is an `Option` either way.
    may_be_missing: bool,
    checks: Checks,
}

#[derive(Debug)]
enum RulePlan {
    SameCurrency { root: Vec<usize>, within: Vec<usize> },
    Sum { total: usize, parts: Vec<Vec<usize>>, terms: String },
}

#[derive(Debug)]
struct ObjectPlan {
    name: String,
    fields: Vec<FieldPlan>,
    rules: Vec<RulePlan>,
}

#[derive(Debug)]
struct EnumPlan {
    name: String,
    values: HashSet<String>,
}

#[derive(Debug)]
struct UnionPlan {
    name: String,
    variants: Vec<(Kind, Ty, Checks)>,
}

impl UnionPlan {
    /// The variant a value of `kind` is read into: a number variant also takes integers
    /// when no variant does.
    fn variant(&self, kind: Kind) -> Option<&(Kind, Ty, Checks)> {
        let find = |kind| self.variants.iter().find(|(k, _, _)| *k == kind);
        match kind {
            Kind::Integer => find(Kind::Integer).or_else(|| find(Kind::Number)),
            kind => find(kind),
        }
    }

    /// `a string or an integer`.
    fn expecting(&self) -> String {
        let kinds: Vec<&str> = self.variants.iter().map(|(k, _, _)| phrase(*k)).collect();
        match kinds.split_last() {
            None => "nothing".to_owned(),
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        }
    }
}

/// Names of a spec's objects, enumerations and unions, to resolve type expressions.
struct Names<'s> {
    objects: HashMap<&'s str, usize>,
    enums: HashMap<&'s str, usize>,
    unions: HashMap<&'s str, usize>,
}

impl Names<'_> {
    fn resolve(&self, expr: &str) -> Ty {
        let base = expr.trim_end_matches("[]");
        let depth = (expr.len() - base.len()) / 2;
        // Arrays nested deeper than any body can be (the generator refuses far fewer):
        // nothing to check, and no type nested so deep to build, walk and drop.
        if depth > MAX_DEPTH {
            return Ty::Unchecked;
        }
        let mut ty = if let Some(p) = Primitive::from_name(base) {
            Ty::Primitive(p)
        } else if let Some(i) = self.objects.get(base) {
            Ty::Object(*i)
        } else if let Some(i) = self.enums.get(base) {
            Ty::Enum(*i)
        } else if let Some(i) = self.unions.get(base) {
            Ty::Union(*i)
        } else {
            return Ty::Unchecked;
        };
        for _ in 0..depth {
            ty = Ty::Array(Box::new(ty));
        }
        ty
    }
}

/// The constraints of `field`, of type `ty`: its `format` (or the one its type implies),
/// `non_empty` and bounds.
fn checks(field: &Field, ty: &Ty) -> Checks {
    let primitive = ty.primitive();
    let format = match field.format.as_deref() {
        None => primitive.and_then(SpecFormat::implied_by).map(runtime_format),
        // `none` names no format: nothing to check.
        Some(name) => SpecFormat::NAMES.iter().find(|(n, _)| *n == name).map(|(_, f)| runtime_format(*f)),
    };
    Checks { format, non_empty: field.non_empty, minimum: field.minimum, maximum: field.maximum }
}

/// Field positions of a rule, or `None` when it names a field the object lacks (a spec
/// the generator refuses; the rule is then left out, as the generator leaves it out).
fn rule(rule: &Rule, fields: &[FieldPlan]) -> Option<RulePlan> {
    let find =
        |name: &str, fits: &dyn Fn(&Ty) -> bool| fields.iter().position(|f| f.name == name && fits(&f.ty));
    let currency = |ty: &Ty| *ty == Ty::Primitive(Primitive::Currency);
    let integer = |ty: &Ty| *ty == Ty::Primitive(Primitive::Integer);
    match rule {
        Rule::SameCurrency { root, within } => {
            let root: Option<Vec<usize>> = root.iter().map(|n| find(n, &currency)).collect();
            let within: Option<Vec<usize>> = within.iter().map(|n| find(n, &Ty::holds_objects)).collect();
            Some(RulePlan::SameCurrency { root: root?, within: within? })
        }
        Rule::Sum { total, parts } => {
            let total = find(total, &integer)?;
            let parts: Option<Vec<Vec<usize>>> =
                parts.iter().map(|part| part.fields().iter().map(|n| find(n, &integer)).collect()).collect();
            let parts = parts?;
            let terms = parts
                .iter()
                .map(|part| {
                    part.iter()
                        .filter_map(|i| fields.get(*i))
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect::<Vec<_>>()
                .join(" + ");
            Some(RulePlan::Sum { total, parts, terms })
        }
    }
}

impl Validator {
    /// Resolves `spec`, which is expected to have passed `lago_webhooks_codegen::generate`:
    /// a type name it does not define is left unchecked, and a rule naming a field the
    /// object lacks is left out, rather than failing here.
    pub fn new(spec: &Spec) -> Self {
        // The first definition of a name wins, as only it is generated.
        let mut names = Names { objects: HashMap::new(), enums: HashMap::new(), unions: HashMap::new() };
        for (i, object) in spec.objects.iter().enumerate() {
            names.objects.entry(object.name.as_str()).or_insert(i);
        }
        for (i, enumeration) in spec.enums.iter().enumerate() {
            names.enums.entry(enumeration.name.as_str()).or_insert(i);
        }
        for (i, union) in spec.unions.iter().enumerate() {
            names.unions.entry(union.name.as_str()).or_insert(i);
        }
        let objects = spec
            .objects
            .iter()
            .map(|object| {
                let mut fields: Vec<FieldPlan> = Vec::new();
                for field in &object.fields {
                    if fields.iter().any(|f| f.name == field.name) {
                        continue;
                    }
                    let ty = names.resolve(&field.ty);
                    let checks = checks(field, &ty);
                    fields.push(FieldPlan {
                        name: field.name.clone(),
                        may_be_missing: field.optional || field.nullable,
                        ty,
                        checks,
                    });
                }
                let rules = object.rules.iter().filter_map(|r| rule(r, &fields)).collect();
                ObjectPlan { name: object.name.clone(), fields, rules }
            })
            .collect();
        let enums = spec
            .enums
            .iter()
            .map(|e| EnumPlan {
                name: e.name.clone(),
                values: e.values.iter().map(|v| v.value.clone()).collect(),
            })
            .collect();
        let unions = spec
            .unions
            .iter()
            .map(|u| {
                let mut variants: Vec<(Kind, Ty, Checks)> = Vec::new();
                for variant in &u.variants {
                    let ty = names.resolve(&variant.ty);
                    let kind = match &ty {
                        Ty::Primitive(p) => p.json_kind(),
                        Ty::Enum(_) => Some(Kind::String),
                        Ty::Object(_) => Some(Kind::Object),
                        Ty::Array(_) => Some(Kind::Array),
                        Ty::Union(_) | Ty::Unchecked => None,
                    };
                    // A variant's only constraint is the format its type implies.
                    let checks = Checks {
                        format: ty.primitive().and_then(SpecFormat::implied_by).map(runtime_format),
                        ..Checks::default()
                    };
                    if let Some(kind) = kind.filter(|k| variants.iter().all(|(other, _, _)| other != k)) {
                        variants.push((kind, ty, checks));
                    }
                }
                UnionPlan { name: u.name.clone(), variants }
            })
            .collect();
        let mut messages = HashMap::new();
        for message in &spec.messages {
            if let Ty::Object(object) = names.resolve(&message.payload) {
                messages.entry(message.webhook_type.clone()).or_insert((message.payload_key.clone(), object));
            }
        }
        Validator { messages, objects, enums, unions }
    }

    /// The envelope key holding the payload of `webhook_type`, when the spec lists it.
    pub fn payload_key(&self, webhook_type: &str) -> Option<&str> {
        self.messages.get(webhook_type).map(|(key, _)| key.as_str())
    }

    /// Checks a whole webhook body: the envelope, then the payload its `webhook_type`
    /// selects.
    pub fn validate(&self, body: &Value) -> Report {
        let mut walk = Walk { validator: self, out: Violations::default() };
        let mut report = Report::default();
        let Value::Object(envelope) = body else {
            let message = format!("expected a webhook envelope (a JSON object), found {}", found(body));
            walk.out.push(Violation::new(String::new(), "type", body.clone(), message));
            report.violations = walk.out;
            return report;
        };
        let at = Path::ROOT.key("webhook_type");
        match envelope.get("webhook_type") {
            None => walk.push(&at, "required", Value::Null, "missing field `webhook_type`".to_owned()),
            Some(Value::String(webhook_type)) => {
                report.webhook_type = Some(webhook_type.clone());
                match self.messages.get(webhook_type) {
                    None => {
                        let message =
                            format!("`{}` is not a webhook type of this spec", webhook_type.escape_debug());
                        walk.push(&at, "webhook_type", Value::from(webhook_type.as_str()), message);
                    }
                    Some((key, object)) => {
                        let at = Path::ROOT.key(key);
                        match envelope.get(key) {
                            None => walk.push(
                                &at,
                                "required",
                                Value::Null,
                                format!("missing payload field `{key}`"),
                            ),
                            Some(payload) => {
                                walk.value(&Ty::Object(*object), &Checks::default(), payload, &at, 1)
                            }
                        }
                    }
                }
            }
            Some(other) => {
                let message = format!("expected a string, found {}", found(other));
                walk.push(&at, "type", other.clone(), message);
            }
        }
        report.violations = walk.out;
        report
    }
}

/// What a value is, for messages: `a string`, `null`.
fn found(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() => "an integer",
        Value::Number(n) if n.is_u64() => "an integer too large for 64 bits",
        // serde_json reads an integer beyond u64 as a float too.
        Value::Number(_) => "a number with a fraction or an exponent, or beyond 64 bits",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The JSON kind of a value, as a union tells variants apart; `None` for `null`.
fn kind_of(value: &Value) -> Option<Kind> {
    match value {
        Value::Null => None,
        Value::Bool(_) => Some(Kind::Boolean),
        Value::Number(n) if n.is_i64() => Some(Kind::Integer),
        // Integers beyond i64 fit no integer variant; a number variant takes them.
        Value::Number(_) => Some(Kind::Number),
        Value::String(_) => Some(Kind::String),
        Value::Array(_) => Some(Kind::Array),
        Value::Object(_) => Some(Kind::Object),
    }
}

/// One walk over a body, collecting what it finds.
struct Walk<'v> {
    validator: &'v Validator,
    out: Violations,
}

impl Walk<'_> {
    fn push(&mut self, at: &Path<'_>, rule: &'static str, value: Value, message: String) {
        self.out.push(Violation::new(at.pointer(), rule, value, message));
    }

    /// What a type takes, for messages: `an integer`, `an object (Fee)`.
    fn expected(&self, ty: &Ty) -> String {
        let v = self.validator;
        match ty {
            Ty::Primitive(Primitive::Decimal) => "a decimal (a string or a number)".to_owned(),
            Ty::Primitive(Primitive::Json) | Ty::Unchecked => "any JSON value".to_owned(),
            Ty::Primitive(p) => p.json_kind().map_or("a value", phrase).to_owned(),
            Ty::Object(i) => format!("an object ({})", v.objects.get(*i).map_or("", |o| o.name.as_str())),
            Ty::Enum(i) => format!("a string ({})", v.enums.get(*i).map_or("", |e| e.name.as_str())),
            Ty::Union(i) => match v.unions.get(*i) {
                Some(u) => format!("{} ({})", u.expecting(), u.name),
                None => "a value".to_owned(),
            },
            Ty::Array(_) => "an array".to_owned(),
        }
    }

    /// A value `ty` does not take: `null`, or another kind.
    fn refuse(&mut self, ty: &Ty, value: &Value, at: &Path<'_>) {
        let rule = if value.is_null() { "null" } else { "type" };
        let message = format!("expected {}, found {}", self.expected(ty), found(value));
        // The value is kept whole only when small: an object in place of a string says
        // enough by its kind.
        let shown = match value {
            Value::Array(_) | Value::Object(_) => Value::Null,
            other => other.clone(),
        };
        self.push(at, rule, shown, message);
    }

    /// Checks `value`, found at `at`, `depth` levels into the body, as a value of `ty`.
    fn value(&mut self, ty: &Ty, checks: &Checks, value: &Value, at: &Path<'_>, depth: usize) {
        // Only what holds more values can lead deeper.
        if depth >= MAX_DEPTH && matches!(value, Value::Object(_) | Value::Array(_)) {
            self.push(
                at,
                "depth",
                Value::Null,
                format!("nested deeper than {MAX_DEPTH} levels; not checked"),
            );
            return;
        }
        match (ty, value) {
            (Ty::Unchecked, _) => {}
            (Ty::Primitive(p), _) => self.primitive(*p, checks, value, at),
            (Ty::Object(i), Value::Object(map)) => self.object(*i, map, at, depth),
            (Ty::Enum(i), Value::String(text)) => {
                if let Some(e) = self.validator.enums.get(*i)
                    && !e.values.contains(text)
                {
                    let message = format!("`{}` is not a value of {}", text.escape_debug(), e.name);
                    self.push(at, "enum", Value::from(text.as_str()), message);
                }
            }
            (Ty::Union(i), _) => {
                let variant = (self.validator.unions.get(*i))
                    .and_then(|u| kind_of(value).and_then(|kind| u.variant(kind)));
                match variant {
                    // The value is the variant's, at the same place and depth.
                    Some((_, ty, checks)) => self.value(ty, checks, value, at, depth),
                    None => self.refuse(ty, value, at),
                }
            }
            (Ty::Array(inner), Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    self.value(inner, checks, item, &at.index(index), depth + 1);
                }
            }
            _ => self.refuse(ty, value, at),
        }
    }

    /// A primitive's kind, then its format, non-emptiness and bounds, in that order.
    fn primitive(&mut self, primitive: Primitive, checks: &Checks, value: &Value, at: &Path<'_>) {
        let decimal;
        let text = match (primitive, value) {
            (Primitive::Json, _)
            | (Primitive::Number, Value::Number(_))
            | (Primitive::Boolean, Value::Bool(_)) => {
                return;
            }
            (Primitive::Integer, Value::Number(n)) if n.is_i64() => {
                if let Some(n) = n.as_i64() {
                    self.range(n, checks, at);
                }
                return;
            }
            // A number is kept as the runtime's `Decimal` reads it, so the text checked is
            // the one the generated code checks.
            (Primitive::Decimal, Value::Number(_)) => match Decimal::deserialize(value) {
                Ok(read) => {
                    decimal = read;
                    decimal.as_str()
                }
                Err(_) => return,
            },
            (p, Value::String(text)) if p == Primitive::Decimal || p.json_kind() == Some(Kind::String) => {
                text.as_str()
            }
            _ => return self.refuse(&Ty::Primitive(primitive), value, at),
        };
        if let Some(format) = checks.format
            && !format.accepts(text)
        {
            let message = format!("`{}` is not {}", text.escape_debug(), format.describe());
            self.push(at, format.rule(), Value::from(text), message);
        }
        if checks.non_empty && text.is_empty() {
            self.push(at, "non_empty", Value::from(text), "is empty".to_owned());
        }
    }

    fn range(&mut self, value: i64, checks: &Checks, at: &Path<'_>) {
        let (rule, message) = match (checks.minimum, checks.maximum) {
            (Some(min), _) if value < min => ("minimum", format!("{value} is less than {min}")),
            (_, Some(max)) if value > max => ("maximum", format!("{value} is more than {max}")),
            _ => return,
        };
        self.push(at, rule, Value::from(value), message);
    }

    /// The fields of an object in the spec's order, then its rules.
    fn object(&mut self, index: usize, map: &Map<String, Value>, at: &Path<'_>, depth: usize) {
        let Some(object) = self.validator.objects.get(index) else { return };
        for field in &object.fields {
            let at = at.key(&field.name);
            match map.get(&field.name) {
                None | Some(Value::Null) if field.may_be_missing => {}
                None => self.push(&at, "required", Value::Null, format!("missing field `{}`", field.name)),
                Some(value) => self.value(&field.ty, &field.checks, value, &at, depth + 1),
            }
        }
        for rule in &object.rules {
            match rule {
                RulePlan::SameCurrency { root, within } => {
                    self.same_currency(object, root, within, map, at, depth)
                }
                RulePlan::Sum { total, parts, terms } => self.sum(object, *total, parts, terms, map, at),
            }
        }
    }

    /// Every currency of the object, and of the objects under its `within` fields, equals
    /// the first root field that holds a currency code.
    fn same_currency(
        &mut self,
        object: &ObjectPlan,
        root: &[usize],
        within: &[usize],
        map: &Map<String, Value>,
        at: &Path<'_>,
        depth: usize,
    ) {
        let text = |i: &usize| object.fields.get(*i).and_then(|f| map.get(&f.name)).and_then(Value::as_str);
        let Some(root) = root.iter().filter_map(text).find(|c| Format::Currency.accepts(c)) else {
            return;
        };
        let check = Currency { root, owner: &object.name };
        for field in &object.fields {
            if field.ty == Ty::Primitive(Primitive::Currency)
                && let Some(Value::String(value)) = map.get(&field.name)
            {
                check.compare(value, &at.key(&field.name), &mut self.out);
            }
        }
        for field in within.iter().filter_map(|i| object.fields.get(*i)) {
            if let Some(value) = map.get(&field.name) {
                self.currencies(&check, &field.ty, value, &at.key(&field.name), depth + 1);
            }
        }
    }

    /// Compares the currencies of a value of type `ty` with the root's: those of an object's
    /// `currency` fields, and, through arrays and unions, those of the objects nested in it.
    fn currencies(&mut self, check: &Currency<'_>, ty: &Ty, value: &Value, at: &Path<'_>, depth: usize) {
        if depth >= MAX_DEPTH {
            return;
        }
        let validator = self.validator;
        match (ty, value) {
            (Ty::Object(i), Value::Object(map)) => {
                let Some(object) = validator.objects.get(*i) else { return };
                for field in &object.fields {
                    let Some(value) = map.get(&field.name) else { continue };
                    let at = at.key(&field.name);
                    match (&field.ty, value) {
                        (Ty::Primitive(Primitive::Currency), Value::String(text)) => {
                            check.compare(text, &at, &mut self.out);
                        }
                        (ty, value) => self.currencies(check, ty, value, &at, depth + 1),
                    }
                }
            }
            (Ty::Array(inner), Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    self.currencies(check, inner, item, &at.index(index), depth + 1);
                }
            }
            (Ty::Union(i), _) => {
                let variant =
                    (validator.unions.get(*i)).and_then(|u| kind_of(value).and_then(|kind| u.variant(kind)));
                if let Some((_, ty, _)) = variant {
                    self.currencies(check, ty, value, at, depth);
                }
            }
            _ => {}
        }
    }

    /// The total equals the sum of the parts, when the total and every part are present.
    fn sum(
        &mut self,
        object: &ObjectPlan,
        total: usize,
        parts: &[Vec<usize>],
        terms: &str,
        map: &Map<String, Value>,
        at: &Path<'_>,
    ) {
        let integer =
            |i: &usize| object.fields.get(*i).and_then(|f| map.get(&f.name)).and_then(Value::as_i64);
        let Some(total_value) = integer(&total) else { return };
        let Some(values) =
            parts.iter().map(|part| part.iter().find_map(integer)).collect::<Option<Vec<i64>>>()
        else {
            return;
        };
        let sum = values.iter().try_fold(0i64, |sum, part| sum.checked_add(*part));
        if sum != Some(total_value) {
            let sum = sum.map_or_else(|| "out of range".to_owned(), |s| s.to_string());
            let message = format!("{total_value} is not the sum of {terms} ({sum})");
            let Some(field) = object.fields.get(total) else { return };
            self.push(&at.key(&field.name), "sum", Value::from(total_value), message);
        }
    }
}

/// The root currency of a `same_currency` rule and the object that owns it.
struct Currency<'a> {
    root: &'a str,
    owner: &'a str,
}

impl Currency<'_> {
    /// Reports a currency code other than the root's. A value that is not a currency code
    /// is left to its format check, and a place reached by two rules (a fee's currencies,
    /// checked by the fee and by its invoice) is reported once.
    fn compare(&self, value: &str, at: &Path<'_>, out: &mut Violations) {
        if value == self.root || !Format::Currency.accepts(value) {
            return;
        }
        let pointer = at.pointer();
        if out.iter().any(|v| v.rule() == "same_currency" && v.pointer() == pointer) {
            return;
        }
        let message = format!("`{value}` differs from `{}`, the currency of the {}", self.root, self.owner);
        out.push(Violation::new(pointer, "same_currency", Value::from(value), message));
    }
}

#[cfg(test)]
mod tests {
    use lago_webhooks::{Validate, WebhookEvent};
    use lago_webhooks_codegen::{Settings, SpecSource, generate};
    use serde_json::json;

    use super::*;

    fn bundled() -> Spec {
        SpecSource::new("bundled", crate::spec::BUNDLED).parse().unwrap()
    }

    /// A spec of one message, `thing.happened`, whose payload `thing` is a `Thing` with
    /// these fields, checked by the generator first as the commands check it.
    fn tiny(fields: Value, objects: Value) -> Spec {
        let mut all = vec![json!({"name": "Thing", "description": "A thing.", "fields": fields})];
        all.extend(objects.as_array().cloned().unwrap_or_default());
        let text = json!({
            "format_version": 1, "title": "Tiny",
            "messages": [{"webhook_type": "thing.happened", "object_type": "thing", "payload_key": "thing",
                          "payload": "Thing", "title": "Thing happened", "description": "A thing happened."}],
            "objects": all,
        });
        let source = SpecSource::new("tiny.json", text.to_string());
        generate(&source, &Settings::default()).unwrap();
        source.parse().unwrap()
    }

    fn example(spec: &Spec, webhook_type: &str) -> Value {
        let message = spec.messages.iter().find(|m| m.webhook_type == webhook_type).unwrap();
        message.example.clone().unwrap()
    }

    /// `body` with the value at `pointer` replaced, or removed when `value` is `None`.
    fn edit(mut body: Value, pointer: &str, value: Option<Value>) -> Value {
        let (parent, last) = pointer.rsplit_once('/').unwrap();
        let last = last.replace("~1", "/").replace("~0", "~");
        match (body.pointer_mut(parent).unwrap(), value) {
            (Value::Object(map), Some(value)) => {
                map.insert(last, value);
            }
            (Value::Object(map), None) => {
                map.remove(&last);
            }
            (Value::Array(items), Some(value)) => items[last.parse::<usize>().unwrap()] = value,
            (Value::Array(items), None) => {
                items.remove(last.parse::<usize>().unwrap());
            }
            (other, _) => panic!("{pointer}: {other} holds nothing"),
        }
        body
    }

    fn found(validator: &Validator, body: &Value) -> Vec<(String, &'static str)> {
        let report = validator.validate(body);
        report.violations.iter().map(|v| (v.pointer().to_owned(), v.rule())).collect()
    }

    fn pairs(expected: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        expected.iter().map(|(p, r)| ((*p).to_owned(), *r)).collect()
    }

    #[test]
    fn every_bundled_example_is_valid() {
        let spec = bundled();
        let validator = Validator::new(&spec);
        for message in &spec.messages {
            let body = message.example.as_ref().unwrap();
            let report = validator.validate(body);
            assert!(report.violations.is_empty(), "{}: {}", message.webhook_type, report.violations);
            assert_eq!(report.webhook_type.as_deref(), Some(message.webhook_type.as_str()));
        }
    }

    /// A message, a pointer into its example, the value put there (`None` removes it), and
    /// the (pointer, rule) of every problem expected.
    type Case<'a> = (&'a str, &'a str, Option<Value>, &'static [(&'static str, &'static str)]);

    #[test]
    fn broken_bundled_payloads_give_each_problem_its_pointer_and_rule() {
        let spec = bundled();
        let validator = Validator::new(&spec);
        let failure = "/payment_provider_invoice_payment_error/provider_error";
        let error_code = format!("{failure}/error_code");
        let cases: &[Case<'_>] = &[
            ("fee.created", "/fee/amount_cents", Some(json!("ten")), &[("/fee/amount_cents", "type")]),
            ("fee.created", "/fee/amount_cents", Some(json!(1.5)), &[("/fee/amount_cents", "type")]),
            ("fee.created", "/fee/lago_id", None, &[("/fee/lago_id", "required")]),
            ("fee.created", "/fee/lago_id", Some(Value::Null), &[("/fee/lago_id", "null")]),
            ("fee.created", "/fee/item", Some(json!([])), &[("/fee/item", "type")]),
            // Nullable and optional keys may be absent or null.
            ("fee.created", "/fee/lago_charge_id", None, &[]),
            ("fee.created", "/fee/payment_status", Some(Value::Null), &[]),
            ("fee.created", "/fee/lago_id", Some(json!("x")), &[("/fee/lago_id", "format.uuid")]),
            (
                "invoice.created",
                "/invoice/issuing_date",
                Some(json!("2023-02-29")),
                &[("/invoice/issuing_date", "format.date")],
            ),
            // Not a currency code: reported once, by its format, and the next root
            // candidate holds the rule.
            (
                "fee.created",
                "/fee/amount_currency",
                Some(json!("EURO")),
                &[("/fee/amount_currency", "format.currency")],
            ),
            ("fee.created", "/fee/payment_status", Some(json!("lost")), &[("/fee/payment_status", "enum")]),
            (
                "fee.created",
                "/fee/total_amount_currency",
                Some(json!("USD")),
                &[("/fee/total_amount_currency", "same_currency")],
            ),
            (
                "fee.created",
                "/fee/total_amount_cents",
                Some(json!(49)),
                &[("/fee/total_amount_cents", "sum")],
            ),
            ("fee.created", "/fee/units", Some(json!("1,5")), &[("/fee/units", "format.decimal")]),
            ("fee.created", "/fee/units", Some(json!(12.6)), &[]),
            ("fee.created", "/fee/units", Some(json!(true)), &[("/fee/units", "type")]),
            // The integer variant of ErrorCode, then a kind no variant takes.
            ("invoice.payment_failure", &error_code, Some(json!(402)), &[]),
            (
                "invoice.payment_failure",
                &error_code,
                Some(json!(4.5)),
                &[("/payment_provider_invoice_payment_error/provider_error/error_code", "type")],
            ),
            (
                "invoice.payment_failure",
                failure,
                Some(json!(true)),
                &[("/payment_provider_invoice_payment_error/provider_error", "type")],
            ),
            ("invoice.payment_failure", failure, Some(json!("card declined")), &[]),
            (
                "invoice.created",
                "/invoice/fees/1/amount_cents",
                Some(json!(-5)),
                &[("/invoice/fees/1/amount_cents", "minimum"), ("/invoice/fees/1/total_amount_cents", "sum")],
            ),
            (
                "invoice.created",
                "/invoice/fees/1/amount_cents",
                Some(json!("x")),
                &[("/invoice/fees/1/amount_cents", "type")],
            ),
            // A fee in another currency than its invoice: the invoice's rule.
            // A fee in another currency than its invoice: the fee's other currencies
            // differ from its own root, and that one from the invoice's.
            (
                "invoice.created",
                "/invoice/fees/1/amount_currency",
                Some(json!("USD")),
                &[
                    ("/invoice/fees/1/total_amount_currency", "same_currency"),
                    ("/invoice/fees/1/amount_currency", "same_currency"),
                ],
            ),
            (
                "fee.created",
                "/webhook_type",
                Some(json!("fee.vanished")),
                &[("/webhook_type", "webhook_type")],
            ),
            ("fee.created", "/webhook_type", None, &[("/webhook_type", "required")]),
            ("fee.created", "/webhook_type", Some(json!(7)), &[("/webhook_type", "type")]),
            ("fee.created", "/fee", None, &[("/fee", "required")]),
            ("fee.created", "/fee", Some(Value::Null), &[("/fee", "null")]),
            // Unknown keys are ignored, in the envelope and in objects.
            ("fee.created", "/fee/carbon_grams", Some(json!(12)), &[]),
            ("fee.created", "/delivered_by", Some(json!({})), &[]),
        ];
        for (webhook_type, pointer, value, expected) in cases {
            let body = edit(example(&spec, webhook_type), pointer, value.clone());
            assert_eq!(found(&validator, &body), pairs(expected), "{webhook_type} {pointer} = {value:?}");
        }
        assert_eq!(found(&validator, &json!([1])), pairs(&[("", "type")]));
    }

    #[test]
    fn every_problem_is_reported_and_parse_problems_make_a_body_malformed() {
        let spec = bundled();
        let validator = Validator::new(&spec);
        let mut body = example(&spec, "fee.created");
        body["fee"]["lago_id"] = json!("x");
        body["fee"]["payment_status"] = json!("lost");
        let report = validator.validate(&body);
        assert_eq!(report.violations.len(), 2);
        assert!(!report.is_malformed(), "constraint violations parse");
        body["fee"]["amount_cents"] = json!("ten");
        let report = validator.validate(&body);
        assert_eq!(report.violations.len(), 3);
        assert!(report.is_malformed());
        let text: Vec<String> = report.violations.iter().map(show).collect();
        assert!(
            text.contains(&"/fee/amount_cents: expected an integer, found a string".to_owned()),
            "{text:?}"
        );
        assert!(text.contains(&"/fee/payment_status: `lost` is not a value of FeePaymentStatus".to_owned()));
    }

    #[test]
    fn keys_are_escaped_in_pointers_and_custom_constraints_apply() {
        let spec = tiny(
            json!([
                {"name": "a/b~c", "type": "string", "description": "Odd key.", "non_empty": true},
                {"name": "contact", "type": "string", "optional": true, "format": "email", "description": "Mail."},
                {"name": "status", "type": "integer", "minimum": 100, "maximum": 599, "description": "Code."},
                {"name": "tags", "type": "id[]", "optional": true, "description": "Ids."},
                {"name": "data", "type": "json", "description": "Anything, null too."}
            ]),
            json!([]),
        );
        let validator = Validator::new(&spec);
        let body = json!({"webhook_type": "thing.happened", "thing": {
            "a/b~c": "", "contact": "nobody", "status": 600, "tags": ["5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba", "x", null],
            "data": null
        }});
        assert_eq!(
            found(&validator, &body),
            pairs(&[
                ("/thing/a~1b~0c", "non_empty"),
                ("/thing/contact", "format.email"),
                ("/thing/status", "maximum"),
                ("/thing/tags/1", "format.uuid"),
                ("/thing/tags/2", "null"),
            ])
        );
        let missing = json!({"webhook_type": "thing.happened", "thing": {"a/b~c": "x", "status": 200}});
        assert_eq!(found(&validator, &missing), pairs(&[("/thing/data", "required")]));
    }

    #[test]
    fn a_float_read_from_an_integer_beyond_64_bits_says_it_may_be_one() {
        let spec = tiny(json!([{"name": "count", "type": "integer", "description": "A count."}]), json!([]));
        let validator = Validator::new(&spec);
        // serde_json reads an integer beyond u64 as a float.
        let body: Value = serde_json::from_str(
            r#"{"webhook_type": "thing.happened", "thing": {"count": 18446744073709551616}}"#,
        )
        .unwrap();
        let report = validator.validate(&body);
        let text: Vec<String> = report.violations.iter().map(show).collect();
        assert_eq!(
            text,
            [
                "/thing/count: expected an integer, found a number with a fraction or an exponent, or beyond 64 bits"
            ]
        );
    }

    #[test]
    fn a_spec_the_generator_was_not_asked_about_gives_no_crash() {
        // Arrays nested far deeper than the generator allows.
        let ty = format!("integer{}", "[]".repeat(200_000));
        let text = json!({
            "format_version": 1, "title": "Deep",
            "messages": [{"webhook_type": "thing.happened", "object_type": "thing", "payload_key": "thing",
                          "payload": "Thing", "title": "Thing happened", "description": "A thing happened."}],
            "objects": [{"name": "Thing", "description": "A thing.", "fields": [
                {"name": "deep", "type": ty, "description": "Deep."}
            ]}],
        });
        let spec = SpecSource::new("deep.json", text.to_string()).parse().unwrap();
        let validator = Validator::new(&spec);
        let body = json!({"webhook_type": "thing.happened", "thing": {"deep": [[["x"]]]}});
        assert!(validator.validate(&body).violations.is_empty(), "nothing known to check");
    }

    #[test]
    fn objects_that_nest_themselves_are_walked_to_a_limit_without_failing() {
        let spec = tiny(
            json!([{"name": "child", "type": "Thing", "optional": true, "description": "Nested."},
                   {"name": "id", "type": "id", "description": "Its id."}]),
            json!([]),
        );
        let validator = Validator::new(&spec);
        let mut thing = json!({"id": "x"});
        for _ in 0..MAX_DEPTH + 10 {
            thing = json!({"id": "5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba", "child": thing});
        }
        let report = validator.validate(&json!({"webhook_type": "thing.happened", "thing": thing}));
        let rules: Vec<&str> = report.violations.iter().map(|v| v.rule()).collect();
        assert_eq!(rules, ["depth"]);
        assert!(report.violations.iter().next().unwrap().pointer().starts_with("/thing/child/child/"));
    }

    /// Every value of bundled examples replaced by values of several kinds (or removed),
    /// and every object given an unknown key: each body validated by the types compiled
    /// from the bundled spec and by the interpreted spec. Where the compiled types parse the
    /// body, both report the same violations (pointer, rule, value and message) in the same
    /// order; where they refuse it, the interpreted spec reports a parse problem where the
    /// parse error is (for a missing key, in the object that lacks it).
    ///
    /// Messages sharing a payload object would repeat the same checks: the largest example
    /// of each payload object is mutated.
    #[test]
    fn interpreted_violations_equal_the_compiled_ones_on_mutated_examples() {
        let spec = bundled();
        let validator = Validator::new(&spec);
        let mut largest: HashMap<&str, (usize, &Value)> = HashMap::new();
        for message in &spec.messages {
            let example = message.example.as_ref().unwrap();
            let mut pointers = Vec::new();
            nodes(example, String::new(), &mut pointers);
            let entry = largest.entry(message.payload.as_str()).or_insert((0, example));
            if pointers.len() > entry.0 {
                *entry = (pointers.len(), example);
            }
        }
        let (mut compared, mut refused) = (0, 0);
        for (_, original) in largest.values() {
            let mut pointers = Vec::new();
            nodes(original, String::new(), &mut pointers);
            for pointer in pointers.iter().filter(|p| !p.is_empty()) {
                let node = original.pointer(pointer).unwrap();
                let mut replacements = vec![None, Some(Value::Null), Some(json!(true))];
                replacements.extend(mutations(node).into_iter().map(Some));
                for replacement in replacements {
                    let body = edit((*original).clone(), pointer, replacement.clone());
                    let report = validator.validate(&body);
                    let context = format!("{} {pointer} = {replacement:?}", original["webhook_type"]);
                    if report.violations.iter().any(|v| v.rule() == "webhook_type") {
                        // A type the spec lacks: the compiled types keep it as unknown.
                        continue;
                    }
                    match WebhookEvent::from_slice(&serde_json::to_vec(&body).unwrap()) {
                        Ok(event) => {
                            compared += 1;
                            let compiled =
                                event.validate().err().map(Violations::into_vec).unwrap_or_default();
                            let interpreted = report.violations.clone().into_vec();
                            assert_eq!(interpreted, compiled, "{context}");
                        }
                        Err(err) => {
                            refused += 1;
                            assert!(report.is_malformed(), "{context}: compiled refuses it: {err}");
                            let at = |v: &Violation| {
                                let parent = v.pointer().rsplit_once('/').map_or("", |(parent, _)| parent);
                                v.pointer() == err.pointer()
                                    || v.rule() == "required" && parent == err.pointer()
                            };
                            let parse: Vec<&Violation> = report
                                .violations
                                .iter()
                                .filter(|v| PARSE_RULES.contains(&v.rule()))
                                .collect();
                            assert!(parse.iter().any(|v| at(v)), "{context}: {err} vs {parse:?}");
                        }
                    }
                }
            }
        }
        assert!(compared > 5_000 && refused > 3_000, "{compared} compared, {refused} refused");
    }

    /// Pointers of every value in `value`.
    fn nodes(value: &Value, pointer: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    nodes(item, format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1")), out);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    nodes(item, format!("{pointer}/{index}"), out);
                }
            }
            _ => {}
        }
        out.push(pointer);
    }

    /// Values to put in place of `value`, besides `null` and `true`: another kind, and
    /// values of its kind that break formats, bounds, enumerations, currencies and sums.
    fn mutations(value: &Value) -> Vec<Value> {
        match value {
            Value::String(_) => vec![json!("zz"), json!("USD"), json!(7)],
            Value::Number(n) if n.is_f64() => vec![json!(3), json!("3")],
            Value::Number(_) => vec![json!(-1), json!(i64::MAX), json!(u64::MAX), json!(1.5), json!("7")],
            Value::Bool(_) => vec![json!("true")],
            Value::Array(items) => {
                let mut out = vec![json!([Value::Null]), json!("x")];
                out.extend(items.first().map(|first| json!([first, first])));
                out
            }
            Value::Object(_) => {
                let mut extended = value.clone();
                extended["zz_unknown"] = json!({"currency": "USD"});
                vec![json!("x"), extended]
            }
            Value::Null => vec![json!("x"), json!(1)],
        }
    }
}
