//! The receiving half of an inbox: verify, store, answer.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;

use super::{Enqueued, Entry, Inbox, InboxError};
use crate::Refusal;
use crate::receiver::{Intake, Outcome, Rejection, log_outcome};
use crate::verify::Verifier;

/// How long a receiver waits for the inbox to confirm a write unless told otherwise:
/// well under Lago's 30 s timeout, so that Lago gets a 503 it retries rather than a
/// timeout.
pub const DEFAULT_STORE_DEADLINE: Duration = Duration::from_secs(10);

/// Receives deliveries into an inbox: verifies each, stores its raw body and what
/// identifies it, and answers Lago 200 once the store has confirmed the write.
///
/// It does not parse the payload: a delivery whose payload the types cannot read is
/// stored all the same and goes to the dead letter at its first attempt, where it waits
/// for types that read it and a replay, instead of being refused and lost after Lago's
/// three tries. It refuses what no types could ever read (a body that is not a JSON
/// object with a string `webhook_type`, 400), what is not signed by Lago (401), and
/// bodies over the limit (413). A store that cannot confirm in time gets Lago a 503, and
/// Lago's retry.
///
/// It serves any spec's types: the [`Worker`](super::Worker) parses them.
pub struct InboxReceiver<I> {
    verifier: Verifier,
    inbox: I,
    intake: Intake,
    deadline: Duration,
}

impl<I: Inbox> InboxReceiver<I> {
    /// A receiver checking signatures with `verifier` and storing deliveries in `inbox`,
    /// with a 1 MiB body limit and a 10 s deadline for the store's confirmation.
    pub fn new(verifier: Verifier, inbox: I) -> Self {
        InboxReceiver { verifier, inbox, intake: Intake::default(), deadline: DEFAULT_STORE_DEADLINE }
    }

    /// Refuses bodies over `bytes` (with 413).
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.intake.body_limit = bytes;
        self
    }

    /// Refuses (with 400) deliveries without an `X-Lago-Unique-Key`. Lago always sends
    /// one; without this, a delivery with no key is stored under a key derived from its
    /// body ([`DERIVED_KEY_PREFIX`](super::DERIVED_KEY_PREFIX)).
    pub fn with_required_unique_key(mut self, required: bool) -> Self {
        self.intake.require_unique_key = required;
        self
    }

    /// Calls `hook` with the raw headers and body of every delivery refused as malformed
    /// (400): its body is not a webhook envelope.
    pub fn with_rejection_hook(mut self, hook: impl Fn(&Rejection<'_>) + Send + Sync + 'static) -> Self {
        self.intake.on_rejection = Some(Arc::new(hook));
        self
    }

    /// Answers 503 when the store has not confirmed a write after `deadline` (default
    /// 10 s; keep it under Lago's 30 s timeout).
    pub fn with_store_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Answers 408 to a request whose body takes longer than `timeout` to arrive
    /// (default 10 s), in [`InboxReceiver::into_router`].
    #[cfg(feature = "axum")]
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.intake.body_timeout = timeout;
        self
    }

    /// The inbox.
    pub fn inbox(&self) -> &I {
        &self.inbox
    }

    /// Verifies a delivery and reads what the inbox keeps of it, without storing it.
    pub fn accept(&self, headers: &HeaderMap, body: Bytes) -> Result<Entry, Refusal> {
        let unique_key = self.intake.admit(headers, &body)?;
        let verified = self.verifier.verify(&body, headers).map_err(Refusal::Unverified)?;
        let entry = Entry::from_body(unique_key, body).map_err(Refusal::Malformed)?;
        Ok(entry.verified_with(verified.algorithm))
    }

    /// Takes one delivery through verification and into the inbox, and says what to
    /// answer: 200 once stored (or when it was already), 503 when the store could not
    /// confirm in time, the refusal's status otherwise.
    ///
    /// With the `tracing` feature, each delivery gets a span (`lago_webhooks.delivery`)
    /// with its webhook type, unique key and outcome (`stored`, `already_stored`,
    /// `unavailable`, or a refusal's).
    pub async fn receive(&self, headers: &HeaderMap, body: Bytes) -> Outcome {
        let span = crate::log::delivery_span(crate::verify::unique_key(headers));
        let outcome = crate::log::instrument(&span, self.receive_unlogged(headers, body, &span)).await;
        log_outcome(&span, &outcome, None);
        crate::counters::received(&outcome);
        outcome
    }

    async fn receive_unlogged(&self, headers: &HeaderMap, body: Bytes, span: &crate::log::Span) -> Outcome {
        let entry = match self.accept(headers, body.clone()) {
            Ok(entry) => entry,
            Err(refusal) => {
                self.intake.rejected(headers, &body, &refusal);
                return Outcome::Refused(refusal);
            }
        };
        crate::log::webhook_type(span, &entry.webhook_type);
        match tokio::time::timeout(self.deadline, self.inbox.enqueue(&entry)).await {
            Ok(Ok(Enqueued::Stored)) => Outcome::Stored,
            Ok(Ok(Enqueued::AlreadyStored)) => Outcome::AlreadyStored,
            Ok(Ok(Enqueued::InProgress)) => Outcome::InProgress,
            Ok(Err(err)) => Outcome::Unavailable(Box::new(err)),
            Err(_) => Outcome::Unavailable(Box::new(InboxError::Timeout(self.deadline))),
        }
    }
}

#[cfg(feature = "axum")]
impl<I: Inbox> crate::receiver::Endpoint for InboxReceiver<I> {
    fn intake(&self) -> &Intake {
        &self.intake
    }

    fn receive(&self, headers: &HeaderMap, body: Bytes) -> impl std::future::Future<Output = Outcome> + Send {
        InboxReceiver::receive(self, headers, body)
    }
}

#[cfg(feature = "axum")]
impl<I: Inbox> InboxReceiver<I> {
    /// A router answering `POST path` with this receiver, to serve alone or to merge into
    /// your app's `Router<S>`, as [`Receiver::into_router`](crate::receiver::Receiver::into_router)
    /// does. Serve it with [`crate::server::serve`].
    pub fn into_router<S: Clone + Send + Sync + 'static>(self, path: &str) -> axum::Router<S> {
        crate::receiver::router(Arc::new(self), path)
    }
}
