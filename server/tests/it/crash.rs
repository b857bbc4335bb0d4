//! The `duka` process killed (SIGKILL, no shutdown) at the worst moments of a card checkout,
//! then started again over the same database and the same Stripe (the local test server):
//! the order is whole or absent, nothing is charged or moved twice, and the restarted process
//! settles what the dead one left open.
//!
//! Each test spawns the real binary (`CARGO_BIN_EXE_duka`) against its own `sqlx::test`
//! database and drives it over HTTP like a browser without JavaScript. A kill at an exact
//! moment is arranged by holding a row lock from the test, so the server is caught waiting
//! inside its own transaction, or by the Stripe test server taking a request and never
//! answering.

use crate::input_value;
use crate::process::{client, database_url, eventually, free_port, Browser, Duka, Scratch};
use crate::support::{stock, stripe};
use app::model::Currency;
use leptos::server_fn::ServerFn;
use reqwest::header::COOKIE;
use reqwest::StatusCode;
use sqlx::PgPool;
use std::path::Path;
use std::time::{Duration, Instant};
use stripe::MockStripe;

/// `duka serve` as a crash test runs it: against the local Stripe, with calls to it bounded
/// only by a timeout long enough that the kill ends a stalled one.
async fn start(db_url: &str, stripe: &MockStripe, dir: &Path, port: u16, run: u32) -> Duka {
    let mut extra: Vec<(String, String)> = stripe
        .env()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    extra.push(("DUKA_STRIPE_TIMEOUT_MS".into(), "20000".into()));
    Duka::start(db_url, dir, port, run, &extra).await
}

/// Fills `browser`'s cart with `quantity` of `sku` and the checkout details; the checkout
/// form's fields for a card payment.
async fn ready_to_pay(browser: &mut Browser, sku: &str, quantity: u32, email: &str) -> String {
    use app::api::cart::{AddToCart, SaveCheckoutDetails};
    let to = browser
        .submit(
            AddToCart::PATH,
            "/products/x",
            format!("sku={sku}&quantity={quantity}"),
        )
        .await;
    assert_eq!(to, "/cart?done=added");
    let details = format!(
        "email={}&address[name]=Layla&address[line1]=12+Al+Wasl+Road\
         &address[city]=Dubai&address[country]=AE",
        email.replace('@', "%40")
    );
    let to = browser
        .submit(SaveCheckoutDetails::PATH, "/checkout", details)
        .await;
    assert_eq!(to, "/checkout");
    let (status, page) = browser.get("/checkout").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"card\""), "card payment is offered");
    format!(
        "checkout_key={}&payment_method=card&expected_total={}",
        input_value(&page, "checkout_key"),
        input_value(&page, "expected_total")
    )
}

/// A catalog, and one variant of it with exactly `stock` on hand: its id and SKU.
async fn shop(pool: &PgPool, dir: &Path, stock: i32) -> (i64, String) {
    app::server::catalog::seed(
        pool,
        &app::server::platform::media::MediaStore::new(dir.join("media")),
        Currency::Aed,
        4,
    )
    .await
    .expect("seeds");
    sqlx::query_as(
        "UPDATE variants SET stock = $1 WHERE id = (
             SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id
             WHERE p.status = 'active' ORDER BY v.id LIMIT 1)
         RETURNING id, sku",
    )
    .bind(stock)
    .fetch_one(pool)
    .await
    .expect("a variant")
}

