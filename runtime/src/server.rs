//! Serving a webhook endpoint on the public internet: with limits that a plain
//! `axum::serve` lacks, so that stalled or oversized requests cannot hold the server.
//!
//! ```no_run
//! # #[cfg(feature = "bundled")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use lago_webhooks::receiver::Receiver;
//! use lago_webhooks::server::{Limits, serve};
//! use lago_webhooks::verify::Verifier;
//! # struct Billing;
//! # impl lago_webhooks::AsyncWebhookHandler for Billing {}
//!
//! let receiver = Receiver::new(Verifier::new().with_hmac("my-hmac-key")?, Billing);
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
//! serve(listener, receiver.into_router("/webhooks"), Limits::default()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! What each limit guards against, with its default:
//! - [`Limits::header_timeout`] (10 s): a request whose headers do not arrive in time is
//!   closed, so idle half-sent requests cannot pile up;
//! - [`Limits::max_connections`] (1,024): connections past it wait in the listen queue
//!   until one closes, so that descriptors stay bounded, and memory too: at most the
//!   connections times the receiver's body limit (1 MiB by default) while bodies are read;
//! - the receiver's own limits (see [`Receiver::into_router`](crate::receiver::Receiver::into_router)):
//!   a body over its limit answered 413 from its declared length before it is read, a
//!   body that does not arrive within its timeout answered 408, and a handler past its
//!   deadline answered 503.

use std::future::{Future, pending};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The limits of [`serve`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Limits {
    /// How long a connection may take to send a request's headers (default 10 s).
    pub header_timeout: Duration,
    /// How many connections are served at once (default 1,024).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { header_timeout: Duration::from_secs(10), max_connections: 1024 }
    }
}

impl Limits {
    /// Closes connections whose request headers take longer than `timeout`.
    pub fn with_header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// Serves at most `connections` connections at once.
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }
}

/// Serves `router` on `listener` (HTTP/1.1, as Lago sends) within `limits`. Returns only
/// with [`serve_until`]'s signal: accept errors (a descriptor limit reached, a connection
/// reset before it was accepted) are waited out.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits) -> std::io::Result<()> {
    serve_until(listener, router, limits, pending()).await
}

/// How long open connections are given to finish after the shutdown signal.
const DRAIN: Duration = Duration::from_secs(30);

/// [`serve`] until `shutdown` completes; then stops accepting, lets the requests in
/// progress finish (for up to 30 s: Lago waits no longer) and returns.
pub async fn serve_until(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of descriptors, or a connection gone before it was accepted:
                    // the listener is still good. Wait longer when the cause is unknown.
                    let pause = if is_resource(&err) { 50 } else { 1000 };
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(router.clone().into_service::<hyper::body::Incoming>());
        let mut builder = http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _permit = permit;
            // A connection's end, orderly or not, concerns only that connection.
            let _ = connection.await;
        });
    }
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
    Ok(())
}

/// Accept errors about resources that closing connections give back.
fn is_resource(err: &std::io::Error) -> bool {
    // EMFILE and ENFILE; other kinds (resets, aborts) are about one connection.
    matches!(err.raw_os_error(), Some(23 | 24)) || err.kind() == std::io::ErrorKind::OutOfMemory
}
