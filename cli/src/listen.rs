//! `listen`: a local endpoint for development. Each delivery is verified, parsed and
//! validated, printed as one block, and answered as the receiver answers.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use http::HeaderMap;
use lago_webhooks::receiver::{Outcome, Receiver};
use lago_webhooks::verify::Verifier;
use lago_webhooks::{AsyncWebhookHandler, Validate, WebhookEvent};
use serde_json::Value;

use crate::output::{Tone, out, paint};

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
    let runtime = tokio::runtime::Runtime::new().map_err(|err| err.to_string())?;
    runtime.block_on(serve(args, verifier))
}

async fn serve(args: Args, verifier: Verifier) -> crate::Outcome {
    let receiver = Arc::new(Receiver::new(verifier, Accept));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
        .await
        .map_err(|err| format!("cannot listen on port {}: {err}", args.port))?;
    let address = listener.local_addr().map_err(|err| err.to_string())?;
    let handle = move |headers: HeaderMap, body: Bytes| {
        let receiver = Arc::clone(&receiver);
        async move {
            // Described from a parse of its own, then answered by the receiver; printed at
            // once, so that deliveries arriving together do not interleave.
            let mut block = describe(&receiver.accept(&headers, &body), &headers);
            let outcome = receiver.receive(&headers, &body).await;
            let status = paint(&outcome.status().as_u16().to_string(), tone(&outcome));
            block.push_str(&format!("  answer       {status} {outcome}\n"));
            out!("{block}");
            outcome
        }
    };
    let router = Router::new().route(&args.path, post(handle));
    out!("listening on http://{address}{}", args.path);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    lago_webhooks::server::serve_until(listener, router, Default::default(), shutdown)
        .await
        .map_err(|err| err.to_string())?;
    Ok(true)
}

fn tone(outcome: &Outcome) -> Tone {
    if outcome.status().is_success() { Tone::Good } else { Tone::Bad }
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
