//! Stripe's webhook signature, checked over the raw body exactly as Stripe signs it
//! (`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`), and the few events
//! Duka acts on, read from the verified body; a verified delivery is applied once, in one
//! transaction with its event id.

use super::stripe::Intent;
use super::Payments;
use crate::server::orders::Actor;
use crate::server::Error;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use sqlx::{Postgres, Transaction};

/// How old a signed timestamp may be (Stripe's own default): an older event is a replay.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("no usable Stripe-Signature header")]
    BadHeader,
    #[error("the signature does not match the body")]
    BadSignature,
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    #[error("the body is not a Stripe event")]
    BadBody,
}

/// An event, after its signature was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub kind: String,
    pub body: EventBody,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventBody {
    /// `payment_intent.succeeded`, `payment_intent.payment_failed`, `payment_intent.canceled`.
    Intent(Intent),
    /// `charge.refunded`: how much of the PaymentIntent's charge is refunded in all.
    Refunded {
        intent_id: String,
        amount_refunded: i64,
    },
    /// Anything else: acknowledged, not acted on.
    Other,
}

/// The signature header's value for `body` at `timestamp` (what Stripe sends; tests sign with
/// it).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    let hex = crate::server::platform::media::hex_prefix(&digest, digest.len());
    format!("t={timestamp},v1={hex}")
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Checks `header` against `body` and parses the event. Any `v1` signature may match (Stripe
/// sends several while a secret is being rolled).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> Result<Event, WebhookError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", hex)) => signatures.push(decode_hex(hex).ok_or(WebhookError::BadHeader)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::BadHeader)?;
    if signatures.is_empty() {
        return Err(WebhookError::BadHeader);
    }
    let expected = mac(secret, timestamp, body);
    if !signatures
        .iter()
        .any(|s| expected.clone().verify_slice(s).is_ok())
    {
        return Err(WebhookError::BadSignature);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(WebhookError::Stale);
    }
    parse(body).ok_or(WebhookError::BadBody)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || hex.len() > 256 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn parse(body: &[u8]) -> Option<Event> {
    let event: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = event.get("id")?.as_str()?.to_owned();
    let kind = event.get("type")?.as_str()?.to_owned();
    let object = event.get("data")?.get("object")?;
    let text = |key: &str| object.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let number = |key: &str| object.get(key).and_then(serde_json::Value::as_i64);
    let body = match kind.as_str() {
        "payment_intent.succeeded"
        | "payment_intent.payment_failed"
        | "payment_intent.canceled" => EventBody::Intent(super::stripe::intent_from_json(object)?),
        "charge.refunded" => EventBody::Refunded {
            intent_id: text("payment_intent")?,
            amount_refunded: number("amount_refunded")?,
        },
        _ => EventBody::Other,
    };
    Some(Event { id, kind, body })
}

/// What became of a webhook delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Applied now.
    Applied,
    /// This event id was applied before: nothing changed.
    Duplicate,
    /// A verified event Duka does not act on, or for no order of ours: acknowledged.
    Ignored,
}

/// Why a webhook delivery was not applied.
#[derive(Debug, thiserror::Error)]
pub enum WebhookFailure {
    /// Forged, altered, stale or malformed: 400, nothing written.
    #[error("webhook rejected: {0}")]
    Rejected(WebhookError),
    /// Stripe is not configured here: 404.
    #[error("Stripe is not configured")]
    NotConfigured,
    /// Our side failed (the database): 500, so Stripe delivers it again.
    #[error("webhook not applied: {0}")]
    Internal(Error),
}

impl Payments {
    /// A webhook delivery: checks the signature over the raw body, then applies the event in
    /// one transaction with its id.
    pub async fn receive_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<Delivery, WebhookFailure> {
        let stripe = self.stripe.as_ref().ok_or(WebhookFailure::NotConfigured)?;
        let event = verify(
            stripe.webhook_secret.expose_secret(),
            signature.ok_or(WebhookFailure::Rejected(WebhookError::BadHeader))?,
            body,
            now,
        )
        .map_err(WebhookFailure::Rejected)?;
        let claim = Some((event.id.as_str(), event.kind.as_str()));
        let result = match &event.body {
            EventBody::Intent(intent) => self.apply_intent(intent, claim, Actor::Stripe).await,
            EventBody::Refunded {
                intent_id,
                amount_refunded,
            } => {
                self.apply_refunded(intent_id, *amount_refunded, claim)
                    .await
            }
            EventBody::Other => return Ok(Delivery::Ignored),
        };
        result.map_err(WebhookFailure::Internal)
    }
}

/// Records a webhook event's id; false when it was recorded before (nothing more to do).
pub(super) async fn claim_event(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
    kind: &str,
) -> Result<bool, Error> {
    let claimed = sqlx::query_scalar!(
        "INSERT INTO stripe_events (id, type) VALUES ($1, $2)
         ON CONFLICT (id) DO NOTHING RETURNING id",
        id,
        kind
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(claimed.is_some())
}

pub(super) async fn link_event(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
    order_id: i64,
) -> Result<(), Error> {
    sqlx::query!(
        "UPDATE stripe_events SET order_id = $2 WHERE id = $1",
        id,
        order_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"charge.refunded","data":{"object":{"id":"ch_1","payment_intent":"pi_1","amount_refunded":500}}}"#;

    #[test]
    fn a_signed_event_verifies_and_parses() {
        let header = sign(SECRET, 1_000, BODY);
        let event = verify(SECRET, &header, BODY, 1_010).expect("valid");
        assert_eq!(event.id, "evt_1");
        assert_eq!(
            event.body,
            EventBody::Refunded {
                intent_id: "pi_1".into(),
                amount_refunded: 500
            }
        );
        // A second, unrelated v1 (a secret being rolled) does not get in the way.
        let rolled = format!("{header},v1={}", "00".repeat(32));
        assert!(verify(SECRET, &rolled, BODY, 1_010).is_ok());
    }

    #[test]
    fn forged_altered_and_stale_events_are_refused() {
        let header = sign(SECRET, 1_000, BODY);
        let altered = String::from_utf8_lossy(BODY).replace("500", "5000");
        assert_eq!(
            verify(SECRET, &header, altered.as_bytes(), 1_000),
            Err(WebhookError::BadSignature)
        );
        let forged = sign("whsec_someone_else", 1_000, BODY);
        assert_eq!(
            verify(SECRET, &forged, BODY, 1_000),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, &header, BODY, 1_000 + TOLERANCE_SECS + 1),
            Err(WebhookError::Stale)
        );
        // The timestamp is signed too: moving it breaks the signature.
        let moved = header.replace("t=1000", "t=1290");
        assert_eq!(
            verify(SECRET, &moved, BODY, 1_290),
            Err(WebhookError::BadSignature)
        );
        for bad in ["", "t=1000", "v1=abcd", "t=x,v1=zz", "t=1000,v1=abc"] {
            assert_eq!(
                verify(SECRET, bad, BODY, 1_000),
                Err(WebhookError::BadHeader),
                "{bad:?}"
            );
        }
        let not_event = b"{}";
        let header = sign(SECRET, 1_000, not_event);
        assert_eq!(
            verify(SECRET, &header, not_event, 1_000),
            Err(WebhookError::BadBody)
        );
    }
}
