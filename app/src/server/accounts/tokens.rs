//! Access tokens (JWT, HS256 only, issuer and audience pinned, minutes long) and the opaque
//! random tokens behind refresh cookies and emailed links (only their SHA-256 is stored).

use crate::model::AppError;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretSlice};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Who a token is for. A customer token never opens staff functions, and the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Audience {
    Customer,
    Staff,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Customer => "customer",
            Audience::Staff => "staff",
        }
    }

    fn claim(self) -> &'static str {
        match self {
            Audience::Customer => "duka:customer",
            Audience::Staff => "duka:staff",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "customer" => Some(Audience::Customer),
            "staff" => Some(Audience::Staff),
            _ => None,
        }
    }
}

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The account id.
    pub sub: String,
    /// The session (refresh-token family) it was issued under: revoking it ends the token.
    pub sid: i64,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

impl Claims {
    pub fn account_id(&self) -> Option<i64> {
        self.sub.parse().ok()
    }
}

/// How long an access token lives, and how much clock difference is forgiven.
pub const ACCESS_TTL: Duration = Duration::from_secs(10 * 60);
pub const LEEWAY_SECS: u64 = 30;
/// How long a staff member has to give the second factor after the password.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(5 * 60);
const CHALLENGE_AUDIENCE: &str = "duka:staff-2fa";

/// Signs and checks access tokens with one secret, for one issuer (the store's public URL).
#[derive(Clone)]
pub struct TokenKeys {
    secret: SecretSlice<u8>,
    issuer: String,
}

impl TokenKeys {
    /// `secret` must be at least 32 bytes (checked by the settings).
    pub fn new(secret: SecretSlice<u8>, issuer: impl Into<String>) -> Self {
        Self {
            secret,
            issuer: issuer.into(),
        }
    }

    /// Keys with a random secret: tokens die with the process (development and tests).
    pub fn random(issuer: impl Into<String>) -> Self {
        let mut secret = vec![0u8; 32];
        rand::fill(&mut secret[..]);
        Self::new(SecretSlice::from(secret), issuer)
    }

    pub fn issue(&self, account_id: i64, session_id: i64, audience: Audience, now: i64) -> String {
        self.sign(audience.claim(), account_id, session_id, ACCESS_TTL, now)
    }

    fn sign(&self, aud: &str, account_id: i64, session_id: i64, ttl: Duration, now: i64) -> String {
        let claims = Claims {
            sub: account_id.to_string(),
            sid: session_id,
            aud: aud.to_owned(),
            iss: self.issuer.clone(),
            iat: now,
            nbf: now,
            exp: now + ttl.as_secs() as i64,
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(self.secret.expose_secret()),
        )
        .expect("HS256 signing cannot fail")
    }

    /// A staff member who gave the right password but not yet the second factor: a token
    /// good for [`CHALLENGE_TTL`] that opens only the second-factor step.
    pub fn issue_challenge(&self, account_id: i64, now: i64) -> String {
        self.sign(CHALLENGE_AUDIENCE, account_id, 0, CHALLENGE_TTL, now)
    }

    /// The account a second-factor challenge is for.
    pub fn verify_challenge(&self, token: &str, now: i64) -> Result<i64, AppError> {
        self.check(token, CHALLENGE_AUDIENCE, now)?
            .account_id()
            .ok_or(AppError::Unauthorized)
    }

    /// `value` with an HMAC-SHA256 tag for `purpose` (a cookie the browser keeps for us):
    /// `value.tag`. [`TokenKeys::open`] gives the value back only if nothing was changed.
    pub fn seal(&self, purpose: &str, value: &str) -> String {
        format!("{value}.{}", self.tag(purpose, value))
    }

    /// The HMAC-SHA256 of `value` for `purpose`, base64url: a secret only this server can
    /// work out again from `value`.
    pub fn tag(&self, purpose: &str, value: &str) -> String {
        use hmac::Mac;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(self.mac(purpose, value).finalize().into_bytes())
    }

    /// Whether `tag` is the [`TokenKeys::tag`] of `value` for `purpose`, in constant time.
    pub fn verify_tag(&self, purpose: &str, value: &str, tag: &str) -> bool {
        use hmac::Mac;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(tag)
            .is_ok_and(|tag| self.mac(purpose, value).verify_slice(&tag).is_ok())
    }

    /// The value of a [`TokenKeys::seal`]ed string for `purpose`, checked in constant time.
    pub fn open(&self, purpose: &str, sealed: &str) -> Option<String> {
        use hmac::Mac;
        let (value, tag) = sealed.rsplit_once('.')?;
        let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(tag)
            .ok()?;
        self.mac(purpose, value).verify_slice(&tag).ok()?;
        Some(value.to_owned())
    }

    fn mac(&self, purpose: &str, value: &str) -> hmac::Hmac<Sha256> {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(self.secret.expose_secret())
            .expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac
    }

    /// The claims of a token signed by us with HS256 for `audience`, valid at `now` (within
    /// the leeway). Anything else (another algorithm, `none`, another key or audience or
    /// issuer, expired, not yet valid, altered) is `Unauthorized`.
    pub fn verify(&self, token: &str, audience: Audience, now: i64) -> Result<Claims, AppError> {
        self.check(token, audience.claim(), now)
    }

