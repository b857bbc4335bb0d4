//! The order row as the payment paths lock and change it.

use crate::model::{AppError, Currency, Money, OrderStatus, PaymentMethod};
use crate::server::orders::{self, currency_of, method_of, refund_basis, status_of, Actor};
use crate::server::Error;
use sqlx::{Postgres, Transaction};

/// An order as the payment paths see it, its row locked.
pub(super) struct Locked {
    pub(super) id: i64,
    pub(super) number: i64,
    pub(super) status: OrderStatus,
    pub(super) payment_method: PaymentMethod,
    pub(super) currency: Currency,
    pub(super) total_minor: i64,
    pub(super) paid_minor: i64,
    pub(super) refunded_minor: i64,
    pub(super) checkout_key: String,
    pub(super) account_id: Option<i64>,
}

impl Locked {
    pub(super) fn basis(&self) -> i64 {
        refund_basis(
            self.payment_method,
            self.status,
            self.total_minor,
            self.paid_minor,
        )
    }
}

pub(super) async fn lock_by_id(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
) -> Result<Locked, Error> {
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
pub(super) async fn lock_order(
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

/// Records `key` as the order's last noted payment failure; `false` when it already was.
pub(super) async fn note_failure_once(
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

pub(super) async fn mark_paid(
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
pub(super) async fn raise_refunded(
    tx: &mut Transaction<'_, Postgres>,
    order: &Locked,
    refunded_in_all: i64,
    actor: Actor,
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
    orders::notices::queue(
        tx,
        order.id,
        orders::Notice::Refunded(refunded - order.refunded_minor),
    )
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
