//! A deduplicator chosen at run time, by URL.

use std::time::Duration;

use super::{Claim, ClaimToken, Deduplicate, InMemoryDeduplicator, KeyDigest};
use crate::HandlerError;

/// A deduplicator of any kind compiled in, chosen at run time by [`AnyDeduplicator::open`]:
/// for programs that take their store from their settings.
#[derive(Debug)]
#[non_exhaustive]
pub enum AnyDeduplicator {
    /// In this process's memory.
    Memory(InMemoryDeduplicator),
    /// In Redis.
    #[cfg(feature = "redis")]
    Redis(super::RedisDeduplicator),
    /// In PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(super::PostgresDeduplicator),
}

impl AnyDeduplicator {
    /// The store at `url`: `redis://...` (feature `redis`; its server is pinged) or
    /// `postgres://...` (feature `postgres`; its table created if missing); in memory
    /// without one.
    pub async fn open(url: Option<&str>) -> Result<Self, HandlerError> {
        let Some(url) = url else { return Ok(AnyDeduplicator::Memory(InMemoryDeduplicator::default())) };
        let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
        match scheme {
            #[cfg(feature = "redis")]
            "redis" | "rediss" => {
                let store = super::RedisDeduplicator::new(url)?;
                store.ping().await?;
                Ok(AnyDeduplicator::Redis(store))
            }
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => {
                Ok(AnyDeduplicator::Postgres(super::PostgresDeduplicator::connect(url).await?))
            }
            _ => {
                Err(format!("`{url}` is not a deduplicator URL this build takes (redis://, postgres://)")
                    .into())
            }
        }
    }
}

/// Calls the same method on whichever store `$value` holds.
macro_rules! each {
    ($value:expr, $store:ident => $call:expr) => {
        match $value {
            AnyDeduplicator::Memory($store) => $call,
            #[cfg(feature = "redis")]
            AnyDeduplicator::Redis($store) => $call,
            #[cfg(feature = "postgres")]
            AnyDeduplicator::Postgres($store) => $call,
        }
    };
}

impl Deduplicate for AnyDeduplicator {
    fn store_name(&self) -> &'static str {
        each!(self, store => store.store_name())
    }

    async fn claim(&self, key: &KeyDigest) -> Result<Claim, HandlerError> {
        each!(self, store => store.claim(key).await)
    }

    async fn complete(&self, key: &KeyDigest, token: ClaimToken) -> Result<(), HandlerError> {
        each!(self, store => store.complete(key, token).await)
    }

    fn release(&self, key: &KeyDigest, token: ClaimToken) {
        each!(self, store => store.release(key, token))
    }

    fn complete_detached(&self, key: &KeyDigest, token: ClaimToken) {
        each!(self, store => store.complete_detached(key, token))
    }

    fn renewal(&self) -> Option<Duration> {
        each!(self, store => store.renewal())
    }

    async fn renew(&self, key: &KeyDigest, token: ClaimToken) -> Result<bool, HandlerError> {
        each!(self, store => store.renew(key, token).await)
    }
}
