//! Demo data: a believable catalog generated deterministically (the same rows every time for
//! the same count), priced in the store's currency. `duka seed --products N`.
//!
//! The first products are a hand-written set the tests and the browser journey rely on; the
//! rest are generated from word lists. Inserts go in batches through `unnest`, so 100,000
//! products take seconds, not hours.

mod data;
mod generate;

use data::CATEGORIES;
pub use data::DEMO_PRODUCTS;
use generate::{demo, generated, NewProduct};

use super::artwork::{self, Art};
use crate::model::Currency;
use crate::server::platform::media::{MediaStore, StoredImage};
use crate::server::Error;
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::HashMap;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub categories: u64,
    pub products: u64,
    pub variants: u64,
}

const BATCH: usize = 1_000;

/// Variant rows as columns, for one `unnest` insert.
#[derive(Default)]
struct VariantColumns {
    product: Vec<i64>,
    sku: Vec<String>,
    position: Vec<i32>,
    option_key: Vec<String>,
    price: Vec<i64>,
    compare_at: Vec<Option<i64>>,
    stock: Vec<i32>,
    weight: Vec<i32>,
    image: Vec<Option<i64>>,
}

/// Image rows as columns.
#[derive(Default)]
struct ImageColumns {
    product: Vec<i64>,
    position: Vec<i32>,
    alt: Vec<String>,
    key: Vec<String>,
    width: Vec<i32>,
    height: Vec<i32>,
    colour: Vec<String>,
}

/// Inserts the demo catalog (`products` in all: the hand-written set first) if the store has
/// no products. Safe to run concurrently: a table lock makes one runner insert and the others
/// see rows. Returns what it added (zeros when the store already had products).
pub async fn seed(
    db: &PgPool,
    media: &MediaStore,
    currency: Currency,
    products: usize,
) -> Result<SeedReport, Error> {
    let mut tx = db.begin().await?;
    sqlx::query!("LOCK TABLE products IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let existing = sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM products"#)
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Ok(SeedReport::default());
    }
    // The listing rows and counts are built once at the end, not product by product
    // (migration 30's `duka.defer_listings`).
    sqlx::query("SELECT set_config('duka.defer_listings', 'on', true)")
        .execute(&mut *tx)
        .await?;
    let mut report = SeedReport::default();
    let category_ids = insert_categories(&mut tx, &mut report).await?;

    let total = products;
    let mut all: Vec<NewProduct> = Vec::new();
    let mut pictures = Pictures {
        media: media.clone(),
        drawn: HashMap::new(),
    };
    let mut index = 0;
    while index < total {
        let item = if index < DEMO_PRODUCTS.len() {
            demo(&DEMO_PRODUCTS[index], index, currency)
        } else {
            generated(index - DEMO_PRODUCTS.len(), currency)
        };
        all.push(item);
        index += 1;
        if all.len() == BATCH || index == total {
            insert_batch(
                &mut tx,
                &category_ids,
                &mut pictures,
                &all,
                currency,
                &mut report,
            )
            .await?;
            all.clear();
        }
    }
    crate::server::checkout::seed_demo_delivery(&mut tx, currency).await?;
    sqlx::query("SELECT category_listings_rebuild()")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(report)
}

async fn insert_categories(
    tx: &mut Transaction<'_, Postgres>,
    report: &mut SeedReport,
) -> Result<HashMap<String, i64>, Error> {
    let mut ids: HashMap<String, i64> = HashMap::new();
    for (position, (slug, name, parent)) in CATEGORIES.iter().enumerate() {
        let parent_id = parent.and_then(|p| ids.get(p).copied());
        let id = sqlx::query_scalar!(
            "INSERT INTO categories (slug, name, parent_id, position, description)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            slug,
            name,
            parent_id,
            position as i32,
            format!("Browse our {}.", name.to_lowercase()),
        )
        .fetch_one(&mut **tx)
        .await?;
        ids.insert(slug.to_string(), id);
        report.categories += 1;
    }
    Ok(ids)
}

/// Drawn pictures, stored once per (art, colour).
struct Pictures {
    media: MediaStore,
    drawn: HashMap<(Art, String), StoredImage>,
}

impl Pictures {
    async fn get(&mut self, art: Art, colour: &str) -> Result<StoredImage, Error> {
        let key = (art, colour.to_ascii_lowercase());
        if let Some(found) = self.drawn.get(&key) {
            return Ok(found.clone());
        }
        let media = self.media.clone();
        let colour = key.1.clone();
        let stored = tokio::task::spawn_blocking(move || media.store(&artwork::draw(art, &colour)))
            .await
            .map_err(|e| Error::other(format!("drawing a demo picture: {e}")))??;
        self.drawn.insert(key, stored.clone());
        Ok(stored)
    }
}

