//! The staff orders list: each filter and the search find what SQL says they should, and the
//! pages by cursor cover every order once.

use crate::support::shop::*;
use app::model::order_list::{OrderListQuery, StaffOrderPage};
use app::model::{AppError, StaffOrderRow};
use app::server::orders::list;
use sqlx::PgPool;
use std::collections::BTreeSet;

async fn page(pool: &PgPool, params: &[(&str, &str)]) -> StaffOrderPage {
    let query = OrderListQuery::from_params(params.iter().copied()).expect("query");
    list::page(pool, &query).await.expect("page")
}

async fn numbers(pool: &PgPool, params: &[(&str, &str)]) -> BTreeSet<i64> {
    let page = page(pool, params).await;
    assert!(page.next.is_none(), "{params:?} fits one page");
    page.rows.iter().map(|r| r.number).collect()
}

/// The order numbers SQL finds with `condition` on `orders`.
async fn sql(pool: &PgPool, condition: &str) -> BTreeSet<i64> {
    sqlx::query_scalar::<_, i64>(&format!("SELECT number FROM orders WHERE {condition}"))
        .fetch_all(pool)
        .await
        .expect("sql")
        .into_iter()
        .collect()
}

async fn exec(pool: &PgPool, statement: &str) {
    sqlx::query(statement).execute(pool).await.expect(statement);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn filters_and_search_find_what_sql_finds_and_pages_cover_every_order(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 1_000).await;
    let keys = keys();
    let mut placed = Vec::new();
    for i in 0..53 {
        let owner = buyer(&pool, &format!("buyer{i}@example.com"), &[(dates, 1)]).await;
        placed.push(
            place_cash(&pool, &keys, &owner)
                .await
                .expect("placed")
                .number,
        );
    }
    let (zambian, january, refunded, cancelled) = (placed[3], placed[10], placed[20], placed[30]);
    exec(
        &pool,
        &format!(
            "UPDATE orders SET shipping_country = 'ZM', shipping_address = shipping_address
                || '{{\"name\": \"Mwila Banda\", \"phone\": \"+260 97 712 3456\", \"country\": \"ZM\"}}'
             WHERE number = {zambian}"
        ),
    )
    .await;
    // 23:30 on 15 January in the shop's time zone (the sessions run in it).
    exec(
        &pool,
        &format!("UPDATE orders SET created_at = '2026-01-15 23:30' WHERE number = {january}"),
    )
    .await;
    exec(
        &pool,
        &format!(
            "UPDATE orders SET paid_minor = total_minor, refunded_minor = 100 WHERE number = {refunded}"
        ),
    )
    .await;
    exec(
        &pool,
        &format!("UPDATE orders SET status = 'cancelled' WHERE number = {cancelled}"),
    )
    .await;

    // Two pages, newest first, every order once.
    let first = page(&pool, &[]).await;
    assert_eq!(first.rows.len(), 50);
    let before = first.next.expect("a second page").to_string();
    let second = page(&pool, &[("before", &before)]).await;
    assert_eq!(second.rows.len(), 3);
    assert!(second.next.is_none());
    let ids: Vec<i64> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|r| r.id)
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let seen: BTreeSet<i64> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|r| r.number)
        .collect();
    assert_eq!(seen, sql(&pool, "true").await);
    assert!(first.live_from > 0);
    // The staff bar's count: the orders waiting to be packed or shipped.
    let (bar_from, to_ship) = app::server::orders::waiting(&pool).await.expect("waiting");
    assert!(bar_from >= first.live_from);
    assert_eq!(
        to_ship,
        sql(
            &pool,
            "status IN ('paid', 'confirmed', 'partially_fulfilled', 'fulfilled')"
        )
        .await
        .len() as i64
    );

    // Search: a number, a name, a phone typed another way, part of an email.
    let only = |n: i64| BTreeSet::from([n]);
    assert_eq!(
        numbers(&pool, &[("q", &placed[7].to_string())]).await,
        only(placed[7])
    );
    assert_eq!(numbers(&pool, &[("q", "mwila")]).await, only(zambian));
    assert_eq!(numbers(&pool, &[("q", "260977123")]).await, only(zambian));
    assert_eq!(numbers(&pool, &[("q", "097 712 34")]).await, only(zambian));
    assert_eq!(numbers(&pool, &[("q", "BUYER7@")]).await, only(placed[7]));
    assert_eq!(
        numbers(&pool, &[("q", "buyer4")]).await,
        sql(&pool, "email LIKE 'buyer4%'").await
    );
    assert!(
        numbers(&pool, &[("q", "100%")]).await.is_empty(),
        "% is literal"
    );

    // Filters, alone and together.
    assert_eq!(numbers(&pool, &[("country", "zm")]).await, only(zambian));
    assert_eq!(
        numbers(&pool, &[("from", "2026-01-15"), ("to", "2026-01-15")]).await,
        only(january)
    );
    assert!(
        numbers(&pool, &[("from", "2026-01-16"), ("to", "2026-01-31")])
            .await
            .is_empty()
    );
    assert_eq!(
        numbers(&pool, &[("payment", "partly_refunded")]).await,
        only(refunded)
    );
    assert_eq!(
        numbers(&pool, &[("status", "cancelled")]).await,
        only(cancelled)
    );
    assert!(numbers(&pool, &[("method", "card")]).await.is_empty());
    assert_eq!(
        numbers(&pool, &[("status", "confirmed"), ("q", "buyer3")]).await,
        sql(&pool, "status = 'confirmed' AND email LIKE 'buyer3%'").await
    );
    let unpaid = page(&pool, &[("payment", "unpaid"), ("before", &before)]).await;
    assert_eq!(
        unpaid
            .rows
            .iter()
            .map(|r| r.number)
            .collect::<BTreeSet<_>>(),
        sql(
            &pool,
            &format!("paid_minor = 0 AND refunded_minor = 0 AND id < {before}")
        )
        .await
    );

    // A row as the list shows it, and the live feed's rows by id.
    let row: &StaffOrderRow = first.rows.iter().find(|r| r.number == zambian).unwrap();
    assert_eq!(
        (row.name.as_str(), row.country.as_str()),
        ("Mwila Banda", "ZM")
    );
    assert_eq!(row.item_count, 1);
    let fed = list::rows(&pool, &[row.id]).await.expect("rows");
    assert_eq!(fed.as_slice(), std::slice::from_ref(row));

    // Nonsense is refused with the field it came in.
    for bad in [("q", "ab"), ("status", "lost"), ("from", "2026-02-30")] {
        let refused = OrderListQuery::from_params([bad]);
        assert!(
            matches!(&refused, Err(AppError::Validation { field, .. }) if field == bad.0),
            "{bad:?}: {refused:?}"
        );
    }
}
