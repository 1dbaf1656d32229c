//! What the receiver logs, with the `tracing` feature; nothing without it.
//!
//! A span per delivery holds its webhook type, unique key and outcome; a refusal is
//! logged at warn with the status answered, the webhook type (when the body told it), the
//! JSON Pointer the answer names and the reason; a deduplication store that fails is
//! logged as the store's failure, not the handler's. Nothing logged holds the body, a
//! signature or a key: a parse error is told by its kind and place (its message may quote
//! the body), and a violation by its rule and place (its message quotes the value).
//!
//! Text a sender controls (a webhook type, a unique key, a pointer, which may name the
//! body's keys) is cut, and its control characters escaped, before it reaches a field:
//! the fmt layer writes `Display` fields as they are, and a layer may write text fields
//! so too, so a raw line break could forge a log line.

#[cfg(feature = "tracing")]
use std::borrow::Cow;
use std::future::Future;

use crate::Refusal;
use crate::dedup::StoreError;

/// Unique keys are UUIDs and webhook types short words; anything much longer is cut, so
/// that a hostile request cannot fill the logs.
#[cfg(feature = "tracing")]
const MAX_LOGGED_KEY: usize = 128;

/// JSON Pointers are longer than keys (`/invoice/fees/0/charge/properties/...`), and as
/// much the sender's.
#[cfg(feature = "tracing")]
const MAX_LOGGED_POINTER: usize = 256;

/// A refusal's reason names this many violations at most, and counts the rest.
#[cfg(feature = "tracing")]
const MAX_LOGGED_VIOLATIONS: usize = 10;

#[cfg(feature = "tracing")]
pub(crate) use tracing::Span;

/// At most [`MAX_LOGGED_KEY`] characters of `text`, made [`safe`].
#[cfg(feature = "tracing")]
fn cut(text: &str) -> Cow<'_, str> {
    safe(text, MAX_LOGGED_KEY)
}

/// At most `max` characters of `text`, with the characters that could break or forge a
/// log line (control characters, line and paragraph separators, bidirectional overrides)
/// escaped as `\n`, `\u{1b}`, ...: borrowed when there are none, as with Lago's text.
#[cfg(feature = "tracing")]
fn safe(text: &str, max: usize) -> Cow<'_, str> {
    let text = match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    if !text.chars().any(breaks_logs) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if breaks_logs(c) {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// Whether `c` could break a log line or change how the rest of it reads: the one set
/// the command's terminal output escapes too.
#[cfg(feature = "tracing")]
fn breaks_logs(c: char) -> bool {
    lago_webhooks_core::shown::needs_escaping(c)
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
        unique_key = unique_key.as_deref(),
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
    span.record("webhook_type", &*cut(webhook_type));
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
        webhook_type = &*cut(webhook_type),
        unique_key = &*cut(unique_key),
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

/// A deduplication store failed `err`'s operation outside a delivery's answer: completing
/// a handled delivery's key (a retry may then be handled again once its claim's lease
/// ends), or releasing a failed one's (its lease frees it).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn dedup_store_failed(err: &StoreError) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        store = err.store(),
        operation = err.operation(),
        error = %err.error(),
        "lago webhook deduplication store failed"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = err;
}

/// How a delivery ended, as the log tells it (read only with the `tracing` feature).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) enum Ending<'a> {
    /// Refused before its handler, for this reason; `webhook_type` is the parsed
    /// payload's, when it was refused as invalid (a parse error carries its own).
    Refused { refusal: &'a Refusal, webhook_type: Option<&'a str> },
    /// The handler failed with this error.
    Failed(&'a dyn std::fmt::Display),
    /// The deduplication store failed, so the delivery was not handled.
    StoreFailed(&'a StoreError),
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
            Ending::Refused { refusal, webhook_type } => refused(span, refusal, webhook_type),
            Ending::Failed(err) => tracing::error!(parent: span, error = %err, "lago webhook handler failed"),
            Ending::StoreFailed(err) => tracing::error!(
                parent: span,
                store = err.store(),
                operation = err.operation(),
                error = %err.error(),
                "lago webhook deduplication store failed"
            ),
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

/// Logs a refusal at warn with what its answer says: the status, the webhook type when
/// the body told it (even when its payload did not parse), the JSON Pointer of a parse
/// error or of the first violation and how many there are, and the reason.
#[cfg(feature = "tracing")]
fn refused(span: &Span, refusal: &Refusal, webhook_type: Option<&str>) {
    let (pointer, violations) = match refusal {
        // The answer names no pointer for an error about the envelope as a whole.
        Refusal::Malformed(err) => ((!err.pointer().is_empty()).then(|| err.pointer()), None),
        Refusal::Invalid(violations) => {
            (violations.iter().next().map(|v| v.pointer()), Some(violations.len()))
        }
        _ => (None, None),
    };
    let webhook_type = match refusal {
        // The type of a body that did not parse is not in the span yet.
        Refusal::Malformed(err) => err.webhook_type().map(cut).inspect(|webhook_type| {
            span.record("webhook_type", &**webhook_type);
        }),
        _ => webhook_type.map(cut),
    };
    let pointer = pointer.map(|pointer| safe(pointer, MAX_LOGGED_POINTER));
    tracing::warn!(
        parent: span,
        status = refusal.status().as_u16(),
        webhook_type = webhook_type.as_deref(),
        pointer = pointer.as_deref(),
        violations,
        reason = %Reason(refusal),
        "lago webhook delivery refused"
    );
}

/// A refusal told without quoting anything the request carries: a parse error by its
/// kind and place in the text (its message may quote the body), violations by their rules
/// and pointers (escaped; the first [`MAX_LOGGED_VIOLATIONS`], then a count), a signature
/// problem by its kind (the header values it names are the caller's, unbounded and
/// unverified).
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
                for violation in violations.iter().take(MAX_LOGGED_VIOLATIONS) {
                    let pointer = safe(violation.pointer(), MAX_LOGGED_POINTER);
                    write!(f, " {} at {pointer};", violation.rule())?;
                }
                match violations.len().checked_sub(MAX_LOGGED_VIOLATIONS) {
                    Some(more) if more > 0 => write!(f, " and {more} more"),
                    _ => Ok(()),
                }
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

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use super::*;

    #[test]
    fn text_from_a_sender_is_cut_and_its_control_characters_escaped() {
        assert!(matches!(safe("fee.created", 128), Cow::Borrowed("fee.created")));
        assert_eq!(safe("a\nb\u{1b}[2Kc\u{2028}d\u{202e}", 128), r"a\nb\u{1b}[2Kc\u{2028}d\u{202e}");
        assert_eq!(safe("héllo", 2), "hé");
        assert_eq!(safe(&"x".repeat(1000), MAX_LOGGED_POINTER).len(), MAX_LOGGED_POINTER);
    }
}
