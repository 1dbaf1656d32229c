//! `listen`: a local endpoint for development. Each delivery is verified, parsed and
//! validated, printed as one block, and answered as the receiver answers.
//!
//! Deliveries are parsed with the types compiled into this command, the bundled spec's;
//! with `--spec`, with that spec interpreted by [`crate::payload`], answered as the
//! receiver generated from it would answer.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http::{HeaderMap, StatusCode};
use lago_webhooks::dedup::{Claim, Deduplicate, InMemoryDeduplicator, KeyDigest, MAX_UNIQUE_KEY_LEN};
use lago_webhooks::receiver::{DEFAULT_BODY_LIMIT, Outcome, Receiver};
use lago_webhooks::verify::Verifier;
use lago_webhooks::{AsyncWebhookHandler, Refusal, UniqueKeyError, Validate, WebhookEvent};
use lago_webhooks_codegen::{Settings, generate};
use serde_json::Value;

use crate::output::{Tone, out, paint};
use crate::payload::{self, Validator};
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

pub fn run(args: Args) -> crate::Outcome {
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
    let validator = match &args.spec {
        Some(path) => interpret(path)?,
        None => None,
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|err| err.to_string())?;
    runtime.block_on(serve(args, verifier, validator))
}

/// The validator of the spec at `path`; `None` for the bundled spec's text, whose types
/// are compiled in.
fn interpret(path: &std::path::Path) -> Result<Option<Validator>, String> {
    let source = spec::source(Some(path))?;
    if source.text == spec::BUNDLED {
        return Ok(None);
    }
    // Only a spec the generator accepts says what its generated types would do.
    if let Err(errors) = generate(&source, &Settings::default()) {
        return Err(format!("{} has {} problem(s); `check --spec` lists them", source.file, errors.len()));
    }
    let spec = source.parse().map_err(|errors| errors.to_string())?;
    Ok(Some(Validator::new(&spec)))
}

async fn serve(args: Args, verifier: Verifier, validator: Option<Validator>) -> crate::Outcome {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
        .await
        .map_err(|err| format!("cannot listen on port {}: {err}", args.port))?;
    let address = listener.local_addr().map_err(|err| err.to_string())?;
    let require_key = !args.allow_missing_unique_key;
    let router = match validator {
        None => compiled(&args.path, verifier, require_key),
        Some(validator) => interpreted(&args.path, verifier, validator, require_key),
    };
    out!("listening on http://{address}{}", args.path);
    // Until SIGTERM or SIGINT, answering the deliveries in progress before it returns.
    lago_webhooks::server::serve(listener, router, Default::default())
        .await
        .map_err(|err| err.to_string())?;
    Ok(true)
}

/// The endpoint for the bundled spec: its receiver, with the compiled types.
fn compiled(path: &str, verifier: Verifier, require_key: bool) -> Router {
    let receiver = Arc::new(Receiver::new(verifier, Accept).with_required_unique_key(require_key));
    let handle = move |headers: HeaderMap, body: Bytes| {
        let receiver = Arc::clone(&receiver);
        async move {
            // Described from a parse of its own, then answered by the receiver; printed at
            // once, so that deliveries arriving together do not interleave.
            let mut block = describe(&receiver.accept(&headers, &body), &headers);
            let outcome = receiver.receive(&headers, &body).await;
            block.push_str(&answer_line(outcome.status(), &outcome));
            out!("{block}");
            outcome
        }
    };
    Router::new().route(path, post(handle))
}

/// The endpoint for a spec given with `--spec`.
fn interpreted(path: &str, verifier: Verifier, validator: Validator, require_key: bool) -> Router {
    let state =
        Arc::new(Interpreted { verifier, validator, dedup: InMemoryDeduplicator::default(), require_key });
    let handle = move |headers: HeaderMap, body: Bytes| {
        let state = Arc::clone(&state);
        async move {
            let (mut block, answer) = state.receive(&headers, &body).await;
            block.push_str(&answer_line(answer.status(), &answer));
            out!("{block}");
            answer
        }
    };
    Router::new().route(path, post(handle))
}

