//! Drift between a spec and what an upstream description says, and the merge that takes
//! in what is new while keeping what the spec decided.
//!
//! The two are walked together from each message both define, so that types are paired
//! by where they are used, whatever each side calls them (`InvoiceObject` upstream is the
//! spec's `Invoice`). What is found:
//! - new upstream: messages, fields, enumeration values and union alternatives. These are
//!   merged: the types they need are taken in too, under names the spec does not use.
//! - gone upstream: messages, fields, values and alternatives the spec has. Kept: the
//!   spec may know better (upstream lags behind the server).
//! - changed: a field's type, or whether it may be absent or null. Kept. A spec type that
//!   is narrower than upstream's (an `id` where upstream says `string`, an enumeration
//!   for a string, anything for `json`) is a refinement, counted apart.
//!
//! A change is breaking, as `diff` calls it, when taking it would break code generated
//! from the spec or make payloads it reads fail: removals, type changes, a field that may
//! be absent or null upstream but not in the spec, a new field that is always present, a
//! new enumeration value or alternative.

use std::collections::{HashMap, HashSet};

use crate::spec_file::{Field, SpecFile, UnionVariant};

/// What became of an upstream difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Taken into the spec.
    Merged,
    /// The spec's own decision stands.
    Kept,
}

/// One difference between the spec and upstream.
#[derive(Debug, Clone)]
pub struct Change {
    pub breaking: bool,
    pub fate: Fate,
    pub text: String,
}

/// The differences found, and the spec with the new things merged in.
pub struct Reconciled {
    pub changes: Vec<Change>,
    /// Places where the spec's type is narrower than upstream's, as `Object.field: ours
    /// for theirs`.
    pub refinements: Vec<String>,
    pub merged: SpecFile,
}

/// Compares `spec` (ours) with `upstream` and merges what is new.
pub fn reconcile(spec: &SpecFile, upstream: &SpecFile) -> Reconciled {
    let mut walk = Walk {
        ours: spec,
        theirs: upstream,
        merged: spec.clone(),
        paired: HashMap::new(),
        queue: Vec::new(),
        done: HashSet::new(),
        changes: Vec::new(),
        refinements: Vec::new(),
    };
    for message in &upstream.messages {
        match spec.messages.iter().find(|m| m.webhook_type == message.webhook_type) {
            Some(ours) => walk.pair(&ours.payload, &message.payload),
            None => {
                let mut added = message.clone();
                added.payload = walk.adopt(&message.payload);
                walk.merged.messages.push(added);
                walk.change(false, Fate::Merged, format!("message `{}` is new", message.webhook_type));
            }
        }
    }
    for message in
        spec.messages.iter().filter(|m| !upstream.messages.iter().any(|u| u.webhook_type == m.webhook_type))
    {
        walk.change(true, Fate::Kept, format!("message `{}` is not upstream", message.webhook_type));
    }
    while let Some((ours, theirs)) = walk.queue.pop() {
        walk.compare(&ours, &theirs);
    }
    Reconciled { changes: walk.changes, refinements: walk.refinements, merged: walk.merged }
}

struct Walk<'s> {
    ours: &'s SpecFile,
    theirs: &'s SpecFile,
    merged: SpecFile,
    /// Upstream type names and the spec's names for them.
    paired: HashMap<String, String>,
    queue: Vec<(String, String)>,
    done: HashSet<(String, String)>,
    changes: Vec<Change>,
    refinements: Vec<String>,
}

/// The JSON kind a type takes, for pairing alternatives of unions.
fn kind(spec: &SpecFile, expr: &str) -> &'static str {
    if expr.ends_with("[]") {
        return "array";
    }
    match expr {
        "integer" => "integer",
        "number" => "number",
        "boolean" => "boolean",
        "json" | "decimal" => "any",
        _ if spec.object(expr).is_some() => "object",
        _ if spec.union(expr).is_some() => "any",
        _ => "string",
    }
}

/// Types that read text.
fn textual(spec: &SpecFile, expr: &str) -> bool {
    matches!(expr, "string" | "id" | "date" | "datetime" | "currency" | "url" | "encoded_json")
        || spec.enumeration(expr).is_some()
}

