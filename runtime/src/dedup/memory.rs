//! Deduplication in this process's memory.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Mutex;

use super::{Claim, ClaimToken, Deduplicate, KeyDigest};
use crate::HandlerError;

/// Keys claimed in this process: one process only, forgotten on restart.
///
/// It remembers up to `capacity` done keys, forgetting the oldest past that; keys whose
/// handling is in progress are never forgotten (there are at most as many as deliveries
/// handled at once). Every operation is O(1) under one lock; a key costs about 100 bytes.
#[derive(Debug)]
pub struct InMemoryDeduplicator {
    capacity: usize,
    state: Mutex<Keys>,
}

#[derive(Debug, Default)]
struct Keys {
    states: HashMap<KeyDigest, State>,
    /// Done keys, oldest first, for eviction.
    done: VecDeque<KeyDigest>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    InProgress(ClaimToken),
    Done,
}

impl InMemoryDeduplicator {
    /// Remembers up to `capacity` done keys (Lago retries over hours, at most a few
    /// times, so the default 100,000 covers a busy endpoint).
    pub fn new(capacity: usize) -> Self {
        InMemoryDeduplicator { capacity: capacity.max(1), state: Mutex::new(Keys::default()) }
    }

    fn with_keys<T>(&self, f: impl FnOnce(&mut Keys) -> T) -> T {
        // Each operation leaves the maps consistent before it can panic: keep going.
        let mut keys = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut keys)
    }

    /// Marks `key` done if `token` holds it, forgetting the oldest done keys past capacity.
    fn mark_done(&self, key: &KeyDigest, token: ClaimToken) {
        self.with_keys(|keys| {
            if let Some(state) = keys.states.get_mut(key)
                && *state == State::InProgress(token)
            {
                *state = State::Done;
                keys.done.push_back(*key);
                while keys.done.len() > self.capacity {
                    let Some(oldest) = keys.done.pop_front() else { break };
                    keys.states.remove(&oldest);
                }
            }
        });
    }

    /// The keys remembered: in progress and done.
    pub fn len(&self) -> usize {
        self.with_keys(|keys| keys.states.len())
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for InMemoryDeduplicator {
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl Deduplicate for InMemoryDeduplicator {
    fn store_name(&self) -> &'static str {
        "memory"
    }

    fn claim(&self, key: &KeyDigest) -> impl Future<Output = Result<Claim, HandlerError>> + Send {
        let claim = self.with_keys(|keys| match keys.states.get(key) {
            Some(State::Done) => Claim::Done,
            Some(State::InProgress(_)) => Claim::InProgress,
            None => {
                let token = ClaimToken::new();
                keys.states.insert(*key, State::InProgress(token));
                Claim::Claimed(token)
            }
        });
        std::future::ready(Ok(claim))
    }

    fn complete(
        &self,
        key: &KeyDigest,
        token: ClaimToken,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        self.mark_done(key, token);
        std::future::ready(Ok(()))
    }

    fn complete_detached(&self, key: &KeyDigest, token: ClaimToken) {
        self.mark_done(key, token);
    }

    fn release(&self, key: &KeyDigest, token: ClaimToken) {
        self.with_keys(|keys| {
            if keys.states.get(key) == Some(&State::InProgress(token)) {
                keys.states.remove(key);
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

    fn claimed(dedup: &InMemoryDeduplicator, key: &str) -> ClaimToken {
        match now(dedup.claim(&KeyDigest::of(key))).unwrap() {
            Claim::Claimed(token) => token,
            other => panic!("{key}: {other:?}"),
        }
    }

    fn state(dedup: &InMemoryDeduplicator, key: &str) -> Claim {
        now(dedup.claim(&KeyDigest::of(key))).unwrap()
    }

    #[test]
    fn a_key_goes_from_claimed_to_done() {
        let dedup = InMemoryDeduplicator::default();
        let token = claimed(&dedup, "a");
        assert_eq!(state(&dedup, "a"), Claim::InProgress);
        now(dedup.complete(&KeyDigest::of("a"), token)).unwrap();
        assert_eq!(state(&dedup, "a"), Claim::Done);
        dedup.release(&KeyDigest::of("a"), token);
        assert_eq!(state(&dedup, "a"), Claim::Done, "a done key is never released");
    }

    #[test]
    fn only_the_holder_releases_or_completes_a_claim() {
        let dedup = InMemoryDeduplicator::default();
        let old = claimed(&dedup, "a");
        dedup.release(&KeyDigest::of("a"), old);
        let new = claimed(&dedup, "a");
        // The old attempt's late release and completion leave the new claim alone.
        dedup.release(&KeyDigest::of("a"), old);
        now(dedup.complete(&KeyDigest::of("a"), old)).unwrap();
        assert_eq!(state(&dedup, "a"), Claim::InProgress);
        now(dedup.complete(&KeyDigest::of("a"), new)).unwrap();
        assert_eq!(state(&dedup, "a"), Claim::Done);
    }

    #[test]
    fn the_oldest_done_keys_are_forgotten_past_capacity_and_claims_never() {
        let dedup = InMemoryDeduplicator::new(2);
        let in_progress = claimed(&dedup, "busy");
        for key in ["a", "b", "c"] {
            let token = claimed(&dedup, key);
            now(dedup.complete(&KeyDigest::of(key), token)).unwrap();
        }
        assert_eq!(dedup.len(), 3, "two done keys and the claim");
        assert_eq!(state(&dedup, "busy"), Claim::InProgress, "a claim outlives any number of done keys");
        assert!(matches!(state(&dedup, "a"), Claim::Claimed(_)), "a was forgotten");
        assert_eq!(state(&dedup, "c"), Claim::Done);
        dedup.release(&KeyDigest::of("busy"), in_progress);
        assert!(matches!(state(&dedup, "busy"), Claim::Claimed(_)));
    }
}
