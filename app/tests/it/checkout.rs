//! Checkout and orders against a real PostgreSQL: the money-path battery. Concurrent buyers of
//! a scarce item, carts sharing items in opposite orders, one checkout submitted many times,
//! coupon limits under concurrency, the order state machine in code and in the database, and
//! after each, the stock accounting in SQL. A fresh database per test.

use crate::support::shop::*;
use app::model::shipment::ShipmentInput;
use app::model::{AppError, Currency, OrderStatus};
use app::server::cart::{self, Owner};
use app::server::checkout::{self, Placed};
use app::server::orders::Actor;
use app::server::orders::{self, Access};
use app::server::Error;
use sqlx::PgPool;

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn cash_on_delivery_order_is_whole_confirmed_and_emailed(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 10).await;
    let coffee = variant(&pool, "arabic-coffee", 3_000, 5).await;
    let keys = keys();
    let guest = buyer(&pool, "layla@example.com", &[(dates, 2), (coffee, 1)]).await;

    let view = checkout::view(&pool, &guest, None, Vec::new(), &rules(false))
        .await
        .expect("view");
    let quote = view.quote.expect("priced");
    assert_eq!(quote.subtotal.minor, 12_000);
    assert_eq!(quote.shipping.minor, 1_500, "below the free threshold");
    // Prices include 5 % VAT: the tax part of 12,000 + 1,500 is extracted, not added.
    assert_eq!(quote.total.minor, 13_500);
    assert_eq!(quote.tax.minor, 13_500 - 12_857);
    assert!(view.blocker.is_none(), "{:?}", view.blocker);

    let mut input = order(&new_key(), "cash_on_delivery");
    input.expected_total = Some(quote.total.minor);
    let placed = place(&pool, &keys, &guest, &input, &rules(false))
        .await
        .expect("placed");
    assert!(placed.created);
    assert_eq!(placed.status, OrderStatus::Confirmed);

    let seen = orders::view(&pool, placed.number, Access::Key(&placed.access_key))
        .await
        .expect("the link opens the order");
    assert_eq!(seen.quote.total.minor, 13_500);
    assert_eq!(seen.lines.len(), 2);
    let statuses: Vec<_> = seen.events.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        vec![
            Some(OrderStatus::PendingPayment),
            Some(OrderStatus::Confirmed)
        ]
    );
    for wrong in [Access::Key("not-the-key"), Access::Account(42)] {
        assert!(matches!(
            orders::view(&pool, placed.number, wrong).await,
            Err(Error::App(AppError::NotFound))
        ));
    }
    let outbox: Vec<(String, String)> =
        sqlx::query_as("SELECT to_address, text_body FROM email_outbox")
            .fetch_all(&pool)
            .await
            .expect("outbox");
    assert_eq!(outbox.len(), 1, "one confirmation email");
    assert_eq!(outbox[0].0, "layla@example.com");
    assert!(outbox[0].1.contains(&placed.access_key), "{}", outbox[0].1);
    assert!(
        cart::lines(&pool, &guest, Currency::Aed)
            .await
            .expect("lines")
            .is_empty(),
        "the cart is emptied"
    );
    assert_stock_accounting(&pool, dates, 10).await;
    assert_stock_accounting(&pool, coffee, 5).await;

    // The lookup form: the right email and number give a key that opens the order.
    let lookup_key = orders::lookup(&pool, &keys, "LAYLA@example.com", placed.number, 1_000)
        .await
        .expect("found");
    assert!(orders::open_lookup_key(
        &keys,
        placed.number,
        &lookup_key,
        1_000
    ));
    assert!(!orders::open_lookup_key(
        &keys,
        placed.number + 1,
        &lookup_key,
        1_000
    ));
    assert!(!orders::open_lookup_key(
        &keys,
        placed.number,
        &lookup_key,
        1_000 + 3_601
    ));
    assert!(matches!(
        orders::lookup(&pool, &keys, "someone@example.com", placed.number, 1_000).await,
        Err(Error::App(AppError::NotFound))
    ));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn two_hundred_buyers_of_ten_units_make_ten_orders(pool: PgPool) {
    shop(&pool).await;
    let oud = variant(&pool, "oud-oil", 25_000, 10).await;
    let keys = keys();
    let mut buyers = Vec::new();
    for i in 0..200 {
        buyers.push(buyer(&pool, &format!("buyer{i}@example.com"), &[(oud, 1)]).await);
    }
    let answers = race(&pool, &keys, buyers).await;
    let (mut placed, mut sold_out) = (0, 0);
    for answer in answers {
        match answer {
            Ok(_) => placed += 1,
            Err(Error::App(AppError::OutOfStock { available, .. })) => {
                assert_eq!(available, 0);
                sold_out += 1;
            }
            Err(other) => panic!("a buyer got {other:?}"),
        }
    }
    assert_eq!((placed, sold_out), (10, 190));
    let orders = order_count(&pool).await;
    assert_eq!(orders, 10);
    assert_stock_accounting(&pool, oud, 10).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn carts_sharing_items_in_opposite_orders_neither_deadlock_nor_oversell(pool: PgPool) {
    shop(&pool).await;
    let a = variant(&pool, "saffron", 9_000, 15).await;
    let b = variant(&pool, "cardamom", 2_000, 15).await;
    let keys = keys();
    let mut buyers = Vec::new();
    for i in 0..40 {
        // Half the carts list A first, half B first (lines are read in the order added).
        let lines = if i % 2 == 0 {
            [(a, 1), (b, 1)]
        } else {
            [(b, 1), (a, 1)]
        };
        buyers.push(buyer(&pool, &format!("b{i}@example.com"), &lines).await);
    }
    let answers = race(&pool, &keys, buyers).await;
    let mut placed = 0;
    for answer in answers {
        match answer {
            Ok(_) => placed += 1,
            Err(Error::App(AppError::OutOfStock { .. })) => {}
            Err(other) => panic!("a buyer got {other:?}"),
        }
    }
    assert_eq!(
        placed, 15,
        "each order takes one of each; 15 of each in stock"
    );
    assert_stock_accounting(&pool, a, 15).await;
    assert_stock_accounting(&pool, b, 15).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn one_checkout_submitted_twenty_times_is_one_order(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 10).await;
    let keys = keys();
    let guest = buyer(&pool, "layla@example.com", &[(dates, 3)]).await;
    let key = new_key();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (pool, keys, guest, key) = (pool.clone(), keys.clone(), guest.clone(), key.clone());
            tokio::spawn(async move {
                place(
                    &pool,
                    &keys,
                    &guest,
                    &order(&key, "cash_on_delivery"),
                    &rules(false),
                )
                .await
            })
        })
        .collect();
    let mut numbers = Vec::new();
    let mut created = 0;
    for task in tasks {
        let placed = task.await.expect("task").expect("every submission answers");
        numbers.push(placed.number);
        created += usize::from(placed.created);
    }
    numbers.dedup();
    assert_eq!(numbers.len(), 1, "one order number for every answer");
    assert_eq!(created, 1);
    let emails: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(emails, 1);
    assert_stock_accounting(&pool, dates, 10).await;
    let stock = stock_of(&pool, dates).await;
    assert_eq!(stock, 7);

    // Another buyer replaying the key gets a conflict, not the order.
    let other = buyer(&pool, "other@example.com", &[(dates, 1)]).await;
    assert!(matches!(
        place(
            &pool,
            &keys,
            &other,
            &order(&key, "cash_on_delivery"),
            &rules(false)
        )
        .await,
        Err(Error::App(AppError::Conflict))
    ));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_coupon_limited_to_one_use_is_used_once(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 10_000, 100).await;
    sqlx::query(
        "INSERT INTO coupons (code, kind, value, currency, max_uses) VALUES ('EID10', 'percent', 1000, 'AED', 1)",
    )
    .execute(&pool)
    .await
    .expect("coupon");
    sqlx::query(
        "INSERT INTO coupons (code, kind, value, currency, min_subtotal_minor, max_uses_per_customer)
         VALUES ('WELCOME', 'fixed', 2500, 'AED', 15000, 1)",
    )
    .execute(&pool)
    .await
    .expect("coupon");
    let keys = keys();
    let mut buyers = Vec::new();
    for i in 0..20 {
        let owner = buyer(&pool, &format!("c{i}@example.com"), &[(dates, 1)]).await;
        checkout::set_coupon(&pool, &owner, Some(" eid10 "), &rules(false))
            .await
            .expect("applies while unused");
        buyers.push(owner);
    }
    let answers = race(&pool, &keys, buyers).await;
    let (mut ok, mut refused) = (0, 0);
    for answer in answers {
        match answer {
            Ok(_) => ok += 1,
            Err(Error::App(AppError::Validation { field, .. })) if field == "coupon" => {
                refused += 1
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!((ok, refused), (1, 19));
    let (uses, discounted): (i32, i64) = sqlx::query_as(
        "SELECT uses, (SELECT count(*) FROM orders WHERE discount_minor = 1000) FROM coupons WHERE code = 'EID10'",
    )
    .fetch_one(&pool)
    .await
    .expect("uses");
    assert_eq!((uses, discounted), (1, 1));

    // Minimum spend, then once per customer, then given back when the order is cancelled.
    let small = buyer(&pool, "w@example.com", &[(dates, 1)]).await;
    let refused = checkout::set_coupon(&pool, &small, Some("WELCOME"), &rules(false)).await;
    assert!(matches!(
        refused,
        Err(Error::App(AppError::Validation { .. }))
    ));
    let first = buyer(&pool, "w@example.com", &[(dates, 2)]).await;
    checkout::set_coupon(&pool, &first, Some("WELCOME"), &rules(false))
        .await
        .expect("applies");
    let placed = place_cash(&pool, &keys, &first).await.expect("placed");
    let again = buyer(&pool, "W@example.com", &[(dates, 2)]).await;
    assert!(
        checkout::set_coupon(&pool, &again, Some("WELCOME"), &rules(false))
            .await
            .is_err()
    );
    orders::change_status(
        &pool,
        placed.number,
        OrderStatus::Cancelled,
        Actor::Staff(1),
        &Default::default(),
    )
    .await
    .expect("cancelled");
    checkout::set_coupon(&pool, &again, Some("WELCOME"), &rules(false))
        .await
        .expect("usable again after the cancellation");
    assert_stock_accounting(&pool, dates, 100).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_state_machine_is_the_same_in_code_and_in_the_database(pool: PgPool) {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT from_status, to_status FROM order_transitions")
            .fetch_all(&pool)
            .await
            .expect("transitions");
    let mut in_db: Vec<(String, String)> = rows;
    in_db.sort();
    let mut in_code: Vec<(String, String)> = OrderStatus::ALL
        .iter()
        .flat_map(|from| {
            from.next()
                .iter()
                .map(|to| (from.as_str().to_owned(), to.as_str().to_owned()))
        })
        .collect();
    in_code.sort();
    assert_eq!(in_db, in_code);

    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 10).await;
    let keys = keys();
    let guest = buyer(&pool, "layla@example.com", &[(dates, 2)]).await;
    let placed = place_cash(&pool, &keys, &guest).await.expect("placed");
    // Skipping steps is refused by the code and, for a hand-written update, by the trigger.
    assert!(matches!(
        orders::change_status(
            &pool,
            placed.number,
            OrderStatus::Delivered,
            Actor::Staff(1),
            &Default::default()
        )
        .await,
        Err(Error::App(AppError::Conflict))
    ));
    let raw = sqlx::query("UPDATE orders SET status = 'delivered' WHERE number = $1")
        .bind(placed.number)
        .execute(&pool)
        .await;
    assert!(raw.is_err(), "the trigger refuses a skipped step");

    let shipped = orders::StatusDetails {
        shipment: ShipmentInput {
            carrier: "aramex".into(),
            tracking_number: "AX-99812".into(),
            ..ShipmentInput::default()
        },
        ..Default::default()
    };
    let total: i64 = sqlx::query_scalar("SELECT total_minor FROM orders WHERE number = $1")
        .bind(placed.number)
        .fetch_one(&pool)
        .await
        .expect("total");
    let delivered = |cash: Option<i64>| orders::StatusDetails {
        cash_collected_minor: cash,
        ..Default::default()
    };
    orders::change_status(
        &pool,
        placed.number,
        OrderStatus::Fulfilled,
        Actor::Staff(1),
        &Default::default(),
    )
    .await
    .expect("packed");
    let no_carrier = orders::change_status(
        &pool,
        placed.number,
        OrderStatus::Shipped,
        Actor::Staff(1),
        &Default::default(),
    )
    .await;
    assert!(
        matches!(no_carrier, Err(Error::App(AppError::Validation { ref field, .. })) if field == "carrier"),
        "{no_carrier:?}"
    );
    orders::change_status(
        &pool,
        placed.number,
        OrderStatus::Shipped,
        Actor::Staff(1),
        &shipped,
    )
    .await
    .expect("shipped");
    // A cash order is delivered with the cash the courier collected: some, at most the total.
    for cash in [None, Some(0), Some(total + 1)] {
        let refused = orders::change_status(
            &pool,
            placed.number,
            OrderStatus::Delivered,
            Actor::Staff(1),
            &delivered(cash),
        )
        .await;
        assert!(
            matches!(refused, Err(Error::App(AppError::Validation { ref field, .. })) if field == "cash_collected"),
            "{cash:?}: {refused:?}"
        );
    }
    orders::change_status(
        &pool,
        placed.number,
        OrderStatus::Delivered,
        Actor::Staff(1),
        &delivered(Some(total)),
    )
    .await
    .expect("delivered");
    let paid: (i64, Option<i64>) =
        sqlx::query_as("SELECT paid_minor, cash_collected_minor FROM orders WHERE number = $1")
            .bind(placed.number)
            .fetch_one(&pool)
            .await
            .expect("paid");
    assert_eq!(
        paid,
        (total, Some(total)),
        "the cash collected is what was paid"
    );
    assert!(matches!(
        orders::change_status(
            &pool,
            placed.number,
            OrderStatus::Cancelled,
            Actor::Staff(1),
            &Default::default()
        )
        .await,
        Err(Error::App(AppError::Conflict))
    ));
    let view = orders::view(&pool, placed.number, Access::Key(&placed.access_key))
        .await
        .expect("view");
    assert_eq!(view.status, OrderStatus::Delivered);
    assert_eq!(view.tracking_number.as_deref(), Some("AX-99812"));
    assert_eq!(view.carrier.as_deref(), Some("Aramex"));
    assert_eq!(
        view.tracking_url.as_deref(),
        Some("https://www.aramex.com/track/results?ShipmentNumber=AX-99812")
    );
    assert!(view.staff.is_none(), "the shopper's view has no staff side");
    assert_eq!(view.events.len(), 5);
    assert_stock_accounting(&pool, dates, 10).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn unpaid_card_orders_give_their_stock_back(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 10).await;
    let keys = keys();
    let guest = buyer(&pool, "layla@example.com", &[(dates, 4)]).await;
    let placed = place(
        &pool,
        &keys,
        &guest,
        &order(&new_key(), "card"),
        &rules(true),
    )
    .await
    .expect("placed");
    assert_eq!(placed.status, OrderStatus::PendingPayment);
    assert_stock_accounting(&pool, dates, 10).await;
    // Stripe is not configured: an order without a PaymentIntent is released directly.
    let unpaid = app::server::payments::Payments {
        db: pool.clone(),
        stripe: None,
        site: site(),
        keys: keys.clone(),
    };
    assert_eq!(
        unpaid.release_unpaid().await.expect("sweep"),
        0,
        "not yet due"
    );
    sqlx::query("UPDATE orders SET pay_by = now() - interval '1 second'")
        .execute(&pool)
        .await
        .expect("due");
    assert_eq!(unpaid.release_unpaid().await.expect("sweep"), 1);
    let stock = stock_of(&pool, dates).await;
    assert_eq!(stock, 10);
    assert_stock_accounting(&pool, dates, 10).await;
    assert_eq!(unpaid.release_unpaid().await.expect("sweep"), 0, "once");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn bad_checkouts_get_clear_errors_and_change_nothing(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 10).await;
    let keys = keys();
    let field = |r: Result<Placed, Error>| match r {
        Err(Error::App(AppError::Validation { field, .. })) => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    let guest = buyer(&pool, "layla@example.com", &[(dates, 1)]).await;
    assert_eq!(
        field(
            place(
                &pool,
                &keys,
                &guest,
                &order("short", "cash_on_delivery"),
                &rules(false)
            )
            .await
        ),
        "checkout_key"
    );
    assert_eq!(
        field(
            place(
                &pool,
                &keys,
                &guest,
                &order(&new_key(), "bitcoin"),
                &rules(false)
            )
            .await
        ),
        "payment_method"
    );
    assert_eq!(
        field(
            place(
                &pool,
                &keys,
                &guest,
                &order(&new_key(), "card"),
                &rules(false)
            )
            .await
        ),
        "payment_method",
        "no card without Stripe"
    );
    let mut stale = order(&new_key(), "cash_on_delivery");
    stale.expected_total = Some(1);
    assert_eq!(
        field(place(&pool, &keys, &guest, &stale, &rules(false)).await),
        "total"
    );

    let no_address = Owner::Guest(cart::new_guest_token());
    cart::change(&pool, &no_address, dates, 1, true, &rules(false).cart)
        .await
        .expect("add");
    assert_eq!(field(place_cash(&pool, &keys, &no_address).await), "email");
    let empty = Owner::Guest(cart::new_guest_token());
    assert_eq!(field(place_cash(&pool, &keys, &empty).await), "cart");

    let mut abroad = address();
    abroad.country = "ZM".into();
    assert!(matches!(
        checkout::set_details(&pool, &guest, Some("layla@example.com"), &abroad).await,
        Err(Error::App(AppError::Validation { field, .. })) if field == "country"
    ));
    let orders = order_count(&pool).await;
    assert_eq!(orders, 0);
    assert_stock_accounting(&pool, dates, 10).await;
}

/// Staff pack an order line by line: partly packed, then packed once every line is; never
/// more than a line holds (also when five packers race for the last unit), never an order
/// that is not paid or confirmed. Packing all at once through the status marks every line.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn orders_are_packed_line_by_line(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 10).await;
    let coffee = variant(&pool, "arabic-coffee", 3_000, 5).await;
    let keys = keys();
    let guest = buyer(&pool, "layla@example.com", &[(dates, 3), (coffee, 1)]).await;
    let placed = place_cash(&pool, &keys, &guest).await.expect("placed");
    let number = placed.number;
    let view = orders::view(&pool, number, Access::Staff)
        .await
        .expect("view");
    let line_of = |variant_sku: &str| {
        view.lines
            .iter()
            .find(|l| l.sku == variant_sku)
            .map(|l| l.line_no)
            .expect("a line")
    };
    let (dates_line, coffee_line) = (line_of("MEDJOOL-DATES"), line_of("ARABIC-COFFEE"));

    assert_eq!(
        orders::pack(&pool, number, dates_line, 2, Actor::Staff(1))
            .await
            .expect("packs"),
        OrderStatus::PartiallyFulfilled
    );
    // Too many, none, a line or an order that is not there: refused, nothing changes.
    for (line, quantity) in [(dates_line, 2), (dates_line, 0), (dates_line, -1)] {
        assert!(
            matches!(
                orders::pack(&pool, number, line, quantity, Actor::Staff(1)).await,
                Err(Error::App(AppError::Validation { .. }))
            ),
            "{quantity} of line {line}"
        );
    }
    assert!(matches!(
        orders::pack(&pool, number, 99, 1, Actor::Staff(1)).await,
        Err(Error::App(AppError::NotFound))
    ));
    assert!(matches!(
        orders::pack(&pool, 999_999, dates_line, 1, Actor::Staff(1)).await,
        Err(Error::App(AppError::NotFound))
    ));
    // "Partly packed" is what packing some does, not a status to pick.
    assert!(matches!(
        orders::change_status(
            &pool,
            number,
            OrderStatus::PartiallyFulfilled,
            Actor::Staff(1),
            &Default::default()
        )
        .await,
        Err(Error::App(AppError::Validation { .. }))
    ));

    // One unit of dates is left; five packers try for it at once.
    let racers: Vec<_> = (0..5)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                orders::pack(&pool, number, dates_line, 1, Actor::Staff(2)).await
            })
        })
        .collect();
    let mut packed = 0;
    for racer in racers {
        if racer.await.expect("task").is_ok() {
            packed += 1;
        }
    }
    assert_eq!(packed, 1, "the last unit is packed once");

    assert_eq!(
        orders::pack(&pool, number, coffee_line, 1, Actor::Staff(1))
            .await
            .expect("packs"),
        OrderStatus::Fulfilled
    );
    assert!(
        matches!(
            orders::pack(&pool, number, coffee_line, 1, Actor::Staff(1)).await,
            Err(Error::App(AppError::Validation { .. }))
        ),
        "a packed order is not packed again"
    );
    let view = orders::view(&pool, number, Access::Staff)
        .await
        .expect("view");
    assert!(view.lines.iter().all(|l| l.packed == l.quantity));
    let moves: Vec<Option<OrderStatus>> = view.events.iter().map(|e| e.status).collect();
    assert_eq!(
        moves
            .iter()
            .filter(|m| **m == Some(OrderStatus::PartiallyFulfilled))
            .count(),
        1,
        "one move to partly packed: {moves:?}"
    );
    assert_eq!(view.status, OrderStatus::Fulfilled);
    let notes = view
        .events
        .iter()
        .filter(|e| e.note.starts_with("Packed "))
        .count();
    assert_eq!(notes, 3, "each packing on the timeline");

    // A second order packed in one go: every line counts as packed.
    let again = buyer(&pool, "omar@example.com", &[(dates, 1), (coffee, 2)]).await;
    let second = place_cash(&pool, &keys, &again).await.expect("placed");
    orders::change_status(
        &pool,
        second.number,
        OrderStatus::Fulfilled,
        Actor::Staff(1),
        &Default::default(),
    )
    .await
    .expect("packed");
    let view = orders::view(&pool, second.number, Access::Staff)
        .await
        .expect("view");
    assert!(view.lines.iter().all(|l| l.packed == l.quantity));
    assert_stock_accounting(&pool, dates, 10).await;
    assert_stock_accounting(&pool, coffee, 5).await;
}

