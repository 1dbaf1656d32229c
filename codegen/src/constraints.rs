//! Validation constraints of a spec: formats, bounds and non-empty strings on fields,
//! and rules across the fields of an object. Resolved here, emitted by `emit::validate`.

use crate::model::{Field, Rule};
use crate::resolved::{FieldIndex, FieldIr, Format, Primitive, RuleIr, TypeRef};

/// A problem with a constraint: the key it is under (relative to the field or rule)
/// and what is wrong.
pub type Problem = (String, String);

/// The constraints a field's type and keys ask for.
pub struct FieldConstraints {
    pub format: Option<Format>,
    pub non_empty: bool,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
}

/// The primitive a field holds, through arrays.
fn primitive(ty: &TypeRef) -> Option<Primitive> {
    match ty {
        TypeRef::Primitive(p) => Some(*p),
        TypeRef::Array(inner) => primitive(inner),
        _ => None,
    }
}

/// Resolves the constraints of `field`, of type `ty`.
pub fn field(field: &Field, ty: &TypeRef) -> Result<FieldConstraints, Vec<Problem>> {
    let primitive = primitive(ty);
    let mut problems = Vec::new();
    let format = match (field.format.as_deref(), primitive) {
        (None, Some(p)) => p.implied_format(),
        (None, None) | (Some("none"), _) => None,
        (Some(name), _) => match Format::from_name(name) {
            Some(format) if primitive.is_some_and(|p| p.takes_format(format)) => Some(format),
            Some(_) => {
                problems.push((
                    "format".into(),
                    format!("format `{name}` does not apply to type `{}`", field.ty),
                ));
                None
            }
            None => {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                let message = format!("unknown format `{name}`; the formats are {}, none", names.join(", "));
                problems.push(("format".into(), message));
                None
            }
        },
    };
    if field.non_empty && !primitive.is_some_and(Primitive::is_textual) {
        problems.push(("non_empty".into(), format!("non_empty applies to strings, not to `{}`", field.ty)));
    }
    for (key, bound) in [("minimum", field.minimum), ("maximum", field.maximum)] {
        if bound.is_some() && primitive != Some(Primitive::Integer) {
            problems.push((key.into(), format!("{key} applies to integers, not to `{}`", field.ty)));
        }
    }
    if let (Some(minimum), Some(maximum)) = (field.minimum, field.maximum)
        && minimum > maximum
    {
        problems.push(("maximum".into(), format!("maximum {maximum} is less than minimum {minimum}")));
    }
    if problems.is_empty() {
        Ok(FieldConstraints {
            format,
            non_empty: field.non_empty,
            minimum: field.minimum,
            maximum: field.maximum,
        })
    } else {
        Err(problems)
    }
}

/// Resolves a rule against the object's checked fields.
pub fn rule(rule: &Rule, fields: &[FieldIr]) -> Result<RuleIr, Vec<Problem>> {
    let mut problems = empty_lists(rule);
    let mut find = |key: String, name: &str, wanted: &str, fits: fn(&TypeRef) -> bool| {
        let found = fields.iter().position(|f| f.json_name == name && fits(&f.ty)).map(FieldIndex);
        if found.is_none() {
            problems.push((key, format!("`{name}` is not {wanted} field of this object")));
        }
        found
    };
    let ir = match rule {
        Rule::SameCurrency { root, within } => {
            let root: Vec<_> = (root.iter().enumerate())
                .map(|(i, n)| find(format!("root/{i}"), n, "a currency", is_currency))
                .collect();
            let within: Vec<_> = (within.iter().enumerate())
                .map(|(i, n)| {
                    find(format!("within/{i}"), n, "an object or array of objects", TypeRef::holds_objects)
                })
                .collect();
            RuleIr::SameCurrency {
                root: root.into_iter().flatten().collect(),
                within: within.into_iter().flatten().collect(),
            }
        }
        Rule::Sum { total, parts } => {
            let total = find("total".into(), total, "an integer", is_integer);
            let parts: Vec<Vec<_>> = (parts.iter().enumerate())
                .map(|(i, part)| {
                    (part.fields().iter().enumerate())
                        .filter_map(|(j, n)| find(format!("parts/{i}/{j}"), n, "an integer", is_integer))
                        .collect()
                })
                .collect();
            // A missing total was reported, so this rule is dropped and 0 never read.
            RuleIr::Sum { total: total.unwrap_or(FieldIndex(0)), parts }
        }
    };
    if problems.is_empty() { Ok(ir) } else { Err(problems) }
}

/// A rule with nothing to compare would never fire, or force a total to 0.
fn empty_lists(rule: &Rule) -> Vec<Problem> {
    match rule {
        Rule::SameCurrency { root, .. } if root.is_empty() => {
            vec![("root".into(), "`root` names no field".into())]
        }
        Rule::SameCurrency { .. } => Vec::new(),
        Rule::Sum { parts, .. } if parts.is_empty() => {
            vec![("parts".into(), "`parts` names no field".into())]
        }
        Rule::Sum { parts, .. } => (parts.iter().enumerate())
            .filter(|(_, part)| part.fields().is_empty())
            .map(|(i, _)| (format!("parts/{i}"), "this part names no field".into()))
            .collect(),
    }
}

fn is_currency(ty: &TypeRef) -> bool {
    *ty == TypeRef::Primitive(Primitive::Currency)
}

fn is_integer(ty: &TypeRef) -> bool {
    *ty == TypeRef::Primitive(Primitive::Integer)
}
