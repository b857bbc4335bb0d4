//! Changes to many products at once: status, a category added or removed, prices moved by a
//! percentage or an amount. All or nothing: one transaction, and a price change that would
//! make any price negative changes none. Prices can be previewed first with the same rule.

use crate::model::catalog_admin::{adjusted_price, BulkAction};
use crate::model::{AppError, Currency, Money};
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::platform::audit;
use crate::server::Error;
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use std::net::IpAddr;

/// The most products one bulk change may name (a page of the list is 50).
pub const MAX_BULK: usize = 500;

/// One variant's price before and after a price change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricePreview {
    pub product: String,
    pub sku: String,
    pub before: Money,
    pub after: Money,
}

fn check_ids(ids: &[i64]) -> Result<(), Error> {
    if ids.is_empty() {
        return Err(AppError::validation("products", "select at least one product").into());
    }
    if ids.len() > MAX_BULK {
        return Err(AppError::validation("products", "select at most 500 products at once").into());
    }
    Ok(())
}

struct PriceRow {
    variant_id: i64,
    product: String,
    sku: String,
    price_minor: i64,
    compare_at_minor: Option<i64>,
}

async fn price_rows(
    tx: &mut Transaction<'_, Postgres>,
    ids: &[i64],
    lock: bool,
) -> Result<Vec<PriceRow>, Error> {
    // Locked in variant id order, as checkout takes stock, so the two cannot deadlock.
    let rows = if lock {
        sqlx::query_as!(
            PriceRow,
            r#"SELECT v.id AS variant_id, p.name AS product, v.sku, v.price_minor, v.compare_at_minor
               FROM variants v JOIN products p ON p.id = v.product_id
               WHERE v.product_id = ANY($1) ORDER BY v.id FOR UPDATE OF v"#,
            ids
        )
        .fetch_all(&mut **tx)
        .await?
    } else {
        sqlx::query_as!(
            PriceRow,
            r#"SELECT v.id AS variant_id, p.name AS product, v.sku, v.price_minor, v.compare_at_minor
               FROM variants v JOIN products p ON p.id = v.product_id
               WHERE v.product_id = ANY($1) ORDER BY p.name, v.position, v.id"#,
            ids
        )
        .fetch_all(&mut **tx)
        .await?
    };
    Ok(rows)
}

/// What a price change would do to each variant of `ids`. Refused, naming the SKU, when any
/// price would become invalid.
pub async fn preview_prices(
    db: &PgPool,
    staff: &Staff,
    ids: &[i64],
    action: &BulkAction,
    currency: Currency,
) -> Result<Vec<PricePreview>, Error> {
    staff.require(Permission::ViewCatalog)?;
    check_ids(ids)?;
    let mut tx = db.begin().await?;
    let rows = price_rows(&mut tx, ids, false).await?;
    rows.into_iter()
        .map(|r| {
            let after = new_price(&r, action)?;
            Ok(PricePreview {
                product: r.product,
                sku: r.sku,
                before: Money::new(r.price_minor, currency),
                after: Money::new(after, currency),
            })
        })
        .collect()
}

fn new_price(row: &PriceRow, action: &BulkAction) -> Result<i64, Error> {
    adjusted_price(row.price_minor, action)
        .map_err(|why| AppError::validation("change", format!("{}: {why}", row.sku)).into())
}

/// Applies `action` to products `ids`; returns how many products it changed.
pub async fn apply_bulk(
    db: &PgPool,
    staff: &Staff,
    ids: &[i64],
    action: &BulkAction,
    ip: Option<IpAddr>,
) -> Result<u64, Error> {
    staff.require(Permission::ManageCatalog)?;
    check_ids(ids)?;
    let mut tx = db.begin().await?;
    let (changed, details) = match action {
        BulkAction::SetStatus(status) => {
            let rows = sqlx::query!(
                r#"UPDATE products p SET status = $2, version = p.version + 1, updated_by = $3
                   FROM products old
                   WHERE p.id = ANY($1) AND old.id = p.id AND p.status <> $2
                   RETURNING p.id, old.status AS "before!""#,
                ids,
                status.as_str(),
                staff.account_id
            )
            .fetch_all(&mut *tx)
            .await?;
            let before: Vec<_> = rows.iter().map(|r| json!([r.id, r.before])).collect();
            (
                rows.len() as u64,
                json!({ "action": "status", "before": before, "after": status.as_str() }),
            )
        }
        BulkAction::AddToCategory(category) | BulkAction::RemoveFromCategory(category) => {
            let exists = sqlx::query_scalar!("SELECT id FROM categories WHERE id = $1", category)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(
                    AppError::validation("category", "choose a category from the list").into(),
                );
            }
            let adding = matches!(action, BulkAction::AddToCategory(_));
            let touched = if adding {
                sqlx::query_scalar!(
                    r#"INSERT INTO product_categories (product_id, category_id, position)
                       SELECT p.id, $2, 1000 FROM products p WHERE p.id = ANY($1)
                       ON CONFLICT DO NOTHING RETURNING product_id"#,
                    ids,
                    category
                )
                .fetch_all(&mut *tx)
                .await?
            } else {
                sqlx::query_scalar!(
                    "DELETE FROM product_categories WHERE product_id = ANY($1) AND category_id = $2
                     RETURNING product_id",
                    ids,
                    category
                )
                .fetch_all(&mut *tx)
                .await?
            };
            bump(&mut tx, &touched, staff).await?;
            (
                touched.len() as u64,
                json!({ "action": if adding { "category_added" } else { "category_removed" },
                        "category": category, "products": touched }),
            )
        }
        BulkAction::AdjustPricePercent(_) | BulkAction::AdjustPriceBy(_) => {
            let rows = price_rows(&mut tx, ids, true).await?;
            let mut variant_ids = Vec::with_capacity(rows.len());
            let mut prices = Vec::with_capacity(rows.len());
            let mut log = Vec::with_capacity(rows.len());
            for row in &rows {
                let after = new_price(row, action)?;
                // A "was" price that would no longer be above the price is dropped.
                variant_ids.push(row.variant_id);
                prices.push(after);
                log.push(json!([
                    row.sku,
                    row.price_minor,
                    after,
                    row.compare_at_minor
                ]));
            }
            sqlx::query!(
                "UPDATE variants v SET price_minor = n.price,
                        compare_at_minor = CASE WHEN v.compare_at_minor > n.price THEN v.compare_at_minor END
                 FROM unnest($1::BIGINT[], $2::BIGINT[]) AS n(id, price) WHERE v.id = n.id",
                &variant_ids,
                &prices
            )
            .execute(&mut *tx)
            .await?;
            bump(&mut tx, ids, staff).await?;
            (
                ids.len() as u64,
                json!({ "action": "prices", "change": format!("{action:?}"),
                        "variants": log, "columns": ["sku", "before", "after", "compare_at_before"] }),
            )
        }
    };
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "catalog.bulk_changed",
        ip,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(changed)
}

/// A product changed by a bulk action moves to its next version, so an editor open on it
/// does not save over the change.
async fn bump(tx: &mut Transaction<'_, Postgres>, ids: &[i64], staff: &Staff) -> Result<(), Error> {
    sqlx::query!(
        "UPDATE products SET version = version + 1, updated_by = $2 WHERE id = ANY($1)",
        ids,
        staff.account_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
