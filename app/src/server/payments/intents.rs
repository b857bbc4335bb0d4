//! A card payment's intent: started with the order's own idempotency key, and whatever
//! Stripe says of it applied in one transaction with the order row locked; unpaid orders
//! cancelled and their stock released.

use super::locked::{lock_order, mark_paid, note_failure_once};
use super::webhook::{claim_event, link_event};
use super::{Delivery, Intent, IntentStatus, Payments};
use crate::model::{AppError, CardPayment, OrderStatus, PaymentMethod};
use crate::server::orders::{self, currency_of, method_of, status_of, Actor};
use crate::server::platform::{mail, metrics};
use crate::server::Error;

impl Payments {
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
                self.apply_intent(&intent, None, Actor::Stripe).await?;
                None
            }
        })
    }

    /// Applies what Stripe says about a PaymentIntent. `event` (id, type) is recorded in the
    /// same transaction; an id seen before changes nothing.
    pub async fn apply_intent(
        &self,
        intent: &Intent,
        event: Option<(&str, &str)>,
        actor: Actor,
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
        // What became of the payment, for the metrics; `None`: nothing new.
        let mut outcome = None;
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
                    outcome = Some("mismatched");
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
                    let key = orders::access_key(&self.keys, &order.checkout_key);
                    let email =
                        orders::confirmation_email(&mut tx, &self.site, order.id, &key).await?;
                    mail::enqueue(&mut tx, order.account_id, &email).await?;
                    outcome = Some("succeeded");
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
                outcome = Some("late");
            }
            // Waiting for the customer. Only an attempt that failed is noted, once: an open
            // PaymentIntent without an error is a customer who has not paid yet.
            (IntentStatus::Open, OrderStatus::PendingPayment) => {
                if let Some(reason) = intent.last_error.as_deref() {
                    let reason: String = reason.chars().take(300).collect();
                    let key = intent.last_error_key.as_deref().unwrap_or(&reason);
                    if note_failure_once(&mut tx, order.id, key).await? {
                        outcome = Some("failed");
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
                outcome = Some("cancelled");
            }
            // Already applied (a later status), or nothing to do yet.
            _ => {}
        }
        tx.commit().await?;
        if let Some(outcome) = outcome {
            metrics::payment("card", "payment", outcome);
        }
        if let Some((number, reason)) = refund_late_payment {
            if let Err(e) = self.refund(number, None, reason, Actor::System, None).await {
                tracing::error!(order = number, error = %e, "could not refund a payment on a cancelled order; the reconciler retries");
            }
        }
        Ok(Delivery::Applied)
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
            self.apply_intent(&intent, None, Actor::Stripe).await?;
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
                            self.apply_intent(&intent, None, Actor::System).await?;
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
                    Actor::System,
                    "Not paid in time",
                )
                .await?;
                released += 1;
            }
            tx.commit().await?;
        }
        Ok(released)
    }

    /// A staff change of an order's status (`actor` names who; `details` as
    /// [`orders::change_status`] takes them). Refunded is refused here (an order is refunded by refunding its money); an
    /// unpaid card order's PaymentIntent is cancelled at Stripe before the order is.
    pub async fn change_order_status(
        &self,
        number: i64,
        to: OrderStatus,
        actor: Actor,
        details: &orders::StatusDetails,
    ) -> Result<OrderStatus, Error> {
        if to == OrderStatus::Refunded {
            return Err(AppError::validation(
                "status",
                "use the refund form: an order is refunded by refunding its money",
            )
            .into());
        }
        if to == OrderStatus::Cancelled {
            self.before_cancel(number).await?;
        }
        orders::change_status(&self.db, number, to, actor, details).await
    }
}
