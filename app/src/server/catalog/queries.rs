//! Storefront reads.

use crate::model::AppError;
use crate::model::{Currency, Money, ProductDetail, ProductSummary, StockStatus};
use crate::server::cache::Cache;
use crate::server::Error;
use sqlx::PgPool;
use std::time::Duration;

/// The most products the home page lists (pagination arrives with collections).
pub const LISTING_LIMIT: i64 = 48;

const LISTING_KEY: &str = "catalog:active-listing:v1";
const LISTING_TTL: Duration = Duration::from_secs(60);

fn money(minor: i64, currency: &str) -> Result<Money, Error> {
    let currency: Currency = currency
        .parse()
        .map_err(|e| Error::other(format!("product row has an unsupported currency: {e}")))?;
    Ok(Money::new(minor, currency))
}

/// Active products, newest first. Served from the cache when it has them.
#[tracing::instrument(skip_all)]
pub async fn list_active(db: &PgPool, cache: &Cache) -> Result<Vec<ProductSummary>, Error> {
    if let Some(hit) = cache.get_json::<Vec<ProductSummary>>(LISTING_KEY).await {
        return Ok(hit);
    }
    let rows = sqlx::query!(
        r#"SELECT slug, name, price_minor, currency, stock
           FROM products
           WHERE status = 'active'
           ORDER BY created_at DESC, id DESC
           LIMIT $1"#,
        LISTING_LIMIT
    )
    .fetch_all(db)
    .await?;
    let products = rows
        .into_iter()
        .map(|r| {
            Ok(ProductSummary {
                price: money(r.price_minor, &r.currency)?,
                stock: StockStatus::from_quantity(r.stock.into()),
                slug: r.slug,
                name: r.name,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    cache.set_json(LISTING_KEY, &products, LISTING_TTL).await;
    Ok(products)
}

/// Drops cached listings; call after any change to products.
pub async fn invalidate_listings(cache: &Cache) {
    cache.delete(LISTING_KEY).await;
}

/// One active product by slug. Drafts, archived products and unknown slugs are `NotFound`.
#[tracing::instrument(skip(db))]
pub async fn product_by_slug(db: &PgPool, slug: &str) -> Result<ProductDetail, Error> {
    if !super::is_valid_slug(slug) {
        return Err(AppError::NotFound.into());
    }
    let row = sqlx::query!(
        r#"SELECT slug, name, description, price_minor, currency, stock
           FROM products
           WHERE slug = $1 AND status = 'active'"#,
        slug
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(ProductDetail {
        price: money(row.price_minor, &row.currency)?,
        stock: StockStatus::from_quantity(row.stock.into()),
        available: u32::try_from(row.stock).unwrap_or(0),
        slug: row.slug,
        name: row.name,
        description: row.description,
    })
}
