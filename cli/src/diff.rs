//! `diff`: what changed between two specs, for the code generated from them, and the
//! semantic-versioning verdict for a crate that publishes that code.
//!
//! The policy is that of code that reads webhooks. Breaking (major): a message, object,
//! field, enumeration value or union variant removed; a type changed; a field becoming
//! optional or always present (its Rust type changes between `T` and `Option<T>`); a
//! field added that is always present (older payloads lack it); an enumeration value or
//! union variant added (the generated enums are matched exhaustively). Not breaking
//! (minor): messages, objects, enumerations and unions added, and fields added as optional
//! (code that builds payload structs field by field must add them). A field dated after
//! the spec's floor, or with an `until`, counts as optional: the types without a pin make
//! it an `Option`. Everything else (descriptions, examples, titles, lifecycle, releases,
//! constraints, rules) is a patch.
//!
//! `--lago-versions FROM TO` compares two releases of one spec instead: what the releases
//! after FROM up to TO added (minor), stopped sending or changed with a loss of keys
//! (major), from the spec's `since`, `until` and message `changes`.

use std::path::PathBuf;

use lago_webhooks_codegen::model::{EnumValue, Field, Message, Spec, UnionVariant};
use lago_webhooks_codegen::resolved::Since;
use lago_webhooks_codegen::{LagoVersion, SpecSource, resolve};

use crate::output::Outcome;
use crate::output::{Tone, out, paint};
use crate::spec::SpecArg;
use crate::versions::{self, Kind};

#[derive(clap::Args)]
#[command(after_help = "Exits with 0 when no change breaks (a minor or patch verdict), 1 when one \
does (major), 2 when a spec cannot be read or has problems: a diff of a spec the generator refuses \
means nothing.")]
pub struct Args {
    /// The spec before.
    #[arg(required_unless_present = "lago_versions")]
    old: Option<PathBuf>,
    /// The spec after.
    #[arg(required_unless_present = "lago_versions")]
    new: Option<PathBuf>,
    /// Instead of two specs, two Lago releases of one spec (`--spec`, or the bundled one):
    /// what the releases after the first up to the second added, and what they stopped
    /// sending, from the spec's `since` and `until`.
    #[arg(long, num_args = 2, value_names = ["FROM", "TO"], conflicts_with_all = ["old", "new"])]
    lago_versions: Option<Vec<LagoVersion>>,
    #[command(flatten)]
    spec: SpecArg,
}

/// How a change affects users of the generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Impact {
    Patch,
    Minor,
    Major,
}

impl Impact {
    fn word(self) -> &'static str {
        match self {
            Impact::Patch => "patch",
            Impact::Minor => "minor",
            Impact::Major => "major",
        }
    }
}

struct Changes(Vec<(Impact, String)>);

impl Changes {
    fn add(&mut self, impact: Impact, text: String) {
        self.0.push((impact, text));
    }
}

pub fn run(args: Args) -> Outcome {
    let changes = match (&args.lago_versions, &args.old, &args.new) {
        (Some(releases), _, _) => between_releases(&args, releases)?,
        (None, Some(old), Some(new)) => {
            let read = |path: &PathBuf| -> Result<Spec, String> {
                let source = SpecSource::read(path).map_err(|errors| errors.to_string())?;
                // The generator's checks first: a diff of a spec it refuses means nothing.
                resolve(&source, None).map_err(|errors| errors.to_string())?;
                source.parse().map_err(|errors| errors.to_string())
            };
            compare(&read(old)?, &read(new)?)
        }
        _ => return Err("give two spec files, or --lago-versions FROM TO".to_owned()),
    };
    for (impact, text) in &changes.0 {
        // Padded before it is painted: colour codes would count as width.
        let label = match impact {
            Impact::Major => paint(&format!("{:>8}", "breaking"), Tone::Bad),
            Impact::Minor => paint(&format!("{:>8}", "added"), Tone::Good),
            Impact::Patch => paint(&format!("{:>8}", "changed"), Tone::Note),
        };
        out!("{label}  {text}");
    }
    let verdict = changes.0.iter().map(|(impact, _)| *impact).max();
    match verdict {
        None => out!("no change"),
        Some(verdict) => out!("verdict: {} ({} change(s))", verdict.word(), changes.0.len()),
    }
    Ok(verdict != Some(Impact::Major))
}

