//! A webhook endpoint for Lago: `POST /webhooks` on 127.0.0.1, logging each typed event.
//!
//! `cargo run --example receiver`. Settings come from the environment:
//! - `PORT`: the port (default 3000);
//! - `LAGO_HMAC_KEY`: the organization's HMAC key, to accept `hmac` signatures;
//! - `LAGO_PUBLIC_KEY`: Lago's public key as its API returns it (Base64 of a PEM), to
//!   accept `jwt` signatures;
//! - `LAGO_ISSUER`: the Lago API URL the JWTs name (default `https://api.getlago.com`).
//!
//! With both keys it accepts either algorithm, as each delivery's header says; with
//! neither, it refuses every delivery (401). Refusals are logged (the `tracing` feature),
//! each with its reason.

#[path = "shared/printer.rs"]
mod printer;

use std::net::{Ipv4Addr, SocketAddr};

use lago_webhooks::receiver::Receiver;
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
    let router = Receiver::new(verifier, printer::Printer).into_router("/webhooks");
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    println!("listening on http://{}/webhooks", listener.local_addr()?);
    axum_serve(listener, router).await
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
) -> Result<(), Box<dyn std::error::Error>> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
