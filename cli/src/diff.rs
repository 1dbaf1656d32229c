//! `diff`: what changed between two specs, for the code generated from them, and the
//! semantic-versioning verdict for a crate that publishes that code.
//!
//! The policy is that of code that reads webhooks. Breaking (major): a message, object,
//! field, enumeration value or union variant removed; a type changed; a field becoming
//! optional or always present (its Rust type changes between `T` and `Option<T>`); a
//! field added that is always present (older payloads lack it); an enumeration value or
//! union variant added (the generated enums are matched exhaustively). Not breaking
//! (minor): messages, objects, enumerations and unions added, and fields added as optional
//! (code that builds payload structs field by field must add them). Everything else
//! (descriptions, examples, titles, lifecycle, constraints, rules) is a patch.

use std::collections::BTreeMap;
use std::path::PathBuf;

use lago_webhooks_codegen::SpecSource;
use lago_webhooks_codegen::model::{Field, Spec};

use crate::output::Outcome;
use crate::output::{Tone, out, paint};

#[derive(clap::Args)]
pub struct Args {
    /// The spec before.
    old: PathBuf,
    /// The spec after.
    new: PathBuf,
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
    let read = |path: &PathBuf| -> Result<Spec, String> {
        let source = SpecSource::read(path).map_err(|errors| errors.to_string())?;
        source.parse().map_err(|errors| errors.to_string())
    };
    let (old, new) = (read(&args.old)?, read(&args.new)?);
    let changes = compare(&old, &new);
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

fn compare(old: &Spec, new: &Spec) -> Changes {
    let mut changes = Changes(Vec::new());
    // Messages, by webhook type.
    fn messages(spec: &Spec) -> BTreeMap<&str, String> {
        spec.messages
            .iter()
            .map(|m| (m.webhook_type.as_str(), format!("{}|{}|{}", m.payload, m.payload_key, m.object_type)))
            .collect()
    }
    let (before, after) = (messages(old), messages(new));
    for (name, shape) in &before {
        match after.get(name) {
            None => changes.add(Impact::Major, format!("message `{name}` removed")),
            Some(now) if now != shape => {
                changes.add(Impact::Major, format!("message `{name}` changed its payload"))
            }
            Some(_) => {}
        }
    }
    for name in after.keys().filter(|name| !before.contains_key(*name)) {
        changes.add(Impact::Minor, format!("message `{name}` added"));
    }
    // Objects and their fields.
    for object in &old.objects {
        let Some(now) = new.objects.iter().find(|o| o.name == object.name) else {
            changes.add(Impact::Major, format!("object `{}` removed", object.name));
            continue;
        };
        for field in &object.fields {
            match now.fields.iter().find(|f| f.name == field.name) {
                None => changes.add(Impact::Major, format!("field `{}.{}` removed", object.name, field.name)),
                Some(after) => compare_field(&mut changes, &object.name, field, after),
            }
        }
        for field in now.fields.iter().filter(|f| !object.fields.iter().any(|o| o.name == f.name)) {
            let impact = if field.optional || field.nullable { Impact::Minor } else { Impact::Major };
            let what = if impact == Impact::Major { "added, always present" } else { "added" };
            changes.add(impact, format!("field `{}.{}` {what}", object.name, field.name));
        }
        if object.description != now.description {
            changes.add(Impact::Patch, format!("object `{}`: description", object.name));
        }
        if format!("{:?}", object.rules) != format!("{:?}", now.rules) {
            changes.add(Impact::Patch, format!("object `{}`: validation rules", object.name));
        }
    }
    for object in new.objects.iter().filter(|o| !old.objects.iter().any(|b| b.name == o.name)) {
        changes.add(Impact::Minor, format!("object `{}` added", object.name));
    }
    // Enumerations and their values.
    for enumeration in &old.enums {
        let Some(now) = new.enums.iter().find(|e| e.name == enumeration.name) else {
            changes.add(Impact::Major, format!("enumeration `{}` removed", enumeration.name));
            continue;
        };
        for value in &enumeration.values {
            if !now.values.iter().any(|v| v.value == value.value) {
                changes
                    .add(Impact::Major, format!("value `{}` of `{}` removed", value.value, enumeration.name));
            }
        }
        for value in now.values.iter().filter(|v| !enumeration.values.iter().any(|o| o.value == v.value)) {
            changes.add(
                Impact::Major,
                format!("value `{}` of `{}` added (a new variant)", value.value, enumeration.name),
            );
        }
        if enumeration.description != now.description
            || enumeration.values.iter().any(|v| {
                now.values.iter().any(|n| {
                    n.value == v.value && (n.description != v.description || n.http_status != v.http_status)
                })
            })
        {
            changes
                .add(Impact::Patch, format!("enumeration `{}`: descriptions or statuses", enumeration.name));
        }
    }
    for enumeration in new.enums.iter().filter(|e| !old.enums.iter().any(|b| b.name == e.name)) {
        changes.add(Impact::Minor, format!("enumeration `{}` added", enumeration.name));
    }
    // Unions and their variants.
    for union in &old.unions {
        let Some(now) = new.unions.iter().find(|u| u.name == union.name) else {
            changes.add(Impact::Major, format!("union `{}` removed", union.name));
            continue;
        };
        for variant in &union.variants {
            match now.variants.iter().find(|v| v.name == variant.name) {
                None => changes
                    .add(Impact::Major, format!("variant `{}` of `{}` removed", variant.name, union.name)),
                Some(after) if after.ty != variant.ty => changes.add(
                    Impact::Major,
                    format!("variant `{}` of `{}` changed type", variant.name, union.name),
                ),
                Some(_) => {}
            }
        }
        for variant in now.variants.iter().filter(|v| !union.variants.iter().any(|o| o.name == v.name)) {
            changes.add(Impact::Major, format!("variant `{}` of `{}` added", variant.name, union.name));
        }
    }
    for union in new.unions.iter().filter(|u| !old.unions.iter().any(|b| b.name == u.name)) {
        changes.add(Impact::Minor, format!("union `{}` added", union.name));
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

fn compare_field(changes: &mut Changes, object: &str, before: &Field, after: &Field) {
    let name = format!("`{object}.{}`", before.name);
    if before.ty != after.ty {
        changes
            .add(Impact::Major, format!("field {name} changed type from `{}` to `{}`", before.ty, after.ty));
    }
    // Either way the Rust type changes (`T` and `Option<T>`).
    let (was, is) = (before.optional || before.nullable, after.optional || after.nullable);
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
}
