//! The catalog domain against a real PostgreSQL, a fresh database per test.

use app::model::{AppError, Currency, ListingQuery, StockStatus};
use app::server::platform::cache::Cache;
use app::server::{catalog, Error};
use sqlx::PgPool;

const SMALL: usize = 60;

pub(crate) async fn seeded(pool: &PgPool, products: usize) {
    catalog::seed(pool, &media(), Currency::Aed, products)
        .await
        .expect("seeds");
}

fn not_found<T: std::fmt::Debug>(result: Result<T, Error>) -> bool {
    matches!(result, Err(Error::App(AppError::NotFound)))
}

pub(crate) fn query(pairs: &[(&str, &str)]) -> ListingQuery {
    ListingQuery::from_params(pairs.iter().copied(), Currency::Aed)
}

pub(crate) async fn listing(
    pool: &PgPool,
    slug: &str,
    pairs: &[(&str, &str)],
) -> app::model::CollectionPage {
    catalog::listing(pool, &Cache::memory(64), Currency::Aed, slug, &query(pairs))
        .await
        .expect("lists")
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn seeding_adds_the_catalog_once(pool: PgPool) {
    let report = catalog::seed(&pool, &media(), Currency::Aed, SMALL)
        .await
        .expect("seeds");
    assert_eq!(report.products, SMALL as u64);
    assert_eq!(report.categories, 13);
    assert!(
        report.variants > SMALL as u64,
        "options make several variants per product"
    );
    let again = catalog::seed(&pool, &media(), Currency::Aed, SMALL)
        .await
        .expect("seeds");
    assert_eq!(again.products, 0, "a second seed must not add rows");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn concurrent_seeding_inserts_one_catalog(pool: PgPool) {
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { catalog::seed(&pool, &media(), Currency::Zmw, 30).await })
        })
        .collect();
    let mut total = 0;
    for run in runs {
        total += run.await.expect("joins").expect("seeds").products;
    }
    assert_eq!(total, 30);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(rows, 30);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn home_shows_featured_new_arrivals_and_top_categories(pool: PgPool) {
    seeded(&pool, SMALL).await;
    let home = catalog::home(&pool, &Cache::memory(16), Currency::Aed)
        .await
        .expect("home");
    let featured: Vec<&str> = home.featured.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(
        featured,
        [
            "linen-shirt",
            "copper-coffee-pot",
            "silk-scarf",
            "dates-gift-box"
        ]
    );
    assert_eq!(home.new_arrivals.len(), 8);
    assert_eq!(home.new_arrivals[0].slug, "linen-shirt", "newest first");
    let shirt = &home.new_arrivals[0];
    assert_eq!(
        (shirt.price.minor, shirt.price_varies),
        (14_900, true),
        "from AED 149, XL costs more"
    );
    let categories: Vec<&str> = home.categories.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(
        categories,
        ["clothing", "shoes", "accessories", "home", "food-gifts"]
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn product_detail_has_options_variants_breadcrumbs_and_related(pool: PgPool) {
    seeded(&pool, SMALL).await;
    let cache = Cache::memory(16);
    let shirt = catalog::product_by_slug(&pool, &cache, "linen-shirt")
        .await
        .expect("found");
    let options: Vec<(&str, usize)> = shirt
        .options
        .iter()
        .map(|o| (o.name.as_str(), o.values.len()))
        .collect();
    assert_eq!(options, [("Size", 4), ("Colour", 2)]);
    assert_eq!(shirt.variants.len(), 8);
    let xl_sand = shirt
        .variants
        .iter()
        .find(|v| v.values == ["XL", "Sand"])
        .expect("XL Sand");
    assert_eq!((xl_sand.price.minor, xl_sand.available), (15_900, 4));
    let crumbs: Vec<&str> = shirt.breadcrumbs.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(crumbs, ["clothing", "shirts"]);
    assert!(!shirt.related.is_empty() && shirt.related.len() <= 4);
    assert!(shirt.related.iter().all(|p| p.slug != "linen-shirt"));
    assert_eq!(
        shirt.attributes,
        [
            ("colour".into(), "white".into()),
            ("material".into(), "linen".into())
        ]
    );
    // The default choice is the first variant in stock; a sold-out SKU can still be asked for.
    assert_eq!(
        shirt.select_variant(None, &[]).sku,
        "DK-LINEN-SHIRT-S-WHITE"
    );
    assert_eq!(
        shirt
            .select_variant(Some("DK-LINEN-SHIRT-XL-WHITE"), &[])
            .stock(),
        StockStatus::SoldOut
    );

    let tote = catalog::product_by_slug(&pool, &cache, "chitenge-tote")
        .await
        .expect("found");
    assert!(tote.options.is_empty());
    assert_eq!(tote.variants.len(), 1);
    assert!(tote.variants[0].values.is_empty());
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn product_lookup_hides_drafts_archived_and_bad_slugs(pool: PgPool) {
    seeded(&pool, 12).await;
    let cache = Cache::memory(16);
    assert!(
        not_found(catalog::product_by_slug(&pool, &cache, "prayer-mat").await),
        "draft"
    );
    sqlx::query("UPDATE products SET status = 'archived' WHERE slug = 'silk-scarf'")
        .execute(&pool)
        .await
        .expect("archives");
    assert!(
        not_found(catalog::product_by_slug(&pool, &cache, "silk-scarf").await),
        "archived"
    );
    for bad in [
        "no-such-thing",
        "",
        "../etc/passwd",
        "Linen-Shirt",
        "a'; DROP TABLE products; --",
        &"x".repeat(500),
    ] {
        assert!(
            not_found(catalog::product_by_slug(&pool, &cache, bad).await),
            "{bad:?}"
        );
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn collections_include_descendant_categories(pool: PgPool) {
    seeded(&pool, SMALL).await;
    let clothing = listing(&pool, "clothing", &[]).await;
    assert_eq!(clothing.category.name, "Clothing");
    let children: Vec<&str> = clothing
        .category
        .children
        .iter()
        .map(|c| c.slug.as_str())
        .collect();
    assert_eq!(children, ["shirts", "dresses", "traditional"]);
    let slugs: Vec<&str> = clothing
        .listing
        .products
        .iter()
        .map(|p| p.slug.as_str())
        .collect();
    assert!(
        slugs.contains(&"linen-shirt") && slugs.contains(&"cotton-thobe"),
        "{slugs:?}"
    );
    let shirts = listing(&pool, "shirts", &[]).await;
    assert_eq!(
        shirts
            .category
            .ancestors
            .iter()
            .map(|c| c.slug.as_str())
            .collect::<Vec<_>>(),
        ["clothing"]
    );
    assert!(shirts.listing.total < clothing.listing.total);
    let raw: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT p.id) FROM products p JOIN product_categories pc ON pc.product_id = p.id
         JOIN categories c ON c.id = pc.category_id
         WHERE p.status = 'active' AND c.slug IN ('clothing', 'shirts', 'dresses', 'traditional')",
    )
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert_eq!(clothing.listing.total, raw as u64);
    assert!(not_found(
        catalog::listing(
            &pool,
            &Cache::memory(4),
            Currency::Aed,
            "nope",
            &ListingQuery::default()
        )
        .await
    ));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn sorting_filtering_and_facets(pool: PgPool) {
    seeded(&pool, 300).await;
    let prices = |page: &app::model::CollectionPage| {
        page.listing
            .products
            .iter()
            .map(|p| p.price.minor)
            .collect::<Vec<_>>()
    };

    let asc = listing(
        &pool,
        "clothing",
        &[("sort", "price-asc"), ("per_page", "96")],
    )
    .await;
    let p = prices(&asc);
    assert!(p.windows(2).all(|w| w[0] <= w[1]), "{p:?}");
    let desc = listing(&pool, "clothing", &[("sort", "price-desc")]).await;
    let p = prices(&desc);
    assert!(p.windows(2).all(|w| w[0] >= w[1]), "{p:?}");
    let by_name = listing(&pool, "clothing", &[("sort", "name")]).await;
    let names: Vec<&str> = by_name
        .listing
        .products
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");

    let ranged = listing(
        &pool,
        "clothing",
        &[("min", "100"), ("max", "200"), ("per_page", "96")],
    )
    .await;
    assert!(ranged.listing.total > 0);
    assert!(prices(&ranged)
        .iter()
        .all(|&m| (10_000..=20_000).contains(&m)));

    let in_stock = listing(&pool, "home", &[("in_stock", "1"), ("per_page", "96")]).await;
    assert!(in_stock
        .listing
        .products
        .iter()
        .all(|p| p.stock != StockStatus::SoldOut));
    let all_home = listing(&pool, "home", &[("per_page", "96")]).await;
    assert!(
        all_home
            .listing
            .products
            .iter()
            .any(|p| p.stock == StockStatus::SoldOut),
        "the demo has a sold-out candle"
    );

    // Facets count what the filters would show.
    let material = all_home
        .listing
        .facets
        .iter()
        .find(|f| f.key == "material")
        .expect("material facet");
    let first = &material.values[0];
    let filtered = listing(
        &pool,
        "home",
        &[("f.material", &first.value), ("per_page", "96")],
    )
    .await;
    assert_eq!(filtered.listing.total, first.count);
    assert!(filtered.listing.total > 0);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn pagination_edges(pool: PgPool) {
    seeded(&pool, 200).await;
    let first = listing(&pool, "clothing", &[("per_page", "10")]).await;
    let total = first.listing.total;
    assert!(total > 20);
    let pages = first.listing.page_count();
    // Page 0 and junk are page 1.
    assert_eq!(
        listing(&pool, "clothing", &[("page", "0"), ("per_page", "10")])
            .await
            .listing
            .products,
        first.listing.products
    );
    // Past the end shows the last page, which holds the remainder.
    let past = listing(&pool, "clothing", &[("page", "9999"), ("per_page", "10")]).await;
    assert_eq!(past.listing.query.page, pages);
    let remainder = total as usize - (pages as usize - 1) * 10;
    assert_eq!(past.listing.products.len(), remainder);
    // Pages do not overlap and cover everything.
    let mut seen = std::collections::HashSet::new();
    for page in 1..=pages {
        let p = listing(
            &pool,
            "clothing",
            &[("page", &page.to_string()), ("per_page", "10")],
        )
        .await;
        for product in p.listing.products {
            assert!(seen.insert(product.slug), "a product on two pages");
        }
    }
    assert_eq!(seen.len() as u64, total);
    // Huge page sizes are clamped.
    let huge = listing(&pool, "clothing", &[("per_page", "1000000")]).await;
    assert_eq!(huge.listing.query.per_page, app::model::MAX_PER_PAGE);
    assert!(huge.listing.products.len() <= app::model::MAX_PER_PAGE as usize);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn listing_columns_follow_variant_changes(pool: PgPool) {
    seeded(&pool, 12).await;
    let summary = |pool: PgPool| async move {
        sqlx::query_as::<_, (Option<i64>, Option<i64>, bool)>(
            "SELECT price_min_minor, price_max_minor, in_stock FROM products WHERE slug = 'silk-scarf'",
        )
        .fetch_one(&pool)
        .await
        .expect("reads")
    };
    assert_eq!(
        summary(pool.clone()).await,
        (Some(12_000), Some(13_500), true)
    );
    sqlx::query("UPDATE variants SET stock = 0 WHERE product_id = (SELECT id FROM products WHERE slug = 'silk-scarf')")
        .execute(&pool)
        .await
        .expect("updates");
    assert!(!summary(pool.clone()).await.2, "no variant in stock");
    sqlx::query("UPDATE variants SET price_minor = 9000 WHERE sku = 'DK-SILK-SCARF-INDIGO'")
        .execute(&pool)
        .await
        .expect("updates");
    assert_eq!(summary(pool.clone()).await.0, Some(9_000));
    sqlx::query("DELETE FROM variants WHERE sku = 'DK-SILK-SCARF-ROSE'")
        .execute(&pool)
        .await
        .expect("deletes");
    assert_eq!(summary(pool.clone()).await.1, Some(12_000));

    // A compare-at price above the price puts the product on sale; a change of the compare-at
    // price alone is enough either way.
    let on_sale = |pool: PgPool| async move {
        sqlx::query_scalar::<_, bool>("SELECT on_sale FROM products WHERE slug = 'silk-scarf'")
            .fetch_one(&pool)
            .await
            .expect("reads")
    };
    let set_compare_at = |pool: PgPool, minor: Option<i64>| async move {
        sqlx::query("UPDATE variants SET compare_at_minor = $1 WHERE sku = 'DK-SILK-SCARF-INDIGO'")
            .bind(minor)
            .execute(&pool)
            .await
            .expect("updates");
    };
    set_compare_at(pool.clone(), None).await;
    assert!(!on_sale(pool.clone()).await, "no compare-at price");
    set_compare_at(pool.clone(), Some(12_500)).await;
    assert!(on_sale(pool.clone()).await, "9,000 against 12,500");
    set_compare_at(pool.clone(), None).await;
    assert!(!on_sale(pool.clone()).await, "the compare-at price removed");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn cached_reads_change_only_after_invalidation(pool: PgPool) {
    seeded(&pool, 12).await;
    let cache = Cache::memory(64);
    let price = |p: &app::model::ProductDetail| p.variants[0].price.minor;
    let first = catalog::product_by_slug(&pool, &cache, "chitenge-tote")
        .await
        .expect("found");
    assert_eq!(price(&first), 6_500);
    sqlx::query("UPDATE variants SET price_minor = 5900 WHERE sku = 'DK-CHITENGE-TOTE'")
        .execute(&pool)
        .await
        .expect("updates");
    let cached = catalog::product_by_slug(&pool, &cache, "chitenge-tote")
        .await
        .expect("found");
    assert_eq!(price(&cached), 6_500, "served from the cache");
    catalog::invalidate(&cache).await;
    let fresh = catalog::product_by_slug(&pool, &cache, "chitenge-tote")
        .await
        .expect("found");
    assert_eq!(price(&fresh), 5_900, "invalidation shows the new price");
    let bags = catalog::listing(
        &pool,
        &cache,
        Currency::Aed,
        "bags",
        &ListingQuery::default(),
    )
    .await
    .expect("lists");
    let tote = bags
        .listing
        .products
        .iter()
        .find(|p| p.slug == "chitenge-tote")
        .expect("listed");
    assert_eq!(tote.price.minor, 5_900, "listings too");
}

/// The database refuses what the code must never write, whatever the code does.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn constraints_guard_prices_stock_skus_and_the_tree(pool: PgPool) {
    seeded(&pool, 12).await;
    async fn violated(pool: &PgPool, sql: &str) -> Option<String> {
        sqlx::query(sql).execute(pool).await.err().and_then(|e| {
            e.as_database_error()
                .and_then(|d| d.constraint().map(str::to_owned))
        })
    }
    let tote = "(SELECT id FROM products WHERE slug = 'chitenge-tote')";
    let cases = [
        (format!("INSERT INTO variants (product_id, sku, option_key, price_minor, currency) VALUES ({tote}, 'DK-CHITENGE-TOTE', '9', 1, 'AED')"), "variants_sku_key"),
        (format!("INSERT INTO variants (product_id, sku, price_minor, currency) VALUES ({tote}, 'NEW-SKU', 1, 'AED')"), "variants_combination_key"),
        ("UPDATE variants SET price_minor = -1 WHERE sku = 'DK-CHITENGE-TOTE'".into(), "variants_price_non_negative"),
        ("UPDATE variants SET compare_at_minor = price_minor WHERE sku = 'DK-CHITENGE-TOTE'".into(), "variants_compare_at_above_price"),
        ("UPDATE variants SET stock = stock - 1000 WHERE sku = 'DK-CHITENGE-TOTE'".into(), "variants_stock_non_negative"),
        ("UPDATE variants SET currency = 'EUR' WHERE sku = 'DK-CHITENGE-TOTE'".into(), "variants_currency_supported"),
        ("UPDATE variants SET sku = 'has space' WHERE sku = 'DK-CHITENGE-TOTE'".into(), "variants_sku_format"),
        ("UPDATE products SET attributes = '[1]' WHERE slug = 'chitenge-tote'".into(), "products_attributes_object"),
        ("UPDATE categories SET parent_id = (SELECT id FROM categories WHERE slug = 'shirts') WHERE slug = 'clothing'".into(), "categories_no_cycle"),
        ("UPDATE categories SET parent_id = id WHERE slug = 'shoes'".into(), "categories_no_cycle"),
        ("INSERT INTO categories (slug, name) VALUES ('shoes', 'Again')".into(), "categories_slug_key"),
        ("INSERT INTO products (slug, name) VALUES ('Bad Slug', 'X')".into(), "products_slug_format"),
        // A variant shows only its own product's images and its own options' values.
        ("UPDATE variants SET image_id = (SELECT i.id FROM product_images i JOIN products p ON p.id = i.product_id WHERE p.slug = 'chitenge-tote' LIMIT 1) WHERE sku LIKE 'DK-LINEN-SHIRT-%'".into(), "variants_image_of_product"),
        ("UPDATE variant_option_values vov SET option_value_id = (SELECT v.id FROM product_option_values v WHERE v.option_id <> vov.option_id LIMIT 1)".into(), "variant_option_values_value_of_option"),
    ];
    for (sql, constraint) in cases {
        assert_eq!(
            violated(&pool, &sql).await.as_deref(),
            Some(constraint),
            "{sql}"
        );
    }
}

thread_local! {
    /// SQL statements sqlx has run on this thread (each test runs on a thread of its own).
    static QUERIES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts sqlx's per-statement log events (target `sqlx::query`). Installed once, globally,
/// so every callsite stays enabled whatever other tests do with their subscribers.
struct QueryCounter;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for QueryCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            QUERIES.with(|q| q.set(q.get() + 1));
        }
    }
}

async fn queries_for<F, Fut>(f: F) -> usize
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        use tracing_subscriber::layer::SubscriberExt;
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(QueryCounter))
            .expect("no other global subscriber in this test binary");
    });
    let before = QUERIES.with(|q| q.get());
    f().await;
    QUERIES.with(|q| q.get()) - before
}

