//! Checks a parsed spec and resolves it into the [`Ir`], reporting every problem at once.
//!
//! The checks and the resolution live here; three jobs that need no [`Checker`] state
//! are submodules: [`prune`] drops what the `include` setting leaves unreachable,
//! [`suggest`] finds the "did you mean" names for unknown ones, and [`derives`] checks the
//! extra derives against the resolved types.

pub mod derives;
mod prune;
mod suggest;

use std::collections::{HashMap, HashSet};

use lago_webhooks_core::envelope;
use lago_webhooks_core::version::{LagoVersion, Since, VersionRange};
use serde_json::Value;

use crate::error::{Origin, SpecError};
use crate::load::SpecSource;
use crate::model::{Enum, Lifecycle, Message, Object, Rule, Spec, SumPart, Union};
use crate::resolved::{
    ChangeIr, EnumId, EnumIr, FieldIr, Ir, JsonKind, MessageIr, ObjectId, ObjectIr, Primitive, TypeRef,
    UnionId, UnionIr, UnionVariantIr, ValueIr,
};
use crate::{constraints, naming};

/// Names the generated code defines next to the spec's own types.
pub const RESERVED_TYPES: &[&str] = &["WebhookEvent", "WebhookType", "WebhookHandler", "AsyncWebhookHandler"];
/// Deeper array types are refused: nobody needs them, and emitting them recurses.
const MAX_ARRAY_DEPTH: usize = 8;
/// Handler methods the generated traits define besides one per message.
const RESERVED_METHODS: &[&str] = &["on_unknown"];
/// The field of every `WebhookEvent` variant besides the payload.
const EVENT_FIELDS: &[&str] = &[envelope::ORGANIZATION_ID];
/// Catch-all variant names, in order of preference.
const CATCH_ALL: &[&str] = &["Unknown", "Other", "Unrecognized", "UnknownValue"];

/// Checks `spec` and resolves it; `include`, when given, keeps only those messages, and
/// `pin`, when given, what those Lago releases send (see [`Checker::range`]). Returns the
/// resolved spec without the parts that have problems, and every problem.
pub fn check(
    spec: &Spec,
    source: &SpecSource,
    include: Option<&[String]>,
    pin: Option<VersionRange>,
) -> (Ir, Vec<SpecError>) {
    let mut checker = Checker {
        source,
        errors: Vec::new(),
        names: HashMap::new(),
        unreadable: spec.unreadable_names.iter().cloned().collect(),
        range: VersionRange { from: LagoVersion::new(0, 0, 0), to: None },
        latest: None,
    };
    checker.releases(spec, pin);
    // Only definitions whose names were accepted are generated; the rest were reported.
    let (objects, enums, unions) = checker.collect_names(spec);
    let objects: Vec<ObjectIr> = objects.into_iter().map(|o| checker.object(o)).collect();
    let enums: Vec<EnumIr> = enums.into_iter().map(|e| checker.enumeration(e)).collect();
    let unions: Vec<UnionIr> = unions.into_iter().map(|u| checker.union(u)).collect();
    let messages = checker.messages(spec);
    let unknown_event_variant = naming::free_name(CATCH_ALL, |c| messages.iter().any(|m| m.variant == c));
    let messages = checker.select(messages, include);
    let ir = Ir { title: spec.title.clone(), messages, objects, enums, unions, unknown_event_variant };
    let ir = if include.is_some() || pin.is_some() { prune::keep_reachable(ir) } else { ir };
    (ir, checker.errors)
}

enum Named {
    Object(ObjectId),
    Enum(EnumId),
    Union(UnionId),
}

struct Checker<'a> {
    source: &'a SpecSource,
    errors: Vec<SpecError>,
    /// Spec names of objects and enumerations.
    names: HashMap<String, Named>,
    /// Names whose definitions could not be read: already reported.
    unreadable: HashSet<String>,
    /// The Lago releases the types are for: a version pin, or without one every release
    /// from the spec's floor on, what no release has sent yet included. What no release
    /// of it sends is left out; what some of them lack is optional.
    range: VersionRange,
    /// The newest release the spec knows, if it says.
    latest: Option<LagoVersion>,
}

