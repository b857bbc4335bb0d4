//! After checkout: staff ship, deliver, cancel and refund; the shopper is emailed once for
//! each, a refund form sent twice refunds once, and staff notes stay with staff.

use crate::support::shop::*;
use app::model::shipment::ShipmentInput;
use app::model::{AppError, OrderStatus};
use app::server::orders::{self, Access, Actor, StatusDetails};
use app::server::payments::Payments;
use app::server::Error;
use sqlx::PgPool;

/// Payments for cash orders only (no Stripe).
fn cash_payments(pool: &PgPool, keys: &app::server::accounts::tokens::TokenKeys) -> Payments {
    Payments {
        db: pool.clone(),
        stripe: None,
        site: site(),
        keys: keys.clone(),
    }
}

/// The subjects and text bodies of the email queued for `to`, oldest first.
async fn mail_to(pool: &PgPool, to: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT subject, text_body FROM email_outbox WHERE to_address = $1 ORDER BY id")
        .bind(to)
        .fetch_all(pool)
        .await
        .expect("outbox")
}

async fn total_of(pool: &PgPool, number: i64) -> i64 {
    sqlx::query_scalar("SELECT total_minor FROM orders WHERE number = $1")
        .bind(number)
        .fetch_one(pool)
        .await
        .expect("total")
}

