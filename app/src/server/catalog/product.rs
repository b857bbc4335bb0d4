//! One product page: the product, its options and variants, breadcrumbs and related products.

use super::listing::SummaryRow;
use super::{cached, is_valid_slug};
use crate::model::{
    AppError, CategoryLink, Currency, Money, ProductDetail, ProductImage, ProductOption,
    StockStatus, Variant,
};
use crate::server::platform::cache::Cache;
use crate::server::Error;
use serde::Deserialize;
use sqlx::types::Json;
use sqlx::PgPool;
use std::collections::HashMap;

const RELATED: i64 = 4;

fn money(minor: i64, currency: &str) -> Result<Money, Error> {
    let currency: Currency = currency
        .parse()
        .map_err(|e| Error::other(format!("variant has an unsupported currency: {e}")))?;
    Ok(Money::new(minor, currency))
}

/// One active product by slug, in one query whatever the catalog's size. Drafts,
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

/// A picture as the product's query aggregates it.
#[derive(Debug, Deserialize)]
struct ImageRow {
    id: i64,
    alt: String,
    key: String,
    width: i32,
    height: i32,
}

/// An option value, with its option, in display order.
#[derive(Debug, Deserialize)]
struct OptionValueRow {
    option_id: i64,
    name: String,
    value_id: i64,
    value: String,
}

/// A variant, with the `(option, value)` pairs it takes.
#[derive(Debug, Deserialize)]
struct VariantRow {
    sku: String,
    price_minor: i64,
    compare_at_minor: Option<i64>,
    currency: String,
    stock: i32,
    image_id: Option<i64>,
    values: Vec<(i64, i64)>,
}

/// The page's data in one round trip: the product, its pictures, options and variants, the
/// main category's path (root first) and up to [`RELATED`] other products in it (newest
/// first, straight from the `(category_id, product_id)` index: bounded work however large
/// the category is).
async fn load(db: &PgPool, slug: &str) -> Result<ProductDetail, Error> {
    let p = sqlx::query!(
        r#"SELECT p.id, p.slug, p.name, p.brand, p.description, p.seo_title, p.seo_description,
                  p.attributes,
                  (SELECT coalesce(json_agg(json_build_object(
                              'id', i.id, 'alt', i.alt, 'key', i.storage_key,
                              'width', i.width, 'height', i.height)
                          ORDER BY i.position, i.id), '[]')
                   FROM product_images i WHERE i.product_id = p.id)
                      AS "images!: Json<Vec<ImageRow>>",
                  (SELECT coalesce(json_agg(json_build_object(
                              'option_id', o.id, 'name', o.name, 'value_id', v.id, 'value', v.value)
                          ORDER BY o.position, o.id, v.position, v.id), '[]')
                   FROM product_options o JOIN product_option_values v ON v.option_id = o.id
                   WHERE o.product_id = p.id) AS "options!: Json<Vec<OptionValueRow>>",
                  (SELECT coalesce(json_agg(json_build_object(
                              'sku', v.sku, 'price_minor', v.price_minor,
                              'compare_at_minor', v.compare_at_minor, 'currency', v.currency,
                              'stock', v.stock, 'image_id', v.image_id,
                              'values', (SELECT coalesce(json_agg(json_build_array(
                                                 vov.option_id, vov.option_value_id)), '[]')
                                         FROM variant_option_values vov
                                         WHERE vov.variant_id = v.id))
                          ORDER BY v.position, v.id), '[]')
                   FROM variants v WHERE v.product_id = p.id) AS "variants!: Json<Vec<VariantRow>>",
                  (WITH RECURSIVE up (id, parent_id, slug, name, depth) AS (
                       SELECT id, parent_id, slug, name, 0 FROM categories WHERE id = main.category_id
                       UNION ALL
                       SELECT c.id, c.parent_id, c.slug, c.name, up.depth + 1
                       FROM categories c JOIN up ON c.id = up.parent_id
                   )
                   SELECT coalesce(json_agg(json_build_object('slug', slug, 'name', name)
                                            ORDER BY depth DESC), '[]')
                   FROM up) AS "breadcrumbs!: Json<Vec<CategoryLink>>",
                  (SELECT coalesce(json_agg(r ORDER BY r.in_stock DESC, r.id DESC), '[]') FROM (
                       SELECT o.id, o.slug, o.name, o.brand, o.price_min_minor, o.price_max_minor,
                              o.in_stock, o.on_sale, img.storage_key AS image_key,
                              img.alt AS image_alt, img.width AS image_width,
                              img.height AS image_height
                       FROM (SELECT pc.product_id FROM product_categories pc
                             WHERE pc.category_id = main.category_id AND pc.product_id <> p.id
                             ORDER BY pc.product_id DESC LIMIT 32) c
                       JOIN products o ON o.id = c.product_id AND o.status = 'active'
                       LEFT JOIN LATERAL (
                           SELECT storage_key, alt, width, height FROM product_images i
                           WHERE i.product_id = o.id ORDER BY i.position, i.id LIMIT 1
                       ) img ON true
                       ORDER BY o.in_stock DESC, o.id DESC
                       LIMIT $2
                   ) r) AS "related!: Json<Vec<SummaryRow>>"
           FROM products p
           LEFT JOIN LATERAL (
               SELECT pc.category_id FROM product_categories pc
               WHERE pc.product_id = p.id ORDER BY pc.position, pc.category_id LIMIT 1
           ) main ON true
           WHERE p.slug = $1 AND p.status = 'active'"#,
        slug,
        RELATED
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;

    // Options and their values, in display order.
    let mut option_ids: Vec<i64> = Vec::new();
    let mut options: Vec<ProductOption> = Vec::new();
    let mut value_text: HashMap<i64, String> = HashMap::new();
    for r in p.options.0 {
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

    if p.variants.0.is_empty() {
        return Err(Error::other(format!(
            "active product {slug:?} has no variants"
        )));
    }
    let image_ids: Vec<i64> = p.images.0.iter().map(|i| i.id).collect();
    let mut variants = Vec::with_capacity(p.variants.0.len());
    for r in p.variants.0 {
        let chosen: HashMap<i64, i64> = r.values.into_iter().collect();
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
            // Counted up to the threshold a page shows (see `Variant::available`).
            available: u32::try_from(i64::from(r.stock).min(StockStatus::LOW_STOCK)).unwrap_or(0),
            image: r
                .image_id
                .and_then(|id| image_ids.iter().position(|i| *i == id)),
        });
    }
    let currency = variants[0].price.currency;
    let images = p
        .images
        .0
        .into_iter()
        .map(|i| ProductImage {
            key: i.key,
            alt: i.alt,
            width: u32::try_from(i.width).unwrap_or(1),
            height: u32::try_from(i.height).unwrap_or(1),
        })
        .collect();

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
        breadcrumbs: p.breadcrumbs.0,
        related: p
            .related
            .0
            .into_iter()
            .map(|r| r.into_summary(currency))
            .collect(),
    })
}
