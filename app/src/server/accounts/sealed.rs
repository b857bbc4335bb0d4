//! Secrets kept at rest (staff authenticator secrets, pending recovery codes), sealed with
//! AES-256-GCM under a key from the environment (`DUKA_TOTP_KEY`). A sealed value is
//! `key id (4) | nonce (12) | ciphertext | tag (16)`, and its associated data names what it is
//! and whose, so a value copied to another row or column does not open.
//!
//! Rotation: set the new key as `DUKA_TOTP_KEY` and the previous ones in
//! `DUKA_TOTP_OLD_KEYS`; values under an old key still open, and start-up re-seals them under
//! the new one ([`super::staff::reseal_secrets`]). Once that has run, the old key can go.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use sha2::{Digest, Sha256};

const ID_LEN: usize = 4;
const TAG_LEN: usize = 16;

/// The bytes of a sealed value around a plaintext of `n` bytes.
pub const fn sealed_len(n: usize) -> usize {
    ID_LEN + NONCE_LEN + n + TAG_LEN
}

struct Key {
    id: [u8; ID_LEN],
    key: LessSafeKey,
}

impl Key {
    /// A key from a secret of at least 32 bytes (its SHA-256 is the AES key).
    fn derive(secret: &[u8]) -> Self {
        let material = Sha256::digest(secret);
        let id_hash = Sha256::digest([b"duka-key-id\0".as_slice(), &material].concat());
        let mut id = [0u8; ID_LEN];
        id.copy_from_slice(&id_hash[..ID_LEN]);
        let key = UnboundKey::new(&AES_256_GCM, &material).expect("a 32-byte AES-256 key");
        Key {
            id,
            key: LessSafeKey::new(key),
        }
    }
}

/// Why a sealed value did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("sealed under a key this server does not have (set it in DUKA_TOTP_OLD_KEYS)")]
    UnknownKey,
    #[error("the sealed value is damaged or belongs elsewhere")]
    Damaged,
}

/// The current key and the old ones still accepted.
pub struct Sealer {
    current: Key,
    old: Vec<Key>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Sealer {{ current: {:02x?}, old: {} }}",
            self.current.id,
            self.old.len()
        )
    }
}

impl Sealer {
    /// `current` and `old` are secrets of at least 32 bytes (checked by the settings).
    pub fn new(current: &[u8], old: &[&[u8]]) -> Self {
        Sealer {
            current: Key::derive(current),
            old: old.iter().map(|s| Key::derive(s)).collect(),
        }
    }

    /// A sealer with a random key: values die with the process (tests, and development
    /// without `DUKA_TOTP_KEY`).
    pub fn random() -> Self {
        let mut secret = [0u8; 32];
        rand::fill(&mut secret);
        Self::new(&secret, &[])
    }

    /// `plain` sealed under the current key, bound to `context` (what and whose it is).
    pub fn seal(&self, plain: &[u8], context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce);
        let mut out = Vec::with_capacity(sealed_len(plain.len()));
        out.extend_from_slice(&self.current.id);
        out.extend_from_slice(&nonce);
        let mut body = plain.to_vec();
        self.current
            .key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut body,
            )
            .expect("AES-GCM seals any plaintext this small");
        out.extend_from_slice(&body);
        out
    }

    /// The plaintext of a value sealed by [`Sealer::seal`] under the current or an old key
    /// with the same `context`.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, OpenError> {
        if sealed.len() < sealed_len(0) {
            return Err(OpenError::Damaged);
        }
        let (id, rest) = sealed.split_at(ID_LEN);
        let key = std::iter::once(&self.current)
            .chain(&self.old)
            .find(|k| k.id == id)
            .ok_or(OpenError::UnknownKey)?;
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| OpenError::Damaged)?;
        let mut body = body.to_vec();
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut body)
            .map_err(|_| OpenError::Damaged)?;
        Ok(plain.to_vec())
    }

    /// Whether `sealed` is under the current key (else it should be sealed again).
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        sealed.len() >= ID_LEN && sealed[..ID_LEN] == self.current.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &[u8] = b"0123456789abcdef0123456789abcdef-a";
    const B: &[u8] = b"0123456789abcdef0123456789abcdef-b";

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_context() {
        let sealer = Sealer::new(A, &[]);
        let sealed = sealer.seal(b"twenty bytes secret!", "totp:7");
        assert_eq!(sealed.len(), sealed_len(20));
        assert!(!sealed.windows(20).any(|w| w == b"twenty bytes secret!"));
        assert_eq!(
            sealer.open(&sealed, "totp:7").as_deref(),
            Ok(&b"twenty bytes secret!"[..])
        );
        // Another row's context, a flipped bit, a truncated value: refused.
        assert_eq!(sealer.open(&sealed, "totp:8"), Err(OpenError::Damaged));
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(sealer.open(&flipped, "totp:7"), Err(OpenError::Damaged));
        assert_eq!(
            sealer.open(&sealed[..10], "totp:7"),
            Err(OpenError::Damaged)
        );
        // Another key altogether.
        assert_eq!(
            Sealer::new(B, &[]).open(&sealed, "totp:7"),
            Err(OpenError::UnknownKey)
        );
        // Two seals of one value differ (fresh nonces).
        assert_ne!(sealed, sealer.seal(b"twenty bytes secret!", "totp:7"));
    }

    #[test]
    fn rotation_keeps_old_values_readable_until_resealed() {
        let old = Sealer::new(A, &[]);
        let sealed = old.seal(b"secret", "totp:1");
        let rotated = Sealer::new(B, &[A]);
        assert!(!rotated.is_current(&sealed));
        let plain = rotated
            .open(&sealed, "totp:1")
            .expect("old key still opens");
        let resealed = rotated.seal(&plain, "totp:1");
        assert!(rotated.is_current(&resealed));
        assert_eq!(
            Sealer::new(B, &[]).open(&resealed, "totp:1").as_deref(),
            Ok(&b"secret"[..])
        );
    }
}
