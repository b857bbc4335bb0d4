//! The bounded read of the best matches: the exact name first, then names holding every
//! word, then the rest, with facet counts, and the page in the chosen order.

use super::display::{display, facet_counts, FacetRow};
use super::{Terms, CATEGORY_FACETS};
use crate::model::{CategoryCount, Currency, Facet, ListingQuery, SearchHit, Sort};
use crate::server::catalog::attributes_json;
use crate::server::Error;
use sqlx::PgPool;

/// What a search is limited to besides its words.
#[derive(Clone, Copy)]
pub(super) struct Scope<'a> {
    pub(super) categories: Option<&'a [i64]>,
    pub(super) listing: &'a ListingQuery,
    /// The most matches read (ranked, counted and faceted): [`MAX_HITS`] for a search.
    pub(super) bound: i64,
}

pub(super) struct Page {
    pub(super) hits: Vec<SearchHit>,
    pub(super) total: u64,
    /// More than `bound` products match: `total` is the bound.
    pub(super) capped: bool,
    pub(super) facets: Vec<Facet>,
    pub(super) categories: Vec<CategoryCount>,
}

/// The best matches, at most `scope.bound`, with the words' page, total and facet counts.
/// Work is bounded: however many products match, a search reads at most `bound + 1` of
/// them: the product named exactly what was typed, then those whose name holds every word,
/// then the others; within that set, relevance is exact. When more match, the total is a
/// lower bound, the facets count the best matches, and a price or newest sort takes its page
/// from every match ([`walk`]), so the cheapest or newest product is never missed.
///
/// The facets leave the attribute filters out (so that other values stay choosable): with
/// attribute filters, they come from a second bounded read without them, run alongside.
pub(super) async fn matches(
    db: &PgPool,
    currency: Currency,
    terms: Terms<'_>,
    scope: &Scope<'_>,
    with_facets: bool,
) -> Result<Page, Error> {
    let listing = scope.listing;
    let attributes = attributes_json(listing);
    let filtered = !listing.attributes.is_empty();
    let facets_apart = with_facets && filtered;
    // The page (read, walked, rendered) goes on while the facets apart are still counted.
    let ((best, hits), apart) = tokio::try_join!(
        async {
            let (facets, page) = (with_facets && !filtered, true);
            let mut read = best(db, terms, scope, &attributes, facets, page).await?;
            let ids = if read.total > scope.bound && listing.sort != Sort::Relevance {
                walk(db, terms, scope, &attributes, read.edge).await?
            } else {
                std::mem::take(&mut read.page)
            };
            let hits = display(db, currency, terms, &ids).await?;
            Ok::<_, Error>((read, hits))
        },
        async {
            if !facets_apart {
                return Ok(None);
            }
            let unfiltered = serde_json::Value::Object(Default::default());
            best(db, terms, scope, &unfiltered, true, false)
                .await
                .map(Some)
        },
    )?;
    let facets = apart.map_or(best.facets, |a| a.facets);
    let (facets, categories) = facet_counts(facets.0);
    Ok(Page {
        hits,
        total: u64::try_from(best.total.min(scope.bound)).unwrap_or(0),
        capped: best.total > scope.bound,
        facets,
        categories,
    })
}

/// What [`best`] reads: how many matched (at most `scope.bound + 1`), the facet counts, the
/// page's product ids in order, and its edge.
pub(super) struct Best {
    pub(super) total: i64,
    pub(super) facets: sqlx::types::Json<Vec<FacetRow>>,
    pub(super) page: Vec<i64>,
    /// In a price sort, the price of the page's last row when the page is full; `None`
    /// otherwise. The rows read are all matches, so at least a page's worth of matches lie on
    /// this side of it: so does the true page over every match, and [`walk`] reads only that
    /// range. Without it (a page that reaches past `bound`), [`walk`] takes the plain walk.
    pub(super) edge: Option<i64>,
}

