//! Deduplication shared by replicas through Redis.

use std::future::Future;
use std::time::Duration;

use deadpool_redis::redis::{self, Script};
use deadpool_redis::{Config, Pool, Runtime};

use super::{Claim, ClaimToken, DEFAULT_LEASE, DEFAULT_RETENTION, Deduplicate, KeyDigest, StoreError};
use crate::HandlerError;

/// Claims a free key for a lease: `claimed`, `done` or `in_progress`.
const CLAIM: &str = r"
local value = redis.call('GET', KEYS[1])
if not value then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 'claimed'
elseif value == 'done' then
  return 'done'
end
return 'in_progress'
";

/// Marks a key done, kept for the retention, if the token still holds it, or if its
/// lease ran out with no one taking it over: the delivery was handled either way.
const COMPLETE: &str = r"
local value = redis.call('GET', KEYS[1])
if value == ARGV[1] or not value then
  redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
  return 1
end
return 0
";

/// Extends a claim's lease if the token still holds it, or claims the key again if it is
/// gone (its lease ran out with no one taking it over, or the server lost it in a
/// restart): the handler is still at work. `1` when the token holds the key afterwards.
const RENEW: &str = r"
local value = redis.call('GET', KEYS[1])
if value == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
elseif not value then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
";

/// Frees a key if the token still holds it.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Keys claimed in Redis, shared by every replica that uses the same server and prefix.
///
/// A claim is a key holding the claim's token for a short lease (2 s), renewed by the
/// receiver while its handler runs: if the replica handling it dies, the key expires
/// before Lago's next try (about 3 s later), which another replica then handles. A done
/// key is kept for the retention (7 days), then forgotten: the server holds about 150
/// bytes (`MEMORY USAGE` of one) per delivery received in that time. Each key is the
/// prefix and the 64 hexadecimal characters of the unique key's digest. Connections come
/// from a pool (deadpool-redis).
#[derive(Clone)]
pub struct RedisDeduplicator {
    pool: Pool,
    prefix: String,
    lease: Duration,
    retention: Duration,
    claim: Script,
    complete: Script,
    renew: Script,
    release: Script,
}

impl std::fmt::Debug for RedisDeduplicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDeduplicator")
            .field("prefix", &self.prefix)
            .field("lease", &self.lease)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl RedisDeduplicator {
    /// A store on the Redis server at `url` (`redis://host:port/db`), with keys prefixed
    /// `lago-webhooks:`, claims leased for [`DEFAULT_LEASE`] (2 s, renewed while their
    /// handler runs) and completions kept for [`DEFAULT_RETENTION`] (7 days). It
    /// connects on first use; [`RedisDeduplicator::ping`] checks the server at once.
    pub fn new(url: &str) -> Result<Self, HandlerError> {
        let mut config = Config::from_url(url);
        // A stuck server fails deliveries (Lago retries them) rather than holding them.
        let wait = Some(Duration::from_secs(5));
        config.pool.get_or_insert_with(Default::default).timeouts =
            deadpool_redis::Timeouts { wait, create: wait, recycle: wait };
        let pool = config.create_pool(Some(Runtime::Tokio1))?;
        Ok(RedisDeduplicator {
            pool,
            prefix: "lago-webhooks:".to_owned(),
            lease: DEFAULT_LEASE,
            retention: DEFAULT_RETENTION,
            claim: Script::new(CLAIM),
            complete: Script::new(COMPLETE),
            renew: Script::new(RENEW),
            release: Script::new(RELEASE),
        })
    }

    /// Prefixes every key with `prefix` (to share a server between endpoints, or isolate
    /// tests).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a claim holds unless renewed: when its replica dies, Lago's retries get
    /// 409 until then. The receiver renews it four times per lease while the handler
    /// runs. Keep it under Lago's first wait (about 3 s), so that a retry after a crash is
    /// handled, and well over the store's round trip.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long a done key is remembered: a delivery sent again after that (a manual
    /// retry from Lago's UI, a body replayed under an old key) is handled again. Each key
    /// costs the server about 150 bytes.
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Checks that the server answers.
    pub async fn ping(&self) -> Result<(), HandlerError> {
        let mut connection = self.pool.get().await?;
        redis::cmd("PING").query_async::<String>(&mut connection).await?;
        Ok(())
    }

    fn key(&self, key: &KeyDigest) -> String {
        format!("{}{}", self.prefix, key.to_hex())
    }
}

/// Milliseconds for Redis, at least 1.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// Runs `script` on `key` with the claim's token and, when given, a duration in
/// milliseconds: every claim operation is one such call.
async fn invoke<T: redis::FromRedisValue>(
    pool: &Pool,
    script: &Script,
    key: String,
    token: ClaimToken,
    millis: Option<u64>,
) -> Result<T, HandlerError> {
    let mut connection = pool.get().await?;
    let mut invocation = script.key(key);
    invocation.arg(token.as_u128().to_string());
    if let Some(millis) = millis {
        invocation.arg(millis);
    }
    Ok(invocation.invoke_async(&mut connection).await?)
}

impl Deduplicate for RedisDeduplicator {
    fn store_name(&self) -> &'static str {
        "redis"
    }

    fn claim(&self, key: &KeyDigest) -> impl Future<Output = Result<Claim, HandlerError>> + Send {
        let key = self.key(key);
        async move {
            let token = ClaimToken::new();
            let found: String = invoke(&self.pool, &self.claim, key, token, Some(millis(self.lease))).await?;
            match found.as_str() {
                "claimed" => Ok(Claim::Claimed(token)),
                "done" => Ok(Claim::Done),
                _ => Ok(Claim::InProgress),
            }
        }
    }

    fn complete(
        &self,
        key: &KeyDigest,
        token: ClaimToken,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        let key = self.key(key);
        async move {
            invoke::<i64>(&self.pool, &self.complete, key, token, Some(millis(self.retention))).await?;
            Ok(())
        }
    }

    fn release(&self, key: &KeyDigest, token: ClaimToken) {
        self.spawn_script("release", self.release.clone(), key, token, None);
    }

    fn complete_detached(&self, key: &KeyDigest, token: ClaimToken) {
        self.spawn_script("complete", self.complete.clone(), key, token, Some(millis(self.retention)));
    }

    fn renewal(&self) -> Option<Duration> {
        Some(super::renewal_of(self.lease))
    }

    fn renew(
        &self,
        key: &KeyDigest,
        token: ClaimToken,
    ) -> impl Future<Output = Result<bool, HandlerError>> + Send {
        let key = self.key(key);
        async move { Ok(invoke::<i64>(&self.pool, &self.renew, key, token, Some(millis(self.lease))).await? == 1) }
    }
}

impl RedisDeduplicator {
    /// Runs `script`, the store's `operation`, on `key` in the background, logging its
    /// failure. Outside a tokio runtime there is nothing to run it on: the lease then
    /// frees the key.
    fn spawn_script(
        &self,
        operation: &'static str,
        script: Script,
        key: &KeyDigest,
        token: ClaimToken,
        millis: Option<u64>,
    ) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let (pool, key) = (self.pool.clone(), self.key(key));
        runtime.spawn(async move {
            if let Err(err) = invoke::<i64>(&pool, &script, key, token, millis).await {
                crate::log::dedup_store_failed(&StoreError::new("redis", operation, err));
            }
        });
    }
}
