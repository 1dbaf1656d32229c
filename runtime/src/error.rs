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
    /// A body `serde_json` could not read, located where it stopped; no pointer and no
    /// webhook type known.
    pub(crate) fn from_json(err: &serde_json::Error) -> ParseError {
        let kind = match err.classify() {
            serde_json::error::Category::Eof => ParseErrorKind::Eof,
            serde_json::error::Category::Data => ParseErrorKind::Data,
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => ParseErrorKind::Syntax,
        };
        let message = lago_webhooks_core::json::error_message(err);
        // serde_json reports column 0 for an error before the first character of a line.
        let column = err.column().max(1);
        ParseError { kind, webhook_type: None, pointer: String::new(), line: err.line(), column, message }
    }

    /// An error about the envelope as a whole, located at its opening brace.
    pub(crate) fn at_envelope(
        body: &[u8],
        kind: ParseErrorKind,
        webhook_type: Option<String>,
        message: String,
    ) -> ParseError {
        let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
        let before = &body[..start];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = start - before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        ParseError { kind, webhook_type, pointer: String::new(), line, column, message }
    }

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
