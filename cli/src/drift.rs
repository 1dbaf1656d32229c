//! Drift between a spec and what an upstream description says, what of it the spec has
//! decided, and the merge that takes in what is new while keeping what the spec decided.
//!
//! The two are walked together from each message both define, so that types are paired
//! by where they are used, whatever each side calls them (`InvoiceObject` upstream is the
//! spec's `Invoice`). What is found, and who decides it:
//! - new upstream: messages, fields, enumeration values and union alternatives, with the
//!   types they bring. To decide: `--write` merges them, the types they need taken in
//!   too, under names the spec does not use. One that would become the Rust name of
//!   something the spec has (`foo_bar` beside `fooBar`, `a-b` beside `a_b`) cannot be
//!   merged: the generator would refuse the spec.
//! - gone upstream: messages, fields, values and alternatives the spec has. To decide:
//!   the spec may know better (upstream lags behind the server), which `--write` records.
//! - a type conflict: the two types take disjoint kinds of JSON values (an integer and a
//!   string), so that one side refuses every value the other sends. To decide.
//! - other type differences, where the spec's type takes values of the kind upstream's
//!   does: wider (`json` or `string` for an object or an enumeration), narrower (an `id`
//!   for a `string`, an enumeration for a string, anything for `json`), or another of
//!   the same kind (`date` for `datetime`). The spec's decision by nature.
//! - presence: a field that may be absent or null on one side only. The spec's decision by
//!   nature: it is written from what the server really sends.
//!
//! A difference to decide has a key (`message order.created`, `field Wallet.foo`, `value
//! AlertType.x`, `alternative Code.string`, `type Fee.amount_cents`); the spec's `drift`
//! record lists the keys it has decided, which then need nothing more, and a new thing
//! whose key it lists is not merged. A recorded key whose difference is gone is stale.
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

use crate::spec_file::{
    Decision, Enum, Field, Message, Object, SpecFile, TypeNames, Union, UnionVariant, field_key, variant_key,
};

/// The decision `--write` records for the differences it keeps.
pub const WRITTEN_DECISION: &str =
    "Kept as the spec has it: recorded by `lago-webhooks import-openapi --write`.";

/// What became of an upstream difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Taken into the spec.
    Merged,
    /// The spec's own decision stands.
    Kept,
}

/// What a difference is, which says who decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Upstream has it, the spec lacks it.
    New,
    /// The spec has it, upstream lacks it.
    Removal,
    /// The two types take disjoint kinds of JSON values.
    Conflict,
    /// The spec's type is narrower than upstream's.
    Narrower,
    /// The spec's type takes values of the kind upstream's does, and more or others.
    Wider,
    /// Whether a field may be absent or null.
    Presence,
}

/// What the text of a new thing says of the types it brings in.
pub const BRINGING: &str = ", bringing new type(s) ";

/// One difference between the spec and upstream.
#[derive(Debug, Clone)]
pub struct Change {
    pub breaking: bool,
    pub fate: Fate,
    pub class: Class,
    /// Its key in the spec's record, for a difference to decide; none for those the spec
    /// decides by nature.
    pub key: Option<String>,
    /// The spec's record lists the key.
    pub recorded: bool,
    pub text: String,
}

impl Change {
    /// Whether someone has to decide it: it has a key the spec has not recorded.
    pub fn to_decide(&self) -> bool {
        self.key.is_some() && !self.recorded
    }
}

/// The differences found, and the spec with the new things merged in.
pub struct Reconciled {
    pub changes: Vec<Change>,
    /// Keys the spec records whose difference is no longer found.
    pub stale: Vec<String>,
    /// The spec with what is new merged in; its record as it was.
    pub merged: SpecFile,
}

