//! A category's products, filtered, sorted and paged, with its facets: read from
//! `category_listings` and `category_term_counts` (migration 30), so the work per page is
//! about the size of the page, never the size of the category.
//!
//! * A page walks the index for its sort (one per sort, each carrying the filter columns)
//!   from the category's first product in that order: no sort of the whole subtree.
//! * The total is a maintained count when the filters are the ones counts are kept for (stock,
//!   and at most one attribute); otherwise products are counted up to [`COUNT_AHEAD`] from
//!   the page and the total is a lower bound ("1,000+ products").
//! * Facet counts are maintained per category (all products, and those in stock). A price
//!   filter has no maintained counts: the matching products are counted directly up to
//!   [`FACET_SAMPLE`], and past that the values are shown without counts.

use super::listing::SummaryRow;
use crate::model::{Currency, Facet, FacetValue, ListingQuery, ProductSummary, Sort};
use crate::server::Error;
use sqlx::PgPool;

/// How far past the current page a bounded count looks.
pub const COUNT_AHEAD: i64 = 1_000;
/// The most price-filtered products whose facet terms are counted.
pub const FACET_SAMPLE: i64 = 2_000;
/// At most this many values per attribute, most common first, so one long-tailed key cannot
/// hide the others.
const VALUES_PER_FACET: usize = 30;
/// Facet terms are `key<US>value` (`product_facet_terms`).
const TERM_SEPARATOR: char = '\u{1f}';

/// The filter every listing query applies to `category_listings l` ($1 category, $2/$3
/// price bounds, $4 in stock only, $5 facet terms all present).
macro_rules! filtered {
    () => {
        "FROM category_listings l
         WHERE l.category_id = $1
           AND ($2::bigint IS NULL OR l.price_min_minor >= $2)
           AND ($3::bigint IS NULL OR l.price_min_minor <= $3)
           AND (NOT $4 OR l.in_stock)
           AND l.facet_terms @> $5::text[]"
    };
}

/// One page in the order `$order` (a walk of the index made for that order), with each
/// product's card columns and first picture.
macro_rules! page_sql {
    ($order:literal) => {
        concat!(
            "WITH page AS (
                 SELECT l.product_id, row_number() OVER (ORDER BY ",
            $order,
            ") AS position ",
            filtered!(),
            " ORDER BY ",
            $order,
            " LIMIT $6 OFFSET $7
             )
             SELECT p.slug, p.name, p.brand, p.price_min_minor, p.price_max_minor, p.in_stock,
                    p.on_sale, img.storage_key AS image_key, img.alt AS image_alt,
                    img.width AS image_width, img.height AS image_height
             FROM page JOIN products p ON p.id = page.product_id
             LEFT JOIN LATERAL (
                 SELECT storage_key, alt, width, height FROM product_images i
                 WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1
             ) img ON true
             ORDER BY page.position"
        )
    };
}

const PAGE_NEWEST: &str = page_sql!("l.created_at DESC, l.product_id DESC");
const PAGE_PRICE_ASC: &str =
    page_sql!("l.price_min_minor ASC NULLS LAST, l.created_at DESC, l.product_id DESC");
const PAGE_PRICE_DESC: &str =
    page_sql!("l.price_min_minor DESC NULLS FIRST, l.created_at DESC, l.product_id DESC");
const PAGE_NAME: &str = page_sql!("l.name, l.created_at DESC, l.product_id DESC");

const BOUNDED_COUNT: &str = concat!(
    "SELECT count(*) FROM (SELECT 1 ",
    filtered!(),
    " LIMIT $6) t"
);

/// The category's maintained counts: per facet term (and '' for the whole category), all
/// listed products and those in stock.
const TERM_COUNTS: &str = "SELECT term, products::bigint AS products, in_stock::bigint AS in_stock
     FROM category_term_counts WHERE category_id = $1";

