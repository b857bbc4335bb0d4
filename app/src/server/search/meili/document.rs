//! The product document Meilisearch stores, built from PostgreSQL (the source of truth).

use crate::server::catalog::SummaryRow;
use crate::server::Error;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

/// One product as Meilisearch stores it. Everything a result card needs is in it, so a
/// search needs no database round trip for its hits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub brand: String,
    pub description: String,
    /// Filterable facts, `{"material": "linen"}`.
    pub attributes: serde_json::Value,
    /// Slugs of the categories the product is filed in (the category facet).
    pub categories: Vec<String>,
    pub category_names: Vec<String>,
    /// Slugs of those categories and all their ancestors (the category filter: a category
    /// holds everything below it).
    pub category_path: Vec<String>,
    pub price_min: i64,
    pub price_max: i64,
    pub in_stock: bool,
    /// Documents indexed before this field read as not on sale until reindexed.
    #[serde(default)]
    pub on_sale: bool,
    /// Seconds since 1970 (the newest-first sort).
    pub created_at: i64,
    pub image_key: Option<String>,
    pub image_alt: Option<String>,
    pub image_width: Option<i32>,
    pub image_height: Option<i32>,
}

impl Document {
    pub(super) fn summary_row(&self) -> SummaryRow {
        SummaryRow {
            slug: self.slug.clone(),
            name: self.name.clone(),
            brand: self.brand.clone(),
            price_min_minor: Some(self.price_min),
            price_max_minor: Some(self.price_max),
            in_stock: self.in_stock,
            on_sale: self.on_sale,
            image_key: self.image_key.clone(),
            image_alt: self.image_alt.clone(),
            image_width: self.image_width,
            image_height: self.image_height,
        }
    }
}

/// Documents of the active products among `ids` (all active products when `None`) with an
/// id above `after`, in id order, at most `limit`. Products not returned are to be deleted
/// from the index.
pub async fn documents(
    db: &PgPool,
    ids: Option<&[i64]>,
    after: i64,
    limit: i64,
) -> Result<Vec<Document>, Error> {
    let rows = sqlx::query!(
        r#"SELECT p.id, p.slug, p.name, p.brand, p.description, p.attributes,
                  p.price_min_minor, p.price_max_minor, p.in_stock, p.on_sale,
                  extract(epoch FROM p.created_at)::bigint AS "created_at!",
                  img.storage_key AS "image_key?", img.alt AS "image_alt?",
                  img.width AS "image_width?", img.height AS "image_height?",
                  cats.slugs AS "categories!", cats.names AS "category_names!",
                  path.slugs AS "category_path!"
           FROM products p
           LEFT JOIN LATERAL (
               SELECT storage_key, alt, width, height FROM product_images i
               WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1
           ) img ON true
           CROSS JOIN LATERAL (
               SELECT coalesce(array_agg(c.slug ORDER BY c.slug), '{}') AS slugs,
                      coalesce(array_agg(c.name ORDER BY c.slug), '{}') AS names
               FROM product_categories pc JOIN categories c ON c.id = pc.category_id
               WHERE pc.product_id = p.id
           ) cats
           CROSS JOIN LATERAL (
               WITH RECURSIVE up (id, parent_id, slug) AS (
                   SELECT c.id, c.parent_id, c.slug
                   FROM product_categories pc JOIN categories c ON c.id = pc.category_id
                   WHERE pc.product_id = p.id
                   UNION
                   SELECT c.id, c.parent_id, c.slug FROM categories c JOIN up ON c.id = up.parent_id
               )
               SELECT coalesce(array_agg(DISTINCT slug), '{}') AS slugs FROM up
           ) path
           WHERE p.status = 'active' AND ($1::bigint[] IS NULL OR p.id = ANY ($1)) AND p.id > $2
           ORDER BY p.id
           LIMIT $3"#,
        ids,
        after,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Document {
            id: r.id,
            slug: r.slug,
            name: r.name,
            brand: r.brand,
            description: r.description,
            attributes: r.attributes,
            categories: r.categories,
            category_names: r.category_names,
            category_path: r.category_path,
            price_min: r.price_min_minor.unwrap_or(0),
            price_max: r.price_max_minor.unwrap_or(0),
            in_stock: r.in_stock,
            on_sale: r.on_sale,
            created_at: r.created_at,
            image_key: r.image_key,
            image_alt: r.image_alt,
            image_width: r.image_width,
            image_height: r.image_height,
        })
        .collect())
}
