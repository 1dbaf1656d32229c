//! Drift between a spec and what an upstream description says, and the merge that takes
//! in what is new while keeping what the spec decided.
//!
//! The two are walked together from each message both define, so that types are paired
//! by where they are used, whatever each side calls them (`InvoiceObject` upstream is the
//! spec's `Invoice`). What is found:
//! - new upstream: messages, fields, enumeration values and union alternatives. These are
//!   merged: the types they need are taken in too, under names the spec does not use.
//!   One that would become the Rust name of something the spec has (`foo_bar` beside
//!   `fooBar`, `a-b` beside `a_b`) is not: the generator would refuse the spec.
//! - gone upstream: messages, fields, values and alternatives the spec has. Kept: the
//!   spec may know better (upstream lags behind the server).
//! - changed: a field's type, or whether it may be absent or null. Kept. A spec type that
//!   is narrower than upstream's (an `id` where upstream says `string`, an enumeration
//!   for a string, anything for `json`) is a refinement, counted apart.
//!
//! One spec type may have several upstream forms (an invoice bare in one message, with
//! its fees in another): a field, value or alternative is gone only when no form has it,
//! and a field may be absent upstream when a form lacks it. A difference seen through
//! several forms is reported once.
//!
//! A change is breaking, as `diff` calls it, when taking it would break code generated
//! from the spec or make payloads it reads fail: removals, type changes, a field that may
//! be absent or null upstream but not in the spec, a new field that is always present, a
//! new enumeration value or alternative.

use std::collections::{HashMap, HashSet};

