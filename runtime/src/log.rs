//! What the receiver logs, with the `tracing` feature; nothing without it.
//!
//! A span per delivery holds its webhook type, unique key and outcome; a refusal is
//! logged at warn with its reason. Nothing logged holds the body, a signature or a key:
//! a parse error is told by its kind and place (its message may quote the body), and a
//! violation by its rule and place (its message quotes the value).

use std::future::Future;

use crate::Refusal;

/// Unique keys are UUIDs and webhook types short words; anything much longer is cut, so
/// that a hostile request cannot fill the logs. (tracing escapes these text fields.)
#[cfg(feature = "tracing")]
const MAX_LOGGED_KEY: usize = 128;

#[cfg(feature = "tracing")]
pub(crate) use tracing::Span;

/// At most [`MAX_LOGGED_KEY`] characters of `text`.
#[cfg(feature = "tracing")]
fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_LOGGED_KEY) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Nothing to record into without the `tracing` feature.
#[cfg(not(feature = "tracing"))]
pub(crate) struct Span;

/// The span of one delivery.
#[cfg(feature = "tracing")]
pub(crate) fn delivery_span(unique_key: Option<&str>) -> Span {
    let unique_key = unique_key.map(cut);
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

/// Records the webhook type once the body is parsed (cut like unique keys: a type the
/// spec does not know is the caller's text).
pub(crate) fn webhook_type(span: &Span, webhook_type: &str) {
    #[cfg(feature = "tracing")]
    span.record("webhook_type", cut(webhook_type));
    #[cfg(not(feature = "tracing"))]
    let _ = (span, webhook_type);
}

/// A claim's renewal failed while its handler runs: a retry may be handled beside it if
/// the lease runs out before the next renewal succeeds.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn claim_lost(why: String) {
    #[cfg(feature = "tracing")]
    tracing::warn!(reason = %why, "lago webhook claim not renewed");
    #[cfg(not(feature = "tracing"))]
    let _ = why;
}

/// The span of one attempt of an inbox worker.
#[cfg(feature = "tracing")]
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn attempt_span(unique_key: &str, webhook_type: &str, attempt: u32) -> Span {
    tracing::info_span!(
        "lago_webhooks.attempt",
        webhook_type = cut(webhook_type),
        unique_key = cut(unique_key),
        attempt,
        outcome = tracing::field::Empty,
    )
}

#[cfg(not(feature = "tracing"))]
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn attempt_span(_: &str, _: &str, _: u32) -> Span {
    Span
}

/// Records how an attempt ended (`succeeded`, `failed`, ...), and logs it at debug.
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn attempt_outcome(span: &Span, name: &'static str) {
    #[cfg(feature = "tracing")]
    {
        span.record("outcome", name);
        tracing::debug!(parent: span, outcome = name, "lago webhook attempt ended");
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (span, name);
}

/// An attempt failed and its delivery is attempted again after `delay`. The error is the
/// handler's, which is the service's own text.
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn retrying(error: &str, delay: std::time::Duration) {
    #[cfg(feature = "tracing")]
    tracing::warn!(error, retry_in_secs = delay.as_secs_f64(), "lago webhook attempt failed; retrying later");
    #[cfg(not(feature = "tracing"))]
    let _ = (error, delay);
}

/// A delivery was moved to the dead letter.
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn buried(reason: &str) {
    #[cfg(feature = "tracing")]
    tracing::error!(reason, "lago webhook delivery moved to the dead letter");
    #[cfg(not(feature = "tracing"))]
    let _ = reason;
}

/// An attempt's handler succeeded after its lease was taken over by another worker.
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn lease_lost() {
    #[cfg(feature = "tracing")]
    tracing::warn!("lago webhook attempt succeeded after another worker took its delivery over");
}

/// The inbox's store failed an `operation` of a worker.
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub(crate) fn store_failed(operation: &'static str, err: &dyn std::fmt::Display) {
    #[cfg(feature = "tracing")]
    tracing::error!(operation, error = %err, "lago webhook inbox store failed");
    #[cfg(not(feature = "tracing"))]
    let _ = (operation, err);
}

/// How a delivery ended, as the log tells it (read only with the `tracing` feature).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) enum Ending<'a> {
    /// Refused before its handler, for this reason.
    Refused(&'a Refusal),
    /// The handler or the store failed with this error.
    Failed(&'a dyn std::fmt::Display),
    /// The inbox could not store the delivery, for this reason.
    Unavailable(&'a dyn std::fmt::Display),
    /// Anything else: handled, a duplicate, in progress, panicked, timed out.
    Answered,
}

/// Records the outcome `name` in the span, and logs how the delivery ended: refusals at
/// warn, failures at error, the rest at debug.
pub(crate) fn outcome(span: &Span, name: &'static str, ending: Ending<'_>) {
    #[cfg(feature = "tracing")]
    {
        span.record("outcome", name);
        match ending {
            Ending::Refused(refusal) => {
                tracing::warn!(parent: span, reason = %Reason(refusal), "lago webhook delivery refused")
            }
            Ending::Failed(err) => tracing::error!(parent: span, error = %err, "lago webhook handler failed"),
            Ending::Unavailable(err) => {
                tracing::error!(parent: span, error = %err, "lago webhook inbox could not store a delivery")
            }
            Ending::Answered => {
                tracing::debug!(parent: span, outcome = name, "lago webhook delivery answered")
            }
        }
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (span, name, ending);
}

/// A refusal told without quoting anything the request carries: a parse error by its
/// kind and place in the text (its message and pointer may quote the body), a violation
/// by its rule and spec path, a signature problem by its kind (the header values it
/// names are the caller's, unbounded and unverified).
#[cfg(feature = "tracing")]
struct Reason<'a>(&'a Refusal);

#[cfg(feature = "tracing")]
impl std::fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::verify::VerifyError;
        match self.0 {
            Refusal::Malformed(err) => {
                write!(
                    f,
                    "body refused: {:?} error at line {}, column {}",
                    err.kind(),
                    err.line(),
                    err.column()
                )
            }
            Refusal::Invalid(violations) => {
                write!(f, "payload refused: {} violation(s):", violations.len())?;
                for violation in violations.iter() {
                    write!(f, " {} at {};", violation.rule(), violation.pointer())?;
                }
                Ok(())
            }
            Refusal::Unverified(err) => {
                let why = match err {
                    VerifyError::MissingHeader(header) => {
                        return write!(f, "signature refused: missing header `{header}`");
                    }
                    VerifyError::UnknownAlgorithm(_) => "unknown signature algorithm",
                    VerifyError::NoKeyFor(algorithm) => {
                        return write!(f, "signature refused: no key for `{algorithm}`");
                    }
                    VerifyError::BadEncoding(what) => {
                        return write!(f, "signature refused: badly encoded {what}");
                    }
                    VerifyError::UnsupportedJwtAlgorithm(_) => "the JWT algorithm is not RS256",
                    VerifyError::BadSignature => "the signature does not match",
                    VerifyError::IssuerMismatch { .. } => "the JWT names another issuer",
                    VerifyError::BodyMismatch => "the JWT was signed for another body",
                    VerifyError::Expired => "the JWT has expired",
                    VerifyError::NotYetValid => "the JWT is not valid yet",
                    VerifyError::UnsupportedJwtExtension => "the JWT requires unsupported extensions",
                };
                write!(f, "signature refused: {why}")
            }
            other => other.fmt(f),
        }
    }
}
