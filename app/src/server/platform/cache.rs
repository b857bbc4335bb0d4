//! A small key-value cache: Redis when `REDIS_URL` is set, in-process otherwise.
//!
//! The cache is disposable. Every Redis call has a timeout and fails open: a slow or dead
//! Redis makes a read a miss and a write a no-op, logged, never an error for the shopper.

use super::error::Error;
use redis::aio::ConnectionManager;
use serde::{de::DeserializeOwned, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY_PREFIX: &str = "duka:";

#[derive(Clone)]
pub enum Cache {
    Memory(MemoryCache),
    Redis(RedisCache),
    /// Stores nothing: every read misses (benchmarks of the uncached path, `DUKA_CACHE=off`).
    Disabled,
}

impl Cache {
    pub fn memory(capacity: usize) -> Self {
        Cache::Memory(MemoryCache::new(capacity))
    }

    /// Connects to Redis. Fails when it cannot reach it, so a wrong URL is caught at start-up.
    pub async fn redis(url: &str, timeout: Duration) -> Result<Self, Error> {
        Ok(Cache::Redis(RedisCache::connect(url, timeout).await?))
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Cache::Memory(_) => "memory",
            Cache::Redis(_) => "redis",
            Cache::Disabled => "disabled",
        }
    }

    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        match self {
            Cache::Memory(m) => m.get(key),
            Cache::Redis(r) => r.get(key).await,
            Cache::Disabled => None,
        }
    }

    /// Like [`Cache::get`], but says when the backend failed instead of calling it a miss.
    pub async fn try_get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        match self {
            Cache::Memory(m) => Ok(m.get(key)),
            Cache::Redis(r) => {
                let mut cmd = redis::cmd("GET");
                cmd.arg(format!("{KEY_PREFIX}{key}"));
                r.run::<Option<Vec<u8>>>(cmd).await
            }
            Cache::Disabled => Ok(None),
        }
    }

    /// Stores `value` only if the key is absent (Redis `SET NX`); fails open like `set`.
    pub async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) {
        match self {
            Cache::Memory(m) => {
                if m.get(key).is_none() {
                    m.set(key, value, ttl);
                }
            }
            Cache::Redis(r) => {
                let mut cmd = redis::cmd("SET");
                cmd.arg(format!("{KEY_PREFIX}{key}"))
                    .arg(value)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl.as_millis().max(1) as u64);
                if let Err(error) = r.run::<Option<String>>(cmd).await {
                    tracing::warn!(%key, %error, "cache write failed; skipped");
                }
            }
            Cache::Disabled => {}
        }
    }

    pub async fn set(&self, key: &str, value: &[u8], ttl: Duration) {
        match self {
            Cache::Memory(m) => m.set(key, value, ttl),
            Cache::Redis(r) => r.set(key, value, ttl).await,
            Cache::Disabled => {}
        }
    }

    pub async fn delete(&self, key: &str) {
        match self {
            Cache::Memory(m) => m.delete(key),
            Cache::Redis(r) => r.delete(key).await,
            Cache::Disabled => {}
        }
    }

    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let bytes = self.get(key).await?;
        match serde_json::from_slice(&bytes) {
            Ok(value) => Some(value),
            Err(error) => {
                // A stale shape after a deploy: treat as a miss.
                tracing::debug!(%key, %error, "cache entry did not decode");
                None
            }
        }
    }

    pub async fn set_json<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        match serde_json::to_vec(value) {
            Ok(bytes) => self.set(key, &bytes, ttl).await,
            Err(error) => tracing::warn!(%key, %error, "cache entry did not encode"),
        }
    }

    /// For readiness checks: is the backend answering right now?
    pub async fn ping(&self) -> Result<(), Error> {
        match self {
            Cache::Memory(_) | Cache::Disabled => Ok(()),
            Cache::Redis(r) => r.ping().await,
        }
    }
}

/// Entries by key: when each expires, and its bytes.
type Entries = HashMap<String, (Instant, Arc<[u8]>)>;

/// In-process cache with per-entry expiry, bounded in entries and in bytes.
#[derive(Clone)]
pub struct MemoryCache {
    inner: Arc<Mutex<Entries>>,
    capacity: usize,
    max_bytes: usize,
}

/// The in-process cache's byte budget unless told otherwise.
pub const DEFAULT_MEMORY_BYTES: usize = 64 * 1024 * 1024;

impl MemoryCache {
    pub fn new(capacity: usize) -> Self {
        Self::with_budget(capacity, DEFAULT_MEMORY_BYTES)
    }

