//! `check`: every problem of a spec at once, then each payload file validated against it.

use std::path::PathBuf;

use lago_webhooks::{Validate, WebhookEvent};
use lago_webhooks_codegen::{Settings, generate};

use crate::output::{Tone, out, paint};
use crate::{Outcome, SpecArg, spec};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    spec: SpecArg,
    /// Webhook bodies to parse and validate (with the bundled spec's types).
    #[arg(value_name = "PAYLOAD")]
    payloads: Vec<PathBuf>,
}

pub fn run(args: Args) -> Outcome {
    let source = spec::source(args.spec.spec.as_deref())?;
    // Payloads are checked with the types compiled into this command: the bundled spec's.
    if !args.payloads.is_empty() && source.text != spec::BUNDLED {
        let message = "payloads can be checked against the bundled spec only; leave out --spec";
        clap::Error::raw(clap::error::ErrorKind::ArgumentConflict, format!("{message}\n")).exit();
    }
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
    for path in &args.payloads {
        let body = std::fs::read(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        match WebhookEvent::from_slice(&body) {
            Err(err) => {
                clean = false;
                out!(
                    "{}: {}:{}:{}: {err}",
                    paint("error", Tone::Bad),
                    path.display(),
                    err.line(),
                    err.column()
                );
            }
            Ok(event) => match event.validate() {
                Ok(()) => {
                    out!("{} {} ({})", paint("ok", Tone::Good), path.display(), event.webhook_type())
                }
                Err(violations) => {
                    clean = false;
                    out!("{} {} ({}):", paint("invalid", Tone::Bad), path.display(), event.webhook_type());
                    for violation in violations.iter() {
                        out!("  {violation}");
                    }
                }
            },
        }
    }
    Ok(clean)
}
