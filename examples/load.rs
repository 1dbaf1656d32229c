//! A load generator for a webhook endpoint: signed `fee.created` deliveries, each under a
//! unique key of its own, over keep-alive connections, as a busy Lago sends them.
//!
//! `cargo run --release --example load -- URL [CONNECTIONS] [DELIVERIES]`, with the
//! endpoint's HMAC key in `LAGO_HMAC_KEY`. Prints the throughput and the p50, p99 and
//! maximum latency of the deliveries answered 200, and how many got another status.
//! `benches/load.sh` runs it against `examples/receiver.rs` with each deduplication store.
//!
//! `cargo run --release --example load -- --serve-bare PORT` serves the baseline instead:
//! a bare axum handler on 127.0.0.1 that reads the body of `POST /webhooks` and answers 200,
//! doing none of the receiver's work.
//!
//! `cargo run --release --example load -- --delete-inboxes URL...` deletes the inboxes at
//! those URLs, named by `LAGO_INBOX_NAME_POSTGRES`, `LAGO_INBOX_NAME_NATS` and
//! `LAGO_INBOX_NAME_AMQP`: what `benches/load.sh` leaves.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use lago_webhooks::WebhookType;
use lago_webhooks::verify::{Algorithm, HmacKey, lago_headers};
use tokio::net::TcpStream;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: load URL [CONNECTIONS] [DELIVERIES] | load --serve-bare PORT")?;
    if url == "--serve-bare" {
        let port: u16 = args.next().ok_or("usage: load --serve-bare PORT")?.parse()?;
        return serve_bare(port).await;
    }
    if url == "--delete-inboxes" {
        return delete_inboxes(args).await;
    }
    let connections: usize = args.next().map_or(Ok(32), |n| n.parse())?;
    let deliveries: usize = args.next().map_or(Ok(100_000), |n| n.parse())?;
    let key = std::env::var("LAGO_HMAC_KEY").map_err(|_| "set LAGO_HMAC_KEY to the endpoint's key")?;
    let uri: http::Uri = url.parse()?;
    let addr = format!("{}:{}", uri.host().ok_or("no host")?, uri.port_u16().unwrap_or(80));
    let path = uri.path().to_owned();

    let body = Bytes::from_static(WebhookType::FeeCreated.example().as_bytes());
    // The unique key is not signed: one signature serves every delivery.
    let signature = HmacKey::new(key).sign(&body);
    let run = std::process::id();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (addr, path, body, signature, next) =
            (addr.clone(), path.clone(), body.clone(), signature.clone(), Arc::clone(&next));
        workers.push(tokio::spawn(async move {
            let stream = TcpStream::connect(&addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            let (mut latencies, mut other) = (Vec::new(), 0usize);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= deliveries {
                    break;
                }
                let headers = lago_headers(Algorithm::Hmac, &signature, &format!("load-{run}-{i}"))?;
                let mut request = Request::post(&path).header(http::header::HOST, &addr);
                for (name, value) in &headers {
                    request = request.header(name, value);
                }
                let sent = Instant::now();
                let response = sender.send_request(request.body(Full::new(body.clone()))?).await?;
                let status = response.status();
                response.into_body().collect().await?;
                if status == 200 {
                    latencies.push(sent.elapsed());
                } else {
                    other += 1;
                }
            }
            Ok::<_, Error>((latencies, other))
        }));
    }
    let (mut latencies, mut other) = (Vec::new(), 0);
    for worker in workers {
        let (mine, failed) = worker.await??;
        latencies.extend(mine);
        other += failed;
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let at = |q: f64| {
        latencies.get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
    };
    let ms = |d: Option<&Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    println!(
        "{} deliveries in {:.2} s over {connections} connections: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {other} not answered 200",
        latencies.len() + other,
        elapsed.as_secs_f64(),
        (latencies.len() + other) as f64 / elapsed.as_secs_f64(),
        ms(at(0.50)),
        ms(at(0.99)),
        ms(latencies.last()),
    );
    Ok(())
}

/// The baseline: the least a webhook endpoint does, reading the body and answering 200.
async fn serve_bare(port: u16) -> Result<(), Error> {
    use axum::routing::post;

    let app = axum::Router::new()
        .route("/webhooks", post(|body: Bytes| async move { std::hint::black_box(body).len().to_string() }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

/// Deletes the inboxes at `urls`, each named by the variable of its engine.
async fn delete_inboxes(urls: impl Iterator<Item = String>) -> Result<(), Error> {
    use lago_webhooks::inbox::{Options, open};
    for url in urls {
        let variable = match url.split_once(':').map(|(scheme, _)| scheme) {
            Some("postgres" | "postgresql") => "LAGO_INBOX_NAME_POSTGRES",
            Some("nats") => "LAGO_INBOX_NAME_NATS",
            Some("amqp" | "amqps") => "LAGO_INBOX_NAME_AMQP",
            _ => return Err(format!("not an inbox URL: {url}").into()),
        };
        let name = std::env::var(variable).map_err(|_| format!("set {variable}"))?;
        let inbox = open(&url, &Options::default().with_name(name)).await?;
        inbox.delete().await?;
    }
    Ok(())
}
