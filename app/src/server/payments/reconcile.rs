//! The reconciler: orders and refunds that no webhook settled (a lost delivery, a crash
//! between Stripe's answer and our commit) are asked of Stripe and settled the same way.

use super::Payments;
use crate::server::orders::Actor;
use crate::server::Error;

impl Payments {
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
                        .apply_intent(&intent, None, Actor::Reconciler)
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
                .refund(
                    number,
                    None,
                    "Paid after cancellation",
                    Actor::Reconciler,
                    None,
                )
                .await
            {
                tracing::warn!(order = number, error = %e, "reconciler could not refund a late payment");
            }
        }
        Ok(seen)
    }
}
