//! Checkout throughput (run by `make bench`; prints figures, asserts only correctness).
//!
//! On the database in `DATABASE_URL` (emptied of orders and carts first): 1,000 products and
//! 200 concurrent buyers placing cash-on-delivery orders of three items through the
//! production `checkout::place_order`, in two runs:
//! - **spread**: each order's items drawn from across the 1,000 products;
//! - **hot**: every order holds the same hot product (stock for exactly every order, so the
//!   last one takes the last unit) and two others.
//!
//! Each run first fills every buyer's carts and checkout details (`BENCH_ORDERS` in all,
//! default 6,000; timed apart and printed), then times the buyers placing them all at once:
//! the orders per second are `place_order`'s alone. While they run, `pg_stat_activity` is
//! sampled for sessions waiting on a lock. After each run the stock accounting is checked in
//! SQL: initial = stock + sold for every variant, none negative. `scripts/bench.sh` runs
//! pgbench's simple-update on the same server next to it for the ratio.

// The tests' fixtures: the same shop rules, keys and site.
#[path = "../tests/it/support/mod.rs"]
mod support;

use app::model::AppError;
use app::server::accounts::tokens::opaque_token;
use app::server::cart::{self, Owner};
use app::server::checkout::{self, PlaceOrder};
use app::server::Error;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::shop;

const PRODUCTS: i64 = 1_000;
const BUYERS: usize = 200;

type Failure = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let orders: usize = std::env::var("BENCH_ORDERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6_000);
    let per_buyer = orders.div_ceil(BUYERS).max(1);
    let db = PgPoolOptions::new()
        .max_connections(32)
        .acquire_timeout(Duration::from_secs(60))
        .connect(&url)
        .await?;
    app::server::platform::db::MIGRATOR.run(&db).await?;
    for hot in [false, true] {
        run(&db, hot, per_buyer).await?;
    }
    Ok(())
}

/// One run: carts filled, then placed all at once; the figures printed, the books checked.
async fn run(db: &PgPool, hot: bool, per_buyer: usize) -> Result<(), Failure> {
    let name = if hot { "hot" } else { "spread" };
    let carts = per_buyer * BUYERS;
    setup(db, hot.then_some(carts as i32)).await?;
    let variants: Vec<i64> = sqlx::query_scalar(
        "SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.slug LIKE 'bench-%' ORDER BY p.slug <> 'bench-0', p.id",
    )
    .fetch_all(db)
    .await?;
    let initial: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT v.id, v.stock::BIGINT FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.slug LIKE 'bench-%'",
    )
    .fetch_all(db)
    .await?;

    // Carts: buyer b's n-th cart holds three distinct products; in the hot run, the first
    // (bench-0) is one of them.
    let started = Instant::now();
    let mut fillers = Vec::new();
    for buyer in 0..BUYERS {
        let (db, variants) = (db.clone(), variants.clone());
        fillers.push(tokio::spawn(async move {
            let mut owners = Vec::with_capacity(per_buyer);
            for n in 0..per_buyer {
                let k = buyer * per_buyer + n;
                let pick = |salt: usize| 1 + (k * 7919 + salt * 104_729) % (variants.len() - 1);
                let first = if hot { 0 } else { pick(3) };
                let (second, third) = (pick(1), pick(2));
                let owner = Owner::Guest(cart::new_guest_token());
                for i in [first, second, third] {
                    cart::change(&db, &owner, variants[i], 1, true, &shop::rules(false).cart)
                        .await?;
                }
                let address = app::model::AddressInput {
                    name: "Bench Buyer".into(),
                    line1: "1 Test Street".into(),
                    city: "Dubai".into(),
                    country: "AE".into(),
                    ..Default::default()
                };
                checkout::set_details(&db, &owner, Some("bench@example.com"), &address).await?;
                owners.push(owner);
            }
            Ok::<_, Error>(owners)
        }));
    }
    let mut queues = Vec::new();
    for filler in fillers {
        queues.push(filler.await??);
    }
    let fill_seconds = started.elapsed().as_secs_f64();

    // Placing: every buyer at once, each through its carts in turn.
    let (keys, site) = (shop::keys(), shop::site());
    let placed = Arc::new(AtomicU64::new(0));
    let sold_out = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn(lock_waits(db.clone(), done.clone()));
    let started = Instant::now();
    let mut buyers = Vec::new();
    for owners in queues {
        let (db, keys, site) = (db.clone(), keys.clone(), site.clone());
        let (placed, sold_out) = (placed.clone(), sold_out.clone());
        buyers.push(tokio::spawn(async move {
            for owner in owners {
                let input = PlaceOrder {
                    checkout_key: opaque_token().0,
                    payment_method: "cash_on_delivery".into(),
                    expected_total: None,
                };
                match checkout::place_order(&db, &keys, &site, &owner, &input, &shop::rules(false))
                    .await
                {
                    Ok(_) => placed.fetch_add(1, Ordering::Relaxed),
                    Err(Error::App(AppError::OutOfStock { .. })) => {
                        sold_out.fetch_add(1, Ordering::Relaxed)
                    }
                    Err(e) => return Err(e),
                };
            }
            Ok::<_, Error>(())
        }));
    }
    for buyer in buyers {
        buyer.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let (samples, waiting) = sampler.await??;
    let placed = placed.load(Ordering::Relaxed);
    println!(
        "checkout {name}: {placed} orders in {elapsed:.1} s = {:.0} orders/s ({BUYERS} buyers; {} refused as sold out; on average {:.1} sessions waiting on a lock; the {carts} carts filled in {fill_seconds:.1} s)",
        placed as f64 / elapsed,
        sold_out.load(Ordering::Relaxed),
        waiting as f64 / samples.max(1) as f64,
    );
    check_books(db, &initial).await?;
    println!("checkout {name}: stock accounting holds (initial = stock + sold, none negative)");
    Ok(())
}

