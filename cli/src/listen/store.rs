//! The deliveries `listen` keeps for its inspector page: in memory, the newest ones,
//! bounded both in number and in body bytes so that a long session (or a flood of large
//! bodies) cannot grow the process without end. Every change is also announced to the
//! page's open event streams.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

/// How many deliveries are kept by default.
pub const DEFAULT_MAX_ENTRIES: usize = 1000;
/// How many body bytes the kept deliveries may hold together by default (a delivery's
/// typed tree takes about as much again).
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;

/// One delivery as the page shows it. Every text in it came from the sender (or, for
/// `forward`, from the app forwarded to): the page puts it in as text, never as markup.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Its number in this run of `listen`, from 1.
    pub id: u64,
    /// When it arrived, in milliseconds since the Unix epoch.
    pub received_ms: u64,
    /// Its `webhook_type`, as parsed, or as the body names it when it was refused.
    pub webhook_type: Option<String>,
    /// Its `X-Lago-Unique-Key`.
    pub unique_key: Option<String>,
    /// The signature scheme: the one that verified it, or the one its header names.
    pub scheme: Option<String>,
    /// `verified`, `refused` (the signature was checked and failed) or `unchecked` (the
    /// delivery was refused before its signature was looked at).
    pub signature: &'static str,
    /// The organization the payload names.
    pub organization_id: Option<String>,
    /// The status `listen` answered.
    pub status: u16,
    /// What the answer says: `handled`, `already handled`, or why it was refused.
    pub outcome: String,
    /// The webhook as its type parsed it, serialized back: the tree the page shows.
    pub event: Option<Value>,
    /// What the payload breaks of the spec's constraints, each at its JSON Pointer into
    /// `event`.
    pub violations: Vec<Violation>,
    /// The request's headers, in the order they came (values read as UTF-8, lossily).
    pub headers: Vec<(String, String)>,
    /// The raw body as text (lossily, for a body that is not UTF-8).
    pub body: String,
    /// Whether the body came whole (not for a delivery refused as too large or too slow).
    pub body_read: bool,
    /// The raw body, for save, replay and recording.
    #[serde(skip)]
    pub raw: Bytes,
    /// What became of forwarding it, when `--forward-to` is given and it was verified.
    pub forward: Option<Forward>,
    /// The file `--record` wrote its body to.
    pub recorded: Option<String>,
}

/// A violation of the spec's constraints, for the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// Where, as a JSON Pointer into the webhook.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

/// Forwarding one delivery to the app.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Forward {
    /// Sent, no answer yet.
    Pending,
    /// The app answered.
    Answered {
        /// Its status.
        status: u16,
        /// Its answer's body.
        body: String,
    },
    /// The app could not be reached, or did not answer in time.
    Failed {
        /// Why.
        error: String,
    },
}

/// The kept deliveries, shared by the endpoint (which adds them), forwarding (which
/// completes them) and the page (which reads them).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Mutex<Inner>>,
    changes: broadcast::Sender<Arc<Entry>>,
}

struct Inner {
    entries: VecDeque<Entry>,
    next_id: u64,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

impl Store {
    /// A store keeping at most `max_entries` deliveries, and dropping the oldest while
    /// their bodies take more than `max_bytes` (the newest is always kept).
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        // A page that falls this far behind reloads the whole list.
        let (changes, _) = broadcast::channel(256);
        let inner = Inner { entries: VecDeque::new(), next_id: 1, bytes: 0, max_entries, max_bytes };
        Store { inner: Arc::new(Mutex::new(inner)), changes }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves whole entries behind: usable.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps `entry` under the next number, which it returns.
    pub fn add(&self, mut entry: Entry) -> u64 {
        let shared = {
            let mut inner = self.lock();
            entry.id = inner.next_id;
            inner.next_id += 1;
            inner.bytes += entry.raw.len();
            inner.entries.push_back(entry.clone());
            while inner.entries.len() > inner.max_entries.max(1)
                || inner.bytes > inner.max_bytes && inner.entries.len() > 1
            {
                if let Some(old) = inner.entries.pop_front() {
                    inner.bytes -= old.raw.len();
                }
            }
            Arc::new(entry)
        };
        let id = shared.id;
        // No page open is no error.
        let _ = self.changes.send(shared);
        id
    }

    /// Changes the delivery numbered `id`, if still kept, and announces it.
    pub fn update(&self, id: u64, change: impl FnOnce(&mut Entry)) {
        let changed = {
            let mut inner = self.lock();
            let Some(entry) = inner.entries.iter_mut().find(|entry| entry.id == id) else { return };
            change(entry);
            Arc::new(entry.clone())
        };
        let _ = self.changes.send(changed);
    }

    /// The delivery numbered `id`, if still kept.
    pub fn get(&self, id: u64) -> Option<Entry> {
        self.lock().entries.iter().find(|entry| entry.id == id).cloned()
    }

    /// Every kept delivery, oldest first.
    pub fn all(&self) -> Vec<Entry> {
        self.lock().entries.iter().cloned().collect()
    }

    /// A receiver of every delivery added or changed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Entry>> {
        self.changes.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &str) -> Entry {
        Entry {
            id: 0,
            received_ms: 0,
            webhook_type: Some("fee.created".to_owned()),
            unique_key: None,
            scheme: None,
            signature: "verified",
            organization_id: None,
            status: 200,
            outcome: "handled".to_owned(),
            event: None,
            violations: Vec::new(),
            headers: Vec::new(),
            body: body.to_owned(),
            body_read: true,
            raw: Bytes::copy_from_slice(body.as_bytes()),
            forward: None,
            recorded: None,
        }
    }

    fn ids(store: &Store) -> Vec<u64> {
        store.all().iter().map(|entry| entry.id).collect()
    }

    #[test]
    fn keeps_the_newest_within_the_count() {
        let store = Store::new(3, usize::MAX);
        for _ in 0..5 {
            store.add(entry("{}"));
        }
        assert_eq!(ids(&store), [3, 4, 5]);
        assert!(store.get(2).is_none() && store.get(5).is_some());
    }

    #[test]
    fn drops_the_oldest_while_the_bodies_are_over_the_bytes_but_keeps_the_newest() {
        let store = Store::new(100, 10);
        store.add(entry("1234"));
        store.add(entry("5678"));
        assert_eq!(ids(&store), [1, 2]);
        store.add(entry("90ab"));
        assert_eq!(ids(&store), [2, 3]);
        store.add(entry(&"x".repeat(50)));
        assert_eq!(ids(&store), [4]);
        store.add(entry("y"));
        assert_eq!(ids(&store), [5]);
    }

    #[test]
    fn changes_are_announced_and_kept() {
        let store = Store::new(10, usize::MAX);
        let mut changes = store.subscribe();
        let id = store.add(entry("{}"));
        assert_eq!(changes.try_recv().unwrap().id, id);
        store.update(id, |entry| entry.forward = Some(Forward::Pending));
        assert_eq!(changes.try_recv().unwrap().forward, Some(Forward::Pending));
        assert_eq!(store.get(id).unwrap().forward, Some(Forward::Pending));
        // A delivery no longer kept is left alone, silently.
        store.update(99, |_| unreachable!("no delivery 99"));
        assert!(changes.try_recv().is_err());
    }
}
