//! `import-openapi`: a spec from an OpenAPI description of webhooks, or the drift between
//! a spec and one, merged and decided on request.
//!
//! The drift report is a gate: it lists what someone has to decide (new upstream things,
//! things the spec has and upstream lacks, type conflicts, and decisions the spec records
//! that no longer apply), counts in one line what the spec has already decided, and exits
//! with 1 while anything is left to decide.

use std::path::PathBuf;

use crate::controls;
use crate::drift::{BRINGING, Change, Class, Fate, Reconciled, reconcile};
use crate::openapi;
use crate::output::Outcome;
use crate::output::{Tone, out, paint};
use crate::spec_file::SpecFile;

#[derive(clap::Args)]
#[command(after_help = "Exits with 0 when the import is done and nothing is left to decide, 1 while \
something is (with --into, without --write), 2 when the description cannot be imported or a spec \
cannot be read or written.")]
pub struct Args {
    /// The OpenAPI description: the bundled file, or the root of the split source (its
    /// `$ref`s to other files are followed).
    file: PathBuf,
    /// The spec to compare with and merge into: the report lists what is left to decide
    /// (exit status 1 while anything is) and counts what the spec has decided. A file
    /// that does not exist is written from the import alone (with --write).
    #[arg(long, value_name = "SPEC")]
    into: Option<PathBuf>,
    /// Write the merge: new messages, fields, enumeration values and alternatives are
    /// added, and every other difference left to decide is recorded in the spec's `drift`
    /// as decided, so that importing again has nothing to decide; recorded decisions that
    /// no longer apply are dropped. Everything the spec already decides stays.
    #[arg(long, requires = "into")]
    write: bool,
    /// Also list the differences the spec has decided: those its `drift` records, presence
    /// (optional, nullable), and types narrower or wider than upstream's; and list each
    /// new field or value on a line of its own (by default, three or more of one object or
    /// enumeration share one line). `--verbose` and `-v` are the same.
    #[arg(long, short = 'a', visible_alias = "verbose", visible_short_alias = 'v')]
    all: bool,
    /// Print on stderr what the import did, counted (bytes scanned, nodes built and
    /// visited, references followed and looked up): how tests see that it grows in step
    /// with the description.
    #[arg(long, hide = true)]
    work: bool,
}

pub fn run(args: Args) -> Outcome {
    let mut work = openapi::Work::default();
    let imported = openapi::import(&args.file, &mut work);
    if args.work {
        eprintln!(
            "work: {} byte(s) scanned, {} node(s) built, {} visited, {} reference(s) followed, {} looked up",
            work.scanned, work.nodes, work.visited, work.references, work.lookups
        );
    }
    let upstream = match imported {
        Ok(imported) => {
            // On stderr, as the problems: what the spec says less than the description.
            for note in &imported.notes {
                eprintln!("warning: {}", controls::line(note));
            }
            imported.spec
        }
        Err(problems) => {
            // On stderr: stdout holds the spec when there is no --into.
            for problem in &problems {
                crate::output::error(&controls::line(problem));
            }
            return Err(format!(
                "{}: {} problem(s); nothing imported",
                controls::line(&args.file.display().to_string()),
                problems.len()
            ));
        }
    };
    let counts = format!(
        "{} message(s), {} object(s), {} enumeration(s), {} union(s)",
        upstream.messages.len(),
        upstream.objects.len(),
        upstream.enums.len(),
        upstream.unions.len()
    );
    // A spec the generator refuses is never written or printed; the description's path
    // names what was refused.
    let imported = format!("the import of {}", args.file.display());
    let Some(into) = &args.into else {
        // The spec alone on stdout, so that it can be redirected to a file.
        upstream.ensure_valid(&imported)?;
        eprintln!("{}: {counts}", args.file.display());
        out!("{}", upstream.to_text()?.trim_end());
        return Ok(true);
    };
    if !into.exists() {
        if !args.write {
            return Err(format!(
                "{} does not exist; add --write to create it from the import",
                into.display()
            ));
        }
        upstream.ensure_valid(&imported)?;
        upstream.write(into)?;
        out!("{} written: {counts}", into.display());
        return Ok(true);
    }
    let spec = SpecFile::read(into)?;
    if args.write {
        SpecFile::ensure_file_valid(into)?;
    }
    let reconciled = reconcile(&spec, &upstream);
    let decide = report(&reconciled, args.all);
    if args.write {
        let merged = reconciled.changes.iter().filter(|change| change.fate == Fate::Merged).count();
        let (written, recorded) = reconciled.recorded();
        let dropped = reconciled.stale.len();
        if merged + recorded + dropped > 0 {
            written.ensure_valid(&into.display().to_string())?;
            written.write(into)?;
        }
        out!(
            "{}: {merged} change(s) merged, {recorded} decision(s) recorded, {dropped} stale decision(s) dropped",
            into.display()
        );
        return Ok(true);
    }
    Ok(decide == 0)
}

/// The differences to decide as the report says them: new fields of one object, or new
/// values of one enumeration, three or more, together (a decision is usually taken for
/// them together: today, one message of Lago's description gains forty fields); every
/// other one alone, and every one alone with `--all`. In the order found.
fn groups<'c>(to_decide: &[&'c Change], all: bool) -> Vec<Vec<&'c Change>> {
    let mut groups: Vec<Vec<&Change>> = Vec::new();
    for change in to_decide {
        let same = |group: &&mut Vec<&Change>| {
            group_of(group[0]).is_some() && group_of(group[0]) == group_of(change)
        };
        match groups.iter_mut().find(same) {
            Some(group) if !all => group.push(change),
            _ => groups.push(vec![change]),
        }
    }
    // Groups too small to shorten anything are said change by change.
    let alone = |group: Vec<&'c Change>| group.into_iter().map(|change| vec![change]).collect::<Vec<_>>();
    groups.into_iter().flat_map(|group| if group.len() >= 3 { vec![group] } else { alone(group) }).collect()
}

