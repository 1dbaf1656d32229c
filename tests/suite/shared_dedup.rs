//! Deduplication shared by replicas, on the Redis and PostgreSQL servers of the test
//! machine: `LAGO_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`) and
//! `LAGO_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`). Each
//! test works under its own key prefix or schema, and fails naming the URL it could not
//! reach.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lago_webhooks::dedup::{Claim, Deduplicate, KeyDigest, PostgresDeduplicator, RedisDeduplicator};
use lago_webhooks::receiver::Receiver;
use lago_webhooks::verify::{Algorithm, HmacKey, Verifier, lago_headers};
use lago_webhooks::{AsyncWebhookHandler, Delivery, Fee, HandlerResult, WebhookEvent, WebhookType};

use crate::services::{Schema, postgres_url, redis_prefix, redis_url};

const HMAC_KEY: &str = "4b7e0d2c-shared-dedup";
const DELIVERIES: usize = 5_000;

async fn redis_store(prefix: &str) -> RedisDeduplicator {
    let url = redis_url();
    // Done keys expire within minutes, so that runs leave nothing behind for long.
    let store =
        RedisDeduplicator::new(&url).unwrap().with_prefix(prefix).with_retention(Duration::from_secs(120));
    if let Err(err) = store.ping().await {
        panic!("cannot reach Redis at {url}: {err}");
    }
    store
}

/// Claims cut off by the restart (sent to the store, answer never read) hold this long.
const LEASE: Duration = Duration::from_secs(2);

/// How many deliveries are on their way at once, as from a busy Lago.
const IN_FLIGHT: usize = 200;

/// The deduplicator of a test's schema.
async fn postgres_store(schema: &Schema) -> PostgresDeduplicator {
    let url = postgres_url();
    PostgresDeduplicator::connect_to_table(&url, &format!("{}.deliveries", schema.name))
        .await
        .unwrap_or_else(|err| panic!("cannot use PostgreSQL at {url}: {err}"))
}

/// Counts the dispatches of each unique key, across receivers.
#[derive(Clone, Default)]
struct Counter(Arc<Mutex<HashMap<String, u32>>>);

impl AsyncWebhookHandler for Counter {
    async fn on_fee_created(&self, _: Fee, delivery: &Delivery) -> HandlerResult {
        // Long enough for the other replica's attempt to arrive while this one runs.
        tokio::time::sleep(Duration::from_millis(2)).await;
        let key = delivery.unique_key.clone().unwrap_or_default();
        *self.0.lock().unwrap().entry(key).or_default() += 1;
        Ok(())
    }
}

type Replica<D> = Arc<Receiver<WebhookEvent, Counter, D>>;

