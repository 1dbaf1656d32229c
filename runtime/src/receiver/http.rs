//! Serving a receiver with axum: the body read within its limit and timeout, then the
//! receiver's outcome as the answer. Shared by [`Receiver`] and the inbox's receiver.
//!
//! [`Receiver`]: super::Receiver

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http::HeaderMap;

use super::{Intake, Outcome, log_outcome};
use crate::Refusal;

/// A receiver an axum router can serve.
pub(crate) trait Endpoint: Send + Sync + 'static {
    /// Its limits on what comes in.
    fn intake(&self) -> &Intake;

    /// Takes one delivery, whose body came whole, through every step.
    fn receive(&self, headers: &HeaderMap, body: Bytes) -> impl Future<Output = Outcome> + Send;
}

/// Refuses a delivery whose body never came whole, logged as the receivers log their
/// refusals.
fn refuse(headers: &HeaderMap, refusal: Refusal) -> Outcome {
    let span = crate::log::delivery_span(crate::verify::unique_key(headers));
    let outcome = Outcome::Refused(refusal);
    log_outcome(&span, &outcome, None);
    crate::counters::received(&outcome);
    outcome
}

/// Whether reading a body failed on the body limit, rather than on the connection.
fn is_over_limit(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        // What a handler or a store failed on is the service's business, not the caller's.
        let text = match &self {
            Outcome::Failed(_) => "handler failed".to_owned(),
            Outcome::StoreFailed(_) => "the deduplication store failed; retry later".to_owned(),
            Outcome::Unavailable(_) => "the inbox could not store the delivery; retry later".to_owned(),
            other => other.to_string(),
        };
        (self.status(), text).into_response()
    }
}

/// Reads a delivery's body as the receivers' routers do, for an endpoint of one's own
/// that hands bodies to [`Receiver::receive`](super::Receiver::receive): a body whose
/// `Content-Length` declares more than `limit` bytes is refused before a byte of it is
/// read, one that turns out longer as soon as it does ([`Refusal::TooLarge`], 413), and
/// one that takes longer than `timeout` to arrive is refused ([`Refusal::BodyTimeout`],
/// 408), so that a slow or endless body cannot hold a connection. The defaults are
/// [`DEFAULT_BODY_LIMIT`](super::DEFAULT_BODY_LIMIT) and
/// [`DEFAULT_BODY_TIMEOUT`](super::DEFAULT_BODY_TIMEOUT).
pub async fn read_body(
    headers: &HeaderMap,
    body: axum::body::Body,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<Bytes, Refusal> {
    let declared = headers.get(http::header::CONTENT_LENGTH);
    if declared.and_then(|v| v.to_str().ok()?.parse::<u64>().ok()).is_some_and(|n| n > limit as u64) {
        return Err(Refusal::TooLarge);
    }
    match tokio::time::timeout(timeout, to_bytes(body, limit)).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(err)) if is_over_limit(&err) => Err(Refusal::TooLarge),
        Ok(Err(_)) => Err(Refusal::BodyUnreadable),
        Err(_) => Err(Refusal::BodyTimeout),
    }
}

/// A router answering `POST path` with `endpoint`. A body declared over the limit is
/// refused with 413 before it is read, one that turns out over it as soon as it does; a
/// body slower than the body timeout gets 408.
pub(crate) fn router<S: Clone + Send + Sync + 'static, T: Endpoint>(
    endpoint: Arc<T>,
    path: &str,
) -> Router<S> {
    let handle = move |request: Request| {
        let endpoint = Arc::clone(&endpoint);
        async move {
            let (parts, body) = request.into_parts();
            let intake = endpoint.intake();
            match read_body(&parts.headers, body, intake.body_limit, intake.body_timeout).await {
                Ok(body) => endpoint.receive(&parts.headers, body).await,
                Err(refusal) => refuse(&parts.headers, refusal),
            }
        }
    };
    // The body limit is applied while reading, above.
    Router::new().route(path, post(handle)).layer(DefaultBodyLimit::disable())
}