/// No N+1: a product page and a listing page take the same small number of queries whether
/// the catalog has 12 products or 400.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn pages_take_a_fixed_number_of_queries(pool: PgPool) {
    seeded(&pool, 12).await;
    let count = |pool: PgPool| async move {
        let product = queries_for(|| async {
            let cache = Cache::memory(4); // cold: every read goes to the database
            catalog::product_by_slug(&pool, &cache, "linen-shirt")
                .await
                .expect("found");
        })
        .await;
        let collection = queries_for(|| async {
            listing(&pool, "clothing", &[("sort", "price-asc")]).await;
        })
        .await;
        (product, collection)
    };
    let small = count(pool.clone()).await;
    // Grow the catalog (the seed skips a non-empty store, so add products by hand).
    sqlx::query(
        "INSERT INTO products (slug, name, status) SELECT 'extra-' || g, 'Extra ' || g, 'active' FROM generate_series(1, 400) g",
    )
    .execute(&pool)
    .await
    .expect("inserts");
    sqlx::query(
        "INSERT INTO variants (product_id, sku, price_minor, currency, stock)
         SELECT id, 'EXTRA-' || id, 1000 + id, 'AED', 5 FROM products WHERE slug LIKE 'extra-%'",
    )
    .execute(&pool)
    .await
    .expect("inserts");
    sqlx::query(
        "INSERT INTO product_categories (product_id, category_id)
         SELECT p.id, c.id FROM products p, categories c WHERE p.slug LIKE 'extra-%' AND c.slug = 'shirts'",
    )
    .execute(&pool)
    .await
    .expect("inserts");
    let large = count(pool.clone()).await;
    assert!(
        small.0 > 0 && small.1 > 0,
        "the counter sees queries: {small:?}"
    );
    assert_eq!(small, large, "query counts must not grow with the catalog");
    assert!(small.0 <= 5 && small.1 <= 5, "{small:?}");
}