    fn check(&self, token: &str, aud: &str, now: i64) -> Result<Claims, AppError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[aud]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        // jsonwebtoken checks times against the system clock; they are checked against the
        // caller's `now` below instead (an injectable clock), with the same strictness.
        validation.validate_nbf = false;
        validation.validate_exp = false;
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(self.secret.expose_secret()),
            &validation,
        )
        .map_err(|_| AppError::Unauthorized)?;
        let claims = data.claims;
        let leeway = LEEWAY_SECS as i64;
        if claims.exp + leeway <= now || claims.nbf - leeway > now || claims.account_id().is_none()
        {
            return Err(AppError::Unauthorized);
        }
        Ok(claims)
    }
}

/// A new random token (256 bits, URL-safe) and the hash to store for it.
pub fn opaque_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// What is stored for a token: its SHA-256 (the token itself is random, so no salt is needed).
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn keys() -> TokenKeys {
        TokenKeys::new(SecretSlice::from(vec![7u8; 32]), "https://shop.test")
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn rejected(token: &str) -> bool {
        keys().verify(token, Audience::Customer, NOW) == Err(AppError::Unauthorized)
    }

    #[test]
    fn a_good_token_is_accepted() {
        let t = keys().issue(42, 7, Audience::Customer, NOW);
        let c = keys()
            .verify(&t, Audience::Customer, NOW + 60)
            .expect("valid");
        assert_eq!((c.account_id(), c.sid), (Some(42), 7));
    }

    /// The token matrix: every way a token can be wrong is refused.
    #[test]
    fn the_token_matrix_is_all_rejected() {
        let good = keys().issue(42, 7, Audience::Customer, NOW);
        let parts: Vec<&str> = good.split('.').collect();
        // No token, garbage.
        assert!(rejected(""));
        assert!(rejected("not.a.token"));
        // Wrong key.
        let other = TokenKeys::new(SecretSlice::from(vec![8u8; 32]), "https://shop.test");
        assert!(rejected(&other.issue(42, 7, Audience::Customer, NOW)));
        // Wrong issuer.
        let elsewhere = TokenKeys::new(SecretSlice::from(vec![7u8; 32]), "https://evil.test");
        assert!(rejected(&elsewhere.issue(42, 7, Audience::Customer, NOW)));
        // `alg: none`, unsigned.
        let none = format!("{}.{}.", b64(br#"{"alg":"none","typ":"JWT"}"#), parts[1]);
        assert!(rejected(&none));
        // Another algorithm (HS512 with the same key): refused, HS256 is pinned.
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &keys()
                .verify(&good, Audience::Customer, NOW)
                .expect("valid"),
            &EncodingKey::from_secret(&[7u8; 32]),
        )
        .expect("signs");
        assert!(rejected(&hs512));
        // Expired (past the leeway), not yet valid (before it).
        let old = keys().issue(
            42,
            7,
            Audience::Customer,
            NOW - ACCESS_TTL.as_secs() as i64 - 31,
        );
        assert!(rejected(&old));
        let within_leeway = keys().issue(
            42,
            7,
            Audience::Customer,
            NOW - ACCESS_TTL.as_secs() as i64 + 5,
        );
        assert!(!rejected(&within_leeway));
        let future = keys().issue(42, 7, Audience::Customer, NOW + 31);
        assert!(rejected(&future));
        // Wrong audience: a staff token is no customer token, and the other way round.
        assert!(rejected(&keys().issue(42, 7, Audience::Staff, NOW)));
        assert!(keys().verify(&good, Audience::Staff, NOW).is_err());
        // Tampered payload (another account), signature unchanged.
        let payload = String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[1])
                .expect("base64"),
        )
        .expect("utf-8")
        .replace("\"42\"", "\"1\"");
        let tampered = format!("{}.{}.{}", parts[0], b64(payload.as_bytes()), parts[2]);
        assert!(rejected(&tampered));
        // Tampered signature.
        let mut sig = parts[2].to_owned();
        sig.replace_range(0..1, if sig.starts_with('A') { "B" } else { "A" });
        assert!(rejected(&format!("{}.{}.{sig}", parts[0], parts[1])));
    }

    #[test]
    fn sealed_values_open_only_unchanged_and_for_their_purpose() {
        let keys = TokenKeys::random("https://shop.test");
        let sealed = keys.seal("cart", "abc");
        assert_eq!(keys.open("cart", &sealed).as_deref(), Some("abc"));
        assert_eq!(keys.open("order", &sealed), None);
        assert_eq!(keys.open("cart", &sealed.replacen("abc", "abd", 1)), None);
        assert_eq!(keys.open("cart", "abc"), None);
        assert_eq!(keys.open("cart", "abc."), None);
        let other = TokenKeys::random("https://shop.test");
        assert_eq!(other.open("cart", &sealed), None);
    }

    #[test]
    fn opaque_tokens_are_random_and_hashed() {
        let (a, ha) = opaque_token();
        let (b, _) = opaque_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(ha, token_hash(&a));
        assert_eq!(ha.len(), 32);
    }
}

#[cfg(test)]
mod challenge_tests {
    use super::*;

    #[test]
    fn a_challenge_opens_nothing_else_and_expires() {
        let keys = TokenKeys::random("https://shop.test");
        let now = 1_800_000_000;
        let challenge = keys.issue_challenge(5, now);
        assert_eq!(keys.verify_challenge(&challenge, now), Ok(5));
        assert!(keys.verify(&challenge, Audience::Staff, now).is_err());
        let access = keys.issue(5, 1, Audience::Staff, now);
        assert!(keys.verify_challenge(&access, now).is_err());
        let late = now + CHALLENGE_TTL.as_secs() as i64 + LEEWAY_SECS as i64;
        assert!(keys.verify_challenge(&challenge, late).is_err());
    }
}