fn cash(minor: i64) -> StatusDetails {
    StatusDetails {
        cash_collected_minor: Some(minor),
        ..StatusDetails::default()
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn each_change_after_checkout_emails_the_shopper_once(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 10).await;
    let keys = keys();
    let payments = cash_payments(&pool, &keys);
    let owner = buyer(&pool, "layla@example.com", &[(dates, 2)]).await;
    let placed = place_cash(&pool, &keys, &owner).await.expect("placed");
    let n = placed.number;
    let staff = Actor::Staff(1);
    let ship = StatusDetails {
        shipment: ShipmentInput {
            carrier: "dhl".into(),
            tracking_number: "JD0144".into(),
            ..ShipmentInput::default()
        },
        ..StatusDetails::default()
    };
    payments
        .change_order_status(n, OrderStatus::Fulfilled, staff, &StatusDetails::default())
        .await
        .expect("packed");
    payments
        .change_order_status(n, OrderStatus::Shipped, staff, &ship)
        .await
        .expect("shipped");
    let total = total_of(&pool, n).await;
    payments
        .change_order_status(n, OrderStatus::Delivered, staff, &cash(total))
        .await
        .expect("delivered");
    // The same refund form sent twice: one refund.
    let key = "form-key-0123456789abcdef";
    for _ in 0..2 {
        let made = payments
            .refund(n, Some(1_000), "Box dented", staff, Some(key))
            .await
            .expect("refund");
        assert_eq!(made.minor, 1_000);
    }
    let refunds: Vec<i64> = sqlx::query_scalar(
        "SELECT r.amount_minor FROM refunds r JOIN orders o ON o.id = r.order_id WHERE o.number = $1",
    )
    .bind(n)
    .fetch_all(&pool)
    .await
    .expect("refunds");
    assert_eq!(refunds, vec![1_000]);

    // Nothing is told before the job runs; then each change once, whatever runs it again.
    assert_eq!(
        mail_to(&pool, "layla@example.com").await.len(),
        1,
        "the confirmation only"
    );
    let written = orders::render_notices(&pool, &site(), &keys)
        .await
        .expect("rendered");
    assert_eq!(written, 3);
    assert_eq!(
        orders::render_notices(&pool, &site(), &keys)
            .await
            .expect("again"),
        0
    );
    let mail = mail_to(&pool, "layla@example.com").await;
    let subjects: Vec<&str> = mail.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        subjects,
        vec![
            format!("Order {n} confirmed · Souq"),
            format!("Order {n} has shipped · Souq"),
            format!("Order {n} was delivered · Souq"),
            format!("A refund for order {n} · Souq"),
        ]
    );
    let shipped = &mail[1].1;
    assert!(shipped.contains("DHL Express"), "{shipped}");
    assert!(shipped.contains("JD0144"), "{shipped}");
    assert!(
        shipped.contains("https://www.dhl.com/global-en/home/tracking.html?tracking-id=JD0144"),
        "{shipped}"
    );
    let link = format!("https://souq.test/orders/{n}?key={}", placed.access_key);
    assert!(
        shipped.contains(&link),
        "the order's own link too: {shipped}"
    );
    assert!(mail[3].1.contains("AED 10.00 in cash"), "{}", mail[3].1);

    // What the courier collected is what may be refunded.
    let over = payments
        .refund(n, Some(total), "", staff, Some("another-key-0123456789"))
        .await;
    assert!(
        matches!(over, Err(Error::App(AppError::Validation { ref field, .. })) if field == "amount"),
        "{over:?}"
    );
    let bad_key = payments.refund(n, Some(1), "", staff, Some("short")).await;
    assert!(matches!(
        bad_key,
        Err(Error::App(AppError::Validation { .. }))
    ));

    // A cancelled order: told, and told it was not charged.
    let other = buyer(&pool, "omar@example.com", &[(dates, 1)]).await;
    let second = place_cash(&pool, &keys, &other).await.expect("placed");
    payments
        .change_order_status(
            second.number,
            OrderStatus::Cancelled,
            staff,
            &StatusDetails::default(),
        )
        .await
        .expect("cancelled");
    orders::render_notices(&pool, &site(), &keys)
        .await
        .expect("rendered");
    let mail = mail_to(&pool, "omar@example.com").await;
    assert_eq!(mail.len(), 2);
    assert_eq!(
        mail[1].0,
        format!("Order {} is cancelled · Souq", second.number)
    );
    assert!(mail[1].1.contains("not charged"), "{}", mail[1].1);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn fifty_posts_of_one_refund_form_refund_once(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 10).await;
    let keys = keys();
    let payments = cash_payments(&pool, &keys);
    let owner = buyer(&pool, "layla@example.com", &[(dates, 1)]).await;
    let n = place_cash(&pool, &keys, &owner)
        .await
        .expect("placed")
        .number;
    for to in [OrderStatus::Fulfilled, OrderStatus::Shipped] {
        let details = StatusDetails {
            shipment: ShipmentInput {
                carrier: "own".into(),
                ..ShipmentInput::default()
            },
            ..StatusDetails::default()
        };
        payments
            .change_order_status(n, to, Actor::Staff(1), &details)
            .await
            .expect("moved");
    }
    let total = total_of(&pool, n).await;
    payments
        .change_order_status(n, OrderStatus::Delivered, Actor::Staff(1), &cash(total))
        .await
        .expect("delivered");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let payments = payments.clone();
            tokio::spawn(async move {
                payments
                    .refund(
                        n,
                        Some(500),
                        "",
                        Actor::Staff(1),
                        Some("one-form-0123456789"),
                    )
                    .await
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("task").expect("refund").minor, 500);
    }
    let (count, refunded): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM refunds), refunded_minor FROM orders WHERE number = $1",
    )
    .bind(n)
    .fetch_one(&pool)
    .await
    .expect("refunds");
    assert_eq!((count, refunded), (1, 500));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn staff_notes_stay_with_staff_and_are_audited(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 10).await;
    let keys = keys();
    let owner = buyer(&pool, "layla@example.com", &[(dates, 1)]).await;
    let placed = place_cash(&pool, &keys, &owner).await.expect("placed");
    let staff: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, role, email_verified_at) VALUES ('clerk@souq.test', 'order_clerk', now()) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("staff");
    for empty in ["", "   "] {
        assert!(matches!(
            orders::add_note(&pool, placed.number, empty, staff).await,
            Err(Error::App(AppError::Validation { .. }))
        ));
    }
    assert!(matches!(
        orders::add_note(&pool, 999_999, "Hello", staff).await,
        Err(Error::App(AppError::NotFound))
    ));
    orders::add_note(
        &pool,
        placed.number,
        "Customer asked for a gift wrap",
        staff,
    )
    .await
    .expect("noted");
    let mine = orders::view(&pool, placed.number, Access::Staff)
        .await
        .expect("view");
    let side = mine.staff.expect("staff side");
    assert_eq!(side.notes.len(), 1);
    assert_eq!(side.notes[0].body, "Customer asked for a gift wrap");
    assert_eq!(side.notes[0].by, "clerk@souq.test");
    assert!(side.refund_key.len() >= 16);
    let theirs = orders::view(&pool, placed.number, Access::Key(&placed.access_key))
        .await
        .expect("view");
    assert!(theirs.staff.is_none());
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE account_id = $1 AND action = 'order.note_added'",
    )
    .bind(staff)
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}

