//! `listen`: a local endpoint for development. It is the runtime's [`Receiver`] plus
//! printing: each delivery goes through the receiver once (verified, parsed, deduplicated,
//! answered), and what the receiver accepted is printed, validated, as one block with the
//! answer.
//!
//! Deliveries are parsed with the types compiled into this command, the bundled spec's;
//! with `--spec`, with that spec read at run time ([`DynamicSpec`]), whose receiver
//! answers as the one generated from it would.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use http::{HeaderMap, StatusCode};
use lago_webhooks::dedup::Deduplicate;
use lago_webhooks::dynamic::{DynamicEvent, DynamicHandler, DynamicSpec};
use lago_webhooks::receiver::Receiver;
use lago_webhooks::verify::Verifier;
use lago_webhooks::{
    AsyncWebhookHandler, Delivery, Dispatch, HandlerResult, Received, Validate, Violations, WebhookEvent,
};
use serde_json::Value;

use crate::output::{Tone, out, paint};
use crate::spec;
#[derive(clap::Args)]
pub struct Args {
    /// The port on 127.0.0.1 (0 picks a free one, printed at start).
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// The path deliveries are posted to.
    #[arg(long, default_value = "/webhooks", value_parser = route_path)]
    path: String,
    /// Accept HMAC signatures made with this key.
    #[arg(long, value_name = "KEY")]
    hmac_key: Option<String>,
    /// Accept JWT signatures checked with Lago's public key (a PEM file, or Base64 of a
    /// PEM as Lago's API returns it).
    #[arg(long, value_name = "FILE", requires = "issuer")]
    public_key: Option<std::path::PathBuf>,
    /// The issuer the JWTs must name (Lago's API URL).
    #[arg(long, value_name = "URL", requires = "public_key")]
    issuer: Option<String>,
    /// Check deliveries against this spec file instead of the types built into this
    /// command (the bundled spec's). The spec is interpreted as it is read, so any spec
    /// `check` accepts works; a delivery is answered as a receiver generated from it
    /// would answer: 400 for a body its types cannot parse, 200 otherwise, with every
    /// problem printed.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Handle deliveries without an `X-Lago-Unique-Key` (Lago always sends one) every time
    /// they come, instead of refusing them with 400 as by default.
    #[arg(long)]
    allow_missing_unique_key: bool,
}

/// A plain path for the endpoint: `/` then segments without route parameters.
fn route_path(text: &str) -> Result<String, String> {
    if text.starts_with('/') && !text.contains([':', '*', '{', '}', '?', '#', ' ']) {
        Ok(text.to_owned())
    } else {
        Err(format!("`{text}` is not a plain path such as /webhooks"))
    }
}

/// Accepts everything: `listen` prints deliveries, it does not act on them.
struct Accept;

impl AsyncWebhookHandler for Accept {}

impl DynamicHandler for Accept {
    async fn handle(&self, _: DynamicEvent, _: &Delivery) -> HandlerResult {
        Ok(())
    }
}

pub fn run(args: Args) -> crate::output::Outcome {
    let mut verifier = Verifier::new();
    if let Some(key) = &args.hmac_key {
        verifier = verifier.with_hmac(key.clone()).map_err(|err| err.to_string())?;
    }
    if let (Some(path), Some(issuer)) = (&args.public_key, &args.issuer) {
        let key =
            std::fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        verifier = verifier.with_jwt(&key, issuer.clone()).map_err(|err| err.to_string())?;
    }
    if args.hmac_key.is_none() && args.public_key.is_none() {
        return Err("give --hmac-key, or --public-key with --issuer, to verify deliveries".to_owned());
    }
    let spec = match &args.spec {
        Some(path) => read_spec(path)?,
        None => None,
    };
    let require_key = !args.allow_missing_unique_key;
    let router = match spec {
        None => route(&args.path, Receiver::new(verifier, Accept).with_required_unique_key(require_key)),
        Some(spec) => {
            route(&args.path, spec.receiver(verifier, Accept).with_required_unique_key(require_key))
        }
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|err| err.to_string())?;
    runtime.block_on(serve(args.port, &args.path, router))
}

/// The spec at `path`, read at run time; `None` for the bundled spec's text, whose types
/// are compiled in.
fn read_spec(path: &std::path::Path) -> Result<Option<DynamicSpec>, String> {
    let source = spec::source(Some(path))?;
    if source.text == spec::BUNDLED {
        return Ok(None);
    }
    // Only a spec the generator accepts says what its generated types would do.
    match DynamicSpec::from_source(&source) {
        Ok(spec) => Ok(Some(spec)),
        Err(errors) => {
            Err(format!("{} has {} problem(s); `check --spec` lists them", source.file, errors.len()))
        }
    }
}