// ---- Privacy: the export and the erasure cover every personal column --------------------

/// What the privacy functions do with a column.
#[derive(Debug, Clone, Copy)]
enum Privacy {
    /// Not about a person.
    No,
    /// Personal: in the export under this path (`orders.email`: the key in the first
    /// element of `orders`), and gone after erasure.
    Erased(&'static str),
    /// Personal: in the export under this path, and kept after erasure for the reason given.
    Kept(&'static str, &'static str),
    /// About a person but a secret or a hash of one (never exported), gone after erasure.
    Secret,
}

use Privacy::{Erased, Kept, No, Secret};

const ACCOUNTING: &str = "orders are kept for the accounting law";
const SECURITY: &str = "the append-only security log";

/// Every column of every table. A new column fails the test below until it is classified
/// here, and a personal one until the export and the erasure cover it.
const COLUMNS: &[(&str, &[(&str, Privacy)])] = &[
    (
        "_sqlx_migrations",
        &[
            ("version", No),
            ("description", No),
            ("installed_on", No),
            ("success", No),
            ("checksum", No),
            ("execution_time", No),
        ],
    ),
    (
        "account_tokens",
        &[
            ("token_hash", Secret),
            ("account_id", Secret),
            ("purpose", Secret),
            ("created_at", Secret),
            ("expires_at", Secret),
            ("used_at", Secret),
        ],
    ),
    (
        "accounts",
        &[
            ("id", No),
            ("email", Erased("account.email")),
            ("password_hash", Secret),
            ("name", Erased("account.name")),
            ("role", No),
            ("email_verified_at", Erased("account.email_verified_at")),
            (
                "password_changed_at",
                Kept(
                    "account.password_changed_at",
                    "a time, no longer tied to anyone once the rest is erased",
                ),
            ),
            (
                "created_at",
                Kept(
                    "account.created_at",
                    "a time, no longer tied to anyone once the rest is erased",
                ),
            ),
            ("updated_at", No),
            ("erased_at", No),
            ("deactivated_at", No),
        ],
    ),
    (
        "addresses",
        &[
            ("id", No),
            ("account_id", No),
            ("name", Erased("addresses.name")),
            ("phone", Erased("addresses.phone")),
            ("line1", Erased("addresses.line1")),
            ("line2", Erased("addresses.line2")),
            ("city", Erased("addresses.city")),
            ("region", Erased("addresses.region")),
            ("postal_code", Erased("addresses.postal_code")),
            ("country", Erased("addresses.country")),
            ("is_default", Erased("addresses.is_default")),
            ("created_at", Erased("addresses.created_at")),
            ("updated_at", No),
        ],
    ),
    (
        "audit_log",
        &[
            ("id", No),
            ("at", Kept("security_events.at", SECURITY)),
            ("account_id", No),
            ("action", Kept("security_events.action", SECURITY)),
            ("ip", Kept("security_events.ip", SECURITY)),
            ("details", No),
        ],
    ),
    (
        "cart_lines",
        &[
            ("cart_id", No),
            ("variant_id", Erased("cart.lines.sku")),
            ("quantity", Erased("cart.lines.quantity")),
            ("added_at", Erased("cart.lines.added_at")),
        ],
    ),
    (
        "carts",
        &[
            ("id", No),
            ("token_hash", No),
            ("account_id", No),
            ("created_at", Erased("cart.created_at")),
            ("updated_at", No),
            ("expires_at", No),
            ("checkout_email", Erased("cart.checkout_email")),
            ("checkout_address", Erased("cart.checkout_address")),
            ("shipping_rate_id", No),
            ("coupon_code", Erased("cart.coupon_code")),
            ("checkout_refusal", Erased("cart.checkout_refusal")),
        ],
    ),
    (
        "categories",
        &[
            ("id", No),
            ("parent_id", No),
            ("position", No),
            ("slug", No),
            ("name", No),
            ("description", No),
            ("created_at", No),
            ("updated_at", No),
            ("image_key", No),
            ("image_width", No),
            ("image_height", No),
        ],
    ),
    (
        "category_listings",
        &[
            ("category_id", No),
            ("product_id", No),
            ("created_at", No),
            ("name", No),
            ("price_min_minor", No),
            ("in_stock", No),
            ("facet_terms", No),
        ],
    ),
    (
        "category_term_counts",
        &[
            ("category_id", No),
            ("term", No),
            ("products", No),
            ("in_stock", No),
        ],
    ),
    (
        "coupon_uses",
        &[
            ("order_id", No),
            ("coupon_id", No),
            ("customer", Kept("orders.coupon_code", ACCOUNTING)),
            ("created_at", No),
            ("discount_minor", No),
            ("shipping_waived_minor", No),
        ],
    ),
    (
        "coupon_categories",
        &[("coupon_id", No), ("category_id", No)],
    ),
    ("coupon_products", &[("coupon_id", No), ("product_id", No)]),
    (
        "sales_days",
        &[
            ("day", No),
            ("shard", No),
            ("orders", No),
            ("sales_minor", No),
            ("refunds_minor", No),
            ("customers", No),
        ],
    ),
    (
        "sales_product_days",
        &[
            ("day", No),
            ("product_id", No),
            ("shard", No),
            ("quantity", No),
            ("sales_minor", No),
        ],
    ),
    (
        "sales_category_days",
        &[
            ("day", No),
            ("category_id", No),
            ("shard", No),
            ("quantity", No),
            ("sales_minor", No),
        ],
    ),
    (
        "coupons",
        &[
            ("id", No),
            ("code", No),
            ("kind", No),
            ("value", No),
            ("currency", No),
            ("min_subtotal_minor", No),
            ("starts_at", No),
            ("ends_at", No),
            ("max_uses", No),
            ("max_uses_per_customer", No),
            ("uses", No),
            ("active", No),
            ("created_at", No),
            ("version", No),
            ("updated_at", No),
            ("updated_by", No),
        ],
    ),
    (
        "email_outbox",
        &[
            ("id", No),
            ("account_id", No),
            ("to_address", Erased("emails.to")),
            ("subject", Erased("emails.subject")),
            ("text_body", Erased("emails.subject")),
            ("html_body", Erased("emails.subject")),
            ("created_at", Erased("emails.created_at")),
            ("attempts", No),
            ("next_attempt_at", No),
            ("sent_at", Erased("emails.sent_at")),
            ("last_error", No),
            ("failed_at", No),
        ],
    ),
    ("invoice_counter", &[("only_row", No), ("last_number", No)]),
    (
        "order_events",
        &[
            ("id", No),
            ("order_id", No),
            ("from_status", No),
            ("to_status", Kept("orders.timeline.status", ACCOUNTING)),
            ("note", Kept("orders.timeline.note", ACCOUNTING)),
            ("actor", No),
            ("created_at", Kept("orders.timeline.at", ACCOUNTING)),
            ("created_xid", No),
        ],
    ),
    (
        "order_returns",
        &[
            ("id", No),
            ("order_id", No),
            ("request_key", No),
            ("lines", No),
            ("restocked", No),
            ("refund_minor", No),
            ("created_at", No),
            ("created_by", No),
        ],
    ),
    (
        "order_notes",
        &[
            ("id", No),
            ("order_id", No),
            // The staff member who wrote it.
            ("account_id", No),
            ("body", Erased("orders.staff_notes.body")),
            ("created_at", Erased("orders.staff_notes.at")),
        ],
    ),
    (
        "order_notices",
        &[
            // Gone within a second of the change they report (their email is in the outbox).
            ("id", No),
            ("order_id", No),
            ("kind", No),
            ("amount_minor", No),
            ("created_at", No),
        ],
    ),
    (
        "order_lines",
        &[
            ("order_id", No),
            ("line_no", No),
            ("variant_id", No),
            ("sku", Kept("orders.lines.sku", ACCOUNTING)),
            ("product_name", Kept("orders.lines.product", ACCOUNTING)),
            ("variant_title", Kept("orders.lines.variant", ACCOUNTING)),
            (
                "unit_price_minor",
                Kept("orders.lines.unit_price_minor", ACCOUNTING),
            ),
            ("quantity", Kept("orders.lines.quantity", ACCOUNTING)),
            (
                "discount_minor",
                Kept("orders.lines.discount_minor", ACCOUNTING),
            ),
            ("tax_minor", Kept("orders.lines.tax_minor", ACCOUNTING)),
            ("tax_rate_bp", No),
            ("fulfilled_quantity", No),
            ("returned_quantity", No),
        ],
    ),
    ("order_statuses", &[("status", No)]),
    (
        "order_transitions",
        &[("from_status", No), ("to_status", No)],
    ),
    (
        "orders",
        &[
            ("id", No),
            ("number", Kept("orders.number", ACCOUNTING)),
            ("checkout_key", No),
            ("account_id", No),
            ("guest_hash", No),
            ("access_hash", No),
            ("email", Kept("orders.email", ACCOUNTING)),
            ("status", Kept("orders.status", ACCOUNTING)),
            ("payment_method", Kept("orders.payment_method", ACCOUNTING)),
            ("currency", Kept("orders.currency", ACCOUNTING)),
            ("prices_include_tax", No),
            ("subtotal_minor", Kept("orders.subtotal_minor", ACCOUNTING)),
            ("discount_minor", Kept("orders.discount_minor", ACCOUNTING)),
            ("shipping_minor", Kept("orders.shipping_minor", ACCOUNTING)),
            ("tax_minor", Kept("orders.tax_minor", ACCOUNTING)),
            ("total_minor", Kept("orders.total_minor", ACCOUNTING)),
            ("refunded_minor", Kept("orders.refunded_minor", ACCOUNTING)),
            ("coupon_id", No),
            ("coupon_code", Kept("orders.coupon_code", ACCOUNTING)),
            (
                "shipping_address",
                Kept("orders.shipping_address", ACCOUNTING),
            ),
            (
                "shipping_country",
                Kept("orders.shipping_address", ACCOUNTING),
            ),
            (
                "shipping_rate_name",
                Kept("orders.shipping_rate", ACCOUNTING),
            ),
            ("tax_rate_bp", No),
            (
                "tracking_number",
                Kept("orders.tracking_number", ACCOUNTING),
            ),
            ("pay_by", No),
            ("created_xid", No),
            ("invoice_number", Kept("orders.invoice_number", ACCOUNTING)),
            ("invoiced_at", Kept("orders.invoiced_at", ACCOUNTING)),
            ("created_at", Kept("orders.placed_at", ACCOUNTING)),
            ("updated_at", No),
            ("payment_key", No),
            ("payment_intent_id", No),
            ("paid_minor", Kept("orders.paid_minor", ACCOUNTING)),
            ("carrier", Kept("orders.carrier", ACCOUNTING)),
            ("tracking_url", Kept("orders.tracking_url", ACCOUNTING)),
            (
                "cash_collected_minor",
                Kept("orders.cash_collected_minor", ACCOUNTING),
            ),
            ("payment_failure_key", No),
        ],
    ),
    (
        "product_categories",
        &[("product_id", No), ("category_id", No), ("position", No)],
    ),
    (
        "product_images",
        &[
            ("id", No),
            ("product_id", No),
            ("position", No),
            ("alt", No),
            ("storage_key", No),
            ("width", No),
            ("height", No),
            ("created_at", No),
        ],
    ),
    (
        "product_option_values",
        &[
            ("id", No),
            ("option_id", No),
            ("position", No),
            ("value", No),
        ],
    ),
    (
        "product_options",
        &[
            ("id", No),
            ("product_id", No),
            ("position", No),
            ("name", No),
        ],
    ),
    (
        "products",
        &[
            ("id", No),
            ("slug", No),
            ("name", No),
            ("description", No),
            ("status", No),
            ("created_at", No),
            ("updated_at", No),
            ("brand", No),
            ("attributes", No),
            ("seo_title", No),
            ("seo_description", No),
            ("featured", No),
            ("price_min_minor", No),
            ("price_max_minor", No),
            ("in_stock", No),
            ("on_sale", No),
            ("category_names", No),
            ("search_vector", No),
            ("category_ids", No),
            ("facet_terms", No),
            ("name_vector", No),
            ("version", No),
            ("updated_by", No),
            ("publish_at", No),
        ],
    ),
    (
        "catalog_imports",
        &[
            ("id", No),
            ("account_id", No),
            ("file_name", No),
            ("bytes", No),
            ("format", No),
            ("apply", No),
            ("state", No),
            ("rows_done", No),
            ("bytes_done", No),
            ("created", No),
            ("updated", No),
            ("unchanged", No),
            ("failed", No),
            ("problems", No),
            ("problem_count", No),
            ("error", No),
            ("heartbeat", No),
            ("created_at", No),
            ("finished_at", No),
        ],
    ),
    (
        "catalog_import_chunks",
        &[("import_id", No), ("n", No), ("data", No)],
    ),
    (
        "product_slug_redirects",
        &[("old_slug", No), ("product_id", No), ("created_at", No)],
    ),
    (
        "stock_movements",
        &[
            ("id", No),
            ("variant_id", No),
            ("delta", No),
            ("stock_after", No),
            ("reason", No),
            ("order_id", No),
            ("account_id", No),
            ("note", No),
            ("at", No),
        ],
    ),
    (
        "refresh_tokens",
        &[
            ("token_hash", Secret),
            ("session_id", Secret),
            ("created_at", Secret),
            ("used_at", Secret),
        ],
    ),
    (
        "refunds",
        &[
            ("id", No),
            ("order_id", No),
            (
                "amount_minor",
                Kept("orders.refunds.amount_minor", ACCOUNTING),
            ),
            ("reason", Kept("orders.refunds.reason", ACCOUNTING)),
            ("idempotency_key", No),
            ("request_key", No),
            ("stripe_refund_id", No),
            ("status", Kept("orders.refunds.status", ACCOUNTING)),
            ("actor", No),
            ("created_at", Kept("orders.refunds.at", ACCOUNTING)),
        ],
    ),
    (
        "search_outbox",
        &[
            ("product_id", No),
            ("version", No),
            ("attempts", No),
            ("next_attempt_at", No),
            ("last_error", No),
            ("queued_at", No),
        ],
    ),
    (
        "search_reindex",
        &[("singleton", No), ("index_name", No), ("lease_until", No)],
    ),
    ("search_words", &[("word", No)]),
    (
        "sessions",
        &[
            ("id", No),
            ("account_id", No),
            ("audience", No),
            ("created_at", Erased("sessions.created_at")),
            ("last_used_at", Erased("sessions.last_used_at")),
            ("expires_at", Erased("sessions.expires_at")),
            ("revoked_at", Erased("sessions.revoked_at")),
            ("revoked_reason", No),
            ("user_agent", Erased("sessions.user_agent")),
            ("ip", Erased("sessions.ip")),
        ],
    ),
    (
        "shipping_rates",
        &[
            ("id", No),
            ("zone_id", No),
            ("name", No),
            ("currency", No),
            ("price_minor", No),
            ("free_above_minor", No),
            ("cash_on_delivery", No),
            ("active", No),
            ("position", No),
            ("cod_fee_minor", No),
            ("version", No),
        ],
    ),
    (
        "shipping_rate_bands",
        &[("rate_id", No), ("up_to_grams", No), ("price_minor", No)],
    ),
    (
        "shipping_zone_countries",
        &[("country", No), ("zone_id", No), ("region", No)],
    ),
    (
        "shipping_zones",
        &[
            ("id", No),
            ("name", No),
            ("version", No),
            ("updated_at", No),
            ("updated_by", No),
        ],
    ),
    (
        "shop_settings",
        &[
            ("id", No),
            ("name", No),
            ("email", No),
            ("phone", No),
            ("address", No),
            ("tax_number", No),
            ("logo_key", No),
            ("logo_width", No),
            ("logo_height", No),
            ("currency", No),
            ("prices_include_tax", No),
            ("unpaid_order_minutes", No),
            ("low_stock_threshold", No),
            ("version", No),
            ("updated_at", No),
            ("updated_by", No),
        ],
    ),
    (
        "staff_recovery_codes",
        &[
            ("code_hash", Secret),
            ("account_id", Secret),
            ("created_at", Secret),
            ("used_at", Secret),
        ],
    ),
    (
        "staff_totp",
        &[
            ("account_id", Secret),
            ("secret", Secret),
            ("created_at", Secret),
            ("enabled_at", Secret),
            ("last_step", Secret),
            ("pending_codes", Secret),
        ],
    ),
    (
        "stripe_events",
        &[
            ("id", No),
            ("type", No),
            ("order_id", No),
            ("received_at", No),
        ],
    ),
    (
        "store_pages",
        &[
            ("slug", No),
            ("title", No),
            ("body", No),
            ("position", No),
            ("updated_at", No),
        ],
    ),
    (
        "tax_rates",
        &[
            ("country", No),
            ("rate_bp", No),
            ("version", No),
            ("updated_at", No),
        ],
    ),
    (
        "variant_option_values",
        &[
            ("variant_id", No),
            ("option_id", No),
            ("option_value_id", No),
        ],
    ),
    (
        "variants",
        &[
            ("id", No),
            ("product_id", No),
            ("sku", No),
            ("position", No),
            ("option_key", No),
            ("price_minor", No),
            ("compare_at_minor", No),
            ("currency", No),
            ("stock", No),
            ("weight_grams", No),
            ("created_at", No),
            ("updated_at", No),
            ("image_id", No),
            ("barcode", No),
        ],
    ),
];

/// The value at `path` in the export: keys separated by dots, the first element of arrays.
fn at<'a>(doc: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(doc, |v, key| {
        let v = if v.is_array() { v.get(0)? } else { v };
        v.get(key)
    })
}

