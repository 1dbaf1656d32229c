//! What every receiver checks before the signature, and does with what it refuses: the
//! body's size, the unique key, and the rejection hook. Shared by [`Receiver`] and the
//! inbox's receiver, which differ in what they do with a delivery they accept.
//!
//! [`Receiver`]: super::Receiver

use std::sync::Arc;
#[cfg(feature = "axum")]
use std::time::Duration;

use http::HeaderMap;

use crate::dedup::MAX_UNIQUE_KEY_LEN;
use crate::{Refusal, UniqueKeyError};

/// Bodies larger than this are refused unless the receiver is told otherwise.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// How long a receiver's router waits for a request's body unless told otherwise.
#[cfg(feature = "axum")]
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// A callback for deliveries refused as malformed or invalid.
pub(crate) type RejectionHook = dyn Fn(&Rejection<'_>) + Send + Sync;

/// A delivery refused as malformed or invalid, as it came: for a rejection hook to keep
/// or report, so that nothing Lago sends is lost silently.
#[derive(Debug)]
#[non_exhaustive]
pub struct Rejection<'a> {
    /// The request's headers.
    pub headers: &'a HeaderMap,
    /// The raw body.
    pub body: &'a [u8],
    /// Why it was refused.
    pub refusal: &'a Refusal,
}

/// A receiver's settings for what comes in.
pub(crate) struct Intake {
    /// Bodies over this are refused (413).
    pub(crate) body_limit: usize,
    /// Deliveries without a unique key are refused (400).
    pub(crate) require_unique_key: bool,
    /// Called with each delivery refused as malformed or invalid.
    pub(crate) on_rejection: Option<Arc<RejectionHook>>,
    /// A body slower than this is refused (408).
    #[cfg(feature = "axum")]
    pub(crate) body_timeout: Duration,
}

impl Default for Intake {
    fn default() -> Self {
        Intake {
            body_limit: DEFAULT_BODY_LIMIT,
            require_unique_key: false,
            on_rejection: None,
            #[cfg(feature = "axum")]
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }
}

impl Intake {
    /// The checks made before the signature's: the body's size, and the unique key,
    /// which is not signed and costs nothing to check. Returns the key, unless absent
    /// or blank.
    pub(crate) fn admit<'h>(&self, headers: &'h HeaderMap, body: &[u8]) -> Result<Option<&'h str>, Refusal> {
        if body.len() > self.body_limit {
            return Err(Refusal::TooLarge);
        }
        match crate::verify::unique_key(headers).filter(|key| !key.trim().is_empty()) {
            Some(key) if key.len() > MAX_UNIQUE_KEY_LEN => {
                Err(Refusal::UniqueKey(UniqueKeyError::TooLong(key.len())))
            }
            None if self.require_unique_key => Err(Refusal::UniqueKey(UniqueKeyError::Missing)),
            key => Ok(key),
        }
    }

    /// Hands a delivery refused as malformed or invalid to the rejection hook.
    pub(crate) fn rejected(&self, headers: &HeaderMap, body: &[u8], refusal: &Refusal) {
        if let (Some(hook), Refusal::Malformed(_) | Refusal::Invalid(_)) = (&self.on_rejection, refusal) {
            hook(&Rejection { headers, body, refusal });
        }
    }
}
