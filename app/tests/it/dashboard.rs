//! The admin home's figures (`server::reports`), each against the same figure computed from
//! the orders, refunds and accounts themselves: the rollup kept by triggers (migration 37)
//! must agree with the rows, and with a rebuild from them.

use crate::catalog_admin::{product_of, staff};
use crate::support::shop::*;
use app::model::{AppError, Currency, OrderStatus};
use app::server::accounts::staff::Role;
use app::server::orders::{self, Actor};
use app::server::{reports, Error};
use sqlx::PgPool;

/// Each period's figures from the rows: (sales, orders, customers, refunds), now and before.
const FROM_ROWS: &str = "
    WITH p (n, len) AS (VALUES (0, INTERVAL '1 day'), (1, INTERVAL '7 days'),
                               (2, INTERVAL '30 days'), (3, INTERVAL '12 months')),
         r AS (SELECT n, (now()::DATE + 1 - len)::DATE AS start,
                      (now()::DATE + 1 - 2 * len)::DATE AS before FROM p),
         sale AS (SELECT created_at::DATE AS day, total_minor FROM orders
                  WHERE status NOT IN ('pending_payment', 'cancelled') OR paid_minor > 0)
    SELECT n,
        (SELECT COALESCE(sum(total_minor), 0) FROM sale WHERE day >= start AND day <= now()::DATE)::BIGINT,
        (SELECT COALESCE(sum(total_minor), 0) FROM sale WHERE day >= before AND day < start)::BIGINT,
        (SELECT count(*) FROM sale WHERE day >= start AND day <= now()::DATE),
        (SELECT count(*) FROM sale WHERE day >= before AND day < start),
        (SELECT count(*) FROM accounts WHERE role = 'customer' AND created_at::DATE >= start
            AND created_at::DATE <= now()::DATE),
        (SELECT count(*) FROM accounts WHERE role = 'customer' AND created_at::DATE >= before
            AND created_at::DATE < start),
        (SELECT COALESCE(sum(amount_minor), 0) FROM refunds WHERE status = 'succeeded'
            AND created_at::DATE >= start AND created_at::DATE <= now()::DATE)::BIGINT,
        (SELECT COALESCE(sum(amount_minor), 0) FROM refunds WHERE status = 'succeeded'
            AND created_at::DATE >= before AND created_at::DATE < start)::BIGINT
    FROM r ORDER BY n";

type Figures = (i32, i64, i64, i64, i64, i64, i64, i64, i64);

