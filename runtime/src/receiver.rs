//! The whole path of a delivery: verify, parse, validate, deduplicate, dispatch, and
//! the HTTP status Lago should get back. [`Receiver::receive`] works with any framework;
//! with the `axum` feature, [`Receiver::into_router`] serves it.

use std::fmt;

use http::{HeaderMap, StatusCode};

use crate::dedup::{Claim, Deduplicate, InMemoryDeduplicator};
use crate::verify::{Algorithm, Verifier, VerifyError};
use crate::{AsyncWebhookHandler, HandlerError, ParseError, Validate, Violations, WebhookEvent};

/// Bodies larger than this are refused unless the receiver is told otherwise.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// What became of one delivery.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The handler ran and succeeded (a type the spec does not know counts: its method
    /// accepts it).
    Handled,
    /// The delivery was handled before: not handled again.
    Duplicate,
    /// Another attempt at the same delivery is being handled: Lago should retry later.
    InProgress,
    /// The signature is missing or wrong.
    Unverified(VerifyError),
    /// The body is not a webhook the spec can parse.
    Malformed(ParseError),
    /// The payload breaks the spec's constraints (only when validation is on).
    Invalid(Violations),
    /// The body is over the limit.
    TooLarge,
    /// The handler, or the deduplicator, failed.
    Failed(HandlerError),
}

impl Outcome {
    /// The status to answer. Lago counts only 200, 201, 202 and 204 as delivered and
    /// retries anything else, so a duplicate gets 200, an attempt racing another gets
    /// 409 (to be retried), and a handler error gets 500.
    pub fn status(&self) -> StatusCode {
        match self {
            Outcome::Handled | Outcome::Duplicate => StatusCode::OK,
            Outcome::InProgress => StatusCode::CONFLICT,
            Outcome::Unverified(_) => StatusCode::UNAUTHORIZED,
            Outcome::Malformed(_) => StatusCode::BAD_REQUEST,
            Outcome::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Outcome::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Outcome::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Handled => f.write_str("handled"),
            Outcome::Duplicate => f.write_str("already handled"),
            Outcome::InProgress => f.write_str("being handled; retry later"),
            Outcome::Unverified(err) => write!(f, "signature refused: {err}"),
            Outcome::Malformed(err) => write!(f, "body refused: {err}"),
            Outcome::Invalid(violations) => write!(f, "payload refused:\n{violations}"),
            Outcome::TooLarge => f.write_str("body too large"),
            Outcome::Failed(err) => write!(f, "handler failed: {err}"),
        }
    }
}

/// A delivery that passed verification (and validation, when on).
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// The webhook.
    pub event: WebhookEvent,
    /// The scheme that signed it.
    pub algorithm: Algorithm,
    /// Its `X-Lago-Unique-Key`: the same on every retry of this delivery.
    pub unique_key: Option<String>,
}

/// Receives deliveries for an [`AsyncWebhookHandler`].
///
/// ```
/// use lago_webhooks::receiver::Receiver;
/// use lago_webhooks::verify::{HmacKey, Verifier};
/// use lago_webhooks::{AsyncWebhookHandler, Fee, HandlerResult};
///
/// struct Billing;
///
/// impl AsyncWebhookHandler for Billing {
///     async fn on_fee_created(&self, fee: Fee) -> HandlerResult {
///         println!("charge {} {}", fee.total_amount_cents, fee.total_amount_currency);
///         Ok(())
///     }
/// }
///
/// let receiver = Receiver::new(Verifier::new().with_hmac("my-hmac-key")?, Billing);
/// // With the `axum` feature: axum::serve(listener, receiver.into_router("/webhooks"))
/// # let _ = receiver;
/// # Ok::<(), lago_webhooks::verify::KeyError>(())
/// ```
pub struct Receiver<H, D = InMemoryDeduplicator> {
    verifier: Verifier,
    handler: H,
    dedup: D,
    validate: bool,
    body_limit: usize,
}

impl<H: AsyncWebhookHandler> Receiver<H> {
    /// A receiver checking signatures with `verifier` and handing webhooks to `handler`,
    /// deduplicating in memory, without validation, with a 1 MiB body limit.
    pub fn new(verifier: Verifier, handler: H) -> Self {
        Receiver {
            verifier,
            handler,
            dedup: InMemoryDeduplicator::default(),
            validate: false,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }
}

impl<H: AsyncWebhookHandler, D: Deduplicate> Receiver<H, D> {
    /// Deduplicates with `dedup` instead (a shared store, for several processes).
    pub fn with_deduplicator<D2: Deduplicate>(self, dedup: D2) -> Receiver<H, D2> {
        let Receiver { verifier, handler, validate, body_limit, .. } = self;
        Receiver { verifier, handler, dedup, validate, body_limit }
    }

