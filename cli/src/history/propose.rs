//! `history --spec FILE`: the `since` and `until` the readings give each message and
//! field of a spec, compared with the spec's own, and written into it with `--write`.
//!
//! A reading's keys are matched with the spec by position: a message's keys with its
//! payload object's fields, an object's keys with the fields of the object the field's
//! type names (through arrays, and through every object alternative of a union). An
//! object is *present* in a release when some message of it carries the object somewhere;
//! a field is present when some such place carries its key.
//!
//! The proposal for a field is relative to its object, as the generator reads it: a key
//! the object carried from its first release on has no `since` (the messages that carry
//! the object say when it began); one that came later has the `since` of the release that
//! first sent it; one the object stopped carrying has the `until` of the last release that
//! sent it. A message has the `since` of its first release after the floor and the `until`
//! of its last. What only the commit after the spec's latest release sends is
//! `unreleased`. Releases before the spec's floor are not read.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use lago_webhooks_codegen::model::Spec;
use lago_webhooks_codegen::resolved::{Ir, ObjectId, Since, TypeRef};
use lago_webhooks_codegen::vocabulary::type_name;
use lago_webhooks_codegen::{LagoVersion, SpecSource};

use super::ReleaseReading;
use super::tree::Shape;
use crate::output::{Tone, out, paint};
use crate::spec_file::{MessageChange, SpecFile};

/// The releases (positions among the readings) in which something was sent.
type Seen = BTreeSet<usize>;

/// The releases in which something was sent at each place (`invoice.created
/// invoice.fees[].item`).
type Places = BTreeMap<String, Seen>;

/// What the readings sent, in the spec's terms.
#[derive(Default)]
pub struct Presence {
    messages: HashMap<String, Seen>,
    objects: HashMap<ObjectId, Places>,
    fields: HashMap<(ObjectId, usize), Places>,
    /// Keys the spec has no field for, as `Object.key`.
    unknown: BTreeMap<String, Seen>,
    /// Each message as each release sent it, in release order.
    shapes: HashMap<String, Vec<Built>>,
}

/// A message as one release built it.
struct Built {
    /// The release (its position among the readings).
    at: usize,
    /// The serializer that built it, when the reader named one.
    serializer: Option<String>,
    /// Its key paths.
    paths: BTreeSet<String>,
}

/// A release from which a message was built by another serializer than the release
/// before that sent it.
#[derive(Debug)]
pub struct Switch {
    /// The message.
    pub webhook_type: String,
    /// The first release of the new serializer.
    pub release: LagoVersion,
    /// Key paths the new serializer adds, and those it no longer sends.
    pub added: Vec<String>,
    /// See `added`.
    pub removed: Vec<String>,
}

/// When something was sent: the first release and, when it stopped, the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The first release that sent it (`Always` from the floor or its object's start).
    pub since: Since,
    /// The last release that sent it, when a later release stopped.
    pub until: Option<LagoVersion>,
}

impl Span {
    /// The span as the spec writes it: `since 1.9.0`, `until 1.6.5`, or `always`.
    pub fn describe(&self) -> String {
        let mut text = match self.since {
            Since::Always => String::new(),
            Since::Release(version) => format!("since {version}"),
            Since::Unreleased => "unreleased".to_owned(),
        };
        if let Some(until) = self.until {
            if !text.is_empty() {
                text.push(' ');
            }
            let _ = write!(text, "until {until}");
        }
        if text.is_empty() { "always".to_owned() } else { text }
    }
}

/// What the history says of one message or field, beside what the spec says.
#[derive(Debug)]
pub struct Proposal {
    /// `message invoice.created` or `field Wallet.balance_cents`.
    pub item: String,
    /// The position of the object (for a field) and of the field in it, or `None` for a
    /// message.
    pub field: Option<(ObjectId, usize)>,
    /// The span the readings give.
    pub history: Span,
    /// The span the spec gives.
    pub spec: Span,
    /// Releases before its span that sent it too (see [`Matched::span`]).
    pub outside: Vec<String>,
}

impl Switch {
    /// The change as the spec describes it: what the new serializer adds and drops.
    pub fn describe(&self) -> String {
        let keys = |paths: &[String]| {
            let items: Vec<String> = super::report::collapse(paths)
                .split(", ")
                .map(|item| match item.split_once(" (") {
                    Some((path, count)) => format!("`{path}` ({count}"),
                    None => format!("`{item}`"),
                })
                .collect();
            items.join(", ")
        };
        let mut text = "Built by another serializer from this release on".to_owned();
        if !self.added.is_empty() {
            text.push_str(&format!(", which adds {}", keys(&self.added)));
        }
        if !self.removed.is_empty() {
            let joint = if self.added.is_empty() { ", which" } else { " and" };
            text.push_str(&format!("{joint} no longer sends {}", keys(&self.removed)));
        }
        text.push('.');
        text
    }
}