/// The changes between two releases of one spec, from its `since` and `until`.
fn between_releases(args: &Args, releases: &[LagoVersion]) -> Result<Changes, String> {
    let [from, to] = releases else {
        return Err("--lago-versions takes two releases".to_owned());
    };
    if from >= to {
        return Err(format!("--lago-versions {from} {to}: the first release must come before the second"));
    }
    let source = crate::spec::source(args.spec.spec.as_deref())?;
    let ir = resolve(&source, None).map_err(|errors| errors.to_string())?;
    let mut changes = Changes(Vec::new());
    for change in versions::between(&ir, *from, *to) {
        match change.kind {
            Kind::Added => changes.add(Impact::Minor, change.item),
            Kind::LastSent => changes.add(Impact::Major, format!("{} no longer sent", change.item)),
            Kind::Changed { breaking: true } => changes.add(Impact::Major, change.item),
            Kind::Changed { breaking: false } => changes.add(Impact::Minor, change.item),
        }
    }
    Ok(changes)
}

/// The items of two lists matched by name: those only in the first, those in both (before,
/// after), and those only in the second, each in its list's order.
struct Paired<'a, T> {
    removed: Vec<&'a T>,
    kept: Vec<(&'a T, &'a T)>,
    added: Vec<&'a T>,
}

fn pair<'a, T>(before: &'a [T], after: &'a [T], name: impl Fn(&T) -> &str) -> Paired<'a, T> {
    let find = |list: &'a [T], wanted: &str| list.iter().find(|item| name(item) == wanted);
    let mut paired = Paired { removed: Vec::new(), kept: Vec::new(), added: Vec::new() };
    for item in before {
        match find(after, name(item)) {
            Some(now) => paired.kept.push((item, now)),
            None => paired.removed.push(item),
        }
    }
    paired.added = after.iter().filter(|item| find(before, name(item)).is_none()).collect();
    paired
}

impl<T> Paired<'_, T> {
    /// Reports each item only before as `<label> removed` (breaking) and each item only
    /// after as `<label> added<how>`, with the impact and wording `added` gives it.
    fn report(
        &self,
        changes: &mut Changes,
        label: impl Fn(&T) -> String,
        added: impl Fn(&T) -> (Impact, &'static str),
    ) {
        for item in &self.removed {
            changes.add(Impact::Major, format!("{} removed", label(item)));
        }
        for item in &self.added {
            let (impact, how) = added(item);
            changes.add(impact, format!("{} added{how}", label(item)));
        }
    }
}

/// New messages, objects, enumerations and unions break no code reading webhooks.
fn a_new_type<T>(_: &T) -> (Impact, &'static str) {
    (Impact::Minor, "")
}

/// Whether types without a version pin make `field` optional for its releases: it came
/// after the spec's floor, or a release stopped sending it.
fn dated(field: &Field, spec: &Spec) -> bool {
    let floor = spec.releases.as_ref().and_then(|releases| releases.floor.parse::<LagoVersion>().ok());
    let late = match field.since.as_deref().map(Since::parse) {
        None | Some(Ok(Since::Always)) => false,
        Some(Ok(Since::Release(since))) => floor.is_none_or(|floor| since > floor),
        Some(_) => true,
    };
    late || field.until.is_some()
}