/// What a new field or value is said with: its kind, owner and fate. None for other
/// differences, and for a new thing that brings new types, which is a decision of its own.
fn group_of(change: &Change) -> Option<(&str, &str, Fate)> {
    let (kind, owner) = change.key.as_deref().and_then(owner_of)?;
    let alike =
        change.class == Class::New && matches!(kind, "field" | "value") && !change.text.contains(BRINGING);
    alike.then_some((kind, owner, change.fate))
}

/// `("field", "Wallet")` of the key `field Wallet.applies_to`.
fn owner_of(key: &str) -> Option<(&str, &str)> {
    let (kind, rest) = key.split_once(' ')?;
    Some((kind, rest.split_once('.')?.0))
}

/// `applies_to` of the key `field Wallet.applies_to`.
fn name_of(key: &str) -> Option<&str> {
    Some(key.split_once(' ')?.1.split_once('.')?.1)
}

/// Prints the report; gives how many things are left to decide.
fn report(reconciled: &Reconciled, all: bool) -> usize {
    let label = |change: &Change| {
        // Padded before it is painted: colour codes would count as width.
        if change.breaking {
            paint(&format!("{:>8}", "breaking"), Tone::Bad)
        } else {
            paint(&format!("{:>8}", "minor"), Tone::Note)
        }
    };
    let (to_decide, decided): (Vec<&Change>, Vec<&Change>) =
        reconciled.changes.iter().partition(|change| change.to_decide());
    let fate = |change: &Change| match change.fate {
        Fate::Merged => "merged with --write",
        Fate::Kept => "recorded as decided with --write",
    };
    for group in groups(&to_decide, all) {
        match group.as_slice() {
            [change] => out!("{}  {} ({})", label(change), controls::line(&change.text), fate(change)),
            [first, ..] => {
                let (kind, owner) = first.key.as_deref().and_then(owner_of).unwrap_or_default();
                let names: Vec<String> = (group.iter())
                    .filter_map(|change| change.key.as_deref().and_then(name_of))
                    .map(|name| format!("`{}`", controls::line(name)))
                    .collect();
                let breaking = group.iter().filter(|change| change.breaking).count();
                let worst = group.iter().find(|change| change.breaking).unwrap_or(first);
                out!(
                    "{}  {} {kind}s of `{}` are new: {} ({breaking} breaking; {}; --all lists each)",
                    label(worst),
                    group.len(),
                    controls::line(owner),
                    names.join(", "),
                    fate(first)
                );
            }
            [] => {}
        }
    }
    for key in &reconciled.stale {
        out!(
            "{}  decision `{}` of the spec: no such difference any more (dropped with --write)",
            paint(&format!("{:>8}", "stale"), Tone::Note),
            controls::line(key)
        );
    }
    if all {
        for change in &decided {
            let why = match change.class {
                _ if change.recorded => "the spec's drift records it",
                Class::Presence => "presence is the spec's",
                Class::Narrower => "the spec's type is narrower",
                Class::Wider => "the spec's type takes values of upstream's kind",
                // Kept without a key: none is left so, but a label must say something.
                Class::New | Class::Removal | Class::Conflict => "the spec's",
            };
            out!("{}  {} (decided: {why})", label(change), controls::line(&change.text));
        }
    }
    let breaking = to_decide.iter().filter(|change| change.breaking).count();
    let count = to_decide.len() + reconciled.stale.len();
    match (to_decide.len(), reconciled.stale.len()) {
        (0, 0) => out!("no drift to decide"),
        (0, stale) => out!("{stale} stale decision(s) to drop"),
        (changes, 0) => out!("{changes} difference(s) to decide, {breaking} breaking"),
        (changes, stale) => {
            out!("{changes} difference(s) to decide, {breaking} breaking; {stale} stale decision(s) to drop")
        }
    }
    if !decided.is_empty() {
        let more = if all { "" } else { " (--all lists them)" };
        out!("{} difference(s) the spec has decided{more}", decided.len());
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(key: &str, text: &str) -> Change {
        Change {
            breaking: false,
            fate: Fate::Merged,
            class: Class::New,
            key: Some(key.to_owned()),
            recorded: false,
            text: text.to_owned(),
        }
    }

    #[test]
    fn three_or_more_new_fields_of_one_object_share_a_line_unless_all_are_asked() {
        let changes = [
            new("field O.a", "field `O.a` (string) is new"),
            new("field P.x", "field `P.x` (string) is new"),
            new("field O.b", "field `O.b` (string) is new"),
            new("field O.c", &format!("field `O.c` (T) is new{BRINGING}`T`")),
            new("field O.d", "field `O.d` (string) is new"),
            new("value E.v", "value `v` of `E` is new"),
        ];
        let refs: Vec<&Change> = changes.iter().collect();
        let keys = |groups: Vec<Vec<&Change>>| -> Vec<Vec<String>> {
            groups.iter().map(|g| g.iter().map(|c| c.key.clone().unwrap()).collect()).collect()
        };
        assert_eq!(
            keys(groups(&refs, false)),
            [
                vec!["field O.a", "field O.b", "field O.d"],
                vec!["field P.x"],
                vec!["field O.c"],
                vec!["value E.v"],
            ]
        );
        assert_eq!(groups(&refs, true).len(), 6);
        assert_eq!(owner_of("field Wallet.applies_to"), Some(("field", "Wallet")));
        assert_eq!(name_of("value E.a.b"), Some("a.b"));
    }
}
