//! The PostgreSQL search engine against a real PostgreSQL: a small labelled catalog whose
//! right answers are known, a fresh database per test.

use app::model::{Currency, Sort};
use app::server::platform::cache::Cache;
use app::server::search::Engine;
use sqlx::PgPool;

use crate::support::{labelled, names, query, LABELLED};

async fn search(pool: &PgPool, pairs: &[(&str, &str)]) -> app::model::SearchResults {
    Engine::Postgres
        .search(pool, &Cache::memory(64), Currency::Aed, &query(pairs))
        .await
        .expect("searches")
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn relevance_follows_where_the_words_are(pool: PgPool) {
    labelled(&pool).await;
    let results = search(&pool, &[("q", "desert")]).await;
    // Name, then brand, then attribute, then description; the draft never shows.
    assert_eq!(
        names(&results),
        [
            "Desert Rose Perfume",
            "Amber Candle",
            "Wool Blanket",
            "Table Lamp"
        ]
    );
    assert_eq!(results.total, 4);
    assert_eq!(results.corrected, None);
    assert_eq!(results.engine, "postgres");
    let first = &results.hits[0];
    assert!(
        first.name.iter().any(|h| h.hit && h.text == "Desert"),
        "the matched word is highlighted: {:?}",
        first.name
    );
    let lamp = &results.hits[3];
    assert!(
        lamp.snippet.iter().any(|h| h.hit && h.text == "desert"),
        "{:?}",
        lamp.snippet
    );

    // Stemming and prefixes: "candles" finds "Candle", "perf" finds "Perfume".
    assert_eq!(
        names(&search(&pool, &[("q", "candles")]).await),
        ["Amber Candle"]
    );
    assert_eq!(
        names(&search(&pool, &[("q", "perf")]).await),
        ["Desert Rose Perfume"]
    );
    // Category names are searchable too.
    assert_eq!(
        names(&search(&pool, &[("q", "scents")]).await),
        ["Desert Rose Perfume"]
    );
    // Arabic text.
    assert_eq!(names(&search(&pool, &[("q", "حرير")]).await), ["وشاح حرير"]);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn misspellings_are_corrected(pool: PgPool) {
    labelled(&pool).await;
    for (typed, meant, first) in [
        ("desrt", "desert", "Desert Rose Perfume"),
        ("parfume", "perfume", "Desert Rose Perfume"),
        ("blankte", "blanket", "Wool Blanket"),
        ("amber candel", "amber candle", "Amber Candle"),
        // A misspelt word before the last is corrected before any prefix is tried.
        ("ambr candle", "amber candle", "Amber Candle"),
    ] {
        let results = search(&pool, &[("q", typed)]).await;
        assert_eq!(results.corrected.as_deref(), Some(meant), "{typed}");
        assert_eq!(results.query.text, meant);
        assert_eq!(
            names(&results).first().map(String::as_str),
            Some(first),
            "{typed}"
        );
    }
    // Nothing close: no correction, no results, popular products offered instead.
    let none = search(&pool, &[("q", "xylophone")]).await;
    assert_eq!(none.total, 0);
    assert_eq!(none.corrected, None);
    assert!(none.hits.is_empty());
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn filters_and_facets_count_right(pool: PgPool) {
    labelled(&pool).await;
    // The category filter covers descendants: home holds scents, candles and itself.
    let home = search(&pool, &[("q", "desert"), ("category", "home")]).await;
    assert_eq!(
        names(&home),
        ["Desert Rose Perfume", "Amber Candle", "Table Lamp"]
    );
    let in_stock = search(&pool, &[("q", "desert"), ("in_stock", "1")]).await;
    assert_eq!(
        names(&in_stock),
        ["Desert Rose Perfume", "Wool Blanket", "Table Lamp"]
    );
    let priced = search(&pool, &[("q", "desert"), ("min", "100"), ("max", "350")]).await;
    assert_eq!(names(&priced), ["Desert Rose Perfume", "Table Lamp"]);
    let pink = search(&pool, &[("q", "desert"), ("f.colour", "pink")]).await;
    assert_eq!(names(&pink), ["Desert Rose Perfume"]);
    // Facets ignore the attribute filter itself, so the other colours stay choosable.
    let colours = pink
        .facets
        .iter()
        .find(|f| f.key == "colour")
        .expect("colour facet");
    let counts: Vec<(&str, u64)> = colours
        .values
        .iter()
        .map(|v| (v.value.as_str(), v.count))
        .collect();
    assert_eq!(
        counts,
        [("amber", 1), ("brass", 1), ("desert", 1), ("pink", 1)]
    );
    let all = search(&pool, &[("q", "desert")]).await;
    let categories: Vec<(&str, u64)> = all
        .categories
        .iter()
        .map(|c| (c.category.slug.as_str(), c.count))
        .collect();
    assert_eq!(
        categories,
        [("candles", 1), ("home", 1), ("scents", 1), ("textiles", 1)]
    );
    // Sorts other than relevance.
    let cheap_first = search(&pool, &[("q", "desert"), ("sort", "price-asc")]).await;
    assert_eq!(
        names(&cheap_first),
        [
            "Amber Candle",
            "Desert Rose Perfume",
            "Table Lamp",
            "Wool Blanket"
        ]
    );
    assert_eq!(cheap_first.query.listing.sort, Sort::PriceAsc);
    // An unknown category holds nothing (and is not an error).
    assert_eq!(
        search(&pool, &[("q", "desert"), ("category", "nope")])
            .await
            .total,
        0
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn pagination_edges(pool: PgPool) {
    labelled(&pool).await;
    let page2 = search(&pool, &[("q", "desert"), ("per_page", "1"), ("page", "2")]).await;
    assert_eq!(names(&page2), ["Amber Candle"]);
    assert_eq!(page2.total, 4);
    assert_eq!(page2.page_count(), 4);
    let past = search(
        &pool,
        &[("q", "desert"), ("per_page", "1"), ("page", "999999")],
    )
    .await;
    assert_eq!(
        past.query.listing.page, 4,
        "past the end shows the last page"
    );
    assert_eq!(names(&past), ["Table Lamp"]);
    let zero = search(
        &pool,
        &[("q", "desert"), ("page", "0"), ("per_page", "100000")],
    )
    .await;
    assert_eq!(zero.query.listing.page, 1);
    assert_eq!(zero.query.listing.per_page, app::model::MAX_PER_PAGE);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn odd_queries_never_fail(pool: PgPool) {
    labelled(&pool).await;
    let long = "desert ".repeat(500);
    for text in [
        "",
        "   ",
        "\"",
        "'",
        "''",
        "&|!():*<->",
        "desert & | ! perfume",
        "price:<10 AND category = 'x'",
        "colour = \"pink\" OR 1=1; DROP TABLE products; --",
        "🧣🧣",
        "the",
        "the a of",
        "%_\\",
        "\u{0}\u{E000}\u{E001}",
        long.as_str(),
    ] {
        let results = Engine::Postgres
            .search(
                &pool,
                &Cache::memory(8),
                Currency::Aed,
                &query(&[("q", text)]),
            )
            .await;
        assert!(results.is_ok(), "{text:?}: {results:?}");
    }
    let still_there: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(still_there, LABELLED.len() as i64);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn suggestions_match_as_you_type(pool: PgPool) {
    labelled(&pool).await;
    let engine = Engine::Postgres;
    let names = |v: Vec<app::model::ProductSummary>| -> Vec<String> {
        v.into_iter().map(|p| p.name).collect()
    };
    assert_eq!(
        names(
            engine
                .suggest(&pool, &Cache::memory(8), Currency::Aed, "des")
                .await
                .expect("suggests")
        ),
        [
            "Desert Rose Perfume",
            "Amber Candle",
            "Wool Blanket",
            "Table Lamp"
        ]
    );
    assert_eq!(
        names(
            engine
                .suggest(&pool, &Cache::memory(8), Currency::Aed, "wool blan")
                .await
                .expect("suggests")
        ),
        ["Wool Blanket"]
    );
    assert_eq!(
        names(
            engine
                .suggest(&pool, &Cache::memory(8), Currency::Aed, "blankte")
                .await
                .expect("suggests")
        ),
        ["Wool Blanket"],
        "misspelt"
    );
    assert!(engine
        .suggest(&pool, &Cache::memory(8), Currency::Aed, "  ")
        .await
        .expect("suggests")
        .is_empty());
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn submitted_searches_take_whole_words_first(pool: PgPool) {
    labelled(&pool).await;
    sqlx::raw_sql(
        "INSERT INTO products (slug, name, brand, description, status)
         VALUES ('shade', 'Brass Lampshade', 'Lumen', 'A shade of brass.', 'active');
         INSERT INTO variants (product_id, sku, price_minor, currency, stock)
         SELECT id, 'SKU-shade', 8000, 'AED', 2 FROM products WHERE slug = 'shade';",
    )
    .execute(&pool)
    .await
    .expect("lampshade");

    // "lamp" is a whole word of one name: the lampshade, which only starts with it, is left
    // out of a submitted search...
    assert_eq!(
        names(&search(&pool, &[("q", "lamp")]).await),
        ["Table Lamp"]
    );
    // ...but a word cut short, which no name holds whole, is a prefix.
    let cut = search(&pool, &[("q", "lampsh")]).await;
    assert_eq!(names(&cut), ["Brass Lampshade"]);
    assert_eq!(cut.corrected, None, "a prefix match is no correction");
    // So is the last of several words, when the others are spelt right.
    let cut = search(&pool, &[("q", "brass lampsh")]).await;
    assert_eq!(names(&cut), ["Brass Lampshade"]);
    assert_eq!(cut.corrected, None);
    // As you type, the last word is always a prefix.
    let typed = Engine::Postgres
        .suggest(&pool, &Cache::memory(8), Currency::Aed, "lamp")
        .await
        .expect("suggests");
    let typed: Vec<_> = typed.into_iter().map(|p| p.name).collect();
    assert_eq!(typed, ["Table Lamp", "Brass Lampshade"]);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn renamed_products_and_categories_are_found_by_their_new_names(pool: PgPool) {
    labelled(&pool).await;
    assert_eq!(search(&pool, &[("q", "textiles")]).await.total, 2);
    sqlx::query("UPDATE categories SET name = 'Fabrics' WHERE slug = 'textiles'")
        .execute(&pool)
        .await
        .expect("renames");
    sqlx::query("UPDATE products SET name = 'Oasis Lamp' WHERE name = 'Table Lamp'")
        .execute(&pool)
        .await
        .expect("renames");
    assert_eq!(search(&pool, &[("q", "fabrics")]).await.total, 2);
    assert_eq!(search(&pool, &[("q", "textiles")]).await.total, 0);
    let oasis = search(&pool, &[("q", "oasis")]).await;
    assert_eq!(names(&oasis), ["Oasis Lamp"]);
    // The new name joins the spelling vocabulary.
    assert_eq!(
        search(&pool, &[("q", "oassis")]).await.corrected.as_deref(),
        Some("oasis")
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn answers_are_cached_until_the_catalog_changes(pool: PgPool) {
    labelled(&pool).await;
    let cache = Cache::memory(64);
    let engine = Engine::Postgres;
    let lamp = || async {
        let results = engine
            .search(&pool, &cache, Currency::Aed, &query(&[("q", "lamp")]))
            .await
            .expect("searches");
        let suggested = engine
            .suggest(&pool, &cache, Currency::Aed, "lam")
            .await
            .expect("suggests");
        (
            names(&results),
            suggested.into_iter().map(|p| p.name).collect::<Vec<_>>(),
        )
    };
    let before = lamp().await;
    assert_eq!(before.0, ["Table Lamp"]);
    assert_eq!(before.1, ["Table Lamp"]);
    sqlx::query("UPDATE products SET name = 'Table Lamp Deluxe' WHERE name = 'Table Lamp'")
        .execute(&pool)
        .await
        .expect("renames");
    // Served from the cache: the same answer, without asking the database.
    assert_eq!(lamp().await, before);
    // A running server retires the generation on every committed change (`follow_changes`).
    app::server::catalog::invalidate(&cache).await;
    let after = lamp().await;
    assert_eq!(after.0, ["Table Lamp Deluxe"]);
    assert_eq!(after.1, ["Table Lamp Deluxe"]);
}

/// A search reads at most `MAX_HITS + 1` matches however broad its words: 1,500 products
/// match "tote" here. The exact name, the cheapest product and an attribute filter must all
/// still be right, though the rows that decide them sit past the first `MAX_HITS` matches.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn broad_searches_read_a_bounded_set_and_stay_right(pool: PgPool) {
    use app::server::search::MAX_HITS;
    sqlx::raw_sql(
        "INSERT INTO products (slug, name, attributes, description, status)
         SELECT 'tote-' || i, 'Canvas Tote Bag',
                jsonb_build_object('colour', CASE WHEN i % 3 = 0 THEN 'red' ELSE 'blue' END),
                'A roomy bag.', 'active'
         FROM generate_series(1, 1200) i;
         INSERT INTO products (slug, name, description, status)
         SELECT 'basket-' || i, 'Market Basket', 'Carry it like a tote.', 'active'
         FROM generate_series(1, 300) i;
         -- Inserted last, so past the first MAX_HITS matches in the table.
         INSERT INTO products (slug, name, description, status) VALUES
           ('tote', 'Tote', 'Plain.', 'active'),
           ('tote-cheapest', 'Canvas Tote Bag', 'The cheapest.', 'active');
         INSERT INTO variants (product_id, sku, price_minor, currency, stock)
         SELECT id, 'SKU-' || slug,
                CASE slug WHEN 'tote-cheapest' THEN 100 ELSE 5000 + id END, 'AED', 5
         FROM products;",
    )
    .execute(&pool)
    .await
    .expect("catalog");

    let broad = search(&pool, &[("q", "tote")]).await;
    assert!(broad.capped, "1,502 matches are more than {MAX_HITS}");
    assert_eq!(broad.total, MAX_HITS);
    assert_eq!(
        broad.hits[0].product.name, "Tote",
        "the exact name comes first"
    );
    assert_eq!(broad.hits.len(), 24);
    assert!(
        broad.hits[1..]
            .iter()
            .all(|h| h.product.name == "Canvas Tote Bag"),
        "name matches before description matches: {:?}",
        names(&broad)
    );

    // Sorted by price, the page comes from every match: the cheapest is found, and each page
    // is the one an unbounded sort of all 1,502 gives (the matches read are some 500 of
    // them, not the cheapest nor the dearest 500).
    let truth = |order: &'static str, offset: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(&format!(
                "SELECT slug FROM products
                 WHERE search_vector @@ to_tsquery('english', 'tote')
                 ORDER BY {order}, id DESC LIMIT 24 OFFSET $1"
            ))
            .bind(offset)
            .fetch_all(&pool)
            .await
            .expect("every match, sorted")
        }
    };
    let slugs = |r: &app::model::SearchResults| -> Vec<String> {
        r.hits.iter().map(|h| h.product.slug.clone()).collect()
    };
    let cheap = search(&pool, &[("q", "tote"), ("sort", "price-asc")]).await;
    assert!(cheap.capped);
    assert_eq!(cheap.hits[0].product.slug, "tote-cheapest");
    assert_eq!(slugs(&cheap), truth("price_min_minor ASC", 0).await);
    let dear = search(
        &pool,
        &[("q", "tote"), ("sort", "price-desc"), ("page", "2")],
    )
    .await;
    assert_eq!(slugs(&dear), truth("price_min_minor DESC", 24).await);
    let in_stock = search(
        &pool,
        &[("q", "tote"), ("sort", "price-desc"), ("in_stock", "1")],
    )
    .await;
    assert_eq!(slugs(&in_stock), truth("price_min_minor DESC", 0).await);

    // An attribute filter narrows every match, not just the ones read: all 400 red totes,
    // counted exactly; the colour facet (read without the filter) still offers blue.
    let red = search(&pool, &[("q", "tote"), ("f.colour", "red")]).await;
    assert!(!red.capped);
    assert_eq!(red.total, 400);
    let colours: Vec<&str> = red
        .facets
        .iter()
        .find(|f| f.key == "colour")
        .expect("colour facet")
        .values
        .iter()
        .map(|v| v.value.as_str())
        .collect();
    assert!(
        colours.contains(&"blue") && colours.contains(&"red"),
        "{colours:?}"
    );

    // Pages stop at MAX_HITS: past the end is the last page.
    let past = search(&pool, &[("q", "tote"), ("page", "999")]).await;
    let last = u32::try_from(MAX_HITS.div_ceil(24)).expect("pages");
    assert_eq!(past.query.listing.page, last);
    assert_eq!(past.hits.len() as u64, MAX_HITS - u64::from(last - 1) * 24);

    // Under the bound nothing changes: 300 baskets, counted exactly.
    let narrow = search(&pool, &[("q", "basket")]).await;
    assert!(!narrow.capped);
    assert_eq!(narrow.total, 300);
}

/// A word in more names than a slice of the table needs to fill the bound (an eighth of the
/// products: `products_name_slice_idx`): 6,000 scarves. The read stops in the slice, and what
/// it shows is still right: the exact name first, each product once, prices sorted over
/// every match.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn words_in_very_many_names_are_read_from_a_slice_and_stay_right(pool: PgPool) {
    use app::server::search::MAX_HITS;
    sqlx::raw_sql(
        "INSERT INTO products (slug, name, description, status)
         SELECT 'scarf-' || i, 'Wool Scarf', 'Warm.', 'active' FROM generate_series(1, 6000) i;
         INSERT INTO products (slug, name, description, status) VALUES
           ('scarf', 'Scarf', 'Plain.', 'active');
         INSERT INTO variants (product_id, sku, price_minor, currency, stock)
         SELECT id, 'SKU-' || slug, 1000 + (id * 7919) % 100000, 'AED', 5 FROM products;",
    )
    .execute(&pool)
    .await
    .expect("catalog");
    let in_slice: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM products WHERE status = 'active' AND (hashint8(id) & 7) = 0",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert!(
        in_slice > MAX_HITS as i64,
        "the slice alone holds more than the bound: {in_slice}"
    );

    let first = search(&pool, &[("q", "scarf")]).await;
    assert!(first.capped);
    assert_eq!(first.total, MAX_HITS);
    assert_eq!(first.hits[0].product.slug, "scarf", "the exact name first");
    let mut seen = std::collections::HashSet::new();
    let pages = MAX_HITS.div_ceil(24);
    for page in 1..=pages {
        let page = page.to_string();
        let results = search(&pool, &[("q", "scarf"), ("page", &page)]).await;
        for hit in results.hits {
            assert!(
                seen.insert(hit.product.slug.clone()),
                "{} twice",
                hit.product.slug
            );
        }
    }
    assert_eq!(seen.len() as u64, MAX_HITS, "every page, each product once");

    let cheapest: Vec<String> = sqlx::query_scalar(
        "SELECT slug FROM products WHERE name_vector @@ to_tsquery('english', 'scarf')
         ORDER BY price_min_minor, id DESC LIMIT 24",
    )
    .fetch_all(&pool)
    .await
    .expect("every match, sorted");
    let cheap = search(&pool, &[("q", "scarf"), ("sort", "price-asc")]).await;
    let slugs: Vec<String> = cheap.hits.iter().map(|h| h.product.slug.clone()).collect();
    assert_eq!(
        slugs, cheapest,
        "the cheapest over every match, not the slice"
    );

    let suggested = Engine::Postgres
        .suggest(&pool, &Cache::memory(64), Currency::Aed, "scarf")
        .await
        .expect("suggests");
    assert_eq!(
        suggested.first().map(|p| p.slug.as_str()),
        Some("scarf"),
        "as you type, the exact name too"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn arabic_names_are_found_however_their_letters_are_written(pool: PgPool) {
    labelled(&pool).await;
    crate::support::product(
        &pool,
        "ibriq",
        ("إبريق قهوة نُحاسي", "Souk Studio", "إبريق تقليدي."),
        15_000,
        3,
        "active",
    )
    .await;
    // Alef with hamza or without, taa marbuta or heh, with or without diacritics and tatweel.
    for q in [
        "إبريق",
        "ابريق",
        "أبريق",
        "قهوه",
        "قَهْوَة",
        "قهـــوة",
        "نحاسي",
        "ابريق قهوه نحاسى",
    ] {
        assert_eq!(
            names(&search(&pool, &[("q", q)]).await),
            ["إبريق قهوة نُحاسي"],
            "{q}"
        );
    }
    assert_eq!(names(&search(&pool, &[("q", "حرير")]).await), ["وشاح حرير"]);
    // A typo in an Arabic word is corrected against the folded vocabulary.
    let typo = search(&pool, &[("q", "ابريك")]).await;
    assert_eq!(names(&typo), ["إبريق قهوة نُحاسي"]);
    // An English name does not answer an Arabic word (until names are translated).
    assert_eq!(search(&pool, &[("q", "شمعة")]).await.total, 0);
}
