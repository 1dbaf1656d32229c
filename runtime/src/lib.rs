//! Typed Lago webhooks: parse, validate, verify and receive the webhooks Lago sends.
//!
//! [Lago](https://getlago.com) POSTs JSON webhooks (`invoice.created`, `fee.created`,
//! `wallet_transaction.created`, ...) to your server. This crate reads each body into a
//! typed [`WebhookEvent`], checks it against the spec, verifies its signature, and hands
//! it to your handler once per delivery. The types come from a spec of Lago's messages:
//! the bundled one (`spec/lago-webhooks.json`), whose types are in [`types`] (and at the
//! crate root), or your own copy, through [`lago_webhooks!`].
//!
//! # Entry points
//!
//! - **Parse**: [`WebhookEvent::from_slice`] reads a body into a typed webhook, or into a
//!   [`ParseError`] naming the JSON Pointer, line and column of the problem;
//!   [`FromBody`] does the same for the `WebhookEvent` of any `lago_webhooks!` call.
//! - **Validate**: [`Validate::validate`] checks a parsed webhook against the spec's
//!   constraints (formats, ranges, patterns, ...) and returns every [`Violation`], each
//!   with its rule and JSON Pointer ([`validate`]).
//! - **Verify**: [`verify::Verifier::parse`] takes the raw headers and body to a
//!   verified, typed webhook ([`Received`]): Lago's HMAC signatures, and with `jwt` its
//!   RS256 JWTs.
//! - **Receive**: [`receiver::Receiver`] verifies, parses, validates (when asked),
//!   deduplicates ([`dedup`]) and dispatches each delivery, and says what to answer Lago
//!   ([`receiver::Outcome::status`]); with `axum`, [`server::serve`] serves its router
//!   with limits on connections and a graceful stop.
//! - **Inbox**: with `inbox`, the [`inbox`] module stores each delivery durably before
//!   answering Lago, and a worker hands it to your handler afterwards, retrying what
//!   fails, so that none is lost.
//! - **Handle**: implement [`WebhookHandler`] (`&mut self`, called with
//!   [`WebhookHandler::handle`]) or [`AsyncWebhookHandler`] (`&self`, async, with the
//!   [`Delivery`]: what receivers and inbox workers call). Every method has a default
//!   that accepts the webhook, so you implement the types you care about. With
//!   `dynamic`, [`dynamic`] does all of the above for a spec read at run time.
//!
//! ```
//! # #[cfg(feature = "bundled")] {
//! use lago_webhooks::{HandlerResult, Invoice, WebhookEvent, WebhookHandler};
//!
//! #[derive(Default)]
//! struct Billing {
//!     finalized: Vec<String>,
//! }
//!
//! impl WebhookHandler for Billing {
//!     fn on_invoice_created(&mut self, invoice: Invoice) -> HandlerResult {
//!         self.finalized.push(invoice.number);
//!         Ok(())
//!     }
//! }
//!
//! let body = br#"{
//!     "webhook_type": "invoice.created",
//!     "object_type": "invoice",
//!     "invoice": {"lago_id": "5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba", "sequential_id": 2,
//!                 "number": "LAG-1234-001-002", "issuing_date": "2022-04-29",
//!                 "total_amount_cents": 120, "file_url": null}
//! }"#;
//! let mut billing = Billing::default();
//! billing.handle(WebhookEvent::from_slice(body)?)?;
//! assert_eq!(billing.finalized, ["LAG-1234-001-002"]);
//! # }
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```
//!
//! Parsing is lenient where Lago evolves (unknown fields are ignored, unknown
//! enumeration values and webhook types are kept) and strict where the payload is
//! wrong (a known webhook type whose payload has a wrongly typed value is a
//! [`ParseError`] naming its JSON Pointer, line and column).
//!
//! # Validation in the receiver
//!
//! A receiver parses but does not validate unless told to:
//! [`Receiver::with_validation(true)`](receiver::Receiver::with_validation) refuses a
//! payload that breaks the spec's constraints with 422, whose body says `payload
//! refused:` and then one `pointer: message` line per violation. Lago retries a refused
//! delivery (as it does any answer but 200, 201, 202 and 204), so turn it on where a
//! payload that breaks the spec must not reach the handler.
//!
//! ```
//! # #[cfg(feature = "bundled")] {
//! use lago_webhooks::AsyncWebhookHandler;
//! use lago_webhooks::receiver::Receiver;
//! use lago_webhooks::verify::Verifier;
//!
//! struct Billing;
//! impl AsyncWebhookHandler for Billing {}
//!
//! let receiver = Receiver::new(Verifier::new().with_hmac("my-hmac-key")?, Billing)
//!     .with_validation(true);
//! # let _ = receiver;
//! # }
//! # Ok::<(), lago_webhooks::verify::KeyError>(())
//! ```
//!
//! Everything beyond the generated types works with the types of any invocation of the
//! macro, and with the `tracing` feature, receivers log a span per delivery and every
//! refusal at warn, with its webhook type, JSON Pointer and reason.
//!
//! # Features
//!
//! - `bundled` (default): the types of the bundled spec, in [`types`] and at the crate
//!   root.
//! - `jwt` (default): Lago's RS256 JWT signatures, on ring (HMAC is always on).
//! - `borrowed`: the bundled types' zero-copy flavour, in [`borrowed`] (turns on
//!   `bundled`).
//! - `tokio`: handler deadlines, the renewal of shared claims while a handler runs, and
//!   `shutdown::Shutdown` (SIGTERM and SIGINT); turned on by `axum`, `redis` and `inbox`.
//! - `axum`: [`Receiver::into_router`][into_router] and
//!   [`server::serve`], which stops on SIGTERM and SIGINT.
//! - `tracing`: the logs of receivers and inbox workers.
//! - `metrics`: counters and histograms of receivers and inbox workers through the
//!   `metrics` facade.
//! - `redis`: deduplication shared by replicas, in Redis: `dedup::RedisDeduplicator`.
//! - `postgres`: deduplication shared by replicas and kept across restarts, and the
//!   inbox, in PostgreSQL: `dedup::PostgresDeduplicator`, `inbox::PostgresInbox` (turns
//!   on `inbox`).
//! - `inbox`: accept durably, then handle: `inbox::InboxReceiver`, `inbox::Worker` and
//!   the in-memory inbox.
//! - `nats`: the inbox in NATS JetStream: `inbox::NatsInbox` (turns on `inbox`).
//! - `rabbitmq`: the inbox in RabbitMQ: `inbox::RabbitMqInbox` (turns on `inbox`).
//! - `dynamic`: specs read at run time, `dynamic::DynamicSpec`: parsed, validated and
//!   received as the code generated from them would be, with no code generated (pulls
//!   in the generator crate).
//!
// Where the links to items behind features go when the feature is off: their pages on
// docs.rs, so that the text reads the same in every build and rustdoc resolves every link.
#![cfg_attr(
    not(feature = "inbox"),
    doc = "[`inbox`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/inbox/index.html"
)]
#![cfg_attr(
    not(feature = "axum"),
    doc = "[`server::serve`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/server/fn.serve.html"
)]
#![cfg_attr(feature = "axum", doc = "[into_router]: receiver::Receiver::into_router")]
#![cfg_attr(
    not(feature = "axum"),
    doc = "[into_router]: https://docs.rs/lago-webhooks/latest/lago_webhooks/receiver/struct.Receiver.html#method.into_router"
)]
#![cfg_attr(
    not(feature = "dynamic"),
    doc = "[`dynamic`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/dynamic/index.html"
)]
#![cfg_attr(
    not(feature = "bundled"),
    doc = "[`types`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/types/index.html"
)]
#![cfg_attr(
    not(feature = "bundled"),
    doc = "[`WebhookEvent`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/types/enum.WebhookEvent.html"
)]
#![cfg_attr(
    not(feature = "bundled"),
    doc = "[`WebhookEvent::from_slice`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/types/enum.WebhookEvent.html#method.from_slice"
)]
#![cfg_attr(
    not(feature = "bundled"),
    doc = "[`WebhookHandler`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/types/trait.WebhookHandler.html"
)]
#![cfg_attr(
    not(feature = "bundled"),
    doc = "[`WebhookHandler::handle`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/types/trait.WebhookHandler.html#method.handle"
)]
#![cfg_attr(
    not(feature = "bundled"),
    doc = "[`AsyncWebhookHandler`]: https://docs.rs/lago-webhooks/latest/lago_webhooks/types/trait.AsyncWebhookHandler.html"
)]
#![deny(missing_docs)]

