//! One product page: the product, its options and variants, breadcrumbs and related products.

use super::listing::SummaryRow;
use super::{cached, is_valid_slug};
use crate::model::{
    AppError, CategoryLink, Currency, Money, ProductDetail, ProductImage, ProductOption, Variant,
};
use crate::server::platform::cache::Cache;
use crate::server::Error;
use sqlx::PgPool;
use std::collections::HashMap;

const RELATED: i64 = 4;

fn money(minor: i64, currency: &str) -> Result<Money, Error> {
    let currency: Currency = currency
        .parse()
        .map_err(|e| Error::other(format!("variant has an unsupported currency: {e}")))?;
    Ok(Money::new(minor, currency))
}

/// One active product by slug, in five queries whatever the catalog's size. Drafts,
/// archived products and unknown slugs are `NotFound`.
#[tracing::instrument(skip(db, cache))]
pub async fn product_by_slug(
    db: &PgPool,
    cache: &Cache,
    slug: &str,
) -> Result<ProductDetail, Error> {
    if !is_valid_slug(slug) {
        return Err(AppError::NotFound.into());
    }
    match cached(cache, &format!("product:{slug}"), || load(db, slug)).await {
        Err(Error::App(AppError::NotFound)) => Err(moved(db, slug).await),
        other => other,
    }
}

/// Where a product that was renamed lives now: `Moved` to its current page when `slug` is
/// one of its old slugs (and it is on sale), `NotFound` otherwise.
async fn moved(db: &PgPool, slug: &str) -> Error {
    let now = sqlx::query_scalar!(
        "SELECT p.slug FROM product_slug_redirects r JOIN products p ON p.id = r.product_id
         WHERE r.old_slug = $1 AND p.status = 'active'",
        slug
    )
    .fetch_optional(db)
    .await;
    match now {
        Ok(Some(to)) => AppError::Moved {
            to: format!("/products/{to}"),
        }
        .into(),
        Ok(None) => AppError::NotFound.into(),
        Err(error) => error.into(),
    }
}

