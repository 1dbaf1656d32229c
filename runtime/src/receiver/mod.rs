//! The whole path of a delivery: verify, parse, validate, deduplicate, dispatch, and
//! the HTTP status Lago should get back. [`Receiver::receive`] works with any framework;
//! with the `axum` feature, [`Receiver::into_router`] serves it.
//!
//! A receiver serves the types of any `lago_webhooks!` invocation: build one with the
//! `receiver` function generated beside them (`own::receiver(verifier, handler)` where
//! `own` holds the macro call), or, for the bundled types, with [`Receiver::new`]. With
//! the `dynamic` feature it also serves a spec read at run time
//! (`Receiver::for_spec`), the same way.
//!
// Links to methods behind features go to docs.rs when the feature is off.
#![cfg_attr(
    not(feature = "axum"),
    doc = "[`Receiver::into_router`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/receiver/struct.Receiver.html#method.into_router"
)]
#![cfg_attr(
    not(feature = "bundled"),
    doc = "[`Receiver::new`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/receiver/struct.Receiver.html#method.new"
)]

use std::fmt;
use std::sync::Arc;
#[cfg(feature = "tokio")]
use std::time::Duration;

use ::http::{HeaderMap, StatusCode};

use crate::dedup::{Claim, ClaimGuard, ClaimToken, Deduplicate, InMemoryDeduplicator, KeyDigest, StoreError};
use crate::handling::Ended;
use crate::verify::Verifier;
use crate::{
    Delivery, Dispatch, FromBody, HandlerError, ParseError, Received, Refusal, Validate, Violations,
};

#[cfg(feature = "axum")]
mod http;
mod intake;

#[cfg(feature = "axum")]
pub use self::http::read_body;
#[cfg(feature = "axum")]
pub(crate) use self::http::{Endpoint, router};
#[cfg(feature = "axum")]
pub use self::intake::DEFAULT_BODY_TIMEOUT;
pub(crate) use self::intake::Intake;
pub use self::intake::{DEFAULT_BODY_LIMIT, Rejection};

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
    /// The handler failed.
    Failed(HandlerError),
    /// The deduplication store failed to claim the delivery's key (unreachable, too slow,
    /// or refusing): the delivery was not handled, and Lago should retry.
    StoreFailed(StoreError),
    /// The handler panicked; the delivery's key is freed for Lago's retry.
    Panicked,
    /// The handler ran past its deadline and was stopped; the key is freed for the retry.
    TimedOut,
    /// Stored in the inbox, whose store confirmed it: a worker will handle it.
    Stored,
    /// Already in the inbox (a retry, or the same delivery sent twice): not stored again.
    AlreadyStored,
    /// The inbox could not confirm that it stored the delivery (unreachable, too slow, or
    /// refusing): Lago should retry.
    Unavailable(HandlerError),
}

impl Outcome {
    /// The status to answer. Lago counts only 200, 201, 202 and 204 as delivered and
    /// retries anything else, so a duplicate gets 200, an attempt racing another gets
    /// 409 (to be retried), a refusal its [`Refusal::status`], a handler error 500, and a
    /// store that fails (the deduplicator's, or an inbox that cannot confirm) 503.
    pub fn status(&self) -> StatusCode {
        match self {
            Outcome::Handled | Outcome::Duplicate | Outcome::Stored | Outcome::AlreadyStored => {
                StatusCode::OK
            }
            Outcome::InProgress => StatusCode::CONFLICT,
            Outcome::Refused(refusal) => refusal.status(),
            Outcome::Failed(_) | Outcome::Panicked => StatusCode::INTERNAL_SERVER_ERROR,
            Outcome::TimedOut | Outcome::StoreFailed(_) | Outcome::Unavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    /// A short, stable name for logs and metrics: `handled`, `duplicate`, `in_progress`,
    /// `unverified`, `malformed`, `invalid`, `too_large`, `body_timeout`, `body_unreadable`,
    /// `bad_unique_key`, `failed`, `store_failed`, `panicked`, `timed_out`, `stored`,
    /// `already_stored` or `unavailable`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Handled => "handled",
            Outcome::Duplicate => "duplicate",
            Outcome::InProgress => "in_progress",
            Outcome::Refused(Refusal::Unverified(_)) => "unverified",
            Outcome::Refused(Refusal::Malformed(_)) => "malformed",
            Outcome::Refused(Refusal::Invalid(_)) => "invalid",
            Outcome::Refused(Refusal::TooLarge) => "too_large",
            Outcome::Refused(Refusal::BodyTimeout) => "body_timeout",
            Outcome::Refused(Refusal::BodyUnreadable) => "body_unreadable",
            Outcome::Refused(Refusal::UniqueKey(_)) => "bad_unique_key",
            Outcome::Failed(_) => "failed",
            Outcome::StoreFailed(_) => "store_failed",
            Outcome::Panicked => "panicked",
            Outcome::TimedOut => "timed_out",
            Outcome::Stored => "stored",
            Outcome::AlreadyStored => "already_stored",
            Outcome::Unavailable(_) => "unavailable",
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
            Outcome::StoreFailed(err) => err.fmt(f),
            Outcome::Panicked => f.write_str("handler panicked"),
            Outcome::TimedOut => f.write_str("handler ran past its deadline"),
            Outcome::Stored => f.write_str("stored in the inbox"),
            Outcome::AlreadyStored => f.write_str("already in the inbox"),
            Outcome::Unavailable(err) => write!(f, "the inbox could not store it: {err}"),
        }
    }
}

