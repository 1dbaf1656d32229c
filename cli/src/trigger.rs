//! `trigger`: POST the example of webhook types to an endpoint, with Lago's headers,
//! signed as Lago signs, under a fresh unique key each. The examples are the bundled
//! spec's, or those of `--spec FILE`; the endpoint is `http://` or `https://`.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use lago_webhooks::verify::{HmacKey, JwtSigner};
use lago_webhooks_codegen::resolved::Ir;
use lago_webhooks_codegen::{VersionRange, resolve_for};

use crate::output::{Outcome, Tone, out, paint};
use crate::send::{Sender, Signer};
use crate::spec::SpecArg;

#[derive(clap::Args)]
pub struct Args {
    /// Webhook types to send (default: every type of the spec).
    #[arg(value_name = "TYPE")]
    types: Vec<String>,
    /// The endpoint: `http://host:port/path` or `https://host/path`.
    #[arg(long, value_parser = crate::send::endpoint)]
    url: http::Uri,
    /// Sign with this HMAC key; also read from the environment, so that it need not be
    /// on a command line other users of the machine can read.
    #[arg(long, value_name = "KEY", env = "LAGO_HMAC_KEY", hide_env_values = true)]
    hmac_key: Option<String>,
    /// Sign JWTs with this RSA private key (a PEM file) instead of HMAC.
    #[arg(long, value_name = "PEM", requires = "issuer")]
    jwt_key: Option<PathBuf>,
    /// The issuer the JWTs name (Lago's API URL).
    #[arg(long, value_name = "URL")]
    issuer: Option<String>,
    /// Send this file's content instead of the examples (once): a body `listen --record`
    /// kept, or one saved from its page.
    #[arg(long, value_name = "FILE", conflicts_with = "types")]
    payload: Option<PathBuf>,
    /// Send each example as these Lago releases shape it (`1.9.0`, `1.40`, `1.30..`):
    /// without the keys none of them sends, and no type none of them sends.
    #[arg(long, value_name = "VERSION", conflicts_with = "payload")]
    lago_version: Option<VersionRange>,
    /// Also trust the certificate authorities of this PEM file for `https://` endpoints
    /// (a local authority's, such as mkcert's), besides the system's.
    #[arg(long, value_name = "PEM")]
    cacert: Option<PathBuf>,
    #[command(flatten)]
    spec: SpecArg,
}

/// A key Lago could have: not empty, no surrounding whitespace. Checked here rather than
/// by clap, whose refusal quotes the value: a key must not reach a terminal or a CI log.
fn hmac_key(text: &str) -> Result<HmacKey, String> {
    if text.trim().is_empty() || text.trim() != text {
        return Err(
            "the HMAC key (--hmac-key or LAGO_HMAC_KEY) is empty or has surrounding whitespace".to_owned()
        );
    }
    Ok(HmacKey::new(text))
}

pub fn run(args: Args) -> Outcome {
    // JWT when its key is given (the HMAC key may come from the environment regardless).
    let signer = match (&args.jwt_key, &args.issuer, &args.hmac_key) {
        (Some(pem), Some(issuer), _) => {
            let pem = std::fs::read_to_string(pem)
                .map_err(|err| format!("cannot read {}: {err}", pem.display()))?;
            Signer::Jwt(JwtSigner::new(&pem, issuer.clone()).map_err(|err| err.to_string())?)
        }
        (None, _, Some(key)) => Signer::Hmac(hmac_key(key)?),
        _ => return Err("give --hmac-key (or set LAGO_HMAC_KEY), or --jwt-key with --issuer".to_owned()),
    };
    // Bytes as they are: a recorded or saved body is sent again byte for byte, even one
    // that is not UTF-8 (the endpoint's refusal is then what trigger shows).
    let bodies: Vec<(String, Bytes)> = match &args.payload {
        Some(file) => {
            let body = std::fs::read(file).map_err(|err| format!("cannot read {}: {err}", file.display()))?;
            vec![(file.display().to_string(), Bytes::from(body))]
        }
        None => examples(&args)?.into_iter().map(|(name, body)| (name, Bytes::from(body))).collect(),
    };
    let sender = match &args.cacert {
        Some(pem) => Sender::with_roots(Some(pem))?,
        None => Sender::new()?,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start: {err}"))?;
    let run = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
    let (mut all_delivered, mut unanswered) = (true, 0);
    let count = bodies.len();
    for (index, (name, body)) in bodies.into_iter().enumerate() {
        let headers = signer.headers(&body, &format!("trigger-{run}-{index}"))?;
        // One delivery failing to arrive does not stop the others.
        let (status, delivered, text) = match runtime.block_on(sender.post(&args.url, &headers, body)) {
            Ok(answer) => (answer.status.to_string(), answer.delivered(), answer.body),
            Err(err) => {
                unanswered += 1;
                ("-".to_owned(), false, err)
            }
        };
        all_delivered &= delivered;
        let status = paint(&status, if delivered { Tone::Good } else { Tone::Bad });
        // The answer is the endpoint's text: a terminal shows it, escaped, on one line.
        let text = crate::controls::line(text.trim());
        out!("{:<44} {:<4} {status} {text}", crate::controls::line(&name), signer.algorithm().as_str());
    }
    // An answer that refuses is what trigger is there to show (1); no answer at all means
    // it could not do its job (2).
    if unanswered > 0 {
        return Err(format!("{unanswered} of {count} deliveries got no answer from {}", args.url));
    }
    Ok(all_delivered)
}

/// The examples to send: of the types asked for (every type by default), in the spec's
/// order, shaped by the releases of `--lago-version` when given.
fn examples(args: &Args) -> Result<Vec<(String, String)>, String> {
    let source = crate::spec::source(args.spec.spec.as_deref())?;
    let invalid = |errors: lago_webhooks_codegen::SpecErrors| {
        format!("{} has {} problem(s); `check --spec` lists them", source.file, errors.0.len())
    };
    let ir = resolve_for(&source, None, None).map_err(invalid)?;
    for name in &args.types {
        if !ir.messages.iter().any(|message| &message.webhook_type == name) {
            return Err(format!(
                "`{}` is not a webhook type of {}",
                crate::controls::line(name),
                source.file
            ));
        }
    }
    let chosen = ir.messages.iter().filter(|m| args.types.is_empty() || args.types.contains(&m.webhook_type));
    let bodies: Vec<(String, String)> =
        chosen.map(|message| (message.webhook_type.clone(), message.example_or_bare())).collect();
    match args.lago_version {
        Some(range) => {
            let pinned = resolve_for(&source, None, Some(range)).map_err(invalid)?;
            shaped(&pinned, bodies, range)
        }
        None => Ok(bodies),
    }
}

/// The examples as the releases `range` shape them (`pinned`, the spec resolved for
/// them); a type none of them sends is left out, with a line saying so.
fn shaped(
    pinned: &Ir,
    bodies: Vec<(String, String)>,
    range: VersionRange,
) -> Result<Vec<(String, String)>, String> {
    let mut shaped = Vec::with_capacity(bodies.len());
    for (name, body) in bodies {
        match pinned.messages.iter().find(|message| message.webhook_type == name) {
            Some(message) => shaped.push((name, crate::shape::example(pinned, message, &body)?)),
            None => {
                out!("{name:<44} {}", paint(&format!("skipped: Lago {range} does not send it"), Tone::Note))
            }
        }
    }
    Ok(shaped)
}
