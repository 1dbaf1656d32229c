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
//!   until one closes, so that descriptors and memory stay bounded;
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

/// Serves `router` on `listener` (HTTP/1.1, as Lago sends) within `limits`, until an
/// accept error that is not about resources; see [`serve_until`] to stop on a signal.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits) -> std::io::Result<()> {
    serve_until(listener, router, limits, pending()).await
}

/// [`serve`] until `shutdown` completes; connections open then are left to finish.
pub async fn serve_until(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return Ok(()),
            },
            () = &mut shutdown => return Ok(()),
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) if is_transient(&err) => {
                    // Out of descriptors or similar: wait for connections to close.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(err) => return Err(err),
            },
            () = &mut shutdown => return Ok(()),
        };
        let service = TowerToHyperService::new(router.clone().into_service::<hyper::body::Incoming>());
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
            // A connection's end, orderly or not, concerns only that connection.
            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// Accept errors that come and go with load rather than end the listener.
fn is_transient(err: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(err.kind(), ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::Interrupted)
        // EMFILE, ENFILE, ENOBUFS, ENOMEM: resources a closing connection gives back.
        || matches!(err.raw_os_error(), Some(23 | 24 | 105 | 12))
}
