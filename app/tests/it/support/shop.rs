//! A small UAE shop for the checkout and payment tests: rules, a zone with VAT, buyers with
//! carts, placing orders, and the stock accounting checked in SQL after each test.
#![allow(dead_code)]

use app::model::Currency;
use app::server::accounts::tokens::TokenKeys;
use app::server::cart::{self, Owner, Rules};
use app::server::checkout::{self, CheckoutRules, PlaceOrder, Placed};
use app::server::platform::mail::Site;
use app::server::Error;
use sqlx::PgPool;
use std::time::Duration;

pub fn rules(card: bool) -> CheckoutRules {
    CheckoutRules {
        cart: Rules {
            currency: Currency::Aed,
            max_quantity: 99,
            ttl: Duration::from_secs(86_400),
        },
        prices_include_tax: true,
        unpaid_order_ttl: Duration::from_secs(3_600),
        card_enabled: card,
    }
}

pub fn site() -> Site {
    Site {
        store_name: "Souq".into(),
        public_url: "https://souq.test".to_owned(),
    }
}

pub fn keys() -> TokenKeys {
    TokenKeys::random("https://souq.test")
}

/// A UAE shop: VAT 5 %, one zone (AE) with standard delivery at AED 15, free from AED 200,
/// cash on delivery allowed.
pub async fn shop(pool: &PgPool) -> i64 {
    sqlx::query("INSERT INTO tax_rates (country, rate_bp) VALUES ('AE', 500)")
        .execute(pool)
        .await
        .expect("tax");
    let zone: i64 =
        sqlx::query_scalar("INSERT INTO shipping_zones (name) VALUES ('UAE') RETURNING id")
            .fetch_one(pool)
            .await
            .expect("zone");
    sqlx::query("INSERT INTO shipping_zone_countries (country, zone_id) VALUES ('AE', $1)")
        .bind(zone)
        .execute(pool)
        .await
        .expect("zone country");
    sqlx::query_scalar(
        "INSERT INTO shipping_rates (zone_id, name, currency, price_minor, free_above_minor)
         VALUES ($1, 'Standard', 'AED', 1500, 20000) RETURNING id",
    )
    .bind(zone)
    .fetch_one(pool)
    .await
    .expect("rate")
}

pub async fn variant(pool: &PgPool, slug: &str, price: i64, stock: i32) -> i64 {
    super::variant(pool, slug, price, stock, "active").await
}

pub fn address() -> app::model::AddressInput {
    app::model::AddressInput {
        name: "Layla Haddad".into(),
        phone: "+971 50 123 4567".into(),
        line1: "12 Al Wasl Road".into(),
        city: "Dubai".into(),
        country: "AE".into(),
        ..Default::default()
    }
}

/// A guest with `lines` (variant, quantity) in the cart and the address entered.
pub async fn buyer(pool: &PgPool, email: &str, lines: &[(i64, i64)]) -> Owner {
    let owner = Owner::Guest(cart::new_guest_token());
    for (variant, quantity) in lines {
        cart::change(pool, &owner, *variant, *quantity, true, &rules(false).cart)
            .await
            .expect("add to cart");
    }
    checkout::set_details(pool, &owner, Some(email), &address())
        .await
        .expect("details");
    owner
}

pub fn order(key: &str, method: &str) -> PlaceOrder {
    PlaceOrder {
        checkout_key: key.to_owned(),
        payment_method: method.to_owned(),
        expected_total: None,
    }
}

pub fn new_key() -> String {
    app::server::accounts::tokens::opaque_token().0
}

pub async fn place(
    pool: &PgPool,
    keys: &TokenKeys,
    owner: &Owner,
    input: &PlaceOrder,
    rules: &CheckoutRules,
) -> Result<Placed, Error> {
    checkout::place_order(pool, keys, &site(), owner, input, rules).await
}

/// `owner` places a cash-on-delivery order from a fresh checkout page.
pub async fn place_cash(pool: &PgPool, keys: &TokenKeys, owner: &Owner) -> Result<Placed, Error> {
    place(
        pool,
        keys,
        owner,
        &order(&new_key(), "cash_on_delivery"),
        &rules(false),
    )
    .await
}

/// Every buyer places a cash-on-delivery order at the same time; the answers in order.
pub async fn race(
    pool: &PgPool,
    keys: &TokenKeys,
    buyers: Vec<Owner>,
) -> Vec<Result<Placed, Error>> {
    let tasks: Vec<_> = buyers
        .into_iter()
        .map(|owner| {
            let (pool, keys) = (pool.clone(), keys.clone());
            tokio::spawn(async move { place_cash(&pool, &keys, &owner).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    answers
}

pub async fn stock_of(pool: &PgPool, variant: i64) -> i32 {
    sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1")
        .bind(variant)
        .fetch_one(pool)
        .await
        .expect("stock")
}

pub async fn order_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(pool)
        .await
        .expect("count")
}

// Not every test crate that declares `common` uses it.
#[allow(unused_imports)]
pub use super::stock::assert_stock_accounting;
