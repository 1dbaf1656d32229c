//! Acting once per delivery: Lago retries a delivery until it gets a 2xx, with the same
//! `X-Lago-Unique-Key` each time, so a handler may see one webhook several times.
//!
//! A key goes through three states: unclaimed, claimed while its handling runs, and
//! done. A retry of a done delivery is answered without handling it again; a retry that
//! arrives while the first attempt still runs is asked to come back later; a claim whose
//! handling failed, was cancelled or panicked is released, so that Lago's next retry is
//! handled.
//!
//! The unique key is not covered by Lago's signature: a validly signed body captured
//! and sent again under another key is handled again. Where that matters, deduplicate
//! on an id inside the payload too.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Mutex;

use crate::HandlerError;

/// What a claim found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The key was free and is now claimed: handle the delivery.
    Claimed,
    /// Another attempt at the same delivery is being handled.
    InProgress,
    /// The delivery was handled before.
    Done,
}

/// Remembers which deliveries were handled, so that a retry is not handled again.
///
/// Implement it over a shared store (a database table with a unique key, Redis) when
/// several processes receive webhooks; [`InMemoryDeduplicator`] serves one process.
pub trait Deduplicate: Send + Sync {
    /// Claims `key` for handling, unless it is claimed or done.
    fn claim(&self, key: &str) -> impl Future<Output = Result<Claim, HandlerError>> + Send;

    /// Marks a claimed key done: its delivery was handled.
    fn complete(&self, key: &str) -> impl Future<Output = Result<(), HandlerError>> + Send;

    /// Frees a claimed key whose handling failed, was cancelled or panicked. Called from
    /// a destructor, so it cannot wait: a remote store should spawn the work, or let
    /// claims expire.
    fn release(&self, key: &str);
}

/// Keys claimed in this process, the oldest forgotten past a capacity.
#[derive(Debug)]
pub struct InMemoryDeduplicator {
    capacity: usize,
    state: Mutex<Keys>,
}

#[derive(Debug, Default)]
struct Keys {
    /// Key to "done".
    states: HashMap<String, bool>,
    /// Keys in claim order, for eviction.
    order: VecDeque<String>,
}

impl InMemoryDeduplicator {
    /// Remembers up to `capacity` keys (Lago retries within a minute, so a few thousand
    /// cover any burst).
    pub fn new(capacity: usize) -> Self {
        InMemoryDeduplicator { capacity: capacity.max(1), state: Mutex::new(Keys::default()) }
    }

    fn with_keys<T>(&self, f: impl FnOnce(&mut Keys) -> T) -> T {
        // The maps stay consistent if a holder panicked: keep going.
        let mut keys = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut keys)
    }
}

impl Keys {
    fn evict(&mut self, capacity: usize) {
        while self.states.len() > capacity {
            let Some(oldest) = self.order.pop_front() else { break };
            self.states.remove(&oldest);
        }
    }
}

impl Default for InMemoryDeduplicator {
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl Deduplicate for InMemoryDeduplicator {
    fn claim(&self, key: &str) -> impl Future<Output = Result<Claim, HandlerError>> + Send {
        let claim = self.with_keys(|keys| match keys.states.get(key) {
            Some(true) => Claim::Done,
            Some(false) => Claim::InProgress,
            None => {
                keys.states.insert(key.to_owned(), false);
                keys.order.push_back(key.to_owned());
                keys.evict(self.capacity);
                Claim::Claimed
            }
        });
        std::future::ready(Ok(claim))
    }

    fn complete(&self, key: &str) -> impl Future<Output = Result<(), HandlerError>> + Send {
        self.with_keys(|keys| {
            if let Some(done) = keys.states.get_mut(key) {
                *done = true;
            }
        });
        std::future::ready(Ok(()))
    }

    fn release(&self, key: &str) {
        self.with_keys(|keys| {
            if keys.states.get(key) == Some(&false) {
                keys.states.remove(key);
                // Failures are rare: a linear pass keeps the order exact.
                keys.order.retain(|k| k != key);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now<T>(future: impl Future<Output = T>) -> T {
        let mut future = std::pin::pin!(future);
        match future.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
            std::task::Poll::Ready(value) => value,
            std::task::Poll::Pending => unreachable!("in-memory claims are ready at once"),
        }
    }

    #[test]
    fn a_key_goes_from_claimed_to_done() {
        let dedup = InMemoryDeduplicator::default();
        assert_eq!(now(dedup.claim("a")).unwrap(), Claim::Claimed);
        assert_eq!(now(dedup.claim("a")).unwrap(), Claim::InProgress);
        now(dedup.complete("a")).unwrap();
        assert_eq!(now(dedup.claim("a")).unwrap(), Claim::Done);
        dedup.release("a");
        assert_eq!(now(dedup.claim("a")).unwrap(), Claim::Done, "a done key is never released");
    }

    #[test]
    fn a_released_key_can_be_claimed_again() {
        let dedup = InMemoryDeduplicator::default();
        assert_eq!(now(dedup.claim("a")).unwrap(), Claim::Claimed);
        dedup.release("a");
        assert_eq!(now(dedup.claim("a")).unwrap(), Claim::Claimed);
    }

    #[test]
    fn the_oldest_keys_are_forgotten_past_capacity() {
        let dedup = InMemoryDeduplicator::new(2);
        for key in ["a", "b", "c"] {
            assert_eq!(now(dedup.claim(key)).unwrap(), Claim::Claimed);
        }
        assert_eq!(now(dedup.claim("a")).unwrap(), Claim::Claimed, "a was forgotten");
        assert_eq!(now(dedup.claim("c")).unwrap(), Claim::InProgress);
    }
}
