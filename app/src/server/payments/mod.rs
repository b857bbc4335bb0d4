//! Card payments through Stripe, refunds, and the reconciler.
//!
//! The order is committed (stock reserved, `pending_payment`) before Stripe is called; no
//! database lock is held while Stripe answers. The PaymentIntent is created with the order's
//! own idempotency key (`orders.payment_key`), so every path that may create it (the order
//! page, the reconciler after a crash) gets the same one back.
//!
//! Whatever Stripe says about a PaymentIntent (a webhook, the reconciler's retrieve, the
//! answer to a cancel) goes through [`Payments::apply_intent`]: one transaction, the order row
//! locked, a move only from the state the order is in. A webhook's event id is written in the
//! same transaction, so a repeat, concurrent or late delivery changes nothing. Refunds are
//! written `pending` with their own idempotency key before Stripe is called and settled after;
//! `orders.refunded_minor` only grows, to what Stripe says is refunded in all.
//!
//! [`intents`]: starting a card payment and applying what Stripe says of it; [`refunds`];
//! [`webhook`]: Stripe's signed events; [`reconcile`]: settling what no webhook settled;
//! [`locked`]: the order row as these paths lock and change it.

mod intents;
mod locked;
mod reconcile;
mod refunds;
pub mod stripe;
pub mod webhook;

use super::accounts::tokens::TokenKeys;
use super::orders::{self, Access};
use super::platform::config::Settings;
use super::platform::mail::Site;
use super::Error;
use crate::model::OrderView;
use secrecy::SecretString;
use sqlx::PgPool;
pub use stripe::{Gateway, GatewayError, Intent, IntentStatus};
pub use webhook::{Delivery, WebhookFailure};

/// Stripe, when configured: the API client and the keys the browser and webhooks use.
#[derive(Clone)]
pub struct Stripe {
    pub gateway: Gateway,
    pub publishable_key: String,
    pub webhook_secret: SecretString,
}

/// The payment service: the database, Stripe (when configured), and what the confirmation
/// email needs.
#[derive(Clone)]
pub struct Payments {
    pub db: PgPool,
    pub stripe: Option<Stripe>,
    pub site: Site,
    pub keys: TokenKeys,
}

impl Payments {
    pub fn new(db: PgPool, settings: &Settings, site: Site, keys: TokenKeys) -> Self {
        let stripe = settings.stripe.as_ref().map(|s| Stripe {
            gateway: Gateway::new(s),
            publishable_key: s.publishable_key.clone(),
            webhook_secret: s.webhook_secret.clone(),
        });
        Payments {
            db,
            stripe,
            site,
            keys,
        }
    }

    /// An order as its page shows it, to whoever `access` lets see it; an order awaiting a
    /// card payment comes with the payment (whose state is brought up to date first: a
    /// PaymentIntent paid or cancelled meanwhile is applied, then the order read again).
    pub async fn order_page(&self, number: i64, access: Access<'_>) -> Result<OrderView, Error> {
        let order = orders::view(&self.db, number, access.clone()).await?;
        if !order.awaits_card_payment() {
            return Ok(order);
        }
        // Only after access was checked.
        let card = self.start(number).await?;
        let mut order = match card {
            Some(_) => order,
            None => orders::view(&self.db, number, access).await?,
        };
        order.card = card;
        Ok(order)
    }

    /// Whether card payment is offered.
    pub fn card_enabled(&self) -> bool {
        self.stripe.is_some()
    }
}