/// Implements `Display` as the type's `as_str`: the enums that name something (a
/// lifecycle, a signature scheme, an inbox state) print as a spec, a header or a command
/// line writes them. Defined before the modules, so that each of them sees it.
macro_rules! display_as_str {
    ($name:ty) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod borrowed;
mod counters;
mod decimal;
pub mod dedup;
mod delivery;
#[cfg(feature = "dynamic")]
pub mod dynamic;
mod encoded;
mod error;
mod handling;
#[cfg(feature = "inbox")]
pub mod inbox;
mod lifecycle;
mod log;
#[cfg(feature = "postgres")]
mod pg;
#[cfg(feature = "bundled")]
mod provider_error;
pub mod receiver;
#[cfg(feature = "axum")]
pub mod server;
#[cfg(feature = "tokio")]
pub mod shutdown;
mod text;
mod time;
#[cfg(feature = "bundled")]
pub mod types;
mod unknown;
pub mod validate;
pub mod verify;
mod webhook;

#[doc(hidden)]
#[path = "support/mod.rs"]
pub mod __private;

pub use decimal::Decimal;
pub use delivery::{Delivery, Received, Refusal, UniqueKeyError};
pub use encoded::EncodedJson;
pub use error::{ParseError, ParseErrorKind, UnknownWebhookType};
pub use lago_webhooks_macros::lago_webhooks;
pub use lifecycle::Lifecycle;
pub use text::{Currency, Id, Url};
pub use time::{Date, DateTime};
pub use unknown::UnknownEvent;
#[doc(inline)]
pub use validate::{Validate, Violation, Violations};
pub use webhook::{Dispatch, FromBody, Webhook};

/// The error a handler method may return; any error type converts into it with `?`.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What every handler method returns.
pub type HandlerResult = Result<(), HandlerError>;

#[cfg(feature = "bundled")]
#[doc(hidden)]
pub use types::*;
/// The entry points of the bundled types, shown at the crate root; the other generated
/// types are at the crate root too (hidden from its page by the glob above), and listed in
/// [`types`].
#[cfg(feature = "bundled")]
#[doc(inline)]
pub use types::{AsyncWebhookHandler, WebhookEvent, WebhookHandler, WebhookType};