/// One statement over at most `bound + 1` matches (words, category subtree, price, stock
/// and `attributes`): the exact name, then name matches, then the rest. Returns how many, the
/// facet counts (when `with_facets`) and, when `with_page`, the ids of the page in the
/// chosen order.
pub(super) async fn best(
    db: &PgPool,
    terms: Terms<'_>,
    scope: &Scope<'_>,
    attributes: &serde_json::Value,
    with_facets: bool,
    with_page: bool,
) -> Result<Best, Error> {
    let listing = scope.listing;
    let per_page = if with_page {
        i64::from(listing.per_page)
    } else {
        0
    };
    let offset = listing.offset();
    let filtered = attributes.as_object().is_some_and(|a| !a.is_empty());
    // One text with the attribute filter and one without, so that each keeps a reused
    // (generic) plan that fits it. In one text the filter read `($6 = '{}' OR attributes @>
    // $6)`, which a generic plan cannot take from the `attributes` index, so filtered searches
    // were planned for their values each time: "cotton" in indigo took 6.4 ms, 0.9 of it
    // planning, at 100,000 products; 3.6 ms now.
    //
    // Without the attribute filter, the name matches are read from slices of the table first
    // (an eighth each, by a hash of the id: `products_name_slice_idx` and `_slice1_idx`,
    // migrations `_20` and `_21`), then from the rest only when the slices held too few. A
    // bitmap index scan decodes a word's whole list of products, so a broad word cost the same
    // whether a search then read 501 of its matches or all of them: 3 ms for the 19,401 names
    // with "cotton" at 100,000 products, 7.6 ms for the prefix "cot" as you type; from the
    // first slice, 0.5 ms. A word in 1,000 to 4,000 names fills the read from the second
    // slice ("linen": 385 from the first, 116 from the second, whose list decodes in 0.08 ms
    // where the whole index's took 0.6). Only a narrow word goes on into the rest (its list is
    // short anyway). With attribute filters the slices are left out: each of their reads would
    // intersect with the attribute's whole list.
    // The SQL's CASE arms match the URL names of the sorts; relevance is the fallback.
    macro_rules! read {
        ($attributes:tt, $slice:tt, $slice1:tt, $rest:tt) => {
            sqlx::query!(
                r#"WITH q AS (SELECT to_tsquery('english', $1) AS query),
           -- At most $9 rows: the product named exactly so (found by its index wherever it
           -- is), the name matches (every word in the name; those in the slice first),
           -- then the others.
           -- Narrow rows; relevance is computed only when it orders the results.
           matched AS (
               SELECT c.id, c.price_min_minor, c.created_at, c.facet_terms, c.category_ids,
                      -- Cover density, plus for name matches how much of the name the words
                      -- are (a bare "Linen Shirt" before "Linen Shirt with Pockets").
                      CASE WHEN $7 = 'relevance'
                           THEN ts_rank_cd(c.search_vector, q.query, 0)
                                + CASE WHEN c.tier < 3
                                       THEN length($8)::real / greatest(length(c.name), 1)
                                       ELSE 0 END
                      END AS rank
               FROM ((SELECT 1 AS tier, p.id, p.price_min_minor, p.created_at, p.facet_terms,
                             p.category_ids, p.search_vector, p.name
                      FROM products p CROSS JOIN q
                      WHERE p.status = 'active' AND lower(p.name) = $8
                        AND p.search_vector @@ q.query
                        AND ($2::bigint[] IS NULL OR p.category_ids && $2)
                        AND ($3::bigint IS NULL OR p.price_min_minor >= $3)
                        AND ($4::bigint IS NULL OR p.price_min_minor <= $4)
                        AND (NOT $5 OR p.in_stock)
                        AND "# + $attributes + r#"
                      LIMIT $9)
                     UNION ALL
                     (SELECT 2, p.id, p.price_min_minor, p.created_at, p.facet_terms,
                             p.category_ids, p.search_vector, p.name
                      FROM products p CROSS JOIN q
                      WHERE p.status = 'active' AND p.name_vector @@ q.query
                        AND lower(p.name) <> $8
                        AND ($2::bigint[] IS NULL OR p.category_ids && $2)
                        AND ($3::bigint IS NULL OR p.price_min_minor >= $3)
                        AND ($4::bigint IS NULL OR p.price_min_minor <= $4)
                        AND (NOT $5 OR p.in_stock)
                        AND "# + $attributes + r#"
                        AND "# + $slice + r#"
                      LIMIT $9)
                     UNION ALL
                     (SELECT 2, p.id, p.price_min_minor, p.created_at, p.facet_terms,
                             p.category_ids, p.search_vector, p.name
                      FROM products p CROSS JOIN q
                      WHERE p.status = 'active' AND p.name_vector @@ q.query
                        AND lower(p.name) <> $8
                        AND ($2::bigint[] IS NULL OR p.category_ids && $2)
                        AND ($3::bigint IS NULL OR p.price_min_minor >= $3)
                        AND ($4::bigint IS NULL OR p.price_min_minor <= $4)
                        AND (NOT $5 OR p.in_stock)
                        AND "# + $attributes + r#"
                        AND "# + $slice1 + r#"
                      LIMIT $9)
                     UNION ALL
                     (SELECT 2, p.id, p.price_min_minor, p.created_at, p.facet_terms,
                             p.category_ids, p.search_vector, p.name
                      FROM products p CROSS JOIN q
                      WHERE p.status = 'active' AND p.name_vector @@ q.query
                        AND lower(p.name) <> $8
                        AND ($2::bigint[] IS NULL OR p.category_ids && $2)
                        AND ($3::bigint IS NULL OR p.price_min_minor >= $3)
                        AND ($4::bigint IS NULL OR p.price_min_minor <= $4)
                        AND (NOT $5 OR p.in_stock)
                        AND "# + $attributes + r#"
                        AND "# + $rest + r#"
                      LIMIT $9)
                     UNION ALL
                     (SELECT 3, p.id, p.price_min_minor, p.created_at, p.facet_terms,
                             p.category_ids, p.search_vector, p.name
                      FROM products p CROSS JOIN q
                      WHERE p.status = 'active' AND p.search_vector @@ q.query
                        AND NOT p.name_vector @@ q.query
                        AND ($2::bigint[] IS NULL OR p.category_ids && $2)
                        AND ($3::bigint IS NULL OR p.price_min_minor >= $3)
                        AND ($4::bigint IS NULL OR p.price_min_minor <= $4)
                        AND (NOT $5 OR p.in_stock)
                        AND "# + $attributes + r#"
                      LIMIT $9)
                     LIMIT $9) c
               CROSS JOIN q
           ),
           -- The page, within the first `bound` (the extra row only says there are more):
           -- a top-N sort of the matches read.
           page AS (
               SELECT id, rank,
                      CASE WHEN $7 = 'price-asc' THEN price_min_minor END AS cheap,
                      CASE WHEN $7 = 'price-desc' THEN price_min_minor END AS dear,
                      CASE WHEN $7 = 'newest' THEN created_at END AS recent
               FROM matched
               ORDER BY cheap, dear DESC, recent DESC, rank DESC, id DESC
               LIMIT greatest(least($10, $9 - 1 - $11), 0) OFFSET $11
           ),
           -- Facet terms are `key<US>value` (product_facet_terms); unnested in the select
           -- list, they are counted without a function scan per match.
           terms AS (
               SELECT term, count(*) AS n
               FROM (SELECT unnest(facet_terms) AS term FROM matched WHERE $12) t
               GROUP BY term
           ),
           attrs AS (
               SELECT key, substr(term, length(key) + 2) AS value, n,
                      row_number() OVER (PARTITION BY key
                                         ORDER BY n DESC, substr(term, length(key) + 2)) AS r
               FROM (SELECT term, n, split_part(term, chr(31), 1) AS key FROM terms) t
           ),
           cats AS (
               SELECT c.slug, c.name, mc.n
               FROM (SELECT id, count(*) AS n
                     FROM (SELECT unnest(category_ids) AS id FROM matched WHERE $12) u
                     GROUP BY id) mc
               JOIN categories c ON c.id = mc.id
               ORDER BY mc.n DESC, c.name
               LIMIT $13
           )
           SELECT (SELECT count(*) FROM matched) AS "total!",
                  (SELECT coalesce(jsonb_agg(jsonb_build_array(kind, key, value, n)
                                             ORDER BY kind, n DESC, key, value), '[]')
                   FROM (SELECT 'attribute' AS kind, key, value, n FROM attrs WHERE r <= 30
                         UNION ALL
                         SELECT 'category', slug, name, n FROM cats) f)
                      AS "facets!: sqlx::types::Json<Vec<FacetRow>>",
                  (SELECT coalesce(array_agg(id ORDER BY cheap, dear DESC, recent DESC,
                                                      rank DESC, id DESC), '{}')
                   FROM page) AS "page!",
                  -- In a price sort, the price of a full page's last row (`Best::edge`).
                  (SELECT coalesce(max(cheap), min(dear)) FROM page
                   HAVING count(*) = $10) AS edge"#,
                terms.tsquery(),
                scope.categories as Option<&[i64]>,
                listing.min_price.map(|m| m.minor),
                listing.max_price.map(|m| m.minor),
                listing.in_stock,
                attributes,
                listing.sort.param(),
                terms.words.join(" "),
                scope.bound + 1,
                per_page,
                offset,
                with_facets,
                CATEGORY_FACETS,
            )
            .fetch_one(db)
            .await
            .map(|row| Best {
                total: row.total,
                facets: row.facets,
                page: row.page,
                edge: row.edge,
            })
        };
    }
    let read = if filtered {
        read!("p.attributes @> $6", "false", "false", "true")
    } else {
        read!(
            "$6::jsonb = '{}'",
            "(hashint8(p.id) & 7) = 0",
            "(hashint8(p.id) & 7) = 1",
            "(hashint8(p.id) & 7) > 1"
        )
    };
    Ok(read?)
}

