//! What staff do to an order: change its status (with a tracking number when shipping) and
//! pack its lines.

use super::status_of;
use super::timeline::{record, transition, Actor};
use crate::model::{AppError, OrderStatus, PaymentMethod};
use crate::server::Error;
use sqlx::PgPool;

/// A staff change of status (`actor` names who). Shipping may carry a tracking number.
pub async fn change_status(
    db: &PgPool,
    number: i64,
    to: OrderStatus,
    actor: Actor,
    tracking_number: Option<&str>,
) -> Result<OrderStatus, Error> {
    let tracking = tracking_number.map(str::trim).filter(|t| !t.is_empty());
    if tracking.is_some_and(|t| t.len() > 100 || t.chars().any(char::is_control)) {
        return Err(AppError::validation(
            "tracking_number",
            "a tracking number is at most 100 characters",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let order = sqlx::query!(
        "SELECT id, status, payment_method FROM orders WHERE number = $1",
        number
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let id = order.id;
    if to == OrderStatus::Cancelled
        && order.status == OrderStatus::Paid.as_str()
        && order.payment_method == PaymentMethod::Card.as_str()
    {
        // The money has to go back first: that is a refund, which cancels the order.
        return Err(AppError::validation(
            "status",
            "refund a paid card order instead of cancelling it",
        )
        .into());
    }
    let note = match tracking {
        Some(t) => format!("Tracking number {t}"),
        None => String::new(),
    };
    if to == OrderStatus::PartiallyFulfilled {
        return Err(AppError::validation(
            "status",
            "pack the order's lines on its page: an order is partly packed by packing some",
        )
        .into());
    }
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
    if let Some(t) = tracking {
        sqlx::query!(
            "UPDATE orders SET tracking_number = $2 WHERE id = $1",
            id,
            t
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(from)
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