async fn backdate(pool: &PgPool, order_id: i64, days: i32) {
    sqlx::query("UPDATE orders SET created_at = now() - make_interval(days => $2) WHERE id = $1")
        .bind(order_id)
        .bind(days)
        .execute(pool)
        .await
        .expect("backdated");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn every_figure_matches_the_rows_and_a_rebuild(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 10_000, 1_000).await;
    sqlx::query(
        "WITH c AS (INSERT INTO categories (slug, name) VALUES ('pantry', 'Pantry') RETURNING id)
         INSERT INTO product_categories (product_id, category_id) SELECT $1, id FROM c",
    )
    .bind(product_of(&pool, dates).await)
    .execute(&pool)
    .await
    .expect("category");
    sqlx::query(
        "INSERT INTO accounts (email, created_at) VALUES ('a@example.com', now()),
             ('b@example.com', now()), ('c@example.com', now() - interval '10 days')",
    )
    .execute(&pool)
    .await
    .expect("customers");
    let owner = staff(&pool, Role::Owner).await;
    let keys = keys();
    let place_n = |email: &'static str, quantity| {
        let (pool, keys) = (pool.clone(), keys.clone());
        async move {
            let owner = buyer(&pool, email, &[(dates, quantity)]).await;
            place_cash(&pool, &keys, &owner).await.expect("placed")
        }
    };
    let today = place_n("a@example.com", 1).await;
    let cancelled = place_n("b@example.com", 2).await;
    orders::change_status(
        &pool,
        cancelled.number,
        OrderStatus::Cancelled,
        Actor::Staff(owner.account_id),
        &Default::default(),
    )
    .await
    .expect("cancelled");
    let last_week = place_n("c@example.com", 3).await;
    backdate(&pool, last_week.order_id, 8).await;
    let last_month = place_n("d@example.com", 4).await;
    backdate(&pool, last_month.order_id, 40).await;
    let card = buyer(&pool, "e@example.com", &[(dates, 5)]).await;
    place(
        &pool,
        &keys,
        &card,
        &order(&new_key(), "card"),
        &rules(true),
    )
    .await
    .expect("unpaid card order");
    sqlx::query(
        "INSERT INTO refunds (order_id, amount_minor, status, actor) VALUES ($1, 1000, 'succeeded', 'staff')",
    )
    .bind(today.order_id)
    .execute(&pool)
    .await
    .expect("refund");

    let report = reports::sales(&pool, &owner, Currency::Aed)
        .await
        .expect("report");
    let rows: Vec<Figures> = sqlx::query_as(FROM_ROWS)
        .fetch_all(&pool)
        .await
        .expect("from rows");
    assert_eq!(report.periods.len(), 4);
    for (p, r) in report.periods.iter().zip(&rows) {
        let shown = (
            r.0,
            p.sales.now,
            p.sales.before,
            p.orders.now,
            p.orders.before,
            p.customers.now,
            p.customers.before,
            p.refunds.now,
            p.refunds.before,
        );
        assert_eq!(&shown, r, "{}", p.label);
    }
    // By hand: today one order and its refund; a week back one more; 40 days back a third.
    let orders_now: Vec<i64> = report.periods.iter().map(|p| p.orders.now).collect();
    assert_eq!(orders_now, [1, 1, 2, 3]);
    assert_eq!(report.periods[1].orders.before, 1);
    assert_eq!(report.periods[0].refunds.now, 1_000);
    assert_eq!(report.periods[0].customers.now, 2);
    assert_eq!(
        report.periods[3].average.now,
        report.periods[3].sales.now / 3
    );
    // The 30 days' bars add up to the 30 days' sales; the best sellers leave out the
    // cancelled, the unpaid and the old.
    let bars: i64 = report.daily.iter().map(|b| b.minor).sum();
    assert_eq!(
        (report.daily.len(), bars),
        (30, report.periods[2].sales.now)
    );
    assert_eq!(report.monthly.len(), 12);
    assert_eq!(report.top_products.len(), 1);
    assert_eq!(report.top_products[0].quantity, 1 + 3);
    assert_eq!(
        (
            report.top_categories[0].name.as_str(),
            report.top_categories[0].quantity
        ),
        ("Pantry", 4)
    );

    // The rollup is what a rebuild from the rows makes.
    let by_day = "SELECT day::TEXT, sum(orders)::BIGINT, sum(sales_minor)::BIGINT, sum(refunds_minor)::BIGINT,
                         sum(customers)::BIGINT
                  FROM sales_days GROUP BY day HAVING sum(orders) <> 0 OR sum(sales_minor) <> 0
                      OR sum(refunds_minor) <> 0 OR sum(customers) <> 0 ORDER BY day";
    type Day = (String, i64, i64, i64, i64);
    let kept: Vec<Day> = sqlx::query_as(by_day).fetch_all(&pool).await.expect("kept");
    sqlx::query("SELECT sales_days_rebuild()")
        .execute(&pool)
        .await
        .expect("rebuild");
    let rebuilt: Vec<Day> = sqlx::query_as(by_day)
        .fetch_all(&pool)
        .await
        .expect("rebuilt");
    assert_eq!(kept, rebuilt);

    // So are the best sellers' rollups.
    let lines = "SELECT 'p' || product_id, day::TEXT, sum(quantity)::BIGINT, sum(sales_minor)::BIGINT
                 FROM sales_product_days GROUP BY 1, 2 HAVING sum(quantity) <> 0 OR sum(sales_minor) <> 0
                 UNION ALL
                 SELECT 'c' || category_id, day::TEXT, sum(quantity)::BIGINT, sum(sales_minor)::BIGINT
                 FROM sales_category_days GROUP BY 1, 2 HAVING sum(quantity) <> 0 OR sum(sales_minor) <> 0
                 ORDER BY 1, 2";
    type Sold = (String, String, i64, i64);
    let kept: Vec<Sold> = sqlx::query_as(lines).fetch_all(&pool).await.expect("kept");
    sqlx::query("SELECT sales_lines_rebuild()")
        .execute(&pool)
        .await
        .expect("rebuild");
    let rebuilt: Vec<Sold> = sqlx::query_as(lines)
        .fetch_all(&pool)
        .await
        .expect("rebuilt");
    assert_eq!(kept, rebuilt);
    assert_eq!(kept.len(), 2 * 3, "a product and its category, on 3 days");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn each_role_sees_only_its_parts_of_the_home(pool: PgPool) {
    for (role, report, waiting, low_stock) in [
        (Role::Owner, true, true, true),
        (Role::Admin, true, true, true),
        (Role::CatalogManager, false, false, true),
        (Role::OrderClerk, false, true, true),
        (Role::Support, false, true, true),
    ] {
        let me = staff(&pool, role).await;
        let home = reports::home(&pool, &me, Currency::Aed, 5)
            .await
            .expect("home");
        assert_eq!(
            (
                home.report.is_some(),
                home.waiting.is_some(),
                home.low_stock.is_some()
            ),
            (report, waiting, low_stock),
            "{role:?}"
        );
        if !report {
            assert!(matches!(
                reports::sales(&pool, &me, Currency::Aed).await,
                Err(Error::App(AppError::Forbidden))
            ));
        }
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn low_stock_lists_the_ten_lowest_products_on_sale_as_sql_does(pool: PgPool) {
    // 14 products on sale with 0 to 13 units, one low product withdrawn.
    for n in 0..14 {
        variant(&pool, &format!("jar-{n:02}"), 1_000, 13 - n).await;
    }
    let withdrawn = variant(&pool, "withdrawn-jar", 1_000, 0).await;
    sqlx::query(
        "UPDATE products SET status = 'archived' WHERE id = (SELECT product_id FROM variants WHERE id = $1)",
    )
    .bind(withdrawn)
    .execute(&pool)
    .await
    .expect("withdrawn");
    let me = staff(&pool, Role::CatalogManager).await;
    let home = reports::home(&pool, &me, Currency::Aed, 5)
        .await
        .expect("home");
    let listed: Vec<(String, i32)> = home
        .low_stock
        .expect("a catalog manager sees low stock")
        .into_iter()
        .map(|l| (l.sku, l.stock))
        .collect();
    let expected: Vec<(String, i32)> = sqlx::query_as(
        "SELECT v.sku, v.stock FROM variants v JOIN products p ON p.id = v.product_id
         WHERE v.stock <= 5 AND p.status = 'active' ORDER BY v.stock, p.id, v.id",
    )
    .fetch_all(&pool)
    .await
    .expect("sql");
    assert_eq!(listed, expected);
    assert_eq!(listed.len(), 6, "0 to 5 units, the withdrawn one left out");
}
