//! Acting once per delivery: Lago retries a delivery until it gets a 2xx, with the same
//! `X-Lago-Unique-Key` each time, so a handler may see one webhook several times.
//!
//! A key goes through three states: unclaimed, claimed while one attempt handles it, and
//! done. A retry of a done delivery is answered without handling it again; a retry that
//! arrives while an attempt still runs is asked to come back later (409); a claim whose
//! handling failed, was cancelled or panicked is released, so that Lago's next retry is
//! handled. Each claim carries a [`ClaimToken`]: only the attempt holding it completes or
//! releases it, so a late release never frees another attempt's claim. An attempt dropped
//! after its handler succeeded still marks its key done.
//!
//! Stores keep the [`KeyDigest`] of a key (SHA-256), a fixed 32 bytes whatever the
//! header's length; the receiver refuses keys longer than [`MAX_UNIQUE_KEY_LEN`].
//!
//! - [`InMemoryDeduplicator`]: one process; forgotten on restart.
//! - `RedisDeduplicator` (feature `redis`): shared by replicas; a claim expires after its
//!   lease, so a crashed replica's claim is taken over; completions kept for a set time.
//! - `PostgresDeduplicator` (feature `postgres`): shared and durable across restarts.
//!
//! The unique key is not covered by Lago's signature: a validly signed body captured
//! and sent again under another key is handled again. Where that matters, deduplicate
//! on an id inside the payload too.

mod any;
mod error;
mod guard;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::HandlerError;

pub use self::any::AnyDeduplicator;
pub use self::error::StoreError;
pub(crate) use self::guard::ClaimGuard;
pub use self::memory::InMemoryDeduplicator;
#[cfg(feature = "postgres")]
pub use self::postgres::PostgresDeduplicator;
#[cfg(feature = "postgres")]
pub(crate) use self::postgres::Table;
#[cfg(feature = "redis")]
pub use self::redis::RedisDeduplicator;

/// Unique keys longer than this are refused (400): Lago's are UUIDs, 36 characters.
pub const MAX_UNIQUE_KEY_LEN: usize = 256;

/// The SHA-256 of a unique key: what stores keep, 32 bytes whatever the key's length.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyDigest([u8; 32]);

impl KeyDigest {
    /// The digest of `unique_key`.
    pub fn of(unique_key: &str) -> Self {
        KeyDigest(Sha256::digest(unique_key.as_bytes()).into())
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hexadecimal, 64 characters: for stores that key by text.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyDigest({})", self.to_hex())
    }
}

/// Identifies one attempt's claim on a key: completing or releasing the key takes it, so
/// that only the attempt holding the claim does either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimToken(u128);

impl ClaimToken {
    /// A token no other claim has, in this process or another: 128 bits from the
    /// process's random hashing keys and a counter.
    pub fn new() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let half = |salt: u64| {
            let mut hasher = RandomState::new().build_hasher();
            hasher.write_u64(count);
            hasher.write_u64(salt);
            hasher.write_u32(std::process::id());
            hasher.finish()
        };
        ClaimToken(u128::from(half(1)) << 64 | u128::from(half(2)))
    }

    /// The token as a number, for stores.
    pub fn as_u128(self) -> u128 {
        self.0
    }

    /// A token read back from a store.
    pub fn from_u128(value: u128) -> Self {
        ClaimToken(value)
    }
}

impl Default for ClaimToken {
    fn default() -> Self {
        Self::new()
    }
}

/// What a claim found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The key was free (or its holder's lease ran out) and is now claimed with this
    /// token: handle the delivery, then complete or release the claim with it.
    Claimed(ClaimToken),
    /// Another attempt at the same delivery is being handled.
    InProgress,
    /// The delivery was handled before.
    Done,
}

/// Remembers which deliveries were handled, so that a retry is not handled again.
///
/// Implement it over your own store if none of the provided ones fits: `claim` must be
/// atomic (two concurrent claims of a free key: one wins), and `complete` and `release`
/// must act only when the key is still claimed with the given token.
pub trait Deduplicate: Send + Sync {
    /// What the store is, for logs and errors ([`StoreError::store`]): `memory`, `redis`,
    /// `postgres`; `custom` unless a store names itself.
    fn store_name(&self) -> &'static str {
        "custom"
    }

    /// Claims `key` for handling, unless it is claimed or done.
    fn claim(&self, key: &KeyDigest) -> impl Future<Output = Result<Claim, HandlerError>> + Send;

    /// Marks `key` done, if `token` still holds its claim: its delivery was handled.
    fn complete(
        &self,
        key: &KeyDigest,
        token: ClaimToken,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;

    /// Frees `key`, if `token` still holds its claim: its handling failed, was cancelled or
    /// panicked. Called from a destructor, so it cannot wait: a remote store spawns the
    /// work, and its lease frees the key if that fails.
    fn release(&self, key: &KeyDigest, token: ClaimToken);

    /// Marks `key` done like [`Deduplicate::complete`], without waiting: called from a
    /// destructor when the attempt was dropped (its caller hung up) after its handler
    /// succeeded but before `complete` finished, so that a retry is not handled again.
    fn complete_detached(&self, key: &KeyDigest, token: ClaimToken);

    /// How often the receiver renews a claim while its handler runs: `None` (the
    /// default) for a store whose claims never expire, such as one in memory.
    ///
    /// A store whose claims expire keeps them short, so that the claim of an attempt
    /// whose process died is free before Lago's next try (about 3 s later), and renews
    /// them while the handler runs, so that a slow handler keeps its claim.
    fn renewal(&self) -> Option<Duration> {
        None
    }

    /// Extends the lease of `key`'s claim, if `token` still holds it (or the store lost
    /// it, and no one else claimed it since): `Ok(false)` when another attempt holds the
    /// key or it is done. Called every [`Deduplicate::renewal`] while the handler runs.
    fn renew(
        &self,
        key: &KeyDigest,
        token: ClaimToken,
    ) -> impl Future<Output = Result<bool, HandlerError>> + Send {
        let _ = (key, token);
        std::future::ready(Ok(true))
    }
}

/// How long a shared store's claim holds unless renewed: short enough that the claim of
/// an attempt whose process died is free before Lago's next try, about 3 s later.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(2);

/// How long shared stores keep a done key unless told otherwise: Lago retries a delivery
/// within a minute or two, and a person may retry it from Lago's UI days later.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// How often a claim leased for `lease` is renewed: four times per lease, so that a
/// renewal or two may fail without losing it.
#[cfg_attr(not(any(feature = "redis", feature = "inbox")), allow(dead_code))]
pub(crate) fn renewal_of(lease: Duration) -> Duration {
    (lease / 4).max(Duration::from_millis(10))
}

/// How long a shared store holds what it keeps: a claim unless renewed (its lease), and
/// what is done (its retention: a `Duration`, or an `Option` where `None` keeps it until
/// purged). The PostgreSQL stores and the NATS inbox keep them together.
#[cfg_attr(not(any(feature = "postgres", feature = "nats")), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Terms<R> {
    pub(crate) lease: Duration,
    pub(crate) retention: R,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_fixed_size_and_tokens_differ() {
        let long = "k".repeat(100_000);
        assert_eq!(KeyDigest::of(&long).to_hex().len(), 64);
        assert_ne!(KeyDigest::of("a"), KeyDigest::of("b"));
        assert_eq!(KeyDigest::of("a"), KeyDigest::of("a"));
        let tokens: std::collections::HashSet<_> = (0..1000).map(|_| ClaimToken::new()).collect();
        assert_eq!(tokens.len(), 1000);
    }
}
