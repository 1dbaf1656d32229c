//! A webhook endpoint for Lago: `POST /webhooks` on 127.0.0.1, logging each typed event.
//!
//! `cargo run --example receiver`. Settings come from the environment:
//! - `PORT`: the port (default 3000);
//! - `LAGO_HMAC_KEY`: the organization's HMAC key, to accept `hmac` signatures;
//! - `LAGO_PUBLIC_KEY`: Lago's public key as its API returns it (Base64 of a PEM), to
//!   accept `jwt` signatures;
//! - `LAGO_ISSUER`: the Lago API URL the JWTs name (default `https://api.getlago.com`);
//! - `LAGO_DEDUP_URL`: `redis://...` or `postgres://...` to deduplicate in a store shared
//!   by several processes (and, for PostgreSQL, kept across restarts); in memory without;
//! - `LAGO_ALLOW_MISSING_UNIQUE_KEY=1`: handle deliveries that come without an
//!   `X-Lago-Unique-Key` (Lago always sends one); by default they are refused with 400;
//! - `LAGO_INBOX_URL`: `postgres://...`, `nats://...` or `amqp://...` (or `memory:`) to
//!   accept durably, then handle: each verified delivery is stored in that inbox and
//!   answered 200 once stored (503 when the store cannot confirm), and workers handle it,
//!   retrying failures with backoff. Without it, deliveries are handled as they arrive
//!   and answered once handled. With RabbitMQ, `LAGO_DEDUP_URL` is where receivers share
//!   what they stored;
//! - `LAGO_INBOX_NAME`: the inbox's table, stream or queue (each engine has a default);
//! - `LAGO_INBOX_ROLE`: with an inbox, `both` (default: the receiver and the workers in
//!   this process), `receiver` (only receive) or `worker` (only handle; no port);
//! - `LAGO_WORKER_CONCURRENCY`: deliveries a worker handles at once (default 16).
//!
//! It serves with `server::serve_until`: stalled requests are closed, oversize bodies
//! refused at once, connections capped, handlers given 25 s; on SIGTERM or SIGINT it stops
//! accepting, answers the deliveries in progress, lets workers finish what they hold (or
//! give it back) and exits.
//!
//! With both keys it accepts either algorithm, as each delivery's header says; with
//! neither, it refuses every delivery (401). Refusals are logged (the `tracing` feature),
//! each with its reason.

#[path = "shared/printer.rs"]
mod printer;

use std::net::{Ipv4Addr, SocketAddr};

use lago_webhooks::dedup::{PostgresDeduplicator, RedisDeduplicator};
use lago_webhooks::inbox::{AnyInbox, InboxReceiver, Options, Worker, open};
use lago_webhooks::receiver::Receiver;
use lago_webhooks::server::{Limits, serve_until};
use lago_webhooks::shutdown::Shutdown;
use lago_webhooks::verify::Verifier;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn verifier() -> Result<Verifier, Error> {
    let mut verifier = Verifier::new();
    if let Ok(key) = std::env::var("LAGO_HMAC_KEY") {
        verifier = verifier.with_hmac(key)?;
        println!("accepting hmac signatures");
    }
    if let Ok(public_key) = std::env::var("LAGO_PUBLIC_KEY") {
        let issuer = std::env::var("LAGO_ISSUER").unwrap_or_else(|_| "https://api.getlago.com".to_owned());
        verifier = verifier.with_jwt(&public_key, issuer.clone())?;
        println!("accepting jwt signatures issued by {issuer}");
    }
    if std::env::var_os("LAGO_HMAC_KEY").is_none() && std::env::var_os("LAGO_PUBLIC_KEY").is_none() {
        println!("neither LAGO_HMAC_KEY nor LAGO_PUBLIC_KEY is set: every delivery will be refused");
    }
    Ok(verifier)
}

/// What this process runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Both,
    Receiver,
    Worker,
}

