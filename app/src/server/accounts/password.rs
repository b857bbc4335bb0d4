//! Passwords: the rules a new password must meet, and argon2id hashing at OWASP's parameters
//! (19 MiB, 2 passes, 1 lane) on blocking threads, a bounded number at a time, so a burst of
//! sign-ins waits for a permit instead of stalling the async runtime and everyone browsing.

use crate::model::AppError;
use crate::server::Error;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// Why a new password is refused, in words the person choosing it can act on.
pub fn check_new(password: &str, email: &str) -> Result<(), AppError> {
    let refuse = |message: &str| Err(AppError::validation("password", message));
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return refuse("use at least 12 characters");
    }
    if chars > MAX_CHARS {
        return refuse("use at most 128 characters");
    }
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if local.chars().count() >= 4 && lower.contains(&local) {
        return refuse("do not use your email address in your password");
    }
    if is_common(&lower) {
        return refuse("this password is too common; choose one that is hard to guess");
    }
    Ok(())
}

/// In the shipped list of common passwords, or one with digits and symbols around it
/// (`password2024!`), or one short pattern repeated (`abcabcabcabc`).
fn is_common(lower: &str) -> bool {
    let list = common_passwords();
    if list.contains(lower) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if core.chars().count() >= 4 && list.contains(core) {
        return true;
    }
    let chars: Vec<char> = lower.chars().collect();
    (1..=4).any(|n| chars.len().is_multiple_of(n) && chars.chunks(n).all(|c| c == &chars[..n]))
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    })
}

/// Hashes and verifies passwords, at most `concurrency` at a time.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    /// `concurrency`: hashes running at once (each takes 19 MiB and one core for tens of
    /// milliseconds); the number of cores is a good choice.
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    fn argon2() -> Argon2<'static> {
        // OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
        let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `password`.
    pub async fn hash(&self, password: &SecretString) -> Result<String, Error> {
        let password = password.clone();
        self.run(move || {
            let mut salt = [0u8; 16];
            rand::fill(&mut salt);
            let salt = SaltString::encode_b64(&salt).map_err(|e| Error::other(e.to_string()))?;
            Self::argon2()
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| Error::other(format!("hashing a password: {e}")))
        })
        .await
    }

    /// Whether `password` matches `stored`. With no stored hash (no such account) a dummy
    /// hash is checked instead, so the answer takes as long either way.
    pub async fn verify(
        &self,
        password: &SecretString,
        stored: Option<String>,
    ) -> Result<bool, Error> {
        let password = password.clone();
        self.run(move || {
            let (stored, real) = match stored {
                Some(s) => (s, true),
                None => (dummy_hash().to_owned(), false),
            };
            let parsed = PasswordHash::new(&stored)
                .map_err(|e| Error::other(format!("stored password hash unreadable: {e}")))?;
            let ok = Self::argon2()
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok();
            Ok(ok && real)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::other("password hasher closed"))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| Error::other(format!("password hashing task failed: {e}")))?
    }
}

/// A hash of a random password nobody knows, at the same parameters.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut secret = [0u8; 32];
        rand::fill(&mut secret);
        let salt = SaltString::encode_b64(&secret[..16]).expect("16-byte salt encodes");
        Hasher::argon2()
            .hash_password(&secret, &salt)
            .expect("hashing random bytes succeeds")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(password: &str) -> bool {
        check_new(password, "amina@example.com").is_err()
    }

    #[test]
    fn the_policy_refuses_short_long_common_and_personal_passwords() {
        assert!(refused("short"));
        assert!(refused(&"a".repeat(11)));
        assert!(refused(&"x".repeat(129)));
        assert!(refused("aaaaaaaaaaaa"));
        assert!(refused("abcabcabcabc"));
        assert!(refused("1qaz2wsx3edc"), "in the list");
        assert!(
            refused("Password2024!"),
            "a common word with digits around it"
        );
        assert!(refused("dragon123456789"));
        assert!(refused("amina-is-my-name"), "contains the email's name");
        assert!(!refused("correct horse battery staple"));
        assert!(!refused("Tamu-Tamu-Ndizi-42"));
        // Counted in characters, not bytes: twelve Arabic letters are long enough.
        assert!(!refused("كلمةسرطويلةجدا"));
        assert!(refused("كلمةسر"));
    }

    #[test]
    fn the_list_is_loaded() {
        assert!(common_passwords().len() > 40_000);
        assert!(common_passwords().contains("password"));
    }

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let hasher = Hasher::new(2);
        let secret = SecretString::from("correct horse battery staple");
        let a = hasher.hash(&secret).await.expect("hashes");
        let b = hasher.hash(&secret).await.expect("hashes");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(hasher
            .verify(&secret, Some(a.clone()))
            .await
            .expect("verifies"));
        let wrong = SecretString::from("correct horse battery stapler");
        assert!(!hasher.verify(&wrong, Some(a)).await.expect("verifies"));
        assert!(!hasher.verify(&secret, None).await.expect("verifies"));
    }
}
