//! The calls Duka makes to Stripe, through async-stripe: create, retrieve and cancel a
//! PaymentIntent, and create a refund. Each is bounded by the configured timeout; the base
//! URL comes from the settings, so tests point the same code at a local server.
//!
//! Answers are read into our own small types ([`WireIntent`], [`WireRefund`]) that keep
//! only what we use and take any string where Stripe may add new values (statuses, error
//! codes): a value newer than async-stripe's generated enums must not make a real answer look
//! like no answer.

use crate::model::Currency;
use crate::server::platform::config::StripeSettings;
use secrecy::ExposeSecret;
use serde::Deserialize;
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use stripe::{
    CancelPaymentIntent, Client, CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods,
    CreateRefund, PaymentIntentId, RequestStrategy,
};

/// Why a call to Stripe did not give an answer we can use.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Stripe answered with an error (a declined refund, a PaymentIntent in the wrong state).
    #[error("Stripe refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    /// No answer in time, or no connection: safe to retry with the same idempotency key.
    #[error("Stripe could not be reached: {0}")]
    Unreachable(String),
}

/// What we need to know of a PaymentIntent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub id: String,
    pub status: IntentStatus,
    pub amount: i64,
    pub amount_received: i64,
    pub currency: String,
    /// For the browser's Payment Element; never stored.
    pub client_secret: Option<String>,
    /// Our order, from the metadata we set when creating it.
    pub order_id: Option<i64>,
    /// Why the last attempt failed, as Stripe tells the customer.
    pub last_error: Option<String>,
    /// Which attempt failed (its charge, payment method and message): a failure is noted on
    /// the order once per attempt, however often it is read again.
    pub last_error_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentStatus {
    /// Waiting for the customer (a card, 3-D Secure, a confirmation).
    Open,
    Processing,
    Succeeded,
    Canceled,
}