/// Checks a parsed webhook against its spec (set when validation is on, for the `E`
/// that implement `Validate`).
type Validator<E> = fn(&E) -> Result<(), Violations>;

/// Reads a verified body into a webhook: `E::from_slice` for generated types, the spec's
/// own parse for a spec held as a value.
type Parser<E> = Arc<dyn Fn(&[u8]) -> Result<E, ParseError> + Send + Sync>;

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
    settings: Settings<E>,
}

/// What a receiver does besides its handler and store.
struct Settings<E> {
    intake: Intake,
    parser: Parser<E>,
    validator: Option<Validator<E>>,
    /// `None` until set: no deadline for [`Receiver::receive`], the default one for
    /// [`Receiver::into_router`] (whose tokio runtime has a timer).
    #[cfg(feature = "tokio")]
    deadline: Option<Option<Duration>>,
}

/// Handlers are stopped after this long unless told otherwise: Lago gives up on a
/// delivery after 30 seconds and retries it.
#[cfg(feature = "tokio")]
pub const DEFAULT_HANDLER_DEADLINE: Duration = Duration::from_secs(25);

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

impl<E: Dispatch<H> + FromBody, H> Receiver<E, H> {
    /// A receiver of the webhooks `E` (any `lago_webhooks!` invocation's `WebhookEvent`),
    /// as [`Receiver::new`] builds for the bundled ones. The generated `receiver`
    /// function calls it, naming `E` for you.
    ///
    #[cfg_attr(
        not(feature = "bundled"),
        doc = "[`Receiver::new`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/receiver/struct.Receiver.html#method.new"
    )]
    pub fn for_events(verifier: Verifier, handler: H) -> Self {
        Receiver::parsing_with(verifier, handler, E::from_slice)
    }
}

impl<E: Dispatch<H>, H> Receiver<E, H> {
    /// A receiver that reads bodies into `E` with `parse`, which must refuse what the
    /// webhooks' spec refuses: for events whose spec is a value rather than a type.
    pub fn parsing_with(
        verifier: Verifier,
        handler: H,
        parse: impl Fn(&[u8]) -> Result<E, ParseError> + Send + Sync + 'static,
    ) -> Self {
        let settings = Settings {
            intake: Intake::default(),
            parser: Arc::new(parse),
            validator: None,
            #[cfg(feature = "tokio")]
            deadline: None,
        };
        Receiver { verifier, handler, dedup: InMemoryDeduplicator::default(), settings }
    }
}

impl<E: Dispatch<H>, H, D: Deduplicate> Receiver<E, H, D> {
    /// Deduplicates with `dedup` instead (a shared store, for several processes).
    pub fn with_deduplicator<D2: Deduplicate>(self, dedup: D2) -> Receiver<E, H, D2> {
        let Receiver { verifier, handler, settings, .. } = self;
        Receiver { verifier, handler, dedup, settings }
    }

    /// Refuses (with 422) payloads that break the spec's constraints. Lago retries a
    /// refused delivery, so turn this on only where a wrong payload must not be handled.
    pub fn with_validation(mut self, validate: bool) -> Self
    where
        E: Validate,
    {
        self.settings.validator = validate.then_some(|event: &E| event.validate());
        self
    }

