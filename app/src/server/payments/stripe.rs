//! The calls Duka makes to Stripe, through async-stripe: create, retrieve and cancel a
//! PaymentIntent, and create a refund. Each is bounded by the configured timeout; the base
//! URL comes from the settings, so tests point the same code at a local server.

use crate::model::Currency;
use crate::server::config::StripeSettings;
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use stripe::{
    CancelPaymentIntent, Client, CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods,
    CreateRefund, PaymentIntent, PaymentIntentId, Refund, RequestStrategy,
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
                .call(PaymentIntent::create(&client, params.clone()))
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
            .call(PaymentIntent::retrieve(&self.client, &id, &[]))
            .await?;
        Ok(Intent::from(intent))
    }

    /// Cancels a PaymentIntent so it can no longer be paid. When Stripe refuses (it succeeded
    /// or is processing meanwhile), the PaymentIntent as it now is.
    pub async fn cancel(&self, id: &str) -> Result<Intent, GatewayError> {
        let params = CancelPaymentIntent {
            cancellation_reason: Some(stripe::PaymentIntentCancellationReason::Abandoned),
        };
        match self
            .call(PaymentIntent::cancel(&self.client, id, params))
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
        let refund: Refund = self.call(Refund::create(&client, params)).await?;
        Ok(RefundResult {
            id: refund.id.to_string(),
            status: refund.status.unwrap_or_default(),
            amount: refund.amount,
        })
    }
}

impl From<PaymentIntent> for Intent {
    fn from(pi: PaymentIntent) -> Self {
        Intent {
            id: pi.id.to_string(),
            status: IntentStatus::from_stripe(pi.status.as_str()),
            amount: pi.amount,
            amount_received: pi.amount_received,
            currency: pi.currency.to_string(),
            client_secret: pi.client_secret,
            order_id: pi.metadata.get("order_id").and_then(|v| v.parse().ok()),
            last_error: pi.last_payment_error.and_then(|e| e.message),
        }
    }
}
