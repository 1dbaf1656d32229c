//! The deliveries `listen` keeps for its inspector page: in memory, the newest ones,
//! bounded both in number and in bytes (each delivery's body, the headers kept of it and
//! its parsed tree, as [`Entry::size`] counts them) so that a long session, or a flood of
//! large deliveries, cannot grow the process without end. Every change is also announced
//! to the page's open event streams.
//!
//! Entries are shared, never copied: the store, the lists it hands out and the pages
//! being answered hold the same [`Arc<Entry>`], and the announcements carry only ids, so
//! that an event stream falling behind holds no delivery the store has let go.

use std::collections::VecDeque;
use std::mem::size_of;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use serde::{Serialize, Serializer};
use serde_json::Value;
use tokio::sync::broadcast;

/// How many deliveries are kept by default.
pub const DEFAULT_MAX_ENTRIES: usize = 1000;
/// How many bytes the kept deliveries may hold together by default, as [`Entry::size`]
/// counts them.
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
    /// The request's headers, in the order they came (values read as UTF-8, lossily),
    /// as much of them as is kept: long values and headers past a bound are cut, saying
    /// so.
    pub headers: Vec<(String, String)>,
    /// The raw body, exactly as it came: for save, replay and recording, and for the
    /// page as `body`, text read from it (lossily, for a body that is not UTF-8) as it
    /// is sent, rather than a second copy kept.
    #[serde(rename = "body", serialize_with = "lossy_text")]
    pub raw: Bytes,
    /// Whether the body came whole (not for a delivery refused as too large or too slow).
    pub body_read: bool,
    /// The delivery's `X-Lago-Signature`, whole, when it verified: replay sends it again
    /// when `listen` has no HMAC key to sign with. Not shown (the headers shown hold it,
    /// cut).
    #[serde(skip)]
    pub replay_signature: Option<String>,
    /// What became of forwarding it, when `--forward-to` is given and it was verified.
    pub forward: Option<Forward>,
    /// The file `--record` wrote its body to.
    pub recorded: Option<String>,
}

/// `raw` as JSON text: its UTF-8, with anything invalid replaced (borrowed, not copied,
/// when it is all valid).
fn lossy_text<S: Serializer>(raw: &Bytes, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&String::from_utf8_lossy(raw))
}

impl Entry {
    /// About how many bytes it holds in memory: its body, every text it keeps (headers,
    /// violations, the app's answer), and its parsed tree, counted node by node since a
    /// tree takes several times its text.
    pub fn size(&self) -> usize {
        let text = |text: &Option<String>| text.as_ref().map_or(0, String::len);
        let headers: usize =
            self.headers.iter().map(|(name, value)| 2 * size_of::<String>() + name.len() + value.len()).sum();
        let violations: usize = self
            .violations
            .iter()
            .map(|violation| size_of::<Violation>() + violation.pointer.len() + violation.message.len())
            .sum();
        let forward = match &self.forward {
            Some(Forward::Answered { body, .. }) => body.len(),
            Some(Forward::Failed { error }) => error.len(),
            Some(Forward::Pending) | None => 0,
        };
        size_of::<Entry>()
            + self.raw.len()
            + text(&self.webhook_type)
            + text(&self.unique_key)
            + text(&self.scheme)
            + text(&self.organization_id)
            + self.outcome.len()
            + self.event.as_ref().map_or(0, tree_size)
            + violations
            + headers
            + text(&self.replay_signature)
            + forward
            + text(&self.recorded)
    }
}

/// About how many bytes a JSON tree takes: a `Value` per node, its text, and for each
/// member of an object its key and the map's bookkeeping (taken as one more `Value`).
/// The depth is bounded: `serde_json` parses no deeper than 128 levels, and the typed
/// webhooks have fixed shapes.
fn tree_size(value: &Value) -> usize {
    size_of::<Value>()
        + match value {
            Value::String(text) => text.len(),
            Value::Array(items) => items.iter().map(tree_size).sum(),
            Value::Object(map) => map
                .iter()
                .map(|(key, value)| size_of::<String>() + key.len() + size_of::<Value>() + tree_size(value))
                .sum(),
            Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        }
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
    /// The id of each delivery added or changed.
    changes: broadcast::Sender<u64>,
}

struct Inner {
    entries: VecDeque<Kept>,
    next_id: u64,
    /// The sum of the kept entries' sizes.
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

/// An entry with its size, counted once when it is kept or changed.
struct Kept {
    size: usize,
    entry: Arc<Entry>,
}

impl Inner {
    /// Drops the oldest entries while there are too many, or while they take more than
    /// the bytes allowed; the newest is always kept.
    fn trim(&mut self) {
        while self.entries.len() > self.max_entries.max(1)
            || self.bytes > self.max_bytes && self.entries.len() > 1
        {
            if let Some(old) = self.entries.pop_front() {
                self.bytes -= old.size;
            }
        }
    }
}

impl Store {
    /// A store keeping at most `max_entries` deliveries, and dropping the oldest while
    /// they take more than `max_bytes` (the newest is always kept).
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
        // Counted before the lock is taken: it walks the whole tree.
        let size = entry.size();
        let id = {
            let mut inner = self.lock();
            let id = inner.next_id;
            inner.next_id += 1;
            entry.id = id;
            inner.bytes += size;
            inner.entries.push_back(Kept { size, entry: Arc::new(entry) });
            inner.trim();
            id
        };
        // No page open is no error.
        let _ = self.changes.send(id);
        id
    }

