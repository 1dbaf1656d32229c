//! Serving a webhook endpoint on the public internet: with limits that a plain
//! `axum::serve` lacks, so that stalled or oversized requests cannot hold the server, and
//! a graceful stop on SIGTERM and SIGINT, so that a deploy does not cut handlers short.
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
//! // Returns after SIGTERM or SIGINT, once the deliveries in progress are answered.
//! serve(listener, receiver.into_router("/webhooks"), Limits::default()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! What each limit guards against, with its default:
//! - [`Limits::header_timeout`] (10 s): a request whose headers do not arrive in time is
//!   closed, so idle half-sent requests cannot pile up;
//! - [`Limits::max_header_bytes`] (2.7 MiB): the most a request's head may take. Lago's
//!   JWT signature carries the whole body in a header (about 1.55 times its size, at most
//!   2.7 times), so the default admits a JWT for any body under the receiver's default
//!   1 MiB limit; raise it with [`Limits::for_body_limit`] when you raise that;
//! - [`Limits::max_connections`] (1,024): connections past it wait in the listen queue
//!   until one closes, so that descriptors stay bounded;
//! - the receiver's own limits (see [`Receiver::into_router`](crate::receiver::Receiver::into_router)):
//!   a body over its limit answered 413 from its declared length before it is read, a
//!   body that does not arrive within its timeout answered 408, and a handler past its
//!   deadline answered 503.
//!
//! Memory: a connection holds at most its head and its body while a request is read, so
//! an unauthenticated client can make the server hold up to `max_connections ×
//! (max_header_bytes + body limit)`: with the defaults, 1,024 × 3.7 MiB, about 3.7 GiB,
//! for as long as the header and body timeouts let it (10 s each). Where that is too much,
//! lower `max_connections` (Lago sends a few dozen deliveries at once at most) or, with
//! HMAC signatures only, `max_header_bytes` (64 KiB is plenty for HMAC).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::receiver::DEFAULT_BODY_LIMIT;

/// The limits of [`serve`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Limits {
    /// How long a connection may take to send a request's headers (default 10 s).
    pub header_timeout: Duration,
    /// How many connections are served at once (default 1,024).
    pub max_connections: usize,
    /// The most bytes a request's head (request line and headers) may take; a larger
    /// one is answered 431. By default, what a JWT-signed delivery needs for a body at the
    /// receiver's default limit: [`jwt_head_bytes`]`(`[`DEFAULT_BODY_LIMIT`]`)`.
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_header_bytes: jwt_head_bytes(DEFAULT_BODY_LIMIT),
        }
    }
}

/// The most bytes the head of a Lago delivery signed with JWT takes for a body of
/// `body_bytes`: the JWT holds the body as a JSON string (each character escaped into at
/// most two: a compact JSON body has no raw control characters), Base64url-encoded (4/3),
/// plus the JWT's header, issuer and signature and the other headers (16 KiB, far more
/// than they take).
pub const fn jwt_head_bytes(body_bytes: usize) -> usize {
    body_bytes.saturating_mul(2).saturating_mul(4) / 3 + 16 * 1024
}

/// The fewest bytes hyper accepts as its read buffer.
const MIN_HEADER_BYTES: usize = 8192;

impl Limits {
    /// Limits for a receiver whose body limit is `body_bytes`
    /// ([`Receiver::with_body_limit`](crate::receiver::Receiver::with_body_limit)):
    /// the defaults, with a head large enough for a JWT signature of such a body.
    pub fn for_body_limit(body_bytes: usize) -> Self {
        Limits::default().with_max_header_bytes(jwt_head_bytes(body_bytes))
    }

    /// Answers 431 to requests whose head is over `bytes` (at least 8 KiB).
    pub fn with_max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes.max(MIN_HEADER_BYTES);
        self
    }

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

/// Serves `router` on `listener` (HTTP/1.1, as Lago sends) within `limits`, until the
/// process receives SIGTERM or SIGINT (Ctrl-C): then it stops accepting, lets the
/// deliveries in progress be answered (for up to 30 s) and returns. Accept errors (a
/// descriptor limit reached, a connection reset before it was accepted) are waited out.
/// Use [`serve_until`] to choose the signal.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits) -> std::io::Result<()> {
    serve_until(listener, router, limits, crate::shutdown::terminated()).await
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
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .max_buf_size(limits.max_header_bytes.max(MIN_HEADER_BYTES));
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