    pub fn with_budget(capacity: usize, max_bytes: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(HashMap::new())),
            capacity: capacity.max(1),
            max_bytes: max_bytes.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the map inconsistent; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, key: &str) -> Option<Vec<u8>> {
        let mut map = self.lock();
        match map.get(key) {
            Some((expires, value)) if *expires > Instant::now() => Some(value.to_vec()),
            Some(_) => {
                map.remove(key);
                None
            }
            None => None,
        }
    }

    fn set(&self, key: &str, value: &[u8], ttl: Duration) {
        if value.len() > self.max_bytes {
            return;
        }
        let now = Instant::now();
        let mut map = self.lock();
        map.remove(key);
        let bytes = |m: &Entries| m.iter().map(|(k, (_, v))| k.len() + v.len()).sum::<usize>();
        if map.len() >= self.capacity || bytes(&map) + key.len() + value.len() > self.max_bytes {
            map.retain(|_, (expires, _)| *expires > now);
            // Still over a bound: drop the live entries closest to expiry until it fits.
            let mut by_expiry: Vec<(Instant, String)> =
                map.iter().map(|(k, (e, _))| (*e, k.clone())).collect();
            by_expiry.sort_unstable();
            let mut total = bytes(&map);
            for (_, victim) in by_expiry {
                if map.len() < self.capacity && total + key.len() + value.len() <= self.max_bytes {
                    break;
                }
                if let Some((_, v)) = map.remove(&victim) {
                    total -= victim.len() + v.len();
                }
            }
        }
        map.insert(key.to_owned(), (now + ttl, Arc::from(value)));
    }

    fn delete(&self, key: &str) {
        self.lock().remove(key);
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Redis behind a reconnecting connection manager, each call bounded by `timeout`.
#[derive(Clone)]
pub struct RedisCache {
    conn: ConnectionManager,
    timeout: Duration,
}

impl RedisCache {
    pub async fn connect(url: &str, timeout: Duration) -> Result<Self, Error> {
        let client = redis::Client::open(url)?;
        let connect = ConnectionManager::new(client);
        let conn = tokio::time::timeout(timeout.max(Duration::from_secs(2)), connect)
            .await
            .map_err(|_| Error::other("timed out connecting to Redis"))??;
        Ok(Self { conn, timeout })
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, Error> {
        let mut conn = self.conn.clone();
        match tokio::time::timeout(self.timeout, cmd.query_async::<T>(&mut conn)).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(Error::other(format!(
                "Redis did not answer within {:?}",
                self.timeout
            ))),
        }
    }

    /// Counts one hit in the fixed window `key` (created with `window` to live): the hits so
    /// far and the milliseconds until the window ends. One atomic round trip.
    pub async fn hit(&self, key: &str, window: Duration) -> Result<(u64, u64), Error> {
        let key = format!("{KEY_PREFIX}{key}");
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("SET")
            .arg(&key)
            .arg(0)
            .arg("PX")
            .arg(window.as_millis().max(1) as u64)
            .arg("NX")
            .ignore()
            .cmd("INCR")
            .arg(&key)
            .cmd("PTTL")
            .arg(&key);
        let mut conn = self.conn.clone();
        match tokio::time::timeout(self.timeout, pipe.query_async::<(u64, i64)>(&mut conn)).await {
            Ok(result) => {
                let (count, ttl) = result?;
                Ok((count, ttl.max(0) as u64))
            }
            Err(_) => Err(Error::other(format!(
                "Redis did not answer within {:?}",
                self.timeout
            ))),
        }
    }

    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(format!("{KEY_PREFIX}{key}"));
        self.run::<Option<Vec<u8>>>(cmd)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%key, %error, "cache read failed; treating as a miss");
                None
            })
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) {
        let mut cmd = redis::cmd("SET");
        cmd.arg(format!("{KEY_PREFIX}{key}"))
            .arg(value)
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64);
        if let Err(error) = self.run::<()>(cmd).await {
            tracing::warn!(%key, %error, "cache write failed; skipped");
        }
    }

    async fn delete(&self, key: &str) {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(format!("{KEY_PREFIX}{key}"));
        if let Err(error) = self.run::<()>(cmd).await {
            tracing::warn!(%key, %error, "cache delete failed");
        }
    }

    async fn ping(&self) -> Result<(), Error> {
        self.run::<String>(redis::cmd("PING")).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_entries_expire() {
        let cache = Cache::memory(10);
        cache.set("a", b"1", Duration::from_millis(30)).await;
        assert_eq!(cache.get("a").await.as_deref(), Some(&b"1"[..]));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(cache.get("a").await, None);
    }

    #[tokio::test]
    async fn memory_is_bounded() {
        let mem = MemoryCache::new(3);
        let cache = Cache::Memory(mem.clone());
        for i in 0..10 {
            cache
                .set(&format!("k{i}"), b"v", Duration::from_secs(60 + i))
                .await;
        }
        assert_eq!(mem.len(), 3);
        // The newest entries survive.
        assert!(cache.get("k9").await.is_some());
    }

    #[tokio::test]
    async fn memory_is_bounded_in_bytes() {
        let mem = MemoryCache::with_budget(1000, 10_000);
        let cache = Cache::Memory(mem.clone());
        for i in 0..50 {
            cache
                .set(&format!("k{i}"), &[0u8; 1_000], Duration::from_secs(60 + i))
                .await;
        }
        assert!(
            mem.len() <= 9,
            "{} entries of 1 KB in a 10 KB budget",
            mem.len()
        );
        assert!(cache.get("k49").await.is_some(), "the newest survives");
        cache
            .set("huge", &[0u8; 20_000], Duration::from_secs(60))
            .await;
        assert!(
            cache.get("huge").await.is_none(),
            "larger than the whole budget: not stored"
        );
    }

    #[tokio::test]
    async fn memory_delete_and_json() {
        let cache = Cache::memory(10);
        cache
            .set_json("n", &vec![1, 2, 3], Duration::from_secs(5))
            .await;
        assert_eq!(cache.get_json::<Vec<i32>>("n").await, Some(vec![1, 2, 3]));
        assert_eq!(
            cache.get_json::<String>("n").await,
            None,
            "wrong shape is a miss"
        );
        cache.delete("n").await;
        assert_eq!(cache.get("n").await, None);
    }
}
