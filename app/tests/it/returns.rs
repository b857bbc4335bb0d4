//! Goods coming back (`orders::returns`): some units of some lines, back on sale through the
//! inventory ledger or not, what they were paid refunded through the order's payment method,
//! the same form twice taking goods back once, and no more back than was sold.

use crate::catalog_admin::staff;
use crate::support::shop::*;
use app::model::{AppError, OrderStatus};
use app::server::accounts::staff::Role;
use app::server::orders::returns::{self, share};
use app::server::orders::{Actor, StatusDetails};
use app::server::payments::Payments;
use app::server::Error;
use sqlx::PgPool;

#[test]
fn shares_of_a_line_add_up_to_what_it_was_paid() {
    // 100.00 for 3 units, returned one at a time: 33.33, 33.33, 33.34.
    let parts: Vec<i64> = (0..3).map(|before| share(10_000, 3, before, 1)).collect();
    assert_eq!(parts, [3_333, 3_333, 3_334]);
    assert_eq!(parts.iter().sum::<i64>(), 10_000);
    assert_eq!(share(10_000, 3, 0, 3), 10_000);
    assert_eq!(share(999, 7, 2, 3), 999 * 5 / 7 - 999 * 2 / 7);
}

async fn ledger_returned(pool: &PgPool, variant: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT coalesce(sum(delta), 0)::BIGINT FROM stock_movements WHERE variant_id = $1 AND reason = 'returned'",
    )
    .bind(variant)
    .fetch_one(pool)
    .await
    .expect("ledger")
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn returned_goods_go_back_on_sale_and_their_price_back_once(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "dates-crate", 10_000, 10).await;
    let tea = variant(&pool, "karak-tea", 2_500, 10).await;
    let keys = keys();
    let payments = Payments {
        db: pool.clone(),
        stripe: None,
        site: site(),
        keys: keys.clone(),
    };
    let shopper = buyer(&pool, "r@example.com", &[(dates, 3), (tea, 1)]).await;
    let placed = place_cash(&pool, &keys, &shopper).await.expect("placed");
    let n = placed.number;
    let clerk = staff(&pool, Role::OrderClerk).await;
    let total: i64 = sqlx::query_scalar("SELECT total_minor FROM orders WHERE number = $1")
        .bind(n)
        .fetch_one(&pool)
        .await
        .unwrap();
    for (to, details) in [
        (OrderStatus::Fulfilled, StatusDetails::default()),
        (
            OrderStatus::Shipped,
            StatusDetails {
                shipment: app::model::shipment::ShipmentInput {
                    carrier: app::model::shipment::OWN_COURIER.into(),
                    ..Default::default()
                },
                ..Default::default()
            },
        ),
        (
            OrderStatus::Delivered,
            StatusDetails {
                cash_collected_minor: Some(total),
                ..Default::default()
            },
        ),
    ] {
        payments
            .change_order_status(n, to, Actor::Staff(clerk.account_id), &details)
            .await
            .expect("moved");
    }
    assert_eq!(stock_of(&pool, dates).await, 7);

    // Two crates of dates come back unsold: back on sale, and 2/3 of the line's price owed.
    let key = "return-0123456789abcdef";
    let back = returns::take_back(&pool, &clerk, n, &[(1, 2), (2, 0)], true, key)
        .await
        .expect("taken back");
    assert_eq!(back.paid.minor, 20_000, "two thirds of the 300.00 line");
    assert!(back.new);
    assert_eq!(stock_of(&pool, dates).await, 9);
    assert_eq!(ledger_returned(&pool, dates).await, 2);
    // The same form again: nothing more.
    let again = returns::take_back(&pool, &clerk, n, &[(1, 2)], true, key)
        .await
        .expect("same");
    assert_eq!((again.paid, again.new), (back.paid, false));
    assert_eq!(stock_of(&pool, dates).await, 9);
    let refunded = payments
        .refund(
            n,
            Some(back.paid.minor),
            "goods returned",
            Actor::Staff(clerk.account_id),
            Some(key),
        )
        .await
        .expect("refunded");
    assert_eq!(refunded, back.paid);

    // The tea comes back opened: not back on sale. The last crate: no more than was sold.
    returns::take_back(&pool, &clerk, n, &[(2, 1)], false, "return-tea-0123456789")
        .await
        .expect("tea");
    assert_eq!(stock_of(&pool, tea).await, 9);
    let too_many =
        returns::take_back(&pool, &clerk, n, &[(1, 2)], true, "return-more-0123456789").await;
    assert!(
        matches!(too_many, Err(Error::App(AppError::Validation { ref message, .. })) if message.contains("between 1 and 1")),
        "{too_many:?}"
    );
    let nothing =
        returns::take_back(&pool, &clerk, n, &[(1, 0)], true, "return-none-0123456789").await;
    assert!(matches!(
        nothing,
        Err(Error::App(AppError::Validation { .. }))
    ));
    let returned: Vec<i32> = sqlx::query_scalar(
        "SELECT returned_quantity FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.number = $1 ORDER BY line_no",
    )
    .bind(n)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(returned, [2, 1]);
    // Only staff who manage orders take goods back.
    let support = staff(&pool, Role::Support).await;
    let denied = returns::take_back(
        &pool,
        &support,
        n,
        &[(1, 1)],
        true,
        "return-support-0123456789",
    )
    .await;
    assert!(matches!(denied, Err(Error::App(AppError::Forbidden))));
    // Each is on the order's timeline (and so in the audit log).
    let notes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'order.updated' AND details->>'note' LIKE 'Came back:%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(notes, 2);
}