fn answer_line(status: StatusCode, text: &dyn fmt::Display) -> String {
    let tone = if status.is_success() { Tone::Good } else { Tone::Bad };
    format!("  answer       {} {text}\n", paint(&status.as_u16().to_string(), tone))
}

/// What `listen --spec` keeps across deliveries: the keys, the spec, and the deliveries
/// handled, as the receiver keeps them (its default in-memory deduplicator).
struct Interpreted {
    verifier: Verifier,
    validator: Validator,
    dedup: InMemoryDeduplicator,
    require_key: bool,
}

/// How a delivery is answered: what the receiver would return, or a body refused as one
/// its types cannot parse (the receiver's refusal holds a parse error of the compiled
/// types, which an interpreted spec has none of).
enum Answer {
    Outcome(Outcome),
    Malformed(String),
}

impl Answer {
    fn status(&self) -> StatusCode {
        match self {
            Answer::Outcome(outcome) => outcome.status(),
            // As `Refusal::Malformed` answers.
            Answer::Malformed(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Outcome(outcome) => outcome.fmt(f),
            Answer::Malformed(text) => f.write_str(text),
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self {
            Answer::Outcome(outcome) => outcome.into_response(),
            Answer::Malformed(text) => (StatusCode::BAD_REQUEST, text).into_response(),
        }
    }
}

impl Interpreted {
    /// Takes a delivery through the receiver's steps in its order (size, unique key,
    /// signature, body, then duplicates; validation is off, as in the compiled path), and
    /// describes it on the way.
    async fn receive(&self, headers: &HeaderMap, body: &[u8]) -> (String, Answer) {
        let key = lago_webhooks::verify::unique_key(headers);
        let refused = |refusal: Refusal| {
            let block = format!(
                "{} (unique key {})\n  refused      {refusal}\n",
                paint("delivery", Tone::Bad),
                key.unwrap_or("-")
            );
            (block, Answer::Outcome(Outcome::Refused(refusal)))
        };
        if body.len() > DEFAULT_BODY_LIMIT {
            return refused(Refusal::TooLarge);
        }
        match key.filter(|key| !key.trim().is_empty()) {
            Some(key) if key.len() > MAX_UNIQUE_KEY_LEN => {
                return refused(Refusal::UniqueKey(UniqueKeyError::TooLong(key.len())));
            }
            None if self.require_key => return refused(Refusal::UniqueKey(UniqueKeyError::Missing)),
            _ => {}
        }
        let verified = match self.verifier.verify(body, headers) {
            Ok(verified) => verified,
            Err(err) => return refused(Refusal::Unverified(err)),
        };
        let value: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(err) => {
                // Worded as the receiver words a parse error.
                let (line, column) = (err.line(), err.column().max(1));
                let message = payload::syntax_message(&err);
                let text = format!("body refused: {message} (line {line}, column {column})");
                let block = format!(
                    "{} (unique key {})\n  refused      {text}\n",
                    paint("delivery", Tone::Bad),
                    key.unwrap_or("-")
                );
                return (block, Answer::Malformed(text));
            }
        };
        let report = self.validator.validate(&value);
        let webhook_type = report.webhook_type.as_deref().unwrap_or("-");
        let tone = if report.is_malformed() { Tone::Bad } else { Tone::Good };
        let mut block =
            format!("{} {webhook_type} (unique key {})\n", paint("delivery", tone), key.unwrap_or("-"));
        block.push_str(&format!("  signature    {}, verified\n", verified.algorithm));
        if let Some(organization) = value.get("organization_id").and_then(Value::as_str) {
            block.push_str(&format!("  organization {organization}\n"));
        }
        let payload = (self.validator.payload_key(webhook_type))
            .and_then(|payload_key| Some((payload_key, value.get(payload_key)?)));
        if let Some((payload_key, payload)) = payload {
            let (mut ids, mut amounts) = (Vec::new(), Vec::new());
            collect(payload, payload_key, &mut ids, &mut amounts);
            if !ids.is_empty() {
                block.push_str(&format!("  ids          {}\n", ids.join(", ")));
            }
            if !amounts.is_empty() {
                block.push_str(&format!("  amounts      {}\n", amounts.join(", ")));
            }
        }
        for violation in report.violations.iter() {
            let label = match payload::PARSE_RULES.contains(&violation.rule()) {
                true => paint("malformed", Tone::Bad),
                false => paint("violation", Tone::Note),
            };
            block.push_str(&format!("  {label} {}\n", payload::show(violation)));
        }
        if report.violations.is_empty() {
            block.push_str("  valid\n");
        }
        if let Some(problem) = report.violations.iter().find(|v| payload::PARSE_RULES.contains(&v.rule())) {
            // Worded as the receiver words a parse error, without the line and column a
            // parsed value no longer has.
            let prefix = report.webhook_type.as_deref().map(|t| format!("{t}: ")).unwrap_or_default();
            let at = match problem.pointer() {
                "" => String::new(),
                pointer => format!(" at {pointer}"),
            };
            return (block, Answer::Malformed(format!("body refused: {prefix}{}{at}", problem.message())));
        }
        (block, Answer::Outcome(self.deduplicate(key).await))
    }

    /// Handled once per unique key, as the receiver deduplicates; a blank or absent key
    /// identifies nothing, so such a delivery is handled every time.
    async fn deduplicate(&self, key: Option<&str>) -> Outcome {
        let Some(key) = key.filter(|key| !key.trim().is_empty()).map(KeyDigest::of) else {
            return Outcome::Handled;
        };
        match self.dedup.claim(&key).await {
            Ok(Claim::Claimed(token)) => {
                // Nothing can fail between the claim and here: `listen` handles nothing.
                let _ = self.dedup.complete(&key, token).await;
                Outcome::Handled
            }
            Ok(Claim::Done) => Outcome::Duplicate,
            Ok(Claim::InProgress) => Outcome::InProgress,
            Err(err) => Outcome::Failed(err),
        }
    }
}

fn describe(
    accepted: &Result<lago_webhooks::Received<WebhookEvent>, lago_webhooks::Refusal>,
    headers: &HeaderMap,
) -> String {
    let key = lago_webhooks::verify::unique_key(headers).unwrap_or("-");
    let received = match accepted {
        Err(refusal) => {
            return format!(
                "{} (unique key {key})\n  refused      {refusal}\n",
                paint("delivery", Tone::Bad)
            );
        }
        Ok(received) => received,
    };
    let event = &received.event;
    let algorithm = received.delivery.algorithm.map_or("-", |a| a.as_str());
    let mut block =
        format!("{} {} (unique key {key})\n", paint("delivery", Tone::Good), event.webhook_type());
    block.push_str(&format!("  signature    {algorithm}, verified\n"));
    if let Some(organization) = &received.delivery.organization_id {
        block.push_str(&format!("  organization {organization}\n"));
    }
    let payload = serde_json::to_value(event).unwrap_or(Value::Null);
    let mut ids = Vec::new();
    let mut amounts = Vec::new();
    collect(&payload, "", &mut ids, &mut amounts);
    if !ids.is_empty() {
        block.push_str(&format!("  ids          {}\n", ids.join(", ")));
    }
    if !amounts.is_empty() {
        block.push_str(&format!("  amounts      {}\n", amounts.join(", ")));
    }
    match event.validate() {
        Ok(()) => block.push_str("  valid\n"),
        Err(violations) => {
            for violation in violations.iter() {
                block.push_str(&format!("  {} {violation}\n", paint("violation", Tone::Note)));
            }
        }
    }
    block
}

/// The top-level ids and amounts of the payload (the envelope's payload object).
fn collect(value: &Value, prefix: &str, ids: &mut Vec<String>, amounts: &mut Vec<String>) {
    let Value::Object(map) = value else { return };
    for (key, value) in map {
        match value {
            Value::Object(_) if prefix.is_empty() => collect(value, key, ids, amounts),
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
