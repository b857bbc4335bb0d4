//! An order's timeline and state machine: every change is an entry, a staff member's also an
//! audit-log entry in the same transaction; a move the machine does not allow changes nothing.

use super::notices::{queue, Notice};
use super::status_of;
use crate::model::{AppError, OrderStatus};
use crate::server::Error;
use sqlx::{PgConnection, Postgres, Transaction};

/// Who changed an order, as its timeline, its refunds and the audit log name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The shopper, placing the order.
    Checkout,
    /// A staff member (their account id); their changes are audited too.
    Staff(i64),
    /// Stripe: its webhooks and its answers.
    Stripe,
    /// The payment reconciler.
    Reconciler,
    /// Duka itself: the sweepers, and refunds of payments that came too late.
    System,
}

impl Actor {
    /// The name stored with the change (`staff:{id}` for staff).
    pub fn name(self) -> String {
        match self {
            Actor::Checkout => "checkout".to_owned(),
            Actor::Staff(id) => format!("staff:{id}"),
            Actor::Stripe => "stripe".to_owned(),
            Actor::Reconciler => "reconciler".to_owned(),
            Actor::System => "system".to_owned(),
        }
    }
}

/// Adds a timeline entry. An entry by a staff member (a status change,
/// packing, a refund) is also written to the audit log, in the same transaction, so no staff
/// action on an order goes unaudited.
pub async fn record(
    db: &mut PgConnection,
    order_id: i64,
    from: Option<OrderStatus>,
    to: Option<OrderStatus>,
    note: &str,
    actor: Actor,
) -> Result<(), Error> {
    sqlx::query!(
        "INSERT INTO order_events (order_id, from_status, to_status, note, actor)
         VALUES ($1, $2, $3, $4, $5)",
        order_id,
        from.map(OrderStatus::as_str),
        to.map(OrderStatus::as_str),
        note,
        actor.name()
    )
    .execute(&mut *db)
    .await?;
    if let Actor::Staff(staff) = actor {
        // The actor is kept in the details too, should the account ever be gone.
        sqlx::query!(
            "INSERT INTO audit_log (account_id, action, details)
             VALUES ((SELECT id FROM accounts WHERE id = $1), $2, $3)",
            staff,
            if to.is_some() {
                "order.status_changed"
            } else {
                "order.updated"
            },
            serde_json::json!({
                "actor": actor.name(),
                "order_id": order_id,
                "from": from.map(OrderStatus::as_str),
                "to": to.map(OrderStatus::as_str),
                "note": note,
            }),
        )
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// The first entries of a new order's timeline, in one statement: placed (pending payment),
/// then, with `confirmed`, confirmed for that reason (an order that needs no payment first).
pub async fn record_placed(
    db: &mut PgConnection,
    order_id: i64,
    confirmed: Option<&str>,
) -> Result<(), Error> {
    let (pending, done) = (
        OrderStatus::PendingPayment.as_str(),
        OrderStatus::Confirmed.as_str(),
    );
    sqlx::query!(
        "INSERT INTO order_events (order_id, from_status, to_status, note, actor)
         SELECT $1::BIGINT, NULL, $2::TEXT, 'Order placed', $4::TEXT
         UNION ALL
         SELECT $1, $2, $3::TEXT, $5::TEXT, $4 WHERE $5::TEXT IS NOT NULL",
        order_id,
        pending,
        done,
        Actor::Checkout.name(),
        confirmed
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Moves an order to `to` inside the caller's transaction, with the order row locked. A move
/// the state machine does not allow is a `Conflict` and changes nothing. Cancelling gives the
/// stock and the coupon use back. Shipping, delivery and cancelling queue the shopper's email. Returns the status it moved from.
pub async fn transition(
    tx: &mut Transaction<'_, Postgres>,
    order_id: i64,
    to: OrderStatus,
    actor: Actor,
    note: &str,
) -> Result<OrderStatus, Error> {
    let current = sqlx::query_scalar!(
        "SELECT status FROM orders WHERE id = $1 FOR UPDATE",
        order_id
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let from = status_of(&current)?;
    if !from.can_become(to) {
        return Err(AppError::Conflict.into());
    }
    if to == OrderStatus::Cancelled {
        give_back(tx, order_id).await?;
    }
    sqlx::query!(
        "UPDATE orders SET status = $2, pay_by = NULL WHERE id = $1",
        order_id,
        to.as_str()
    )
    .execute(&mut **tx)
    .await?;
    record(tx, order_id, Some(from), Some(to), note, actor).await?;
    let notice = match to {
        OrderStatus::Shipped => Some(Notice::Shipped),
        OrderStatus::Delivered => Some(Notice::Delivered),
        OrderStatus::Cancelled => Some(Notice::Cancelled),
        // Refunds tell of their amount where they are recorded.
        _ => None,
    };
    if let Some(notice) = notice {
        queue(tx, order_id, notice).await?;
    }
    Ok(from)
}

/// Returns a cancelled order's units to stock (in variant id order, as checkout takes them)
/// and its coupon use.
async fn give_back(tx: &mut Transaction<'_, Postgres>, order_id: i64) -> Result<(), Error> {
    let lines = sqlx::query!(
        r#"SELECT variant_id AS "variant_id!", sum(quantity)::INTEGER AS "quantity!"
           FROM order_lines WHERE order_id = $1 AND variant_id IS NOT NULL
           GROUP BY variant_id ORDER BY variant_id"#,
        order_id
    )
    .fetch_all(&mut **tx)
    .await?;
    crate::server::inventory::record_as(
        tx,
        crate::model::catalog_admin::StockReason::Released,
        Some(order_id),
        None,
        "",
    )
    .await?;
    for line in lines {
        sqlx::query!(
            "UPDATE variants SET stock = stock + $2 WHERE id = $1",
            line.variant_id,
            line.quantity
        )
        .execute(&mut **tx)
        .await?;
    }
    let released = sqlx::query_scalar!(
        "DELETE FROM coupon_uses WHERE order_id = $1 RETURNING coupon_id",
        order_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(coupon_id) = released {
        sqlx::query!(
            "UPDATE coupons SET uses = uses - 1 WHERE id = $1 AND uses > 0",
            coupon_id
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
