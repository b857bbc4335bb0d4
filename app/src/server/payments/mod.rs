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

pub mod stripe;
pub mod webhook;

use super::accounts::tokens::TokenKeys;
use super::accounts::Site;
use super::config::Settings;
use super::orders::{self, currency_of, method_of, status_of};
use super::{checkout, mail, Error};
use crate::model::{AppError, CardPayment, Money, OrderStatus, PaymentMethod};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{PgPool, Postgres, Transaction};
pub use stripe::{Gateway, GatewayError, Intent, IntentStatus};
use webhook::{EventBody, WebhookError};

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

    /// Whether card payment is offered.
    pub fn card_enabled(&self) -> bool {
        self.stripe.is_some()
    }

    /// The order page's card payment: the PaymentIntent (created with the order's key if it
    /// is not yet) and what the Payment Element needs, or `None` when the order awaits no card
    /// payment. A PaymentIntent found already paid is applied at once.
    pub async fn start(&self, number: i64) -> Result<Option<CardPayment>, Error> {
        let Some(stripe) = &self.stripe else {
            return Ok(None);
        };
        let o = sqlx::query!(
            "SELECT id, number, email, status, payment_method, currency, total_minor, payment_key,
                    payment_intent_id
             FROM orders WHERE number = $1",
            number
        )
        .fetch_optional(&self.db)
        .await?
        .ok_or(AppError::NotFound)?;
        if method_of(&o.payment_method)? != PaymentMethod::Card
            || status_of(&o.status)? != OrderStatus::PendingPayment
        {
            return Ok(None);
        }
        let answer = match &o.payment_intent_id {
            Some(id) => stripe.gateway.retrieve(id).await,
            None => {
                stripe
                    .gateway
                    .create_intent(
                        &o.payment_key,
                        o.total_minor,
                        currency_of(&o.currency)?,
                        o.id,
                        o.number,
                        &o.email,
                    )
                    .await
            }
        };
        let intent = match answer {
            Ok(intent) => intent,
            Err(e) => {
                tracing::warn!(order = o.number, error = %e, "could not start the card payment");
                return Ok(Some(CardPayment::Unavailable));
            }
        };
        if o.payment_intent_id.is_none() {
            let saved = sqlx::query_scalar!(
                "UPDATE orders SET payment_intent_id = $2
                 WHERE id = $1 AND status = 'pending_payment'
                   AND (payment_intent_id IS NULL OR payment_intent_id = $2)
                 RETURNING id",
                o.id,
                intent.id
            )
            .fetch_optional(&self.db)
            .await?;
            if saved.is_none() {
                // Cancelled (or paid) while Stripe answered: this PaymentIntent must not be paid.
                if intent.status == IntentStatus::Open {
                    if let Err(e) = stripe.gateway.cancel(&intent.id).await {
                        tracing::warn!(order = o.number, error = %e, "could not cancel a PaymentIntent of a closed order");
                    }
                }
                return Ok(None);
            }
        }
        Ok(match intent.status {
            IntentStatus::Open => {
                intent
                    .client_secret
                    .clone()
                    .map(|client_secret| CardPayment::Open {
                        publishable_key: stripe.publishable_key.clone(),
                        client_secret,
                    })
            }
            IntentStatus::Processing => Some(CardPayment::Processing),
            IntentStatus::Succeeded | IntentStatus::Canceled => {
                self.apply_intent(&intent, None, "stripe").await?;
                None
            }
        })
    }

    /// A webhook delivery: checks the signature over the raw body, then applies the event in
    /// one transaction with its id.
    pub async fn receive_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<Delivery, WebhookFailure> {
        let stripe = self.stripe.as_ref().ok_or(WebhookFailure::NotConfigured)?;
        let event = webhook::verify(
            stripe.webhook_secret.expose_secret(),
            signature.ok_or(WebhookFailure::Rejected(WebhookError::BadHeader))?,
            body,
            now,
        )
        .map_err(WebhookFailure::Rejected)?;
        let claim = Some((event.id.as_str(), event.kind.as_str()));
        let result = match &event.body {
            EventBody::Intent(intent) => self.apply_intent(intent, claim, "stripe").await,
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

    /// Applies what Stripe says about a PaymentIntent. `event` (id, type) is recorded in the
    /// same transaction; an id seen before changes nothing.
    pub async fn apply_intent(
        &self,
        intent: &Intent,
        event: Option<(&str, &str)>,
        actor: &str,
    ) -> Result<Delivery, Error> {
        let mut tx = self.db.begin().await?;
        if let Some((id, kind)) = event {
            if !claim_event(&mut tx, id, kind).await? {
                return Ok(Delivery::Duplicate);
            }
        }
        let Some(order) = lock_order(&mut tx, &intent.id, intent.order_id).await? else {
            tracing::warn!(intent = %intent.id, "Stripe reported a PaymentIntent for no order of ours");
            tx.commit().await?;
            return Ok(Delivery::Ignored);
        };
        if let Some((id, _)) = event {
            link_event(&mut tx, id, order.id).await?;
        }
        let mut refund_late_payment = None;
        match (intent.status, order.status) {
            (IntentStatus::Succeeded, OrderStatus::PendingPayment) => {
                if intent.amount_received != order.total_minor
                    || !intent.currency.eq_ignore_ascii_case(order.currency.code())
                {
                    // Never the case for a PaymentIntent we created. Decided once: the order
                    // is cancelled (its stock back on sale) and the payment refunded; the
                    // order is no longer pending, so no later read decides it again.
                    tracing::error!(order = order.number, intent = %intent.id, received = intent.amount_received, currency = %intent.currency, "a payment does not match its order's total: cancelled and refunded");
                    if intent.amount_received > order.total_minor {
                        tracing::error!(order = order.number, intent = %intent.id, "the payment exceeds the order total: refund the surplus at Stripe by hand");
                    }
                    mark_paid(&mut tx, &order, &intent.id, intent.amount_received).await?;
                    orders::transition(
                        &mut tx,
                        order.id,
                        OrderStatus::Cancelled,
                        actor,
                        &format!(
                            "A card payment of {} {} did not match the order total; the order is cancelled and the payment refunded",
                            intent.amount_received,
                            intent.currency.to_ascii_uppercase()
                        ),
                    )
                    .await?;
                    refund_late_payment =
                        Some((order.number, "Payment did not match the order total"));
                } else {
                    mark_paid(&mut tx, &order, &intent.id, intent.amount_received).await?;
                    orders::transition(
                        &mut tx,
                        order.id,
                        OrderStatus::Paid,
                        actor,
                        "Card payment received",
                    )
                    .await?;
                    let key = checkout::access_key(&self.keys, &order.checkout_key);
                    let email =
                        orders::confirmation_email(&mut tx, &self.site, order.id, &key).await?;
                    mail::enqueue(&mut tx, order.account_id, &email).await?;
                }
            }
            (IntentStatus::Succeeded, OrderStatus::Cancelled) if order.paid_minor == 0 => {
                // Paid after the order was given up (its stock is back on sale): the money
                // goes back.
                mark_paid(&mut tx, &order, &intent.id, intent.amount_received).await?;
                orders::record(
                    &mut tx,
                    order.id,
                    None,
                    None,
                    "A card payment arrived after the order was cancelled; it is refunded",
                    actor,
                )
                .await?;
                refund_late_payment = Some((order.number, "Paid after cancellation"));
            }
            // Waiting for the customer. Only an attempt that failed is noted, once: an open
            // PaymentIntent without an error is a customer who has not paid yet.
            (IntentStatus::Open, OrderStatus::PendingPayment) => {
                if let Some(reason) = intent.last_error.as_deref() {
                    let reason: String = reason.chars().take(300).collect();
                    let key = intent.last_error_key.as_deref().unwrap_or(&reason);
                    if note_failure_once(&mut tx, order.id, key).await? {
                        orders::record(
                            &mut tx,
                            order.id,
                            None,
                            None,
                            &format!("Card payment failed: {reason}"),
                            actor,
                        )
                        .await?;
                    }
                }
            }
            (IntentStatus::Canceled, OrderStatus::PendingPayment) => {
                orders::transition(
                    &mut tx,
                    order.id,
                    OrderStatus::Cancelled,
                    actor,
                    "Card payment cancelled",
                )
                .await?;
            }
            // Already applied (a later status), or nothing to do yet.
            _ => {}
        }
        tx.commit().await?;
        if let Some((number, reason)) = refund_late_payment {
            if let Err(e) = self.refund(number, None, reason, "system").await {
                tracing::error!(order = number, error = %e, "could not refund a payment on a cancelled order; the reconciler retries");
            }
        }
        Ok(Delivery::Applied)
    }

    /// `charge.refunded`: Stripe has refunded `amount_refunded` of the PaymentIntent in all.
    async fn apply_refunded(
        &self,
        intent_id: &str,
        amount_refunded: i64,
        event: Option<(&str, &str)>,
    ) -> Result<Delivery, Error> {
        let mut tx = self.db.begin().await?;
        if let Some((id, kind)) = event {
            if !claim_event(&mut tx, id, kind).await? {
                return Ok(Delivery::Duplicate);
            }
        }
        let Some(mut order) = lock_order(&mut tx, intent_id, None).await? else {
            tx.commit().await?;
            return Ok(Delivery::Ignored);
        };
        if let Some((id, _)) = event {
            link_event(&mut tx, id, order.id).await?;
        }
        if order.status == OrderStatus::PendingPayment {
            // The refund arrived before the payment's own event: a refunded charge was paid.
            mark_paid(&mut tx, &order, intent_id, order.total_minor).await?;
            orders::transition(
                &mut tx,
                order.id,
                OrderStatus::Paid,
                "stripe",
                "Card payment received",
            )
            .await?;
            order.status = OrderStatus::Paid;
            order.paid_minor = order.total_minor;
        }
        raise_refunded(&mut tx, &order, amount_refunded, "stripe").await?;
        tx.commit().await?;
        Ok(Delivery::Applied)
    }

    /// Refunds `amount` (`None`: all that is left) of order `number`. A card order's refund
    /// goes through Stripe; a cash-on-delivery order's records cash handed back.
    pub async fn refund(
        &self,
        number: i64,
        amount: Option<i64>,
        reason: &str,
        actor: &str,
    ) -> Result<Money, Error> {
        let reason = reason.trim();
        if reason.chars().count() > 500 {
            return Err(
                AppError::validation("reason", "a reason is at most 500 characters").into(),
            );
        }
        let mut tx = self.db.begin().await?;
        let id = sqlx::query_scalar!("SELECT id FROM orders WHERE number = $1", number)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
        let order = lock_by_id(&mut tx, id).await?;
        let pending = sqlx::query_scalar!(
            r#"SELECT coalesce(sum(amount_minor), 0)::BIGINT AS "n!" FROM refunds
               WHERE order_id = $1 AND status = 'pending'"#,
            id
        )
        .fetch_one(&mut *tx)
        .await?;
        let left = order.basis() - order.refunded_minor - pending;
        if left <= 0 {
            return Err(
                AppError::validation("amount", "nothing is left to refund on this order").into(),
            );
        }
        let amount = amount.unwrap_or(left);
        if !(1..=left).contains(&amount) {
            return Err(AppError::validation(
                "amount",
                format!(
                    "refund between {} and {}",
                    Money::new(1, order.currency),
                    Money::new(left, order.currency)
                ),
            )
            .into());
        }
        let money = Money::new(amount, order.currency);
        match order.payment_method {
            PaymentMethod::CashOnDelivery => {
                sqlx::query!(
                    "INSERT INTO refunds (order_id, amount_minor, reason, status, actor)
                     VALUES ($1, $2, $3, 'succeeded', $4)",
                    id,
                    amount,
                    reason,
                    actor
                )
                .execute(&mut *tx)
                .await?;
                let total = order.refunded_minor + amount;
                raise_refunded(&mut tx, &order, total, actor).await?;
                tx.commit().await?;
                Ok(money)
            }
            PaymentMethod::Card => {
                let refund_id = sqlx::query_scalar!(
                    "INSERT INTO refunds (order_id, amount_minor, reason, actor)
                     VALUES ($1, $2, $3, $4) RETURNING id",
                    id,
                    amount,
                    reason,
                    actor
                )
                .fetch_one(&mut *tx)
                .await?;
                orders::record(
                    &mut tx,
                    id,
                    None,
                    None,
                    &format!("Refund of {money} requested"),
                    actor,
                )
                .await?;
                tx.commit().await?;
                self.send_refund(refund_id).await?;
                Ok(money)
            }
        }
    }

    /// Sends a pending refund to Stripe (again, with its own key, after a crash) and settles
    /// it with the answer.
    async fn send_refund(&self, refund_id: i64) -> Result<(), Error> {
        let stripe = self
            .stripe
            .as_ref()
            .ok_or_else(|| AppError::validation("amount", "card refunds need Stripe configured"))?;
        let r = sqlx::query!(
            r#"SELECT r.idempotency_key, r.amount_minor, o.payment_intent_id
               FROM refunds r JOIN orders o ON o.id = r.order_id
               WHERE r.id = $1 AND r.status = 'pending'"#,
            refund_id
        )
        .fetch_optional(&self.db)
        .await?
        .ok_or(AppError::Conflict)?;
        let intent = r
            .payment_intent_id
            .ok_or_else(|| Error::other("a paid card order without its PaymentIntent"))?;
        let answer = stripe
            .gateway
            .refund(&r.idempotency_key, &intent, r.amount_minor)
            .await;
        let (status, stripe_id, note) = match &answer {
            Ok(done) if done.status == "failed" || done.status == "canceled" => (
                "failed",
                Some(done.id.as_str()),
                "Stripe did not make the refund".to_owned(),
            ),
            Ok(done) => ("succeeded", Some(done.id.as_str()), String::new()),
            Err(GatewayError::Refused { message, .. }) => (
                "failed",
                None,
                format!(
                    "Stripe refused it: {}",
                    message.chars().take(200).collect::<String>()
                ),
            ),
            Err(GatewayError::Unreachable(_)) => {
                return Err(AppError::Unavailable.into());
            }
        };
        let mut tx = self.db.begin().await?;
        let Some(settled) = sqlx::query!(
            "UPDATE refunds SET status = $2, stripe_refund_id = $3
             WHERE id = $1 AND status = 'pending' RETURNING order_id, amount_minor",
            refund_id,
            status,
            stripe_id
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(()); // Settled by a concurrent retry.
        };
        let order = lock_by_id(&mut tx, settled.order_id).await?;
        if status == "succeeded" {
            let total = sqlx::query_scalar!(
                r#"SELECT coalesce(sum(amount_minor), 0)::BIGINT AS "n!" FROM refunds
                   WHERE order_id = $1 AND status = 'succeeded'"#,
                order.id
            )
            .fetch_one(&mut *tx)
            .await?;
            raise_refunded(&mut tx, &order, total, "stripe").await?;
        } else {
            let money = Money::new(settled.amount_minor, order.currency);
            orders::record(
                &mut tx,
                order.id,
                None,
                None,
                &format!("Refund of {money} failed: {note}"),
                "stripe",
            )
            .await?;
        }
        tx.commit().await?;
        match answer {
            Err(GatewayError::Refused { message, .. }) => {
                tracing::warn!(refund = refund_id, %message, "Stripe refused a refund");
                let said: String = message.chars().take(200).collect();
                Err(
                    AppError::validation("amount", format!("Stripe refused this refund: {said}"))
                        .into(),
                )
            }
            _ => Ok(()),
        }
    }

    /// Before staff cancel an unpaid card order: its PaymentIntent is cancelled at Stripe so
    /// it can no longer be paid. If it was paid meanwhile, the payment is applied and the
    /// cancellation refused (refund it instead).
    pub async fn before_cancel(&self, number: i64) -> Result<(), Error> {
        let Some(o) = sqlx::query!(
            "SELECT status, payment_intent_id FROM orders WHERE number = $1 AND payment_method = 'card'",
            number
        )
        .fetch_optional(&self.db)
        .await?
        else {
            return Ok(());
        };
        let (Some(intent_id), Some(stripe)) = (o.payment_intent_id, &self.stripe) else {
            return Ok(());
        };
        if o.status != OrderStatus::PendingPayment.as_str() {
            return Ok(());
        }
        let intent = stripe.gateway.cancel(&intent_id).await.map_err(|e| {
            tracing::warn!(order = number, error = %e, "could not cancel the PaymentIntent");
            AppError::Unavailable
        })?;
        if intent.status != IntentStatus::Canceled {
            self.apply_intent(&intent, None, "stripe").await?;
            return Err(AppError::validation(
                "status",
                "the card payment has just gone through; refund the order instead",
            )
            .into());
        }
        Ok(())
    }

    /// Cancels card orders not paid in time, giving their stock back; returns how many. A
    /// PaymentIntent is cancelled at Stripe first; one that was paid meanwhile is applied
    /// instead.
    pub async fn release_unpaid(&self) -> Result<u64, Error> {
        let due = sqlx::query!(
            "SELECT id, number, payment_intent_id FROM orders
             WHERE status = 'pending_payment' AND pay_by <= now() ORDER BY pay_by LIMIT 200"
        )
        .fetch_all(&self.db)
        .await?;
        let mut released = 0;
        for order in due {
            if let Some(intent_id) = &order.payment_intent_id {
                match &self.stripe {
                    Some(stripe) => match stripe.gateway.cancel(intent_id).await {
                        Ok(intent) if intent.status == IntentStatus::Canceled => {}
                        Ok(intent) => {
                            // Paid or processing: not released.
                            self.apply_intent(&intent, None, "system").await?;
                            continue;
                        }
                        Err(e) => {
                            tracing::warn!(order = order.number, error = %e, "could not cancel an unpaid order's PaymentIntent; retried next sweep");
                            continue;
                        }
                    },
                    None => tracing::warn!(
                        order = order.number,
                        "releasing an unpaid card order while Stripe is not configured"
                    ),
                }
            }
            let mut tx = self.db.begin().await?;
            let still_due = sqlx::query_scalar!(
                "SELECT id FROM orders WHERE id = $1 AND status = 'pending_payment'
                   AND payment_intent_id IS NOT DISTINCT FROM $2
                 FOR UPDATE SKIP LOCKED",
                order.id,
                order.payment_intent_id
            )
            .fetch_optional(&mut *tx)
            .await?;
            if still_due.is_some() {
                orders::transition(
                    &mut tx,
                    order.id,
                    OrderStatus::Cancelled,
                    "system",
                    "Not paid in time",
                )
                .await?;
                released += 1;
            }
            tx.commit().await?;
        }
        Ok(released)
    }

    /// Settles what a crash or a lost webhook left open: creates the PaymentIntent of a card
    /// order that has none, applies the state of PaymentIntents not heard of for a while, and
    /// resends pending refunds. Returns how many it looked at.
    pub async fn reconcile(&self, quiet_for_secs: f64) -> Result<usize, Error> {
        let Some(stripe) = &self.stripe else {
            return Ok(0);
        };
        let open = sqlx::query!(
            "SELECT id, number, payment_intent_id FROM orders
             WHERE status = 'pending_payment' AND payment_method = 'card'
               AND updated_at <= now() - make_interval(secs => $1)
             ORDER BY id LIMIT 200",
            quiet_for_secs
        )
        .fetch_all(&self.db)
        .await?;
        let mut seen = open.len();
        for order in open {
            let outcome = match &order.payment_intent_id {
                None => self.start(order.number).await.map(drop),
                Some(id) => match stripe.gateway.retrieve(id).await {
                    Ok(intent) => self
                        .apply_intent(&intent, None, "reconciler")
                        .await
                        .map(drop),
                    Err(e) => Err(Error::other(e.to_string())),
                },
            };
            if let Err(e) = outcome {
                tracing::warn!(order = order.number, error = %e, "reconciler could not settle an order");
            }
        }
        let refunds = sqlx::query_scalar!(
            "SELECT id FROM refunds WHERE status = 'pending'
               AND created_at <= now() - make_interval(secs => $1) ORDER BY id LIMIT 100",
            quiet_for_secs
        )
        .fetch_all(&self.db)
        .await?;
        seen += refunds.len();
        for id in refunds {
            if let Err(e) = self.send_refund(id).await {
                tracing::warn!(refund = id, error = %e, "reconciler could not settle a refund");
            }
        }
        // A payment on a cancelled order whose refund never started. One Stripe refused is
        // left to staff (the order's notes say so), not asked for again every sweep.
        let late = sqlx::query_scalar!(
            "SELECT number FROM orders o
             WHERE status = 'cancelled' AND paid_minor > refunded_minor
               AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id
                               AND r.status IN ('pending', 'failed'))
             ORDER BY id LIMIT 100"
        )
        .fetch_all(&self.db)
        .await?;
        seen += late.len();
        for number in late {
            if let Err(e) = self
                .refund(number, None, "Paid after cancellation", "reconciler")
                .await
            {
                tracing::warn!(order = number, error = %e, "reconciler could not refund a late payment");
            }
        }
        Ok(seen)
    }
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

/// What an order's refunds may add up to: a card payment as received, cash once it changed
/// hands on delivery (a refunded cash order counts as delivered), else nothing.
pub(crate) fn refund_basis(
    method: PaymentMethod,
    status: OrderStatus,
    total_minor: i64,
    paid_minor: i64,
) -> i64 {
    match method {
        PaymentMethod::Card => paid_minor,
        PaymentMethod::CashOnDelivery
            if matches!(status, OrderStatus::Delivered | OrderStatus::Refunded) =>
        {
            total_minor
        }
        PaymentMethod::CashOnDelivery => 0,
    }
}

/// An order as the payment paths see it, its row locked.
struct Locked {
    id: i64,
    number: i64,
    status: OrderStatus,
    payment_method: PaymentMethod,
    currency: crate::model::Currency,
    total_minor: i64,
    paid_minor: i64,
    refunded_minor: i64,
    checkout_key: String,
    account_id: Option<i64>,
}

impl Locked {
    fn basis(&self) -> i64 {
        refund_basis(
            self.payment_method,
            self.status,
            self.total_minor,
            self.paid_minor,
        )
    }
}

async fn lock_by_id(tx: &mut Transaction<'_, Postgres>, id: i64) -> Result<Locked, Error> {
    let o = sqlx::query!(
        "SELECT id, number, status, payment_method, currency, total_minor, paid_minor,
                refunded_minor, checkout_key, account_id
         FROM orders WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Locked {
        id: o.id,
        number: o.number,
        status: status_of(&o.status)?,
        payment_method: method_of(&o.payment_method)?,
        currency: currency_of(&o.currency)?,
        total_minor: o.total_minor,
        paid_minor: o.paid_minor,
        refunded_minor: o.refunded_minor,
        checkout_key: o.checkout_key,
        account_id: o.account_id,
    })
}

/// The order of a PaymentIntent: by its saved id, or (a crash between Stripe creating it and
/// us saving its id) by the order id in its metadata, if that order has no other.
async fn lock_order(
    tx: &mut Transaction<'_, Postgres>,
    intent_id: &str,
    metadata_order: Option<i64>,
) -> Result<Option<Locked>, Error> {
    let id = sqlx::query_scalar!(
        "SELECT id FROM orders
         WHERE payment_intent_id = $1
            OR (id = $2 AND payment_method = 'card' AND payment_intent_id IS NULL)
         ORDER BY (payment_intent_id = $1) DESC NULLS LAST LIMIT 1",
        intent_id,
        metadata_order
    )
    .fetch_optional(&mut **tx)
    .await?;
    match id {
        Some(id) => lock_by_id(tx, id).await.map(Some),
        None => Ok(None),
    }
}

/// Records a webhook event's id; false when it was recorded before (nothing more to do).
async fn claim_event(
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

async fn link_event(
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

/// Records `key` as the order's last noted payment failure; `false` when it already was.
async fn note_failure_once(
    tx: &mut Transaction<'_, Postgres>,
    order_id: i64,
    key: &str,
) -> Result<bool, Error> {
    let changed = sqlx::query!(
        "UPDATE orders SET payment_failure_key = $2
         WHERE id = $1 AND payment_failure_key IS DISTINCT FROM $2",
        order_id,
        key
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

async fn mark_paid(
    tx: &mut Transaction<'_, Postgres>,
    order: &Locked,
    intent_id: &str,
    amount: i64,
) -> Result<(), Error> {
    sqlx::query!(
        "UPDATE orders SET payment_intent_id = coalesce(payment_intent_id, $2), paid_minor = $3
         WHERE id = $1",
        order.id,
        intent_id,
        amount.clamp(0, order.total_minor)
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Raises the order's refunded amount to `refunded_in_all` (never lowers it), notes it, and
/// moves a wholly refunded order to `refunded` where its status allows.
async fn raise_refunded(
    tx: &mut Transaction<'_, Postgres>,
    order: &Locked,
    refunded_in_all: i64,
    actor: &str,
) -> Result<(), Error> {
    let basis = order.basis();
    let refunded = refunded_in_all.clamp(0, basis);
    if refunded <= order.refunded_minor {
        return Ok(());
    }
    sqlx::query!(
        "UPDATE orders SET refunded_minor = $2 WHERE id = $1",
        order.id,
        refunded
    )
    .execute(&mut **tx)
    .await?;
    let note = format!(
        "Refunded {} (in all {})",
        Money::new(refunded - order.refunded_minor, order.currency),
        Money::new(refunded, order.currency)
    );
    if refunded == basis && order.status.can_become(OrderStatus::Refunded) {
        orders::transition(tx, order.id, OrderStatus::Refunded, actor, &note).await?;
    } else {
        orders::record(tx, order.id, None, None, &note, actor).await?;
    }
    Ok(())
}
