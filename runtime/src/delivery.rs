//! What a delivery carries besides its payload, what a verified delivery gives, and why
//! one is refused.

use std::fmt;
use std::time::SystemTime;

use http::StatusCode;

use crate::verify::{Algorithm, VerifyError};
use crate::{ParseError, Violations};

/// What Lago's headers and envelope say about one delivery: handed to every handler
/// method next to the payload, for logging, tracing or deduplicating on your own.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// Its `X-Lago-Unique-Key`: the same on every retry of this delivery.
    pub unique_key: Option<String>,
    /// The envelope's `organization_id` (Lago versions before September 2025 send none).
    pub organization_id: Option<String>,
    /// The scheme that signed it; `None` when the webhook was not verified (a handler
    /// called directly, in a test or from a queue).
    pub algorithm: Option<Algorithm>,
    /// Which attempt at handling it this is, from 1. An inbox worker counts every attempt
    /// at the stored delivery, those a crash cut short included (a copy stored twice, as
    /// each engine's documentation says when, counts its own). A receiver handling
    /// deliveries as they arrive cannot count Lago's tries, and says 1.
    pub attempt: u32,
    /// When the inbox received it; `None` for a delivery handled as it arrives.
    pub received_at: Option<SystemTime>,
}

impl Default for Delivery {
    /// Nothing known, first attempt.
    fn default() -> Self {
        Delivery { unique_key: None, organization_id: None, algorithm: None, attempt: 1, received_at: None }
    }
}

impl Delivery {
    /// A delivery with the given unique key and nothing else known: for calling a
    /// handler directly.
    pub fn with_unique_key(unique_key: impl Into<String>) -> Self {
        Delivery { unique_key: Some(unique_key.into()), ..Delivery::default() }
    }
}

/// A delivery that passed verification (and validation, when asked): the webhook and
/// what came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Received<E> {
    /// The webhook.
    pub event: E,
    /// Its unique key, organization and signature scheme.
    pub delivery: Delivery,
}

/// Why a delivery was refused before reaching a handler.
#[derive(Debug)]
#[non_exhaustive]
pub enum Refusal {
    /// The signature is missing or wrong.
    Unverified(VerifyError),
    /// The body is not a webhook the spec can parse.
    Malformed(ParseError),
    /// The payload breaks the spec's constraints (only when validation is on).
    Invalid(Violations),
    /// The body is over the limit.
    TooLarge,
    /// The body did not arrive within the receiver's body timeout.
    BodyTimeout,
    /// The body could not be read: the connection broke, or its framing is wrong.
    BodyUnreadable,
    /// The `X-Lago-Unique-Key` header is unusable: longer than Lago's by far, or absent
    /// when the receiver requires one.
    UniqueKey(UniqueKeyError),
}

/// What is wrong with a delivery's unique key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UniqueKeyError {
    /// Longer than [`MAX_UNIQUE_KEY_LEN`](crate::dedup::MAX_UNIQUE_KEY_LEN) bytes.
    #[error("the unique key is {0} bytes long, over the 256 allowed")]
    TooLong(usize),
    /// Absent or blank, and the receiver requires one.
    #[error("the unique key header is missing")]
    Missing,
}

impl Refusal {
    /// The status to answer Lago with: 401, 400, 422, 413 or 408. Lago retries each of them.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::Unverified(_) => StatusCode::UNAUTHORIZED,
            Refusal::Malformed(_) => StatusCode::BAD_REQUEST,
            Refusal::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Refusal::BodyUnreadable => StatusCode::BAD_REQUEST,
            Refusal::UniqueKey(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Unverified(err) => write!(f, "signature refused: {err}"),
            Refusal::Malformed(err) => write!(f, "body refused: {err}"),
            Refusal::Invalid(violations) => write!(f, "payload refused:\n{violations}"),
            Refusal::TooLarge => f.write_str("body too large"),
            Refusal::BodyTimeout => f.write_str("body not received in time"),
            Refusal::BodyUnreadable => f.write_str("body could not be read"),
            Refusal::UniqueKey(err) => write!(f, "delivery refused: {err}"),
        }
    }
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Refusal::Unverified(err) => Some(err),
            Refusal::Malformed(err) => Some(err),
            Refusal::Invalid(violations) => Some(violations),
            Refusal::UniqueKey(err) => Some(err),
            Refusal::TooLarge | Refusal::BodyTimeout | Refusal::BodyUnreadable => None,
        }
    }
}