    /// Changes the delivery numbered `id`, if still kept, and announces it.
    pub fn update(&self, id: u64, change: impl FnOnce(&mut Entry)) {
        {
            let mut inner = self.lock();
            let Some(kept) = inner.entries.iter_mut().find(|kept| kept.entry.id == id) else { return };
            // Copied only if a page is being sent it right now: the page has the old one.
            change(Arc::make_mut(&mut kept.entry));
            let (old, new) = (kept.size, kept.entry.size());
            kept.size = new;
            inner.bytes = inner.bytes - old + new;
            inner.trim();
        }
        let _ = self.changes.send(id);
    }

    /// The delivery numbered `id`, if still kept.
    pub fn get(&self, id: u64) -> Option<Arc<Entry>> {
        self.lock().entries.iter().find(|kept| kept.entry.id == id).map(|kept| Arc::clone(&kept.entry))
    }

    /// Every kept delivery, oldest first.
    pub fn all(&self) -> Vec<Arc<Entry>> {
        self.lock().entries.iter().map(|kept| Arc::clone(&kept.entry)).collect()
    }

    /// A receiver of the id of every delivery added or changed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<u64> {
        self.changes.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

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
            raw: Bytes::copy_from_slice(body.as_bytes()),
            body_read: true,
            replay_signature: None,
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
    fn drops_the_oldest_while_over_the_bytes_but_keeps_the_newest() {
        let small = entry("1234").size();
        let store = Store::new(100, 2 * small);
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
    fn the_size_counts_headers_tree_and_answers_not_only_the_body() {
        let bare = entry("{}").size();
        let mut heavy = entry("{}");
        heavy.headers = vec![("x-sender".to_owned(), "h".repeat(100_000))];
        assert!(heavy.size() >= bare + 100_000);
        let mut parsed = entry("{}");
        parsed.event = Some(json!({"fee": {"items": vec!["t".repeat(10); 1000]}}));
        // A thousand strings of ten: their text and a node each.
        assert!(parsed.size() >= bare + 1000 * (10 + size_of::<Value>()), "{}", parsed.size());
        let mut answered = entry("{}");
        answered.forward = Some(Forward::Answered { status: 500, body: "a".repeat(4000) });
        assert!(answered.size() >= bare + 4000);
    }

    #[test]
    fn a_delivery_of_huge_headers_pushes_the_old_ones_out() {
        let mut heavy = entry("{}");
        heavy.headers = vec![("x-sender".to_owned(), "h".repeat(100_000))];
        // Room for many small deliveries, not for them and the heavy one.
        let store = Store::new(1000, 60_000);
        for _ in 0..3 {
            store.add(entry("{}"));
        }
        store.add(heavy);
        assert_eq!(ids(&store), [4]);
        store.add(entry("{}"));
        assert_eq!(ids(&store), [5]);
        assert_eq!(store.lock().bytes, entry("{}").size());
    }

    #[test]
    fn a_change_is_counted_too() {
        let small = entry("{}").size();
        let store = Store::new(1000, 3 * small);
        let (first, second) = (store.add(entry("{}")), store.add(entry("{}")));
        let answer = Forward::Answered { status: 500, body: "a".repeat(2 * small) };
        store.update(second, |entry| entry.forward = Some(answer));
        assert_eq!(ids(&store), [second]);
        assert!(store.get(first).is_none());
        let bytes = store.lock().bytes;
        assert_eq!(bytes, store.get(second).unwrap().size());
    }

    #[test]
    fn changes_are_announced_and_kept() {
        let store = Store::new(10, usize::MAX);
        let mut changes = store.subscribe();
        let id = store.add(entry("{}"));
        assert_eq!(changes.try_recv().unwrap(), id);
        store.update(id, |entry| entry.forward = Some(Forward::Pending));
        assert_eq!(changes.try_recv().unwrap(), id);
        assert_eq!(store.get(id).unwrap().forward, Some(Forward::Pending));
        // A delivery no longer kept is left alone, silently.
        store.update(99, |_| unreachable!("no delivery 99"));
        assert!(changes.try_recv().is_err());
    }

    #[test]
    fn the_body_is_sent_as_text_from_the_raw_bytes() {
        let mut invalid = entry("");
        invalid.raw = Bytes::from_static(b"{\"a\":\"\xff\"}");
        let json = serde_json::to_value(&invalid).unwrap();
        assert_eq!(json["body"], "{\"a\":\"\u{fffd}\"}");
        assert!(json.get("raw").is_none() && json.get("replay_signature").is_none());
    }
}