/// The page's ids in a price or newest sort over every match: for searches too broad to read
/// whole. Relevance never gets here. The statement is not kept prepared, so it is planned
/// for its values (the attribute filter and the edge decide the plan).
///
/// Newest first, it walks `products_active_created_idx` until a page of matches turns up.
///
/// By price, the same walk (`products_active_price_idx`) would pass every product that does
/// not match, however many ("silk", dearest first: 8,000 dearer products that are not silk,
/// 8 ms at 100,000 products). So with the [edge](Best::edge), the page is read instead from
/// the range between the sort's end and the edge, by bitmap scans: the words' index and the
/// price index are intersected (`BitmapAnd`, which needs the words' GIN index not to share
/// the price index's `status = 'active'` predicate, see migration `_19`), and only the matches
/// in range are fetched and sorted (2 ms for the same "silk"). The matches read come in the
/// table's order, which follows when products were added and says nothing of their prices,
/// so the edge is close to the page; for the newest sort it would be far from it.
pub(super) async fn walk(
    db: &PgPool,
    terms: Terms<'_>,
    scope: &Scope<'_>,
    attributes: &serde_json::Value,
    edge: Option<i64>,
) -> Result<Vec<i64>, Error> {
    let listing = scope.listing;
    let edge = edge.filter(|_| listing.sort != Sort::Newest);
    // Fixed texts only: the order and range are chosen here, never taken from the request.
    // Within an edge, the price is ordered as `price_min_minor + 0`, which no index offers:
    // an index scan in price order would be the walk again, and the planner, taking matches
    // to be spread evenly over prices, prefers it whenever a page is small.
    let (order, within) = match (listing.sort, edge.is_some()) {
        (Sort::PriceAsc, false) => ("p.price_min_minor ASC, p.id DESC", "true"),
        (Sort::PriceAsc, true) => (
            "p.price_min_minor + 0 ASC, p.id DESC",
            "p.price_min_minor <= $9",
        ),
        (Sort::PriceDesc, false) => ("p.price_min_minor DESC, p.id DESC", "true"),
        (Sort::PriceDesc, true) => (
            "p.price_min_minor + 0 DESC, p.id DESC",
            "p.price_min_minor >= $9",
        ),
        _ => ("p.created_at DESC, p.id DESC", "true"),
    };
    let per_page = i64::from(listing.per_page);
    let offset = listing.offset();
    let sql = format!(
        "SELECT p.id FROM products p
         WHERE p.status = 'active' AND p.search_vector @@ to_tsquery('english', $1)
           AND ($2::bigint[] IS NULL OR p.category_ids && $2)
           AND ($3::bigint IS NULL OR p.price_min_minor >= $3)
           AND ($4::bigint IS NULL OR p.price_min_minor <= $4)
           AND (NOT $5 OR p.in_stock) AND ($6::jsonb = '{{}}' OR p.attributes @> $6)
           AND ($9::bigint IS NULL OR {within})
         ORDER BY {order} LIMIT $7 OFFSET $8"
    );
    Ok(sqlx::query_scalar(&sql)
        .persistent(false)
        .bind(terms.tsquery())
        .bind(scope.categories)
        .bind(listing.min_price.map(|m| m.minor))
        .bind(listing.max_price.map(|m| m.minor))
        .bind(listing.in_stock)
        .bind(attributes)
        .bind(per_page)
        .bind(offset)
        .bind(edge)
        .fetch_all(db)
        .await?)
}
