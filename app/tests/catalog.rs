//! The catalog domain against a real PostgreSQL, a fresh database per test.

use app::model::{AppError, Currency, StockStatus};
use app::server::cache::Cache;
use app::server::{catalog, Error};
use sqlx::PgPool;

fn not_found(result: Result<app::model::ProductDetail, Error>) -> bool {
    matches!(result, Err(Error::App(AppError::NotFound)))
}

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
async fn seeding_adds_the_demo_catalog_once(pool: PgPool) {
    let added = catalog::seed_demo_if_empty(&pool, Currency::Aed)
        .await
        .expect("seeds");
    assert_eq!(added, catalog::DEMO_PRODUCTS.len() as u64);
    let again = catalog::seed_demo_if_empty(&pool, Currency::Aed)
        .await
        .expect("seeds");
    assert_eq!(again, 0, "a second seed must not add rows");
}

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
async fn concurrent_seeding_inserts_one_catalog(pool: PgPool) {
    let runs = (0..4).map(|_| {
        let pool = pool.clone();
        tokio::spawn(async move { catalog::seed_demo_if_empty(&pool, Currency::Zmw).await })
    });
    let mut total = 0;
    for run in runs {
        total += run.await.expect("joins").expect("seeds");
    }
    assert_eq!(total, catalog::DEMO_PRODUCTS.len() as u64);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(rows, catalog::DEMO_PRODUCTS.len() as i64);
}

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
async fn listing_shows_active_products_newest_first(pool: PgPool) {
    catalog::seed_demo_if_empty(&pool, Currency::Aed)
        .await
        .expect("seeds");
    let list = catalog::list_active(&pool, &Cache::memory(16))
        .await
        .expect("lists");
    let active = catalog::DEMO_PRODUCTS
        .iter()
        .filter(|p| p.5 == "active")
        .count();
    assert_eq!(list.len(), active);
    assert!(
        list.iter().all(|p| p.slug != "prayer-mat"),
        "drafts are hidden"
    );
    // The demo's newest active product is the last active one in the list it was seeded from.
    assert_eq!(list[0].slug, "beaded-bracelet");
    assert_eq!(list.last().map(|p| p.slug.as_str()), Some("linen-shirt"));
    let candle = list
        .iter()
        .find(|p| p.slug == "oud-candle")
        .expect("listed");
    assert_eq!(candle.stock, StockStatus::SoldOut);
    let shirt = list
        .iter()
        .find(|p| p.slug == "linen-shirt")
        .expect("listed");
    assert_eq!(shirt.price.minor, 14_900);
    assert_eq!(shirt.price.currency, Currency::Aed);
}

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
async fn product_lookup_hides_drafts_archived_and_bad_slugs(pool: PgPool) {
    catalog::seed_demo_if_empty(&pool, Currency::Usd)
        .await
        .expect("seeds");
    let sandals = catalog::product_by_slug(&pool, "leather-sandals")
        .await
        .expect("found");
    assert_eq!(sandals.name, "Leather Sandals");
    assert_eq!(sandals.available, 3);
    assert_eq!(sandals.stock, StockStatus::LowStock);
    assert_eq!(sandals.price.currency, Currency::Usd);

    assert!(
        not_found(catalog::product_by_slug(&pool, "prayer-mat").await),
        "draft"
    );
    sqlx::query("UPDATE products SET status = 'archived' WHERE slug = 'silk-scarf'")
        .execute(&pool)
        .await
        .expect("archives");
    assert!(
        not_found(catalog::product_by_slug(&pool, "silk-scarf").await),
        "archived"
    );
    assert!(
        not_found(catalog::product_by_slug(&pool, "no-such-thing").await),
        "unknown"
    );
    for bad in [
        "",
        "../etc/passwd",
        "Linen-Shirt",
        "a'; DROP TABLE products; --",
        &"x".repeat(500),
    ] {
        assert!(
            not_found(catalog::product_by_slug(&pool, bad).await),
            "{bad:?}"
        );
    }
}

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
async fn cached_listing_changes_only_after_invalidation(pool: PgPool) {
    catalog::seed_demo_if_empty(&pool, Currency::Aed)
        .await
        .expect("seeds");
    let cache = Cache::memory(16);
    let price = |list: &[app::model::ProductSummary]| {
        list.iter()
            .find(|p| p.slug == "linen-shirt")
            .map(|p| p.price.minor)
    };
    let first = catalog::list_active(&pool, &cache).await.expect("lists");
    assert_eq!(price(&first), Some(14_900));

    sqlx::query("UPDATE products SET price_minor = 12900 WHERE slug = 'linen-shirt'")
        .execute(&pool)
        .await
        .expect("updates");
    let cached = catalog::list_active(&pool, &cache).await.expect("lists");
    assert_eq!(price(&cached), Some(14_900), "served from the cache");

    catalog::invalidate_listings(&cache).await;
    let fresh = catalog::list_active(&pool, &cache).await.expect("lists");
    assert_eq!(
        price(&fresh),
        Some(12_900),
        "invalidation shows the new price"
    );
}

/// The database refuses what the code must never write, whatever the code does.
#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
async fn constraints_guard_prices_stock_and_slugs(pool: PgPool) {
    async fn insert(
        pool: &PgPool,
        slug: &str,
        price: i64,
        stock: i32,
        currency: &str,
    ) -> Option<String> {
        sqlx::query(
            "INSERT INTO products (slug, name, price_minor, currency, stock, status) VALUES ($1, 'X', $2, $3, $4, 'active')",
        )
        .bind(slug)
        .bind(price)
        .bind(currency)
        .bind(stock)
        .execute(pool)
        .await
        .err()
        .and_then(|e| e.as_database_error().and_then(|d| d.constraint().map(str::to_owned)))
    }
    assert_eq!(insert(&pool, "ok-product", 100, 1, "AED").await, None);
    assert_eq!(
        insert(&pool, "ok-product", 100, 1, "AED").await.as_deref(),
        Some("products_slug_key")
    );
    assert_eq!(
        insert(&pool, "neg-price", -1, 1, "AED").await.as_deref(),
        Some("products_price_non_negative")
    );
    assert_eq!(
        insert(&pool, "neg-stock", 1, -1, "AED").await.as_deref(),
        Some("products_stock_non_negative")
    );
    assert_eq!(
        insert(&pool, "Bad Slug", 1, 1, "AED").await.as_deref(),
        Some("products_slug_format")
    );
    assert_eq!(
        insert(&pool, "bad-currency", 1, 1, "aed").await.as_deref(),
        Some("products_currency_supported")
    );
    assert_eq!(
        insert(&pool, "eur-product", 1, 1, "EUR").await.as_deref(),
        Some("products_currency_supported")
    );

    // A stock decrement past zero is refused by the check, not silently clamped.
    let err = sqlx::query("UPDATE products SET stock = stock - 2 WHERE slug = 'ok-product'")
        .execute(&pool)
        .await
        .expect_err("stock would go negative");
    assert_eq!(
        err.as_database_error().and_then(|d| d.constraint()),
        Some("products_stock_non_negative")
    );
}
