//! `listen`: a local endpoint for development. It is the runtime's [`Receiver`] plus
//! showing: each delivery goes through the receiver once (verified, parsed, deduplicated,
//! answered), and what came is printed, validated, as one block with the answer, and kept
//! for the inspector page (`--ui-port`); when its signature verified, it is also written
//! to a directory (`--record`) and sent on to the app being developed (`--forward-to`).
//!
//! Deliveries are parsed with the types compiled into this command, the bundled spec's;
//! with `--spec`, with that spec read at run time ([`DynamicSpec`]), whose receiver
//! answers as the one generated from it would.

mod endpoint;
mod forward;
mod inspector;
mod record;
mod store;
mod terminal;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use lago_webhooks::dynamic::DynamicSpec;
use lago_webhooks::receiver::Receiver;
use lago_webhooks::server::Limits;
use lago_webhooks::verify::Verifier;
use tokio::net::TcpListener;

use self::endpoint::{Accept, Keep};
use self::forward::Forwarder;
use self::inspector::Inspector;
use self::record::Recorder;
use self::store::Store;
use crate::output::out;
use crate::{send, spec};

/// The environment variable holding Lago's public key itself, read when `--public-key`
/// is not given.
const PUBLIC_KEY_VARIABLE: &str = "LAGO_PUBLIC_KEY";

#[derive(clap::Args)]
#[command(after_help = "Keys can come from the environment rather than the command line, where other \
users of the machine can read them: LAGO_HMAC_KEY (the HMAC key), LAGO_PUBLIC_KEY (Lago's public key \
itself, Base64 of a PEM as Lago's API returns it), LAGO_ISSUER, and LAGO_FORWARD_HMAC_KEY.")]
pub struct Args {
    /// The port on 127.0.0.1 (0 picks a free one, printed at start).
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// The path deliveries are posted to.
    #[arg(long, default_value = "/webhooks", value_parser = route_path)]
    path: String,
    /// Accept HMAC signatures made with this key.
    #[arg(long, value_name = "KEY", env = "LAGO_HMAC_KEY", hide_env_values = true)]
    hmac_key: Option<String>,
    /// Accept JWT signatures checked with Lago's public key: a file holding a PEM, or
    /// Base64 of a PEM as Lago's API returns it. Without it, the key itself is read
    /// from LAGO_PUBLIC_KEY when set.
    #[arg(long, value_name = "FILE")]
    public_key: Option<PathBuf>,
    /// The issuer the JWTs must name (Lago's API URL).
    #[arg(long, value_name = "URL", env = "LAGO_ISSUER", default_value = "https://api.getlago.com")]
    issuer: String,
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
    /// Serve the inspector page on this port of 127.0.0.1 (0 picks a free one; its
    /// address is printed at start): each delivery as it arrives, its payload as a tree
    /// with its violations, its headers and body, filters, replay and save. Off unless
    /// given.
    #[arg(long, value_name = "PORT")]
    ui_port: Option<u16>,
    /// Send each delivery whose signature verified on to this URL (your app's endpoint),
    /// signed again with an HMAC key under its own unique key; the app's answer is
    /// printed and shown on the page.
    #[arg(long, value_name = "URL", value_parser = send::endpoint)]
    forward_to: Option<http::Uri>,
    /// The HMAC key deliveries are forwarded with (the one your app verifies with);
    /// default: --hmac-key.
    #[arg(long, value_name = "KEY", env = "LAGO_FORWARD_HMAC_KEY", hide_env_values = true)]
    forward_hmac_key: Option<String>,
    /// Write every verified delivery's raw body (those whose signature failed are not
    /// written) to a file of this directory (created if absent, readable by you only),
    /// named by time, type and unique key, with its headers beside it in a `.headers`
    /// file; `trigger --payload FILE` sends one again.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
}

/// A plain path for the endpoint: `/` then segments without route parameters.
fn route_path(text: &str) -> Result<String, String> {
    if text.starts_with('/') && !text.contains([':', '*', '{', '}', '?', '#', ' ']) {
        Ok(text.to_owned())
    } else {
        Err(format!("`{text}` is not a plain path such as /webhooks"))
    }
}

