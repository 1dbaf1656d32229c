//! The types of the bundled spec (`spec/lago-webhooks.json`): a struct per object, an
//! enum per enumeration, [`WebhookType`], [`WebhookEvent`], [`WebhookHandler`] and
//! [`AsyncWebhookHandler`], as [`lago_webhooks!`](crate::lago_webhooks) generates them
//! (with the `bundled` feature, on by default).
//!
//! They are here so that the crate root leads with what receives them; every one is
//! also at the crate root, where it always was: `lago_webhooks::Invoice` and
//! `lago_webhooks::types::Invoice` are the same type. With the `borrowed` feature, their
//! zero-copy flavour is in [`crate::borrowed`].
//!
//! ```
//! use lago_webhooks::types::{Fee, WebhookEvent, WebhookType};
//!
//! let event = WebhookEvent::from_slice(WebhookType::FeeCreated.example().as_bytes())?;
//! let WebhookEvent::FeeCreated { fee, .. } = event else { unreachable!() };
//! let _: &lago_webhooks::Fee = &fee; // the same type at the crate root
//! # Ok::<(), lago_webhooks::ParseError>(())
//! ```

pub use generated::*;

/// The bundled zero-copy flavour, documented in [`crate::borrowed`] beside the text and
/// decimal types it uses: this path keeps working, unlisted. (A module, rather than a
/// re-export, to take the place of the generated one the glob above would list.)
#[cfg(feature = "borrowed")]
#[doc(hidden)]
pub mod borrowed {
    pub use super::generated::borrowed::*;
}

/// The generated items, re-exported above: a module of their own so that the generated
/// `borrowed` module can be left off this module's page.
mod generated {
    #[cfg(all(not(feature = "borrowed"), not(test)))]
    crate::lago_webhooks!(spec = "spec/lago-webhooks.json", crate = crate);

    // With their zero-copy flavour, in a `borrowed` module.
    #[cfg(all(feature = "borrowed", not(test)))]
    crate::lago_webhooks!(spec = "spec/lago-webhooks.json", crate = crate, borrowed = true);

    // In this crate's own unit tests, one message of the bundled spec, one that reaches the
    // provider errors `provider_error` extends: those tests are of the support code, not of
    // the types (the workspace's suite tests them), and the whole spec compiled a second time
    // for them was a long step of a cold `cargo test`.
    #[cfg(all(not(feature = "borrowed"), test))]
    crate::lago_webhooks!(
        spec = "spec/lago-webhooks.json",
        crate = crate,
        include = ["invoice.payment_failure"]
    );
    #[cfg(all(feature = "borrowed", test))]
    crate::lago_webhooks!(
        spec = "spec/lago-webhooks.json",
        crate = crate,
        include = ["invoice.payment_failure"],
        borrowed = true
    );
}