use crate::spec_file::{Field, Message, SpecFile, TypeNames, UnionVariant, field_key, variant_key};

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
        forms: Vec::new(),
        members: HashMap::new(),
        names: TypeNames::of(spec),
        changes: Vec::new(),
        refinements: Vec::new(),
        said: HashSet::new(),
    };
    for message in &upstream.messages {
        match spec.messages.iter().find(|m| m.webhook_type == message.webhook_type) {
            Some(ours) => walk.pair(&ours.payload, &message.payload),
            None => walk.new_message(message),
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
    walk.gone();
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
    /// Every pair of a spec type and an upstream type, in the order found: one spec type
    /// may have several upstream forms (an invoice bare, and with its fees).
    forms: Vec<(String, String)>,
    /// The fields of merged objects and the values of merged enumerations, by type and by
    /// the Rust name each becomes: an object may have thousands of fields, each looked up.
    members: HashMap<String, HashMap<String, String>>,
    /// The Rust type names the merge takes.
    names: TypeNames,
    changes: Vec<Change>,
    refinements: Vec<String>,
    /// The text of every change and refinement recorded.
    said: HashSet<String>,
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
    /// Records a difference; one seen through several upstream forms of a type is said
    /// once.
    fn change(&mut self, breaking: bool, fate: Fate, text: String) {
        if self.said.insert(text.clone()) {
            self.changes.push(Change { breaking, fate, text });
        }
    }

    /// Records a place where the spec's type is narrower than upstream's, once.
    fn refine(&mut self, text: String) {
        if self.said.insert(text.clone()) {
            self.refinements.push(text);
        }
    }

    /// Records that upstream's `theirs` is the spec's `ours`, to be compared.
    fn pair(&mut self, ours: &str, theirs: &str) {
        self.paired.entry(theirs.to_owned()).or_insert_with(|| ours.to_owned());
        if self.done.insert((ours.to_owned(), theirs.to_owned())) {
            self.queue.push((ours.to_owned(), theirs.to_owned()));
            self.forms.push((ours.to_owned(), theirs.to_owned()));
        }
    }

    /// Merges a message the spec lacks, unless the generated code could not tell it from
    /// one the spec has.
    fn new_message(&mut self, message: &Message) {
        let variant = variant_key(&message.webhook_type);
        let clash = self.merged.messages.iter().find(|m| variant_key(&m.webhook_type) == variant);
        if let Some(other) = clash {
            let text = format!(
                "message `{}` is new; not merged: it becomes the same Rust variant as `{}`",
                message.webhook_type, other.webhook_type
            );
            return self.change(false, Fate::Kept, text);
        }
        if variant == "Unknown" {
            let text = format!(
                "message `{}` is new; not merged: it becomes the handler method for unknown webhook types",
                message.webhook_type
            );
            return self.change(false, Fate::Kept, text);
        }
        let mut added = message.clone();
        added.payload = self.adopt(&message.payload);
        self.merged.messages.push(added);
        self.change(false, Fate::Merged, format!("message `{}` is new", message.webhook_type));
    }

    /// Compares one upstream form of a spec type: the types of what both have, and what
    /// is new upstream, which is merged. What upstream lacks is judged over every form, by
    /// [`Walk::gone`].
    fn compare(&mut self, ours: &str, theirs: &str) {
        let (spec, upstream) = (self.ours, self.theirs);
        if let (Some(object), Some(other)) = (spec.object(ours), upstream.object(theirs)) {
            let mut mine: HashMap<&str, &Field> = HashMap::new();
            for field in &object.fields {
                mine.entry(field.name.as_str()).or_insert(field);
            }
            for field in &other.fields {
                match mine.get(field.name.as_str()) {
                    Some(mine) => self.types(&format!("`{ours}.{}`", mine.name), &mine.ty, &field.ty),
                    None => self.new_field(ours, field),
                }
            }
        } else if let (Some(enumeration), Some(other)) =
            (spec.enumeration(ours), upstream.enumeration(theirs))
        {
            let mine: HashSet<&str> = enumeration.values.iter().map(|v| v.value.as_str()).collect();
            for value in other.values.iter().filter(|v| !mine.contains(v.value.as_str())) {
                // The generated enum has a variant per value: two that become one are refused.
                let variant = variant_key(&value.value);
                match self.members_of(ours).get(&variant) {
                    // Merged from another form.
                    Some(taken) if *taken == value.value => continue,
                    Some(clash) => {
                        let text = format!(
                            "value `{}` of `{ours}` is new; not merged: it becomes the same Rust variant as `{clash}`",
                            value.value
                        );
                        self.change(true, Fate::Kept, text);
                        continue;
                    }
                    None => {}
                }
                let Some(target) = self.merged.enums.iter_mut().find(|e| e.name == ours) else { continue };
                target.values.push(value.clone());
                self.members_of(ours).insert(variant, value.value.clone());
                self.change(true, Fate::Merged, format!("value `{}` of `{ours}` is new", value.value));
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
                        let merged = &self.merged;
                        let held = merged.unions.get(target).is_some_and(|union| {
                            union.variants.iter().any(|v| kind(merged, &v.ty) == wanted)
                        });
                        if held {
                            continue;
                        }
                        let mut added = UnionVariant { ty: self.adopt(&variant.ty), ..variant.clone() };
                        if let Some(union) = self.merged.unions.get_mut(target) {
                            // Variants are told apart by name too: a taken one gets a number.
                            let taken = |name: &str| {
                                union.variants.iter().any(|v| variant_key(&v.name) == variant_key(name))
                            };
                            let base = added.name.clone();
                            let mut counter = 2;
                            while taken(&added.name) {
                                added.name = format!("{base}{counter}");
                                counter += 1;
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
        }
    }

    /// Merges a field of an upstream form that the spec's object lacks.
    fn new_field(&mut self, object: &str, field: &Field) {
        let always = !field.optional && !field.nullable;
        let ty = &field.ty;
        let key = field_key(&field.name);
        match self.members_of(object).get(&key) {
            // Several upstream schemas can pair with one object of the spec (a schema and
            // its extended form): the field is taken once.
            Some(taken) if *taken == field.name => return,
            Some(clash) => {
                let text = format!(
                    "field `{object}.{}` ({ty}) is new; not merged: it becomes the same Rust field as `{clash}`",
                    field.name
                );
                return self.change(always, Fate::Kept, text);
            }
            None => {}
        }
        if !self.merged.objects.iter().any(|o| o.name == object) {
            return;
        }
        // Taken as optional: the spec's object was curated without it, so nothing says
        // the server always sends it, and a merge must never make the spec refuse a
        // payload it read before.
        let added = Field { ty: self.adopt(&field.ty), optional: true, ..field.clone() };
        if let Some(target) = self.merged.objects.iter_mut().find(|o| o.name == object) {
            target.fields.push(added);
        }
        self.members_of(object).insert(key, field.name.clone());
        let text = if always {
            format!(
                "field `{object}.{}` ({ty}) is new, always present upstream; taken as optional",
                field.name
            )
        } else {
            format!("field `{object}.{}` ({ty}) is new", field.name)
        };
        self.change(always, Fate::Merged, text);
    }

    /// The fields of the merged object `name`, or the values of the merged enumeration
    /// `name`, by the Rust name each becomes.
    fn members_of(&mut self, name: &str) -> &mut HashMap<String, String> {
        let merged = &self.merged;
        self.members.entry(name.to_owned()).or_insert_with(|| merged.members_by_rust_name(name))
    }

    /// What the spec has and upstream lacks, over every upstream form of each spec type:
    /// a field none of them has, a field some may leave out or send as null where the
    /// spec may not, values and alternatives none of them lists.
    fn gone(&mut self) {
        let (spec, upstream) = (self.ours, self.theirs);
        let mut seen = HashSet::new();
        let order: Vec<String> = self
            .forms
            .iter()
            .map(|(ours, _)| ours.clone())
            .filter(|ours| seen.insert(ours.clone()))
            .collect();
        for ours in order {
            let theirs: Vec<&str> =
                self.forms.iter().filter(|(o, _)| *o == ours).map(|(_, t)| t.as_str()).collect();
            if let Some(object) = spec.object(&ours) {
                let others: Vec<HashMap<&str, &Field>> = theirs
                    .iter()
                    .filter_map(|t| upstream.object(t))
                    .map(|other| {
                        let mut fields = HashMap::new();
                        for field in &other.fields {
                            fields.entry(field.name.as_str()).or_insert(field);
                        }
                        fields
                    })
                    .collect();
                if others.is_empty() {
                    continue;
                }
                for field in &object.fields {
                    let found: Vec<&Field> =
                        others.iter().filter_map(|other| other.get(field.name.as_str()).copied()).collect();
                    if found.is_empty() {
                        self.change(
                            true,
                            Fate::Kept,
                            format!("field `{ours}.{}` is not upstream", field.name),
                        );
                        continue;
                    }
                    // A form without the key sends the object without it.
                    let absent = found.len() < others.len() || found.iter().any(|f| f.optional);
                    let null = found.iter().any(|f| f.nullable);
                    let place = format!("`{ours}.{}`", field.name);
                    // A key upstream may leave out, or send as null, where the spec says
                    // it cannot, would make the spec's parser refuse real payloads.
                    for (what, mine, theirs) in
                        [("absent", field.optional, absent), ("null", field.nullable, null)]
                    {
                        if theirs && !mine {
                            self.change(
                                true,
                                Fate::Kept,
                                format!("{place} may be {what} upstream, not in the spec"),
                            );
                        } else if mine && !theirs {
                            self.change(
                                false,
                                Fate::Kept,
                                format!("{place} may be {what} in the spec, never upstream"),
                            );
                        }
                    }
                }
            } else if let Some(enumeration) = spec.enumeration(&ours) {
                let others: Vec<_> = theirs.iter().filter_map(|t| upstream.enumeration(t)).collect();
                if others.is_empty() {
                    continue;
                }
                let listed: HashSet<&str> =
                    others.iter().flat_map(|other| other.values.iter().map(|v| v.value.as_str())).collect();
                for value in &enumeration.values {
                    if !listed.contains(value.value.as_str()) {
                        self.change(
                            true,
                            Fate::Kept,
                            format!("value `{}` of `{ours}` is not upstream", value.value),
                        );
                    }
                }
            } else if let Some(union) = spec.union(&ours) {
                let others: Vec<_> = theirs.iter().filter_map(|t| upstream.union(t)).collect();
                if others.is_empty() {
                    continue;
                }
                for variant in &union.variants {
                    let kind_of = kind(spec, &variant.ty);
                    if !others
                        .iter()
                        .any(|other| other.variants.iter().any(|v| kind(upstream, &v.ty) == kind_of))
                    {
                        let text = format!("alternative `{}` of `{ours}` is not upstream", variant.name);
                        self.change(true, Fate::Kept, text);
                    }
                }
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
            // Anything is narrower than `json`; a union of the spec may hold upstream's
            // array as one of its alternatives.
            let held = !array && spec.union(ours).is_some_and(|u| u.variants.iter().any(|v| v.ty == theirs));
            if theirs == "json" || held {
                self.refine(format!("{place}: {ours} for {theirs}"));
            } else {
                self.change(true, Fate::Kept, format!("{place} is {theirs} upstream, {ours} in the spec"));
            }
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
            self.refine(format!("{place}: {ours} for {theirs}"));
        } else {
            // Taken, it would change the Rust type of the place, even between two types
            // that both read text (`string` and an enumeration, `date` and `datetime`).
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
        let name = self.names.take(element);
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

    fn texts(reconciled: &Reconciled) -> Vec<(bool, &str)> {
        reconciled.changes.iter().map(|c| (c.breaking, c.text.as_str())).collect()
    }

    #[test]
    fn a_type_change_between_text_types_is_breaking_and_a_narrower_type_is_no_change() {
        let ours = spec(serde_json::json!({
            "messages": [message("a.created", "A")],
            "objects": [{"name": "A", "description": "", "fields": [
                field("status", "string"), field("day", "date"), field("id", "id"), field("tags", "string[]"),
                field("codes", "Codes")
            ]}],
            "unions": [{"name": "Codes", "description": "", "variants": [
                {"name": "Text", "type": "string"}, {"name": "List", "type": "string[]"}
            ]}]
        }));
        let theirs = spec(serde_json::json!({
            "messages": [message("a.created", "A")],
            "objects": [{"name": "A", "description": "", "fields": [
                field("status", "Status"), field("day", "datetime"), field("id", "string"), field("tags", "json"),
                field("codes", "string[]")
            ]}],
            "enums": [{"name": "Status", "description": "", "values": [{"value": "on"}]}]
        }));
        let reconciled = reconcile(&ours, &theirs);
        // Taken, either would change the Rust type of the field.
        assert_eq!(
            texts(&reconciled),
            [
                (true, "`A.status` is Status upstream, string in the spec"),
                (true, "`A.day` is datetime upstream, date in the spec")
            ]
        );
        // Anything is narrower than `json`, an array too; a union holds the array it has
        // as an alternative.
        assert_eq!(
            reconciled.refinements,
            ["`A.id`: id for string", "`A.tags`: string[] for json", "`A.codes`: Codes for string[]"]
        );
    }

    #[test]
    fn every_upstream_form_of_an_object_counts_before_a_field_is_called_gone_or_never_absent() {
        // Upstream sends the invoice bare in one message and with its fees in another;
        // the spec has one Invoice whose fees are optional.
        let mut fees = field("fees", "string");
        fees["optional"] = true.into();
        let mut note = field("note", "string");
        note["optional"] = true.into();
        let ours = spec(serde_json::json!({
            "messages": [message("a.created", "Invoice"), message("a.updated", "Invoice")],
            "objects": [{"name": "Invoice", "description": "", "fields": [
                field("id", "id"), fees, field("number", "integer"), note, field("gone", "string"),
                field("total", "integer")
            ]}]
        }));
        let theirs = spec(serde_json::json!({
            "messages": [message("a.created", "InvoiceBase"), message("a.updated", "InvoiceExtended")],
            "objects": [
                {"name": "InvoiceBase", "description": "", "fields": [
                    field("id", "string"), field("number", "string"), field("note", "string"),
                    field("total", "integer")
                ]},
                {"name": "InvoiceExtended", "description": "", "fields": [
                    field("id", "string"), field("number", "string"), field("fees", "string")
                ]}
            ]
        }));
        let reconciled = reconcile(&ours, &theirs);
        // Each difference once, however many forms show it; fees and note are each
        // missing from one form, which their optional presence allows, while the total,
        // always present in the spec, is missing from one.
        assert_eq!(
            texts(&reconciled),
            [
                (true, "`Invoice.number` is string upstream, integer in the spec"),
                (true, "field `Invoice.gone` is not upstream"),
                (true, "`Invoice.total` may be absent upstream, not in the spec"),
            ]
        );
        assert_eq!(reconciled.refinements, ["`Invoice.id`: id for string"]);
    }

    #[test]
    fn a_merge_never_gives_two_things_one_rust_name() {
        let ours = spec(serde_json::json!({
            "messages": [message("fee.created", "Fee")],
            "objects": [
                {"name": "Fee", "description": "", "fields": [
                    field("fooBar", "string"), field("kind", "Kind"), field("code", "Code")
                ]},
                {"name": "FeeItem", "description": "", "fields": [field("x", "string")]}
            ],
            "enums": [{"name": "Kind", "description": "", "values": [{"value": "a_b"}]}],
            "unions": [{"name": "Code", "description": "", "variants": [
                {"name": "Integer", "type": "string"}, {"name": "IntegerUpstream", "type": "boolean"}
            ]}]
        }));
        let theirs = spec(serde_json::json!({
            "messages": [message("fee.created", "Fee"), message("fee_created", "Fee"),
                         message("fee.updated", "Fee_item")],
            "objects": [
                {"name": "Fee", "description": "", "fields": [
                    field("fooBar", "string"), field("foo_bar", "string"), field("kind", "Kind"),
                    field("code", "Code")
                ]},
                {"name": "Fee_item", "description": "", "fields": [field("y", "string")]}
            ],
            "enums": [{"name": "Kind", "description": "", "values": [{"value": "a_b"}, {"value": "a-b"}]}],
            "unions": [{"name": "Code", "description": "", "variants": [
                {"name": "Text", "type": "string"}, {"name": "Integer", "type": "integer"}
            ]}]
        }));
        let reconciled = reconcile(&ours, &theirs);
        let merged = &reconciled.merged;
        merged.ensure_valid("the merge").unwrap();
        let fee = merged.object("Fee").unwrap();
        assert_eq!(
            fee.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["fooBar", "kind", "code"]
        );
        let values: Vec<&str> =
            merged.enumeration("Kind").unwrap().values.iter().map(|v| v.value.as_str()).collect();
        assert_eq!(values, ["a_b"]);
        let variants: Vec<(&str, &str)> =
            merged.union("Code").unwrap().variants.iter().map(|v| (v.name.as_str(), v.ty.as_str())).collect();
        assert_eq!(
            variants,
            [("Integer", "string"), ("IntegerUpstream", "boolean"), ("Integer2", "integer")]
        );
        let messages: Vec<(&str, &str)> =
            merged.messages.iter().map(|m| (m.webhook_type.as_str(), m.payload.as_str())).collect();
        assert_eq!(messages, [("fee.created", "Fee"), ("fee.updated", "Fee_item2")]);
        for line in [
            (
                true,
                "field `Fee.foo_bar` (string) is new; not merged: it becomes the same Rust field as `fooBar`",
            ),
            (true, "value `a-b` of `Kind` is new; not merged: it becomes the same Rust variant as `a_b`"),
            (
                false,
                "message `fee_created` is new; not merged: it becomes the same Rust variant as `fee.created`",
            ),
        ] {
            assert!(texts(&reconciled).contains(&line), "missing {line:?} in {:#?}", texts(&reconciled));
        }
        assert!(
            reconciled.changes.iter().filter(|c| c.text.contains("not merged")).all(|c| c.fate == Fate::Kept)
        );
    }
}
