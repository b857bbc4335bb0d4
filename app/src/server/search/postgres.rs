//! The PostgreSQL engine: `products.search_vector` (weighted: name, then brand and categories,
//! then attributes, then description) matched with `to_tsquery('english', ...)`: whole words
//! for a submitted search, the last word as a prefix as you type or when whole words find
//! nothing. Products whose name holds every word are found through `products.name_vector`.
//! Ranked by cover density without length normalisation (a long, rich description must not
//! push a product below a bare one whose name matches just as well) plus, when the name holds
//! every word, the share of the name the words make up (the product named exactly so comes
//! first, a bare "Linen Shirt" before "Linen Shirt with Pockets"). When nothing matches what
//! was typed, spelling is corrected against `search_words` by trigram distance (pg_trgm) and
//! edit distance.

use super::{plain_snippet, MAX_HITS};
use crate::model::{
    query_words, split_highlights, CategoryCount, CategoryLink, Currency, Facet, FacetValue,
    ListingQuery, ProductSummary, SearchHit, SearchQuery, SearchResults, Sort, HIGHLIGHT_END,
    HIGHLIGHT_START,
};
use crate::server::catalog::{self, attributes_json, SummaryRow};
use crate::server::Error;
use sqlx::PgPool;

/// Categories listed in the results' category facet.
const CATEGORY_FACETS: i64 = 12;
/// Nearest vocabulary words (by trigram distance) considered as a correction of one word.
const CORRECTION_CANDIDATES: i64 = 8;

/// What a search looks for: every word required, the last one also as a prefix when
/// `prefix` (results as you type, or a word cut short).
#[derive(Clone, Copy)]
struct Terms<'a> {
    words: &'a [String],
    prefix: bool,
}