impl Reconciled {
    /// The merged spec, its record updated: the keys of the differences kept that were
    /// to decide are added (under [`WRITTEN_DECISION`]), the stale ones dropped. Gives
    /// how many were added.
    pub fn recorded(&self) -> (SpecFile, usize) {
        let mut spec = self.merged.clone();
        let stale: HashSet<&str> = self.stale.iter().map(String::as_str).collect();
        for decision in &mut spec.drift {
            decision.differences.retain(|key| !stale.contains(key.as_str()));
        }
        spec.drift.retain(|decision| !decision.differences.is_empty());
        let mut seen = HashSet::new();
        let added: Vec<String> = self
            .changes
            .iter()
            .filter(|change| change.to_decide() && change.fate == Fate::Kept)
            .filter_map(|change| change.key.clone())
            .filter(|key| seen.insert(key.clone()))
            .collect();
        let count = added.len();
        if count > 0 {
            match spec.drift.iter_mut().find(|decision| decision.decision == WRITTEN_DECISION) {
                Some(decision) => decision.differences.extend(added),
                None => {
                    spec.drift.push(Decision { differences: added, decision: WRITTEN_DECISION.to_owned() })
                }
            }
        }
        (spec, count)
    }
}

/// Compares `spec` (ours) with `upstream` and merges what is new.
pub fn reconcile(spec: &SpecFile, upstream: &SpecFile) -> Reconciled {
    let (ours, theirs) = (Types::of(spec), Types::of(upstream));
    let message_variants = spec.message_variants();
    let mut walk = Walk {
        ours: &ours,
        theirs: &theirs,
        merged: spec.clone(),
        merged_at: ours.by_name.iter().map(|(name, def)| ((*name).to_owned(), *def)).collect(),
        message_variants,
        paired: HashMap::new(),
        queue: Vec::new(),
        done: HashSet::new(),
        forms: Vec::new(),
        members: HashMap::new(),
        names: TypeNames::of(spec),
        decided: spec.drift.iter().flat_map(|d| d.differences.iter().cloned()).collect(),
        found: HashSet::new(),
        brought: Vec::new(),
        changes: Vec::new(),
        said: HashSet::new(),
    };
    let mut mine: HashMap<&str, &Message> = HashMap::new();
    for message in &spec.messages {
        mine.entry(message.webhook_type.as_str()).or_insert(message);
    }
    for message in &upstream.messages {
        match mine.get(message.webhook_type.as_str()) {
            Some(ours) => walk.pair(&ours.payload, &message.payload),
            None => walk.new_message(message),
        }
    }
    let upstream_types: HashSet<&str> = upstream.messages.iter().map(|m| m.webhook_type.as_str()).collect();
    for message in spec.messages.iter().filter(|m| !upstream_types.contains(m.webhook_type.as_str())) {
        walk.decide(
            true,
            Fate::Kept,
            Class::Removal,
            format!("message {}", message.webhook_type),
            format!("message `{}` is not upstream", message.webhook_type),
        );
    }
    while let Some((ours, theirs)) = walk.queue.pop() {
        walk.compare(&ours, &theirs);
    }
    walk.gone();
    let mut listed = HashSet::new();
    let stale = spec
        .drift
        .iter()
        .flat_map(|decision| &decision.differences)
        .filter(|key| !walk.found.contains(*key) && listed.insert(key.as_str()))
        .cloned()
        .collect();
    Reconciled { changes: walk.changes, stale, merged: walk.merged }
}

/// Where a type is defined: its list and place in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Def {
    Object(usize),
    Enum(usize),
    Union(usize),
}

/// A spec's types by name: a spec may have thousands, each looked up as it is used.
struct Types<'s> {
    spec: &'s SpecFile,
    by_name: HashMap<&'s str, Def>,
}

impl<'s> Types<'s> {
    /// The types of `spec`; of two of one name, the first, as a search would find.
    fn of(spec: &'s SpecFile) -> Types<'s> {
        let mut by_name = HashMap::new();
        let objects = spec.objects.iter().enumerate().map(|(at, o)| (o.name.as_str(), Def::Object(at)));
        let enums = spec.enums.iter().enumerate().map(|(at, e)| (e.name.as_str(), Def::Enum(at)));
        let unions = spec.unions.iter().enumerate().map(|(at, u)| (u.name.as_str(), Def::Union(at)));
        for (name, def) in objects.chain(enums).chain(unions) {
            by_name.entry(name).or_insert(def);
        }
        Types { spec, by_name }
    }

    fn object(&self, name: &str) -> Option<&'s Object> {
        match self.by_name.get(name) {
            Some(Def::Object(at)) => self.spec.objects.get(*at),
            _ => None,
        }
    }

