//! The handling half of an inbox: take, parse, handle, then complete, retry or bury.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::{Completion, Inbox, Job, RetryPolicy, Source};
use crate::handling::Ended;
use crate::shutdown::Shutdown;
use crate::{Dispatch, Validate, Violations};

/// How long a worker waits for deliveries in one take when the inbox is idle; a
/// shutdown is noticed at once meanwhile.
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// How long a worker waits for the store to answer an operation: a connection that went
/// silent (a partition, not a reset) would otherwise hold the attempt forever. The
/// delivery's lease then runs out and it is attempted again.
const STORE_TIMEOUT: Duration = Duration::from_secs(30);

/// `operation`, failing with [`InboxError::Timeout`] past `limit`.
async fn bounded<T>(
    limit: Duration,
    operation: impl Future<Output = Result<T, super::InboxError>>,
) -> Result<T, super::InboxError> {
    tokio::time::timeout(limit, operation).await.unwrap_or(Err(super::InboxError::Timeout(limit)))
}

/// Checks a parsed webhook against its spec (set when validation is on).
type Validator<E> = fn(&E) -> Result<(), Violations>;

/// Takes deliveries from an inbox and hands each, parsed into the webhooks `E`, to `H`,
/// a handler of their spec's `AsyncWebhookHandler`, as a
/// [`Receiver`](crate::receiver::Receiver) does; several at once
/// ([`Worker::with_concurrency`]), in as many processes as you like sharing one inbox.
///
/// Each attempt ends one of four ways:
/// - the handler returned `Ok`: the delivery is marked done (or removed);
/// - it failed, panicked or ran past its deadline: the delivery is attempted again after
///   the [`RetryPolicy`]'s wait, or, when that was its last attempt, moved to the dead
///   letter;
/// - its body does not parse into `E` (or breaks the spec, with validation on): it goes
///   to the dead letter at once, since another attempt would fail the same way; replay it
///   once the types read it;
/// - the worker stops: past the shutdown grace, the handler is stopped and the delivery
///   given back, its attempt not counted.
///
/// A delivery whose attempts were all cut short (its workers died while handling it)
/// goes to the dead letter when taken once more past the policy's last attempt.
pub struct Worker<E, H, I> {
    inbox: I,
    /// The handler and the settings of each attempt, shared by the attempts once it runs.
    shared: Shared<E, H>,
    concurrency: usize,
    grace: Duration,
}

/// How many attempts a worker made, by how they ended, between its start and its stop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerReport {
    /// Handled: the handler returned `Ok` and the delivery is done.
    pub succeeded: u64,
    /// Failed (an error, a panic, the deadline) and scheduled for another attempt.
    pub retried: u64,
    /// Moved to the dead letter.
    pub dead: u64,
    /// Given back unfinished when the worker stopped.
    pub released: u64,
    /// Handled, but another worker had taken the delivery over meanwhile.
    pub lease_lost: u64,
    /// Attempts whose outcome the store failed to record: the delivery's lease runs out
    /// and it is attempted again.
    pub unrecorded: u64,
}

/// How one attempt ended, for the report.
enum Tally {
    Succeeded,
    Retried,
    Dead,
    Released,
    LeaseLost,
    Unrecorded,
}

/// What every attempt of a worker needs.
struct Shared<E, H> {
    handler: H,
    policy: RetryPolicy,
    deadline: Option<Duration>,
    validator: Option<Validator<E>>,
}

/// How long a stopping worker lets its attempts run before it stops them and gives their
/// deliveries back, unless told otherwise: under the 30 s Kubernetes (and `docker stop`)
/// wait between SIGTERM and SIGKILL, so that what it gives back is given back before the
/// process is killed.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Attempts are stopped after this long unless told otherwise.
pub const DEFAULT_ATTEMPT_DEADLINE: Duration = Duration::from_secs(300);

#[cfg(feature = "bundled")]
impl<H: crate::AsyncWebhookHandler + 'static, I: Inbox> Worker<crate::WebhookEvent, H, I> {
    /// A worker handing the bundled types to `handler`, with the defaults: 16 attempts at
    /// once, the default [`RetryPolicy`], a 5 min deadline per attempt, 20 s of grace at
    /// shutdown, no validation. For types generated from your own spec, use
    /// [`Worker::for_events`].
    pub fn new(inbox: I, handler: H) -> Self {
        Worker::for_events(inbox, handler)
    }
}