impl Checker<'_> {
    fn error(&mut self, pointer: &str, message: String) {
        self.errors.push(self.source.error(pointer, message));
    }

    /// Reads the spec's floor and latest release, and sets the range the types are for.
    fn releases(&mut self, spec: &Spec, pin: Option<VersionRange>) {
        let read = |checker: &mut Self, text: &str, key: &str| match text.parse::<LagoVersion>() {
            Ok(version) => Some(version),
            Err(error) => {
                checker.error(&format!("/releases/{key}"), error.to_string());
                None
            }
        };
        let releases = spec.releases.as_ref();
        let floor = releases.and_then(|r| read(self, &r.floor, "floor"));
        self.latest = releases.and_then(|r| read(self, &r.latest, "latest"));
        if let (Some(floor), Some(latest)) = (floor, self.latest)
            && latest < floor
        {
            self.error(
                "/releases/latest",
                format!("the latest release {latest} is older than the floor {floor}"),
            );
        }
        self.range =
            pin.unwrap_or(VersionRange { from: floor.unwrap_or(LagoVersion::new(0, 0, 0)), to: None });
    }

    /// The releases that send something (`since` and `until` under `pointer`), or `None`
    /// after reporting why they cannot be read.
    fn sent(
        &mut self,
        since: Option<&str>,
        until: Option<&str>,
        pointer: &str,
    ) -> Option<(Since, Option<LagoVersion>)> {
        let mut ok = true;
        let since = match since.map(Since::parse) {
            None => Since::Always,
            Some(Ok(since)) => since,
            Some(Err(error)) => {
                self.error(&format!("{pointer}/since"), error.to_string());
                ok = false;
                Since::Always
            }
        };
        let until = match until.map(str::parse::<LagoVersion>) {
            None => None,
            Some(Ok(until)) => Some(until),
            Some(Err(error)) => {
                self.error(&format!("{pointer}/until"), error.to_string());
                return None;
            }
        };
        let newer = |version: LagoVersion| self.latest.is_some_and(|latest| version > latest);
        let problem = match (since, until) {
            (Since::Release(since), _) if newer(since) => Some((
                "since",
                format!("{since} is newer than the latest release the spec knows; write `unreleased`"),
            )),
            (_, Some(until)) if newer(until) => {
                Some(("until", format!("{until} is newer than the latest release the spec knows")))
            }
            (Since::Release(since), Some(until)) if until < since => {
                Some(("until", format!("sent until {until}, before it is sent since {since}")))
            }
            (Since::Unreleased, Some(_)) => {
                Some(("until", "no release sends it, so none is its last".to_owned()))
            }
            _ => None,
        };
        if let Some((key, message)) = problem {
            self.error(&format!("{pointer}/{key}"), message);
            return None;
        }
        ok.then_some((since, until))
    }

    /// Registers object, enum and union names, refusing duplicates and Rust-name
    /// collisions; returns the definitions accepted, in order (their positions are their
    /// ids).
    fn collect_names<'s>(&mut self, spec: &'s Spec) -> (Vec<&'s Object>, Vec<&'s Enum>, Vec<&'s Union>) {
        let mut objects = Vec::new();
        let mut enums = Vec::new();
        let mut unions = Vec::new();
        let mut rust_names: HashMap<String, String> = HashMap::new();
        for object in &spec.objects {
            let named = Named::Object(ObjectId(objects.len()));
            if self.register(&object.name, &format!("/objects/{}/name", object.index), named, &mut rust_names)
            {
                objects.push(object);
            }
        }
        for enumeration in &spec.enums {
            let named = Named::Enum(EnumId(enums.len()));
            let pointer = format!("/enums/{}/name", enumeration.index);
            if self.register(&enumeration.name, &pointer, named, &mut rust_names) {
                enums.push(enumeration);
            }
        }
        for union in &spec.unions {
            let named = Named::Union(UnionId(unions.len()));
            let pointer = format!("/unions/{}/name", union.index);
            if self.register(&union.name, &pointer, named, &mut rust_names) {
                unions.push(union);
            }
        }
        (objects, enums, unions)
    }

    /// Registers one type name, or reports why it cannot be.
    fn register(
        &mut self,
        name: &str,
        pointer: &str,
        named: Named,
        rust_names: &mut HashMap<String, String>,
    ) -> bool {
        let rust = naming::type_name(name);
        match self.name_refusal(name, &rust, rust_names) {
            Some(message) => {
                self.error(pointer, message);
                // Uses of a refused name are not reported again; its definition is.
                if !self.names.contains_key(name) {
                    self.unreadable.insert(name.to_owned());
                }
                false
            }
            None => {
                rust_names.insert(rust, name.to_owned());
                self.names.insert(name.to_owned(), named);
                true
            }
        }
    }

    /// Why a type name cannot be registered, if it cannot.
    fn name_refusal(&self, name: &str, rust: &str, rust_names: &HashMap<String, String>) -> Option<String> {
        if Primitive::from_name(name).is_some() {
            Some(format!("type name `{name}` is a built-in type; choose another name"))
        } else if RESERVED_TYPES.contains(&rust) {
            Some(format!("type name `{name}` is reserved for the generated `{rust}`"))
        } else if self.names.contains_key(name) {
            Some(format!("type `{name}` is defined twice"))
        } else {
            let other = rust_names.get(rust)?;
            Some(format!("types `{other}` and `{name}` both become the Rust type `{rust}`"))
        }
    }

    /// Resolves a type expression such as `string`, `Fee` or `Fee[]`.
    fn resolve(&mut self, expr: &str, pointer: &str) -> Option<TypeRef> {
        let base = expr.trim_end_matches("[]");
        let depth = (expr.len() - base.len()) / 2;
        if depth > MAX_ARRAY_DEPTH {
            // Written short: the expression may be megabytes of `[]`.
            let base = clip(base);
            let message =
                format!("`{base}[]…[]` nests arrays {depth} deep; at most {MAX_ARRAY_DEPTH} are supported");
            self.error(pointer, message);
            return None;
        }
        let mut ty = self.resolve_name(base, pointer)?;
        for _ in 0..depth {
            ty = TypeRef::Array(Box::new(ty));
        }
        Some(ty)
    }

    fn resolve_name(&mut self, expr: &str, pointer: &str) -> Option<TypeRef> {
        if let Some(primitive) = Primitive::from_name(expr) {
            return Some(TypeRef::Primitive(primitive));
        }
        match self.names.get(expr) {
            Some(Named::Object(id)) => Some(TypeRef::Object(*id)),
            Some(Named::Enum(id)) => Some(TypeRef::Enum(*id)),
            Some(Named::Union(id)) => Some(TypeRef::Union(*id)),
            None if self.unreadable.contains(expr) => None,
            None => {
                let message = self.unknown_type_message(expr);
                self.error(pointer, message);
                None
            }
        }
    }

    /// Names starting in upper case are meant as references to objects or enumerations;
    /// the rest as built-in types. Either way, suggest the nearest existing name.
    fn unknown_type_message(&self, expr: &str) -> String {
        let expr = &clip(expr);
        let defined = self.names.keys().map(String::as_str);
        let builtin = Primitive::NAMES.iter().map(|(n, _)| *n);
        if expr.starts_with(|c: char| c.is_ascii_uppercase()) {
            let hint = suggest::did_you_mean(expr, defined).unwrap_or_default();
            format!("`{expr}` is not defined: no object, enumeration or union has that name{hint}")
        } else {
            let hint = suggest::did_you_mean(expr, builtin.clone().chain(defined)).unwrap_or_else(|| {
                format!("; the built-in types are {}", builtin.collect::<Vec<_>>().join(", "))
            });
            format!("unknown type `{expr}`{hint}")
        }
    }

    fn object(&mut self, object: &Object) -> ObjectIr {
        let mut fields = Vec::new();
        let mut seen: HashMap<String, &str> = HashMap::new();
        let mut unsent: HashSet<&str> = HashSet::new();
        for field in &object.fields {
            let pointer = format!("/objects/{}/fields/{}", object.index, field.index);
            let rust_name = naming::field_name(&field.name);
            if let Some(other) = seen.get(&rust_name) {
                let clash =
                    Clash { kind: "field", kinds: "fields", within: &format!(" of `{}`", object.name) };
                self.error(
                    &format!("{pointer}/name"),
                    clash.message(other, &field.name, &format!("`{rust_name}`")),
                );
                continue;
            }
            seen.insert(rust_name.clone(), &field.name);
            let Some((since, until)) = self.sent(field.since.as_deref(), field.until.as_deref(), &pointer)
            else {
                continue;
            };
            if !self.range.reaches(since, until) {
                // No release of the range sends it: not generated, nor its rules.
                unsent.insert(field.name.as_str());
                continue;
            }
            let Some(ty) = self.resolve(&field.ty, &format!("{pointer}/type")) else {
                continue;
            };
            let constraints = match constraints::field(field, &ty) {
                Ok(constraints) => constraints,
                Err(problems) => {
                    self.report(&pointer, problems);
                    continue;
                }
            };
            fields.push(FieldIr {
                json_name: field.name.clone(),
                rust_name,
                ty,
                // Absent from the deliveries of the releases of the range that lack it.
                optional: field.optional || !self.range.always(since, until),
                nullable: field.nullable,
                description: field.description.clone(),
                format: constraints.format,
                non_empty: constraints.non_empty,
                minimum: constraints.minimum,
                maximum: constraints.maximum,
                since,
                until,
            });
        }
        let mut rules = Vec::new();
        for (i, rule) in object.rules.iter().enumerate() {
            if rule_fields(rule).any(|name| unsent.contains(name)) {
                continue;
            }
            match constraints::rule(rule, &fields) {
                Ok(rule) => rules.push(rule),
                Err(problems) => self.report(&format!("/objects/{}/rules/{i}", object.index), problems),
            }
        }
        ObjectIr {
            name: naming::type_name(&object.name),
            description: object.description.clone(),
            fields,
            rules,
        }
    }

    /// Reports problems found under `pointer`.
    fn report(&mut self, pointer: &str, problems: Vec<constraints::Problem>) {
        for (key, message) in problems {
            self.error(&format!("{pointer}/{key}"), message);
        }
    }

    fn enumeration(&mut self, enumeration: &Enum) -> EnumIr {
        let mut values: Vec<ValueIr> = Vec::new();
        for value in &enumeration.values {
            let pointer = format!("/enums/{}/values/{}/value", enumeration.index, value.index);
            let variant = naming::variant_name(&value.value);
            if let Some(other) = values.iter().find(|v| v.variant == variant) {
                let message = if other.value == value.value {
                    format!("value `{}` of `{}` is listed twice", value.value, enumeration.name)
                } else {
                    format!(
                        "values `{}` and `{}` of `{}` both become the variant `{variant}`",
                        other.value, value.value, enumeration.name
                    )
                };
                self.error(&pointer, message);
                continue;
            }
            let at = format!("/enums/{}/values/{}", enumeration.index, value.index);
            let (since, until) = match self.sent(value.since.as_deref(), value.until.as_deref(), &at) {
                Some((since, until)) if self.range.reaches(since, until) => (since, until),
                // Not sent by the range: read as an unknown value if it ever comes.
                _ => continue,
            };
            values.push(ValueIr {
                value: value.value.clone(),
                variant,
                description: value.description.clone(),
                http_status: value.http_status,
                since,
                until,
            });
        }
        let unknown_variant = naming::free_name(CATCH_ALL, |c| values.iter().any(|v| v.variant == c));
        EnumIr {
            name: naming::type_name(&enumeration.name),
            description: enumeration.description.clone(),
            values,
            unknown_variant,
        }
    }

    /// Resolves a union: each variant a type of one JSON kind, no kind twice.
    fn union(&mut self, union: &Union) -> UnionIr {
        let mut variants: Vec<UnionVariantIr> = Vec::new();
        let mut kinds: Vec<(JsonKind, String)> = Vec::new();
        if union.variants.is_empty() {
            self.error(
                &format!("/unions/{}/variants", union.index),
                format!("union `{}` has no variant", union.name),
            );
        }
        for variant in &union.variants {
            let pointer = format!("/unions/{}/variants/{}", union.index, variant.index);
            let name = naming::variant_name(&variant.name);
            if let Some(other) = variants.iter().find(|v| v.variant == name) {
                let message = format!(
                    "variants `{}` and `{}` of `{}` both become `{name}`",
                    other.variant, variant.name, union.name
                );
                self.error(&format!("{pointer}/name"), message);
                continue;
            }
            let (since, until) = match self.sent(variant.since.as_deref(), variant.until.as_deref(), &pointer)
            {
                Some((since, until)) if self.range.reaches(since, until) => (since, until),
                _ => continue,
            };
            let Some(ty) = self.resolve(&variant.ty, &format!("{pointer}/type")) else {
                continue;
            };
            let kind = match &ty {
                TypeRef::Primitive(p) => p.json_kind(),
                TypeRef::Enum(_) => Some(JsonKind::String),
                TypeRef::Object(_) => Some(JsonKind::Object),
                TypeRef::Array(_) => Some(JsonKind::Array),
                TypeRef::Union(_) => None,
            };
            let Some(kind) = kind else {
                let message = format!(
                    "variant `{}` of `{}` has type `{}`, which takes several kinds of JSON value; a union variant needs a type of one kind",
                    variant.name, union.name, variant.ty
                );
                self.error(&format!("{pointer}/type"), message);
                continue;
            };
            if let Some((_, other)) = kinds.iter().find(|(k, _)| *k == kind) {
                let message = format!(
                    "variants `{other}` and `{}` of `{}` are both JSON {}s; a union tells its variants apart by JSON kind",
                    variant.name,
                    union.name,
                    kind.name()
                );
                self.error(&format!("{pointer}/type"), message);
                continue;
            }
            kinds.push((kind, variant.name.clone()));
            // The format its text implies, also for each item of an array.
            let format = match ty.innermost() {
                TypeRef::Primitive(p) => p.implied_format(),
                _ => None,
            };
            variants.push(UnionVariantIr {
                accessor: format!("as_{}", naming::field_name(&name).trim_end_matches('_')),
                variant: name,
                ty,
                kind,
                description: variant.description.clone(),
                format,
                since,
                until,
            });
        }
        UnionIr { name: naming::type_name(&union.name), description: union.description.clone(), variants }
    }

    fn messages(&mut self, spec: &Spec) -> Vec<MessageIr> {
        let mut out: Vec<MessageIr> = Vec::new();
        for message in &spec.messages {
            let pointer = format!("/messages/{}", message.index);
            let variant = naming::variant_name(&message.webhook_type);
            if let Some(other) = out.iter().find(|m| m.variant == variant) {
                let clash = Clash { kind: "webhook type", kinds: "webhook types", within: "" };
                let becomes = format!("the variant `{variant}`");
                let text = clash.message(&other.webhook_type, &message.webhook_type, &becomes);
                self.error(&format!("{pointer}/webhook_type"), text);
                continue;
            }
            if let Some(problem) = self.message_refusal(message) {
                self.error(&format!("{pointer}/{}", problem.0), problem.1);
                continue;
            }
            let Some((since, until)) =
                self.sent(message.since.as_deref(), message.until.as_deref(), &pointer)
            else {
                continue;
            };
            if !self.range.reaches(since, until) {
                continue;
            }
            let payload = match self.resolve(&message.payload, &format!("{pointer}/payload")) {
                Some(TypeRef::Object(id)) => id,
                Some(_) => {
                    let text = format!(
                        "payload of `{}` must name an object, not `{}`",
                        message.webhook_type, message.payload
                    );
                    self.error(&format!("{pointer}/payload"), text);
                    continue;
                }
                None => continue,
            };
            self.check_example(&pointer, message);
            out.push(MessageIr {
                webhook_type: message.webhook_type.clone(),
                object_type: message.object_type.clone(),
                payload_key: message.payload_key.clone(),
                payload,
                method: naming::method_name(&message.webhook_type),
                param: naming::field_name(&message.payload_key),
                variant,
                title: message.title.clone(),
                description: message.description.clone(),
                lifecycle: if since == Since::Unreleased { Lifecycle::Unreleased } else { message.lifecycle },
                premium: message.premium.clone(),
                example: message.example.as_ref().map(|e| envelope_text(e, &message.payload_key)),
                changes: self.changes(message, since, until, &pointer),
                since,
                until,
            });
        }
        out
    }

    /// The releases that changed a message's payload, each a release the message was sent
    /// by (after its first) and the spec knows; the problems reported at their keys.
    fn changes(
        &mut self,
        message: &Message,
        since: Since,
        until: Option<LagoVersion>,
        pointer: &str,
    ) -> Vec<ChangeIr> {
        let mut changes: Vec<ChangeIr> = Vec::new();
        for (index, change) in message.changes.iter().enumerate() {
            let at = format!("{pointer}/changes/{index}");
            let release = match change.release.parse::<LagoVersion>() {
                Ok(release) => release,
                Err(error) => {
                    self.error(&format!("{at}/release"), error.to_string());
                    continue;
                }
            };
            let problem = if self.latest.is_some_and(|latest| release > latest) {
                Some(format!("{release} is newer than the latest release the spec knows"))
            } else if since >= Since::Release(release) {
                Some(format!(
                    "{release} is not after the first release that sends `{}`",
                    message.webhook_type
                ))
            } else if until.is_some_and(|until| release > until) {
                Some(format!("{release} comes after the last release that sends `{}`", message.webhook_type))
            } else if changes.iter().any(|other| other.release == release) {
                Some(format!("{release} is listed twice"))
            } else {
                None
            };
            if let Some(problem) = problem {
                self.error(&format!("{at}/release"), problem);
                continue;
            }
            if change.description.trim().is_empty() {
                self.error(&format!("{at}/description"), "a change needs a description".to_owned());
                continue;
            }
            changes.push(ChangeIr {
                release,
                description: change.description.clone(),
                breaking: change.breaking,
            });
        }
        changes
    }

    /// Why a message cannot be generated, if it cannot: the key at fault and the reason.
    fn message_refusal(&self, message: &Message) -> Option<(&'static str, String)> {
        let (webhook_type, payload_key) = (&message.webhook_type, &message.payload_key);
        let method = naming::method_name(webhook_type);
        let param = naming::field_name(payload_key);
        if RESERVED_METHODS.contains(&method.as_str()) {
            let reason = "which receives the webhook types the spec does not know";
            return Some((
                "webhook_type",
                format!("webhook type `{webhook_type}` would become the handler method `{method}`, {reason}"),
            ));
        }
        if envelope::is_envelope_key(payload_key) {
            let reason =
                format!("payload_key `{payload_key}` is an envelope key and cannot hold the payload");
            return Some(("payload_key", reason));
        }
        if message.premium.as_deref().is_some_and(|add_on| add_on.trim().is_empty()) {
            let reason =
                "premium names the paid add-on and cannot be empty; leave it out when none is needed";
            return Some(("premium", reason.to_owned()));
        }
        EVENT_FIELDS.contains(&param.as_str()).then(|| {
            let holds = format!("its `WebhookEvent` variant, which holds the envelope's `{param}`");
            (
                "payload_key",
                format!("payload_key `{payload_key}` would name the payload field `{param}` of {holds}"),
            )
        })
    }

    /// An example must be an envelope of its own message.
    fn check_example(&mut self, pointer: &str, message: &Message) {
        let Some(example) = &message.example else {
            return;
        };
        let pointer = format!("{pointer}/example");
        let Some(envelope) = example.as_object() else {
            return self
                .error(&pointer, format!("example of `{}` is not a JSON object", message.webhook_type));
        };
        match envelope.get(envelope::WEBHOOK_TYPE).and_then(Value::as_str) {
            Some(t) if t == message.webhook_type => {}
            found => {
                let found = found.map_or("no webhook_type".to_owned(), |t| format!("`{t}`"));
                let text = format!("example of `{}` has {found} as its webhook_type", message.webhook_type);
                self.error(&format!("{pointer}/webhook_type"), text);
            }
        }
        if !envelope.contains_key(&message.payload_key) {
            let text =
                format!("example of `{}` has no `{}` payload key", message.webhook_type, message.payload_key);
            self.error(&pointer, text);
        }
    }

    /// Keeps the included messages, reporting names the spec does not define.
    fn select(&mut self, messages: Vec<MessageIr>, include: Option<&[String]>) -> Vec<MessageIr> {
        let Some(include) = include else {
            return messages;
        };
        for (i, name) in include.iter().enumerate() {
            if messages.iter().all(|m| &m.webhook_type != name) {
                let hint = suggest::did_you_mean(name, messages.iter().map(|m| m.webhook_type.as_str()))
                    .unwrap_or_default();
                let message = format!("`include` names `{name}`, which the spec does not define{hint}");
                self.errors.push(SpecError { message, origin: Origin::Include(i) });
            }
        }
        messages.into_iter().filter(|m| include.contains(&m.webhook_type)).collect()
    }
}

