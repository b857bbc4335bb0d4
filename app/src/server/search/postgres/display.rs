//! The hits as the results page shows them, and the facet counts as the query returns them.

use super::super::plain_snippet;
use super::{headline_options, Terms};
use crate::model::{
    split_highlights, CategoryCount, CategoryLink, Currency, Facet, FacetValue, SearchHit,
};
use crate::server::catalog::SummaryRow;
use crate::server::Error;
use sqlx::PgPool;

/// The hits for `ids`, in that order: card fields, first picture, and the name and a passage
/// of the description with the words marked.
pub(super) async fn display(
    db: &PgPool,
    currency: Currency,
    terms: Terms<'_>,
    ids: &[i64],
) -> Result<Vec<SearchHit>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query!(
        r#"SELECT p.slug, p.name, p.brand, p.price_min_minor, p.price_max_minor, p.in_stock, p.on_sale,
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
                on_sale: r.on_sale,
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
pub(super) struct FacetRow(
    pub(super) String,
    pub(super) String,
    pub(super) String,
    pub(super) i64,
);

/// Attribute values (top 30 per attribute, by key) and categories (by count).
pub(super) fn facet_counts(rows: Vec<FacetRow>) -> (Vec<Facet>, Vec<CategoryCount>) {
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