/// Demo pictures for tests: one directory per test binary run, shared by its tests (equal
/// pictures have equal names, and files are written atomically).
fn media() -> app::server::platform::media::MediaStore {
    app::server::platform::media::MediaStore::new(
        std::env::temp_dir().join(format!("duka-test-media-{}", std::process::id())),
    )
}

/// Two transactions sell out two different variants of one product at the same time: the
/// product must end up out of stock (neither may aggregate from a stale snapshot).
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn concurrent_variant_changes_keep_the_listing_columns_true(pool: PgPool) {
    seeded(&pool, 12).await;
    // The silk scarf: Indigo (7), Saffron (4), Rose (0).
    let mut first = pool.begin().await.expect("begins");
    sqlx::query("UPDATE variants SET stock = 0 WHERE sku = 'DK-SILK-SCARF-INDIGO'")
        .execute(&mut *first)
        .await
        .expect("updates");
    let second = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut tx = pool.begin().await.expect("begins");
            sqlx::query("UPDATE variants SET stock = 0 WHERE sku = 'DK-SILK-SCARF-SAFFRON'")
                .execute(&mut *tx)
                .await
                .expect("updates");
            tx.commit().await.expect("commits");
        })
    };
    // Let the second transaction reach the product row lock before the first commits.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    first.commit().await.expect("commits");
    second.await.expect("joins");
    let in_stock: bool =
        sqlx::query_scalar("SELECT in_stock FROM products WHERE slug = 'silk-scarf'")
            .fetch_one(&pool)
            .await
            .expect("reads");
    assert!(!in_stock, "every variant is sold out");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn every_catalog_table_notifies_its_changes_on_commit(pool: PgPool) {
    seeded(&pool, 12).await;
    let mut listener = sqlx::postgres::PgListener::connect_with(&pool)
        .await
        .expect("connects");
    listener.listen("duka_catalog").await.expect("listens");

    // A rolled-back change says nothing.
    let mut tx = pool.begin().await.expect("begins");
    sqlx::query("UPDATE variants SET stock = stock + 1")
        .execute(&mut *tx)
        .await
        .expect("updates");
    tx.rollback().await.expect("rolls back");

    // One harmless write per catalog table, each in its own transaction.
    let writes = [
        (
            "products",
            "UPDATE products SET featured = featured WHERE slug = 'chitenge-tote'",
        ),
        (
            "variants",
            "UPDATE variants SET weight_grams = weight_grams + 1 WHERE sku = 'DK-CHITENGE-TOTE'",
        ),
        (
            "categories",
            "UPDATE categories SET position = position WHERE slug = 'bags'",
        ),
        (
            "product_categories",
            "UPDATE product_categories SET position = position",
        ),
        (
            "product_options",
            "UPDATE product_options SET position = position",
        ),
        (
            "product_option_values",
            "UPDATE product_option_values SET position = position",
        ),
        (
            "variant_option_values",
            "DELETE FROM variant_option_values WHERE false",
        ),
        ("product_images", "UPDATE product_images SET alt = alt"),
    ];
    for (index, (table, sql)) in writes.into_iter().enumerate() {
        sqlx::query(sql).execute(&pool).await.expect(sql);
        // Triggers that write other catalog tables (a variant's summary on its product)
        // notify those too; wait for this table's own notification.
        loop {
            let note = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
                .await
                .unwrap_or_else(|_| panic!("no notification for {table}"))
                .expect("receives");
            if index == 0 {
                assert_eq!(note.payload(), table, "the rolled-back change sent nothing");
            }
            if note.payload() == table {
                break;
            }
        }
    }
}

