//! An inbox in this process's memory.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::{
    Completion, Enqueued, Entry, Inbox, InboxAdmin, InboxError, Job, Source, State, Status, Stored, Taken,
};
use crate::dedup::KeyDigest;

/// An inbox in this process's memory: for tests, development and a single process whose
/// deliveries may be lost with it. Nothing survives the process; every operation is
/// O(log n) under one lock (a status or a list walks every delivery).
///
/// It keeps up to `capacity` done deliveries (default 100,000), without their bodies, so
/// that a delivery sent again is recognised, forgetting the oldest past that; pending,
/// in-progress and dead ones are never forgotten. Since a done delivery's body is not
/// kept, only dead ones can be replayed.
#[derive(Clone)]
pub struct MemoryInbox {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MemoryInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryInbox").field("deliveries", &self.lock().slots.len()).finish_non_exhaustive()
    }
}

struct Shared {
    state: Mutex<Deliveries>,
    /// Wakes a worker waiting in `take` when a delivery becomes due.
    arrived: Notify,
    capacity: usize,
}

#[derive(Default)]
struct Deliveries {
    slots: HashMap<KeyDigest, Slot>,
    /// Deliveries due now, in the order they became due.
    ready: VecDeque<KeyDigest>,
    /// Deliveries waiting for a retry, by when they are due.
    delayed: BinaryHeap<Reverse<(Instant, KeyDigest)>>,
    /// Done deliveries, oldest first, for forgetting past the capacity.
    done: VecDeque<KeyDigest>,
    /// Distinguishes the attempts at one delivery.
    next_token: u64,
}

struct Slot {
    entry: Entry,
    state: State,
    attempts: u32,
    due: Option<Instant>,
    last_error: Option<String>,
    /// The attempt holding it, while in progress.
    token: u64,
    /// When its handler succeeded.
    done_at: Option<SystemTime>,
}

impl Default for MemoryInbox {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryInbox {
    /// An empty inbox keeping up to 100,000 done deliveries.
    pub fn new() -> Self {
        Self::with_capacity(100_000)
    }

    /// An empty inbox keeping up to `capacity` done deliveries (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        let shared = Shared { state: Mutex::default(), arrived: Notify::new(), capacity: capacity.max(1) };
        MemoryInbox { shared: Arc::new(shared) }
    }

    fn lock(&self) -> MutexGuard<'_, Deliveries> {
        // Every operation leaves the maps consistent before it could panic: keep going.
        self.shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `change` on the delivery `key` if the attempt `token` still holds it.
    fn settle(&self, key: &KeyDigest, token: u64, change: impl FnOnce(&mut Deliveries, KeyDigest)) -> bool {
        let mut deliveries = self.lock();
        let held = deliveries
            .slots
            .get(key)
            .is_some_and(|slot| slot.state == State::InProgress && slot.token == token);
        if held {
            change(&mut deliveries, *key);
        }
        held
    }
}

impl Deliveries {
    /// Moves the retries now due to the ready queue.
    fn promote(&mut self, now: Instant) {
        while let Some(Reverse((due, key))) = self.delayed.peek().copied() {
            if due > now {
                break;
            }
            self.delayed.pop();
            if self.slots.get(&key).is_some_and(|slot| slot.state == State::Retrying && slot.due == Some(due))
            {
                self.ready.push_back(key);
            }
        }
    }

    /// Puts `key` back to work at once, first in line.
    fn make_ready(&mut self, key: KeyDigest, state: State) {
        if let Some(slot) = self.slots.get_mut(&key) {
            slot.state = state;
            slot.due = None;
            self.ready.push_front(key);
        }
    }

    fn status(&self) -> Status {
        let mut status =
            Status { in_progress: Some(0), retrying: Some(0), done: Some(0), ..Status::default() };
        for slot in self.slots.values() {
            match slot.state {
                State::Pending => status.pending += 1,
                State::InProgress => *status.in_progress.get_or_insert(0) += 1,
                State::Retrying => *status.retrying.get_or_insert(0) += 1,
                State::Done => *status.done.get_or_insert(0) += 1,
                State::Dead => status.dead += 1,
            }
            if !matches!(slot.state, State::Done | State::Dead)
                && status.oldest.is_none_or(|oldest| slot.entry.received_at < oldest)
            {
                status.oldest = Some(slot.entry.received_at);
            }
        }
        status
    }
}

