//! Errors of parsing a webhook body.

use std::fmt;

/// What kind of problem stopped parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The body is not valid JSON.
    Syntax,
    /// The body ends in the middle of a value.
    Eof,
    /// A value has the wrong type (or the body is not a JSON object).
    Data,
    /// The envelope has no `webhook_type`.
    MissingWebhookType,
    /// The envelope of a known webhook type lacks its payload key.
    MissingPayload,
}

/// Why a webhook body could not be parsed, and where.
///
/// ```
/// # #[cfg(feature = "bundled")] {
/// use lago_webhooks::{ParseErrorKind, WebhookEvent};
///
/// let body = br#"{"webhook_type": "fee.created", "object_type": "fee", "fee": {"amount_cents": "ten"}}"#;
/// let err = WebhookEvent::from_slice(body).unwrap_err();
/// assert_eq!(err.kind(), ParseErrorKind::Data);
/// assert_eq!(err.webhook_type(), Some("fee.created"));
/// assert_eq!(err.pointer(), "/fee/amount_cents");
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub(crate) kind: ParseErrorKind,
    pub(crate) webhook_type: Option<String>,
    pub(crate) pointer: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

impl ParseError {
    /// What kind of problem it is.
    pub fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    /// The body's `webhook_type`, when it was read before the problem.
    pub fn webhook_type(&self) -> Option<&str> {
        self.webhook_type.as_deref()
    }

    /// JSON Pointer of the offending value (`/invoice/fees/0/units`); empty for the envelope.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// 1-based line of the problem in the body.
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column of the problem in the body.
    pub fn column(&self) -> usize {
        self.column
    }

    /// The problem, without its location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(webhook_type) = &self.webhook_type {
            write!(f, "{webhook_type}: ")?;
        }
        f.write_str(&self.message)?;
        if !self.pointer.is_empty() {
            write!(f, " at {}", self.pointer)?;
        }
        write!(f, " (line {}, column {})", self.line, self.column)
    }
}

impl std::error::Error for ParseError {}

/// A string that is not a webhook type of the spec, from `WebhookType::from_str`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown webhook type `{0}`")]
pub struct UnknownWebhookType(String);

impl UnknownWebhookType {
    /// The error for `webhook_type`.
    pub fn new(webhook_type: &str) -> Self {
        UnknownWebhookType(webhook_type.to_owned())
    }

    /// The string that was not recognised.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