async fn insert_batch(
    tx: &mut Transaction<'_, Postgres>,
    category_ids: &HashMap<String, i64>,
    pictures: &mut Pictures,
    batch: &[NewProduct],
    currency: Currency,
    report: &mut SeedReport,
) -> Result<(), Error> {
    // Products.
    let rows = sqlx::query!(
        r#"INSERT INTO products (slug, name, brand, description, attributes, featured, status, created_at)
           SELECT slug, name, brand, description, attributes, featured, status, now() - minutes * interval '1 minute'
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::bool[], $7::text[], $8::int[])
                AS t(slug, name, brand, description, attributes, featured, status, minutes)
           RETURNING id, slug"#,
        &batch.iter().map(|p| p.slug.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.brand.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.description.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.attributes.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.featured).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.status.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.minutes_old).collect::<Vec<_>>(),
    )
    .fetch_all(&mut **tx)
    .await?;
    let product_ids: HashMap<String, i64> = rows.into_iter().map(|r| (r.slug, r.id)).collect();
    report.products += batch.len() as u64;
    let pid = |p: &NewProduct| product_ids[&p.slug];

    // Category links.
    let (mut link_products, mut link_categories) = (Vec::new(), Vec::new());
    for p in batch {
        let category = category_ids
            .get(&p.category)
            .ok_or_else(|| Error::other(format!("unknown demo category {}", p.category)))?;
        link_products.push(pid(p));
        link_categories.push(*category);
    }
    sqlx::query!(
        "INSERT INTO product_categories (product_id, category_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])",
        &link_products,
        &link_categories,
    )
    .execute(&mut **tx)
    .await?;

    // Pictures: one per colour the product comes in, else one.
    let mut images = ImageColumns::default();
    for p in batch {
        let colours: Vec<String> = p
            .options
            .iter()
            .find(|(name, _)| name == "Colour")
            .map(|(_, values)| values.clone())
            .unwrap_or_else(|| vec![p.colour.clone()]);
        for (pos, colour) in colours.iter().enumerate() {
            let stored = pictures.get(p.art, colour).await?;
            images.product.push(pid(p));
            images.position.push(pos as i32);
            images.alt.push(if colours.len() > 1 {
                format!("{} in {colour}", p.name)
            } else {
                p.name.clone()
            });
            images.key.push(stored.key);
            images.width.push(stored.width as i32);
            images.height.push(stored.height as i32);
            images.colour.push(colour.clone());
        }
    }
    let image_rows = sqlx::query!(
        "INSERT INTO product_images (product_id, position, alt, storage_key, width, height)
         SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::int[], $6::int[])
         RETURNING id, product_id, position",
        &images.product,
        &images.position,
        &images.alt,
        &images.key,
        &images.width,
        &images.height,
    )
    .fetch_all(&mut **tx)
    .await?;
    // (product, colour) -> image id, for the variants that come in that colour.
    let colour_of: HashMap<(i64, i32), String> = (0..images.product.len())
        .map(|i| {
            (
                (images.product[i], images.position[i]),
                images.colour[i].clone(),
            )
        })
        .collect();
    let image_ids: HashMap<(i64, String), i64> = image_rows
        .into_iter()
        .filter_map(|r| {
            colour_of
                .get(&(r.product_id, r.position))
                .map(|c| ((r.product_id, c.clone()), r.id))
        })
        .collect();

    // Options, then their values.
    let (mut o_products, mut o_positions, mut o_names) = (Vec::new(), Vec::new(), Vec::new());
    for p in batch {
        for (pos, (name, _)) in p.options.iter().enumerate() {
            o_products.push(pid(p));
            o_positions.push(pos as i32);
            o_names.push(name.clone());
        }
    }
    let option_rows = sqlx::query!(
        "INSERT INTO product_options (product_id, position, name)
         SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[]) RETURNING id, product_id, name",
        &o_products,
        &o_positions,
        &o_names,
    )
    .fetch_all(&mut **tx)
    .await?;
    let option_ids: HashMap<(i64, String), i64> = option_rows
        .into_iter()
        .map(|r| ((r.product_id, r.name), r.id))
        .collect();

    let (mut v_options, mut v_positions, mut v_values) = (Vec::new(), Vec::new(), Vec::new());
    for p in batch {
        for (name, values) in &p.options {
            let oid = option_ids[&(pid(p), name.clone())];
            for (pos, value) in values.iter().enumerate() {
                v_options.push(oid);
                v_positions.push(pos as i32);
                v_values.push(value.clone());
            }
        }
    }
    let value_rows = sqlx::query!(
        "INSERT INTO product_option_values (option_id, position, value)
         SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[]) RETURNING id, option_id, value",
        &v_options,
        &v_positions,
        &v_values,
    )
    .fetch_all(&mut **tx)
    .await?;
    let value_ids: HashMap<(i64, String), i64> = value_rows
        .into_iter()
        .map(|r| ((r.option_id, r.value), r.id))
        .collect();

    // Variants, with their combination key, then which value each takes.
    let mut vars = VariantColumns::default();
    let mut chosen: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    for p in batch {
        for (pos, (values, price, compare_at, stock, sku)) in p.variants.iter().enumerate() {
            let mut pairs: Vec<(i64, i64)> = p
                .options
                .iter()
                .zip(values)
                .map(|((name, _), value)| {
                    let oid = option_ids[&(pid(p), name.clone())];
                    (oid, value_ids[&(oid, value.clone())])
                })
                .collect();
            let mut ids: Vec<i64> = pairs.iter().map(|(_, v)| *v).collect();
            ids.sort_unstable();
            let key = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(".");
            vars.product.push(pid(p));
            vars.sku.push(sku.clone());
            vars.position.push(pos as i32);
            vars.option_key.push(key);
            vars.price.push(*price);
            vars.compare_at.push(*compare_at);
            vars.stock.push(*stock);
            vars.weight
                .push(if p.options.is_empty() { 400 } else { 600 });
            let colour_at = p.options.iter().position(|(name, _)| name == "Colour");
            vars.image
                .push(colour_at.and_then(|i| image_ids.get(&(pid(p), values[i].clone())).copied()));
            pairs.sort_unstable();
            chosen.insert(sku.clone(), pairs);
        }
    }
    let variant_rows = sqlx::query!(
        r#"INSERT INTO variants (product_id, sku, position, option_key, price_minor, compare_at_minor, currency, stock, weight_grams, image_id)
           SELECT product_id, sku, position, option_key, price, compare_at, $9, stock, weight, image
           FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::bigint[], $7::int[], $8::int[], $10::bigint[])
                AS t(product_id, sku, position, option_key, price, compare_at, stock, weight, image)
           RETURNING id, sku"#,
        &vars.product,
        &vars.sku,
        &vars.position,
        &vars.option_key,
        &vars.price,
        &vars.compare_at as &[Option<i64>],
        &vars.stock,
        &vars.weight,
        currency.code(),
        &vars.image as &[Option<i64>],
    )
    .fetch_all(&mut **tx)
    .await?;
    report.variants += variant_rows.len() as u64;
    let (mut vov_variant, mut vov_option, mut vov_value) = (Vec::new(), Vec::new(), Vec::new());
    for r in variant_rows {
        for (oid, vid) in chosen.get(&r.sku).into_iter().flatten() {
            vov_variant.push(r.id);
            vov_option.push(*oid);
            vov_value.push(*vid);
        }
    }
    sqlx::query!(
        "INSERT INTO variant_option_values (variant_id, option_id, option_value_id)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])",
        &vov_variant,
        &vov_option,
        &vov_value,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::generate::*;
    use super::*;

    #[test]
    fn demo_prices_are_whole_and_rounded() {
        assert_eq!(demo_price(14_900, Currency::Aed), 14_900);
        assert_eq!(demo_price(14_900, Currency::Usd), 4_000); // 4023 -> 4000
        assert_eq!(demo_price(14_900, Currency::Zmw), 104_300);
    }

    #[test]
    fn generation_is_deterministic_and_well_formed() {
        for i in 0..500 {
            let a = generated(i, Currency::Aed);
            let b = generated(i, Currency::Aed);
            assert_eq!(
                (&a.slug, &a.name, a.variants.len()),
                (&b.slug, &b.name, b.variants.len())
            );
            assert!(crate::server::catalog::is_valid_slug(&a.slug), "{}", a.slug);
            let combos: usize = a.options.iter().map(|(_, v)| v.len()).product();
            assert_eq!(a.variants.len(), combos.max(1));
            for (values, price, compare_at, stock, sku) in &a.variants {
                assert_eq!(values.len(), a.options.len());
                assert!(*price > 0 && *stock >= 0 && sku.len() <= 64);
                assert!(compare_at.is_none_or(|c| c > *price));
            }
        }
    }

    #[test]
    fn demo_variants_match_their_options() {
        for p in DEMO_PRODUCTS {
            for (values, _, _) in p.variants {
                assert_eq!(values.len(), p.options.len(), "{}", p.slug);
            }
        }
    }
}
