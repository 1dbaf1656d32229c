//! One walk over a parsed body along the resolved spec: the kind and presence of every
//! value (what generated code checks while parsing), then the constraints its validation
//! checks, in the order generated code checks them: an object's fields in spec order,
//! each value's own checks and those of what it holds, then the object's rules.

use lago_webhooks_codegen::resolved::{
    FieldIndex, FieldIr, JsonKind, MessageIr, ObjectId, ObjectIr, Primitive, RuleIr, TypeRef, UnionIr,
};
use lago_webhooks_core::{Format, envelope};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Inspection, Resolved, UNKNOWN_TYPE_RULE};
use crate::Decimal;
use crate::validate::{Path, Violation, Violations, checks};

/// Objects and arrays this many levels deep (the envelope is level 0) are reported with the
/// rule `depth` and not looked into: objects may contain themselves, and the walk recurses.
/// A body `serde_json` parses never gets there (it stops at 128 nested levels).
pub const MAX_DEPTH: usize = 128;

/// Every problem of `body`, envelope first; with `constraints` false, only those that stop
/// it from parsing (a parse need not pay for validation).
pub(super) fn inspect(spec: &Resolved, body: &Value, constraints: bool) -> Inspection {
    let mut out = Violations::default();
    let mut inspection = Inspection::default();
    let mut walk = Walk { spec, out: &mut out, constraints };
    let Value::Object(envelope) = body else {
        let message = format!("expected a webhook envelope (a JSON object), found {}", found(body));
        walk.push(&Path::ROOT, "type", shown(body), message);
        inspection.violations = out;
        return inspection;
    };
    let at = Path::ROOT.key(envelope::WEBHOOK_TYPE);
    match envelope.get(envelope::WEBHOOK_TYPE) {
        None => {
            walk.push(&at, "required", Value::Null, format!("missing field `{}`", envelope::WEBHOOK_TYPE))
        }
        Some(Value::String(webhook_type)) => {
            inspection.webhook_type = Some(webhook_type.clone());
            match spec.messages.get(webhook_type).map(|index| &spec.ir.messages[*index]) {
                None => {
                    let message =
                        format!("`{}` is not a webhook type of this spec", webhook_type.escape_debug());
                    walk.push(&at, UNKNOWN_TYPE_RULE, Value::from(webhook_type.as_str()), message);
                }
                Some(message) => {
                    let at = Path::ROOT.key(&message.payload_key);
                    match envelope.get(&message.payload_key) {
                        None => {
                            let text = format!("missing payload field `{}`", message.payload_key);
                            walk.push(&at, "required", Value::Null, text);
                        }
                        Some(payload) => {
                            walk.value(&TypeRef::Object(message.payload), Checks::NONE, payload, &at, 1)
                        }
                    }
                }
            }
        }
        Some(other) => {
            walk.push(&at, "type", shown(other), format!("expected a string, found {}", found(other)))
        }
    }
    inspection.violations = out;
    inspection
}

/// The constraint violations of a payload that parses, found at `at`, added to `out`.
pub(super) fn validate_payload(
    spec: &Resolved,
    message: &MessageIr,
    payload: &Value,
    at: &Path<'_>,
    out: &mut Violations,
) {
    // A payload that parsed has no parse problems: what the walk finds is validation's.
    Walk { spec, out, constraints: true }.value(
        &TypeRef::Object(message.payload),
        Checks::NONE,
        payload,
        at,
        1,
    );
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

/// A refused value as a violation keeps it: whole when it is small, `null` for an array or
/// an object, whose kind says enough.
fn shown(value: &Value) -> Value {
    match value {
        Value::Array(_) | Value::Object(_) => Value::Null,
        other => other.clone(),
    }
}

/// A value of a kind, for messages: `an integer`.
fn phrase(kind: JsonKind) -> &'static str {
    match kind {
        JsonKind::String => "a string",
        JsonKind::Integer => "an integer",
        JsonKind::Number => "a number",
        JsonKind::Boolean => "a boolean",
        JsonKind::Object => "an object",
        JsonKind::Array => "an array",
    }
}

/// The JSON kind of a value, as a union tells variants apart; `None` for `null`.
fn kind_of(value: &Value) -> Option<JsonKind> {
    match value {
        Value::Null => None,
        Value::Bool(_) => Some(JsonKind::Boolean),
        Value::Number(n) if n.is_i64() => Some(JsonKind::Integer),
        // Integers beyond i64 fit no integer variant; a number variant takes them.
        Value::Number(_) => Some(JsonKind::Number),
        Value::String(_) => Some(JsonKind::String),
        Value::Array(_) => Some(JsonKind::Array),
        Value::Object(_) => Some(JsonKind::Object),
    }
}

/// The variant of `union` a value of `kind` is read into: a number variant also takes
/// integers when no variant does.
fn variant_for(union: &UnionIr, kind: JsonKind) -> Option<(&TypeRef, Checks)> {
    let find = |kind| union.variants.iter().find(|v| v.kind == kind);
    let variant = match kind {
        JsonKind::Integer => find(JsonKind::Integer).or_else(|| find(JsonKind::Number)),
        kind => find(kind),
    }?;
    // A variant's only constraint is the format its type implies.
    Some((&variant.ty, Checks { format: variant.format, ..Checks::NONE }))
}

