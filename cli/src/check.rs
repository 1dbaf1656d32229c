//! `check`: every problem of a spec at once, then each payload file validated against it:
//! with the compiled types for the bundled spec, with the spec read at run time
//! ([`DynamicSpec`]) for any other, which reports every problem of a body at once.
//!
//! A payload is what a sender wrote: what the report quotes from it (its webhook type,
//! values in violations and parse errors) has its control characters escaped, so that a
//! payload cannot drive the terminal that shows the report.

use std::path::{Path, PathBuf};

use lago_webhooks::dynamic::DynamicSpec;
use lago_webhooks::{Validate, Violation, WebhookEvent};
use lago_webhooks_codegen::{Settings, VersionRange, generate, resolve_for};
use serde_json::Value;

use crate::controls;
use crate::output::Outcome;
use crate::output::{Tone, out, paint};
use crate::spec::{self, SpecArg};

#[derive(clap::Args)]
#[command(after_help = "Exits with 0 when the spec and every payload are sound, 1 when the spec has \
problems or a payload is invalid, 2 when a file cannot be read.")]
pub struct Args {
    #[command(flatten)]
    spec: SpecArg,
    /// Webhook bodies to parse and validate: with the types built into this command for
    /// the bundled spec, by interpreting the spec for any other.
    #[arg(value_name = "PAYLOAD", value_parser = payload_file)]
    payloads: Vec<PathBuf>,
    /// Check the payloads against the types of these Lago releases (`1.40`, `1.30..`):
    /// what some of them lack may be absent, what none of them sends is an unknown key.
    #[arg(long, value_name = "RELEASES")]
    lago_version: Option<VersionRange>,
}

/// A payload path that exists and is not a directory (a pipe such as `<(curl ...)` is
/// fine): a wrong one is a command line error, found before the spec is checked.
fn payload_file(text: &str) -> Result<PathBuf, String> {
    match std::fs::metadata(text) {
        Ok(metadata) if metadata.is_dir() => Err(format!("`{text}` is a directory")),
        Ok(_) => Ok(PathBuf::from(text)),
        Err(err) => Err(format!("cannot read `{text}`: {err}")),
    }
}

pub fn run(args: Args) -> Outcome {
    let source = spec::source(args.spec.spec.as_deref())?;
    let mut clean = true;
    match generate(&source, &Settings::default()) {
        Ok(_) => out!("{} {}", paint("ok", Tone::Good), source.file),
        Err(errors) => {
            clean = false;
            for error in errors.iter() {
                out!("{}: {error}\n", paint("error", Tone::Bad));
            }
            out!("{}: {} problem(s)", source.file, errors.len());
        }
    }
    if args.payloads.is_empty() {
        return Ok(clean);
    }
    // The bundled spec's payloads are checked with the types compiled into this command
    // (they are the unpinned ones); any other spec, or a pin, is interpreted, which needs
    // a spec the generator accepts.
    if source.text == spec::BUNDLED && args.lago_version.is_none() {
        for path in &args.payloads {
            clean &= check_compiled(path)?;
        }
        return Ok(clean);
    }
    if !clean {
        out!("{}: payloads not checked: the spec has problems", paint("error", Tone::Bad));
        return Ok(false);
    }
    let resolved = resolve_for(&source, None, args.lago_version).map_err(|errors| errors.to_string())?;
    let spec = DynamicSpec::from_resolved(resolved);
    for path in &args.payloads {
        clean &= check_interpreted(&spec, path)?;
    }
    Ok(clean)
}

/// A payload's path as a line of the report shows it.
fn shown(path: &Path) -> String {
    controls::line(&path.display().to_string()).into_owned()
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|err| format!("cannot read {}: {err}", path.display()))
}

/// Parses and validates one payload with the bundled spec's types; true when valid.
fn check_compiled(path: &Path) -> Result<bool, String> {
    let body = read(path)?;
    let event = match WebhookEvent::from_slice(&body) {
        Ok(event) => event,
        Err(err) => {
            let (line, column, err) =
                (err.line(), err.column(), controls::line(&err.to_string()).into_owned());
            out!("{}: {}:{line}:{column}: {err}", paint("error", Tone::Bad), shown(path));
            return Ok(false);
        }
    };
    // The types read a webhook type they do not know without failing (a newer Lago may
    // send one); a check says so, as it does for an interpreted spec.
    if event.known_type().is_none() {
        out!(
            "{} {} ({}): not a webhook type of the spec",
            paint("invalid", Tone::Bad),
            shown(path),
            controls::line(event.webhook_type())
        );
        return Ok(false);
    }
    match event.validate() {
        Ok(()) => {
            out!("{} {} ({})", paint("ok", Tone::Good), shown(path), controls::line(event.webhook_type()));
            Ok(true)
        }
        Err(violations) => {
            out!(
                "{} {} ({}):",
                paint("invalid", Tone::Bad),
                shown(path),
                controls::line(event.webhook_type())
            );
            for violation in violations.iter() {
                out!("  {}", controls::line(&violation.to_string()));
            }
            Ok(false)
        }
    }
}

/// A violation as one line, `pointer: message`, or the message alone when it concerns
/// the whole body (whose pointer is empty).
fn show(violation: &Violation) -> String {
    match violation.pointer() {
        "" => violation.message().to_owned(),
        _ => violation.to_string(),
    }
}

/// Checks one payload against a spec read at run time, every problem at once; true when
/// valid.
fn check_interpreted(spec: &DynamicSpec, path: &Path) -> Result<bool, String> {
    let body = read(path)?;
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(err) => {
            // serde_json reports column 0 for an error before the first character of a line.
            let (line, column) = (err.line(), err.column().max(1));
            let message = lago_webhooks_core::json::error_message(&err);
            let message = controls::line(&message).into_owned();
            out!("{}: {}:{line}:{column}: {message}", paint("error", Tone::Bad), shown(path));
            return Ok(false);
        }
    };
    let report = spec.inspect(&value);
    let webhook_type =
        controls::line(report.webhook_type.as_deref().unwrap_or("no webhook_type")).into_owned();
    if report.violations.is_empty() {
        out!("{} {} ({webhook_type})", paint("ok", Tone::Good), shown(path));
        return Ok(true);
    }
    out!("{} {} ({webhook_type}):", paint("invalid", Tone::Bad), shown(path));
    for violation in report.violations.iter() {
        out!("  {}", controls::line(&show(violation)));
    }
    Ok(false)
}
