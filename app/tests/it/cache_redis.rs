//! The Redis-backed cache against a real Redis (`REDIS_URL`). Skipped with a printed reason
//! when REDIS_URL is unset, unless DUKA_REQUIRE_SERVICES=1 (as `make test` sets).

use app::server::platform::cache::Cache;
use std::time::{Duration, Instant};

/// Prints why a test is skipped, or fails it when `make test` said every service is there.
fn skip(reason: &str) {
    assert!(
        std::env::var("DUKA_REQUIRE_SERVICES").as_deref() != Ok("1"),
        "cannot skip under DUKA_REQUIRE_SERVICES=1: {reason}"
    );
    eprintln!("SKIPPED: {reason}");
}

/// The tests share one Redis and one of them stalls it on purpose: run them one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn redis_url() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            skip("REDIS_URL is not set (start Redis with `make services REDIS=1`)");
            None
        }
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("test:{prefix}:{nanos}:{}", std::process::id())
}

async fn connect(url: &str) -> Cache {
    Cache::redis(url, Duration::from_millis(250))
        .await
        .expect("connects to Redis")
}

#[tokio::test]
async fn set_get_delete_and_expiry() {
    let _serial = SERIAL.lock().await;
    let Some(url) = redis_url() else { return };
    let cache = connect(&url).await;
    assert_eq!(cache.backend(), "redis");
    cache.ping().await.expect("pings");

    let key = unique("roundtrip");
    assert_eq!(cache.get(&key).await, None);
    cache
        .set(&key, b"\x00binary\xff", Duration::from_secs(30))
        .await;
    assert_eq!(
        cache.get(&key).await.as_deref(),
        Some(&b"\x00binary\xff"[..])
    );
    cache.delete(&key).await;
    assert_eq!(cache.get(&key).await, None);

    let short = unique("ttl");
    cache
        .set_json(&short, &vec!["a", "b"], Duration::from_millis(100))
        .await;
    assert_eq!(
        cache.get_json::<Vec<String>>(&short).await,
        Some(vec!["a".into(), "b".into()])
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(cache.get(&short).await, None, "Redis expired the entry");
}

/// A Redis that stops answering makes reads misses within the timeout; it never errors or
/// hangs the caller, and the cache works again once Redis answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_redis_fails_open_within_the_timeout() {
    let _serial = SERIAL.lock().await;
    let Some(url) = redis_url() else { return };
    let cache = connect(&url).await;
    let key = unique("hang");
    cache.set(&key, b"v", Duration::from_secs(30)).await;
    let generation = app::server::catalog::generation(&cache)
        .await
        .expect("a generation");

    // Block the Redis server for three seconds from another connection.
    let client = redis::Client::open(url.as_str()).expect("client");
    let mut blocker = client
        .get_multiplexed_async_connection()
        .await
        .expect("connects");
    let sleeper = tokio::spawn(async move {
        redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg("3")
            .query_async::<()>(&mut blocker)
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    if sleeper.is_finished() {
        if let Ok(Err(e)) = sleeper.await {
            skip(&format!(
                "this Redis refuses DEBUG SLEEP ({e}); cannot simulate a hang"
            ));
            return;
        }
        panic!("DEBUG SLEEP returned early");
    }

    let started = Instant::now();
    assert_eq!(cache.get(&key).await, None, "a hang is a miss");
    // The catalog bypasses its cache rather than start a new generation (which would
    // retire everything cached once Redis is back).
    assert_eq!(app::server::catalog::generation(&cache).await, None);
    cache
        .set(&unique("during-hang"), b"x", Duration::from_secs(5))
        .await; // a no-op, no error
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(2),
        "bounded by the timeout, took {waited:?}"
    );

    sleeper.await.expect("joins").expect("DEBUG SLEEP ran");
    // Answers again once Redis is back (the timed-out replies are drained first).
    let mut recovered = false;
    for _ in 0..20 {
        if cache.get(&key).await.as_deref() == Some(&b"v"[..]) {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the cache works again after Redis recovers");
    assert_eq!(
        app::server::catalog::generation(&cache).await,
        Some(generation),
        "the generation survived the outage"
    );
}

/// Catalog reads through the Redis cache: cached, then fresh after invalidation.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn catalog_reads_are_cached_in_redis(pool: sqlx::PgPool) {
    use app::model::Currency;
    use app::server::catalog;
    let _serial = SERIAL.lock().await;
    let Some(url) = redis_url() else { return };
    let cache = connect(&url).await;
    catalog::invalidate(&cache).await; // other runs share this Redis
    catalog::seed(&pool, &media(), Currency::Aed, 12)
        .await
        .expect("seeds");
    let first = catalog::home(&pool, &cache, Currency::Aed)
        .await
        .expect("home");
    sqlx::query("UPDATE products SET name = 'Renamed' WHERE slug = 'linen-shirt'")
        .execute(&pool)
        .await
        .expect("updates");
    let cached = catalog::home(&pool, &cache, Currency::Aed)
        .await
        .expect("home");
    assert_eq!(cached, first, "second read comes from Redis");
    catalog::invalidate(&cache).await;
    let fresh = catalog::home(&pool, &cache, Currency::Aed)
        .await
        .expect("home");
    assert!(fresh.new_arrivals.iter().any(|p| p.name == "Renamed"));
}

#[tokio::test]
async fn an_unreachable_redis_is_a_startup_error() {
    // Nothing listens on port 1; connecting must fail fast with an error, not hang or panic.
    let started = Instant::now();
    let result = Cache::redis("redis://127.0.0.1:1/0", Duration::from_millis(250)).await;
    assert!(result.is_err());
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Demo pictures for tests: one directory per test binary run, shared by its tests (equal
/// pictures have equal names, and files are written atomically).
fn media() -> app::server::platform::media::MediaStore {
    app::server::platform::media::MediaStore::new(
        std::env::temp_dir().join(format!("duka-test-media-{}", std::process::id())),
    )
}

/// Rate limits in Redis are shared by every server process: two limiters (two processes'
/// worth) count against one window.
#[tokio::test]
async fn rate_limits_are_shared_through_redis_and_never_fail_open() {
    use app::server::platform::cache::RedisCache;
    use app::server::platform::limits::{RateLimiter, Rule};
    let _serial = SERIAL.lock().await;
    let Some(url) = redis_url() else { return };
    let connect = || async {
        RedisCache::connect(&url, Duration::from_millis(250))
            .await
            .expect("connects")
    };
    let (a, b) = (
        RateLimiter::new(Some(connect().await)),
        RateLimiter::new(Some(connect().await)),
    );
    assert_eq!(a.backend(), "redis");
    let rule = Rule {
        name: "test_shared",
        max: 4,
        window: Duration::from_secs(60),
    };
    let subject = unique("limit");
    for limiter in [&a, &b, &a, &b] {
        limiter
            .check(rule, &subject)
            .await
            .expect("under the limit");
    }
    assert!(
        a.check(rule, &subject).await.is_err(),
        "the fifth, from either process, is refused"
    );
    assert!(b.check(rule, &subject).await.is_err());
}
