//! The admin home: sales, orders, average order, new customers and refunds for today, 7 days,
//! 30 days and 12 months against the period before; sales by day and by month; the last 30
//! days' best sellers; low stock; orders waiting to be packed or shipped. Each part only for
//! the roles that may see it.
//!
//! The period figures and the charts sum `sales_days` (migration 37: a row per day and shard,
//! kept by triggers on orders, refunds and accounts), a few thousand small rows at most
//! whatever the number of orders. The best sellers add up `sales_product_days` and
//! `sales_category_days` (migration 40, kept by triggers on orders and their lines) for the
//! last 30 days. Days are the shop's: every connection runs in its time zone.

use crate::model::dashboard::{
    average, Bar, Compared, LowStock, PeriodFigures, SalesReport, TopSeller,
};
use crate::model::{Currency, Dashboard, Money, OrderStatus};
use crate::server::accounts::staff::{self, Permission, Staff};
use crate::server::orders::list::TO_SHIP;
use crate::server::Error;
use sqlx::PgPool;

/// The admin home for `me`: every part their role may see.
pub async fn home(
    db: &PgPool,
    me: &Staff,
    currency: Currency,
    low_stock_threshold: i32,
) -> Result<Dashboard, Error> {
    let mut home = staff::dashboard(db, me).await?;
    if me.role.allows(Permission::ViewReports) {
        home.report = Some(sales(db, me, currency).await?);
    }
    if me.role.allows(Permission::ViewOrders) {
        home.waiting = Some(waiting(db).await?);
    }
    if me.role.allows(Permission::ViewCatalog) {
        home.low_stock = Some(low_stock(db, low_stock_threshold).await?);
    }
    Ok(home)
}

/// The sales figures, the charts and the best sellers.
pub async fn sales(db: &PgPool, me: &Staff, currency: Currency) -> Result<SalesReport, Error> {
    me.require(Permission::ViewReports)?;
    let rows = sqlx::query!(
        r#"WITH p (n, label, len) AS (VALUES (0, 'Today', INTERVAL '1 day'),
                   (1, '7 days', INTERVAL '7 days'), (2, '30 days', INTERVAL '30 days'),
                   (3, '12 months', INTERVAL '12 months')),
               r AS (SELECT n, label, (now()::DATE + 1 - len)::DATE AS start,
                            (now()::DATE + 1 - 2 * len)::DATE AS before
                     FROM p),
               -- The shards of a day added up first: the periods then join a row a day.
               d AS (SELECT day, sum(sales_minor) AS sales, sum(orders) AS orders,
                            sum(customers) AS customers, sum(refunds_minor) AS refunds
                     FROM sales_days
                     WHERE day >= (now()::DATE + 1 - 2 * INTERVAL '12 months')::DATE
                       AND day <= now()::DATE
                     GROUP BY day)
           SELECT r.n AS "n!", r.label AS "label!",
                  COALESCE(sum(d.sales) FILTER (WHERE d.day >= r.start), 0)::BIGINT AS "sales!",
                  COALESCE(sum(d.sales) FILTER (WHERE d.day < r.start), 0)::BIGINT AS "sales_before!",
                  COALESCE(sum(d.orders) FILTER (WHERE d.day >= r.start), 0)::BIGINT AS "orders!",
                  COALESCE(sum(d.orders) FILTER (WHERE d.day < r.start), 0)::BIGINT AS "orders_before!",
                  COALESCE(sum(d.customers) FILTER (WHERE d.day >= r.start), 0)::BIGINT AS "customers!",
                  COALESCE(sum(d.customers) FILTER (WHERE d.day < r.start), 0)::BIGINT AS "customers_before!",
                  COALESCE(sum(d.refunds) FILTER (WHERE d.day >= r.start), 0)::BIGINT AS "refunds!",
                  COALESCE(sum(d.refunds) FILTER (WHERE d.day < r.start), 0)::BIGINT AS "refunds_before!"
           FROM r LEFT JOIN d ON d.day >= r.before
           GROUP BY r.n, r.label ORDER BY r.n"#
    )
    .fetch_all(db)
    .await?;
    let pair = |now, before| Compared { now, before };
    let periods = rows
        .into_iter()
        .map(|r| PeriodFigures {
            label: r.label,
            sales: pair(r.sales, r.sales_before),
            orders: pair(r.orders, r.orders_before),
            average: pair(
                average(r.sales, r.orders),
                average(r.sales_before, r.orders_before),
            ),
            customers: pair(r.customers, r.customers_before),
            refunds: pair(r.refunds, r.refunds_before),
        })
        .collect();
    let daily = sqlx::query_as!(
        Bar,
        r#"SELECT to_char(g.day, 'FMDD Mon') AS "label!",
                  COALESCE(sum(s.sales_minor), 0)::BIGINT AS "minor!"
           FROM generate_series(now()::DATE - 29, now()::DATE, INTERVAL '1 day') AS g(day)
           LEFT JOIN sales_days s ON s.day = g.day::DATE
           GROUP BY g.day ORDER BY g.day"#
    )
    .fetch_all(db)
    .await?;
    let monthly = sqlx::query_as!(
        Bar,
        r#"SELECT to_char(g.month, 'Mon YYYY') AS "label!",
                  COALESCE(sum(s.sales_minor), 0)::BIGINT AS "minor!"
           FROM generate_series(date_trunc('month', now()::DATE) - INTERVAL '11 months',
                                date_trunc('month', now()::DATE), INTERVAL '1 month') AS g(month)
           LEFT JOIN sales_days s
                  ON s.day >= g.month::DATE AND s.day < (g.month + INTERVAL '1 month')::DATE
           GROUP BY g.month ORDER BY g.month"#
    )
    .fetch_all(db)
    .await?;
    // The month's rollup rows, added up per product; names read for the five kept.
    let top_products = sqlx::query_as!(
        TopRow,
        r#"WITH top AS (
               SELECT product_id, sum(quantity)::BIGINT AS quantity, sum(sales_minor)::BIGINT AS sales
               FROM sales_product_days WHERE day >= now()::DATE - 29
               GROUP BY product_id HAVING sum(quantity) > 0
               ORDER BY 3 DESC, 1 LIMIT 5)
           SELECT p.name, top.quantity AS "quantity!", top.sales AS "sales!"
           FROM top JOIN products p ON p.id = top.product_id ORDER BY 3 DESC, 1"#
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| r.seller(currency))
    .collect();
    let top_categories = sqlx::query_as!(
        TopRow,
        r#"WITH top AS (
               SELECT category_id, sum(quantity)::BIGINT AS quantity, sum(sales_minor)::BIGINT AS sales
               FROM sales_category_days WHERE day >= now()::DATE - 29
               GROUP BY category_id HAVING sum(quantity) > 0
               ORDER BY 3 DESC, 1 LIMIT 5)
           SELECT c.name, top.quantity AS "quantity!", top.sales AS "sales!"
           FROM top JOIN categories c ON c.id = top.category_id ORDER BY 3 DESC, 1"#
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| r.seller(currency))
    .collect();
    Ok(SalesReport {
        periods,
        daily,
        monthly,
        top_products,
        top_categories,
        currency,
    })
}