impl<E, H, I> Worker<E, H, I>
where
    E: Dispatch<H> + crate::FromBody,
    H: Send + Sync + 'static,
    I: Inbox,
{
    /// A worker handing the webhooks `E` (any `lago_webhooks!` invocation's
    /// `WebhookEvent`) to `handler`: `Worker::<own::WebhookEvent, _, _>::for_events(inbox,
    /// handler)`.
    pub fn for_events(inbox: I, handler: H) -> Self {
        Worker {
            inbox,
            shared: Shared {
                handler,
                policy: RetryPolicy::default(),
                deadline: Some(DEFAULT_ATTEMPT_DEADLINE),
                validator: None,
            },
            concurrency: 16,
            grace: DEFAULT_SHUTDOWN_GRACE,
        }
    }

    /// Retries as `policy` says.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.shared.policy = policy;
        self
    }

    /// Runs up to `attempts` handlers at once (at least 1; default 16).
    pub fn with_concurrency(mut self, attempts: usize) -> Self {
        self.concurrency = attempts.max(1);
        self
    }

    /// Stops a handler still running after `deadline` and counts the attempt failed;
    /// `None` lets handlers run as long as they take (default 5 min). The delivery's
    /// lease is renewed while its handler runs, whatever the deadline.
    pub fn with_handler_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.shared.deadline = deadline;
        self
    }

    /// At shutdown, lets the attempts in progress run for up to `grace` (default 20 s),
    /// then stops them and gives their deliveries back. Keep it under the time your
    /// platform waits between SIGTERM and SIGKILL (30 s for Kubernetes and `docker stop`):
    /// a worker killed before it gives its deliveries back leaves them to their lease.
    pub fn with_shutdown_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Moves payloads that break the spec's constraints to the dead letter instead of
    /// handling them.
    pub fn with_validation(mut self, validate: bool) -> Self
    where
        E: Validate,
    {
        self.shared.validator = validate.then_some(|event: &E| event.validate());
        self
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.shared.handler
    }

    /// The inbox.
    pub fn inbox(&self) -> &I {
        &self.inbox
    }

    /// Takes and handles deliveries until `shutdown` completes; then takes no more, lets
    /// the attempts in progress finish within the shutdown grace, gives back those that
    /// do not, and returns what it did. The store being unreachable is waited out (and
    /// logged): it never ends the worker.
    ///
    /// Run it on tokio, in as many tasks and processes as you like.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> WorkerReport {
        let Worker { inbox, shared, concurrency, grace } = self;
        let shared = Arc::new(shared);
        let mut source = inbox.source();
        let stopping = Shutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        let mut tasks = JoinSet::new();
        let mut report = WorkerReport::default();
        let mut pause = Duration::from_millis(100);
        'work: loop {
            while let Some(done) = tasks.try_join_next() {
                tally(&mut report, done);
            }
            let free = concurrency.saturating_sub(tasks.len());
            if free == 0 {
                tokio::select! {
                    biased;
                    () = &mut shutdown => break 'work,
                    Some(done) = tasks.join_next() => tally(&mut report, done),
                }
                continue;
            }
            // A take is not cut short by the shutdown (a store may have leased what it
            // took, and its attempt would count): it waits at most `IDLE_WAIT`, and what
            // it brings is handled or given back like the rest.
            tokio::select! {
                biased;
                () = &mut shutdown => break 'work,
                () = std::future::ready(()) => {}
            }
            let taken = bounded(IDLE_WAIT + STORE_TIMEOUT, source.take(free, IDLE_WAIT)).await;
            match taken {
                Ok(jobs) => {
                    pause = Duration::from_millis(100);
                    for job in jobs {
                        tasks.spawn(attempt(Arc::clone(&shared), job, stopping.clone()));
                    }
                }
                Err(err) => {
                    crate::log::store_failed("take", &err);
                    crate::counters::store_error("take");
                    // Wait the store out, longer each time, up to 10 s.
                    tokio::select! {
                        biased;
                        () = &mut shutdown => break 'work,
                        () = tokio::time::sleep(pause) => {}
                    }
                    pause = (pause * 2).min(Duration::from_secs(10));
                }
            }
        }
        // Shutdown: no more takes; the attempts in progress get the grace, then are told
        // to stop and give their deliveries back.
        source.stop().await;
        let grace_over = tokio::time::sleep(grace);
        let mut grace_over = std::pin::pin!(grace_over);
        loop {
            tokio::select! {
                done = tasks.join_next() => match done {
                    Some(done) => tally(&mut report, done),
                    None => break,
                },
                () = &mut grace_over, if !stopping.is_triggered() => stopping.trigger(),
            }
        }
        source.close().await;
        report
    }
}

fn tally(report: &mut WorkerReport, done: Result<Tally, tokio::task::JoinError>) {
    let count = match done {
        Ok(Tally::Succeeded) => &mut report.succeeded,
        Ok(Tally::Retried) => &mut report.retried,
        Ok(Tally::Dead) => &mut report.dead,
        Ok(Tally::Released) => &mut report.released,
        Ok(Tally::LeaseLost) => &mut report.lease_lost,
        // A task panics only outside the handler (which is caught): its lease runs out.
        Ok(Tally::Unrecorded) | Err(_) => &mut report.unrecorded,
    };
    *count += 1;
}