impl Slot {
    fn stored(&self, with_body: bool) -> Stored {
        let mut entry = self.entry.clone();
        if !with_body {
            entry.body = bytes::Bytes::new();
        }
        let due_at = self.due.map(|due| {
            let now = Instant::now();
            SystemTime::now() + due.saturating_duration_since(now)
        });
        Stored::new(entry, self.state, self.attempts, due_at, self.last_error.clone())
    }
}

impl Inbox for MemoryInbox {
    type Job = MemoryJob;
    type Source = Self;

    async fn enqueue(&self, entry: &Entry) -> Result<Enqueued, InboxError> {
        let key = entry.digest();
        {
            let mut deliveries = self.lock();
            if deliveries.slots.contains_key(&key) {
                return Ok(Enqueued::AlreadyStored);
            }
            // The body is copied: the received one may share a far larger read buffer,
            // which a kept slice would hold for as long as the delivery is kept.
            let mut entry = entry.clone();
            entry.body = bytes::Bytes::copy_from_slice(&entry.body);
            let slot = Slot {
                entry,
                state: State::Pending,
                attempts: 0,
                due: None,
                last_error: None,
                token: 0,
                done_at: None,
            };
            deliveries.slots.insert(key, slot);
            deliveries.ready.push_back(key);
        }
        self.shared.arrived.notify_one();
        Ok(Enqueued::Stored)
    }
}

impl Source for MemoryInbox {
    type Job = MemoryJob;

