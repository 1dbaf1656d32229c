//! Deduplication shared by replicas through Redis.

use std::future::Future;
use std::time::Duration;

use deadpool_redis::redis::{self, Script};
use deadpool_redis::{Config, Pool, Runtime};

use super::{Claim, ClaimToken, Deduplicate, KeyDigest};
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

/// Frees a key if the token still holds it.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Keys claimed in Redis, shared by every replica that uses the same server and prefix.
///
/// A claim is a key holding the claim's token for a lease: if the replica handling it
/// dies, the key expires and Lago's next retry is handled by another. A done key is kept
/// for the retention, then forgotten. Each key is the prefix and the 64 hexadecimal
/// characters of the unique key's digest. Connections come from a pool (deadpool-redis).
///
/// The lease must outlast the handler's deadline: a claim that expires while its handler
/// still runs lets a retry be handled at the same time.
#[derive(Clone)]
pub struct RedisDeduplicator {
    pool: Pool,
    prefix: String,
    lease: Duration,
    retention: Duration,
    claim: Script,
    complete: Script,
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
    /// `lago-webhooks:`, claims leased for 60 s and completions kept for 7 days. It
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
            lease: Duration::from_secs(60),
            retention: Duration::from_secs(7 * 24 * 3600),
            claim: Script::new(CLAIM),
            complete: Script::new(COMPLETE),
            release: Script::new(RELEASE),
        })
    }

    /// Prefixes every key with `prefix` (to share a server between endpoints, or isolate
    /// tests).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a claim holds when its replica neither completes nor releases it. Keep it
    /// over the handler's deadline. A claim whose answer was lost (the caller hung up while
    /// Redis took it) also holds until then: retries meanwhile get 409.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long a done key is remembered (Lago stops retrying within a day).
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
        self.spawn_script(self.release.clone(), key, token, None);
    }

    fn complete_detached(&self, key: &KeyDigest, token: ClaimToken) {
        self.spawn_script(self.complete.clone(), key, token, Some(millis(self.retention)));
    }
}

impl RedisDeduplicator {
    /// Runs `script` on `key` in the background. Outside a tokio runtime there is nothing
    /// to run it on: the lease then frees the key.
    fn spawn_script(&self, script: Script, key: &KeyDigest, token: ClaimToken, millis: Option<u64>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let (pool, key) = (self.pool.clone(), self.key(key));
        runtime.spawn(async move {
            let _: Result<i64, _> = invoke(&pool, &script, key, token, millis).await;
        });
    }
}