/// The constraints on a field's text or integer values (through arrays).
#[derive(Debug, Clone, Copy)]
struct Checks {
    format: Option<Format>,
    non_empty: bool,
    minimum: Option<i64>,
    maximum: Option<i64>,
}

impl Checks {
    const NONE: Checks = Checks { format: None, non_empty: false, minimum: None, maximum: None };

    fn of(field: &FieldIr) -> Checks {
        Checks {
            format: field.format,
            non_empty: field.non_empty,
            minimum: field.minimum,
            maximum: field.maximum,
        }
    }
}

/// One walk over a body, adding what it finds to `out`.
struct Walk<'s, 'o> {
    spec: &'s Resolved,
    out: &'o mut Violations,
    /// Whether validation's checks are made too, or only parsing's.
    constraints: bool,
}

impl Walk<'_, '_> {
    fn push(&mut self, at: &Path<'_>, rule: &'static str, value: Value, message: String) {
        self.out.push(Violation::new(at.pointer(), rule, value, message));
    }

    /// What a type takes, for messages: `an integer`, `an object (Fee)`.
    fn expected(&self, ty: &TypeRef) -> String {
        let ir = &self.spec.ir;
        match ty {
            TypeRef::Primitive(Primitive::Decimal) => "a decimal (a string or a number)".to_owned(),
            TypeRef::Primitive(Primitive::Json) => "any JSON value".to_owned(),
            TypeRef::Primitive(p) => p.json_kind().map_or("a value", phrase).to_owned(),
            TypeRef::Object(id) => format!("an object ({})", ir.object(*id).name),
            TypeRef::Enum(id) => format!("a string ({})", ir.enumeration(*id).name),
            TypeRef::Union(id) => {
                let union = ir.union(*id);
                let kinds: Vec<&str> = union.variants.iter().map(|v| phrase(v.kind)).collect();
                let expecting = match kinds.split_last() {
                    None => "nothing".to_owned(),
                    Some((last, [])) => (*last).to_owned(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                };
                format!("{expecting} ({})", union.name)
            }
            TypeRef::Array(_) => "an array".to_owned(),
        }
    }

    /// A value `ty` does not take: `null`, or another kind.
    fn refuse(&mut self, ty: &TypeRef, value: &Value, at: &Path<'_>) {
        let rule = if value.is_null() { "null" } else { "type" };
        let message = format!("expected {}, found {}", self.expected(ty), found(value));
        self.push(at, rule, shown(value), message);
    }

    /// Checks `value`, found at `at`, `depth` levels into the body, as a value of `ty`.
    fn value(&mut self, ty: &TypeRef, checks: Checks, value: &Value, at: &Path<'_>, depth: usize) {
        // Only what holds more values can lead deeper.
        if depth >= MAX_DEPTH && matches!(value, Value::Object(_) | Value::Array(_)) {
            let message = format!("nested deeper than {MAX_DEPTH} levels; not checked");
            self.push(at, "depth", Value::Null, message);
            return;
        }
        match (ty, value) {
            (TypeRef::Primitive(p), _) => self.primitive(*p, checks, value, at),
            (TypeRef::Object(id), Value::Object(map)) => self.object(*id, map, at, depth),
            (TypeRef::Enum(id), Value::String(text)) => {
                if self.constraints && !self.spec.enum_values[id.index()].contains(text) {
                    checks::report_unlisted(text, &self.spec.ir.enumeration(*id).name, at, self.out);
                }
            }
            (TypeRef::Union(id), _) => {
                let union = self.spec.ir.union(*id);
                match kind_of(value).and_then(|kind| variant_for(union, kind)) {
                    // The value is the variant's, at the same place and depth.
                    Some((ty, checks)) => self.value(ty, checks, value, at, depth),
                    None => self.refuse(ty, value, at),
                }
            }
            (TypeRef::Array(inner), Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    self.value(inner, checks, item, &at.index(index), depth + 1);
                }
            }
            _ => self.refuse(ty, value, at),
        }
    }

    /// A primitive's kind, then its format, non-emptiness and bounds, in that order.
    fn primitive(&mut self, primitive: Primitive, checks: Checks, value: &Value, at: &Path<'_>) {
        let decimal;
        let text = match (primitive, value) {
            (Primitive::Json, _)
            | (Primitive::Number, Value::Number(_))
            | (Primitive::Boolean, Value::Bool(_)) => {
                return;
            }
            (Primitive::Integer, Value::Number(n)) if n.is_i64() => {
                if let Some(n) = n.as_i64().filter(|_| self.constraints) {
                    checks::check_range(n, checks.minimum, checks.maximum, at, self.out);
                }
                return;
            }
            // A number is kept as the runtime's `Decimal` reads it, so the text checked is
            // the one generated code checks.
            (Primitive::Decimal, Value::Number(_)) => match Decimal::deserialize(value) {
                Ok(read) => {
                    decimal = read;
                    decimal.as_str()
                }
                Err(_) => return,
            },
            (p, Value::String(text))
                if p == Primitive::Decimal || p.json_kind() == Some(JsonKind::String) =>
            {
                text.as_str()
            }
            _ => return self.refuse(&TypeRef::Primitive(primitive), value, at),
        };
        if !self.constraints {
            return;
        }
        if let Some(format) = checks.format {
            checks::check_format(text, format, at, self.out);
        }
        if checks.non_empty {
            checks::check_non_empty(text, at, self.out);
        }
    }