/// Waits until a backend of this database other than the test's is blocked on a lock: the
/// server, inside its transaction, behind the row the test holds.
async fn wait_for_lock_wait(pool: &PgPool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .expect("activity");
        if waiting > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the server never reached the lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the dead server's backends have noticed and gone: none of them is working or
/// holding a transaction open (the test's own connections are idle).
async fn wait_for_orphans(pool: &PgPool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let busy: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'",
        )
        .fetch_one(pool)
        .await
        .expect("activity");
        if busy == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the killed server's transaction is still open"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Stock accounting for the variant (on hand + reserved + sold = initial, never negative),
/// and every order whole: it has lines, and they add up to its subtotal.
async fn assert_books_balance(pool: &PgPool, variant: i64, initial: i64) {
    stock::assert_stock_accounting(pool, variant, initial).await;
    let broken: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders o
         WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)
            OR o.subtotal_minor <> (SELECT sum(l.unit_price_minor * l.quantity) FROM order_lines l
                                    WHERE l.order_id = o.id)",
    )
    .fetch_one(pool)
    .await
    .expect("whole orders");
    assert_eq!(
        broken, 0,
        "an order without its lines or with lines not adding up"
    );
}

/// What every crash test starts from: a catalog with one variant of stock 5, the local
/// Stripe, and the first run of the server.
struct Setup {
    dir: Scratch,
    variant: i64,
    sku: String,
    stripe: MockStripe,
    db_url: String,
    port: u16,
    duka: Duka,
}

async fn setup(pool: &PgPool) -> Setup {
    let dir = Scratch::new("crash");
    let (variant, sku) = shop(pool, &dir.0, 5).await;
    let stripe = MockStripe::start().await;
    let db_url = database_url(pool).await;
    let port = free_port();
    let duka = start(&db_url, &stripe, &dir.0, port, 1).await;
    Setup {
        dir,
        variant,
        sku,
        stripe,
        db_url,
        port,
        duka,
    }
}

/// Killed while placing the order (stock being reserved inside the checkout transaction):
/// no order, no stock taken, the cart still full; the shopper's retry with the same form
/// places the order once.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn killed_while_placing_the_order_it_is_absent_then_placed_once(pool: PgPool) {
    let Setup {
        dir,
        variant,
        sku,
        stripe,
        db_url,
        port,
        duka,
    } = setup(&pool).await;
    let mut browser = Browser::new(port);
    let form = ready_to_pay(&mut browser, &sku, 2, "layla@example.com").await;

    // The test holds the variant's row: the checkout waits behind it, mid-transaction.
    let mut hold = pool.begin().await.expect("begin");
    sqlx::query("SELECT stock FROM variants WHERE id = $1 FOR UPDATE")
        .bind(variant)
        .execute(&mut *hold)
        .await
        .expect("locks the variant");
    let place = browser.form(app::api::cart::PlaceOrder::PATH, "/checkout", form.clone());
    let placing = tokio::spawn(place.send());
    wait_for_lock_wait(&pool).await;
    duka.kill();
    hold.rollback().await.expect("rollback");
    let answer = placing.await.expect("task");
    assert!(answer.is_err(), "the shopper got no answer: {answer:?}");
    wait_for_orphans(&pool).await;

    let (orders, lines): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines)")
            .fetch_one(&pool)
            .await
            .expect("counts");
    assert_eq!((orders, lines), (0, 0), "absent: no order, no lines");
    assert_books_balance(&pool, variant, 5).await;
    let stock: i32 = sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1")
        .bind(variant)
        .fetch_one(&pool)
        .await
        .expect("stock");
    assert_eq!(stock, 5, "no stock taken");

    // Restarted: the cart survived, and the same form (a retry, a reload) places it once.
    // (The killed attempt had written its order row, so its number is spent: numbers are
    // unique and increasing, not gapless.)
    let duka = start(&db_url, &stripe, &dir.0, port, 2).await;
    let confirmation = browser
        .submit(app::api::cart::PlaceOrder::PATH, "/checkout", form.clone())
        .await;
    let number: i64 = sqlx::query_scalar("SELECT number FROM orders")
        .fetch_one(&pool)
        .await
        .expect("the order");
    assert!(
        confirmation.starts_with(&format!("/orders/{number}?key=")),
        "{confirmation}"
    );
    let again = browser
        .submit(app::api::cart::PlaceOrder::PATH, "/checkout", form)
        .await;
    assert_eq!(again, confirmation, "the same order");
    let (status, page) = browser.get(&confirmation).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("Order {number}")));
    assert_eq!(stripe.creates(), 1, "one PaymentIntent");
    let (orders, intent): (i64, Option<String>) =
        sqlx::query_as("SELECT count(*), max(payment_intent_id) FROM orders")
            .fetch_one(&pool)
            .await
            .expect("orders");
    assert_eq!(orders, 1);
    let intent = intent.expect("the PaymentIntent is saved on the order");
    let total: i64 = sqlx::query_scalar("SELECT total_minor FROM orders")
        .fetch_one(&pool)
        .await
        .expect("total");
    assert_eq!(stripe.intent(&intent)["amount"], total);
    assert_books_balance(&pool, variant, 5).await;
    duka.kill();
}

