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
//!   `X-Lago-Unique-Key` (Lago always sends one), every time they come; by default they
//!   are refused with 400.
//!
//! It serves with `server::serve`: stalled requests are closed, oversize bodies refused at
//! once, connections capped, handlers given 25 s; on SIGTERM or SIGINT it stops accepting,
//! answers the deliveries in progress and exits.
//!
//! With both keys it accepts either algorithm, as each delivery's header says; with
//! neither, it refuses every delivery (401). Refusals are logged (the `tracing` feature),
//! each with its reason.

#[path = "shared/printer.rs"]
mod printer;

use std::net::{Ipv4Addr, SocketAddr};

use lago_webhooks::dedup::{PostgresDeduplicator, RedisDeduplicator};
use lago_webhooks::receiver::Receiver;
use lago_webhooks::server::{Limits, serve};
use lago_webhooks::verify::Verifier;

fn verifier() -> Result<Verifier, Box<dyn std::error::Error>> {
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
    Ok(verifier)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).init();
    let port = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| format!("PORT must be a port number, not {port:?}"))?,
        Err(_) => 3000,
    };
    let verifier = verifier()?;
    if std::env::var_os("LAGO_HMAC_KEY").is_none() && std::env::var_os("LAGO_PUBLIC_KEY").is_none() {
        println!("neither LAGO_HMAC_KEY nor LAGO_PUBLIC_KEY is set: every delivery will be refused");
    }
    let allow_missing_key = std::env::var("LAGO_ALLOW_MISSING_UNIQUE_KEY").is_ok_and(|v| v == "1");
    let receiver = Receiver::new(verifier, printer::Printer).with_required_unique_key(!allow_missing_key);
    let router = match std::env::var("LAGO_DEDUP_URL") {
        Ok(url) if url.starts_with("redis://") => {
            let store =
                RedisDeduplicator::new(&url).map_err(|err| format!("bad LAGO_DEDUP_URL {url}: {err}"))?;
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
            return Err(format!("LAGO_DEDUP_URL must start with redis:// or postgres://, not {url:?}").into());
        }
        Err(_) => {
            println!("deduplicating in memory (set LAGO_DEDUP_URL to share it between processes)");
            receiver.into_router("/webhooks")
        }
    };
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    println!("listening on http://{}/webhooks", listener.local_addr()?);
    serve(listener, router, Limits::default()).await?;
    println!("stopped");
    Ok(())
}