pub fn run(args: Args) -> crate::output::Outcome {
    let verifier = verifier(&args)?;
    let spec = match &args.spec {
        Some(path) => read_spec(path)?,
        None => None,
    };
    let sender = Arc::new(send::Sender::new()?);
    let forwarder = match &args.forward_to {
        None => None,
        Some(url) => {
            let key = args.forward_hmac_key.as_ref().or(args.hmac_key.as_ref()).ok_or(
                "give --forward-hmac-key (or LAGO_FORWARD_HMAC_KEY), the HMAC key your app verifies with, to forward",
            )?;
            // The same check the app's verifier makes: a key it would refuse signs nothing.
            Verifier::new().with_hmac(key.clone()).map_err(|err| format!("--forward-hmac-key: {err}"))?;
            Some(Arc::new(Forwarder::new(url.clone(), key, Arc::clone(&sender))))
        }
    };
    let recorder = args.record.as_deref().map(Recorder::new).transpose()?.map(Arc::new);
    let store = Store::new(store::DEFAULT_MAX_ENTRIES, store::DEFAULT_MAX_BYTES);
    let keep = Keep { store: store.clone(), recorder, forwarder: forwarder.clone() };
    let require_key = !args.allow_missing_unique_key;
    let router = match spec {
        None => endpoint::route(
            &args.path,
            Receiver::new(verifier, Accept).with_required_unique_key(require_key),
            keep,
        ),
        Some(spec) => endpoint::route(
            &args.path,
            spec.receiver(verifier, Accept).with_required_unique_key(require_key),
            keep,
        ),
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|err| err.to_string())?;
    runtime.block_on(async {
        let listener = bind(args.port).await?;
        let address = listener.local_addr().map_err(|err| err.to_string())?;
        out!("listening on http://{address}{}", args.path);
        if let Some(port) = args.ui_port {
            let endpoint: http::Uri = format!("http://{address}{}", args.path)
                .parse()
                .map_err(|_| format!("`{}` does not make a URL", args.path))?;
            let inspector = Inspector {
                store,
                port: 0,
                endpoint,
                hmac_key: args.hmac_key.clone(),
                forward_to: forwarder.as_ref().map(|f| f.url().to_string()),
                sender,
            };
            serve_page(port, inspector).await?;
        }
        if let Some(forwarder) = &forwarder {
            out!("forwarding to {}", forwarder.url());
        }
        // Until SIGTERM or SIGINT, answering the deliveries in progress before it returns.
        lago_webhooks::server::serve(listener, router, Limits::default())
            .await
            .map_err(|err| err.to_string())?;
        Ok(true)
    })
}

/// The verifier of the keys given, on the command line or in the environment.
fn verifier(args: &Args) -> Result<Verifier, String> {
    let mut verifier = Verifier::new();
    if let Some(key) = &args.hmac_key {
        verifier = verifier.with_hmac(key.clone()).map_err(|err| format!("--hmac-key: {err}"))?;
    }
    let public_key = match &args.public_key {
        Some(path) => Some(
            std::fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?,
        ),
        None => std::env::var(PUBLIC_KEY_VARIABLE).ok().filter(|key| !key.trim().is_empty()),
    };
    if let Some(key) = &public_key {
        verifier =
            verifier.with_jwt(key, args.issuer.clone()).map_err(|err| format!("the public key: {err}"))?;
    }
    if args.hmac_key.is_none() && public_key.is_none() {
        return Err(
            "give --hmac-key (or LAGO_HMAC_KEY), or --public-key (or LAGO_PUBLIC_KEY), to verify deliveries"
                .to_owned(),
        );
    }
    Ok(verifier)
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

async fn bind(port: u16) -> Result<TcpListener, String> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|err| format!("cannot listen on port {port}: {err}"))
}

/// Serves the inspector page on `port` of 127.0.0.1, whatever address the endpoint has:
/// the page shows the deliveries' billing data. It runs until the endpoint stops.
async fn serve_page(port: u16, mut inspector: Inspector) -> Result<(), String> {
    let listener = bind(port).await.map_err(|err| format!("the inspector page: {err}"))?;
    let address = listener.local_addr().map_err(|err| err.to_string())?;
    inspector.port = address.port();
    let router: Router = inspector::router(inspector);
    out!("inspector on http://{address}/");
    tokio::spawn(async move {
        // Its connections (the page's event stream stays open) end with the runtime, when
        // the endpoint has stopped; an error serving it leaves the endpoint serving.
        let _ =
            lago_webhooks::server::serve_until(listener, router, Limits::default(), std::future::pending())
                .await;
    });
    Ok(())
}