/// Killed after the order committed, while Stripe was creating its PaymentIntent (Stripe
/// made it; the answer never came back): the order is whole with its stock reserved, and the
/// restarted process's reconciler asks again with the same key, so Stripe holds one
/// PaymentIntent, now saved on the order.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn killed_while_stripe_creates_the_payment_the_reconciler_finishes_it(pool: PgPool) {
    let Setup {
        dir,
        variant,
        sku,
        stripe,
        db_url,
        port,
        duka,
    } = setup(&pool).await;
    let mut browser = Browser::new(port);
    let form = ready_to_pay(&mut browser, &sku, 3, "omar@example.com").await;

    stripe.stall_creates(true);
    let confirmation = browser
        .submit(app::api::cart::PlaceOrder::PATH, "/checkout", form)
        .await;
    let page = browser
        .client
        .get(format!("{}{confirmation}", browser.base))
        .header(COOKIE, browser.cookie_header())
        .send();
    let opening = tokio::spawn(page);
    let deadline = Instant::now() + Duration::from_secs(20);
    while stripe.creates() == 0 {
        assert!(
            Instant::now() < deadline,
            "the PaymentIntent was never asked for"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    duka.kill();
    stripe.stall_creates(false);
    assert!(opening.await.expect("task").is_err(), "no answer");

    let (status, intent): (String, Option<String>) =
        sqlx::query_as("SELECT status, payment_intent_id FROM orders")
            .fetch_one(&pool)
            .await
            .expect("the order");
    assert_eq!(
        (status.as_str(), intent),
        ("pending_payment", None),
        "whole, awaiting payment, its PaymentIntent unknown to us"
    );
    assert_books_balance(&pool, variant, 5).await;

    let duka = start(&db_url, &stripe, &dir.0, port, 2).await;
    eventually(
        &pool,
        "the reconciler saves the PaymentIntent",
        "SELECT payment_intent_id IS NOT NULL FROM orders",
    )
    .await;
    assert_eq!(stripe.creates(), 1, "Stripe made one PaymentIntent");
    let intents = stripe.intents();
    let saved: String = sqlx::query_scalar("SELECT payment_intent_id FROM orders")
        .fetch_one(&pool)
        .await
        .expect("intent");
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["id"], saved.as_str());
    // The shopper's page now offers the payment form.
    let (status, page) = browser.get(&confirmation).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(stripe::PUBLISHABLE_KEY),
        "the Payment Element's key"
    );
    assert_books_balance(&pool, variant, 5).await;
    duka.kill();
}