    /// The fields of an object in the spec's order, then its rules.
    fn object(&mut self, id: ObjectId, map: &Map<String, Value>, at: &Path<'_>, depth: usize) {
        let object = self.spec.ir.object(id);
        for field in &object.fields {
            let at = at.key(&field.json_name);
            match map.get(&field.json_name) {
                None | Some(Value::Null) if field.optional || field.nullable => {}
                None => {
                    let message = format!("missing field `{}`", field.json_name);
                    self.push(&at, "required", Value::Null, message);
                }
                Some(value) => self.value(&field.ty, Checks::of(field), value, &at, depth + 1),
            }
        }
        let rules = if self.constraints { object.rules.as_slice() } else { &[] };
        for rule in rules {
            match rule {
                RuleIr::SameCurrency { root, within } => {
                    self.same_currency(object, root, within, map, at, depth)
                }
                RuleIr::Sum { total, parts } => self.sum(object, *total, parts, map, at),
            }
        }
    }

    /// Every currency of the object, and of the objects under its `within` fields, equals
    /// the first root field that holds a currency code.
    fn same_currency(
        &mut self,
        object: &ObjectIr,
        root: &[FieldIndex],
        within: &[FieldIndex],
        map: &Map<String, Value>,
        at: &Path<'_>,
        depth: usize,
    ) {
        let candidates: Vec<Option<&str>> =
            root.iter().map(|i| map.get(&object.field(*i).json_name).and_then(Value::as_str)).collect();
        let Some(root) = checks::first_currency(&candidates) else {
            return;
        };
        let check = Currency { root, owner: &object.name };
        for field in &object.fields {
            if field.ty == TypeRef::Primitive(Primitive::Currency)
                && let Some(Value::String(value)) = map.get(&field.json_name)
            {
                check.compare(value, &at.key(&field.json_name), self.out);
            }
        }
        for field in within.iter().map(|i| object.field(*i)) {
            if let Some(value) = map.get(&field.json_name) {
                self.currencies(&check, &field.ty, value, &at.key(&field.json_name), depth + 1);
            }
        }
    }

    /// Compares the currencies of a value of type `ty` with the root's: those of an object's
    /// `currency` fields, and, through arrays and unions, those of the objects nested in it.
    fn currencies(&mut self, check: &Currency<'_>, ty: &TypeRef, value: &Value, at: &Path<'_>, depth: usize) {
        if depth >= MAX_DEPTH {
            return;
        }
        let ir = &self.spec.ir;
        match (ty, value) {
            (TypeRef::Object(id), Value::Object(map)) => {
                for field in &ir.object(*id).fields {
                    let Some(value) = map.get(&field.json_name) else { continue };
                    let at = at.key(&field.json_name);
                    match (&field.ty, value) {
                        (TypeRef::Primitive(Primitive::Currency), Value::String(text)) => {
                            check.compare(text, &at, self.out);
                        }
                        (ty, value) => self.currencies(check, ty, value, &at, depth + 1),
                    }
                }
            }
            (TypeRef::Array(inner), Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    self.currencies(check, inner, item, &at.index(index), depth + 1);
                }
            }
            (TypeRef::Union(id), _) => {
                if let Some((ty, _)) = kind_of(value).and_then(|kind| variant_for(ir.union(*id), kind)) {
                    self.currencies(check, ty, value, at, depth);
                }
            }
            _ => {}
        }
    }

    /// The total equals the sum of the parts, when the total and every part are present.
    fn sum(
        &mut self,
        object: &ObjectIr,
        total: FieldIndex,
        parts: &[Vec<FieldIndex>],
        map: &Map<String, Value>,
        at: &Path<'_>,
    ) {
        let integer = |i: &FieldIndex| map.get(&object.field(*i).json_name).and_then(Value::as_i64);
        let Some(total_value) = integer(&total) else { return };
        let Some(values) =
            parts.iter().map(|part| part.iter().find_map(integer)).collect::<Option<Vec<i64>>>()
        else {
            return;
        };
        let at = at.key(&object.field(total).json_name);
        checks::check_sum(total_value, &values, &object.sum_terms(parts), &at, self.out);
    }
}

/// The root currency of a `same_currency` rule and the object that owns it.
struct Currency<'a> {
    root: &'a str,
    owner: &'a str,
}

impl Currency<'_> {
    fn compare(&self, value: &str, at: &Path<'_>, out: &mut Violations) {
        checks::check_same_currency(self.root, value, self.owner, at, out);
    }
}
