//! `versions`: the Lago releases a spec knows and, for each, what changed in its webhooks,
//! read from the spec's `since` and `until`; and the changes between two releases, which
//! `diff --lago-versions` reports.
//!
//! A message, field, enumeration value or union alternative with `since: X` was added in
//! X; one with `until: Y` was last sent by Y, so the release after Y removed it; a
//! message's `changes` name releases that sent it otherwise. Additions break no code
//! reading webhooks (the generated enumerations keep unknown values); removals do, for
//! code pinned to releases on both sides, and so do changes marked breaking.

use std::collections::BTreeMap;

use lago_webhooks_codegen::resolved::{Ir, Since};
use lago_webhooks_codegen::{LagoVersion, resolve};

use crate::output::{Outcome, Tone, out, paint};
use crate::spec::{SpecArg, source};

/// Arguments of `lago-webhooks versions`.
#[derive(clap::Args)]
#[command(
    after_help = "Exits with 0, or 2 when the spec cannot be read, has problems or has no releases record."
)]
pub struct Args {
    #[command(flatten)]
    spec: SpecArg,
}

/// Whether a change breaks code pinned to releases on both sides of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// First sent by the release.
    Added,
    /// Last sent by the release: the next one removed it.
    LastSent,
    /// A message the release sends otherwise (the spec's `changes`); breaking when it
    /// no longer sends keys the message had.
    Changed {
        /// Whether keys went.
        breaking: bool,
    },
}

/// One dated item of a spec: `field WalletTransaction.source`.
#[derive(Debug, Clone)]
pub struct Change {
    /// What changed, as `message T`, `field O.f`, `value E.v`, `alternative U.V`, or
    /// `message T: description` for a change of a message.
    pub item: String,
    /// Added, last sent, or changed.
    pub kind: Kind,
}

/// Every dated item of a resolved spec, by the release it names (`Unreleased` last).
pub fn dated(ir: &Ir) -> BTreeMap<Since, Vec<Change>> {
    let mut by_release: BTreeMap<Since, Vec<Change>> = BTreeMap::new();
    let mut note = |item: String, since: Since, until: Option<LagoVersion>| {
        if since != Since::Always {
            by_release.entry(since).or_default().push(Change { item: item.clone(), kind: Kind::Added });
        }
        if let Some(until) = until {
            by_release.entry(Since::Release(until)).or_default().push(Change { item, kind: Kind::LastSent });
        }
    };
    for message in &ir.messages {
        note(format!("message {}", message.webhook_type), message.since, message.until);
    }
    for object in &ir.objects {
        for field in &object.fields {
            note(format!("field {}.{}", object.name, field.json_name), field.since, field.until);
        }
    }
    for enumeration in &ir.enums {
        for value in &enumeration.values {
            note(format!("value {}.{}", enumeration.name, value.value), value.since, value.until);
        }
    }
    for union in &ir.unions {
        for variant in &union.variants {
            note(format!("alternative {}.{}", union.name, variant.variant), variant.since, variant.until);
        }
    }
    for message in &ir.messages {
        for change in &message.changes {
            let item = format!("message {}: {}", message.webhook_type, change.description);
            let kind = Kind::Changed { breaking: change.breaking };
            by_release.entry(Since::Release(change.release)).or_default().push(Change { item, kind });
        }
    }
    by_release
}

/// The changes from release `from` to release `to` (`from` before `to`): what releases
/// after `from` up to `to` added, and what `from` or a release after it sent last before
/// `to` (so `to` no longer sends it).
pub fn between(ir: &Ir, from: LagoVersion, to: LagoVersion) -> Vec<Change> {
    let mut changes = Vec::new();
    for (release, items) in dated(ir) {
        for change in items {
            let keep = match (change.kind, release) {
                (Kind::Added | Kind::Changed { .. }, Since::Release(version)) => {
                    from < version && version <= to
                }
                (Kind::LastSent, Since::Release(version)) => from <= version && version < to,
                _ => false,
            };
            if keep {
                changes.push(change);
            }
        }
    }
    changes
}

/// Runs the command.
pub fn run(args: Args) -> Outcome {
    let source = source(args.spec.spec.as_deref())?;
    let spec = source.parse().map_err(|errors| errors.to_string())?;
    let Some(releases) = &spec.releases else {
        return Err(format!("{} has no `releases` record, so it knows no release", source.file));
    };
    let ir = resolve(&source, None).map_err(|errors| errors.to_string())?;
    out!(
        "{}: releases {} (the floor: default types parse its deliveries) to {}{}",
        source.file,
        releases.floor,
        releases.latest,
        releases.read_from.as_ref().map(|from| format!("; read from {from}")).unwrap_or_default()
    );
    let sent_by = |release: Since| {
        ir.messages
            .iter()
            .filter(|message| match release {
                Since::Release(version) => {
                    message.since <= release && message.until.is_none_or(|until| version <= until)
                }
                _ => message.until.is_none(),
            })
            .count()
    };
    let floor: Option<LagoVersion> = releases.floor.parse().ok();
    if let Some(floor) = floor {
        out!("{floor}  {} webhook types", sent_by(Since::Release(floor)));
    }
    for (release, changes) in dated(&ir) {
        let (name, removed_in) = match release {
            Since::Release(version) => (version.to_string(), format!("after {version}")),
            _ => (Since::UNRELEASED.to_owned(), String::new()),
        };
        let added: Vec<&str> =
            changes.iter().filter(|c| c.kind == Kind::Added).map(|c| c.item.as_str()).collect();
        let last: Vec<&str> =
            changes.iter().filter(|c| c.kind == Kind::LastSent).map(|c| c.item.as_str()).collect();
        out!("{name}  {} webhook types", sent_by(release));
        if !added.is_empty() {
            out!("  {}  {}", paint("added", Tone::Good), added.join(", "));
        }
        for change in &changes {
            if let Kind::Changed { breaking } = change.kind {
                let label =
                    if breaking { paint("breaking", Tone::Bad) } else { paint("changed", Tone::Note) };
                out!("  {label}  {}", change.item);
            }
        }
        if !last.is_empty() {
            out!(
                "  {}  {} (last sent by {name}, so removed by the release {removed_in})",
                paint("breaking", Tone::Bad),
                last.join(", ")
            );
        }
    }
    Ok(true)
}
