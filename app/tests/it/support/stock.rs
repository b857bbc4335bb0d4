//! The stock books in SQL, shared by the app's tests and the server's crash tests (which
//! include this file by path): it depends on nothing else in `common`.
#![allow(dead_code)]

use sqlx::PgPool;

/// Stock accounting for `variant` in SQL: initial = stock + reserved (unpaid orders) + sold
/// (every other order that is not cancelled), and stock is never negative.
pub async fn assert_stock_accounting(pool: &PgPool, variant: i64, initial: i64) {
    let (stock, reserved, sold): (i64, i64, i64) = sqlx::query_as(
        "SELECT v.stock::BIGINT,
                coalesce(sum(l.quantity) FILTER (WHERE o.status = 'pending_payment'), 0)::BIGINT,
                coalesce(sum(l.quantity) FILTER (WHERE o.status NOT IN ('pending_payment', 'cancelled')), 0)::BIGINT
         FROM variants v
         LEFT JOIN order_lines l ON l.variant_id = v.id
         LEFT JOIN orders o ON o.id = l.order_id
         WHERE v.id = $1 GROUP BY v.stock",
    )
    .bind(variant)
    .fetch_one(pool)
    .await
    .expect("accounting");
    assert!(stock >= 0, "negative stock {stock}");
    assert_eq!(
        stock + reserved + sold,
        initial,
        "stock {stock} + reserved {reserved} + sold {sold} != initial {initial}"
    );
}