fn role() -> Result<Role, Error> {
    match std::env::var("LAGO_INBOX_ROLE").as_deref() {
        Err(_) | Ok("both") => Ok(Role::Both),
        Ok("receiver") => Ok(Role::Receiver),
        Ok("worker") => Ok(Role::Worker),
        Ok(other) => Err(format!("LAGO_INBOX_ROLE must be both, receiver or worker, not {other:?}").into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).init();
    let port = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| format!("PORT must be a port number, not {port:?}"))?,
        Err(_) => 3000,
    };
    let required_key = !std::env::var("LAGO_ALLOW_MISSING_UNIQUE_KEY").is_ok_and(|v| v == "1");
    let shutdown = Shutdown::on_signals();
    match std::env::var("LAGO_INBOX_URL") {
        Ok(url) => with_inbox(&url, port, required_key, shutdown).await?,
        Err(_) => {
            let receiver =
                Receiver::new(verifier()?, printer::EveryType).with_required_unique_key(required_key);
            let router = match std::env::var("LAGO_DEDUP_URL") {
                Ok(url) if url.starts_with("redis://") => {
                    let store = RedisDeduplicator::new(&url)
                        .map_err(|err| format!("bad LAGO_DEDUP_URL {url}: {err}"))?;
                    store.ping().await.map_err(|err| format!("cannot reach Redis at {url}: {err}"))?;
                    println!("deduplicating in Redis at {url}");
                    receiver.with_deduplicator(store).into_router("/webhooks")
                }
                Ok(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                    let store = PostgresDeduplicator::connect(&url)
                        .await
                        .map_err(|err| format!("cannot use PostgreSQL at {url}: {err}"))?;
                    println!("deduplicating in PostgreSQL at {url}");
                    receiver.with_deduplicator(store).into_router("/webhooks")
                }
                Ok(url) => {
                    return Err(format!(
                        "LAGO_DEDUP_URL must start with redis:// or postgres://, not {url:?}"
                    )
                    .into());
                }
                Err(_) => {
                    println!("deduplicating in memory (set LAGO_DEDUP_URL to share it between processes)");
                    receiver.into_router("/webhooks")
                }
            };
            serve_on(port, router, &shutdown).await?;
        }
    }
    println!("stopped");
    Ok(())
}

/// Receives into the inbox at `url`, handles from it, or both, as `LAGO_INBOX_ROLE` says.
async fn with_inbox(url: &str, port: u16, required_key: bool, shutdown: Shutdown) -> Result<(), Error> {
    let role = role()?;
    let mut options = Options::default();
    if let Ok(name) = std::env::var("LAGO_INBOX_NAME") {
        options = options.with_name(name);
    }
    if let Ok(dedup) = std::env::var("LAGO_DEDUP_URL") {
        options = options.with_dedup_url(dedup);
    }
    let inbox: AnyInbox =
        open(url, &options).await.map_err(|err| format!("cannot use the inbox at {url}: {err}"))?;
    println!("inbox in {} ({})", inbox.engine(), if role == Role::Worker { "handling" } else { "receiving" });
    let worker = match role {
        Role::Receiver => None,
        Role::Both | Role::Worker => {
            let concurrency = match std::env::var("LAGO_WORKER_CONCURRENCY") {
                Ok(n) => {
                    n.parse().map_err(|_| format!("LAGO_WORKER_CONCURRENCY must be a number, not {n:?}"))?
                }
                Err(_) => 16,
            };
            let worker = Worker::new(inbox.clone(), printer::EveryType).with_concurrency(concurrency);
            Some(tokio::spawn(worker.run_until(shutdown.signalled())))
        }
    };
    if role != Role::Worker {
        let receiver = InboxReceiver::new(verifier()?, inbox).with_required_unique_key(required_key);
        serve_on(port, receiver.into_router("/webhooks"), &shutdown).await?;
    }
    if let Some(worker) = worker {
        let report = worker.await?;
        println!(
            "worker stopped: {} handled, {} retried, {} dead, {} given back",
            report.succeeded, report.retried, report.dead, report.released
        );
    }
    Ok(())
}

async fn serve_on(port: u16, router: axum::Router, shutdown: &Shutdown) -> Result<(), Error> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    println!("listening on http://{}/webhooks", listener.local_addr()?);
    serve_until(listener, router, Limits::default(), shutdown.signalled()).await?;
    Ok(())
}