impl IntentStatus {
    /// From Stripe's name for a PaymentIntent's status (the API's and the webhooks').
    pub fn from_stripe(status: &str) -> Self {
        match status {
            "succeeded" => IntentStatus::Succeeded,
            "canceled" => IntentStatus::Canceled,
            "processing" => IntentStatus::Processing,
            _ => IntentStatus::Open,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundResult {
    pub id: String,
    /// `succeeded`, `pending`, `failed`, ... as Stripe says.
    pub status: String,
    pub amount: i64,
}

#[derive(Clone)]
pub struct Gateway {
    client: Client,
    timeout: Duration,
}

impl Gateway {
    pub fn new(settings: &StripeSettings) -> Self {
        let client = Client::from_url(
            settings.api_base.as_str(),
            settings.secret_key.expose_secret(),
        )
        .with_app_info(
            "Duka".to_owned(),
            Some(env!("CARGO_PKG_VERSION").to_owned()),
            None,
        );
        Gateway {
            client,
            timeout: Duration::from_millis(settings.timeout_ms),
        }
    }

    async fn call<T>(
        &self,
        request: impl Future<Output = Result<T, stripe::StripeError>>,
    ) -> Result<T, GatewayError> {
        match tokio::time::timeout(self.timeout, request).await {
            Err(_) => Err(GatewayError::Unreachable("timed out".to_owned())),
            Ok(Ok(value)) => Ok(value),
            Ok(Err(stripe::StripeError::Stripe(e)))
                if e.http_status < 500 && e.http_status != 429 =>
            {
                Err(GatewayError::Refused {
                    status: e.http_status,
                    message: e.message.unwrap_or_default(),
                })
            }
            // Stripe answered with an error whose code async-stripe does not know yet (its
            // error type lists the codes of its day): still Stripe's refusal, not silence.
            Ok(Err(stripe::StripeError::JSONSerialize(e)))
                if e.path().to_string().starts_with("error") =>
            {
                Err(GatewayError::Refused {
                    status: 400,
                    message: format!(
                        "Stripe refused the request with an error this version does not know ({})",
                        unknown_variant(&e.inner().to_string())
                    ),
                })
            }
            Ok(Err(e)) => Err(GatewayError::Unreachable(e.to_string())),
        }
    }

    /// Creates the order's PaymentIntent; `idempotency_key` is the order's own, so a repeat
    /// (a retry, the reconciler after a crash) gets the same PaymentIntent back.
    pub async fn create_intent(
        &self,
        idempotency_key: &str,
        amount: i64,
        currency: Currency,
        order_id: i64,
        order_number: i64,
        email: &str,
    ) -> Result<Intent, GatewayError> {
        let currency = currency
            .code()
            .to_ascii_lowercase()
            .parse::<stripe::Currency>()
            .map_err(|_| GatewayError::Refused {
                status: 400,
                message: format!("Stripe does not take {}", currency.code()),
            })?;
        let description = format!("Order {order_number}");
        let mut params = CreatePaymentIntent::new(amount, currency);
        params.automatic_payment_methods = Some(CreatePaymentIntentAutomaticPaymentMethods {
            allow_redirects: None,
            enabled: true,
        });
        params.description = Some(&description);
        params.receipt_email = Some(email);
        params.metadata = Some(HashMap::from([
            ("order_id".to_owned(), order_id.to_string()),
            ("order_number".to_owned(), order_number.to_string()),
        ]));
        let client = self
            .client
            .clone()
            .with_strategy(RequestStrategy::Idempotent(idempotency_key.to_owned()));
        // Stripe answers 409 while another request with the same key is still in flight (the
        // order page opened twice at once): wait for that one and ask again, which replays it.
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut pause = Duration::from_millis(100);
        loop {
            match self
                .call(client.post_form::<WireIntent, _>("/payment_intents", &params))
                .await
            {
                Err(GatewayError::Refused { status: 409, .. })
                    if tokio::time::Instant::now() + pause < deadline =>
                {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
                answer => return answer.map(Intent::from),
            }
        }
    }

    pub async fn retrieve(&self, id: &str) -> Result<Intent, GatewayError> {
        let id: PaymentIntentId = id.parse().map_err(|_| GatewayError::Refused {
            status: 400,
            message: format!("not a PaymentIntent id: {id:?}"),
        })?;
        let intent = self
            .call(
                self.client
                    .get::<WireIntent>(&format!("/payment_intents/{id}")),
            )
            .await?;
        Ok(Intent::from(intent))
    }

    /// Cancels a PaymentIntent so it can no longer be paid. When Stripe refuses (it succeeded
    /// or is processing meanwhile), the PaymentIntent as it now is.
    pub async fn cancel(&self, id: &str) -> Result<Intent, GatewayError> {
        let params = CancelPaymentIntent {
            cancellation_reason: Some(stripe::PaymentIntentCancellationReason::Abandoned),
        };
        let path = format!("/payment_intents/{id}/cancel");
        match self
            .call(self.client.post_form::<WireIntent, _>(&path, params))
            .await
        {
            Ok(intent) => Ok(Intent::from(intent)),
            Err(GatewayError::Refused { .. }) => self.retrieve(id).await,
            Err(e) => Err(e),
        }
    }

    /// Refunds `amount` of a PaymentIntent; `idempotency_key` is the refund row's own.
    pub async fn refund(
        &self,
        idempotency_key: &str,
        intent_id: &str,
        amount: i64,
    ) -> Result<RefundResult, GatewayError> {
        let id: PaymentIntentId = intent_id.parse().map_err(|_| GatewayError::Refused {
            status: 400,
            message: format!("not a PaymentIntent id: {intent_id:?}"),
        })?;
        let mut params = CreateRefund::new();
        params.payment_intent = Some(id);
        params.amount = Some(amount);
        let client = self
            .client
            .clone()
            .with_strategy(RequestStrategy::Idempotent(idempotency_key.to_owned()));
        let refund: WireRefund = self.call(client.post_form("/refunds", &params)).await?;
        Ok(RefundResult {
            id: refund.id,
            status: refund.status.unwrap_or_default(),
            amount: refund.amount,
        })
    }
}

/// A PaymentIntent as Stripe sends it, the fields we use only.
#[derive(Debug, Deserialize)]
struct WireIntent {
    id: String,
    status: String,
    amount: i64,
    #[serde(default)]
    amount_received: i64,
    currency: String,
    client_secret: Option<String>,
    #[serde(default)]
    metadata: HashMap<String, String>,
    last_payment_error: Option<WireError>,
}

/// `last_payment_error`: strings throughout, whatever codes Stripe adds.
#[derive(Debug, Deserialize)]
struct WireError {
    message: Option<String>,
    charge: Option<String>,
    payment_method: Option<WireId>,
}

#[derive(Debug, Deserialize)]
struct WireId {
    id: String,
}

#[derive(Debug, Deserialize)]
struct WireRefund {
    id: String,
    status: Option<String>,
    amount: i64,
}

/// A PaymentIntent from a webhook event's `data.object`.
pub fn intent_from_json(object: &serde_json::Value) -> Option<Intent> {
    let mut intent = Intent::from(WireIntent::deserialize(object).ok()?);
    // Webhooks are stored and logged; the browser's secret has no business there.
    intent.client_secret = None;
    Some(intent)
}

/// The variant named in serde's "unknown variant `x`, expected ..." message.
fn unknown_variant(message: &str) -> &str {
    message
        .split('`')
        .nth(1)
        .filter(|v| !v.is_empty())
        .unwrap_or("unreadable")
}

/// What identifies one failed attempt: its charge and payment method, and the message.
pub fn failure_key(charge: Option<&str>, payment_method: Option<&str>, message: &str) -> String {
    format!(
        "{}|{}|{}",
        charge.unwrap_or(""),
        payment_method.unwrap_or(""),
        message.chars().take(200).collect::<String>()
    )
}

impl From<WireIntent> for Intent {
    fn from(pi: WireIntent) -> Self {
        let error = pi.last_payment_error;
        let last_error = error.as_ref().map(|e| {
            e.message
                .clone()
                .unwrap_or_else(|| "the card was not accepted".to_owned())
        });
        let last_error_key = error.as_ref().zip(last_error.as_deref()).map(|(e, m)| {
            failure_key(
                e.charge.as_deref(),
                e.payment_method.as_ref().map(|p| p.id.as_str()),
                m,
            )
        });
        Intent {
            order_id: pi.metadata.get("order_id").and_then(|v| v.parse().ok()),
            status: IntentStatus::from_stripe(&pi.status),
            id: pi.id,
            amount: pi.amount,
            amount_received: pi.amount_received,
            currency: pi.currency,
            client_secret: pi.client_secret,
            last_error,
            last_error_key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_with_codes_newer_than_async_stripe_are_read() {
        let intent: WireIntent = serde_json::from_str(
            r#"{"id":"pi_1","object":"payment_intent","status":"requires_payment_method",
                "amount":1000,"amount_received":0,"currency":"aed","client_secret":"s",
                "metadata":{"order_id":"7"},
                "last_payment_error":{"type":"card_error","code":"brand_new_code_2027",
                   "message":"Your card was declined.","charge":"ch_1",
                   "payment_method":{"id":"pm_1","type":"card"}}}"#,
        )
        .expect("reads");
        let intent = Intent::from(intent);
        assert_eq!(intent.status, IntentStatus::Open);
        assert_eq!(intent.order_id, Some(7));
        assert_eq!(
            intent.last_error.as_deref(),
            Some("Your card was declined.")
        );
        assert_eq!(
            intent.last_error_key.as_deref(),
            Some("ch_1|pm_1|Your card was declined.")
        );
        assert_eq!(
            unknown_variant("unknown variant `brand_new_code_2027`, expected one of `a`"),
            "brand_new_code_2027"
        );
    }
}
