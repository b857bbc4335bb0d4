//! Customers as staff look them up (`server::customers`): search and pages against SQL,
//! the lifetime figures, the reset link, the data export and erasure, who may do which, and
//! the audit log.

use crate::catalog_admin::staff;
use crate::support::shop::*;
use app::model::{AppError, Currency, OrderStatus};
use app::server::accounts::sessions::Client;
use app::server::accounts::staff::Role;
use app::server::customers;
use app::server::orders::{self, Actor};
use app::server::Error;
use sqlx::PgPool;

async fn customer(pool: &PgPool, email: &str, name: &str, phone: &str) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, name, email_verified_at) VALUES ($1, $2, now()) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .fetch_one(pool)
    .await
    .expect("customer");
    sqlx::query(
        "INSERT INTO addresses (account_id, name, phone, line1, city, country)
         VALUES ($1, $2, $3, '1 Road', 'Dubai', 'AE')",
    )
    .bind(id)
    .bind(name)
    .bind(phone)
    .execute(pool)
    .await
    .expect("address");
    id
}

fn refused_field<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::App(AppError::Validation { field, .. })) => field,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn search_pages_and_figures_match_sql(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 10_000, 100).await;
    let layla = customer(
        &pool,
        "layla@example.com",
        "Layla Haddad",
        "+971 50 123 4567",
    )
    .await;
    for i in 0..54 {
        customer(
            &pool,
            &format!("c{i}@example.com"),
            "Someone",
            "0977 000 000",
        )
        .await;
    }
    // Layla's orders: two that count, one cancelled; one refunded in part.
    let keys = keys();
    let mut numbers = Vec::new();
    for quantity in [1, 2, 3] {
        let owner = buyer(&pool, "layla@example.com", &[(dates, quantity)]).await;
        let placed = place_cash(&pool, &keys, &owner).await.expect("placed");
        sqlx::query("UPDATE orders SET account_id = $1 WHERE id = $2")
            .bind(layla)
            .bind(placed.order_id)
            .execute(&pool)
            .await
            .expect("hers");
        numbers.push(placed.number);
    }
    orders::change_status(
        &pool,
        numbers[2],
        OrderStatus::Cancelled,
        Actor::Staff(1),
        &Default::default(),
    )
    .await
    .expect("cancelled");
    sqlx::query("UPDATE orders SET refunded_minor = 500 WHERE number = $1")
        .bind(numbers[0])
        .execute(&pool)
        .await
        .expect("refunded");
    let clerk = staff(&pool, Role::OrderClerk).await;

    // Every customer once over the pages, newest first; staff are not customers.
    let first = customers::list(&pool, &clerk, "", None, Currency::Aed)
        .await
        .expect("list");
    let second = customers::list(&pool, &clerk, "", first.next, Currency::Aed)
        .await
        .expect("list");
    assert_eq!(
        (first.rows.len(), second.rows.len(), second.next),
        (50, 5, None)
    );
    let ids: Vec<i64> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|r| r.id)
        .collect();
    let expected: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM accounts WHERE role = 'customer' ORDER BY id DESC")
            .fetch_all(&pool)
            .await
            .expect("ids");
    assert_eq!(ids, expected);

    // A name, part of an email, a phone typed another way: Layla.
    for search in ["haddad", "LAYLA@EXAMPLE", "050 1234", "+971 50 123"] {
        let found = customers::list(&pool, &clerk, search, None, Currency::Aed)
            .await
            .expect("search");
        let ids: Vec<i64> = found.rows.iter().map(|r| r.id).collect();
        assert_eq!(ids, [layla], "{search}");
    }
    assert_eq!(
        refused_field(customers::list(&pool, &clerk, "la", None, Currency::Aed).await),
        "q"
    );
    let none = customers::list(&pool, &clerk, "100%", None, Currency::Aed)
        .await
        .expect("a literal %");
    assert!(none.rows.is_empty());

    // Her page: orders that count and what they came to less refunds.
    let page = customers::detail(&pool, &clerk, layla, Currency::Aed)
        .await
        .expect("detail");
    let (count, spend): (i64, i64) = sqlx::query_as(
        "SELECT count(*), sum(total_minor - refunded_minor)::BIGINT FROM orders
         WHERE account_id = $1 AND status <> 'cancelled'",
    )
    .bind(layla)
    .fetch_one(&pool)
    .await
    .expect("figures");
    assert_eq!((page.row.orders, page.row.spend.minor), (count, spend));
    assert_eq!((count, page.orders.len()), (2, 3));
    assert_eq!(page.addresses.len(), 1);
    assert!(
        !page.can_manage_data,
        "a clerk does not handle data requests"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn reset_links_exports_and_erasure_are_for_the_right_staff_and_audited(pool: PgPool) {
    let layla = customer(&pool, "layla@example.com", "Layla", "+971501234567").await;
    let (owner, support) = (
        staff(&pool, Role::Owner).await,
        staff(&pool, Role::Support).await,
    );
    let client = Client::default();

    // Support sends a reset link: the customer's own email, with a link.
    customers::send_reset(&pool, &site(), &support, layla, &client)
        .await
        .expect("sent");
    let body: String = sqlx::query_scalar(
        "SELECT text_body FROM email_outbox WHERE to_address = 'layla@example.com'",
    )
    .fetch_one(&pool)
    .await
    .expect("email");
    assert!(body.contains("/account/reset-password?token="), "{body}");
    // Staff are not customers here.
    assert!(matches!(
        customers::send_reset(&pool, &site(), &support, owner.account_id, &client).await,
        Err(Error::App(AppError::NotFound))
    ));

    // Export and erasure: owner and admins only.
    for role in [Role::Support, Role::OrderClerk, Role::CatalogManager] {
        let someone = if role == Role::Support {
            support
        } else {
            staff(&pool, role).await
        };
        assert!(matches!(
            customers::export(&pool, &someone, layla, None).await,
            Err(Error::App(AppError::Forbidden))
        ));
        assert!(matches!(
            customers::erase(&pool, &someone, layla, "layla@example.com", None).await,
            Err(Error::App(AppError::Forbidden))
        ));
    }
    let document = customers::export(&pool, &owner, layla, None)
        .await
        .expect("export");
    assert_eq!(document["account"]["email"], "layla@example.com");
    assert_eq!(
        refused_field(customers::erase(&pool, &owner, layla, "someone@else.com", None).await),
        "confirm_email"
    );
    customers::erase(&pool, &owner, layla, " Layla@Example.com ", None)
        .await
        .expect("erased");
    let page = customers::detail(&pool, &owner, layla, Currency::Aed)
        .await
        .expect("detail");
    assert_eq!(page.row.state, "Erased");
    assert!(page.addresses.is_empty());
    assert!(matches!(
        customers::erase(&pool, &owner, layla, "layla@example.com", None).await,
        Err(Error::App(AppError::NotFound))
    ));

    let audit: Vec<(i64, String)> = sqlx::query_as(
        "SELECT account_id, action FROM audit_log WHERE action LIKE 'customer.%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("audit");
    assert_eq!(
        audit,
        [
            (support.account_id, "customer.reset_sent".to_owned()),
            (owner.account_id, "customer.exported".to_owned()),
            (owner.account_id, "customer.erased".to_owned()),
        ]
    );
}