/// One attempt at one delivery, from parsing to recording its outcome.
async fn attempt<E, H, J>(shared: Arc<Shared<E, H>>, job: J, stopping: Shutdown) -> Tally
where
    E: Dispatch<H> + crate::FromBody,
    H: Send + Sync + 'static,
    J: Job,
{
    let entry = job.entry();
    let number = job.attempt();
    let span = crate::log::attempt_span(&entry.unique_key, &entry.webhook_type, number);
    let started = Instant::now();
    let (tally, outcome) = crate::log::instrument(&span, run_attempt(&shared, job, stopping)).await;
    crate::log::attempt_outcome(&span, outcome);
    crate::counters::attempted(outcome, started.elapsed());
    tally
}

/// The attempt, and its outcome's name for logs and metrics.
async fn run_attempt<E, H, J>(shared: &Shared<E, H>, job: J, stopping: Shutdown) -> (Tally, &'static str)
where
    E: Dispatch<H> + crate::FromBody,
    H: Send + Sync + 'static,
    J: Job,
{
    let number = job.attempt();
    let policy = &shared.policy;
    if number > policy.max_attempts {
        let reason = format!("{} attempts made, the last cut short (a worker stopped or died)", number - 1);
        return (bury(job, &reason, &reason).await, "cut_short");
    }
    let event = match E::from_slice(&job.entry().body) {
        Ok(event) => event,
        Err(err) => {
            // Its message may quote the body: the log tells the kind and place only.
            let logged = format!(
                "the body does not parse: {:?} error at line {}, column {}",
                err.kind(),
                err.line(),
                err.column()
            );
            return (bury(job, &format!("the body does not parse: {err}"), &logged).await, "unreadable");
        }
    };
    if let Some(validate) = shared.validator
        && let Err(violations) = validate(&event)
    {
        let reason = format!("the payload breaks the spec: {}", violations.to_string().replace('\n', "; "));
        // Violations quote values: the log tells the rules and places only.
        let places: Vec<String> =
            violations.iter().map(|v| format!("{} at {}", v.rule(), v.pointer())).collect();
        let logged = format!("the payload breaks the spec: {}", places.join("; "));
        return (bury(job, &reason, &logged).await, "unreadable");
    }
    let delivery = job.entry().delivery(number);
    let handling = crate::handling::run(event.dispatch(&shared.handler, &delivery), shared.deadline);
    let handling = job.scope(handling);
    let ended = {
        let attempt = async {
            match job.renewal() {
                Some(every) => {
                    crate::handling::renewing(handling, every, || job.renew(), crate::log::claim_lost).await
                }
                None => handling.await,
            }
        };
        tokio::select! {
            ended = attempt => Some(ended),
            () = stopping.signalled() => None,
        }
    };
    let Some(ended) = ended else {
        return match bounded(STORE_TIMEOUT, job.release()).await {
            Ok(()) => (Tally::Released, "released"),
            Err(err) => unrecorded("release", &err),
        };
    };
    let (error, outcome) = match ended {
        Ended::Succeeded => {
            let received_at = job.entry().received_at;
            return match bounded(STORE_TIMEOUT, job.complete()).await {
                Ok(Completion::Done) => {
                    crate::counters::handled(received_at);
                    (Tally::Succeeded, "succeeded")
                }
                Ok(Completion::LeaseLost) => {
                    crate::log::lease_lost();
                    (Tally::LeaseLost, "lease_lost")
                }
                Err(err) => unrecorded("complete", &err),
            };
        }
        Ended::Failed(err) => (format!("the handler failed: {err}"), "failed"),
        Ended::Panicked => ("the handler panicked".to_owned(), "panicked"),
        Ended::TimedOut => ("the handler ran past its deadline".to_owned(), "timed_out"),
    };
    match policy.delay(number) {
        Some(delay) => {
            crate::log::retrying(&error, delay);
            match bounded(STORE_TIMEOUT, job.retry(delay, &error)).await {
                Ok(()) => {
                    crate::counters::retried();
                    (Tally::Retried, outcome)
                }
                Err(err) => unrecorded("retry", &err),
            }
        }
        None => {
            let reason = format!("{number} attempts failed; the last: {error}");
            (bury(job, &reason, &reason).await, outcome)
        }
    }
}

/// Moves the job to the dead letter for `reason`, logged as `logged` (without what the
/// body holds).
async fn bury<J: Job>(job: J, reason: &str, logged: &str) -> Tally {
    crate::log::buried(logged);
    match bounded(STORE_TIMEOUT, job.bury(reason)).await {
        Ok(()) => {
            crate::counters::buried();
            Tally::Dead
        }
        Err(err) => unrecorded("bury", &err).0,
    }
}

/// The store failed to record an attempt's outcome: the delivery's lease runs out and
/// it is attempted again.
fn unrecorded(operation: &'static str, err: &super::InboxError) -> (Tally, &'static str) {
    crate::log::store_failed(operation, err);
    crate::counters::store_error(operation);
    (Tally::Unrecorded, "unrecorded")
}
