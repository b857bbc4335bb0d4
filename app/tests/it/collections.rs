//! Collection pages read from the maintained listing (migration 30): every sort, filter and
//! page agrees with a plain query over the catalog itself, and the listing rows and counts
//! follow every kind of catalog change, also when many writers sell out products at once.

use super::catalog::{listing, query, seeded};
use app::model::CollectionPage;
use app::server::catalog::{COUNT_AHEAD, FACET_SAMPLE};
use sqlx::PgPool;

/// What a collection must show, from the catalog tables alone (the way the page was read
/// before migration 30): every matching product in order, and the facet counts.
async fn reference(
    pool: &PgPool,
    slug: &str,
    pairs: &[(&str, &str)],
) -> (Vec<String>, Vec<(String, String, u64)>) {
    let q = query(pairs);
    let scope = "WITH RECURSIVE tree (id) AS (
                     SELECT id FROM categories WHERE slug = $1
                     UNION SELECT c.id FROM categories c JOIN tree t ON c.parent_id = t.id)
                 SELECT p.* FROM products p
                 WHERE p.status = 'active'
                   AND EXISTS (SELECT 1 FROM product_categories pc JOIN tree ON tree.id = pc.category_id
                               WHERE pc.product_id = p.id)
                   AND ($2::bigint IS NULL OR p.price_min_minor >= $2)
                   AND ($3::bigint IS NULL OR p.price_min_minor <= $3)
                   AND (NOT $4 OR p.in_stock)";
    let slugs: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT slug FROM ({scope}) p WHERE p.attributes @> $5::jsonb
         ORDER BY CASE WHEN $6 = 'price-asc' THEN p.price_min_minor END ASC,
                  CASE WHEN $6 = 'price-desc' THEN p.price_min_minor END DESC,
                  CASE WHEN $6 = 'name' THEN p.name END ASC,
                  p.created_at DESC, p.id DESC"
    ))
    .bind(slug)
    .bind(q.min_price.map(|m| m.minor))
    .bind(q.max_price.map(|m| m.minor))
    .bind(q.in_stock)
    .bind(serde_json::Value::Object(
        q.attributes
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    ))
    .bind(q.sort.param())
    .fetch_all(pool)
    .await
    .expect("reference listing");
    let facets: Vec<(String, String, i64)> = sqlx::query_as(&format!(
        "SELECT split_part(term, chr(31), 1), split_part(term, chr(31), 2), count(*)
         FROM ({scope}) p CROSS JOIN LATERAL unnest(p.facet_terms) AS term
         GROUP BY term"
    ))
    .bind(slug)
    .bind(q.min_price.map(|m| m.minor))
    .bind(q.max_price.map(|m| m.minor))
    .bind(q.in_stock)
    .fetch_all(pool)
    .await
    .expect("reference facets");
    let facets = facets
        .into_iter()
        .map(|(k, v, n)| (k, v, n as u64))
        .collect();
    (slugs, facets)
}

fn slugs(page: &CollectionPage) -> Vec<String> {
    page.listing
        .products
        .iter()
        .map(|p| p.slug.clone())
        .collect()
}