    async fn take(&mut self, max: usize, wait: Duration) -> Result<Vec<MemoryJob>, InboxError> {
        let until = Instant::now() + wait;
        loop {
            // Registered before looking, so that an arrival in between is not missed.
            let arrived = self.shared.arrived.notified();
            let (jobs, next_due) = {
                let mut deliveries = self.lock();
                deliveries.promote(Instant::now());
                let mut jobs = Vec::new();
                while jobs.len() < max {
                    let Some(key) = deliveries.ready.pop_front() else { break };
                    deliveries.next_token += 1;
                    let token = deliveries.next_token;
                    let Some(slot) = deliveries.slots.get_mut(&key) else { continue };
                    if !matches!(slot.state, State::Pending | State::Retrying) {
                        continue;
                    }
                    slot.state = State::InProgress;
                    slot.attempts += 1;
                    slot.token = token;
                    slot.due = None;
                    let job = MemoryJob {
                        inbox: self.clone(),
                        key,
                        token,
                        taken: Taken::new(slot.entry.clone(), slot.attempts),
                        settled: false,
                    };
                    jobs.push(job);
                }
                let next_due = deliveries.delayed.peek().map(|Reverse((due, _))| *due);
                (jobs, next_due)
            };
            if !jobs.is_empty() {
                if jobs.len() == max {
                    // Others may be ready: let another worker look too.
                    self.shared.arrived.notify_one();
                }
                return Ok(jobs);
            }
            let wake = next_due.map_or(until, |due| due.min(until));
            if Instant::now() >= until {
                return Ok(Vec::new());
            }
            tokio::select! {
                () = arrived => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }
}

/// A delivery taken from a [`MemoryInbox`]. Dropped unsettled (its task was aborted), it
/// is given back.
pub struct MemoryJob {
    inbox: MemoryInbox,
    key: KeyDigest,
    token: u64,
    taken: Taken,
    settled: bool,
}

super::debug_job!(MemoryJob);

impl MemoryJob {
    /// Settles the attempt with `change`, if it still holds the delivery.
    fn settle(mut self, change: impl FnOnce(&mut Deliveries, KeyDigest)) -> bool {
        self.settled = true;
        let held = self.inbox.settle(&self.key, self.token, change);
        self.inbox.shared.arrived.notify_one();
        held
    }

    fn give_back(&self) {
        self.inbox.settle(&self.key, self.token, |deliveries, key| {
            if let Some(slot) = deliveries.slots.get_mut(&key) {
                slot.attempts = slot.attempts.saturating_sub(1);
            }
            deliveries.make_ready(key, State::Pending);
        });
        self.inbox.shared.arrived.notify_one();
    }
}

impl Drop for MemoryJob {
    fn drop(&mut self) {
        if !self.settled {
            self.give_back();
        }
    }
}

impl Job for MemoryJob {
    fn taken(&self) -> &Taken {
        &self.taken
    }

    // Taken without a lease (it never runs out while the worker lives): the defaults of
    // `renewal` and `renew`.

    async fn complete(self) -> Result<Completion, InboxError> {
        let capacity = self.inbox.shared.capacity;
        let held = self.settle(|deliveries, key| {
            if let Some(slot) = deliveries.slots.get_mut(&key) {
                slot.state = State::Done;
                slot.last_error = None;
                slot.done_at = Some(SystemTime::now());
                slot.entry.body = bytes::Bytes::new();
            }
            deliveries.done.push_back(key);
            while deliveries.done.len() > capacity {
                let Some(oldest) = deliveries.done.pop_front() else { break };
                if deliveries.slots.get(&oldest).is_some_and(|slot| slot.state == State::Done) {
                    deliveries.slots.remove(&oldest);
                }
            }
        });
        Ok(if held { Completion::Done } else { Completion::LeaseLost })
    }

    async fn retry(self, delay: Duration, error: &str) -> Result<(), InboxError> {
        let due = Instant::now() + delay;
        self.settle(|deliveries, key| {
            if let Some(slot) = deliveries.slots.get_mut(&key) {
                slot.state = State::Retrying;
                slot.due = Some(due);
                slot.last_error = Some(error.to_owned());
            }
            deliveries.delayed.push(Reverse((due, key)));
        });
        Ok(())
    }

    async fn bury(self, error: &str) -> Result<(), InboxError> {
        self.settle(|deliveries, key| {
            if let Some(slot) = deliveries.slots.get_mut(&key) {
                slot.state = State::Dead;
                slot.last_error = Some(error.to_owned());
            }
        });
        Ok(())
    }

    async fn release(mut self) -> Result<(), InboxError> {
        self.settled = true;
        self.give_back();
        Ok(())
    }
}

impl InboxAdmin for MemoryInbox {
    async fn status(&self) -> Result<Status, InboxError> {
        Ok(self.lock().status())
    }

    async fn list(&self, state: Option<State>, limit: usize) -> Result<Vec<Stored>, InboxError> {
        let deliveries = self.lock();
        let mut slots: Vec<&Slot> =
            deliveries.slots.values().filter(|slot| state.is_none_or(|state| slot.state == state)).collect();
        slots.sort_by_key(|slot| slot.entry.received_at);
        Ok(slots.into_iter().take(limit).map(|slot| slot.stored(false)).collect())
    }

    async fn show(&self, unique_key: &str) -> Result<Option<Stored>, InboxError> {
        Ok(self.lock().slots.get(&KeyDigest::of(unique_key)).map(|slot| slot.stored(true)))
    }

    async fn replay(&self, unique_key: &str) -> Result<bool, InboxError> {
        let key = KeyDigest::of(unique_key);
        let replayed = {
            let mut deliveries = self.lock();
            match deliveries.slots.get_mut(&key) {
                // A done delivery's body is not kept: it cannot be handled again.
                Some(slot) if slot.state == State::Dead => {
                    slot.attempts = 0;
                    slot.last_error = None;
                    deliveries.make_ready(key, State::Pending);
                    true
                }
                _ => false,
            }
        };
        self.shared.arrived.notify_one();
        Ok(replayed)
    }

    async fn replay_dead(&self) -> Result<u64, InboxError> {
        let replayed = {
            let mut deliveries = self.lock();
            let dead: Vec<KeyDigest> = deliveries
                .slots
                .iter()
                .filter(|(_, slot)| slot.state == State::Dead)
                .map(|(key, _)| *key)
                .collect();
            for key in &dead {
                if let Some(slot) = deliveries.slots.get_mut(key) {
                    slot.attempts = 0;
                    slot.last_error = None;
                }
                deliveries.make_ready(*key, State::Pending);
            }
            dead.len() as u64
        };
        self.shared.arrived.notify_waiters();
        Ok(replayed)
    }

    async fn purge_done(&self, before: SystemTime) -> Result<u64, InboxError> {
        let mut deliveries = self.lock();
        let before_count = deliveries.slots.len();
        deliveries
            .slots
            .retain(|_, slot| slot.state != State::Done || slot.done_at.is_none_or(|at| at >= before));
        let purged = before_count - deliveries.slots.len();
        let Deliveries { slots, done, .. } = &mut *deliveries;
        done.retain(|key| slots.contains_key(key));
        Ok(purged as u64)
    }
}
