//! Listings: the home page's shelves and a category's products with filters, sort and pages.

use super::cached;
use super::categories::{category_page, top_categories};
use super::collection::collection;
use crate::model::{
    CollectionPage, Currency, HomeContent, Listing, ListingQuery, Money, ProductImage,
    ProductSummary, StockStatus,
};
use crate::server::platform::cache::Cache;
use crate::server::Error;
use sqlx::PgPool;

const SHELF: i64 = 8;

/// A [`SummaryRow`] from any query record that selects its columns (the listing queries add
/// their own extra columns, so each has its own record type).
macro_rules! summary_row {
    ($r:expr) => {
        SummaryRow {
            slug: $r.slug,
            name: $r.name,
            brand: $r.brand,
            price_min_minor: $r.price_min_minor,
            price_max_minor: $r.price_max_minor,
            in_stock: $r.in_stock,
            on_sale: $r.on_sale,
            image_key: $r.image_key,
            image_alt: $r.image_alt,
            image_width: $r.image_width,
            image_height: $r.image_height,
        }
    };
}

/// The columns a product card needs, as the listing queries select them (or as JSON with
/// the same names).
#[derive(Debug, sqlx::FromRow, serde::Deserialize)]
pub(crate) struct SummaryRow {
    pub slug: String,
    pub name: String,
    pub brand: String,
    pub price_min_minor: Option<i64>,
    pub price_max_minor: Option<i64>,
    pub in_stock: bool,
    /// Some variant sells below its compare-at price.
    pub on_sale: bool,
    pub image_key: Option<String>,
    pub image_alt: Option<String>,
    pub image_width: Option<i32>,
    pub image_height: Option<i32>,
}

impl SummaryRow {
    pub(crate) fn into_summary(self, currency: Currency) -> ProductSummary {
        let min = self.price_min_minor.unwrap_or(0);
        let image = match (self.image_key, self.image_width, self.image_height) {
            (Some(key), Some(w), Some(h)) => Some(ProductImage {
                key,
                alt: self.image_alt.unwrap_or_default(),
                width: u32::try_from(w).unwrap_or(1),
                height: u32::try_from(h).unwrap_or(1),
            }),
            _ => None,
        };
        ProductSummary {
            slug: self.slug,
            name: self.name,
            brand: self.brand,
            price: Money::new(min, currency),
            price_varies: self.price_max_minor.is_some_and(|max| max != min),
            stock: if self.in_stock {
                StockStatus::InStock
            } else {
                StockStatus::SoldOut
            },
            on_sale: self.on_sale,
            image,
        }
    }
}

/// Featured products, new arrivals and the top-level categories.
#[tracing::instrument(skip_all)]
pub async fn home(db: &PgPool, cache: &Cache, currency: Currency) -> Result<HomeContent, Error> {
    cached(cache, "home", || async {
        let rows = sqlx::query!(
            r#"WITH picked (shelf, id, created_at) AS (
                   (SELECT 'featured', id, created_at FROM products
                    WHERE status = 'active' AND featured ORDER BY created_at DESC, id DESC LIMIT $1)
                   UNION ALL
                   (SELECT 'new', id, created_at FROM products
                    WHERE status = 'active' ORDER BY created_at DESC, id DESC LIMIT $1)
               )
               SELECT picked.shelf AS "shelf!", p.slug, p.name, p.brand, p.price_min_minor,
                      p.price_max_minor, p.in_stock, p.on_sale, img.storage_key AS "image_key?",
                      img.alt AS "image_alt?", img.width AS "image_width?", img.height AS "image_height?"
               FROM picked JOIN products p ON p.id = picked.id
               LEFT JOIN LATERAL (
                   SELECT storage_key, alt, width, height FROM product_images i
                   WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1
               ) img ON true
               ORDER BY picked.shelf, picked.created_at DESC, p.id DESC"#,
            SHELF
        )
        .fetch_all(db)
        .await?;
        let (mut featured, mut new_arrivals) = (Vec::new(), Vec::new());
        for r in rows {
            let shelf = r.shelf;
            let p = summary_row!(r)
            .into_summary(currency);
            if shelf == "featured" {
                featured.push(p);
            } else {
                new_arrivals.push(p);
            }
        }
        Ok(HomeContent {
            featured,
            new_arrivals,
            categories: top_categories(db, cache).await?,
        })
    })
    .await
}

/// A category page: the category and one page of the active products in it or any of its
/// descendants, filtered and sorted. A page past the end shows the last page.
#[tracing::instrument(skip(db, cache))]
pub async fn listing(
    db: &PgPool,
    cache: &Cache,
    currency: Currency,
    slug: &str,
    query: &ListingQuery,
) -> Result<CollectionPage, Error> {
    let query = &query.clone().sanitized();
    let key = format!("collection:{slug}{}", query.query_string());
    cached(cache, &key, || async {
        let category = category_page(db, slug).await?;
        let mut query = query.clone();
        let (page, facets, facet_counts) =
            collection(db, category.id, &mut query, currency).await?;
        Ok(CollectionPage {
            category: category.view,
            listing: Listing {
                products: page.products,
                total: page.total,
                capped: page.capped,
                facet_counts,
                query,
                facets,
            },
        })
    })
    .await
}

/// The attribute filters as a JSON object, for `attributes @> $n::jsonb`.
pub(crate) fn attributes_json(query: &ListingQuery) -> serde_json::Value {
    serde_json::Value::Object(
        query
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}
