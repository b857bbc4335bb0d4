//! Listings: the home page's shelves and a category's products with filters, sort and pages.

use super::cached;
use super::categories::{category_page, top_categories};
use crate::model::{
    CollectionPage, Currency, Facet, FacetValue, HomeContent, Listing, ListingQuery, Money,
    ProductImage, ProductSummary, StockStatus,
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

/// The columns a product card needs, as the listing queries select them.
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
        let mut page = fetch_page(db, category.id, &query, currency).await?;
        if page.0.is_empty() && query.page > 1 {
            // Past the end: show the last page instead of an empty one.
            query.page = query.page_count(page.1);
            page = fetch_page(db, category.id, &query, currency).await?;
        }
        let facets = facets(db, category.id, &query).await?;
        Ok(CollectionPage {
            category: category.view,
            listing: Listing {
                products: page.0,
                total: page.1,
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

/// One page of products and the total matching. When the page is past the end the total
/// comes from a count query instead.
async fn fetch_page(
    db: &PgPool,
    category_id: i64,
    query: &ListingQuery,
    currency: Currency,
) -> Result<(Vec<ProductSummary>, u64), Error> {
    // The SQL's CASE arms match the URL names of the sorts.
    let sort = query.sort.param();
    let per_page = i64::from(query.per_page);
    let offset = query.offset();
    let rows = sqlx::query!(
        r#"WITH RECURSIVE tree (id) AS (
               SELECT id FROM categories WHERE id = $1
               UNION
               SELECT c.id FROM categories c JOIN tree t ON c.parent_id = t.id
           ),
           scoped AS (
               SELECT DISTINCT pc.product_id AS id
               FROM product_categories pc JOIN tree ON tree.id = pc.category_id
           ),
           page AS (
               SELECT p.id, p.slug, p.name, p.brand, p.price_min_minor, p.price_max_minor,
                      p.in_stock, p.on_sale, p.created_at, count(*) OVER () AS total
               FROM products p JOIN scoped s ON s.id = p.id
               WHERE p.status = 'active'
                 AND ($2::bigint IS NULL OR p.price_min_minor >= $2)
                 AND ($3::bigint IS NULL OR p.price_min_minor <= $3)
                 AND (NOT $4 OR p.in_stock)
                 AND p.attributes @> $5::jsonb
               ORDER BY
                 CASE WHEN $6 = 'price-asc' THEN p.price_min_minor END ASC,
                 CASE WHEN $6 = 'price-desc' THEN p.price_min_minor END DESC,
                 CASE WHEN $6 = 'name' THEN p.name END ASC,
                 p.created_at DESC, p.id DESC
               LIMIT $7 OFFSET $8
           )
           -- Pictures only for the page's rows, not for every product in scope.
           SELECT page.slug AS "slug!", page.name AS "name!", page.brand AS "brand!",
                  page.price_min_minor, page.price_max_minor, page.in_stock AS "in_stock!", page.on_sale AS "on_sale!",
                  img.storage_key AS "image_key?", img.alt AS "image_alt?",
                  img.width AS "image_width?", img.height AS "image_height?",
                  page.total AS "total!"
           FROM page
           LEFT JOIN LATERAL (
               SELECT storage_key, alt, width, height FROM product_images i
               WHERE i.product_id = page.id ORDER BY i.position, i.id LIMIT 1
           ) img ON true
           ORDER BY
             CASE WHEN $6 = 'price-asc' THEN page.price_min_minor END ASC,
             CASE WHEN $6 = 'price-desc' THEN page.price_min_minor END DESC,
             CASE WHEN $6 = 'name' THEN page.name END ASC,
             page.created_at DESC, page.id DESC"#,
        category_id,
        query.min_price.map(|m| m.minor),
        query.max_price.map(|m| m.minor),
        query.in_stock,
        attributes_json(query),
        sort,
        per_page,
        offset,
    )
    .fetch_all(db)
    .await?;
    let total = match rows.first() {
        Some(r) => u64::try_from(r.total).unwrap_or(0),
        None if query.page > 1 => count(db, category_id, query).await?,
        None => 0,
    };
    let products = rows
        .into_iter()
        .map(|r| summary_row!(r).into_summary(currency))
        .collect();
    Ok((products, total))
}

async fn count(db: &PgPool, category_id: i64, query: &ListingQuery) -> Result<u64, Error> {
    let total = sqlx::query_scalar!(
        r#"WITH RECURSIVE tree (id) AS (
               SELECT id FROM categories WHERE id = $1
               UNION
               SELECT c.id FROM categories c JOIN tree t ON c.parent_id = t.id
           )
           SELECT count(DISTINCT p.id) AS "count!"
           FROM products p
           JOIN product_categories pc ON pc.product_id = p.id
           JOIN tree ON tree.id = pc.category_id
           WHERE p.status = 'active'
             AND ($2::bigint IS NULL OR p.price_min_minor >= $2)
             AND ($3::bigint IS NULL OR p.price_min_minor <= $3)
             AND (NOT $4 OR p.in_stock)
             AND p.attributes @> $5::jsonb"#,
        category_id,
        query.min_price.map(|m| m.minor),
        query.max_price.map(|m| m.minor),
        query.in_stock,
        attributes_json(query),
    )
    .fetch_one(db)
    .await?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Attribute values among the products in scope (with the price and stock filters, not the
/// attribute filters, applied), most common first.
async fn facets(db: &PgPool, category_id: i64, query: &ListingQuery) -> Result<Vec<Facet>, Error> {
    let rows = sqlx::query!(
        r#"WITH RECURSIVE tree (id) AS (
               SELECT id FROM categories WHERE id = $1
               UNION
               SELECT c.id FROM categories c JOIN tree t ON c.parent_id = t.id
           ),
           scoped AS (
               SELECT DISTINCT pc.product_id AS id
               FROM product_categories pc JOIN tree ON tree.id = pc.category_id
           ),
           -- `key<US>value` terms (product_facet_terms), unnested in the select list: no
           -- function scan per product.
           terms AS (
               SELECT term, count(*) AS n
               FROM (SELECT unnest(p.facet_terms) AS term
                     FROM products p JOIN scoped s ON s.id = p.id
                     WHERE p.status = 'active'
                       AND ($2::bigint IS NULL OR p.price_min_minor >= $2)
                       AND ($3::bigint IS NULL OR p.price_min_minor <= $3)
                       AND (NOT $4 OR p.in_stock)) t
               GROUP BY term
           ),
           counted AS (
               SELECT key, substr(term, length(key) + 2) AS value, n,
                      row_number() OVER (PARTITION BY key
                                         ORDER BY n DESC, substr(term, length(key) + 2)) AS rank
               FROM (SELECT term, n, split_part(term, chr(31), 1) AS key FROM terms) t
           )
           -- At most 30 values per attribute, so one long-tailed key cannot hide the others.
           SELECT key AS "key!", value AS "value!", n AS "count!"
           FROM counted WHERE rank <= 30
           ORDER BY key, n DESC, value"#,
        category_id,
        query.min_price.map(|m| m.minor),
        query.max_price.map(|m| m.minor),
        query.in_stock,
    )
    .fetch_all(db)
    .await?;
    let mut facets: Vec<Facet> = Vec::new();
    for r in rows {
        let value = FacetValue {
            value: r.value,
            count: u64::try_from(r.count).unwrap_or(0),
        };
        match facets.last_mut() {
            Some(f) if f.key == r.key => f.values.push(value),
            _ => facets.push(Facet {
                key: r.key,
                values: vec![value],
            }),
        }
    }
    Ok(facets)
}