    /// Refuses bodies over `bytes` (with 413).
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.settings.intake.body_limit = bytes;
        self
    }

    /// Refuses (with 400) deliveries without an `X-Lago-Unique-Key`. Lago always sends
    /// one; without this, a delivery with no key (or a blank one) is handled every time
    /// it comes, so a replayed or retried one is handled again.
    pub fn with_required_unique_key(mut self, required: bool) -> Self {
        self.settings.intake.require_unique_key = required;
        self
    }

    /// Calls `hook` with the raw headers and body of every delivery refused as malformed
    /// (400) or invalid (422), and why: to store or report them, since Lago's retries of
    /// such a delivery will be refused too.
    pub fn with_rejection_hook(mut self, hook: impl Fn(&Rejection<'_>) + Send + Sync + 'static) -> Self {
        self.settings.intake.on_rejection = Some(Arc::new(hook));
        self
    }

    /// Stops a handler still running after `deadline` and answers 503, freeing the
    /// delivery's key for Lago's retry; `None` lets handlers run as long as they take.
    /// Unless told otherwise, [`Receiver::into_router`] gives handlers
    /// [`DEFAULT_HANDLER_DEADLINE`] (25 s, under Lago's 30 s timeout) and
    /// [`Receiver::receive`] none. A deadline needs a tokio runtime with its timer enabled
    /// (`#[tokio::main]` enables it). A shared deduplicator's claim is renewed while the
    /// handler runs, whatever the deadline. (With the `tokio` feature, which `axum`,
    /// `redis` and `postgres` turn on.)
    #[cfg(feature = "tokio")]
    pub fn with_handler_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.settings.deadline = Some(deadline);
        self
    }

    /// Answers 408 to a request whose body takes longer than `timeout` to arrive
    /// (default 10 s), in [`Receiver::into_router`].
    #[cfg(feature = "axum")]
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.settings.intake.body_timeout = timeout;
        self
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// Verifies, parses and (when on) validates a delivery, without handling it: for a
    /// service that queues webhooks, or handles them its own way.
    pub fn accept(&self, headers: &HeaderMap, body: &[u8]) -> Result<Received<E>, Refusal> {
        let received = self.verified(headers, body)?;
        self.validated(&received)?;
        Ok(received)
    }

    /// The checks of [`Receiver::accept`] up to parsing.
    fn verified(&self, headers: &HeaderMap, body: &[u8]) -> Result<Received<E>, Refusal> {
        self.settings.intake.admit(headers, body)?;
        self.verifier.parse_with(headers, body, &*self.settings.parser)
    }

    /// Validation, when it is on.
    fn validated(&self, received: &Received<E>) -> Result<(), Refusal> {
        match self.settings.validator {
            Some(validate) => validate(&received.event).map_err(Refusal::Invalid),
            None => Ok(()),
        }
    }

    /// Takes one delivery through every step, stopping at the first that refuses it.
    ///
    /// With the `tracing` feature, each delivery gets a span (`lago_webhooks.delivery`)
    /// holding its webhook type, unique key and outcome ([`Outcome::name`]). A refusal is
    /// logged at warn with `status`, `webhook_type` (when the body told it, even if its
    /// payload did not parse), `pointer` (the JSON Pointer of a parse error, or of the
    /// first violation, with `violations` counting them) and `reason`; a handler's error
    /// at error as `lago webhook handler failed`; a deduplication store's failure at error
    /// as `lago webhook deduplication store failed`, with `store` and `operation`. None
    /// holds the body, a signature or a key, and the text a sender controls is cut and its
    /// control characters escaped.
    pub async fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Outcome {
        self.receive_inspected(headers, body, |_| {}).await
    }

    /// As [`Receiver::receive`], showing `inspect` each delivery it accepts, once parsed
    /// (and validated, when validation is on) and before it is deduplicated and handled:
    /// to print or record what arrives without parsing it again. A delivery refused
    /// before that is not shown; the outcome says why.
    pub async fn receive_inspected(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        inspect: impl FnOnce(&Received<E>),
    ) -> Outcome {
        let span = crate::log::delivery_span(crate::verify::unique_key(headers));
        let mut invalid_type = None;
        let receiving = self.receive_unlogged(headers, body, &span, &mut invalid_type, inspect);
        let outcome = crate::log::instrument(&span, receiving).await;
        log_outcome(&span, &outcome, invalid_type.as_deref());
        crate::counters::received(&outcome);
        outcome
    }

    /// Takes the delivery through every step; sets `invalid_type` to the webhook type of
    /// a payload refused as invalid, which the log of the refusal names.
    async fn receive_unlogged(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        span: &crate::log::Span,
        invalid_type: &mut Option<String>,
        inspect: impl FnOnce(&Received<E>),
    ) -> Outcome {
        let accepted = self.verified(headers, body).and_then(|received| {
            crate::log::webhook_type(span, received.event.webhook_type());
            match self.validated(&received) {
                Ok(()) => Ok(received),
                Err(refusal) => {
                    *invalid_type = Some(received.event.webhook_type().to_owned());
                    Err(refusal)
                }
            }
        });
        let received = match accepted {
            Ok(received) => received,
            Err(refusal) => {
                self.settings.intake.rejected(headers, body, &refusal);
                return Outcome::Refused(refusal);
            }
        };
        inspect(&received);
        let Received { event, delivery } = received;
        // An empty key identifies nothing: such deliveries are handled, not deduplicated.
        let key = delivery.unique_key.as_deref().filter(|key| !key.trim().is_empty()).map(KeyDigest::of);
        let Some(key) = key else {
            return self.dispatch(event, &delivery).await;
        };
        let token = match self.dedup.claim(&key).await {
            Ok(Claim::Claimed(token)) => token,
            Ok(Claim::Done) => return Outcome::Duplicate,
            Ok(Claim::InProgress) => return Outcome::InProgress,
            Err(err) => return Outcome::StoreFailed(StoreError::new(self.dedup.store_name(), "claim", err)),
        };
        // Released unless the handling succeeds, including when this future is dropped
        // (the caller hung up) or the handler panics or runs out of time; completed even
        // when this future is dropped after the handler succeeded.
        let claim = ClaimGuard::new(&self.dedup, key, token);
        let outcome = self.dispatch_holding(event, &delivery, &key, token).await;
        if matches!(outcome, Outcome::Handled) {
            claim.succeeded().await;
        }
        outcome
    }

    /// Dispatches while renewing the claim on `key`, for stores whose claims expire.
    async fn dispatch_holding(
        &self,
        event: E,
        delivery: &Delivery,
        key: &KeyDigest,
        token: ClaimToken,
    ) -> Outcome {
        #[cfg(feature = "tokio")]
        if let Some(every) = self.dedup.renewal() {
            let renew = || self.dedup.renew(key, token);
            return crate::handling::renewing(
                self.dispatch(event, delivery),
                every,
                renew,
                crate::log::claim_lost,
            )
            .await;
        }
        #[cfg(not(feature = "tokio"))]
        let _ = (key, token);
        self.dispatch(event, delivery).await
    }

    async fn dispatch(&self, event: E, delivery: &Delivery) -> Outcome {
        let handling = event.dispatch(&self.handler, delivery);
        #[cfg(feature = "tokio")]
        let ended = crate::handling::run(handling, self.settings.deadline.flatten()).await;
        #[cfg(not(feature = "tokio"))]
        let ended = crate::handling::run(handling).await;
        match ended {
            Ended::Succeeded => Outcome::Handled,
            Ended::Failed(err) => Outcome::Failed(err),
            Ended::Panicked => Outcome::Panicked,
            Ended::TimedOut => Outcome::TimedOut,
        }
    }
}