impl Walk<'_> {
    fn change(&mut self, breaking: bool, fate: Fate, text: String) {
        self.changes.push(Change { breaking, fate, text });
    }

    /// Records that upstream's `theirs` is the spec's `ours`, to be compared.
    fn pair(&mut self, ours: &str, theirs: &str) {
        self.paired.entry(theirs.to_owned()).or_insert_with(|| ours.to_owned());
        if self.done.insert((ours.to_owned(), theirs.to_owned())) {
            self.queue.push((ours.to_owned(), theirs.to_owned()));
        }
    }

    fn compare(&mut self, ours: &str, theirs: &str) {
        let (spec, upstream) = (self.ours, self.theirs);
        if let (Some(object), Some(other)) = (spec.object(ours), upstream.object(theirs)) {
            for field in &other.fields {
                match object.fields.iter().find(|f| f.name == field.name) {
                    Some(mine) => self.field(ours, mine, field),
                    None => {
                        let always = !field.optional && !field.nullable;
                        // Several upstream schemas can pair with one object of the spec
                        // (a schema and its extended form): the field is taken once.
                        let Some(target) = self.merged.objects.iter().position(|o| o.name == ours) else {
                            continue;
                        };
                        if self.merged.objects[target].fields.iter().any(|f| f.name == field.name) {
                            continue;
                        }
                        // Taken as optional: the spec's object was curated without it, so
                        // nothing says the server always sends it, and a merge must never
                        // make the spec refuse a payload it read before.
                        let added = Field { ty: self.adopt(&field.ty), optional: true, ..field.clone() };
                        if let Some(object) = self.merged.objects.get_mut(target) {
                            object.fields.push(added);
                        }
                        let ty = &field.ty;
                        let text = if always {
                            format!(
                                "field `{ours}.{}` ({ty}) is new, always present upstream; taken as optional",
                                field.name
                            )
                        } else {
                            format!("field `{ours}.{}` ({ty}) is new", field.name)
                        };
                        self.change(always, Fate::Merged, text);
                    }
                }
            }
            for field in object.fields.iter().filter(|f| !other.fields.iter().any(|o| o.name == f.name)) {
                self.change(true, Fate::Kept, format!("field `{ours}.{}` is not upstream", field.name));
            }
        } else if let (Some(enumeration), Some(other)) =
            (spec.enumeration(ours), upstream.enumeration(theirs))
        {
            for value in
                other.values.iter().filter(|v| !enumeration.values.iter().any(|o| o.value == v.value))
            {
                let Some(target) = self.merged.enums.iter_mut().find(|e| e.name == ours) else { continue };
                if target.values.iter().any(|v| v.value == value.value) {
                    continue;
                }
                target.values.push(value.clone());
                self.change(true, Fate::Merged, format!("value `{}` of `{ours}` is new", value.value));
            }
            for value in
                enumeration.values.iter().filter(|v| !other.values.iter().any(|o| o.value == v.value))
            {
                self.change(true, Fate::Kept, format!("value `{}` of `{ours}` is not upstream", value.value));
            }
        } else if let (Some(union), Some(other)) = (spec.union(ours), upstream.union(theirs)) {
            for variant in &other.variants {
                let wanted = kind(upstream, &variant.ty);
                match union.variants.iter().find(|v| kind(spec, &v.ty) == wanted) {
                    Some(mine) => {
                        self.types(&format!("`{ours}` alternative `{}`", mine.name), &mine.ty, &variant.ty)
                    }
                    None => {
                        let Some(target) = self.merged.unions.iter().position(|u| u.name == ours) else {
                            continue;
                        };
                        if self.merged.unions[target]
                            .variants
                            .iter()
                            .any(|v| kind(&self.merged, &v.ty) == wanted)
                        {
                            continue;
                        }
                        let mut added = UnionVariant { ty: self.adopt(&variant.ty), ..variant.clone() };
                        if let Some(union) = self.merged.unions.get_mut(target) {
                            if union.variants.iter().any(|v| v.name == added.name) {
                                added.name = format!("{}Upstream", added.name);
                            }
                            union.variants.push(added);
                        }
                        self.change(
                            true,
                            Fate::Merged,
                            format!("`{ours}` takes a new alternative, {}", variant.ty),
                        );
                    }
                }
            }
            for variant in &union.variants {
                let kind_of = kind(spec, &variant.ty);
                if !other.variants.iter().any(|v| kind(upstream, &v.ty) == kind_of) {
                    self.change(
                        true,
                        Fate::Kept,
                        format!("alternative `{}` of `{ours}` is not upstream", variant.name),
                    );
                }
            }
        }
    }

    fn field(&mut self, object: &str, ours: &Field, theirs: &Field) {
        let place = format!("`{object}.{}`", ours.name);
        self.types(&place, &ours.ty, &theirs.ty);
        // A key upstream may leave out, or send as null, where the spec says it cannot,
        // would make the spec's parser refuse real payloads.
        for (what, mine, upstream) in
            [("absent", ours.optional, theirs.optional), ("null", ours.nullable, theirs.nullable)]
        {
            if upstream && !mine {
                self.change(true, Fate::Kept, format!("{place} may be {what} upstream, not in the spec"));
            } else if mine && !upstream {
                self.change(false, Fate::Kept, format!("{place} may be {what} in the spec, never upstream"));
            }
        }
    }

    /// Compares the types of one place, pairing the named types they use.
    fn types(&mut self, place: &str, ours: &str, theirs: &str) {
        let (spec, upstream) = (self.ours, self.theirs);
        let (mine, array) = ours.strip_suffix("[]").map_or((ours, false), |element| (element, true));
        let (other, upstream_array) =
            theirs.strip_suffix("[]").map_or((theirs, false), |element| (element, true));
        if array != upstream_array {
            self.change(true, Fate::Kept, format!("{place} is {theirs} upstream, {ours} in the spec"));
            return;
        }
        let same_kind = (spec.object(mine).is_some() && upstream.object(other).is_some())
            || (spec.enumeration(mine).is_some() && upstream.enumeration(other).is_some())
            || (spec.union(mine).is_some() && upstream.union(other).is_some());
        if same_kind {
            self.pair(mine, other);
            return;
        }
        if mine == other {
            return;
        }
        let refined = other == "json"
            || (other == "string" && (textual(spec, mine) || mine == "decimal"))
            || (matches!(other, "integer" | "number") && mine == "decimal")
            || (other == "integer" && mine == "number")
            || spec.union(mine).is_some_and(|union| {
                let wanted = kind(upstream, other);
                match union.variants.iter().find(|v| kind(spec, &v.ty) == wanted) {
                    Some(variant)
                        if upstream.object(other).is_some() && spec.object(&variant.ty).is_some() =>
                    {
                        self.pair(&variant.ty, other);
                        true
                    }
                    Some(variant) => variant.ty == other || (textual(spec, &variant.ty) && other == "string"),
                    None => false,
                }
            });
        if refined {
            self.refinements.push(format!("{place}: {ours} for {theirs}"));
        } else if textual(spec, mine) && textual(upstream, other) {
            // Both read text; only the checks differ.
            self.change(false, Fate::Kept, format!("{place} is {theirs} upstream, {ours} in the spec"));
        } else {
            self.change(true, Fate::Kept, format!("{place} is {theirs} upstream, {ours} in the spec"));
        }
    }

    /// The spec's name for an upstream type expression, taking in the upstream types it
    /// needs under names free in the spec.
    fn adopt(&mut self, expr: &str) -> String {
        let (element, array) = expr.strip_suffix("[]").map_or((expr, false), |element| (element, true));
        let suffix = if array { "[]" } else { "" };
        if !self.theirs.defines(element) {
            return expr.to_owned();
        }
        if let Some(name) = self.paired.get(element) {
            return format!("{name}{suffix}");
        }
        let upstream = self.theirs;
        // A type the spec has under the same name and of the same kind is taken to be it.
        let same = (upstream.object(element).is_some() && self.ours.object(element).is_some())
            || (upstream.enumeration(element).is_some() && self.ours.enumeration(element).is_some())
            || (upstream.union(element).is_some() && self.ours.union(element).is_some());
        if same {
            self.pair(element, element);
            return expr.to_owned();
        }
        let mut name = element.to_owned();
        let mut counter = 2;
        while self.merged.defines(&name) {
            name = format!("{element}{counter}");
            counter += 1;
        }
        self.paired.insert(element.to_owned(), name.clone());
        if let Some(object) = upstream.object(element) {
            let mut object = object.clone();
            object.name = name.clone();
            let index = self.merged.objects.len();
            self.merged.objects.push(object.clone());
            let fields: Vec<Field> = object
                .fields
                .iter()
                .map(|field| Field { ty: self.adopt(&field.ty), ..field.clone() })
                .collect();
            if let Some(target) = self.merged.objects.get_mut(index) {
                target.fields = fields;
            }
        } else if let Some(enumeration) = upstream.enumeration(element) {
            let mut enumeration = enumeration.clone();
            enumeration.name = name.clone();
            self.merged.enums.push(enumeration);
        } else if let Some(union) = upstream.union(element) {
            let mut union = union.clone();
            union.name = name.clone();
            let index = self.merged.unions.len();
            self.merged.unions.push(union.clone());
            let variants: Vec<UnionVariant> = union
                .variants
                .iter()
                .map(|variant| UnionVariant { ty: self.adopt(&variant.ty), ..variant.clone() })
                .collect();
            if let Some(target) = self.merged.unions.get_mut(index) {
                target.variants = variants;
            }
        }
        format!("{name}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> SpecFile {
        let mut base = serde_json::json!({"format_version": 1, "title": "T", "messages": []});
        for (key, value) in json.as_object().unwrap() {
            base[key] = value.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    fn message(webhook_type: &str, payload: &str) -> serde_json::Value {
        serde_json::json!({"webhook_type": webhook_type, "object_type": "o", "payload_key": "o",
            "payload": payload, "title": "t", "description": "d"})
    }

    fn field(name: &str, ty: &str) -> serde_json::Value {
        serde_json::json!({"name": name, "type": ty, "description": ""})
    }

    #[test]
    fn a_field_new_in_two_upstream_forms_of_one_object_is_taken_once() {
        let ours = spec(serde_json::json!({
            "messages": [message("a.created", "A"), message("a.updated", "A")],
            "objects": [{"name": "A", "description": "", "fields": [field("id", "id")]}]
        }));
        let theirs = spec(serde_json::json!({
            "messages": [message("a.created", "AObject"), message("a.updated", "AExtended")],
            "objects": [
                {"name": "AObject", "description": "", "fields": [field("id", "id"), field("code", "string")]},
                {"name": "AExtended", "description": "", "fields": [field("id", "id"), field("code", "string")]}
            ]
        }));
        let reconciled = reconcile(&ours, &theirs);
        let fields: Vec<_> =
            reconciled.merged.objects[0].fields.iter().map(|f| (f.name.as_str(), f.optional)).collect();
        assert_eq!(fields, [("id", false), ("code", true)]);
        assert_eq!(reconciled.changes.len(), 1, "{:?}", reconciled.changes);
        assert!(reconciled.changes[0].breaking, "always present upstream");
    }

    #[test]
    fn new_types_come_in_under_free_names_and_new_alternatives_are_merged() {
        let ours = spec(serde_json::json!({
            "messages": [message("a.created", "A")],
            "objects": [
                {"name": "A", "description": "", "fields": [field("code", "Code")]},
                {"name": "B", "description": "ours, unrelated", "fields": [field("x", "integer")]}
            ],
            "unions": [{"name": "Code", "description": "", "variants": [{"name": "Text", "type": "string"}]}]
        }));
        let theirs = spec(serde_json::json!({
            "messages": [message("a.created", "A"), message("b.created", "B")],
            "objects": [
                {"name": "A", "description": "", "fields": [field("code", "Code")]},
                {"name": "B", "description": "", "fields": [field("inner", "C[]")]},
                {"name": "C", "description": "", "fields": [field("y", "string")]}
            ],
            "unions": [{"name": "Code", "description": "", "variants": [
                {"name": "Text", "type": "string"}, {"name": "Number", "type": "integer"}
            ]}]
        }));
        let merged = reconcile(&ours, &theirs).merged;
        let code = merged.union("Code").unwrap();
        assert_eq!(code.variants.iter().map(|v| v.ty.as_str()).collect::<Vec<_>>(), ["string", "integer"]);
        // B is the spec's own B by name and kind, so the new message uses it and its
        // missing field is taken, with C under its own name.
        let b = merged.object("B").unwrap();
        assert_eq!(b.description, "ours, unrelated");
        assert_eq!(b.fields.iter().map(|f| f.ty.as_str()).collect::<Vec<_>>(), ["integer", "C[]"]);
        assert!(merged.object("C").is_some());
        assert_eq!(merged.messages[1].payload, "B");
    }

    #[test]
    fn a_type_whose_name_the_spec_uses_otherwise_is_renamed() {
        let ours = spec(serde_json::json!({
            "messages": [message("a.created", "A")],
            "objects": [{"name": "A", "description": "", "fields": []}],
            "enums": [{"name": "Kind", "description": "", "values": [{"value": "x"}]}]
        }));
        let theirs = spec(serde_json::json!({
            "messages": [message("a.created", "A")],
            "objects": [
                {"name": "A", "description": "", "fields": [field("kind", "Kind")]},
                {"name": "Kind", "description": "", "fields": [field("k", "string")]}
            ]
        }));
        let merged = reconcile(&ours, &theirs).merged;
        assert_eq!(merged.object("A").unwrap().fields[0].ty, "Kind2");
        assert_eq!(merged.object("Kind2").unwrap().fields[0].name, "k");
    }
}
