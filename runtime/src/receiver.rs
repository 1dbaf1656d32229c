//! The whole path of a delivery: verify, parse, validate, deduplicate, dispatch, and
//! the HTTP status Lago should get back. [`Receiver::receive`] works with any framework;
//! with the `axum` feature, [`Receiver::into_router`] serves it.
//!
//! A receiver serves the types of any `lago_webhooks!` invocation: build one with the
//! `receiver` function generated beside them (`own::receiver(verifier, handler)` where
//! `own` holds the macro call), or, for the bundled types, with [`Receiver::new`].

use std::fmt;

use http::{HeaderMap, StatusCode};

use crate::dedup::{Claim, Deduplicate, InMemoryDeduplicator};
use crate::verify::Verifier;
use crate::{Delivery, Dispatch, HandlerError, Received, Refusal, Validate, Violations};

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
    /// Refused before reaching the handler: unverified, malformed, invalid or too large.
    Refused(Refusal),
    /// The handler, or the deduplicator, failed.
    Failed(HandlerError),
}

impl Outcome {
    /// The status to answer. Lago counts only 200, 201, 202 and 204 as delivered and
    /// retries anything else, so a duplicate gets 200, an attempt racing another gets
    /// 409 (to be retried), a refusal its [`Refusal::status`], and a handler error 500.
    pub fn status(&self) -> StatusCode {
        match self {
            Outcome::Handled | Outcome::Duplicate => StatusCode::OK,
            Outcome::InProgress => StatusCode::CONFLICT,
            Outcome::Refused(refusal) => refusal.status(),
            Outcome::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short, stable name for logs and metrics: `handled`, `duplicate`, `in_progress`,
    /// `unverified`, `malformed`, `invalid`, `too_large` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Handled => "handled",
            Outcome::Duplicate => "duplicate",
            Outcome::InProgress => "in_progress",
            Outcome::Refused(Refusal::Unverified(_)) => "unverified",
            Outcome::Refused(Refusal::Malformed(_)) => "malformed",
            Outcome::Refused(Refusal::Invalid(_)) => "invalid",
            Outcome::Refused(Refusal::TooLarge) => "too_large",
            Outcome::Failed(_) => "failed",
        }
    }
}

impl From<Refusal> for Outcome {
    fn from(refusal: Refusal) -> Self {
        Outcome::Refused(refusal)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Handled => f.write_str("handled"),
            Outcome::Duplicate => f.write_str("already handled"),
            Outcome::InProgress => f.write_str("being handled; retry later"),
            Outcome::Refused(refusal) => refusal.fmt(f),
            Outcome::Failed(err) => write!(f, "handler failed: {err}"),
        }
    }
}

/// Checks a parsed webhook against its spec (set when validation is on, for the `E`
/// that implement `Validate`).
type Validator<E> = fn(&E) -> Result<(), Violations>;

/// Receives deliveries of the webhooks `E` for `H`, a handler of their spec's
/// `AsyncWebhookHandler`, deduplicating with `D`.
///
/// ```
/// # #[cfg(feature = "bundled")] {
/// use lago_webhooks::receiver::Receiver;
/// use lago_webhooks::verify::Verifier;
/// use lago_webhooks::{AsyncWebhookHandler, Delivery, Fee, HandlerResult};
///
/// struct Billing;
///
/// impl AsyncWebhookHandler for Billing {
///     async fn on_fee_created(&self, fee: Fee, delivery: &Delivery) -> HandlerResult {
///         println!("charge {} {} ({:?})", fee.total_amount_cents, fee.total_amount_currency, delivery.unique_key);
///         Ok(())
///     }
/// }
///
/// let receiver = Receiver::new(Verifier::new().with_hmac("my-hmac-key")?, Billing);
/// // With the `axum` feature: axum::serve(listener, receiver.into_router("/webhooks"))
/// # let _ = receiver;
/// # }
/// # Ok::<(), lago_webhooks::verify::KeyError>(())
/// ```
pub struct Receiver<E, H, D = InMemoryDeduplicator> {
    verifier: Verifier,
    handler: H,
    dedup: D,
    validator: Option<Validator<E>>,
    body_limit: usize,
}

#[cfg(feature = "bundled")]
impl<H: crate::AsyncWebhookHandler> Receiver<crate::WebhookEvent, H> {
    /// A receiver of the bundled types, checking signatures with `verifier` and handing
    /// webhooks to `handler`, deduplicating in memory, without validation, with a 1 MiB
    /// body limit. For types generated from your own spec, call the `receiver` function
    /// generated beside them.
    pub fn new(verifier: Verifier, handler: H) -> Self {
        Receiver::for_events(verifier, handler)
    }
}