/// Facet terms counted over the price-filtered products themselves, up to `$6` of them ('' is
/// how many were read).
const SAMPLED_TERM_COUNTS: &str = concat!(
    "SELECT term, count(*) AS products, count(*) AS in_stock
     FROM (SELECT l.facet_terms ",
    filtered!(),
    " LIMIT $6) s CROSS JOIN LATERAL unnest(array_append(s.facet_terms, '')) AS term
     GROUP BY term"
);

/// One page of a category's products and how many match.
pub(super) struct Page {
    pub products: Vec<ProductSummary>,
    pub total: u64,
    /// `total` is a lower bound: more products match.
    pub capped: bool,
}

/// The filter parameters every query binds, in order ($1 to $5).
#[derive(Clone)]
struct Filter {
    category_id: i64,
    min: Option<i64>,
    max: Option<i64>,
    in_stock: bool,
    terms: Vec<String>,
}

impl Filter {
    fn of(category_id: i64, query: &ListingQuery) -> Self {
        Self {
            category_id,
            min: query.min_price.map(|m| m.minor),
            max: query.max_price.map(|m| m.minor),
            in_stock: query.in_stock,
            terms: query
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}{TERM_SEPARATOR}{v}"))
                .collect(),
        }
    }

    fn priced(&self) -> bool {
        self.min.is_some() || self.max.is_some()
    }

    fn bind<'q, O>(
        &'q self,
        q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
        q.bind(self.category_id)
            .bind(self.min)
            .bind(self.max)
            .bind(self.in_stock)
            .bind(&self.terms)
    }
}

#[derive(sqlx::FromRow)]
struct TermCount {
    term: String,
    products: i64,
    in_stock: i64,
}

/// The maintained counts of a category, or the sampled ones under a price filter (their ''
/// row says how many products were read: more than [`FACET_SAMPLE`] means the sample was cut).
async fn term_counts(db: &PgPool, filter: &Filter) -> Result<Vec<TermCount>, Error> {
    let rows = if filter.priced() {
        // Facets count without the attribute filters (a shopper sees the other values).
        let no_attributes = Filter {
            terms: Vec::new(),
            ..filter.clone()
        };
        no_attributes
            .bind(sqlx::query_as::<_, TermCount>(SAMPLED_TERM_COUNTS))
            .bind(FACET_SAMPLE + 1)
            .fetch_all(db)
            .await?
    } else {
        sqlx::query_as::<_, TermCount>(TERM_COUNTS)
            .bind(filter.category_id)
            .fetch_all(db)
            .await?
    };
    Ok(rows)
}

/// One page of the category's products, the total, and the facets.
pub(super) async fn collection(
    db: &PgPool,
    category_id: i64,
    query: &mut ListingQuery,
    currency: Currency,
) -> Result<(Page, Vec<Facet>, bool), Error> {
    let filter = Filter::of(category_id, query);
    let counts = term_counts(db, &filter).await?;
    let count_of = |term: &str| {
        counts.iter().find(|c| c.term == term).map(|c| {
            if filter.in_stock {
                c.in_stock
            } else {
                c.products
            }
        })
    };
    // Exact facet counts unless a price filter matched more products than were sampled.
    let sampled = count_of("").unwrap_or(0);
    let facet_counts = !filter.priced() || sampled <= FACET_SAMPLE;
    let facets = facets_from(&counts, filter.in_stock);
    // A maintained total: no price filter and at most one attribute.
    let maintained = match (filter.priced(), filter.terms.as_slice()) {
        (false, []) => Some(count_of("").unwrap_or(0)),
        (false, [term]) => Some(count_of(term).unwrap_or(0)),
        (true, []) if sampled <= FACET_SAMPLE => Some(sampled),
        _ => None,
    };
    let mut page = fetch_page(db, &filter, query, currency, maintained).await?;
    if page.products.is_empty() && query.page > 1 && !page.capped {
        // Past the end: show the last page instead of an empty one.
        query.page = query.page_count(page.total);
        page = fetch_page(db, &filter, query, currency, maintained).await?;
    }
    Ok((page, facets, facet_counts))
}