/// Samples `pg_stat_activity` every 20 ms until `done`: (samples, sessions seen waiting on a
/// lock over all of them).
async fn lock_waits(db: PgPool, done: Arc<AtomicBool>) -> Result<(u64, u64), sqlx::Error> {
    let (mut samples, mut waiting) = (0u64, 0u64);
    while !done.load(Ordering::Relaxed) {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&db)
        .await?;
        samples += 1;
        waiting += n as u64;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok((samples, waiting))
}

/// Nothing here cancels, so for every variant initial = stock + sold, and none is negative.
async fn check_books(db: &PgPool, initial: &[(i64, i64)]) -> Result<(), Failure> {
    let mut broken = 0;
    for &(variant, start) in initial {
        let (stock, sold): (i64, i64) = sqlx::query_as(
            "SELECT v.stock::BIGINT, coalesce((SELECT sum(l.quantity) FROM order_lines l
                 JOIN orders o ON o.id = l.order_id
                 WHERE l.variant_id = v.id AND o.status <> 'cancelled'), 0)::BIGINT
             FROM variants v WHERE v.id = $1",
        )
        .bind(variant)
        .fetch_one(db)
        .await?;
        if stock < 0 || stock + sold != start {
            broken += 1;
            eprintln!("variant {variant}: initial {start}, stock {stock}, sold {sold}");
        }
    }
    if broken > 0 {
        return Err(format!("stock accounting broken for {broken} variants").into());
    }
    Ok(())
}

/// 1,000 bench products (one variant each, AED) and the UAE zone, replacing earlier runs'.
/// `hot_stock`: the stock of bench-0 (the others have plenty).
async fn setup(db: &PgPool, hot_stock: Option<i32>) -> Result<(), sqlx::Error> {
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
    sqlx::query(
        "INSERT INTO variants (product_id, sku, price_minor, currency, stock)
         SELECT id, 'BENCH-' || substr(slug, 7), 1000 + (id % 50) * 100, 'AED',
                CASE WHEN slug = 'bench-0' THEN coalesce($1, 100000) ELSE 100000 END
         FROM products WHERE slug LIKE 'bench-%'",
    )
    .bind(hot_stock)
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
    tx.commit().await?;
    // The products' insert queued them for the search index; a bench does not need them there.
    sqlx::query("TRUNCATE search_outbox").execute(db).await?;
    Ok(())
}
