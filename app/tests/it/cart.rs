//! Carts against a real PostgreSQL: validation of every change, prices from the catalog,
//! owners kept apart, guest carts merged at sign-in, concurrent adds. A fresh database per test.

use app::model::{AppError, Currency};
use app::server::cart::{self, Owner, Rules};

const MAX_QUANTITY: i32 = 99;

fn rules(currency: Currency) -> Rules {
    Rules {
        currency,
        max_quantity: MAX_QUANTITY,
        ttl: std::time::Duration::from_secs(30 * 86_400),
    }
}
use crate::support::variant;
use app::server::Error;
use sqlx::PgPool;

fn field_of(r: Result<(), Error>) -> String {
    match r {
        Err(Error::App(AppError::Validation { field, .. })) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn quantities(pool: &PgPool, owner: &Owner) -> Vec<(i64, i32)> {
    cart::lines(pool, owner, Currency::Aed)
        .await
        .expect("lines")
        .into_iter()
        .map(|l| (l.variant_id, l.quantity))
        .collect()
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn every_change_is_validated_and_prices_come_from_the_catalog(pool: PgPool) {
    let dates = variant(&pool, "medjool-dates", 4_500, 5, "active").await;
    let draft = variant(&pool, "secret-oud", 99_000, 5, "draft").await;
    let guest = Owner::Guest(cart::new_guest_token());
    let aed = &rules(Currency::Aed);

    for bad in [0, -1, i64::from(MAX_QUANTITY) + 1, i64::MAX] {
        assert_eq!(
            field_of(cart::change(&pool, &guest, dates, bad, true, aed).await),
            "quantity",
            "{bad}"
        );
    }
    assert_eq!(
        field_of(cart::change(&pool, &guest, draft, 1, true, aed).await),
        "variant"
    );
    assert_eq!(
        field_of(cart::change(&pool, &guest, 999_999, 1, true, aed).await),
        "variant"
    );
    assert_eq!(
        field_of(cart::change(&pool, &guest, dates, 1, true, &rules(Currency::Zmw)).await),
        "variant"
    );
    assert!(
        quantities(&pool, &guest).await.is_empty(),
        "nothing added by refused changes"
    );

    cart::change(&pool, &guest, dates, 2, true, aed)
        .await
        .expect("adds");
    cart::change(&pool, &guest, dates, 2, true, aed)
        .await
        .expect("adds more");
    assert_eq!(quantities(&pool, &guest).await, [(dates, 4)]);
    // Past the stock: a clear error, and the line stays as it was.
    assert_eq!(
        field_of(cart::change(&pool, &guest, dates, 2, true, aed).await),
        "quantity"
    );
    assert_eq!(quantities(&pool, &guest).await, [(dates, 4)]);
    cart::change(&pool, &guest, dates, 1, false, aed)
        .await
        .expect("sets");
    assert_eq!(quantities(&pool, &guest).await, [(dates, 1)]);

    // The price shown is the catalog's now, whatever it was when added.
    sqlx::query("UPDATE variants SET price_minor = 3900 WHERE id = $1")
        .bind(dates)
        .execute(&pool)
        .await
        .expect("reprices");
    let lines = cart::lines(&pool, &guest, aed.currency)
        .await
        .expect("lines");
    assert_eq!(lines[0].unit_price.minor, 3_900);

    cart::change(&pool, &guest, dates, 0, false, aed)
        .await
        .expect("removes");
    assert!(quantities(&pool, &guest).await.is_empty());
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn carts_are_kept_apart_and_a_guest_cart_merges_at_sign_in(pool: PgPool) {
    let aed = &rules(Currency::Aed);
    let dates = variant(&pool, "medjool-dates", 4_500, 5, "active").await;
    let coffee = variant(&pool, "arabic-coffee", 6_000, 50, "active").await;
    let account: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, email_verified_at) VALUES ('amina@example.com', now()) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("account");
    let token = cart::new_guest_token();
    let guest = Owner::Guest(token.clone());
    let stranger = Owner::Guest(cart::new_guest_token());
    let mine = Owner::Account(account);

    cart::change(&pool, &guest, dates, 4, true, aed)
        .await
        .expect("adds");
    cart::change(&pool, &guest, coffee, 2, true, aed)
        .await
        .expect("adds");
    cart::change(&pool, &mine, dates, 3, true, aed)
        .await
        .expect("adds");
    assert!(
        quantities(&pool, &stranger).await.is_empty(),
        "another guest sees nothing"
    );

    cart::merge(&pool, &token, account, aed)
        .await
        .expect("merges");
    let mut merged = quantities(&pool, &mine).await;
    merged.sort();
    let mut expected = vec![(dates, 5), (coffee, 2)]; // 4 + 3 capped at the stock of 5
    expected.sort();
    assert_eq!(merged, expected);
    assert!(
        quantities(&pool, &guest).await.is_empty(),
        "the guest cart is gone"
    );
    cart::merge(&pool, &token, account, aed)
        .await
        .expect("a second merge does nothing");
    assert_eq!(quantities(&pool, &mine).await.len(), 2);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn concurrent_adds_to_one_cart_never_pass_the_stock(pool: PgPool) {
    let aed = rules(Currency::Aed);
    let dates = variant(&pool, "medjool-dates", 4_500, 10, "active").await;
    let guest = Owner::Guest(cart::new_guest_token());
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (pool, guest) = (pool.clone(), guest.clone());
            tokio::spawn(async move { cart::change(&pool, &guest, dates, 1, true, &aed).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(()) => ok += 1,
            Err(Error::App(AppError::Validation { field, .. })) => assert_eq!(field, "quantity"),
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(ok, 10, "exactly the stock was added");
    assert_eq!(quantities(&pool, &guest).await, [(dates, 10)]);
    let carts: i64 = sqlx::query_scalar("SELECT count(*) FROM carts")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(carts, 1, "racing first adds made one cart");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn expired_carts_are_gone(pool: PgPool) {
    let aed = &rules(Currency::Aed);
    let dates = variant(&pool, "medjool-dates", 4_500, 10, "active").await;
    let guest = Owner::Guest(cart::new_guest_token());
    cart::change(&pool, &guest, dates, 1, true, aed)
        .await
        .expect("adds");
    sqlx::query("UPDATE carts SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .expect("expires");
    assert!(quantities(&pool, &guest).await.is_empty());
    cart::change(&pool, &guest, dates, 1, true, aed)
        .await
        .expect("a fresh cart");
    assert_eq!(quantities(&pool, &guest).await, [(dates, 1)]);
    sqlx::query("UPDATE carts SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .expect("expires");
    assert_eq!(cart::sweep_expired(&pool).await.expect("sweeps"), 1);
}
