//! A deduplication store failing an operation, told apart from a handler failing.

use std::fmt;

use crate::HandlerError;

/// A deduplication store failed an operation on a delivery's key: it is unreachable, too
/// slow, or refusing. A receiver whose store fails to claim a key answers 503 (Lago
/// retries it) without handling the delivery, and logs the failure as the store's.
#[derive(Debug)]
pub struct StoreError {
    store: &'static str,
    operation: &'static str,
    source: HandlerError,
}

impl StoreError {
    /// The failure of `operation` (the receiver names `claim`, `complete` and `release`;
    /// a renewal that fails is logged as the claim not renewed) by the store named
    /// `store` (its [`Deduplicate::store_name`](super::Deduplicate::store_name)).
    pub fn new(store: &'static str, operation: &'static str, source: HandlerError) -> Self {
        StoreError { store, operation, source }
    }

    /// The store: `memory`, `redis`, `postgres`, or what a custom store calls itself.
    pub fn store(&self) -> &'static str {
        self.store
    }

    /// What it failed to do with the key: `claim`, `complete` or `release`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The store's own error.
    pub fn error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.source
    }

    /// The store's own error, owned.
    pub fn into_source(self) -> HandlerError {
        self.source
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} deduplication store failed to {} a key: {}",
            self.store, self.operation, self.source
        )
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}