impl Terms<'_> {
    /// `'w1' & 'w2' & 'w3'`, or `... & 'w3':*` with `prefix`: words quoted (they hold only
    /// letters and digits anyway).
    fn tsquery(&self) -> String {
        let n = self.words.len();
        self.words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let quoted = format!("'{}'", w.replace('\'', "''"));
                if self.prefix && i + 1 == n {
                    format!("{quoted}:*")
                } else {
                    quoted
                }
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

fn headline_options(whole: bool) -> String {
    let common = format!(r#"StartSel="{HIGHLIGHT_START}", StopSel="{HIGHLIGHT_END}""#);
    if whole {
        format!("{common}, HighlightAll=true")
    } else {
        format!("{common}, MaxWords=24, MinWords=12, MaxFragments=1")
    }
}

pub(super) async fn search(
    db: &PgPool,
    currency: Currency,
    query: &SearchQuery,
) -> Result<SearchResults, Error> {
    let mut results = SearchResults::empty(query.clone());
    let words = query_words(&query.text);
    if words.is_empty() {
        return Ok(results);
    }
    let categories = match &query.category {
        Some(slug) => match catalog::subtree_ids(db, slug).await? {
            Some(ids) => Some(ids),
            None => return Ok(results), // an unknown category holds nothing
        },
        None => None,
    };
    let scope = Scope {
        categories: categories.as_deref(),
        listing: &query.listing,
        bound: MAX_HITS as i64,
    };

    let mut found = best_matches(db, currency, words, &scope, Typing::Submitted).await?;
    if found.corrected {
        results.corrected = Some(found.words.join(" "));
        results.query.text = found.words.join(" ");
    }
    let page = &mut found.page;
    if page.total == 0 {
        return Ok(results);
    }
    if page.hits.is_empty() {
        // Past the end: show the last page (the facets do not depend on the page).
        results.query.listing = query
            .listing
            .with_page(query.listing.page_count(page.total));
        let listing = results.query.listing.clone();
        let last = Scope {
            listing: &listing,
            ..scope
        };
        let terms = Terms {
            words: &found.words,
            prefix: found.prefix,
        };
        page.hits = matches(db, currency, terms, &last, false).await?.hits;
    }
    results.hits = std::mem::take(&mut page.hits);
    results.total = page.total;
    results.capped = page.capped;
    results.facets = std::mem::take(&mut page.facets);
    results.categories = std::mem::take(&mut page.categories);
    Ok(results)
}

/// Matches read for suggestions: enough to find the closest names (the exact name is always
/// among them), fewer than a search's.
const SUGGESTION_READS: i64 = 200;

pub(super) async fn suggest(
    db: &PgPool,
    currency: Currency,
    words: &[String],
) -> Result<Vec<ProductSummary>, Error> {
    let listing = ListingQuery {
        sort: crate::model::Sort::Relevance,
        per_page: super::SUGGESTIONS as u32,
        ..ListingQuery::default()
    };
    let scope = Scope {
        categories: None,
        listing: &listing,
        bound: SUGGESTION_READS,
    };
    let found = best_matches(db, currency, words.to_vec(), &scope, Typing::AsYouType).await?;
    Ok(found.page.hits.into_iter().map(|h| h.product).collect())
}

/// How the words were typed, which decides whether the last one is a prefix.
#[derive(Clone, Copy, PartialEq)]
enum Typing {
    /// Suggestions: the last word is being typed, so it is always a prefix.
    AsYouType,
    /// A submitted search: whole words first ("dress" finds dresses, not every dresser), the
    /// last word as a prefix only when whole words find nothing ("perf" finds perfume).
    Submitted,
}

/// What [`best_matches`] found, and for which words.
struct Found {
    words: Vec<String>,
    prefix: bool,
    /// `words` are a spelling correction of what was typed.
    corrected: bool,
    page: Page,
}

/// Matches for `words` (see [`Typing`]); when there are none, matches for their spelling
/// correction if that finds any.
///
/// A submitted search that finds nothing as typed tries the last word as a prefix before the
/// correction ("perf" finds perfume), except when the correction changes a word before the
/// last: then the prefix search could only find products holding that misspelt word, and it
/// is the costly one, since its index scan gathers every product with a word so begun
/// ("cottn dres": every dress, dresser and dressing, 3 ms at 100,000 products). The
/// correction goes first then, and the prefix search only if the correction finds nothing.
async fn best_matches(
    db: &PgPool,
    currency: Currency,
    words: Vec<String>,
    scope: &Scope<'_>,
    typing: Typing,
) -> Result<Found, Error> {
    let as_you_type = typing == Typing::AsYouType;
    let with_facets = !as_you_type;
    let attempt = async |words: &[String], prefix: bool| {
        let terms = Terms { words, prefix };
        matches(db, currency, terms, scope, with_facets).await
    };
    let found = |words, prefix, corrected, page| Found {
        words,
        prefix,
        corrected,
        page,
    };
    let page = attempt(&words, as_you_type).await?;
    if page.total > 0 {
        return Ok(found(words, as_you_type, false, page));
    }
    // The correction, computed once, and whether it was already searched for.
    let (mut fixed, mut fixed_tried) = (None, false);
    if !as_you_type {
        if words.len() > 1 {
            let correction = correct(db, &words).await?;
            let before_last = words.len() - 1;
            if correction[..before_last] != words[..before_last] {
                let retry = attempt(&correction, false).await?;
                if retry.total > 0 {
                    return Ok(found(correction, false, true, retry));
                }
                fixed_tried = true;
            }
            fixed = Some(correction);
        }
        let retry = attempt(&words, true).await?;
        if retry.total > 0 {
            return Ok(found(words, true, false, retry));
        }
    }
    if !fixed_tried {
        let fixed = match fixed {
            Some(fixed) => fixed,
            None => correct(db, &words).await?,
        };
        if fixed != words {
            let retry = attempt(&fixed, as_you_type).await?;
            if retry.total > 0 {
                return Ok(found(fixed, as_you_type, true, retry));
            }
        }
    }
    Ok(found(words, as_you_type, false, page))
}

/// What a search is limited to besides its words.
#[derive(Clone, Copy)]
struct Scope<'a> {
    categories: Option<&'a [i64]>,
    listing: &'a ListingQuery,
    /// The most matches read (ranked, counted and faceted): [`MAX_HITS`] for a search.
    bound: i64,
}

struct Page {
    hits: Vec<SearchHit>,
    total: u64,
    /// More than `bound` products match: `total` is the bound.
    capped: bool,
    facets: Vec<Facet>,
    categories: Vec<CategoryCount>,
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
async fn matches(
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
struct Best {
    total: i64,
    facets: sqlx::types::Json<Vec<FacetRow>>,
    page: Vec<i64>,
    /// In a price sort, the price of the page's last row when the page is full; `None`
    /// otherwise. The rows read are all matches, so at least a page's worth of matches lie on
    /// this side of it: so does the true page over every match, and [`walk`] reads only that
    /// range. Without it (a page that reaches past `bound`), [`walk`] takes the plain walk.
    edge: Option<i64>,
}

/// One statement over at most `bound + 1` matches (words, category subtree, price, stock
/// and `attributes`): the exact name, then name matches, then the rest. Returns how many, the
/// facet counts (when `with_facets`) and, when `with_page`, the ids of the page in the
/// chosen order.
async fn best(
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
async fn walk(
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

/// The hits for `ids`, in that order: card fields, first picture, and the name and a passage
/// of the description with the words marked.
async fn display(
    db: &PgPool,
    currency: Currency,
    terms: Terms<'_>,
    ids: &[i64],
) -> Result<Vec<SearchHit>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query!(
        r#"SELECT p.slug, p.name, p.brand, p.price_min_minor, p.price_max_minor, p.in_stock,
                  img.storage_key AS "image_key?", img.alt AS "image_alt?",
                  img.width AS "image_width?", img.height AS "image_height?",
                  ts_headline('english', p.name, q.query, $3) AS "name_marked!",
                  ts_headline('english', p.description, q.query, $4) AS "snippet_marked!"
           FROM unnest($1::bigint[]) WITH ORDINALITY AS page (id, n)
           JOIN products p ON p.id = page.id
           CROSS JOIN (SELECT to_tsquery('english', $2) AS query) q
           LEFT JOIN LATERAL (
               SELECT storage_key, alt, width, height FROM product_images i
               WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1
           ) img ON true
           ORDER BY page.n"#,
        ids,
        terms.tsquery(),
        headline_options(true),
        headline_options(false),
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let row = SummaryRow {
                slug: r.slug,
                name: r.name,
                brand: r.brand,
                price_min_minor: r.price_min_minor,
                price_max_minor: r.price_max_minor,
                in_stock: r.in_stock,
                image_key: r.image_key,
                image_alt: r.image_alt,
                image_width: r.image_width,
                image_height: r.image_height,
            };
            SearchHit {
                product: row.into_summary(currency),
                name: split_highlights(&r.name_marked),
                snippet: plain_snippet(&r.snippet_marked),
            }
        })
        .collect())
}

/// A facet count as the search query returns it: `[kind, key, value, count]`.
#[derive(Debug, serde::Deserialize)]
struct FacetRow(String, String, String, i64);

/// Attribute values (top 30 per attribute, by key) and categories (by count).
fn facet_counts(rows: Vec<FacetRow>) -> (Vec<Facet>, Vec<CategoryCount>) {
    let mut facets: Vec<Facet> = Vec::new();
    let mut categories = Vec::new();
    for FacetRow(kind, key, value, count) in rows {
        let count = u64::try_from(count).unwrap_or(0);
        if kind == "category" {
            categories.push(CategoryCount {
                category: CategoryLink {
                    slug: key,
                    name: value,
                },
                count,
            });
            continue;
        }
        let value = FacetValue { value, count };
        match facets.iter_mut().find(|f| f.key == key) {
            Some(f) => f.values.push(value),
            None => facets.push(Facet {
                key,
                values: vec![value],
            }),
        }
    }
    facets.sort_by(|a, b| a.key.cmp(&b.key));
    (facets, categories)
}

/// Each word replaced by the closest vocabulary word when it is not one itself: candidates
/// by trigram distance, chosen by edit distance (a swapped pair of letters counts as one
/// edit), at most 1 edit for words up to 4 letters and 2 beyond.
async fn correct(db: &PgPool, words: &[String]) -> Result<Vec<String>, Error> {
    let rows = sqlx::query!(
        r#"SELECT q.i AS "i!", c.word AS "candidate?"
           FROM unnest($1::text[]) WITH ORDINALITY AS q (word, i)
           LEFT JOIN LATERAL (
               SELECT w.word FROM search_words w
               ORDER BY w.word <-> q.word, w.word
               LIMIT $2
           ) c ON true
           ORDER BY q.i"#,
        words,
        CORRECTION_CANDIDATES,
    )
    .fetch_all(db)
    .await?;
    let mut corrected = words.to_vec();
    for (index, word) in words.iter().enumerate() {
        let allowed = if word.chars().count() <= 4 { 1 } else { 2 };
        let best = rows
            .iter()
            .filter(|r| usize::try_from(r.i - 1).ok() == Some(index))
            .filter_map(|r| r.candidate.as_deref())
            .map(|c| (edit_distance(word, c), c))
            .filter(|(d, _)| *d <= allowed)
            .min_by_key(|(d, _)| *d);
        if let Some((_, c)) = best {
            corrected[index] = c.to_owned();
        }
    }
    Ok(corrected)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters each cost one.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsquery_quotes_words_and_prefixes_the_last() {
        let words = vec!["linen".to_owned(), "sh".to_owned(), "o'neill".to_owned()];
        let terms = |prefix| Terms {
            words: &words,
            prefix,
        };
        assert_eq!(terms(false).tsquery(), "'linen' & 'sh' & 'o''neill'");
        assert_eq!(terms(true).tsquery(), "'linen' & 'sh' & 'o''neill':*");
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("shrit", "shirt"), 1);
        assert_eq!(edit_distance("linnen", "linen"), 1);
        assert_eq!(edit_distance("sandels", "sandals"), 1);
        assert_eq!(edit_distance("scraf", "scarf"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("حرير", "حرير"), 0);
    }

    #[test]
    fn snippets_lose_rich_text_markers() {
        let marked = format!("**Soft** {HIGHLIGHT_START}linen{HIGHLIGHT_END}\n- Relaxed fit");
        let text: String = plain_snippet(&marked)
            .iter()
            .map(|h| h.text.as_str())
            .collect();
        assert_eq!(text, "Soft linen Relaxed fit");
    }
}