/// Sends every delivery to both replicas at once, each attempt retried as Lago retries
/// until it is answered 200, and restarts replica B halfway: its attempts then in flight
/// are cut off, as a dying process cuts them. Returns the dispatch count of every key.
async fn deliver_to_two_replicas<D, F>(store: impl Fn() -> F) -> HashMap<String, u32>
where
    D: Deduplicate + 'static,
    F: std::future::Future<Output = D>,
{
    let counter = Counter::default();
    let replica = |dedup: D| {
        let verifier = Verifier::new().with_hmac(HMAC_KEY).unwrap();
        Arc::new(Receiver::new(verifier, counter.clone()).with_deduplicator(dedup))
    };
    let a: Replica<D> = replica(store().await);
    let (restart, restarted) = tokio::sync::watch::channel(replica(store().await));
    let body = WebhookType::FeeCreated.example();
    let signature = HmacKey::new(HMAC_KEY).sign(body.as_bytes());

    let mut tasks = tokio::task::JoinSet::new();
    let in_flight = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    for i in 0..DELIVERIES {
        if i == DELIVERIES / 2 {
            // Replica B dies and comes back with a new connection to the store.
            restart.send(replica(store().await)).unwrap();
        }
        let headers = lago_headers(Algorithm::Hmac, &signature, &format!("delivery-{i}")).unwrap();
        let (a, mut restarted) = (Arc::clone(&a), restarted.clone());
        let permit = Arc::clone(&in_flight).acquire_owned().await.unwrap();
        tasks.spawn(async move {
            let _permit = permit;
            let to_a = async {
                while a.receive(&headers, body.as_bytes()).await.status() != 200 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            };
            let to_b = async {
                loop {
                    let b = restarted.borrow_and_update().clone();
                    tokio::select! {
                        outcome = b.receive(&headers, body.as_bytes()) => {
                            if outcome.status() == 200 {
                                break;
                            }
                        }
                        // The attempt dies with its replica; Lago retries it.
                        _ = restarted.changed() => {}
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            };
            tokio::join!(to_a, to_b);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    drop(restart);
    counter.0.lock().unwrap().clone()
}

fn assert_each_key_dispatched_once(counts: &HashMap<String, u32>) {
    assert_eq!(counts.len(), DELIVERIES, "every delivery was handled");
    let twice: Vec<_> = counts.iter().filter(|(_, count)| **count != 1).collect();
    assert!(twice.is_empty(), "dispatched more than once: {twice:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_sharing_redis_dispatch_each_delivery_once_across_a_restart() {
    let prefix = redis_prefix();
    let counts = deliver_to_two_replicas(|| async { redis_store(&prefix).await.with_lease(LEASE) }).await;
    assert_each_key_dispatched_once(&counts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_sharing_postgres_dispatch_each_delivery_once_across_a_restart() {
    let schema = Schema::create().await;
    let counts = deliver_to_two_replicas(|| async { postgres_store(&schema).await.with_lease(LEASE) }).await;
    assert_each_key_dispatched_once(&counts);
    schema.drop().await;
}

/// A replica claims a key and dies: the others see it in progress until its lease ends,
/// then take it over; the dead replica's late release frees nothing.
async fn a_dead_replicas_claim_is_taken_over<D: Deduplicate>(dead: &D, alive: &D) {
    let key = KeyDigest::of("claimed-by-a-replica-that-died");
    let Claim::Claimed(dead_token) = dead.claim(&key).await.unwrap() else { panic!("a free key is claimed") };
    assert_eq!(alive.claim(&key).await.unwrap(), Claim::InProgress);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let Claim::Claimed(token) = alive.claim(&key).await.unwrap() else { panic!("the lease ran out") };
    dead.release(&key, dead_token);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        alive.claim(&key).await.unwrap(),
        Claim::InProgress,
        "the dead replica's release freed nothing"
    );
    alive.complete(&key, token).await.unwrap();
    assert_eq!(dead.claim(&key).await.unwrap(), Claim::Done);
}

#[tokio::test]
async fn a_claim_held_by_a_dead_replica_is_taken_over_after_its_lease_on_redis() {
    let prefix = redis_prefix();
    let lease = Duration::from_millis(500);
    let (dead, alive) =
        (redis_store(&prefix).await.with_lease(lease), redis_store(&prefix).await.with_lease(lease));
    a_dead_replicas_claim_is_taken_over(&dead, &alive).await;
}

#[tokio::test]
async fn a_claim_held_by_a_dead_replica_is_taken_over_after_its_lease_on_postgres() {
    let schema = Schema::create().await;
    let lease = Duration::from_millis(500);
    let (dead, alive) =
        (postgres_store(&schema).await.with_lease(lease), postgres_store(&schema).await.with_lease(lease));
    a_dead_replicas_claim_is_taken_over(&dead, &alive).await;
    // Done keys outlive a restart: a new connection still knows the key.
    let restarted = postgres_store(&schema).await;
    assert_eq!(restarted.claim(&KeyDigest::of("claimed-by-a-replica-that-died")).await.unwrap(), Claim::Done);
    assert_eq!(restarted.purge(Duration::ZERO).await.unwrap(), 1);
    schema.drop().await;
}

/// A completion that comes after the lease ran out, with no one having taken the key over,
/// still marks the key done: the delivery was handled.
async fn a_late_completion_still_counts<D: Deduplicate>(store: &D) {
    let key = KeyDigest::of("completed-after-its-lease");
    let Claim::Claimed(token) = store.claim(&key).await.unwrap() else { panic!("a free key is claimed") };
    tokio::time::sleep(Duration::from_millis(700)).await;
    store.complete(&key, token).await.unwrap();
    assert_eq!(store.claim(&key).await.unwrap(), Claim::Done);
}

#[tokio::test]
async fn a_late_completion_still_counts_on_redis_and_postgres() {
    let lease = Duration::from_millis(500);
    let prefix = redis_prefix();
    a_late_completion_still_counts(&redis_store(&prefix).await.with_lease(lease)).await;
    let schema = Schema::create().await;
    a_late_completion_still_counts(&postgres_store(&schema).await.with_lease(lease)).await;
    schema.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_share_one_table() {
    let schema = Schema::create().await;
    let mut starting = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let table = format!("{}.deliveries", schema.name);
        starting.spawn(async move { PostgresDeduplicator::connect_to_table(&postgres_url(), &table).await });
    }
    while let Some(started) = starting.join_next().await {
        if let Err(err) = started.unwrap() {
            panic!("a replica failed to start: {err}");
        }
    }
    schema.drop().await;
}

/// Sleeps through several leases, then records its delivery.
#[derive(Clone, Default)]
struct Slow(Arc<Mutex<Vec<String>>>);

impl AsyncWebhookHandler for Slow {
    async fn on_fee_created(&self, _: Fee, delivery: &Delivery) -> HandlerResult {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        self.0.lock().unwrap().push(delivery.unique_key.clone().unwrap_or_default());
        Ok(())
    }
}

/// A handler running through several leases keeps its claim: the retries that come
/// meanwhile, to another replica, are asked to come back, and the delivery is handled once.
async fn a_slow_handler_keeps_its_claim<D: Deduplicate + 'static>(a: D, b: D) {
    let slow = Slow::default();
    let replica = |dedup: D| {
        Arc::new(
            Receiver::new(Verifier::new().with_hmac(HMAC_KEY).unwrap(), slow.clone())
                .with_deduplicator(dedup),
        )
    };
    let (a, b) = (replica(a), replica(b));
    let body = WebhookType::FeeCreated.example();
    let headers =
        lago_headers(Algorithm::Hmac, &HmacKey::new(HMAC_KEY).sign(body.as_bytes()), "slow-delivery")
            .unwrap();
    let first = tokio::spawn({
        let (a, headers) = (Arc::clone(&a), headers.clone());
        async move { a.receive(&headers, body.as_bytes()).await.status() }
    });
    let mut retries = Vec::new();
    while !first.is_finished() {
        tokio::time::sleep(Duration::from_millis(100)).await;
        retries.push(b.receive(&headers, body.as_bytes()).await.status().as_u16());
    }
    assert_eq!(first.await.unwrap(), 200);
    // The last retry may have come after the first attempt ended.
    let during = &retries[..retries.len() - 1];
    assert!(during.len() >= 10, "retried through the whole handling: {retries:?}");
    assert!(during.iter().all(|status| *status == 409), "{retries:?}");
    assert_eq!(b.receive(&headers, body.as_bytes()).await.status(), 200);
    assert_eq!(*slow.0.lock().unwrap(), ["slow-delivery"], "handled once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_keeps_its_claim_past_the_lease_on_redis_and_postgres() {
    let lease = Duration::from_millis(300);
    let prefix = redis_prefix();
    a_slow_handler_keeps_its_claim(
        redis_store(&prefix).await.with_lease(lease),
        redis_store(&prefix).await.with_lease(lease),
    )
    .await;
    let schema = Schema::create().await;
    a_slow_handler_keeps_its_claim(
        postgres_store(&schema).await.with_lease(lease),
        postgres_store(&schema).await.with_lease(lease),
    )
    .await;
    schema.drop().await;
}