/// A best seller as the top lists read it from the rollups.
struct TopRow {
    name: String,
    quantity: i64,
    sales: i64,
}

impl TopRow {
    fn seller(self, currency: Currency) -> TopSeller {
        TopSeller {
            name: self.name,
            quantity: self.quantity,
            sales: Money::new(self.sales, currency),
        }
    }
}

/// Orders waiting to be packed or shipped, by status: (status, label, count).
async fn waiting(db: &PgPool) -> Result<Vec<(String, String, i64)>, Error> {
    let rows = sqlx::query!(
        r#"SELECT status, count(*) AS "n!" FROM orders WHERE status = ANY($1) GROUP BY status"#,
        &TO_SHIP.map(str::to_owned)
    )
    .fetch_all(db)
    .await?;
    Ok(TO_SHIP
        .iter()
        .filter_map(|s| OrderStatus::parse(s))
        .map(|s| {
            let n = rows
                .iter()
                .find(|r| r.status == s.as_str())
                .map_or(0, |r| r.n);
            (s.as_str().to_owned(), s.label().to_owned(), n)
        })
        .collect())
}

/// The variants of products on sale at or below `threshold`, fewest first (at most 10). The
/// order follows `variants_stock_idx` (stock, product), so the walk stops at the tenth
/// instead of sorting every low variant (tens of thousands in a large catalog).
async fn low_stock(db: &PgPool, threshold: i32) -> Result<Vec<LowStock>, Error> {
    Ok(sqlx::query!(
        r#"SELECT p.id, p.name, v.sku, v.stock FROM variants v JOIN products p ON p.id = v.product_id
           WHERE v.stock <= $1 AND p.status = 'active' ORDER BY v.stock, v.product_id, v.id
           LIMIT 10"#,
        threshold
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| LowStock {
        product: r.name,
        sku: r.sku,
        stock: r.stock,
        href: format!("/admin/products/{}", r.id),
    })
    .collect())
}