async fn fetch_page(
    db: &PgPool,
    filter: &Filter,
    query: &ListingQuery,
    currency: Currency,
    maintained: Option<i64>,
) -> Result<Page, Error> {
    let sql = match query.sort {
        Sort::PriceAsc => PAGE_PRICE_ASC,
        Sort::PriceDesc => PAGE_PRICE_DESC,
        Sort::Name => PAGE_NAME,
        Sort::Newest | Sort::Relevance => PAGE_NEWEST,
    };
    let per_page = i64::from(query.per_page);
    let offset = query.offset();
    let rows: Vec<SummaryRow> = filter
        .bind(sqlx::query_as(sql))
        .bind(per_page)
        .bind(offset)
        .fetch_all(db)
        .await?;
    let shown = rows.len() as i64;
    let (total, capped) = match maintained {
        Some(n) => (n, false),
        // A short first page is all there is.
        None if offset == 0 && shown < per_page => (shown, false),
        None => {
            let bound = offset + COUNT_AHEAD.max(per_page + 1);
            let (n,): (i64,) = filter
                .bind(sqlx::query_as(BOUNDED_COUNT))
                .bind(bound)
                .fetch_one(db)
                .await?;
            (n, n >= bound)
        }
    };
    Ok(Page {
        products: rows.into_iter().map(|r| r.into_summary(currency)).collect(),
        total: u64::try_from(total).unwrap_or(0),
        capped,
    })
}

/// Facets from term counts: per key, its values with products (in stock when `in_stock`),
/// most common first, at most [`VALUES_PER_FACET`] each, keys in order.
fn facets_from(counts: &[TermCount], in_stock: bool) -> Vec<Facet> {
    let mut terms: Vec<(&str, &str, u64)> = counts
        .iter()
        .filter_map(|c| {
            let (key, value) = c.term.split_once(TERM_SEPARATOR)?;
            let n = if in_stock { c.in_stock } else { c.products };
            (n > 0).then(|| (key, value, u64::try_from(n).unwrap_or(0)))
        })
        .collect();
    terms.sort_by(|a, b| a.0.cmp(b.0).then(b.2.cmp(&a.2)).then(a.1.cmp(b.1)));
    let mut facets: Vec<Facet> = Vec::new();
    for (key, value, count) in terms {
        let value = FacetValue {
            value: value.to_owned(),
            count,
        };
        match facets.last_mut() {
            Some(f) if f.key == key => {
                if f.values.len() < VALUES_PER_FACET {
                    f.values.push(value);
                }
            }
            _ => facets.push(Facet {
                key: key.to_owned(),
                values: vec![value],
            }),
        }
    }
    facets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(term: &str, products: i64, in_stock: i64) -> TermCount {
        TermCount {
            term: term.to_owned(),
            products,
            in_stock,
        }
    }

    #[test]
    fn facets_group_keys_rank_values_and_skip_empty_ones() {
        let counts = [
            count("", 9, 5),
            count("colour\u{1f}red", 2, 2),
            count("colour\u{1f}blue", 5, 0),
            count("colour\u{1f}green", 2, 1),
            count("material\u{1f}linen", 4, 4),
        ];
        let all = facets_from(&counts, false);
        let keys: Vec<_> = all.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["colour", "material"]);
        let colours: Vec<_> = all[0]
            .values
            .iter()
            .map(|v| (v.value.as_str(), v.count))
            .collect();
        assert_eq!(colours, [("blue", 5), ("green", 2), ("red", 2)]);
        let stocked = facets_from(&counts, true);
        let colours: Vec<_> = stocked[0]
            .values
            .iter()
            .map(|v| (v.value.as_str(), v.count))
            .collect();
        assert_eq!(colours, [("red", 2), ("green", 1)]);
    }

    #[test]
    fn a_long_tailed_attribute_shows_its_most_common_values() {
        let counts: Vec<_> = (1..=40)
            .map(|i| count(&format!("size\u{1f}{i}"), i, i))
            .collect();
        let facets = facets_from(&counts, false);
        assert_eq!(facets[0].values.len(), VALUES_PER_FACET);
        assert_eq!(facets[0].values[0].count, 40);
    }
}