/// The page against the reference: its slice of products, the total (exact, or a true
/// lower bound when capped), and each facet value's count when counts are shown.
async fn check(pool: &PgPool, slug: &str, pairs: &[(&str, &str)]) -> CollectionPage {
    let page = listing(pool, slug, pairs).await;
    let (all, facets) = reference(pool, slug, pairs).await;
    let what = format!("{slug} {pairs:?}");
    let l = &page.listing;
    if l.capped {
        assert!(
            l.total <= all.len() as u64,
            "{what}: a bound above the truth"
        );
    } else {
        assert_eq!(l.total, all.len() as u64, "{what}: total");
    }
    let from = (l.query.offset() as usize).min(all.len());
    let to = (from + l.query.per_page as usize).min(all.len());
    assert_eq!(slugs(&page), all[from..to], "{what}: page {}", l.query.page);
    for facet in &l.facets {
        for value in &facet.values {
            let truth = facets
                .iter()
                .find(|(k, v, _)| *k == facet.key && *v == value.value)
                .map(|f| f.2);
            assert!(
                truth.is_some(),
                "{what}: {}={} matches nothing",
                facet.key,
                value.value
            );
            if l.facet_counts {
                assert_eq!(
                    Some(value.count),
                    truth,
                    "{what}: {}={}",
                    facet.key,
                    value.value
                );
            }
        }
    }
    // Every value the products have is offered (up to 30 per key).
    for (key, _, _) in &facets {
        let shown = l
            .facets
            .iter()
            .find(|f| f.key == *key)
            .map_or(0, |f| f.values.len());
        let present = facets.iter().filter(|f| f.0 == *key).count();
        assert_eq!(shown, present.min(30), "{what}: values of {key}");
    }
    page
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn every_sort_filter_and_page_agrees_with_the_catalog(pool: PgPool) {
    seeded(&pool, 400).await;
    // A sold-out product, so the stock filter removes something.
    sqlx::query("UPDATE variants SET stock = 0 WHERE product_id IN (SELECT id FROM products ORDER BY id DESC LIMIT 40)")
        .execute(&pool)
        .await
        .expect("sells out");
    let filters: [&[(&str, &str)]; 8] = [
        &[],
        &[("in_stock", "1")],
        &[("min", "50"), ("max", "300")],
        &[("f.material", "cotton")],
        &[("f.colour", "black"), ("in_stock", "1")],
        &[("f.material", "cotton"), ("f.colour", "white")],
        &[("min", "100"), ("f.material", "linen")],
        &[("f.material", "no-such-thing")],
    ];
    for slug in ["clothing", "shirts", "home"] {
        for sort in ["newest", "price-asc", "price-desc", "name"] {
            for filter in filters {
                for page in ["1", "2", "999"] {
                    let mut pairs = vec![("sort", sort), ("per_page", "10"), ("page", page)];
                    pairs.extend_from_slice(filter);
                    check(&pool, slug, &pairs).await;
                }
            }
        }
    }
}

/// Past the counting bound a total is a lower bound and the shopper can still page on; past
/// the facet sample a price-filtered page shows values without counts.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn large_collections_bound_their_counts(pool: PgPool) {
    seeded(&pool, 60).await;
    // Past both bounds: generated shirts (the seed's pictures would take minutes), some
    // sold out, in a spread of prices, colours and materials.
    let many = FACET_SAMPLE + 500;
    sqlx::query(
        "WITH p AS (
             INSERT INTO products (slug, name, status, attributes)
             SELECT 'many-' || g, 'Many ' || g, 'active',
                    jsonb_build_object('colour', (ARRAY['red', 'blue', 'sand'])[g % 3 + 1],
                                       'material', (ARRAY['cotton', 'linen'])[g % 2 + 1])
             FROM generate_series(1, $1) g
             RETURNING id, slug),
         v AS (
             INSERT INTO variants (product_id, sku, price_minor, currency, stock)
             SELECT id, upper(slug), 1000 + (id % 500) * 100, 'AED', (id % 7)::int FROM p)
         INSERT INTO product_categories (product_id, category_id)
         SELECT p.id, c.id FROM p, categories c WHERE c.slug = 'shirts'",
    )
    .bind(many)
    .execute(&pool)
    .await
    .expect("adds products");
    let whole = check(&pool, "clothing", &[]).await;
    assert!(!whole.listing.capped, "a maintained total is exact");
    assert!(whole.listing.total > FACET_SAMPLE as u64);
    check(
        &pool,
        "clothing",
        &[("f.material", "cotton"), ("in_stock", "1"), ("min", "1")],
    )
    .await;
    let priced = check(&pool, "clothing", &[("min", "1"), ("sort", "price-asc")]).await;
    assert!(priced.listing.capped && priced.listing.total == COUNT_AHEAD as u64);
    assert!(
        !priced.listing.facet_counts,
        "more than the sample: no counts"
    );
    assert!(
        !priced.listing.facets.is_empty(),
        "the values are still offered"
    );
    let deep = check(&pool, "clothing", &[("min", "1"), ("page", "60")]).await;
    assert_eq!(deep.listing.query.page, 60);
    assert!(
        deep.listing.total > COUNT_AHEAD as u64,
        "the bound moves with the page"
    );
    let narrow = check(&pool, "clothing", &[("min", "100"), ("max", "101")]).await;
    assert!(narrow.listing.facet_counts && !narrow.listing.capped);
}

