//! What the sitemaps list: every active product and every category.

use crate::server::Error;
use sqlx::PgPool;

/// URLs per sitemap file (the protocol's limit).
pub const SITEMAP_PAGE: i64 = 50_000;

/// A page to list: its slug and when it last changed (W3C datetime, UTC).
pub struct SitemapEntry {
    pub slug: String,
    pub lastmod: String,
}

pub async fn active_product_count(db: &PgPool) -> Result<i64, Error> {
    Ok(
        sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM products WHERE status = 'active'"#)
            .fetch_one(db)
            .await?,
    )
}

/// Active products for sitemap file `page` (0-based), in id order.
pub async fn sitemap_products(db: &PgPool, page: i64) -> Result<Vec<SitemapEntry>, Error> {
    Ok(sqlx::query_as!(
        SitemapEntry,
        r#"SELECT slug, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "lastmod!"
           FROM products WHERE status = 'active'
           ORDER BY id LIMIT $1 OFFSET $2"#,
        SITEMAP_PAGE,
        page.max(0) * SITEMAP_PAGE
    )
    .fetch_all(db)
    .await?)
}

pub async fn sitemap_categories(db: &PgPool) -> Result<Vec<SitemapEntry>, Error> {
    Ok(sqlx::query_as!(
        SitemapEntry,
        r#"SELECT slug, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "lastmod!"
           FROM categories ORDER BY id LIMIT $1"#,
        SITEMAP_PAGE
    )
    .fetch_all(db)
    .await?)
}