/// Records how a delivery ended in its span, and logs it; `invalid_type` is the webhook
/// type of a payload refused as invalid.
pub(crate) fn log_outcome(span: &crate::log::Span, outcome: &Outcome, invalid_type: Option<&str>) {
    use crate::log::Ending;
    let ending = match outcome {
        Outcome::Refused(refusal) => Ending::Refused { refusal, webhook_type: invalid_type },
        Outcome::Failed(err) => Ending::Failed(err),
        Outcome::StoreFailed(err) => Ending::StoreFailed(err),
        Outcome::Unavailable(err) => Ending::Unavailable(err),
        _ => Ending::Answered,
    };
    crate::log::outcome(span, outcome.name(), ending);
}

#[cfg(feature = "axum")]
impl<E, H, D> Endpoint for Receiver<E, H, D>
where
    E: Dispatch<H>,
    H: Send + Sync + 'static,
    D: Deduplicate + 'static,
{
    fn intake(&self) -> &Intake {
        &self.settings.intake
    }

    async fn receive(&self, headers: &HeaderMap, body: axum::body::Bytes) -> Outcome {
        Receiver::receive(self, headers, &body).await
    }
}

#[cfg(feature = "axum")]
impl<E, H, D> Receiver<E, H, D>
where
    E: Dispatch<H>,
    H: Send + Sync + 'static,
    D: Deduplicate + 'static,
{
    /// A router answering `POST path` with this receiver, to serve alone or to merge
    /// into your app's `Router<S>` whatever its state `S`. A body declared over the
    /// limit is refused with 413 before it is read, one that turns out over it as soon
    /// as it does; a body slower than the body timeout gets 408; handlers get
    /// [`DEFAULT_HANDLER_DEADLINE`] unless told otherwise. Serve it with
    /// [`crate::server::serve`] for limits on connections too, and a graceful stop.
    ///
    /// It runs on tokio with its timer enabled, as `#[tokio::main]` sets it up.
    pub fn into_router<S: Clone + Send + Sync + 'static>(mut self, path: &str) -> axum::Router<S> {
        self.settings.deadline.get_or_insert(Some(DEFAULT_HANDLER_DEADLINE));
        router(Arc::new(self), path)
    }
}