/// The person's rows in `table` after erasure, where erasure must leave none: SQL naming the
/// account as `$1` (the tables holding `Erased` columns).
fn rows_of(table: &str) -> &'static str {
    match table {
        "accounts" => "SELECT count(*) FROM accounts WHERE id = $1 AND (email NOT LIKE 'erased-%' OR name <> '' OR email_verified_at IS NOT NULL OR password_hash IS NOT NULL)",
        "addresses" => "SELECT count(*) FROM addresses WHERE account_id = $1",
        "cart_lines" => "SELECT count(*) FROM cart_lines l JOIN carts c ON c.id = l.cart_id WHERE c.account_id = $1",
        "carts" => "SELECT count(*) FROM carts WHERE account_id = $1",
        "email_outbox" => "SELECT count(*) FROM email_outbox WHERE account_id = $1",
        "sessions" => "SELECT count(*) FROM sessions WHERE account_id = $1",
        "account_tokens" => "SELECT count(*) FROM account_tokens WHERE account_id = $1",
        "refresh_tokens" => "SELECT count(*) FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE s.account_id = $1",
        "staff_totp" => "SELECT count(*) FROM staff_totp WHERE account_id = $1",
        "staff_recovery_codes" => "SELECT count(*) FROM staff_recovery_codes WHERE account_id = $1",
        "order_notes" => "SELECT count(*) FROM order_notes n JOIN orders o ON o.id = n.order_id WHERE o.account_id = $1",
        other => panic!("no erasure check for {other}: add one here"),
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_export_and_erasure_cover_every_personal_column(pool: PgPool) {
    use app::server::accounts::profile;
    // 1. The list above is the schema, no more and no less.
    let schema: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'public' ORDER BY 1, 2",
    )
    .fetch_all(&pool)
    .await
    .expect("schema");
    let mut listed: Vec<(String, String)> = COLUMNS
        .iter()
        .flat_map(|(t, cs)| cs.iter().map(|(c, _)| (t.to_string(), c.to_string())))
        .collect();
    listed.sort();
    let unlisted: Vec<_> = schema.iter().filter(|c| !listed.contains(c)).collect();
    let stale: Vec<_> = listed.iter().filter(|c| !schema.contains(c)).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "classify these columns in COLUMNS (personal or not, and how the export and erasure cover them): new {unlisted:?}, gone {stale:?}"
    );

    // 2. An account with something in every personal table: addresses, sessions, emails,
    //    an order with a refund, a cart with checkout details.
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 10).await;
    let account: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, email_verified_at)
         VALUES ('layla@example.com', 'x', 'Layla', now()) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("account");
    sqlx::query(
        "INSERT INTO addresses (account_id, name, phone, line1, line2, city, region, postal_code, country)
         VALUES ($1, 'Layla', '+971501234567', '12 Al Wasl', 'Villa 3', 'Dubai', 'Dubai', '00000', 'AE')",
    )
    .bind(account)
    .execute(&pool)
    .await
    .expect("address");
    sqlx::query(
        "INSERT INTO sessions (account_id, audience, expires_at, revoked_at, revoked_reason, user_agent, ip)
         VALUES ($1, 'customer', now() + interval '1 day', now(), 'signed_out', 'Firefox', '198.51.100.7')",
    )
    .bind(account)
    .execute(&pool)
    .await
    .expect("session");
    sqlx::query(
        "INSERT INTO audit_log (account_id, action, ip) VALUES ($1, 'account.signed_in', '198.51.100.7')",
    )
    .bind(account)
    .execute(&pool)
    .await
    .expect("audit");
    let keys = keys();
    let owner = Owner::Account(account);
    cart::change(&pool, &owner, dates, 1, true, &rules(false).cart)
        .await
        .expect("cart");
    checkout::set_details(&pool, &owner, Some("layla@example.com"), &address())
        .await
        .expect("details");
    let placed = place_cash(&pool, &keys, &owner).await.expect("order");
    sqlx::query(
        "UPDATE orders SET tracking_number = 'TRACK-1', coupon_code = 'WELCOME', paid_minor = 1,
                carrier = 'Aramex', tracking_url = 'https://track.test/TRACK-1', cash_collected_minor = 0
         WHERE number = $1",
    )
        .bind(placed.number)
        .execute(&pool)
        .await
        .expect("tracking");
    sqlx::query(
        "INSERT INTO refunds (order_id, amount_minor, reason, status, actor)
         SELECT id, 100, 'Late', 'succeeded', 'staff:1' FROM orders WHERE number = $1",
    )
    .bind(placed.number)
    .execute(&pool)
    .await
    .expect("refund");
    orders::add_note(
        &pool,
        placed.number,
        "Asked to leave it with the neighbour",
        account,
    )
    .await
    .expect("note");
    // The next cart, still being filled in.
    cart::change(&pool, &owner, dates, 2, true, &rules(false).cart)
        .await
        .expect("cart");
    checkout::set_details(&pool, &owner, Some("layla@example.com"), &address())
        .await
        .expect("details");
    sqlx::query("UPDATE carts SET coupon_code = 'WELCOME' WHERE account_id = $1")
        .bind(account)
        .execute(&pool)
        .await
        .expect("coupon");
    // A refused step, kept with what was typed.
    let refused = Err(AppError::validation("phone", "enter a phone number").into());
    let typed = app::model::Refusal {
        email: Some("layla@example.com".into()),
        address: Some(address()),
        ..Default::default()
    };
    checkout::keep_refusal(&pool, &owner, refused, typed)
        .await
        .expect("refusal kept");
    sqlx::query(
        "INSERT INTO email_outbox (account_id, to_address, subject, text_body, html_body, sent_at)
         VALUES ($1, 'layla@example.com', 'Welcome', 't', 'h', now())",
    )
    .bind(account)
    .execute(&pool)
    .await
    .expect("email");
    sqlx::query("UPDATE email_outbox SET sent_at = now() WHERE account_id = $1")
        .bind(account)
        .execute(&pool)
        .await
        .expect("sent");

    // 3. The export has every personal column.
    let doc = profile::export(&pool, account).await.expect("export");
    for (table, columns) in COLUMNS {
        for (column, privacy) in *columns {
            let (path, why) = match privacy {
                Erased(path) => (path, "erased"),
                Kept(path, reason) => {
                    assert!(!reason.is_empty(), "{table}.{column}: say why it is kept");
                    (path, *reason)
                }
                No | Secret => continue,
            };
            assert!(
                at(&doc, path).is_some_and(|v| !v.is_null()),
                "{table}.{column} ({why}) is not in the export at {path}: {doc:#}"
            );
        }
    }

    // 4. After erasure, nothing `Erased` or `Secret` is left; `Kept` data stays, for its reason.
    profile::erase(&pool, account).await.expect("erased");
    for (table, columns) in COLUMNS {
        if columns.iter().any(|(_, p)| matches!(p, Erased(_) | Secret)) {
            let left: i64 = sqlx::query_scalar(rows_of(table))
                .bind(account)
                .fetch_one(&pool)
                .await
                .expect("counts");
            assert_eq!(left, 0, "{table} still holds the erased person's data");
        }
    }
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE account_id = $1")
        .bind(account)
        .fetch_one(&pool)
        .await
        .expect("orders");
    assert_eq!(kept, 1, "{ACCOUNTING}");
}
