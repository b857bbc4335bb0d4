//! The products list: every status, filtered and sorted, one page at a time. Pages follow
//! each other by the last row's sort key, each read through an index in sort order, so a
//! page at 100,000 products reads about a page of rows.

use super::category_paths;
use crate::model::catalog_admin::{
    AdminProductPage, AdminProductQuery, AdminProductRow, AdminSort, ProductStatus, StockFilter,
};
use crate::model::{Currency, Money};
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::Error;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

const PAGE: i64 = 50;

/// One page of products for `query`. `low_stock` is the shop's threshold.
pub async fn products(
    db: &PgPool,
    staff: &Staff,
    query: &AdminProductQuery,
    low_stock: i32,
) -> Result<AdminProductPage, Error> {
    staff.require(Permission::ViewCatalog)?;
    let mut sql = filtered(
        "SELECT p.id, p.name, p.slug, p.status, p.price_min_minor, p.price_max_minor,
                to_char(p.updated_at, 'FMDD Mon YYYY, HH24:MI') AS updated,
                v.stock, v.variants, v.sku, v.currency
         FROM products p
         LEFT JOIN LATERAL (
             SELECT coalesce(sum(stock), 0)::BIGINT AS stock, count(*) AS variants,
                    min(sku) AS sku, min(currency) AS currency
             FROM variants WHERE product_id = p.id
         ) v ON true
         WHERE true",
        query,
        low_stock,
    );
    // The cursor is the last row's id; its sort key is read back, so a cursor is a plain
    // number and cannot smuggle anything in.
    let after: Option<i64> = match query.after.as_deref() {
        None => None,
        Some(text) => Some(text.parse().map_err(|_| {
            crate::model::AppError::validation("after", "this page link is not valid")
        })?),
    };
    let (columns, direction) = match query.sort {
        AdminSort::Updated => (["updated_at", "id"], "DESC"),
        AdminSort::Name => (["name", "id"], "ASC"),
        AdminSort::Price => (["price_min_minor", "id"], "ASC"),
    };
    let [first, second] = columns;
    if let Some(after) = after {
        let cmp = if direction == "DESC" { "<" } else { ">" };
        sql.push(format!(
            " AND (p.{first}, p.{second}) {cmp} (SELECT {first}, {second} FROM products WHERE id = "
        ))
        .push_bind(after)
        .push(")");
    }
    sql.push(format!(
        " ORDER BY p.{first} {direction}, p.{second} {direction} LIMIT "
    ))
    .push_bind(PAGE + 1);
    let rows = sql.build().fetch_all(db).await?;

    let mut out = Vec::with_capacity(rows.len());
    for row in rows.iter().take(PAGE as usize) {
        let currency: Option<String> = row.try_get("currency")?;
        let currency: Option<Currency> = currency.and_then(|c| c.parse().ok());
        let money = |minor: Option<i64>| Some(Money::new(minor?, currency?));
        let status: String = row.try_get("status")?;
        out.push(AdminProductRow {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            slug: row.try_get("slug")?,
            status: ProductStatus::parse(&status)
                .ok_or_else(|| Error::other(format!("unknown product status {status}")))?,
            price_min: money(row.try_get("price_min_minor")?),
            price_max: money(row.try_get("price_max_minor")?),
            stock: row.try_get("stock")?,
            variants: row.try_get("variants")?,
            sku: row.try_get::<Option<String>, _>("sku")?.unwrap_or_default(),
            updated_at: row.try_get("updated")?,
        });
    }
    let next = (rows.len() as i64 > PAGE)
        .then(|| out.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(AdminProductPage {
        rows: out,
        next,
        categories: category_paths(db).await?,
        low_stock_threshold: low_stock,
    })
}

/// `select` (which names products `p` and ends in a `WHERE`) with `query`'s filters: the
/// list and the CSV export choose products the same way.
pub(super) fn filtered<'a>(
    select: &str,
    query: &'a AdminProductQuery,
    low_stock: i32,
) -> QueryBuilder<'a, Postgres> {
    let mut sql = QueryBuilder::<Postgres>::new(select);
    let q = query.q.trim();
    if !q.is_empty() {
        sql.push(" AND (p.name ILIKE ")
            .push_bind(crate::server::platform::db::contains_pattern(q))
            .push(" OR p.id IN (SELECT product_id FROM variants WHERE sku = ")
            .push_bind(q.to_owned())
            .push("))");
    }
    if let Some(status) = query.status {
        sql.push(" AND p.status = ").push_bind(status.as_str());
    }
    if let Some(category) = query.category {
        sql.push(
            " AND p.category_ids && ARRAY(WITH RECURSIVE tree (id) AS (SELECT id FROM categories WHERE id = ",
        )
        .push_bind(category)
        .push(" UNION SELECT c.id FROM categories c JOIN tree t ON c.parent_id = t.id) SELECT id FROM tree)");
    }
    match query.stock {
        StockFilter::Any => {}
        StockFilter::SoldOut => {
            sql.push(" AND NOT p.in_stock");
        }
        StockFilter::Low => {
            sql.push(" AND p.id IN (SELECT product_id FROM variants WHERE stock < ")
                .push_bind(low_stock.max(1))
                .push(")");
        }
    }
    sql
}