async fn serve(port: u16, path: &str, router: Router) -> crate::output::Outcome {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|err| format!("cannot listen on port {port}: {err}"))?;
    let address = listener.local_addr().map_err(|err| err.to_string())?;
    out!("listening on http://{address}{path}");
    // Until SIGTERM or SIGINT, answering the deliveries in progress before it returns.
    lago_webhooks::server::serve(listener, router, Default::default())
        .await
        .map_err(|err| err.to_string())?;
    Ok(true)
}

/// The endpoint: each delivery through `receiver`, described as the receiver accepts it,
/// then printed with the answer at once, so that deliveries arriving together do not
/// interleave.
fn route<E, D>(path: &str, receiver: Receiver<E, Accept, D>) -> Router
where
    E: Dispatch<Accept> + Shown,
    D: Deduplicate + 'static,
{
    let receiver = Arc::new(receiver);
    let handle = move |headers: HeaderMap, body: Bytes| {
        let receiver = Arc::clone(&receiver);
        async move {
            let mut block = None;
            let outcome = receiver
                .receive_inspected(&headers, &body, |received| block = Some(describe(received)))
                .await;
            let key = lago_webhooks::verify::unique_key(&headers).unwrap_or("-");
            let mut block = block.unwrap_or_else(|| {
                format!("{} (unique key {key})\n  refused      {outcome}\n", paint("delivery", Tone::Bad))
            });
            block.push_str(&answer_line(outcome.status(), &outcome));
            out!("{block}");
            outcome
        }
    };
    Router::new().route(path, post(handle))
}

fn answer_line(status: StatusCode, text: &dyn std::fmt::Display) -> String {
    let tone = if status.is_success() { Tone::Good } else { Tone::Bad };
    format!("  answer       {} {text}\n", paint(&status.as_u16().to_string(), tone))
}

/// What `listen` prints of an accepted webhook: its payload as JSON, and its violations.
trait Shown: Validate {
    /// The payload object (the envelope's value under the payload key), or the whole
    /// envelope of a type the spec does not know.
    fn payload_json(&self) -> Value;
}

impl Shown for WebhookEvent {
    fn payload_json(&self) -> Value {
        // Serialized back, not parsed again: the payload under its key.
        let envelope = serde_json::to_value(self).unwrap_or(Value::Null);
        match self.known_type() {
            Some(kind) => envelope.get(kind.payload_key()).cloned().unwrap_or(Value::Null),
            None => envelope,
        }
    }
}

impl Shown for DynamicEvent {
    fn payload_json(&self) -> Value {
        self.payload().unwrap_or(self.body()).clone()
    }
}

/// A delivery the receiver accepted, as one block: its type and key, signature,
/// organization, the payload's top-level ids and amounts, and its violations.
fn describe<E: Shown + lago_webhooks::Webhook>(received: &Received<E>) -> String {
    let event = &received.event;
    let key = received.delivery.unique_key.as_deref().unwrap_or("-");
    let algorithm = received.delivery.algorithm.map_or("-", |a| a.as_str());
    let mut block =
        format!("{} {} (unique key {key})\n", paint("delivery", Tone::Good), event.webhook_type());
    block.push_str(&format!("  signature    {algorithm}, verified\n"));
    if let Some(organization) = &received.delivery.organization_id {
        block.push_str(&format!("  organization {organization}\n"));
    }
    let (mut ids, mut amounts) = (Vec::new(), Vec::new());
    collect(&event.payload_json(), &mut ids, &mut amounts);
    if !ids.is_empty() {
        block.push_str(&format!("  ids          {}\n", ids.join(", ")));
    }
    if !amounts.is_empty() {
        block.push_str(&format!("  amounts      {}\n", amounts.join(", ")));
    }
    match event.validate() {
        Ok(()) => block.push_str("  valid\n"),
        Err(violations) => block.push_str(&violation_lines(&violations)),
    }
    block
}

fn violation_lines(violations: &Violations) -> String {
    violations.iter().map(|v| format!("  {} {v}\n", paint("violation", Tone::Note))).collect()
}

/// The ids and amounts at the top level of a payload.
fn collect(payload: &Value, ids: &mut Vec<String>, amounts: &mut Vec<String>) {
    let Value::Object(map) = payload else { return };
    for (key, value) in map {
        match value {
            Value::String(text) if key == "lago_id" || key.ends_with("_id") && key.starts_with("lago_") => {
                ids.push(format!("{key}={text}"));
            }
            // Amounts that are zero say little: left out.
            Value::Number(number) if key.ends_with("amount_cents") && number.as_f64() != Some(0.0) => {
                let currency = map
                    .get(&key.replace("amount_cents", "amount_currency"))
                    .or_else(|| map.get("currency"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                amounts.push(format!("{key}={number} {currency}").trim_end().to_owned());
            }
            _ => {}
        }
    }
}
