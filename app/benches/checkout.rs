//! Checkout throughput (run by `make bench`; prints figures, asserts only correctness).
//!
//! On the database in `DATABASE_URL` (emptied of orders and carts first): 1,000 products, one
//! of them hot (every buyer wants it, with stock for half the orders), 200 concurrent buyers
//! each filling a cart with the hot product and two others and placing a cash-on-delivery order
//! through the production `checkout::place_order`, for `BENCH_SECONDS`. Prints orders per
//! second and how many ended out of stock, then checks the stock accounting in SQL: initial =
//! stock + sold for every variant, none negative. `scripts/bench.sh` runs pgbench's
//! simple-update on the same server next to it for the ratio.

// The tests' fixtures: the same shop rules, keys and site.
#[path = "../tests/it/support/mod.rs"]
mod support;

use app::model::AppError;
use app::server::accounts::tokens::opaque_token;
use app::server::cart::{self, Owner};
use app::server::checkout::{self, PlaceOrder};
use app::server::Error;
use sqlx::postgres::PgPoolOptions;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::shop;

const PRODUCTS: i64 = 1_000;
const BUYERS: usize = 200;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let db = PgPoolOptions::new()
        .max_connections(32)
        .acquire_timeout(Duration::from_secs(30))
        .connect(&url)
        .await?;
    app::server::platform::db::MIGRATOR.run(&db).await?;
    setup(&db).await?;
    let (hot, hot_stock): (i64, i32) = sqlx::query_as(
        "SELECT v.id, v.stock FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.slug = 'bench-0'",
    )
    .fetch_one(&db)
    .await?;
    let others: Vec<i64> = sqlx::query_scalar(
        "SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.slug LIKE 'bench-%' AND p.slug <> 'bench-0' ORDER BY v.id",
    )
    .fetch_all(&db)
    .await?;
    let initial: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT v.id, v.stock::BIGINT FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.slug LIKE 'bench-%'",
    )
    .fetch_all(&db)
    .await?;

    let (keys, site) = (shop::keys(), shop::site());
    let placed = Arc::new(AtomicU64::new(0));
    let sold_out = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for buyer in 0..BUYERS {
        let (db, keys, site, others) = (db.clone(), keys.clone(), site.clone(), others.clone());
        let (placed, sold_out) = (placed.clone(), sold_out.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = buyer;
            while Instant::now() < deadline {
                let owner = Owner::Guest(cart::new_guest_token());
                let lines = [
                    hot,
                    others[n % others.len()],
                    others[(n * 7 + 3) % others.len()],
                ];
                n += BUYERS;
                let mut added = true;
                for variant in lines {
                    if cart::change(&db, &owner, variant, 1, true, &shop::rules(false).cart)
                        .await
                        .is_err()
                    {
                        added = false;
                    }
                }
                if !added {
                    // The hot product sold out while filling the cart: what is left still sells.
                    sold_out.fetch_add(1, Ordering::Relaxed);
                }
                let address = app::model::AddressInput {
                    name: "Bench Buyer".into(),
                    line1: "1 Test Street".into(),
                    city: "Dubai".into(),
                    country: "AE".into(),
                    ..Default::default()
                };
                if checkout::set_details(&db, &owner, Some("bench@example.com"), &address)
                    .await
                    .is_err()
                {
                    continue;
                }
                let input = PlaceOrder {
                    checkout_key: opaque_token().0,
                    payment_method: "cash_on_delivery".into(),
                    expected_total: None,
                };
                match checkout::place_order(&db, &keys, &site, &owner, &input, &shop::rules(false))
                    .await
                {
                    Ok(_) => {
                        placed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(Error::App(AppError::OutOfStock { .. })) => {
                        sold_out.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => panic!("checkout failed: {e}"),
                }
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let placed = placed.load(Ordering::Relaxed);
    println!(
        "checkout: {placed} orders in {elapsed:.1} s = {:.0} orders/s ({BUYERS} buyers, {} carts hit sold-out stock, hot stock {hot_stock})",
        placed as f64 / elapsed,
        sold_out.load(Ordering::Relaxed),
    );

    // Stock accounting: nothing here cancels, so initial = stock + sold, and never negative.
    let mut broken = 0;
    for (variant, start) in initial {
        let (stock, sold): (i64, i64) = sqlx::query_as(
            "SELECT v.stock::BIGINT, coalesce((SELECT sum(l.quantity) FROM order_lines l
                 JOIN orders o ON o.id = l.order_id
                 WHERE l.variant_id = v.id AND o.status <> 'cancelled'), 0)::BIGINT
             FROM variants v WHERE v.id = $1",
        )
        .bind(variant)
        .fetch_one(&db)
        .await?;
        if stock < 0 || stock + sold != start {
            broken += 1;
            eprintln!("variant {variant}: initial {start}, stock {stock}, sold {sold}");
        }
    }
    if broken > 0 {
        return Err(format!("stock accounting broken for {broken} variants").into());
    }
    println!("checkout: stock accounting holds (initial = stock + sold, none negative)");
    Ok(())
}

/// 1,000 bench products (one variant each, AED) and the UAE zone, replacing earlier runs'.
async fn setup(db: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("TRUNCATE orders, carts, coupon_uses, email_outbox CASCADE")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM products WHERE slug LIKE 'bench-%'")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO products (slug, name, status)
         SELECT 'bench-' || i, 'Bench product ' || i, 'active' FROM generate_series(0, $1 - 1) i",
    )
    .bind(PRODUCTS)
    .execute(&mut *tx)
    .await?;
    // The hot product has stock for a fraction of the run; the others plenty.
    sqlx::query(
        "INSERT INTO variants (product_id, sku, price_minor, currency, stock)
         SELECT id, 'BENCH-' || substr(slug, 7), 1000 + (id % 50) * 100, 'AED',
                CASE WHEN slug = 'bench-0' THEN 1000 ELSE 100000 END
         FROM products WHERE slug LIKE 'bench-%'",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO tax_rates (country, rate_bp) VALUES ('AE', 500) ON CONFLICT DO NOTHING",
    )
    .execute(&mut *tx)
    .await?;
    let zoned: Option<i64> =
        sqlx::query_scalar("SELECT zone_id FROM shipping_zone_countries WHERE country = 'AE'")
            .fetch_optional(&mut *tx)
            .await?;
    if zoned.is_none() {
        let zone: i64 =
            sqlx::query_scalar("INSERT INTO shipping_zones (name) VALUES ('UAE') RETURNING id")
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("INSERT INTO shipping_zone_countries (country, zone_id) VALUES ('AE', $1)")
            .bind(zone)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO shipping_rates (zone_id, name, currency, price_minor) VALUES ($1, 'Standard', 'AED', 1500)",
        )
        .bind(zone)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
