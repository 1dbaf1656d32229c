//! `check`: every problem of a spec at once, then each payload file validated against it.

use std::path::PathBuf;

use lago_webhooks::{Validate, WebhookEvent};
use lago_webhooks_codegen::{Settings, generate};

use crate::output::{Tone, paint};
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
    let mut clean = true;
    match generate(&source, &Settings::default()) {
        Ok(_) => println!("{} {}", paint("ok", Tone::Good), source.file),
        Err(errors) => {
            clean = false;
            for error in errors.iter() {
                println!("{}: {error}\n", paint("error", Tone::Bad));
            }
            println!("{}: {} problem(s)", source.file, errors.len());
        }
    }
    if args.payloads.is_empty() {
        return Ok(clean);
    }
    // Payloads are checked with the types compiled into this command: the bundled spec's.
    if args.spec.spec.is_some() && source.text != spec::BUNDLED {
        return Err("payloads can be checked against the bundled spec only; leave out --spec".to_owned());
    }
    for path in &args.payloads {
        let body = std::fs::read(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        match WebhookEvent::from_slice(&body) {
            Err(err) => {
                clean = false;
                println!(
                    "{}: {}:{}:{}: {err}",
                    paint("error", Tone::Bad),
                    path.display(),
                    err.line(),
                    err.column()
                );
            }
            Ok(event) => match event.validate() {
                Ok(()) => {
                    println!("{} {} ({})", paint("ok", Tone::Good), path.display(), event.webhook_type())
                }
                Err(violations) => {
                    clean = false;
                    println!(
                        "{} {} ({}):",
                        paint("invalid", Tone::Bad),
                        path.display(),
                        event.webhook_type()
                    );
                    for violation in violations.iter() {
                        println!("  {violation}");
                    }
                }
            },
        }
    }
    Ok(clean)
}