/// Killed between the payment succeeding and the order being marked paid: the webhook is
/// caught mid-transaction (its event recorded, the order row awaited) when the process dies,
/// and a second order's payment succeeds while the server is down. After the restart, Stripe's
/// retry applies the first once and the reconciler settles the second: each paid once, one
/// email each, nothing applied twice when the webhook comes again.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn killed_between_payment_and_marking_paid_each_order_is_paid_once(pool: PgPool) {
    let Setup {
        dir,
        variant,
        sku,
        stripe,
        db_url,
        port,
        duka,
    } = setup(&pool).await;
    let mut numbers = Vec::new();
    for (quantity, email) in [(2, "layla@example.com"), (1, "omar@example.com")] {
        let mut browser = Browser::new(port);
        let form = ready_to_pay(&mut browser, &sku, quantity, email).await;
        let confirmation = browser
            .submit(app::api::cart::PlaceOrder::PATH, "/checkout", form)
            .await;
        let (status, _) = browser.get(&confirmation).await;
        assert_eq!(status, StatusCode::OK);
        let number: i64 = confirmation["/orders/".len()..]
            .split('?')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("an order number");
        numbers.push(number);
    }
    let intent_of = |number: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT payment_intent_id FROM orders WHERE number = $1",
            )
            .bind(number)
            .fetch_one(&pool)
            .await
            .expect("a PaymentIntent")
        }
    };
    let (first, second) = (intent_of(numbers[0]).await, intent_of(numbers[1]).await);

    // The first payment succeeds; its webhook reaches the server, which records the event and
    // then waits for the order row the test holds.
    let paid = stripe.succeed(&first);
    let now = app::server::auth::now();
    let (body, signature) = stripe.event("evt_crash_1", "payment_intent.succeeded", paid, now);
    let mut hold = pool.begin().await.expect("begin");
    sqlx::query("SELECT id FROM orders WHERE number = $1 FOR UPDATE")
        .bind(numbers[0])
        .execute(&mut *hold)
        .await
        .expect("locks the order");
    let deliver = |body: Vec<u8>, signature: String| {
        client()
            .post(format!("http://127.0.0.1:{port}/webhooks/stripe"))
            .header("content-type", "application/json")
            .header("stripe-signature", signature)
            .body(body)
            .send()
    };
    let delivering = tokio::spawn(deliver(body.clone(), signature.clone()));
    wait_for_lock_wait(&pool).await;
    duka.kill();
    hold.rollback().await.expect("rollback");
    assert!(
        delivering.await.expect("task").is_err(),
        "Stripe got no answer"
    );
    // While the server is down, the second shopper pays; that webhook is lost for good.
    stripe.succeed(&second);
    wait_for_orphans(&pool).await;

    let (pending, events, emails): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM orders WHERE status = 'pending_payment'),
                (SELECT count(*) FROM stripe_events),
                (SELECT count(*) FROM email_outbox)",
    )
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert_eq!(
        (pending, events, emails),
        (2, 0, 0),
        "nothing of the interrupted webhook was kept"
    );
    assert_books_balance(&pool, variant, 5).await;

    let duka = start(&db_url, &stripe, &dir.0, port, 2).await;
    // Stripe retries the first webhook.
    let res = deliver(body.clone(), signature.clone())
        .await
        .expect("delivered");
    assert_eq!(res.status(), StatusCode::OK);
    eventually(
        &pool,
        "the reconciler marks the second order paid",
        "SELECT count(*) = 2 FROM orders WHERE status = 'paid'",
    )
    .await;
    // Another retry, and a few more sweeps: nothing moves again.
    let res = deliver(body, signature).await.expect("delivered");
    assert_eq!(res.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (number, email) in numbers
        .iter()
        .zip(["layla@example.com", "omar@example.com"])
    {
        let (moves, emails, paid, total): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM order_events e WHERE e.order_id = o.id
                     AND e.to_status = 'paid'),
                    (SELECT count(*) FROM email_outbox WHERE to_address = $2),
                    o.paid_minor, o.total_minor
             FROM orders o WHERE o.number = $1",
        )
        .bind(number)
        .bind(email)
        .fetch_one(&pool)
        .await
        .expect("counts");
        assert_eq!(
            (moves, emails),
            (1, 1),
            "order {number}: one move to paid, one email"
        );
        assert_eq!(paid, total, "order {number} paid in full");
    }
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM stripe_events")
        .fetch_one(&pool)
        .await
        .expect("events");
    assert_eq!(events, 1, "the retried event recorded once");
    assert_books_balance(&pool, variant, 5).await;
    duka.kill();
}
