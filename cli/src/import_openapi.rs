//! `import-openapi`: a spec from an OpenAPI description of webhooks, or the drift between
//! a spec and one, merged on request.

use std::path::PathBuf;

use crate::controls;
use crate::drift::{Fate, Reconciled, reconcile};
use crate::output::{Tone, out, paint};
use crate::spec_file::SpecFile;
use crate::{Outcome, openapi};

#[derive(clap::Args)]
pub struct Args {
    /// The OpenAPI description: the bundled file, or the root of the split source (its
    /// `$ref`s to other files are followed).
    file: PathBuf,
    /// The spec to compare with and merge into; a file that does not exist is written
    /// from the import alone (with --write).
    #[arg(long, value_name = "SPEC")]
    into: Option<PathBuf>,
    /// Write the merge: new messages, fields, enumeration values and alternatives are
    /// added; everything the spec already decides stays.
    #[arg(long, requires = "into")]
    write: bool,
    /// Also list the places where the spec's type is narrower than upstream's.
    #[arg(long, short)]
    verbose: bool,
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
    report(&reconciled, args.verbose);
    let breaking = reconciled.changes.iter().any(|change| change.breaking);
    if args.write {
        let merged = reconciled.changes.iter().filter(|change| change.fate == Fate::Merged).count();
        if merged > 0 {
            reconciled.merged.ensure_valid(&into.display().to_string())?;
            reconciled.merged.write(into)?;
        }
        out!("{}: {merged} change(s) merged", into.display());
        return Ok(true);
    }
    Ok(!breaking)
}

fn report(reconciled: &Reconciled, verbose: bool) {
    for change in &reconciled.changes {
        // Padded before it is painted: colour codes would count as width.
        let label = if change.breaking {
            paint(&format!("{:>8}", "breaking"), Tone::Bad)
        } else {
            paint(&format!("{:>8}", "minor"), Tone::Note)
        };
        let fate = match change.fate {
            Fate::Merged => "merged with --write",
            Fate::Kept => "the spec's kept",
        };
        out!("{label}  {} ({fate})", controls::line(&change.text));
    }
    if verbose {
        for refinement in &reconciled.refinements {
            out!("{:>8}  {}", "narrower", controls::line(refinement));
        }
    }
    let breaking = reconciled.changes.iter().filter(|change| change.breaking).count();
    match reconciled.changes.len() {
        0 => out!("no drift"),
        count => out!("{count} difference(s), {breaking} breaking"),
    }
    if !reconciled.refinements.is_empty() && !verbose {
        out!(
            "{} place(s) where the spec's type is narrower than upstream's (--verbose lists them)",
            reconciled.refinements.len()
        );
    }
}
