//! Goods coming back from a customer: staff say which lines and how many came back, whether
//! they go back on the shelf (a `returned` movement in the inventory ledger) and whether the
//! customer gets their price back (a refund of what those units were paid, through the
//! order's payment method). Recorded once per form (`request_key`), under the order's lock.

use super::Actor;
use crate::model::catalog_admin::StockReason;
use crate::model::{AppError, Money};
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::Error;
use serde_json::json;
use sqlx::PgPool;

/// A return as recorded: what its lines were paid (what a refund for them may be).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned {
    pub paid: Money,
    /// Whether this call recorded it (false: the same form was sent before).
    pub new: bool,
}

/// What `returned` of a line's `quantity` units were paid, of `paid` for the whole line: each
/// unit's share rounded so that every return of the line adds up to exactly `paid`.
pub fn share(paid: i64, quantity: i32, before: i32, returned: i32) -> i64 {
    let (paid, quantity) = (i128::from(paid), i128::from(quantity.max(1)));
    let upto = |n: i32| paid * i128::from(n) / quantity;
    (upto(before + returned) - upto(before)) as i64
}

/// Records that `lines` (line number, units) of order `number` came back; `restock` puts
/// them back on sale. The same `request_key` again records nothing and answers the same.
pub async fn take_back(
    db: &PgPool,
    staff: &Staff,
    number: i64,
    lines: &[(i32, i32)],
    restock: bool,
    request_key: &str,
) -> Result<Returned, Error> {
    staff.require(Permission::ManageOrders)?;
    if lines.is_empty() || lines.iter().all(|(_, q)| *q == 0) {
        return Err(AppError::validation("lines", "enter how many of a line came back").into());
    }
    let mut tx = db.begin().await?;
    let order = sqlx::query!(
        "SELECT id, status, currency, prices_include_tax FROM orders WHERE number = $1 FOR UPDATE",
        number
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let currency = super::currency_of(&order.currency)?;
    let done = sqlx::query_scalar!(
        "SELECT refund_minor FROM order_returns WHERE order_id = $1 AND request_key = $2",
        order.id,
        request_key
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(minor) = done {
        return Ok(Returned {
            paid: Money::new(minor, currency),
            new: false,
        });
    }
    if matches!(order.status.as_str(), "pending_payment" | "cancelled") {
        return Err(AppError::validation(
            "lines",
            "this order was never paid or confirmed: cancelling it puts its items back",
        )
        .into());
    }
    let rows = sqlx::query!(
        "SELECT line_no, variant_id, product_name, quantity, returned_quantity,
                unit_price_minor * quantity - discount_minor
                    + CASE WHEN $2 THEN 0 ELSE tax_minor END AS \"paid!\"
         FROM order_lines WHERE order_id = $1 ORDER BY line_no",
        order.id,
        order.prices_include_tax
    )
    .fetch_all(&mut *tx)
    .await?;
    let (mut paid, mut taken, mut said) = (0i64, Vec::new(), Vec::new());
    for &(line_no, units) in lines.iter().filter(|(_, q)| *q != 0) {
        let row = rows.iter().find(|r| r.line_no == line_no).ok_or_else(|| {
            AppError::validation("lines", format!("this order has no line {line_no}"))
        })?;
        let left = row.quantity - row.returned_quantity;
        if !(1..=left).contains(&units) {
            return Err(AppError::validation(
                "lines",
                format!(
                    "line {line_no} ({}): between 1 and {left} can come back",
                    row.product_name
                ),
            )
            .into());
        }
        paid += share(row.paid, row.quantity, row.returned_quantity, units);
        taken.push((line_no, units, row.variant_id));
        said.push(format!("{units} × {}", row.product_name));
    }
    if restock {
        crate::server::inventory::record_as(
            &mut tx,
            StockReason::Returned,
            Some(order.id),
            Some(staff.account_id),
            &format!("order {number}"),
        )
        .await?;
    }
    for &(line_no, units, variant) in &taken {
        sqlx::query!(
            "UPDATE order_lines SET returned_quantity = returned_quantity + $3
             WHERE order_id = $1 AND line_no = $2",
            order.id,
            line_no,
            units
        )
        .execute(&mut *tx)
        .await?;
        if let (true, Some(variant)) = (restock, variant) {
            sqlx::query!(
                "UPDATE variants SET stock = stock + $2 WHERE id = $1",
                variant,
                units
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    let pairs: Vec<[i32; 2]> = taken.iter().map(|(l, u, _)| [*l, *u]).collect();
    sqlx::query!(
        "INSERT INTO order_returns (order_id, request_key, lines, restocked, refund_minor, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
        order.id,
        request_key,
        json!(pairs),
        restock,
        paid,
        staff.account_id
    )
    .execute(&mut *tx)
    .await?;
    let note = format!(
        "Came back: {}{}",
        said.join(", "),
        if restock {
            " (back on sale)"
        } else {
            " (not put back on sale)"
        }
    );
    // The timeline entry is audited with it (`timeline::record`).
    super::timeline::record(
        &mut tx,
        order.id,
        None,
        None,
        &note,
        Actor::Staff(staff.account_id),
    )
    .await?;
    tx.commit().await?;
    Ok(Returned {
        paid: Money::new(paid, currency),
        new: true,
    })
}