impl Proposal {
    /// Whether the spec already says what the history says.
    pub fn agrees(&self) -> bool {
        self.history == self.spec
    }
}

/// The readings matched with the spec: `releases` are the readings' versions (`None` for
/// what no release of the spec's range sent yet).
pub struct Matched<'a> {
    ir: &'a Ir,
    releases: Vec<Since>,
    presence: Presence,
    /// The fields the spec itself marks optional (`Object.field`, by Rust type name).
    optional: HashSet<String>,
}

impl<'a> Matched<'a> {
    /// Matches each reading with the spec. `releases[i]` is how reading `i` counts: a
    /// release, or `Unreleased` for the commit after the spec's latest release.
    pub fn new(ir: &'a Ir, spec: &Spec, readings: &[ReleaseReading], releases: Vec<Since>) -> Matched<'a> {
        let optional = spec
            .objects
            .iter()
            .flat_map(|object| {
                let name = type_name(&object.name);
                object
                    .fields
                    .iter()
                    .filter(|field| field.optional)
                    .map(move |field| format!("{name}.{}", field.name))
            })
            .collect();
        let mut matched = Matched { ir, releases, presence: Presence::default(), optional };
        for (at, reading) in readings.iter().enumerate() {
            for (webhook_type, message) in &reading.reading.messages {
                let Some(spec) = ir.messages.iter().find(|m| &m.webhook_type == webhook_type) else {
                    continue;
                };
                matched.presence.messages.entry(webhook_type.clone()).or_default().insert(at);
                let built = Built { at, serializer: message.serializer.clone(), paths: message.keys.paths() };
                matched.presence.shapes.entry(webhook_type.clone()).or_default().push(built);
                let place = format!("{webhook_type} {}", message.payload_key);
                matched.object(spec.payload, &message.keys, at, &place, true);
            }
        }
        matched
    }

    fn object(&mut self, id: ObjectId, shape: &Shape, at: usize, place: &str, report_unknown: bool) {
        let Shape::Object(keys) = shape else { return };
        self.presence.objects.entry(id).or_default().entry(place.to_owned()).or_default().insert(at);
        let object = self.ir.object(id);
        for (key, inner) in keys {
            match object.fields.iter().position(|field| &field.json_name == key) {
                Some(index) => {
                    let places = self.presence.fields.entry((id, index)).or_default();
                    places.entry(place.to_owned()).or_default().insert(at);
                    let ty = object.fields[index].ty.clone();
                    self.value(&ty, inner, at, &format!("{place}.{key}"));
                }
                None if report_unknown => {
                    self.presence.unknown.entry(format!("{}.{key}", object.name)).or_default().insert(at);
                }
                None => {}
            }
        }
    }

    fn value(&mut self, ty: &TypeRef, shape: &Shape, at: usize, place: &str) {
        match (ty, shape) {
            (TypeRef::Object(id), _) => self.object(*id, shape, at, place, true),
            (TypeRef::Array(inner), Shape::Array(item)) => self.value(inner, item, at, &format!("{place}[]")),
            (TypeRef::Union(id), Shape::Object(_)) => {
                // A key belongs to one alternative or another: none is unknown for missing
                // from one of them.
                let objects: Vec<ObjectId> = self
                    .ir
                    .union(*id)
                    .variants
                    .iter()
                    .filter_map(|variant| match variant.ty {
                        TypeRef::Object(object) => Some(object),
                        _ => None,
                    })
                    .collect();
                for object in objects {
                    self.object(object, shape, at, place, false);
                }
            }
            _ => {}
        }
    }

    /// The span of releases `seen`, relative to the releases `whole` (those of its object,
    /// or all of them for a message), and the releases outside it that sent it too.
    ///
    /// The span is the last unbroken run of `whole` that sent it. Releases are ordered by
    /// version, and a patch release made on an older line can carry code of a later one
    /// (lago-api's v1.16.1 was cut in April 2025, after v1.17.0 to v1.27): what it sent
    /// early is reported, not taken for a `since` that later releases contradict.
    fn span(&self, seen: &Seen, whole: &Seen) -> (Span, Vec<String>) {
        let mut run = whole.iter().rev().skip_while(|at| !seen.contains(at));
        let Some(&last) = run.next() else {
            return (Span { since: Since::Always, until: None }, Vec::new());
        };
        let mut first = last;
        for &at in run {
            if !seen.contains(&at) {
                break;
            }
            first = at;
        }
        let since = if whole.first().is_some_and(|&begins| first > begins) {
            self.releases[first]
        } else {
            Since::Always
        };
        let until = match self.releases[last] {
            Since::Release(version) if whole.last().is_some_and(|&ends| last < ends) => Some(version),
            _ => None,
        };
        let outside = seen
            .iter()
            .filter(|&&at| at < first)
            .map(|&at| match self.releases[at] {
                Since::Release(version) => version.to_string(),
                _ => "unreleased".to_owned(),
            })
            .collect();
        (Span { since, until }, outside)
    }

    /// The proposals for every message and field the readings found, in spec order.
    pub fn proposals(&self) -> Vec<Proposal> {
        let all: Seen = (0..self.releases.len()).collect();
        let mut proposals = Vec::new();
        for message in &self.ir.messages {
            let Some(seen) = self.presence.messages.get(&message.webhook_type) else { continue };
            // A message the floor sends has no `since`: the first reading is the floor.
            let (history, outside) = self.span(seen, &all);
            proposals.push(Proposal {
                item: format!("message {}", message.webhook_type),
                field: None,
                history,
                spec: Span { since: message.since, until: message.until },
                outside,
            });
        }
        for id in self.ir.object_ids() {
            let object = self.ir.object(id);
            let Some(places) = self.presence.objects.get(&id) else { continue };
            for (position, field) in object.fields.iter().enumerate() {
                let Some(sent) = self.presence.fields.get(&(id, position)) else { continue };
                // Each place the object is sent at that ever carried the key. A field the
                // spec requires is sent from the latest start on (a pinned type makes it
                // plain only where every place sends it); an optional one from the
                // earliest. It stopped at the latest end when every place stopped.
                let required = !self.optional.contains(&format!("{}.{}", object.name, field.json_name));
                let mut spans = Vec::new();
                let mut outside = BTreeSet::new();
                for (place, whole) in places {
                    let Some(seen) = sent.get(place) else { continue };
                    let (span, early) = self.span(seen, whole);
                    spans.push(span);
                    outside.extend(early);
                }
                let until = if spans.iter().all(|span| span.until.is_some()) {
                    spans.iter().filter_map(|span| span.until).max()
                } else {
                    None
                };
                let since = if required {
                    spans.iter().map(|span| span.since).max().unwrap_or_default()
                } else {
                    let union = |places: &Places| places.values().flatten().copied().collect::<Seen>();
                    self.span(&union(sent), &union(places)).0.since
                };
                proposals.push(Proposal {
                    item: format!("field {}.{}", object.name, field.json_name),
                    field: Some((id, position)),
                    history: Span { since, until },
                    spec: Span { since: field.since, until: field.until },
                    outside: outside.into_iter().collect(),
                });
            }
        }
        proposals
    }

    /// The releases in which a message's serializer differs from the one of the release
    /// before that sent it (releases of the spec's range only).
    pub fn switches(&self) -> Vec<Switch> {
        let mut switches = Vec::new();
        for (webhook_type, shapes) in &self.presence.shapes {
            for pair in shapes.windows(2) {
                let [before, after] = pair else { continue };
                let Since::Release(release) = self.releases[after.at] else { continue };
                if before.serializer.is_some()
                    && after.serializer.is_some()
                    && before.serializer != after.serializer
                {
                    let (removed, added) = super::tree::diff(&before.paths, &after.paths);
                    switches.push(Switch { webhook_type: webhook_type.clone(), release, added, removed });
                }
            }
        }
        switches.sort_by(|a, b| (a.release, &a.webhook_type).cmp(&(b.release, &b.webhook_type)));
        switches
    }

    /// Whether `release` sent `webhook_type` with other keys or by another serializer than
    /// the release before that sent it.
    pub fn reshaped(&self, webhook_type: &str, release: LagoVersion) -> bool {
        let Some(shapes) = self.presence.shapes.get(webhook_type) else { return false };
        shapes.windows(2).any(|pair| {
            let [before, after] = pair else { return false };
            self.releases[after.at] == Since::Release(release)
                && (before.serializer != after.serializer || before.paths != after.paths)
        })
    }

    /// Fields of objects the readings found whose key no release sent.
    pub fn never_sent(&self) -> Vec<String> {
        let mut never = Vec::new();
        for id in self.ir.object_ids() {
            let object = self.ir.object(id);
            if !self.presence.objects.contains_key(&id) {
                continue;
            }
            for (position, field) in object.fields.iter().enumerate() {
                if !self.presence.fields.contains_key(&(id, position)) {
                    never.push(format!("{}.{}", object.name, field.json_name));
                }
            }
        }
        never
    }

    /// Keys some release sent that the spec has no field for, with the span they were sent.
    pub fn unknown(&self) -> Vec<(String, Span)> {
        let all: Seen = (0..self.releases.len()).collect();
        self.presence
            .unknown
            .iter()
            .map(|(key, seen)| {
                let (span, _) = self.span(seen, &all);
                (key.clone(), span)
            })
            .collect()
    }
}

/// `history --spec FILE [--write]`: prints what disagrees and, with `--write`, writes the
/// history's spans into the spec. `Ok(true)` when the spec agrees (or was written).
pub fn run(args: &super::Args, path: &std::path::Path) -> Result<bool, String> {
    let source = SpecSource::read(path).map_err(|errors| errors.to_string())?;
    let spec = source.parse().map_err(|errors| errors.to_string())?;
    let ir = lago_webhooks_codegen::resolve(&source, None).map_err(|errors| errors.to_string())?;
    let Some(releases) = &spec.releases else {
        return Err(format!("{} has no `releases` record: its floor and latest release", path.display()));
    };
    let parse = |text: &str| text.parse::<LagoVersion>().map_err(|error| error.to_string());
    let (floor, latest) = (parse(&releases.floor)?, parse(&releases.latest)?);
    let readings: Vec<ReleaseReading> = super::run(args)?
        .into_iter()
        .filter(|reading| reading.release.version.is_none_or(|version| version >= floor))
        .collect();
    let counts: Vec<Since> = readings
        .iter()
        .map(|reading| match reading.release.version {
            Some(version) if version <= latest => Since::Release(version),
            _ => Since::Unreleased,
        })
        .collect();
    if counts.first() != Some(&Since::Release(floor)) {
        return Err(format!("the repository has no release tag of the spec's floor {floor}"));
    }
    if let Some(dir) = &args.fixtures {
        let mut chosen = Vec::new();
        for tag in &args.at {
            let position = readings.iter().position(|reading| &reading.release.tag == tag);
            chosen.push(position.ok_or_else(|| format!("--at {tag}: no such release from the floor on"))?);
        }
        let chosen: Vec<ReleaseReading> = readings
            .into_iter()
            .enumerate()
            .filter(|(at, _)| chosen.contains(at))
            .map(|(_, reading)| reading)
            .collect();
        for (tag, count) in super::fixtures::write(&ir, &chosen, dir)? {
            out!("{tag}: {count} payloads");
        }
        return Ok(true);
    }
    let matched = Matched::new(&ir, &spec, &readings, counts);
    let proposals = matched.proposals();
    let differing: Vec<&Proposal> = proposals.iter().filter(|proposal| !proposal.agrees()).collect();
    let head = readings.last().map(|reading| reading.release.commit.as_str()).unwrap_or_default();
    out!(
        "read {} releases of lago-api, {floor} to {latest}, and {} (later commits: unreleased)",
        readings.len() - 1,
        head.get(..10).unwrap_or(head)
    );
    for proposal in &differing {
        out!(
            "{}  {}: history {}, spec {}",
            paint("differs", Tone::Bad),
            proposal.item,
            proposal.history.describe(),
            proposal.spec.describe()
        );
    }
    let outside = proposals.iter().filter(|proposal| !proposal.outside.is_empty()).count();
    let never = matched.never_sent();
    let unknown = matched.unknown();
    out!(
        "{} of {} messages and fields agree; {} also sent by releases before their span; {} fields no \
         release sent; {} keys sent that the spec has no field for",
        proposals.len() - differing.len(),
        proposals.len(),
        outside,
        never.len(),
        unknown.len()
    );
    for proposal in proposals.iter().filter(|proposal| !proposal.outside.is_empty()) {
        out!(
            "{}  {}: also sent by {}",
            paint("early", Tone::Note),
            proposal.item,
            proposal.outside.join(", ")
        );
    }
    if !never.is_empty() {
        out!("{}  no release sent: {}", paint("unread", Tone::Note), never.join(", "));
    }
    for (key, span) in &unknown {
        out!("{}  {key}, {}: no field in the spec", paint("unknown", Tone::Note), span.describe());
    }
    // Serializer switches, which the spec records as changes of the message.
    let switches = matched.switches();
    let unrecorded: Vec<&Switch> = switches
        .iter()
        .filter(|switch| {
            let message = ir.messages.iter().find(|m| m.webhook_type == switch.webhook_type);
            !message.is_some_and(|m| m.changes.iter().any(|change| change.release == switch.release))
        })
        .collect();
    for switch in &unrecorded {
        out!(
            "{}  message {}: another serializer from {} on, which the spec records as no change",
            paint("differs", Tone::Bad),
            switch.webhook_type,
            switch.release
        );
    }
    let mut unfounded = 0;
    for message in &ir.messages {
        for change in
            message.changes.iter().filter(|change| !matched.reshaped(&message.webhook_type, change.release))
        {
            unfounded += 1;
            out!(
                "{}  message {}: the spec records a change in {}, where its keys and serializer stayed",
                paint("differs", Tone::Bad),
                message.webhook_type,
                change.release
            );
        }
    }
    out!(
        "{} of {} serializer switches recorded as changes",
        switches.len() - unrecorded.len(),
        switches.len()
    );
    let agrees = differing.is_empty() && unrecorded.is_empty() && unfounded == 0;
    if agrees || !args.write {
        return Ok(agrees);
    }
    let mut file = SpecFile::read(path)?;
    write(&mut file, &ir, &differing)?;
    for switch in &unrecorded {
        let message = file.messages.iter_mut().find(|m| m.webhook_type == switch.webhook_type);
        let message =
            message.ok_or_else(|| format!("the spec file has no message {}", switch.webhook_type))?;
        message.changes.push(MessageChange {
            release: switch.release.to_string(),
            description: switch.describe(),
            breaking: !switch.removed.is_empty(),
        });
        message.changes.sort_by_key(|change| change.release.parse::<LagoVersion>().ok());
    }
    file.ensure_valid(&path.display().to_string())?;
    file.write(path)?;
    out!("{} span(s) and {} change(s) written to {}", differing.len(), unrecorded.len(), path.display());
    Ok(true)
}

/// Writes the history's spans of `proposals` into the spec file.
fn write(file: &mut SpecFile, ir: &Ir, proposals: &[&Proposal]) -> Result<(), String> {
    let text = |span: &Span| {
        let since = match span.since {
            Since::Always => None,
            Since::Release(version) => Some(version.to_string()),
            Since::Unreleased => Some("unreleased".to_owned()),
        };
        (since, span.until.map(|until| until.to_string()))
    };
    for proposal in proposals {
        let (since, until) = text(&proposal.history);
        let missing = || format!("the spec file has no {} to write into", proposal.item);
        match proposal.field {
            None => {
                let webhook_type = proposal.item.trim_start_matches("message ");
                let message =
                    file.messages.iter_mut().find(|m| m.webhook_type == webhook_type).ok_or_else(missing)?;
                (message.since, message.until) = (since, until);
            }
            Some((id, index)) => {
                let object = ir.object(id);
                let json_name = &object.fields[index].json_name;
                let field = file
                    .objects
                    .iter_mut()
                    .find(|o| type_name(&o.name) == object.name)
                    .and_then(|o| o.fields.iter_mut().find(|f| &f.name == json_name))
                    .ok_or_else(missing)?;
                (field.since, field.until) = (since, until);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::git::Release;
    use super::super::read::{Message, Reading};
    use super::*;

    /// A release reading: `tag`, and for each message its serializer and keys.
    fn reading(tag: &str, messages: &[(&str, &str, Value)]) -> ReleaseReading {
        let messages = messages
            .iter()
            .map(|(webhook_type, serializer, keys)| {
                let payload_key = webhook_type.split('.').next().unwrap_or_default().to_owned();
                let message = Message {
                    object_type: payload_key.clone(),
                    payload_key,
                    serializer: Some((*serializer).to_owned()),
                    keys: Shape::from_json(keys),
                };
                ((*webhook_type).to_owned(), message)
            })
            .collect();
        let release = Release {
            tag: tag.to_owned(),
            version: super::super::git::version(tag),
            commit: tag.to_owned(),
            date: String::new(),
        };
        ReleaseReading { release, reading: Reading { messages, unread: Default::default() } }
    }

    #[test]
    fn spans_date_fields_from_where_every_place_sends_them_and_switches_are_found() {
        let spec = json!({
            "format_version": 1, "title": "t",
            "messages": [
                {"webhook_type": "invoice.created", "object_type": "invoice", "payload_key": "invoice",
                 "payload": "Invoice", "title": "I", "description": "d"},
                {"webhook_type": "fee.created", "object_type": "fee", "payload_key": "fee",
                 "payload": "Fee", "title": "F", "description": "d"}
            ],
            "objects": [
                {"name": "Invoice", "description": "d", "fields": [
                    {"name": "lago_id", "type": "id", "description": "d"},
                    {"name": "note", "type": "string", "optional": true, "description": "d"},
                    {"name": "legacy", "type": "string", "optional": true, "description": "d"},
                    {"name": "fees", "type": "Fee[]", "optional": true, "description": "d"}
                ]},
                {"name": "Fee", "description": "d", "fields": [
                    {"name": "type", "type": "string", "description": "d"},
                    {"name": "amount", "type": "integer", "description": "d"}
                ]}
            ],
            "releases": {"floor": "1.0.0", "latest": "1.3.0"}
        });
        let source = SpecSource::new("t.json", spec.to_string());
        let parsed = source.parse().unwrap();
        let ir = lago_webhooks_codegen::resolve(&source, None).unwrap();
        let old_invoice = json!({"lago_id": null, "legacy": null, "fees": [{"type": null}]});
        let new_invoice = json!({"lago_id": null, "note": null, "fees": [{"type": null, "amount": null}]});
        let plain_invoice = json!({"lago_id": null, "fees": [{"type": null, "amount": null}]});
        let fee = json!({"type": null, "amount": null});
        let readings = vec![
            reading(
                "v1.0.0",
                &[("invoice.created", "I", old_invoice.clone()), ("fee.created", "A", fee.clone())],
            ),
            reading("v1.1.0", &[("invoice.created", "I", old_invoice), ("fee.created", "A", fee.clone())]),
            // A patch release cut later from another line: it sends `note` early.
            reading(
                "v1.1.1",
                &[("invoice.created", "I", new_invoice.clone()), ("fee.created", "A", fee.clone())],
            ),
            reading("v1.2.0", &[("invoice.created", "I", plain_invoice), ("fee.created", "B", fee.clone())]),
            reading(
                "v1.3.0",
                &[("invoice.created", "I", new_invoice.clone()), ("fee.created", "B", fee.clone())],
            ),
            reading("HEAD", &[("invoice.created", "I", new_invoice), ("fee.created", "B", fee)]),
        ];
        let releases =
            readings.iter().map(|r| r.release.version.map_or(Since::Unreleased, Since::Release)).collect();
        let matched = Matched::new(&ir, &parsed, &readings, releases);
        let proposals = matched.proposals();
        let find = |item: &str| proposals.iter().find(|p| p.item == item).unwrap_or_else(|| panic!("{item}"));
        let v = |text: &str| text.parse::<LagoVersion>().unwrap();
        // Required in the fees of an invoice only from 1.1.1 on, though `fee.created` always
        // sent it: a type pinned before 1.1.1 must not require it.
        assert_eq!(find("field Fee.amount").history, Span { since: Since::Release(v("1.1.1")), until: None });
        // Optional, sent early by 1.1.1 and then from 1.3.0 on.
        let note = find("field Invoice.note");
        assert_eq!(note.history, Span { since: Since::Release(v("1.3.0")), until: None });
        assert_eq!(note.outside, ["1.1.1"]);
        assert_eq!(
            find("field Invoice.legacy").history,
            Span { since: Since::Always, until: Some(v("1.1.0")) }
        );
        assert_eq!(find("field Invoice.lago_id").history.describe(), "always");
        assert!(find("field Invoice.lago_id").agrees());
        assert!(!find("field Fee.amount").agrees(), "the spec dates nothing");
        // `fee.created` is built by another serializer from 1.2.0 on, with the same keys.
        let switches = matched.switches();
        assert_eq!(switches.len(), 1, "{switches:?}");
        assert_eq!((switches[0].webhook_type.as_str(), switches[0].release), ("fee.created", v("1.2.0")));
        assert!(switches[0].added.is_empty() && switches[0].removed.is_empty());
        assert!(matched.reshaped("invoice.created", v("1.1.1")));
        assert!(!matched.reshaped("fee.created", v("1.3.0")));
    }
}