    fn enumeration(&self, name: &str) -> Option<&'s Enum> {
        match self.by_name.get(name) {
            Some(Def::Enum(at)) => self.spec.enums.get(*at),
            _ => None,
        }
    }

    fn union(&self, name: &str) -> Option<&'s Union> {
        match self.by_name.get(name) {
            Some(Def::Union(at)) => self.spec.unions.get(*at),
            _ => None,
        }
    }

    fn defines(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The JSON kind a type takes, for pairing alternatives of unions.
    fn kind(&self, expr: &str) -> &'static str {
        kind_of(self.by_name.get(expr).copied(), expr)
    }
}

struct Walk<'s> {
    ours: &'s Types<'s>,
    theirs: &'s Types<'s>,
    merged: SpecFile,
    /// Where each type of `merged` is, by name.
    merged_at: HashMap<String, Def>,
    /// The webhook type of each message of `merged`, by the Rust variant it becomes.
    message_variants: HashMap<String, String>,
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
    /// The keys the spec's record lists.
    decided: HashSet<String>,
    /// The keys of every difference to decide found, recorded or not.
    found: HashSet<String>,
    /// The names of the types taken in, in order: those a new thing brings are told with
    /// it.
    brought: Vec<String>,
    changes: Vec<Change>,
    /// The text of every change recorded.
    said: HashSet<String>,
}

/// The JSON kind a type takes, for pairing alternatives of unions, the type's name
/// defining `def`.
fn kind_of(def: Option<Def>, expr: &str) -> &'static str {
    if expr.ends_with("[]") {
        return "array";
    }
    match expr {
        "integer" => "integer",
        "number" => "number",
        "boolean" => "boolean",
        "json" | "decimal" => "any",
        _ => match def {
            Some(Def::Object(_)) => "object",
            Some(Def::Union(_)) => "any",
            Some(Def::Enum(_)) | None => "string",
        },
    }
}

/// The kinds of JSON values a type takes, as bits: what tells a conflict (no kind in
/// common) from a difference the spec may make. Every text type takes any string (the
/// formats are not enforced while reading, and an enumeration has a fallback), and an
/// integer is a number.
fn kinds(spec: &Types, expr: &str) -> u8 {
    const STRING: u8 = 1;
    const NUMBER: u8 = 2;
    const BOOLEAN: u8 = 4;
    const ARRAY: u8 = 8;
    const OBJECT: u8 = 16;
    const ANY: u8 = STRING | NUMBER | BOOLEAN | ARRAY | OBJECT;
    if expr.ends_with("[]") {
        return ARRAY;
    }
    match expr {
        "integer" | "number" => NUMBER,
        "boolean" => BOOLEAN,
        "decimal" => STRING | NUMBER,
        "json" => ANY,
        "string" | "id" | "date" | "datetime" | "currency" | "url" | "encoded_json" => STRING,
        _ if spec.enumeration(expr).is_some() => STRING,
        _ if spec.object(expr).is_some() => OBJECT,
        _ => match spec.union(expr) {
            // An alternative is never a union; one that were would take anything.
            Some(union) => union
                .variants
                .iter()
                .map(|v| if spec.union(&v.ty).is_some() { ANY } else { kinds(spec, &v.ty) })
                .fold(0, |all, kind| all | kind),
            // A name neither side defines: nothing tells.
            None => ANY,
        },
    }
}

/// Types that read text.
fn textual(spec: &Types, expr: &str) -> bool {
    matches!(expr, "string" | "id" | "date" | "datetime" | "currency" | "url" | "encoded_json")
        || spec.enumeration(expr).is_some()
}