async fn load(db: &PgPool, slug: &str) -> Result<ProductDetail, Error> {
    let p = sqlx::query!(
        r#"SELECT p.id, p.slug, p.name, p.brand, p.description, p.seo_title, p.seo_description,
                  p.attributes,
                  (SELECT coalesce(json_agg(json_build_object(
                              'id', i.id, 'alt', i.alt, 'key', i.storage_key,
                              'width', i.width, 'height', i.height)
                          ORDER BY i.position, i.id), '[]')
                   FROM product_images i WHERE i.product_id = p.id) AS "images!",
                  (SELECT pc.category_id FROM product_categories pc
                   WHERE pc.product_id = p.id ORDER BY pc.position, pc.category_id LIMIT 1) AS main_category
           FROM products p
           WHERE p.slug = $1 AND p.status = 'active'"#,
        slug
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;

    // Options and their values, in display order.
    let option_rows = sqlx::query!(
        r#"SELECT o.id AS option_id, o.name, v.id AS value_id, v.value
           FROM product_options o JOIN product_option_values v ON v.option_id = o.id
           WHERE o.product_id = $1
           ORDER BY o.position, o.id, v.position, v.id"#,
        p.id
    )
    .fetch_all(db)
    .await?;
    let mut option_ids: Vec<i64> = Vec::new();
    let mut options: Vec<ProductOption> = Vec::new();
    let mut value_text: HashMap<i64, String> = HashMap::new();
    for r in option_rows {
        if option_ids.last() != Some(&r.option_id) {
            option_ids.push(r.option_id);
            options.push(ProductOption {
                name: r.name,
                values: Vec::new(),
            });
        }
        if let Some(o) = options.last_mut() {
            o.values.push(r.value.clone());
        }
        value_text.insert(r.value_id, r.value);
    }

    // Variants with the value they take for each option.
    let variant_rows = sqlx::query!(
        r#"SELECT v.sku, v.price_minor, v.compare_at_minor, v.currency, v.stock, v.image_id,
                  coalesce(array_agg(vov.option_id) FILTER (WHERE vov.option_id IS NOT NULL), '{}') AS "option_ids!",
                  coalesce(array_agg(vov.option_value_id) FILTER (WHERE vov.option_id IS NOT NULL), '{}') AS "value_ids!"
           FROM variants v LEFT JOIN variant_option_values vov ON vov.variant_id = v.id
           WHERE v.product_id = $1
           GROUP BY v.id
           ORDER BY v.position, v.id"#,
        p.id
    )
    .fetch_all(db)
    .await?;
    if variant_rows.is_empty() {
        return Err(Error::other(format!(
            "active product {slug:?} has no variants"
        )));
    }
    let (image_ids, images) = images_from_json(p.images);
    let mut variants = Vec::with_capacity(variant_rows.len());
    for r in variant_rows {
        let chosen: HashMap<i64, i64> = r
            .option_ids
            .iter()
            .copied()
            .zip(r.value_ids.iter().copied())
            .collect();
        let values = option_ids
            .iter()
            .map(|oid| {
                chosen
                    .get(oid)
                    .and_then(|vid| value_text.get(vid))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        variants.push(Variant {
            sku: r.sku,
            values,
            price: money(r.price_minor, &r.currency)?,
            compare_at: r
                .compare_at_minor
                .map(|c| money(c, &r.currency))
                .transpose()?,
            available: u32::try_from(r.stock).unwrap_or(0),
            image: r
                .image_id
                .and_then(|id| image_ids.iter().position(|i| *i == id)),
        });
    }
    let currency = variants[0].price.currency;

    // The main category's path, root first.
    let breadcrumbs = match p.main_category {
        None => Vec::new(),
        Some(category) => {
            sqlx::query_as!(
                CategoryLink,
                r#"WITH RECURSIVE up (id, parent_id, slug, name, depth) AS (
                   SELECT id, parent_id, slug, name, 0 FROM categories WHERE id = $1
                   UNION ALL
                   SELECT c.id, c.parent_id, c.slug, c.name, up.depth + 1
                   FROM categories c JOIN up ON c.id = up.parent_id
               )
               SELECT slug AS "slug!", name AS "name!" FROM up ORDER BY depth DESC"#,
                category
            )
            .fetch_all(db)
            .await?
        }
    };

    // Other active products in the main category.
    let related = match p.main_category {
        None => Vec::new(),
        Some(category) => sqlx::query_as!(
            SummaryRow,
            r#"WITH candidates AS (
                   -- Newest first straight from the (category_id, product_id) index: bounded
                   -- work however large the category is.
                   SELECT pc.product_id FROM product_categories pc
                   WHERE pc.category_id = $1 AND pc.product_id <> $2
                   ORDER BY pc.product_id DESC LIMIT 32
               )
               SELECT p.slug, p.name, p.brand, p.price_min_minor, p.price_max_minor, p.in_stock, p.on_sale,
                      img.storage_key AS "image_key?", img.alt AS "image_alt?",
                      img.width AS "image_width?", img.height AS "image_height?"
               FROM candidates c JOIN products p ON p.id = c.product_id AND p.status = 'active'
               LEFT JOIN LATERAL (
                   SELECT storage_key, alt, width, height FROM product_images i
                   WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1
               ) img ON true
               ORDER BY p.in_stock DESC, p.id DESC
               LIMIT $3"#,
            category,
            p.id,
            RELATED
        )
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|r| r.into_summary(currency))
        .collect(),
    };

    let mut attributes: Vec<(String, String)> = match p.attributes {
        serde_json::Value::Object(map) => map
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
            .collect(),
        _ => Vec::new(),
    };
    attributes.sort();

    Ok(ProductDetail {
        slug: p.slug,
        name: p.name,
        brand: p.brand,
        description: p.description,
        seo_title: p.seo_title,
        seo_description: p.seo_description,
        attributes,
        options,
        images,
        variants,
        breadcrumbs,
        related,
    })
}

/// The product's pictures from the aggregated JSON, with their ids (for variants' images).
fn images_from_json(value: serde_json::Value) -> (Vec<i64>, Vec<ProductImage>) {
    let mut ids = Vec::new();
    let mut images = Vec::new();
    for item in value.as_array().into_iter().flatten() {
        let field = |k: &str| item.get(k);
        let (Some(id), Some(key), Some(width), Some(height)) = (
            field("id").and_then(|v| v.as_i64()),
            field("key").and_then(|v| v.as_str()),
            field("width").and_then(|v| v.as_u64()),
            field("height").and_then(|v| v.as_u64()),
        ) else {
            continue;
        };
        ids.push(id);
        images.push(ProductImage {
            key: key.to_owned(),
            alt: field("alt")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned(),
            width: u32::try_from(width).unwrap_or(1),
            height: u32::try_from(height).unwrap_or(1),
        });
    }
    (ids, images)
}
