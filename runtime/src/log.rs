//! What the receiver logs, with the `tracing` feature; nothing without it.
//!
//! A span per delivery holds its webhook type, unique key and outcome; a refusal is
//! logged at warn with its reason. Nothing logged holds the body, a signature or a key:
//! a parse error is told by its kind and place (its message may quote the body), and a
//! violation by its rule and place (its message quotes the value).

use std::future::Future;

#[cfg(feature = "tracing")]
use crate::Refusal;
use crate::receiver::Outcome;

/// Unique keys are UUIDs; anything much longer is cut, so a hostile header cannot fill
/// the logs.
#[cfg(feature = "tracing")]
const MAX_LOGGED_KEY: usize = 128;

#[cfg(feature = "tracing")]
pub(crate) use tracing::Span;

/// Nothing to record into without the `tracing` feature.
#[cfg(not(feature = "tracing"))]
pub(crate) struct Span;

/// The span of one delivery.
#[cfg(feature = "tracing")]
pub(crate) fn delivery_span(unique_key: Option<&str>) -> Span {
    let unique_key = unique_key.map(|key| match key.char_indices().nth(MAX_LOGGED_KEY) {
        Some((end, _)) => &key[..end],
        None => key,
    });
    tracing::info_span!(
        "lago_webhooks.delivery",
        webhook_type = tracing::field::Empty,
        unique_key = unique_key,
        outcome = tracing::field::Empty,
    )
}

#[cfg(not(feature = "tracing"))]
pub(crate) fn delivery_span(_: Option<&str>) -> Span {
    Span
}

/// Runs `future` inside `span`.
pub(crate) async fn instrument<F: Future>(span: &Span, future: F) -> F::Output {
    #[cfg(feature = "tracing")]
    {
        tracing::Instrument::instrument(future, span.clone()).await
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = span;
        future.await
    }
}

/// Records the webhook type once the body is parsed.
pub(crate) fn webhook_type(span: &Span, webhook_type: &str) {
    #[cfg(feature = "tracing")]
    span.record("webhook_type", webhook_type);
    #[cfg(not(feature = "tracing"))]
    let _ = (span, webhook_type);
}

/// Records the outcome, and logs it: refusals at warn, failures at error, the rest at
/// debug.
pub(crate) fn outcome(span: &Span, outcome: &Outcome) {
    #[cfg(feature = "tracing")]
    {
        span.record("outcome", outcome.name());
        match outcome {
            Outcome::Refused(refusal) => {
                tracing::warn!(parent: span, reason = %Reason(refusal), "lago webhook delivery refused")
            }
            Outcome::Failed(err) => {
                tracing::error!(parent: span, error = %err, "lago webhook handler failed")
            }
            other => tracing::debug!(parent: span, outcome = other.name(), "lago webhook delivery answered"),
        }
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (span, outcome);
}

/// A refusal told without quoting the body.
#[cfg(feature = "tracing")]
struct Reason<'a>(&'a Refusal);

#[cfg(feature = "tracing")]
impl std::fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Refusal::Malformed(err) => {
                write!(f, "body refused: {:?} error", err.kind())?;
                if !err.pointer().is_empty() {
                    write!(f, " at {}", err.pointer())?;
                }
                write!(f, " (line {}, column {})", err.line(), err.column())
            }
            Refusal::Invalid(violations) => {
                write!(f, "payload refused: {} violation(s):", violations.len())?;
                for violation in violations.iter() {
                    write!(f, " {} at {};", violation.rule(), violation.pointer())?;
                }
                Ok(())
            }
            other => other.fmt(f),
        }
    }
}