fn compare(old: &Spec, new: &Spec) -> Changes {
    let mut changes = Changes(Vec::new());
    // Messages, by webhook type.
    let messages = pair(&old.messages, &new.messages, |m| &m.webhook_type);
    messages.report(&mut changes, |m| format!("message `{}`", m.webhook_type), a_new_type);
    let shape = |m: &Message| (m.payload.clone(), m.payload_key.clone(), m.object_type.clone());
    for (before, _) in messages.kept.iter().filter(|(before, after)| shape(before) != shape(after)) {
        changes.add(Impact::Major, format!("message `{}` changed its payload", before.webhook_type));
    }
    let releases = |m: &Message| (m.since.clone(), m.until.clone(), m.changes.clone());
    for (before, _) in messages.kept.iter().filter(|(before, after)| releases(before) != releases(after)) {
        changes.add(Impact::Patch, format!("message `{}`: releases", before.webhook_type));
    }
    // Objects and their fields.
    let objects = pair(&old.objects, &new.objects, |o| &o.name);
    objects.report(&mut changes, |o| format!("object `{}`", o.name), a_new_type);
    for (object, now) in objects.kept {
        let fields = pair(&object.fields, &now.fields, |f| &f.name);
        // A field always present is one older payloads lack.
        fields.report(
            &mut changes,
            |f| format!("field `{}.{}`", object.name, f.name),
            |f| {
                if f.optional || f.nullable || dated(f, new) {
                    (Impact::Minor, "")
                } else {
                    (Impact::Major, ", always present")
                }
            },
        );
        for (before, after) in fields.kept {
            let dates = (dated(before, old), dated(after, new));
            compare_field(&mut changes, &object.name, (before, after), dates);
        }
        if object.description != now.description {
            changes.add(Impact::Patch, format!("object `{}`: description", object.name));
        }
        if format!("{:?}", object.rules) != format!("{:?}", now.rules) {
            changes.add(Impact::Patch, format!("object `{}`: validation rules", object.name));
        }
    }
    // Enumerations and their values: a new value is a new variant of an exhaustive enum.
    let enums = pair(&old.enums, &new.enums, |e| &e.name);
    enums.report(&mut changes, |e| format!("enumeration `{}`", e.name), a_new_type);
    for (enumeration, now) in enums.kept {
        let values = pair(&enumeration.values, &now.values, |v| &v.value);
        let label = |v: &EnumValue| format!("value `{}` of `{}`", v.value, enumeration.name);
        values.report(&mut changes, label, |_| (Impact::Major, " (a new variant)"));
        let worded = |(v, n): &(&EnumValue, &EnumValue)| {
            n.description != v.description || n.http_status != v.http_status
        };
        if enumeration.description != now.description || values.kept.iter().any(worded) {
            let text = format!("enumeration `{}`: descriptions or statuses", enumeration.name);
            changes.add(Impact::Patch, text);
        }
    }
    // Unions and their variants, matched exhaustively too.
    let unions = pair(&old.unions, &new.unions, |u| &u.name);
    unions.report(&mut changes, |u| format!("union `{}`", u.name), a_new_type);
    for (union, now) in unions.kept {
        let variants = pair(&union.variants, &now.variants, |v| &v.name);
        let label = |v: &UnionVariant| format!("variant `{}` of `{}`", v.name, union.name);
        variants.report(&mut changes, label, |_| (Impact::Major, ""));
        for (variant, _) in variants.kept.iter().filter(|(before, after)| before.ty != after.ty) {
            changes.add(Impact::Major, format!("{} changed type", label(variant)));
        }
    }
    if old
        .messages
        .iter()
        .zip(&new.messages)
        .any(|(a, b)| a.example != b.example || a.description != b.description)
    {
        changes.add(Impact::Patch, "message examples or descriptions".to_owned());
    }
    changes
}

/// The changes of one field; `dated` says, before and after, whether its releases make it
/// optional in the types without a pin.
fn compare_field(
    changes: &mut Changes,
    object: &str,
    (before, after): (&Field, &Field),
    dated: (bool, bool),
) {
    let name = format!("`{object}.{}`", before.name);
    if before.ty != after.ty {
        changes
            .add(Impact::Major, format!("field {name} changed type from `{}` to `{}`", before.ty, after.ty));
    }
    // Either way the Rust type changes (`T` and `Option<T>`).
    let (was, is) =
        (before.optional || before.nullable || dated.0, after.optional || after.nullable || dated.1);
    if was != is {
        let what = if is { "may now be absent or null" } else { "is now always present" };
        changes.add(Impact::Major, format!("field {name} {what}"));
    } else if (before.optional, before.nullable) != (after.optional, after.nullable) {
        changes.add(Impact::Patch, format!("field {name}: optional/nullable"));
    }
    let constraints = |f: &Field| (f.format.clone(), f.non_empty, f.minimum, f.maximum);
    if constraints(before) != constraints(after) {
        changes.add(Impact::Patch, format!("field {name}: constraints"));
    }
    if before.description != after.description {
        changes.add(Impact::Patch, format!("field {name}: description"));
    }
    if (&before.since, &before.until) != (&after.since, &after.until) {
        changes.add(Impact::Patch, format!("field {name}: releases"));
    }
}
