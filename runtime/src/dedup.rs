//! Acting once per delivery: Lago retries a delivery until it gets a 2xx, with the same
//! `X-Lago-Unique-Key` each time, so a handler may see one webhook several times.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::Mutex;

use crate::HandlerError;

/// Remembers which deliveries were handled, so that a retry is not handled again.
///
/// Implement it over a shared store (a database table with a unique key, Redis
/// `SET NX`) when several processes receive webhooks; [`InMemoryDeduplicator`] serves
/// a single process.
pub trait Deduplicate: Send + Sync {
    /// Claims `key`: true if no one has, and records it; false if it was claimed before.
    fn claim(&self, key: &str) -> impl Future<Output = Result<bool, HandlerError>> + Send;

    /// Forgets a claim whose handling failed, so that Lago's retry is handled.
    fn release(&self, key: &str) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// Keys claimed in this process, the oldest forgotten past a capacity.
#[derive(Debug)]
pub struct InMemoryDeduplicator {
    capacity: usize,
    state: Mutex<Claims>,
}

#[derive(Debug, Default)]
struct Claims {
    keys: HashSet<String>,
    order: VecDeque<String>,
}

impl InMemoryDeduplicator {
    /// Remembers up to `capacity` keys (Lago retries within minutes, so a few thousand
    /// cover any burst).
    pub fn new(capacity: usize) -> Self {
        InMemoryDeduplicator { capacity: capacity.max(1), state: Mutex::new(Claims::default()) }
    }

    fn with_claims<T>(&self, f: impl FnOnce(&mut Claims) -> T) -> T {
        // A panic while holding the lock leaves the sets consistent: keep going.
        let mut claims = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut claims)
    }
}

impl Default for InMemoryDeduplicator {
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl Deduplicate for InMemoryDeduplicator {
    fn claim(&self, key: &str) -> impl Future<Output = Result<bool, HandlerError>> + Send {
        let claimed = self.with_claims(|claims| {
            if !claims.keys.insert(key.to_owned()) {
                return false;
            }
            claims.order.push_back(key.to_owned());
            if claims.order.len() > self.capacity
                && let Some(oldest) = claims.order.pop_front()
            {
                claims.keys.remove(&oldest);
            }
            true
        });
        std::future::ready(Ok(claimed))
    }

    fn release(&self, key: &str) -> impl Future<Output = Result<(), HandlerError>> + Send {
        self.with_claims(|claims| {
            if claims.keys.remove(key) {
                claims.order.retain(|k| k != key);
            }
        });
        std::future::ready(Ok(()))
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
    fn a_key_is_claimed_once_until_released() {
        let dedup = InMemoryDeduplicator::default();
        assert!(now(dedup.claim("a")).unwrap());
        assert!(!now(dedup.claim("a")).unwrap());
        now(dedup.release("a")).unwrap();
        assert!(now(dedup.claim("a")).unwrap());
    }

    #[test]
    fn the_oldest_keys_are_forgotten_past_capacity() {
        let dedup = InMemoryDeduplicator::new(2);
        for key in ["a", "b", "c"] {
            assert!(now(dedup.claim(key)).unwrap());
        }
        assert!(now(dedup.claim("a")).unwrap(), "a was forgotten");
        assert!(!now(dedup.claim("c")).unwrap());
    }
}
