//! Rate limits on sign-in, registration, password reset and second factors: fixed windows
//! counted in Redis when it is configured (shared by every server process), in this process
//! otherwise, and in this process too while Redis does not answer (a limit never fails open).
//! Subjects are the client address and the account asked about, hashed before they are used
//! as keys, so no email address is written to Redis.

use super::cache::RedisCache;
use crate::model::AppError;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A rule: at most `max` attempts per `window` for one subject.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub name: &'static str,
    pub max: u64,
    pub window: Duration,
}

/// At most `max` attempts per `minutes` for one subject; `name` keys the counters.
const fn rule(name: &'static str, max: u64, minutes: u64) -> Rule {
    Rule {
        name,
        max,
        window: Duration::from_secs(minutes * 60),
    }
}

/// Sign-in attempts from one client address.
pub const SIGN_IN_PER_CLIENT: Rule = rule("sign_in_ip", 30, 15);
/// Sign-in attempts on one account (from anywhere: rotating addresses do not help).
pub const SIGN_IN_PER_ACCOUNT: Rule = rule("sign_in_acct", 10, 15);
pub const REGISTER_PER_CLIENT: Rule = rule("register_ip", 10, 60);
/// Registrations of one address: each sends it an email, so a stranger cannot flood an inbox.
pub const REGISTER_PER_ACCOUNT: Rule = rule("register_acct", 3, 60);
pub const RESET_PER_CLIENT: Rule = rule("reset_ip", 10, 60);
pub const RESET_PER_ACCOUNT: Rule = rule("reset_acct", 3, 60);
/// Second-factor codes tried for one staff account: 10 guesses in 15 minutes against a
/// million codes.
pub const TOTP_PER_ACCOUNT: Rule = rule("totp_acct", 10, 15);
/// Uses of emailed links (verify, reset) from one client: guessing them is hopeless, but cheap
/// to bound.
pub const LINK_PER_CLIENT: Rule = rule("link_ip", 30, 15);

/// The subject of a per-client rule: the client's address (one shared bucket when unknown).
pub fn client_subject(ip: Option<std::net::IpAddr>) -> String {
    ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// The subject of a per-account rule: the address as typed, trimmed and lower-cased, so
/// changing its case does not buy more attempts.
pub fn account_subject(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The subject of [`SIGN_IN_PER_ACCOUNT`]: the account, or for a browser that has signed in
/// to it before (its device tag) a bucket of that browser's own. Wrong guesses from anywhere
/// else fill the account's bucket and lock out only browsers the account has never used.
pub fn sign_in_subject(email: &str, known_device: Option<&str>) -> String {
    match known_device {
        Some(tag) => format!("{}\0device:{tag}", account_subject(email)),
        None => account_subject(email),
    }
}

#[derive(Clone)]
pub struct RateLimiter {
    redis: Option<RedisCache>,
    local: Arc<Mutex<HashMap<String, (u64, Instant)>>>,
}

impl RateLimiter {
    pub fn new(redis: Option<RedisCache>) -> Self {
        RateLimiter {
            redis,
            local: Arc::default(),
        }
    }

    pub fn backend(&self) -> &'static str {
        if self.redis.is_some() {
            "redis"
        } else {
            "memory"
        }
    }

    /// Counts one attempt by `subject` under `rule`; past the limit, `RateLimited` with the
    /// seconds until the window ends.
    pub async fn check(&self, rule: Rule, subject: &str) -> Result<(), AppError> {
        let digest = Sha256::digest(format!("{}\0{subject}", rule.name).as_bytes());
        let key = format!(
            "rl:{}:{}",
            rule.name,
            digest[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let (count, left_ms) = match &self.redis {
            Some(redis) => match redis.hit(&key, rule.window).await {
                Ok(hit) => hit,
                Err(error) => {
                    tracing::warn!(%error, rule = rule.name, "rate limit counted in process (Redis failed)");
                    self.hit_local(key, rule.window)
                }
            },
            None => self.hit_local(key, rule.window),
        };
        if count > rule.max {
            tracing::info!(rule = rule.name, "rate limited");
            return Err(AppError::RateLimited {
                retry_after_secs: left_ms.div_ceil(1_000).max(1),
            });
        }
        Ok(())
    }

    fn hit_local(&self, key: String, window: Duration) -> (u64, u64) {
        let now = Instant::now();
        let mut map = self.local.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, ends)| *ends > now);
        }
        let entry = map.entry(key).or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        (entry.0, entry.1.duration_since(now).as_millis() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_per_subject_and_says_when_to_retry() {
        let limits = RateLimiter::new(None);
        let rule = Rule {
            name: "t",
            max: 3,
            window: Duration::from_secs(60),
        };
        for _ in 0..3 {
            limits
                .check(rule, "10.0.0.1")
                .await
                .expect("under the limit");
        }
        match limits.check(rule, "10.0.0.1").await {
            Err(AppError::RateLimited { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("{other:?}"),
        }
        limits
            .check(rule, "10.0.0.2")
            .await
            .expect("another subject has its own count");
    }

    #[tokio::test]
    async fn a_window_ends() {
        let limits = RateLimiter::new(None);
        let rule = Rule {
            name: "t",
            max: 1,
            window: Duration::from_millis(50),
        };
        limits.check(rule, "a").await.expect("first");
        assert!(limits.check(rule, "a").await.is_err());
        tokio::time::sleep(Duration::from_millis(60)).await;
        limits.check(rule, "a").await.expect("a new window");
    }
}
