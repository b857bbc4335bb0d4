//! What several test files share: the labelled catalog of the search tests (a few products
//! whose right answers are known) and a one-variant product for the cart and checkout tests.
#![allow(dead_code)]

pub mod shop;
pub mod stock;
pub mod stripe;

use app::model::{Currency, SearchQuery};
use sqlx::PgPool;

/// name, brand, attributes (JSON), description, price (fils), stock, category slug, status;
/// product `p{i}` with one variant `P{i}`
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i32,
    &'static str,
    &'static str,
);

pub const LABELLED: &[Row] = &[
    (
        "Desert Rose Perfume",
        "Attar House",
        "{\"colour\": \"pink\"}",
        "A floral scent.",
        25_000,
        5,
        "scents",
        "active",
    ),
    (
        "Amber Candle",
        "Desert Works",
        "{\"colour\": \"amber\"}",
        "Warm amber light.",
        9_000,
        0,
        "candles",
        "active",
    ),
    (
        "Wool Blanket",
        "Nomad Loom",
        "{\"colour\": \"desert\"}",
        "Cosy and heavy.",
        40_000,
        3,
        "textiles",
        "active",
    ),
    (
        "Table Lamp",
        "Lumen",
        "{\"colour\": \"brass\"}",
        "Inspired by the desert at dusk.",
        30_000,
        2,
        "home",
        "active",
    ),
    (
        "Desert Boots",
        "Kalahari",
        "{\"colour\": \"sand\"}",
        "Suede ankle boots.",
        35_000,
        0,
        "shoes",
        "draft",
    ),
    (
        "وشاح حرير",
        "Souk Studio",
        "{\"colour\": \"blue\"}",
        "وشاح ناعم من الحرير.",
        12_000,
        4,
        "textiles",
        "active",
    ),
];

pub async fn labelled(pool: &PgPool) {
    sqlx::raw_sql(
        "INSERT INTO categories (slug, name, parent_id) VALUES ('home', 'Home', NULL);
         INSERT INTO categories (slug, name, parent_id) VALUES
           ('scents', 'Scents', (SELECT id FROM categories WHERE slug = 'home')),
           ('candles', 'Candles', (SELECT id FROM categories WHERE slug = 'home')),
           ('textiles', 'Textiles', NULL),
           ('shoes', 'Shoes', NULL);",
    )
    .execute(pool)
    .await
    .expect("categories");
    for (i, (name, brand, attributes, description, price, stock, category, status)) in
        LABELLED.iter().enumerate()
    {
        let slug = format!("p{i}");
        product(
            pool,
            &slug,
            (name, brand, description),
            *price,
            *stock,
            status,
        )
        .await;
        sqlx::query("UPDATE products SET attributes = $2::jsonb WHERE slug = $1")
            .bind(&slug)
            .bind(attributes)
            .execute(pool)
            .await
            .expect("attributes");
        sqlx::query(
            "INSERT INTO product_categories (product_id, category_id)
             SELECT p.id, c.id FROM products p, categories c WHERE p.slug = $1 AND c.slug = $2",
        )
        .bind(&slug)
        .bind(category)
        .execute(pool)
        .await
        .expect("category");
    }
}

pub fn query(pairs: &[(&str, &str)]) -> SearchQuery {
    SearchQuery::from_params(pairs.iter().copied(), Currency::Aed)
}

pub fn names(results: &app::model::SearchResults) -> Vec<String> {
    results
        .hits
        .iter()
        .map(|h| h.product.name.clone())
        .collect()
}

/// A product with one variant priced in AED; returns the variant's id. `status` is the
/// product's.
pub async fn variant(pool: &PgPool, slug: &str, price: i64, stock: i32, status: &str) -> i64 {
    product(pool, slug, (slug, "", ""), price, stock, status).await
}

/// A product with its (name, brand, description) and one variant priced in AED, its SKU
/// the slug in capitals; returns the variant's id.
pub async fn product(
    pool: &PgPool,
    slug: &str,
    (name, brand, description): (&str, &str, &str),
    price: i64,
    stock: i32,
    status: &str,
) -> i64 {
    let product: i64 = sqlx::query_scalar(
        "INSERT INTO products (slug, name, brand, description, status)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(brand)
    .bind(description)
    .bind(status)
    .fetch_one(pool)
    .await
    .expect("product");
    sqlx::query_scalar(
        "INSERT INTO variants (product_id, sku, price_minor, currency, stock)
         VALUES ($1, upper($2), $3, 'AED', $4) RETURNING id",
    )
    .bind(product)
    .bind(slug)
    .bind(price)
    .bind(stock)
    .fetch_one(pool)
    .await
    .expect("variant")
}