/// Fifty cash orders delivered at once, while five other payments roll back after being
/// recorded: invoices 1 to 50, each once, none lost to a rollback, and a number never changes.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn invoice_numbers_have_no_gaps_under_fifty_concurrent_payments(pool: PgPool) {
    use app::model::shipment::{ShipmentInput, OWN_COURIER};
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 4_500, 1_000).await;
    let keys = keys();
    let payments = cash_payments(&pool, &keys);
    let staff = Actor::Staff(1);
    let ship = StatusDetails {
        shipment: ShipmentInput {
            carrier: OWN_COURIER.into(),
            ..ShipmentInput::default()
        },
        ..StatusDetails::default()
    };
    let mut numbers = Vec::new();
    for i in 0..55 {
        let owner = buyer(&pool, &format!("payer{i}@example.com"), &[(dates, 1)]).await;
        let n = place_cash(&pool, &keys, &owner)
            .await
            .expect("placed")
            .number;
        for (to, details) in [
            (OrderStatus::Fulfilled, StatusDetails::default()),
            (OrderStatus::Shipped, ship.clone()),
        ] {
            payments
                .change_order_status(n, to, staff, &details)
                .await
                .expect("moves on");
        }
        numbers.push(n);
    }
    let (paid, rolled_back) = numbers.split_at(50);
    let mut tasks = Vec::new();
    for &n in paid {
        let (payments, pool) = (cash_payments(&pool, &keys), pool.clone());
        tasks.push(tokio::spawn(async move {
            let total = total_of(&pool, n).await;
            payments
                .change_order_status(n, OrderStatus::Delivered, staff, &cash(total))
                .await
                .map(|_| ())
        }));
    }
    for &n in rolled_back {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE orders SET paid_minor = total_minor WHERE number = $1")
                .bind(n)
                .execute(&mut *tx)
                .await?;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            tx.rollback().await?;
            Ok::<_, Error>(())
        }));
    }
    for task in tasks {
        task.await.expect("joins").expect("pays");
    }
    let invoices: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT number, invoice_number FROM orders ORDER BY number")
            .fetch_all(&pool)
            .await
            .expect("invoices");
    let mut given: Vec<i64> = invoices
        .iter()
        .filter(|(n, _)| paid.contains(n))
        .map(|(_, i)| i.expect("a paid order has an invoice"))
        .collect();
    given.sort_unstable();
    assert_eq!(given, (1..=50).collect::<Vec<_>>(), "1 to 50, each once");
    assert!(invoices
        .iter()
        .filter(|(n, _)| rolled_back.contains(n))
        .all(|(_, i)| i.is_none()));
    let last: i64 = sqlx::query_scalar("SELECT last_number FROM invoice_counter")
        .fetch_one(&pool)
        .await
        .expect("counter");
    assert_eq!(last, 50);

    // A refund (which changes nothing of `paid_minor`) or a payment recorded again keeps the number.
    let first = paid[0];
    let before: i64 = sqlx::query_scalar("SELECT invoice_number FROM orders WHERE number = $1")
        .bind(first)
        .fetch_one(&pool)
        .await
        .expect("number");
    sqlx::query("UPDATE orders SET paid_minor = paid_minor WHERE number = $1")
        .bind(first)
        .execute(&pool)
        .await
        .expect("recorded again");
    let view = orders::view(&pool, first, Access::Staff)
        .await
        .expect("view");
    assert_eq!(view.invoice.map(|(n, _)| n), Some(before));
    let shopper = orders::view(&pool, first, Access::LookedUp)
        .await
        .expect("view");
    assert!(shopper.invoice.is_some());
}