/// A sale that leaves a variant at or above the low-stock threshold changes no page, so it
/// notifies nobody (committing transactions that notify are serialised by PostgreSQL: every
/// order would wait for the one before it); moving below it, or any other change, does.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn only_stock_a_page_shows_notifies(pool: PgPool) {
    use app::model::StockStatus;
    seeded(&pool, 12).await;
    let low = i32::try_from(StockStatus::LOW_STOCK).expect("small");
    let set_stock =
        |n: i32| format!("UPDATE variants SET stock = {n} WHERE sku = 'DK-CHITENGE-TOTE'");
    sqlx::query(&set_stock(low + 10))
        .execute(&pool)
        .await
        .expect("restocks");
    let mut listener = sqlx::postgres::PgListener::connect_with(&pool)
        .await
        .expect("connects");
    listener.listen("duka_catalog").await.expect("listens");
    // After each write, a write to categories: notifications arrive in commit order, so the
    // first one received says whether the write before it notified.
    let steps = [
        (set_stock(low + 9), false, "a sale well above the threshold"),
        (set_stock(low), false, "a sale down to the threshold"),
        (set_stock(low - 1), true, "a sale below it: only a few left"),
        (set_stock(0), true, "sold out"),
        (set_stock(low + 3), true, "back in stock"),
        (
            "UPDATE variants SET price_minor = price_minor + 100 WHERE sku = 'DK-CHITENGE-TOTE'"
                .to_owned(),
            true,
            "a new price",
        ),
    ];
    for (sql, notifies, what) in steps {
        sqlx::query(&sql).execute(&pool).await.expect(what);
        sqlx::query("UPDATE categories SET position = position WHERE slug = 'bags'")
            .execute(&pool)
            .await
            .expect("touches a category");
        let mut heard = Vec::new();
        loop {
            let note = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
                .await
                .expect("the category's notification arrives")
                .expect("receives");
            if note.payload() == "categories" {
                break;
            }
            heard.push(note.payload().to_owned());
        }
        assert_eq!(
            heard.iter().any(|t| t == "variants"),
            notifies,
            "{what}: heard {heard:?}"
        );
    }
}

/// The change listener keeps its connection out of the shared pool (with a pool of one, a
/// page still gets the connection), and stops when that pool closes.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn following_changes_leaves_the_pool_to_pages(pool: PgPool) {
    let small = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_with((*pool.connect_options()).clone())
        .await
        .expect("connects");
    let task = catalog::follow_changes(&small, Cache::memory(8), Default::default(), None)
        .await
        .expect("listens");
    sqlx::query("SELECT 1")
        .execute(&small)
        .await
        .expect("the listener holds no pooled connection");
    small.close().await;
    tokio::time::timeout(std::time::Duration::from_secs(5), task)
        .await
        .expect("the listener stops with its pool")
        .expect("joins");
}