/// Two names of the spec that become one Rust name: the same name written twice, or two
/// names the naming rules map to one.
struct Clash<'a> {
    /// What is named, one and several: `field`, `fields`.
    kind: &'a str,
    kinds: &'a str,
    /// Where, for messages: ` of `Fee``, or nothing.
    within: &'a str,
}

impl Clash<'_> {
    fn message(&self, first: &str, second: &str, becomes: &str) -> String {
        let Clash { kind, kinds, within } = self;
        if first == second {
            format!("{kind} `{first}`{within} is defined twice")
        } else {
            format!("{kinds} `{first}` and `{second}`{within} both become {becomes}")
        }
    }
}

/// An example envelope as compact JSON with its keys in Lago's order: `webhook_type`,
/// `object_type`, `organization_id`, the payload, then any other key.
fn envelope_text(example: &Value, payload_key: &str) -> String {
    let Some(envelope) = example.as_object() else {
        return example.to_string();
    };
    let [webhook_type, object_type, organization_id] = envelope::KEYS;
    let first = [webhook_type, object_type, organization_id, payload_key];
    let ordered = first.iter().filter_map(|k| envelope.get_key_value(*k));
    let rest = envelope.iter().filter(|(k, _)| !first.contains(&k.as_str()));
    let members: Vec<String> =
        ordered.chain(rest).map(|(k, v)| format!("{}:{v}", Value::String(k.clone()))).collect();
    format!("{{{}}}", members.join(","))
}

/// The fields a rule names.
fn rule_fields(rule: &Rule) -> Box<dyn Iterator<Item = &str> + '_> {
    match rule {
        Rule::SameCurrency { root, within } => Box::new(root.iter().chain(within).map(String::as_str)),
        Rule::Sum { total, parts } => Box::new(
            std::iter::once(total.as_str()).chain(parts.iter().flat_map(SumPart::fields).map(String::as_str)),
        ),
    }
}

/// A name as an error message quotes it: whole up to 80 characters, otherwise its start
/// and its length, so that a hostile spec cannot make one message megabytes long.
fn clip(name: &str) -> String {
    if name.chars().count() <= 80 {
        return name.to_owned();
    }
    let start: String = name.chars().take(60).collect();
    format!("{start}… ({} characters)", name.chars().count())
}