/// The listing rows and counts as they must be, recomputed from the catalog tables: how many
/// rows differ.
async fn drift(pool: &PgPool) -> (i64, i64) {
    let rows: i64 = sqlx::query_scalar(
        "WITH RECURSIVE up (product_id, category_id) AS (
             SELECT product_id, category_id FROM product_categories
             UNION
             SELECT up.product_id, c.parent_id FROM up JOIN categories c ON c.id = up.category_id
             WHERE c.parent_id IS NOT NULL),
         expected AS (
             SELECT up.category_id, p.id AS product_id, p.created_at, p.name, p.price_min_minor,
                    p.in_stock, p.facet_terms
             FROM up JOIN products p ON p.id = up.product_id WHERE p.status = 'active'),
         actual AS (
             SELECT category_id, product_id, created_at, name, price_min_minor, in_stock, facet_terms
             FROM category_listings)
         SELECT count(*) FROM ((TABLE expected EXCEPT TABLE actual)
                               UNION ALL (TABLE actual EXCEPT TABLE expected)) d",
    )
    .fetch_one(pool)
    .await
    .expect("compares rows");
    let counts: i64 = sqlx::query_scalar(
        "WITH expected AS (
             SELECT category_id, term, count(*)::int AS products,
                    (count(*) FILTER (WHERE in_stock))::int AS in_stock
             FROM category_listings CROSS JOIN LATERAL unnest(array_append(facet_terms, '')) AS term
             GROUP BY category_id, term),
         actual AS (
             SELECT category_id, term, products, in_stock FROM category_term_counts
             WHERE products > 0)
         SELECT count(*) FROM ((TABLE expected EXCEPT TABLE actual)
                               UNION ALL (TABLE actual EXCEPT TABLE expected)) d",
    )
    .fetch_one(pool)
    .await
    .expect("compares counts");
    (rows, counts)
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn listing_rows_and_counts_follow_every_catalog_change(pool: PgPool) {
    seeded(&pool, 200).await;
    assert_eq!(drift(&pool).await, (0, 0), "after seeding");
    let changes = [
        ("a price", "UPDATE variants SET price_minor = price_minor + 700 WHERE sku LIKE 'DK-LINEN%'"),
        ("a sell-out", "UPDATE variants SET stock = 0 WHERE product_id = (SELECT id FROM products WHERE slug = 'linen-shirt')"),
        ("a restock", "UPDATE variants SET stock = 3 WHERE product_id = (SELECT id FROM products WHERE slug = 'linen-shirt')"),
        ("an attribute", "UPDATE products SET attributes = attributes || '{\"colour\": \"plum\", \"fit\": \"loose\"}' WHERE slug = 'linen-shirt'"),
        ("a name", "UPDATE products SET name = 'Aardvark Shirt' WHERE slug = 'linen-shirt'"),
        ("a draft", "UPDATE products SET status = 'draft' WHERE slug = 'cotton-thobe'"),
        ("published again", "UPDATE products SET status = 'active' WHERE slug = 'cotton-thobe'"),
        ("a second category", "INSERT INTO product_categories (product_id, category_id) SELECT p.id, c.id FROM products p, categories c WHERE p.slug = 'linen-shirt' AND c.slug = 'bags'"),
        ("a category left", "DELETE FROM product_categories WHERE product_id = (SELECT id FROM products WHERE slug = 'linen-shirt') AND category_id = (SELECT id FROM categories WHERE slug = 'shirts')"),
        ("a category moved", "UPDATE categories SET parent_id = (SELECT id FROM categories WHERE slug = 'accessories') WHERE slug = 'dresses'"),
        ("a category made top-level", "UPDATE categories SET parent_id = NULL WHERE slug = 'dresses'"),
        ("a new product", "WITH p AS (INSERT INTO products (slug, name, status, attributes) VALUES ('new-one', 'New One', 'active', '{\"material\": \"silk\"}') RETURNING id)
                            INSERT INTO product_categories (product_id, category_id) SELECT p.id, c.id FROM p, categories c WHERE c.slug = 'scarves'"),
        ("its variant", "INSERT INTO variants (product_id, sku, price_minor, currency, stock) SELECT id, 'NEW-ONE', 4200, 'AED', 2 FROM products WHERE slug = 'new-one'"),
        ("a product deleted", "DELETE FROM products WHERE slug = 'new-one'"),
        ("a category deleted", "DELETE FROM categories WHERE slug = 'food-gifts'"),
    ];
    for (what, sql) in changes {
        sqlx::query(sql)
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(drift(&pool).await, (0, 0), "after {what}");
    }
    // And the pages agree with the catalog after all that.
    for slug in ["clothing", "accessories", "dresses"] {
        check(&pool, slug, &[("sort", "name")]).await;
        check(&pool, slug, &[("in_stock", "1"), ("f.colour", "plum")]).await;
    }
}

/// Many shoppers selling out and restocking products of one category at once, each in a
/// transaction of its own: every one commits (counter rows are taken in one order, so none
/// deadlocks) and the counts come out true.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn concurrent_sell_outs_keep_the_counts_true(pool: PgPool) {
    seeded(&pool, 300).await;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM products p WHERE p.in_stock AND 'shirts' = ANY (
             SELECT c.slug FROM product_categories pc JOIN categories c ON c.id = pc.category_id
             WHERE pc.product_id = p.id)
         ORDER BY p.id LIMIT 24",
    )
    .fetch_all(&pool)
    .await
    .expect("picks");
    assert!(ids.len() >= 16, "{}", ids.len());
    let mut tasks = Vec::new();
    for (i, id) in ids.iter().copied().enumerate() {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..4 {
                let stock = if (i + round) % 2 == 0 { 0 } else { 5 };
                let mut tx = pool.begin().await.expect("begins");
                sqlx::query("UPDATE variants SET stock = $2 WHERE product_id = $1")
                    .bind(id)
                    .bind(stock)
                    .execute(&mut *tx)
                    .await
                    .expect("no deadlock, no failure");
                tokio::task::yield_now().await;
                tx.commit().await.expect("commits");
            }
        }));
    }
    for task in tasks {
        task.await.expect("joins");
    }
    assert_eq!(drift(&pool).await, (0, 0));
    check(&pool, "clothing", &[("in_stock", "1")]).await;
}
