//! Inventory: every change of a variant's stock is a movement in a ledger, with its reason
//! (sold, released, received, counted...), order and staff member; `stock` is always the sum
//! of its movements. The ledger rows are written by the database's trigger on `variants`, so
//! no writer can skip it; writers name their reason with [`record_as`].
//!
//! Stock as staff change it: a movement with a reason, never a blind overwrite. A change by
//! some units is one guarded update (`stock + d >= 0`), so it composes with checkouts running
//! at the same moment; a count ("there are 12 on the shelf") locks the row and records the
//! difference. The ledger row itself is written by the database's trigger, with the reason,
//! staff member and note this transaction names.

use crate::model::catalog_admin::{StockMovement, StockReason};
use crate::model::AppError;
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::platform::audit;
use crate::server::Error;
use sqlx::PgPool;
use std::collections::HashMap;
use std::net::IpAddr;

/// How many movements the editor shows per variant.
const HISTORY: i64 = 10;

/// What staff say about a variant's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockChange {
    /// Units in (positive) or out (negative).
    By(i32),
    /// A count: this many are on hand now.
    CountedTo(i32),
}

/// Applies `change` to variant `variant_id` for `reason`; returns the stock after it.
pub async fn adjust_stock(
    db: &PgPool,
    staff: &Staff,
    variant_id: i64,
    reason: StockReason,
    change: StockChange,
    note: &str,
    ip: Option<IpAddr>,
) -> Result<i32, Error> {
    staff.require(Permission::ManageCatalog)?;
    if !StockReason::STAFF.contains(&reason) {
        return Err(AppError::validation("reason", "choose a reason from the list").into());
    }
    if note.chars().count() > 500 {
        return Err(AppError::validation("note", "at most 500 characters").into());
    }
    let mut tx = db.begin().await?;
    record_as(&mut tx, reason, None, Some(staff.account_id), note.trim()).await?;
    let (before, after) = match change {
        StockChange::By(0) => {
            return Err(
                AppError::validation("quantity", "enter a number of units other than 0").into(),
            )
        }
        StockChange::By(delta) => {
            let row = sqlx::query!(
                "UPDATE variants SET stock = stock + $2 WHERE id = $1 AND stock + $2 >= 0
                 RETURNING stock",
                variant_id,
                delta
            )
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                Some(r) => (r.stock - delta, r.stock),
                None => {
                    let on_hand =
                        sqlx::query_scalar!("SELECT stock FROM variants WHERE id = $1", variant_id)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or(AppError::NotFound)?;
                    return Err(AppError::validation(
                        "quantity",
                        format!("only {on_hand} on hand: stock cannot go below zero"),
                    )
                    .into());
                }
            }
        }
        StockChange::CountedTo(n) => {
            if n < 0 {
                return Err(AppError::validation("quantity", "a count cannot be negative").into());
            }
            let before = sqlx::query_scalar!(
                "SELECT stock FROM variants WHERE id = $1 FOR UPDATE",
                variant_id
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
            if before != n {
                sqlx::query!(
                    "UPDATE variants SET stock = $2 WHERE id = $1",
                    variant_id,
                    n
                )
                .execute(&mut *tx)
                .await?;
            }
            (before, n)
        }
    };
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "catalog.stock_adjusted",
        ip,
        serde_json::json!({
            "variant": variant_id, "reason": reason.as_str(), "note": note.trim(),
            "before": before, "after": after,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Names, for the rest of transaction `tx`, why stock changes: the ledger's trigger writes
/// each change with this reason, order, staff member and note. Checkout, cancellations and
/// staff adjustments call it before they change stock.
pub async fn record_as(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    reason: StockReason,
    order_id: Option<i64>,
    account_id: Option<i64>,
    note: &str,
) -> Result<(), Error> {
    let text = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
    sqlx::query!(
        r#"SELECT set_config('duka.stock_reason', $1, true) AS "reason",
                  set_config('duka.stock_order', $2, true) AS "order",
                  set_config('duka.stock_account', $3, true) AS "account",
                  set_config('duka.stock_note', $4, true) AS "note""#,
        reason.as_str(),
        text(order_id),
        text(account_id),
        note
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(())
}

/// The newest movements of each of `variants`, newest first.
pub async fn history(
    db: &PgPool,
    variants: &[i64],
) -> Result<HashMap<i64, Vec<StockMovement>>, Error> {
    let rows = sqlx::query!(
        r#"SELECT m.variant_id AS "variant_id!", m.delta AS "delta!", m.stock_after AS "stock_after!",
                  m.reason AS "reason!", o.number AS "order_number?", a.email AS "by?", m.note AS "note!",
                  to_char(m.at, 'FMDD Mon YYYY, HH24:MI') AS "at!"
           FROM unnest($1::BIGINT[]) AS v(id)
           CROSS JOIN LATERAL (
               SELECT * FROM stock_movements WHERE variant_id = v.id ORDER BY id DESC LIMIT $2
           ) m
           LEFT JOIN orders o ON o.id = m.order_id
           LEFT JOIN accounts a ON a.id = m.account_id
           ORDER BY m.variant_id, m.id DESC"#,
        variants,
        HISTORY
    )
    .fetch_all(db)
    .await?;
    let mut out: HashMap<i64, Vec<StockMovement>> = HashMap::new();
    for r in rows {
        out.entry(r.variant_id).or_default().push(StockMovement {
            at: r.at,
            delta: r.delta,
            stock_after: r.stock_after,
            reason: StockReason::parse(&r.reason).unwrap_or(StockReason::External),
            order_number: r.order_number,
            by: r.by,
            note: r.note,
        });
    }
    Ok(out)
}
