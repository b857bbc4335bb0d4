//! Refunds: written `pending` with their own idempotency key before Stripe is called and
//! settled after; an order's refunds never add up to more than its [refund basis].
//!
//! [refund basis]: crate::server::orders::refund_basis

use super::locked::{lock_by_id, lock_order, mark_paid, raise_refunded};
use super::webhook::{claim_event, link_event};
use super::{Delivery, GatewayError, Payments};
use crate::model::{AppError, Money, OrderStatus, PaymentMethod};
use crate::server::orders::{self, Actor};
use crate::server::platform::metrics;
use crate::server::Error;

impl Payments {
    /// `charge.refunded`: Stripe has refunded `amount_refunded` of the PaymentIntent in all.
    pub(super) async fn apply_refunded(
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
                Actor::Stripe,
                "Card payment received",
            )
            .await?;
            order.status = OrderStatus::Paid;
            order.paid_minor = order.total_minor;
        }
        raise_refunded(&mut tx, &order, amount_refunded, Actor::Stripe).await?;
        tx.commit().await?;
        Ok(Delivery::Applied)
    }

    /// Refunds `amount` (`None`: all that is left) of order `number`. A card order's refund
    /// goes through Stripe; a cash-on-delivery order's records cash handed back. A refund
    /// asked with a `request_key` already used on this order is not made again: the answer
    /// is the first one's amount.
    pub async fn refund(
        &self,
        number: i64,
        amount: Option<i64>,
        reason: &str,
        actor: Actor,
        request_key: Option<&str>,
    ) -> Result<Money, Error> {
        if request_key.is_some_and(|k| {
            !(16..=64).contains(&k.len())
                || !k
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }) {
            return Err(
                AppError::validation("request_key", "reload the page and try again").into(),
            );
        }
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
        if let Some(key) = request_key {
            // Under the order's row lock: a concurrent twin waits, then finds this one.
            let done = sqlx::query_scalar!(
                "SELECT amount_minor FROM refunds WHERE order_id = $1 AND request_key = $2",
                id,
                key
            )
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(minor) = done {
                return Ok(Money::new(minor, order.currency));
            }
        }
        let pending = sqlx::query_scalar!(
            r#"SELECT coalesce(sum(amount_minor), 0)::BIGINT AS "n!" FROM refunds
               WHERE order_id = $1 AND status = 'pending'"#,
            id
        )
        .fetch_one(&mut *tx)
        .await?;
        let left =
            crate::server::orders::refundable_left(order.basis(), order.refunded_minor, pending);
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
                    "INSERT INTO refunds (order_id, amount_minor, reason, status, actor, request_key)
                     VALUES ($1, $2, $3, 'succeeded', $4, $5)",
                    id,
                    amount,
                    reason,
                    actor.name(),
                    request_key
                )
                .execute(&mut *tx)
                .await?;
                let total = order.refunded_minor + amount;
                raise_refunded(&mut tx, &order, total, actor).await?;
                tx.commit().await?;
                metrics::payment("cash_on_delivery", "refund", "succeeded");
                Ok(money)
            }
            PaymentMethod::Card => {
                let refund_id = sqlx::query_scalar!(
                    "INSERT INTO refunds (order_id, amount_minor, reason, actor, request_key)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    id,
                    amount,
                    reason,
                    actor.name(),
                    request_key
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
    pub(super) async fn send_refund(&self, refund_id: i64) -> Result<(), Error> {
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
                metrics::payment("card", "refund", "unreachable");
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
            raise_refunded(&mut tx, &order, total, Actor::Stripe).await?;
        } else {
            let money = Money::new(settled.amount_minor, order.currency);
            orders::record(
                &mut tx,
                order.id,
                None,
                None,
                &format!("Refund of {money} failed: {note}"),
                Actor::Stripe,
            )
            .await?;
        }
        tx.commit().await?;
        metrics::payment("card", "refund", status);
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
}
