//! What staff do to an order: change its status (the shipment when shipping, the cash
//! collected when a cash order is delivered), pack its lines, and keep notes on it.

use super::status_of;
use super::timeline::{record, transition, Actor};
use crate::model::shipment::ShipmentInput;
use crate::model::{AppError, Money, OrderStatus, PaymentMethod};
use crate::server::Error;
use sqlx::PgPool;

/// What staff give with a change of status: the shipment when shipping, the cash the courier
/// collected when a cash-on-delivery order is delivered.
#[derive(Debug, Clone, Default)]
pub struct StatusDetails {
    pub shipment: ShipmentInput,
    pub cash_collected_minor: Option<i64>,
}

/// A staff change of status (`actor` names who). Shipping records the carrier, tracking number
/// and link; delivering a cash order records the cash collected, which is then what the order
/// was paid. Returns the status it moved from.
pub async fn change_status(
    db: &PgPool,
    number: i64,
    to: OrderStatus,
    actor: Actor,
    details: &StatusDetails,
) -> Result<OrderStatus, Error> {
    if to == OrderStatus::PartiallyFulfilled {
        return Err(AppError::validation(
            "status",
            "pack the order's lines on its page: an order is partly packed by packing some",
        )
        .into());
    }
    let shipment = match to {
        OrderStatus::Shipped => Some(details.shipment.checked()?),
        _ => None,
    };
    let mut tx = db.begin().await?;
    let order = sqlx::query!(
        "SELECT id, status, payment_method, currency, total_minor FROM orders
         WHERE number = $1 FOR UPDATE",
        number
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let id = order.id;
    if !super::status_of(&order.status)?.can_become(to) {
        // Before anything it would need: a step skipped is refused as such.
        return Err(AppError::Conflict.into());
    }
    let method = super::method_of(&order.payment_method)?;
    if to == OrderStatus::Cancelled
        && order.status == OrderStatus::Paid.as_str()
        && method == PaymentMethod::Card
    {
        // The money has to go back first: that is a refund, which cancels the order.
        return Err(AppError::validation(
            "status",
            "refund a paid card order instead of cancelling it",
        )
        .into());
    }
    let mut note = String::new();
    if let Some(s) = &shipment {
        note = match &s.tracking_number {
            Some(t) => format!("Shipped with {}, tracking number {t}", s.carrier),
            None => format!("Shipped with {}", s.carrier),
        };
    }
    let cash = if to == OrderStatus::Delivered && method == PaymentMethod::CashOnDelivery {
        let total = Money::new(order.total_minor, super::currency_of(&order.currency)?);
        let cash = details
            .cash_collected_minor
            .filter(|c| (1..=total.minor).contains(c))
            .ok_or_else(|| {
                AppError::validation(
                    "cash_collected",
                    format!("enter the cash the courier collected, up to {total}"),
                )
            })?;
        note = format!("Cash collected: {}", Money::new(cash, total.currency));
        Some(cash)
    } else {
        None
    };
    let from = transition(&mut tx, id, to, actor, &note).await?;
    if to == OrderStatus::Fulfilled {
        // Packed in one go: every line, all of it.
        sqlx::query!(
            "UPDATE order_lines SET fulfilled_quantity = quantity WHERE order_id = $1",
            id
        )
        .execute(&mut *tx)
        .await?;
    }
    if let Some(s) = shipment {
        sqlx::query!(
            "UPDATE orders SET carrier = $2, tracking_number = $3, tracking_url = $4 WHERE id = $1",
            id,
            s.carrier,
            s.tracking_number,
            s.tracking_url
        )
        .execute(&mut *tx)
        .await?;
    }
    if let Some(cash) = cash {
        sqlx::query!(
            "UPDATE orders SET cash_collected_minor = $2, paid_minor = $2 WHERE id = $1",
            id,
            cash
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(from)
}

/// Adds a staff note to order `number` (never shown to the shopper), audited.
pub async fn add_note(db: &PgPool, number: i64, body: &str, staff: i64) -> Result<(), Error> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 2_000 {
        return Err(
            AppError::validation("body", "write a note of at most 2,000 characters").into(),
        );
    }
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!("SELECT id FROM orders WHERE number = $1", number)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    sqlx::query!(
        "INSERT INTO order_notes (order_id, account_id, body)
         VALUES ($1, (SELECT id FROM accounts WHERE id = $2), $3)",
        id,
        staff,
        body
    )
    .execute(&mut *tx)
    .await?;
    crate::server::platform::audit::record_in(
        &mut tx,
        Some(staff),
        "order.note_added",
        None,
        serde_json::json!({ "order_id": id, "number": number }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Staff pack `quantity` more of line `line_no` of order `number`. The order is then partly
/// packed, or packed once every line is; a paid or confirmed order only, never more than the
/// line's quantity (checked under the order's row lock and by the line's own constraint).
/// Returns the order's status after.
pub async fn pack(
    db: &PgPool,
    number: i64,
    line_no: i32,
    quantity: i32,
    actor: Actor,
) -> Result<OrderStatus, Error> {
    if !(1..=10_000).contains(&quantity) {
        return Err(AppError::validation(
            "quantity",
            "pack at least one item, at most what is left",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let order = sqlx::query!(
        "SELECT id, status FROM orders WHERE number = $1 FOR UPDATE",
        number
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let status = status_of(&order.status)?;
    if !status.packable() {
        return Err(AppError::validation(
            "status",
            format!(
                "an order is packed once paid or confirmed; this one is {}",
                status.label().to_lowercase()
            ),
        )
        .into());
    }
    let line = sqlx::query!(
        "SELECT sku, quantity, fulfilled_quantity FROM order_lines
         WHERE order_id = $1 AND line_no = $2",
        order.id,
        line_no
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let left = line.quantity - line.fulfilled_quantity;
    if quantity > left {
        return Err(AppError::validation(
            "quantity",
            format!("only {left} of {} left to pack", line.sku),
        )
        .into());
    }
    sqlx::query!(
        "UPDATE order_lines SET fulfilled_quantity = fulfilled_quantity + $3
         WHERE order_id = $1 AND line_no = $2",
        order.id,
        line_no,
        quantity
    )
    .execute(&mut *tx)
    .await?;
    let unpacked = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM order_lines
           WHERE order_id = $1 AND fulfilled_quantity < quantity"#,
        order.id
    )
    .fetch_one(&mut *tx)
    .await?;
    let note = format!("Packed {quantity} × {}", line.sku);
    let after = if unpacked == 0 {
        OrderStatus::Fulfilled
    } else {
        OrderStatus::PartiallyFulfilled
    };
    if after == status {
        record(&mut tx, order.id, None, None, &note, actor).await?;
    } else {
        transition(&mut tx, order.id, after, actor, &note).await?;
    }
    tx.commit().await?;
    Ok(after)
}