    /// Refuses (with 422) payloads that break the spec's constraints. Lago retries a
    /// refused delivery, so turn this on only where a wrong payload must not be handled.
    pub fn with_validation(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// Refuses bodies over `bytes` (with 413).
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// Verifies, parses and (when on) validates a delivery, without handling it: for a
    /// service that queues webhooks, or handles them its own way.
    pub fn accept(&self, headers: &HeaderMap, body: &[u8]) -> Result<Received, Outcome> {
        if body.len() > self.body_limit {
            return Err(Outcome::TooLarge);
        }
        let delivery = self.verifier.verify(body, headers).map_err(Outcome::Unverified)?;
        let event = WebhookEvent::from_slice(body).map_err(Outcome::Malformed)?;
        if self.validate {
            event.validate().map_err(Outcome::Invalid)?;
        }
        Ok(Received {
            event,
            algorithm: delivery.algorithm,
            unique_key: delivery.unique_key.map(str::to_owned),
        })
    }

    /// Takes one delivery through every step, stopping at the first that refuses it.
    pub async fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Outcome {
        let Received { event, unique_key, .. } = match self.accept(headers, body) {
            Ok(received) => received,
            Err(outcome) => return outcome,
        };
        // An empty key identifies nothing: such deliveries are handled, not deduplicated.
        let Some(key) = unique_key.as_deref().filter(|key| !key.trim().is_empty()) else {
            return self.dispatch(event).await;
        };
        match self.dedup.claim(key).await {
            Ok(Claim::Claimed) => {}
            Ok(Claim::Done) => return Outcome::Duplicate,
            Ok(Claim::InProgress) => return Outcome::InProgress,
            Err(err) => return Outcome::Failed(err),
        }
        // Released unless the handling succeeds, including when this future is dropped
        // (the caller hung up) or the handler panics.
        let claim = ClaimGuard { dedup: &self.dedup, key: Some(key) };
        let outcome = self.dispatch(event).await;
        if matches!(outcome, Outcome::Handled) {
            claim.disarm();
            // The delivery was handled: a failure to record that only risks handling a
            // retry again, which the answer cannot undo.
            let _ = self.dedup.complete(key).await;
        }
        outcome
    }

    async fn dispatch(&self, event: WebhookEvent) -> Outcome {
        match self.handler.handle(event).await {
            Ok(()) => Outcome::Handled,
            Err(err) => Outcome::Failed(err),
        }
    }
}

/// Releases a claim when dropped armed.
struct ClaimGuard<'a, D: Deduplicate> {
    dedup: &'a D,
    key: Option<&'a str>,
}

impl<D: Deduplicate> ClaimGuard<'_, D> {
    fn disarm(mut self) {
        self.key = None;
    }
}

impl<D: Deduplicate> Drop for ClaimGuard<'_, D> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.dedup.release(key);
        }
    }
}

#[cfg(feature = "axum")]
mod serve {
    use std::sync::Arc;

    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::DefaultBodyLimit;
    use axum::response::{IntoResponse, Response};
    use axum::routing::post;
    use http::HeaderMap;

    use super::{Outcome, Receiver};
    use crate::AsyncWebhookHandler;
    use crate::dedup::Deduplicate;

    impl IntoResponse for Outcome {
        fn into_response(self) -> Response {
            // What a handler failed on is the service's business, not the caller's.
            let text = match &self {
                Outcome::Failed(_) => "handler failed".to_owned(),
                other => other.to_string(),
            };
            (self.status(), text).into_response()
        }
    }

    impl<H: AsyncWebhookHandler + 'static, D: Deduplicate + 'static> Receiver<H, D> {
        /// A router answering `POST path` with this receiver. Bodies over the limit are
        /// refused with 413 before they are read whole.
        pub fn into_router(self, path: &str) -> Router {
            let limit = self.body_limit;
            let receiver = Arc::new(self);
            let handle = move |headers: HeaderMap, body: Bytes| {
                let receiver = Arc::clone(&receiver);
                async move { receiver.receive(&headers, &body).await }
            };
            Router::new().route(path, post(handle)).layer(DefaultBodyLimit::max(limit))
        }
    }
}