impl Walk<'_> {
    /// Records a difference the spec decides by nature; one seen through several upstream
    /// forms of a type is said once.
    fn change(&mut self, breaking: bool, class: Class, text: String) {
        if self.said.insert(text.clone()) {
            self.changes.push(Change { breaking, fate: Fate::Kept, class, key: None, recorded: false, text });
        }
    }

    /// Records a difference to decide, under `key`, once.
    fn decide(&mut self, breaking: bool, fate: Fate, class: Class, key: String, text: String) {
        self.found.insert(key.clone());
        if self.said.insert(text.clone()) {
            let recorded = self.decided.contains(&key);
            self.changes.push(Change { breaking, fate, class, key: Some(key), recorded, text });
        }
    }

    /// Whether the spec's record has decided the difference of `key`: a new thing it
    /// lists is not merged.
    fn declined(&self, key: &str) -> bool {
        self.decided.contains(key)
    }

    /// ", bringing new type(s) `A`, `B`" for the types taken in since `mark`, said once.
    fn bringing(&mut self, mark: usize) -> String {
        let brought = self.brought.split_off(mark.min(self.brought.len()));
        if brought.is_empty() {
            return String::new();
        }
        // A few names say what comes in; a message of a thousand new types is one line.
        const SHOWN: usize = 5;
        let mut names: Vec<String> = brought.iter().take(SHOWN).map(|name| format!("`{name}`")).collect();
        if brought.len() > SHOWN {
            names.push(format!("and {} more", brought.len() - SHOWN));
        }
        format!("{BRINGING}{}", names.join(", "))
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
    /// one the spec has, or the spec's record declines it.
    fn new_message(&mut self, message: &Message) {
        let key = format!("message {}", message.webhook_type);
        let variant = variant_key(&message.webhook_type);
        if let Some(other) = self.message_variants.get(&variant) {
            let text = format!(
                "message `{}` is new; not merged: it becomes the same Rust variant as `{other}`",
                message.webhook_type
            );
            return self.decide(false, Fate::Kept, Class::New, key, text);
        }
        if variant == "Unknown" {
            let text = format!(
                "message `{}` is new; not merged: it becomes the handler method for unknown webhook types",
                message.webhook_type
            );
            return self.decide(false, Fate::Kept, Class::New, key, text);
        }
        if self.declined(&key) {
            let text = format!("message `{}` is new", message.webhook_type);
            return self.decide(false, Fate::Kept, Class::New, key, text);
        }
        let mark = self.brought.len();
        let mut added = message.clone();
        added.payload = self.adopt(&message.payload);
        self.merged.messages.push(added);
        self.message_variants.insert(variant, message.webhook_type.clone());
        let text = format!("message `{}` is new{}", message.webhook_type, self.bringing(mark));
        self.decide(false, Fate::Merged, Class::New, key, text);
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
                    Some(mine) => self.types(
                        &format!("`{ours}.{}`", mine.name),
                        &format!("type {ours}.{}", mine.name),
                        &mine.ty,
                        &field.ty,
                    ),
                    None => self.new_field(ours, field),
                }
            }
        } else if let (Some(enumeration), Some(other)) =
            (spec.enumeration(ours), upstream.enumeration(theirs))
        {
            let mine: HashSet<&str> = enumeration.values.iter().map(|v| v.value.as_str()).collect();
            for value in other.values.iter().filter(|v| !mine.contains(v.value.as_str())) {
                let key = format!("value {ours}.{}", value.value);
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
                        self.decide(true, Fate::Kept, Class::New, key, text);
                        continue;
                    }
                    None => {}
                }
                let text = format!("value `{}` of `{ours}` is new", value.value);
                if self.declined(&key) {
                    self.decide(true, Fate::Kept, Class::New, key, text);
                    continue;
                }
                let Some(&Def::Enum(at)) = self.merged_at.get(ours) else { continue };
                let Some(target) = self.merged.enums.get_mut(at) else { continue };
                target.values.push(value.clone());
                self.members_of(ours).insert(variant, value.value.clone());
                self.decide(true, Fate::Merged, Class::New, key, text);
            }
        } else if let (Some(union), Some(other)) = (spec.union(ours), upstream.union(theirs)) {
            for variant in &other.variants {
                let wanted = upstream.kind(&variant.ty);
                match union.variants.iter().find(|v| spec.kind(&v.ty) == wanted) {
                    Some(mine) => self.types(
                        &format!("`{ours}` alternative `{}`", mine.name),
                        &format!("type {ours}.{wanted}"),
                        &mine.ty,
                        &variant.ty,
                    ),
                    None => {
                        let Some(&Def::Union(target)) = self.merged_at.get(ours) else {
                            continue;
                        };
                        let merged_at = &self.merged_at;
                        let held = self.merged.unions.get(target).is_some_and(|union| {
                            union
                                .variants
                                .iter()
                                .any(|v| kind_of(merged_at.get(&v.ty).copied(), &v.ty) == wanted)
                        });
                        if held {
                            continue;
                        }
                        let key = format!("alternative {ours}.{wanted}");
                        if self.declined(&key) {
                            let text = format!("`{ours}` takes a new alternative, {}", variant.ty);
                            self.decide(true, Fate::Kept, Class::New, key, text);
                            continue;
                        }
                        let mark = self.brought.len();
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
                        let text = format!(
                            "`{ours}` takes a new alternative, {}{}",
                            variant.ty,
                            self.bringing(mark)
                        );
                        self.decide(true, Fate::Merged, Class::New, key, text);
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
        let decision = format!("field {object}.{}", field.name);
        match self.members_of(object).get(&key) {
            // Several upstream schemas can pair with one object of the spec (a schema and
            // its extended form): the field is taken once.
            Some(taken) if *taken == field.name => return,
            Some(clash) => {
                let text = format!(
                    "field `{object}.{}` ({ty}) is new; not merged: it becomes the same Rust field as `{clash}`",
                    field.name
                );
                return self.decide(always, Fate::Kept, Class::New, decision, text);
            }
            None => {}
        }
        let Some(&Def::Object(at)) = self.merged_at.get(object) else {
            return;
        };
        let always_text = if always { ", always present upstream" } else { "" };
        if self.declined(&decision) {
            let text = format!("field `{object}.{}` ({ty}) is new{always_text}", field.name);
            return self.decide(always, Fate::Kept, Class::New, decision, text);
        }
        // Taken as optional: the spec's object was curated without it, so nothing says
        // the server always sends it, and a merge must never make the spec refuse a
        // payload it read before.
        let mark = self.brought.len();
        let added = Field { ty: self.adopt(&field.ty), optional: true, ..field.clone() };
        if let Some(target) = self.merged.objects.get_mut(at) {
            target.fields.push(added);
        }
        self.members_of(object).insert(key, field.name.clone());
        let bringing = self.bringing(mark);
        let text = if always {
            format!("field `{object}.{}` ({ty}) is new{always_text}{bringing}; taken as optional", field.name)
        } else {
            format!("field `{object}.{}` ({ty}) is new{bringing}", field.name)
        };
        self.decide(always, Fate::Merged, Class::New, decision, text);
    }

    /// The fields of the merged object `name`, or the values of the merged enumeration
    /// `name`, by the Rust name each becomes.
    fn members_of(&mut self, name: &str) -> &mut HashMap<String, String> {
        let (merged, at) = (&self.merged, self.merged_at.get(name).copied());
        self.members.entry(name.to_owned()).or_insert_with(|| {
            let mut members = HashMap::new();
            match at {
                Some(Def::Object(at)) => {
                    for field in merged.objects.get(at).map_or(&[][..], |o| &o.fields) {
                        members.entry(field_key(&field.name)).or_insert_with(|| field.name.clone());
                    }
                }
                Some(Def::Enum(at)) => {
                    for value in merged.enums.get(at).map_or(&[][..], |e| &e.values) {
                        members.entry(variant_key(&value.value)).or_insert_with(|| value.value.clone());
                    }
                }
                Some(Def::Union(_)) | None => {}
            }
            members
        })
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
        // The upstream forms of each spec type, gathered once: a type may have many.
        let mut forms_of: HashMap<&str, Vec<&str>> = HashMap::new();
        for (ours, theirs) in &self.forms {
            forms_of.entry(ours.as_str()).or_default().push(theirs.as_str());
        }
        let forms_of: HashMap<String, Vec<String>> = forms_of
            .into_iter()
            .map(|(ours, theirs)| (ours.to_owned(), theirs.into_iter().map(str::to_owned).collect()))
            .collect();
        for ours in order {
            let theirs: &[String] = forms_of.get(&ours).map_or(&[], Vec::as_slice);
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
                        self.decide(
                            true,
                            Fate::Kept,
                            Class::Removal,
                            format!("field {ours}.{}", field.name),
                            format!("field `{ours}.{}` is not upstream", field.name),
                        );
                        continue;
                    }
                    // A form without the key sends the object without it.
                    let absent = found.len() < others.len() || found.iter().any(|f| f.optional);
                    let null = found.iter().any(|f| f.nullable);
                    let place = format!("`{ours}.{}`", field.name);
                    // A key upstream may leave out, or send as null, where the spec says
                    // it cannot, would make the spec's parser refuse real payloads; the
                    // spec is written from what the server sends, so it decides.
                    for (what, mine, theirs) in
                        [("absent", field.optional, absent), ("null", field.nullable, null)]
                    {
                        if theirs && !mine {
                            self.change(
                                true,
                                Class::Presence,
                                format!("{place} may be {what} upstream, not in the spec"),
                            );
                        } else if mine && !theirs {
                            self.change(
                                false,
                                Class::Presence,
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
                        self.decide(
                            true,
                            Fate::Kept,
                            Class::Removal,
                            format!("value {ours}.{}", value.value),
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
                    let kind_of = spec.kind(&variant.ty);
                    if !others
                        .iter()
                        .any(|other| other.variants.iter().any(|v| upstream.kind(&v.ty) == kind_of))
                    {
                        let text = format!("alternative `{}` of `{ours}` is not upstream", variant.name);
                        self.decide(
                            true,
                            Fate::Kept,
                            Class::Removal,
                            format!("alternative {ours}.{kind_of}"),
                            text,
                        );
                    }
                }
            }
        }
    }

    /// Compares the types of one place, pairing the named types they use; `key` names a
    /// conflict between them in the spec's record.
    fn types(&mut self, place: &str, key: &str, ours: &str, theirs: &str) {
        let (spec, upstream) = (self.ours, self.theirs);
        let (mine, array) = ours.strip_suffix("[]").map_or((ours, false), |element| (element, true));
        let (other, upstream_array) =
            theirs.strip_suffix("[]").map_or((theirs, false), |element| (element, true));
        let text = format!("{place} is {theirs} upstream, {ours} in the spec");
        if array != upstream_array {
            // Anything is narrower than `json`; a union of the spec may hold upstream's
            // array as one of its alternatives.
            let held = !array && spec.union(ours).is_some_and(|u| u.variants.iter().any(|v| v.ty == theirs));
            if theirs == "json" || held {
                self.change(true, Class::Narrower, text);
            } else {
                self.differs(key, text, kinds(spec, ours) & kinds(upstream, theirs) != 0);
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
            || spec.union(mine).is_some_and(|union| {
                let wanted = upstream.kind(other);
                match union.variants.iter().find(|v| spec.kind(&v.ty) == wanted) {
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
            self.change(true, Class::Narrower, text);
        } else {
            // Taken, upstream's type would change the Rust type of the place, even
            // between two types that both read text (`string` and an enumeration, `date`
            // and `datetime`); only types without a kind of value in common conflict.
            self.differs(key, text, kinds(spec, mine) & kinds(upstream, other) != 0);
        }
    }

    /// A type difference: the spec's decision when the two types share a kind of JSON
    /// value, a conflict to decide when they share none.
    fn differs(&mut self, key: &str, text: String, shared: bool) {
        if shared {
            self.change(true, Class::Wider, text);
        } else {
            self.decide(true, Fate::Kept, Class::Conflict, key.to_owned(), text);
        }
    }

    /// The type expressions a merged definition refers to: its fields' or alternatives'.
    fn references(&mut self, def: Def) -> Box<dyn Iterator<Item = &mut String> + '_> {
        let merged = &mut self.merged;
        match def {
            Def::Object(at) => Box::new(
                merged.objects.get_mut(at).into_iter().flat_map(|o| &mut o.fields).map(|f| &mut f.ty),
            ),
            Def::Union(at) => Box::new(
                merged.unions.get_mut(at).into_iter().flat_map(|u| &mut u.variants).map(|v| &mut v.ty),
            ),
            Def::Enum(_) => Box::new(std::iter::empty()),
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
        self.brought.push(name.clone());
        // Taken in under its new name first, so that a type referring to itself finds it.
        let def = if let Some(object) = upstream.object(element) {
            self.merged.objects.push(Object { name: name.clone(), ..object.clone() });
            Def::Object(self.merged.objects.len() - 1)
        } else if let Some(enumeration) = upstream.enumeration(element) {
            self.merged.enums.push(Enum { name: name.clone(), ..enumeration.clone() });
            Def::Enum(self.merged.enums.len() - 1)
        } else if let Some(union) = upstream.union(element) {
            self.merged.unions.push(Union { name: name.clone(), ..union.clone() });
            Def::Union(self.merged.unions.len() - 1)
        } else {
            return expr.to_owned();
        };
        self.merged_at.insert(name.clone(), def);
        let referred: Vec<String> = self.references(def).map(|ty| ty.clone()).collect();
        let adopted: Vec<String> = referred.iter().map(|ty| self.adopt(ty)).collect();
        self.references(def).zip(adopted).for_each(|(ty, adopted)| *ty = adopted);
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
        let code = merged.unions.iter().find(|u| u.name == "Code").unwrap();
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

    /// The changes of a class, as (breaking, text).
    fn of(reconciled: &Reconciled, class: Class) -> Vec<(bool, &str)> {
        reconciled
            .changes
            .iter()
            .filter(|c| c.class == class)
            .map(|c| (c.breaking, c.text.as_str()))
            .collect()
    }

    #[test]
    fn only_types_without_a_kind_of_value_in_common_conflict() {
        let ours = spec(serde_json::json!({
            "messages": [message("a.created", "A")],
            "objects": [
                {"name": "A", "description": "", "fields": [
                    field("status", "string"), field("day", "date"), field("id", "id"), field("tags", "string[]"),
                    field("codes", "Codes"), field("count", "string"), field("config", "json"),
                    field("size", "number"), field("things", "B[]"), field("label", "string"),
                    field("ranks", "integer[]")
                ]},
                {"name": "B", "description": "", "fields": []}
            ],
            "unions": [{"name": "Codes", "description": "", "variants": [
                {"name": "Text", "type": "string"}, {"name": "List", "type": "string[]"}
            ]}]
        }));
        let theirs = spec(serde_json::json!({
            "messages": [message("a.created", "A")],
            "objects": [
                {"name": "A", "description": "", "fields": [
                    field("status", "Status"), field("day", "datetime"), field("id", "string"), field("tags", "json"),
                    field("codes", "string[]"), field("count", "integer"), field("config", "Config"),
                    field("size", "integer"), field("things", "string"), field("label", "Config"),
                    field("ranks", "string[]")
                ]},
                {"name": "Config", "description": "", "fields": []}
            ],
            "enums": [{"name": "Status", "description": "", "values": [{"value": "on"}]}]
        }));
        let reconciled = reconcile(&ours, &theirs);
        // No value both take: the spec refuses all upstream sends there, or the reverse.
        assert_eq!(
            of(&reconciled, Class::Conflict),
            [
                (true, "`A.count` is integer upstream, string in the spec"),
                (true, "`A.things` is string upstream, B[] in the spec"),
                (true, "`A.label` is Config upstream, string in the spec"),
                (true, "`A.ranks` is string[] upstream, integer[] in the spec"),
            ]
        );
        let keys: Vec<_> = reconciled.changes.iter().filter_map(|c| c.key.as_deref()).collect();
        assert_eq!(keys, ["type A.count", "type A.things", "type A.label", "type A.ranks"]);
        // Taken, any of these would change the Rust type of the field, but the spec's type
        // takes values of the kind upstream's does: every text type reads any string.
        assert_eq!(
            of(&reconciled, Class::Wider),
            [
                (true, "`A.status` is Status upstream, string in the spec"),
                (true, "`A.day` is datetime upstream, date in the spec"),
                (true, "`A.config` is Config upstream, json in the spec"),
                (true, "`A.size` is integer upstream, number in the spec"),
            ]
        );
        // Anything is narrower than `json`, an array too; a union holds the array it has
        // as an alternative.
        assert_eq!(
            of(&reconciled, Class::Narrower),
            [
                (true, "`A.id` is string upstream, id in the spec"),
                (true, "`A.tags` is json upstream, string[] in the spec"),
                (true, "`A.codes` is string[] upstream, Codes in the spec"),
            ]
        );
        let to_decide: Vec<_> =
            reconciled.changes.iter().filter(|c| c.to_decide()).map(|c| c.class).collect();
        assert_eq!(to_decide, [Class::Conflict; 4]);
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
                (true, "`Invoice.id` is string upstream, id in the spec"),
                (true, "`Invoice.number` is string upstream, integer in the spec"),
                (true, "field `Invoice.gone` is not upstream"),
                (true, "`Invoice.total` may be absent upstream, not in the spec"),
            ]
        );
        let classes: Vec<Class> = reconciled.changes.iter().map(|c| c.class).collect();
        assert_eq!(classes, [Class::Narrower, Class::Conflict, Class::Removal, Class::Presence]);
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
        let variants: Vec<(&str, &str)> = merged
            .unions
            .iter()
            .find(|u| u.name == "Code")
            .unwrap()
            .variants
            .iter()
            .map(|v| (v.name.as_str(), v.ty.as_str()))
            .collect();
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

    #[test]
    fn the_spec_s_record_decides_differences_and_a_recorded_one_that_is_gone_is_stale() {
        let ours = spec(serde_json::json!({
            "messages": [message("a.created", "A"), message("old.gone", "A")],
            "objects": [{"name": "A", "description": "", "fields": [
                field("id", "id"), field("kept", "string"), field("count", "string"), field("kind", "Kind")
            ]}],
            "enums": [{"name": "Kind", "description": "", "values": [{"value": "x"}, {"value": "y"}]}],
            "drift": [{"differences": [
                "message old.gone", "field A.kept", "field A.extra", "value Kind.z", "field A.vanished"
            ], "decision": "Known to the server."}]
        }));
        let theirs = spec(serde_json::json!({
            "messages": [message("a.created", "A"), message("a.new", "A")],
            "objects": [{"name": "A", "description": "", "fields": [
                field("id", "id"), field("count", "integer"), field("extra", "string"), field("more", "string"),
                field("kind", "Kind")
            ]}],
            "enums": [{"name": "Kind", "description": "", "values": [
                {"value": "x"}, {"value": "z"}, {"value": "w"}
            ]}]
        }));
        let reconciled = reconcile(&ours, &theirs);
        let summary: Vec<(&str, Class, Fate, bool)> = reconciled
            .changes
            .iter()
            .filter_map(|c| Some((c.key.as_deref()?, c.class, c.fate, c.to_decide())))
            .collect();
        assert_eq!(
            summary,
            [
                ("message a.new", Class::New, Fate::Merged, true),
                ("message old.gone", Class::Removal, Fate::Kept, false),
                ("type A.count", Class::Conflict, Fate::Kept, true),
                // Recorded as decided, a new field is not taken.
                ("field A.extra", Class::New, Fate::Kept, false),
                ("field A.more", Class::New, Fate::Merged, true),
                ("value Kind.z", Class::New, Fate::Kept, false),
                ("value Kind.w", Class::New, Fate::Merged, true),
                ("field A.kept", Class::Removal, Fate::Kept, false),
                ("value Kind.y", Class::Removal, Fate::Kept, true),
            ]
        );
        let fields: Vec<&str> = reconciled.merged.objects[0].fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(fields, ["id", "kept", "count", "kind", "more"]);
        assert_eq!(reconciled.stale, ["field A.vanished"]);
        // Written, what is kept and was to decide is recorded, and the stale key goes.
        let (written, added) = reconciled.recorded();
        assert_eq!(added, 2);
        let record: Vec<(&[String], &str)> =
            written.drift.iter().map(|d| (d.differences.as_slice(), d.decision.as_str())).collect();
        assert_eq!(
            record,
            [
                (
                    &["message old.gone", "field A.kept", "field A.extra", "value Kind.z"].map(String::from)
                        [..],
                    "Known to the server."
                ),
                (&["type A.count", "value Kind.y"].map(String::from)[..], WRITTEN_DECISION),
            ]
        );
        let again = reconcile(&written, &theirs);
        assert!(again.changes.iter().all(|c| !c.to_decide()) && again.stale.is_empty());
    }
}