impl<E: Dispatch<H>, H> Receiver<E, H> {
    /// A receiver of the webhooks `E` (any `lago_webhooks!` invocation's `WebhookEvent`),
    /// as [`Receiver::new`] builds for the bundled ones. The generated `receiver`
    /// function calls it, naming `E` for you.
    pub fn for_events(verifier: Verifier, handler: H) -> Self {
        Receiver {
            verifier,
            handler,
            dedup: InMemoryDeduplicator::default(),
            validator: None,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }
}

impl<E: Dispatch<H>, H, D: Deduplicate> Receiver<E, H, D> {
    /// Deduplicates with `dedup` instead (a shared store, for several processes).
    pub fn with_deduplicator<D2: Deduplicate>(self, dedup: D2) -> Receiver<E, H, D2> {
        let Receiver { verifier, handler, validator, body_limit, .. } = self;
        Receiver { verifier, handler, dedup, validator, body_limit }
    }

    /// Refuses (with 422) payloads that break the spec's constraints. Lago retries a
    /// refused delivery, so turn this on only where a wrong payload must not be handled.
    pub fn with_validation(mut self, validate: bool) -> Self
    where
        E: Validate,
    {
        self.validator = validate.then_some(|event: &E| event.validate());
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
    pub fn accept(&self, headers: &HeaderMap, body: &[u8]) -> Result<Received<E>, Refusal> {
        if body.len() > self.body_limit {
            return Err(Refusal::TooLarge);
        }
        let received = self.verifier.parse::<E>(headers, body)?;
        if let Some(validate) = self.validator {
            validate(&received.event).map_err(Refusal::Invalid)?;
        }
        Ok(received)
    }

    /// Takes one delivery through every step, stopping at the first that refuses it.
    ///
    /// With the `tracing` feature, each delivery gets a span (`lago_webhooks.delivery`)
    /// holding its webhook type, unique key and outcome, and a refusal is logged at
    /// warn with its reason; neither holds the body, a signature or a key.
    pub async fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Outcome {
        let span = crate::log::delivery_span(crate::verify::unique_key(headers));
        let outcome = crate::log::instrument(&span, self.receive_unlogged(headers, body, &span)).await;
        crate::log::outcome(&span, &outcome);
        outcome
    }

    async fn receive_unlogged(&self, headers: &HeaderMap, body: &[u8], span: &crate::log::Span) -> Outcome {
        let Received { event, delivery } = match self.accept(headers, body) {
            Ok(received) => received,
            Err(refusal) => return Outcome::Refused(refusal),
        };
        crate::log::webhook_type(span, event.webhook_type());
        // An empty key identifies nothing: such deliveries are handled, not deduplicated.
        let key = delivery.unique_key.clone().filter(|key| !key.trim().is_empty());
        let Some(key) = key else {
            return self.dispatch(event, &delivery).await;
        };
        match self.dedup.claim(&key).await {
            Ok(Claim::Claimed) => {}
            Ok(Claim::Done) => return Outcome::Duplicate,
            Ok(Claim::InProgress) => return Outcome::InProgress,
            Err(err) => return Outcome::Failed(err),
        }
        // Released unless the handling succeeds, including when this future is dropped
        // (the caller hung up) or the handler panics.
        let claim = ClaimGuard { dedup: &self.dedup, key: Some(&key) };
        let outcome = self.dispatch(event, &delivery).await;
        if matches!(outcome, Outcome::Handled) {
            claim.disarm();
            // The delivery was handled: a failure to record that only risks handling a
            // retry again, which the answer cannot undo.
            let _ = self.dedup.complete(&key).await;
        }
        outcome
    }

    async fn dispatch(&self, event: E, delivery: &Delivery) -> Outcome {
        match event.dispatch(&self.handler, delivery).await {
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
    use crate::Dispatch;
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

    impl<E, H, D> Receiver<E, H, D>
    where
        E: Dispatch<H>,
        H: Send + Sync + 'static,
        D: Deduplicate + 'static,
    {
        /// A router answering `POST path` with this receiver, to serve alone or to merge
        /// into your app's `Router<S>` whatever its state `S`. Bodies over the limit are
        /// refused with 413 before they are read whole.
        pub fn into_router<S: Clone + Send + Sync + 'static>(self, path: &str) -> Router<S> {
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
