//! What a person asks of an inbox: how it stands, what it holds, and putting dead
//! deliveries back to work. `lago-webhooks inbox` is built on it.

use std::future::Future;
use std::str::FromStr;
use std::time::SystemTime;

use super::{Entry, InboxError};

/// Where a delivery stands in an inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// Waiting for its first attempt.
    Pending,
    /// Being handled by a worker.
    InProgress,
    /// Failed at least once, waiting for its next attempt.
    Retrying,
    /// Its handler returned `Ok`.
    Done,
    /// Its attempts are spent, or its body cannot be parsed: kept until replayed.
    Dead,
}

impl State {
    /// Every state, in the order a delivery goes through them.
    pub const ALL: [State; 5] =
        [State::Pending, State::InProgress, State::Retrying, State::Done, State::Dead];

    /// Its name: `pending`, `in_progress`, `retrying`, `done` or `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::InProgress => "in_progress",
            State::Retrying => "retrying",
            State::Done => "done",
            State::Dead => "dead",
        }
    }
}

display_as_str!(State);

impl FromStr for State {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        State::ALL.into_iter().find(|state| state.as_str() == name).ok_or_else(|| {
            let names: Vec<_> = State::ALL.iter().map(|state| state.as_str()).collect();
            format!("`{name}` is not a state: {}", names.join(", "))
        })
    }
}

/// How an inbox stands. A count is `None` where the engine cannot tell it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Status {
    /// Deliveries waiting for their first attempt.
    pub pending: u64,
    /// Deliveries being handled.
    pub in_progress: Option<u64>,
    /// Deliveries waiting for another attempt.
    pub retrying: Option<u64>,
    /// Deliveries in the dead letter.
    pub dead: u64,
    /// Deliveries done and still kept.
    pub done: Option<u64>,
    /// When the oldest delivery not yet done (nor dead) was received.
    pub oldest: Option<SystemTime>,
}

/// A delivery as an inbox holds it, for a person to read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stored {
    /// The delivery (its body empty in a [`InboxAdmin::list`]).
    pub entry: Entry,
    /// Where it stands.
    pub state: State,
    /// How many attempts were made.
    pub attempts: u32,
    /// When its next attempt is due, if it is waiting for one.
    pub due_at: Option<SystemTime>,
    /// The error of its last failed attempt.
    pub last_error: Option<String>,
}

impl Stored {
    /// A stored delivery with these fields.
    pub fn new(
        entry: Entry,
        state: State,
        attempts: u32,
        due_at: Option<SystemTime>,
        last_error: Option<String>,
    ) -> Self {
        Stored { entry, state, attempts, due_at, last_error }
    }
}

/// Looking into an inbox and putting dead deliveries back to work. An operation the
/// engine cannot do fails with [`InboxError::Unsupported`].
pub trait InboxAdmin: Send + Sync {
    /// How the inbox stands.
    fn status(&self) -> impl Future<Output = Result<Status, InboxError>> + Send;

    /// Up to `limit` deliveries, oldest first, of `state` (all when `None`), without
    /// their bodies.
    fn list(
        &self,
        state: Option<State>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Stored>, InboxError>> + Send;

    /// The delivery with `unique_key`, with its body.
    fn show(&self, unique_key: &str) -> impl Future<Output = Result<Option<Stored>, InboxError>> + Send;

    /// Puts the dead (or done) delivery with `unique_key` back to pending, with its
    /// attempts counted afresh: whether there was one to replay.
    fn replay(&self, unique_key: &str) -> impl Future<Output = Result<bool, InboxError>> + Send;

    /// Puts every dead delivery back to pending: how many.
    fn replay_dead(&self) -> impl Future<Output = Result<u64, InboxError>> + Send;

    /// Deletes the deliveries done before `before`: how many.
    fn purge_done(&self, before: SystemTime) -> impl Future<Output = Result<u64, InboxError>> + Send;
}
