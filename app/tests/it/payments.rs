//! Card payments against a real PostgreSQL and the local Stripe test server
//! (`support::stripe`), through the production client and webhook code: one PaymentIntent per
//! order however often it is asked for, webhooks delivered many times, concurrently and out of
//! order, forged, altered and stale webhooks, the sweeper and the reconciler after a lost
//! answer or a lost webhook, refunds, and stock accounting after each.

use crate::support::shop::*;
use crate::support::stripe::{self as mock, MockStripe};
use app::model::{AppError, CardPayment, OrderStatus};
use app::server::accounts::tokens::TokenKeys;
use app::server::orders::Actor;
use app::server::payments::webhook::WebhookError;
use app::server::payments::{Delivery, Gateway, Payments, Stripe, WebhookFailure};
use app::server::platform::config::StripeSettings;
use app::server::Error;
use secrecy::SecretString;
use sqlx::PgPool;

async fn payments(pool: &PgPool, keys: &TokenKeys) -> (MockStripe, Payments) {
    let stripe = MockStripe::start().await;
    let settings = StripeSettings {
        secret_key: SecretString::from(mock::SECRET_KEY),
        publishable_key: mock::PUBLISHABLE_KEY.to_owned(),
        webhook_secret: SecretString::from(mock::WEBHOOK_SECRET),
        api_base: stripe.url.clone(),
        timeout_ms: 1_000,
    };
    let payments = Payments {
        db: pool.clone(),
        stripe: Some(Stripe {
            gateway: Gateway::new(&settings),
            publishable_key: settings.publishable_key.clone(),
            webhook_secret: settings.webhook_secret.clone(),
        }),
        site: site(),
        keys: keys.clone(),
    };
    (stripe, payments)
}

struct Setup {
    /// A product with 10 in stock at AED 45.
    dates: i64,
    keys: TokenKeys,
    stripe: MockStripe,
    payments: Payments,
}

/// The shop, one product, and payments through a fresh local Stripe.
async fn setup(pool: &PgPool) -> Setup {
    shop(pool).await;
    let dates = variant(pool, "medjool-dates", 4_500, 10).await;
    let keys = keys();
    let (stripe, payments) = payments(pool, &keys).await;
    Setup {
        dates,
        keys,
        stripe,
        payments,
    }
}

/// A card order for `quantity` of `variant`; its number.
async fn card_order(
    pool: &PgPool,
    keys: &TokenKeys,
    email: &str,
    variant: i64,
    quantity: i64,
) -> i64 {
    let owner = buyer(pool, email, &[(variant, quantity)]).await;
    place(pool, keys, &owner, &order(&new_key(), "card"), &rules(true))
        .await
        .expect("placed")
        .number
}

/// Opens the order's payment and returns its PaymentIntent id.
async fn open_payment(payments: &Payments, number: i64) -> String {
    let card = payments.start(number).await.expect("start");
    let Some(CardPayment::Open { client_secret, .. }) = card else {
        panic!("expected an open payment, got {card:?}");
    };
    client_secret
        .split("_secret")
        .next()
        .expect("id")
        .to_owned()
}

async fn deliver(
    payments: &Payments,
    body: &[u8],
    header: &str,
) -> Result<Delivery, WebhookFailure> {
    payments.receive_webhook(Some(header), body, now()).await
}

fn now() -> i64 {
    app::server::auth::now()
}

async fn status(pool: &PgPool, number: i64) -> String {
    sqlx::query_scalar("SELECT status FROM orders WHERE number = $1")
        .bind(number)
        .fetch_one(pool)
        .await
        .expect("status")
}

/// (paid, refunded) in minor units.
async fn amounts(pool: &PgPool, number: i64) -> (i64, i64) {
    sqlx::query_as("SELECT paid_minor, refunded_minor FROM orders WHERE number = $1")
        .bind(number)
        .fetch_one(pool)
        .await
        .expect("amounts")
}

/// How many times the order moved to `to`, and how many emails were queued for `email`.
async fn moves_and_emails(pool: &PgPool, number: i64, to: &str, email: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id
                 WHERE o.number = $1 AND e.to_status = $2),
                (SELECT count(*) FROM email_outbox WHERE to_address = $3)",
    )
    .bind(number)
    .bind(to)
    .bind(email)
    .fetch_one(pool)
    .await
    .expect("counts")
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn one_order_asked_for_twenty_times_has_one_payment_intent(pool: PgPool) {
    let Setup {
        dates,
        keys,
        stripe,
        payments,
    } = setup(&pool).await;
    let number = card_order(&pool, &keys, "layla@example.com", dates, 2).await;
    // As at Stripe, a create takes a while and the same key meanwhile gets a 409: the
    // callers wait for the first and get its answer.
    stripe.set_create_latency(std::time::Duration::from_millis(300));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let payments = payments.clone();
            tokio::spawn(async move { payments.start(number).await })
        })
        .collect();
    let mut secrets = std::collections::HashSet::new();
    for task in tasks {
        match task.await.expect("task").expect("start") {
            Some(CardPayment::Open {
                client_secret,
                publishable_key,
            }) => {
                assert_eq!(publishable_key, mock::PUBLISHABLE_KEY);
                secrets.insert(client_secret);
            }
            other => panic!("expected an open payment, got {other:?}"),
        }
    }
    assert_eq!(secrets.len(), 1, "one PaymentIntent: {secrets:?}");
    assert_eq!(stripe.creates(), 1, "Stripe created one PaymentIntent");
    assert!(stripe.conflicts() > 0, "the callers overlapped at Stripe");
    let intent = &stripe.intents()[0];
    // AED 90 + AED 15 delivery (under the AED 200 threshold), VAT included.
    assert_eq!(intent["amount"], 10_500);
    assert_eq!(intent["currency"], "aed");
    assert_eq!(intent["metadata"]["order_number"], number.to_string());
    let saved: Option<String> =
        sqlx::query_scalar("SELECT payment_intent_id FROM orders WHERE number = $1")
            .bind(number)
            .fetch_one(&pool)
            .await
            .expect("saved");
    assert_eq!(saved.as_deref(), intent["id"].as_str());
    assert_stock_accounting(&pool, dates, 10).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn one_webhook_delivered_many_times_is_one_payment(pool: PgPool) {
    let Setup {
        dates,
        keys,
        stripe,
        payments,
    } = setup(&pool).await;

    // Five times in sequence.
    let first = card_order(&pool, &keys, "layla@example.com", dates, 1).await;
    let intent = open_payment(&payments, first).await;
    let paid = stripe.succeed(&intent);
    let (body, header) = stripe.event("evt_seq", "payment_intent.succeeded", paid, now());
    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(deliver(&payments, &body, &header).await.expect("accepted"));
    }
    assert_eq!(answers[0], Delivery::Applied);
    assert!(
        answers[1..].iter().all(|a| *a == Delivery::Duplicate),
        "{answers:?}"
    );
    assert_eq!(status(&pool, first).await, "paid");
    assert_eq!(
        moves_and_emails(&pool, first, "paid", "layla@example.com").await,
        (1, 1),
        "one move to paid, one confirmation email"
    );

    // Twenty at once.
    let second = card_order(&pool, &keys, "omar@example.com", dates, 1).await;
    let intent = open_payment(&payments, second).await;
    let paid = stripe.succeed(&intent);
    let (body, header) = stripe.event("evt_par", "payment_intent.succeeded", paid.clone(), now());
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (payments, body, header) = (payments.clone(), body.clone(), header.clone());
            tokio::spawn(async move { deliver(&payments, &body, &header).await })
        })
        .collect();
    let mut applied = 0;
    for task in tasks {
        match task.await.expect("task").expect("accepted") {
            Delivery::Applied => applied += 1,
            Delivery::Duplicate => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(applied, 1);
    // Stripe may also send a second event for the same payment; and the reconciler looks.
    let (body, header) = stripe.event("evt_other", "payment_intent.succeeded", paid, now());
    assert_eq!(
        deliver(&payments, &body, &header).await.expect("ok"),
        Delivery::Applied
    );
    payments.reconcile(0.0).await.expect("reconcile");
    assert_eq!(status(&pool, second).await, "paid");
    assert_eq!(
        moves_and_emails(&pool, second, "paid", "omar@example.com").await,
        (1, 1)
    );
    assert_eq!(amounts(&pool, second).await, (4_500 + 1_500, 0));
    assert_stock_accounting(&pool, dates, 10).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn events_out_of_order_end_in_the_same_place(pool: PgPool) {
    let Setup {
        dates,
        keys,
        stripe,
        payments,
    } = setup(&pool).await;

    // A failed attempt, then success: the failure is noted, the order stays open, then paid.
    let number = card_order(&pool, &keys, "layla@example.com", dates, 1).await;
    let intent = open_payment(&payments, number).await;
    let declined = stripe.decline(&intent);
    let paid = stripe.succeed(&intent);
    let (fail_body, fail_header) =
        stripe.event("evt_fail", "payment_intent.payment_failed", declined, now());
    let (ok_body, ok_header) = stripe.event("evt_ok", "payment_intent.succeeded", paid, now());
    deliver(&payments, &fail_body, &fail_header)
        .await
        .expect("ok");
    assert_eq!(status(&pool, number).await, "pending_payment");
    deliver(&payments, &ok_body, &ok_header).await.expect("ok");
    assert_eq!(status(&pool, number).await, "paid");
    let note: String =
        sqlx::query_scalar("SELECT note FROM order_events WHERE note LIKE 'Card payment failed%'")
            .fetch_one(&pool)
            .await
            .expect("note");
    assert_eq!(note, "Card payment failed: Your card was declined.");

    // The refund's event before the payment's: paid, then refunded; the late success event
    // changes nothing and sends no email.
    let number = card_order(&pool, &keys, "omar@example.com", dates, 2).await;
    let intent = open_payment(&payments, number).await;
    let paid = stripe.succeed(&intent);
    let total = paid["amount"].as_i64().expect("amount");
    let refunded = stripe.refunded_charge(&intent, total);
    let (refund_body, refund_header) =
        stripe.event("evt_refund", "charge.refunded", refunded, now());
    let (ok_body, ok_header) = stripe.event("evt_late", "payment_intent.succeeded", paid, now());
    deliver(&payments, &refund_body, &refund_header)
        .await
        .expect("ok");
    deliver(&payments, &ok_body, &ok_header).await.expect("ok");
    assert_eq!(status(&pool, number).await, "refunded");
    assert_eq!(amounts(&pool, number).await, (total, total));
    assert_eq!(
        moves_and_emails(&pool, number, "paid", "omar@example.com").await,
        (1, 0)
    );
    assert_stock_accounting(&pool, dates, 10).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn forged_altered_and_stale_webhooks_write_nothing(pool: PgPool) {
    let Setup {
        dates,
        keys,
        stripe,
        payments,
    } = setup(&pool).await;
    let number = card_order(&pool, &keys, "layla@example.com", dates, 1).await;
    let intent = open_payment(&payments, number).await;
    let paid = stripe.succeed(&intent);

    let (body, header) = stripe.event("evt_1", "payment_intent.succeeded", paid.clone(), now());
    let altered = String::from_utf8(body.clone())
        .expect("utf8")
        .replace("\"amount\":6000", "\"amount\":1");
    assert_ne!(
        altered.as_bytes(),
        body.as_slice(),
        "the test altered the body"
    );
    let forged = app::server::payments::webhook::sign("whsec_not_ours", now(), &body);
    let (stale_body, stale_header) =
        stripe.event("evt_2", "payment_intent.succeeded", paid, now() - 3_600);
    let cases: Vec<(&[u8], Option<&str>, WebhookError)> = vec![
        (
            altered.as_bytes(),
            Some(&header),
            WebhookError::BadSignature,
        ),
        (&body, Some(&forged), WebhookError::BadSignature),
        (&stale_body, Some(&stale_header), WebhookError::Stale),
        (&body, None, WebhookError::BadHeader),
        (&body, Some("t=1,v1=nothex"), WebhookError::BadHeader),
    ];
    for (body, header, expected) in cases {
        match payments.receive_webhook(header, body, now()).await {
            Err(WebhookFailure::Rejected(e)) => assert_eq!(e, expected),
            other => panic!("expected {expected:?}, got {other:?}"),
        }
    }
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM stripe_events")
        .fetch_one(&pool)
        .await
        .expect("events");
    assert_eq!(events, 0, "nothing recorded");
    assert_eq!(status(&pool, number).await, "pending_payment");
    assert_stock_accounting(&pool, dates, 10).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_sweeper_cancels_the_payment_intent_or_finds_it_paid(pool: PgPool) {
    let Setup {
        dates,
        keys,
        stripe,
        payments,
    } = setup(&pool).await;
    let abandoned = card_order(&pool, &keys, "layla@example.com", dates, 3).await;
    let abandoned_intent = open_payment(&payments, abandoned).await;
    // Paid at Stripe, and its webhook lost.
    let lost = card_order(&pool, &keys, "omar@example.com", dates, 2).await;
    let lost_intent = open_payment(&payments, lost).await;
    stripe.succeed(&lost_intent);
    sqlx::query("UPDATE orders SET pay_by = now() - interval '1 second'")
        .execute(&pool)
        .await
        .expect("due");
    assert_eq!(payments.release_unpaid().await.expect("sweep"), 1);
    assert_eq!(stripe.intent(&abandoned_intent)["status"], "canceled");
    assert_eq!(status(&pool, abandoned).await, "cancelled");
    assert_eq!(status(&pool, lost).await, "paid", "paid, not released");
    assert_eq!(stock_of(&pool, dates).await, 8);
    assert_eq!(payments.release_unpaid().await.expect("sweep"), 0, "once");
    assert_stock_accounting(&pool, dates, 10).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_reconciler_settles_a_lost_answer_and_a_lost_webhook(pool: PgPool) {
    let Setup {
        dates,
        keys,
        stripe,
        payments,
    } = setup(&pool).await;
    let number = card_order(&pool, &keys, "layla@example.com", dates, 1).await;

    // Stripe creates the PaymentIntent but its answer never arrives.
    stripe.stall_creates(true);
    assert_eq!(
        payments.start(number).await.expect("start"),
        Some(CardPayment::Unavailable)
    );
    assert_eq!(stripe.creates(), 1);
    stripe.stall_creates(false);
    let saved: Option<String> =
        sqlx::query_scalar("SELECT payment_intent_id FROM orders WHERE number = $1")
            .bind(number)
            .fetch_one(&pool)
            .await
            .expect("saved");
    assert_eq!(saved, None);

    // The reconciler asks again with the order's key: the same PaymentIntent, none new.
    payments.reconcile(0.0).await.expect("reconcile");
    assert_eq!(stripe.creates(), 1, "no second PaymentIntent");
    let intent = stripe.intents()[0]["id"].as_str().expect("id").to_owned();
    let saved: Option<String> =
        sqlx::query_scalar("SELECT payment_intent_id FROM orders WHERE number = $1")
            .bind(number)
            .fetch_one(&pool)
            .await
            .expect("saved");
    assert_eq!(saved.as_deref(), Some(intent.as_str()));

    // The shopper pays; the webhook is lost. The reconciler marks it paid, once.
    stripe.succeed(&intent);
    payments.reconcile(0.0).await.expect("reconcile");
    payments.reconcile(0.0).await.expect("reconcile again");
    assert_eq!(status(&pool, number).await, "paid");
    assert_eq!(
        moves_and_emails(&pool, number, "paid", "layla@example.com").await,
        (1, 1)
    );
    assert_stock_accounting(&pool, dates, 10).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn refunds_go_through_stripe_in_parts_and_never_exceed_the_payment(pool: PgPool) {
    let Setup {
        dates,
        keys,
        stripe,
        payments,
    } = setup(&pool).await;
    let number = card_order(&pool, &keys, "layla@example.com", dates, 1).await;
    let intent = open_payment(&payments, number).await;
    let paid = stripe.succeed(&intent);
    let total = paid["amount"].as_i64().expect("amount");
    payments.reconcile(0.0).await.expect("reconcile");
    assert_eq!(status(&pool, number).await, "paid");

    let part = payments
        .refund(number, Some(1_000), "Damaged box", Actor::Staff(1), None)
        .await
        .expect("partial refund");
    assert_eq!(part.minor, 1_000);
    assert_eq!(amounts(&pool, number).await, (total, 1_000));
    assert_eq!(
        status(&pool, number).await,
        "paid",
        "partly refunded stays paid"
    );
    // Stripe's own event for it: refunded in all 1,000, nothing changes.
    let (body, header) = stripe.event(
        "evt_r1",
        "charge.refunded",
        stripe.refunded_charge(&intent, 1_000),
        now(),
    );
    deliver(&payments, &body, &header).await.expect("ok");
    assert_eq!(amounts(&pool, number).await, (total, 1_000));

    let too_much = payments
        .refund(number, Some(total), "", Actor::Staff(1), None)
        .await;
    assert!(
        matches!(too_much, Err(Error::App(AppError::Validation { ref field, .. })) if field == "amount"),
        "{too_much:?}"
    );
    // Stripe down: the refund stays pending and the reconciler sends it later, once.
    stripe.set_down(true);
    let down = payments
        .refund(number, None, "", Actor::Staff(1), None)
        .await;
    assert!(
        matches!(down, Err(Error::App(AppError::Unavailable))),
        "{down:?}"
    );
    let again = payments
        .refund(number, None, "", Actor::Staff(1), None)
        .await;
    assert!(
        matches!(again, Err(Error::App(AppError::Validation { .. }))),
        "a pending refund counts against what is left: {again:?}"
    );
    stripe.set_down(false);
    payments.reconcile(0.0).await.expect("reconcile");
    assert_eq!(amounts(&pool, number).await, (total, total));
    assert_eq!(status(&pool, number).await, "refunded");
    let at_stripe: i64 = stripe
        .refunds()
        .iter()
        .map(|r| r["amount"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(at_stripe, total, "Stripe refunded exactly the payment");
    assert_eq!(stripe.refunds().len(), 2);
    assert!(payments
        .refund(number, None, "", Actor::Staff(1), None)
        .await
        .is_err());
    assert_stock_accounting(&pool, dates, 10).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_payment_after_cancellation_is_refunded(pool: PgPool) {
    let Setup {
        dates,
        keys,
        stripe,
        payments,
    } = setup(&pool).await;
    let number = card_order(&pool, &keys, "layla@example.com", dates, 1).await;
    let intent = open_payment(&payments, number).await;
    // Cancelled behind Stripe's back (by hand), then the shopper's payment arrives.
    app::server::orders::change_status(
        &pool,
        number,
        OrderStatus::Cancelled,
        Actor::Staff(1),
        &Default::default(),
    )
    .await
    .expect("cancelled");
    let paid = stripe.succeed(&intent);
    let total = paid["amount"].as_i64().expect("amount");
    let (body, header) = stripe.event("evt_late", "payment_intent.succeeded", paid, now());
    deliver(&payments, &body, &header).await.expect("ok");
    assert_eq!(status(&pool, number).await, "cancelled");
    assert_eq!(
        amounts(&pool, number).await,
        (total, total),
        "paid and given back"
    );
    assert_eq!(stripe.refunds().len(), 1);
    assert_stock_accounting(&pool, dates, 10).await;
}

/// The notes on an order that start with `prefix`.
async fn notes(pool: &PgPool, number: i64, prefix: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT e.note FROM order_events e JOIN orders o ON o.id = e.order_id
         WHERE o.number = $1 AND e.note LIKE $2 || '%' ORDER BY e.id",
    )
    .bind(number)
    .bind(prefix)
    .fetch_all(pool)
    .await
    .expect("notes")
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_customer_still_paying_is_no_failure_and_each_failed_attempt_is_noted_once(pool: PgPool) {
    let Setup {
        dates,
        keys,
        stripe,
        payments,
    } = setup(&pool).await;
    let number = card_order(&pool, &keys, "layla@example.com", dates, 1).await;
    let intent = open_payment(&payments, number).await;

    // The shopper has the payment page open and has not paid: sweeps note nothing.
    for _ in 0..3 {
        payments.reconcile(0.0).await.expect("reconcile");
    }
    assert_eq!(
        notes(&pool, number, "Card payment failed").await,
        Vec::<String>::new()
    );

    // A declined card: one note, however often the reconciler and the webhook read it.
    let declined = stripe.decline(&intent);
    for _ in 0..3 {
        payments.reconcile(0.0).await.expect("reconcile");
    }
    let (body, header) = stripe.event(
        "evt_failed_1",
        "payment_intent.payment_failed",
        declined,
        now(),
    );
    deliver(&payments, &body, &header).await.expect("ok");
    assert_eq!(notes(&pool, number, "Card payment failed").await.len(), 1);

    // A second attempt declined too: a second note.
    stripe.decline(&intent);
    payments.reconcile(0.0).await.expect("reconcile");
    payments.reconcile(0.0).await.expect("reconcile");
    assert_eq!(
        notes(&pool, number, "Card payment failed").await,
        vec![
            "Card payment failed: Your card was declined.".to_owned(),
            "Card payment failed: Your card was declined.".to_owned()
        ]
    );
    assert_eq!(status(&pool, number).await, "pending_payment");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_payment_that_does_not_match_its_order_is_settled_once(pool: PgPool) {
    let Setup {
        dates,
        keys,
        stripe,
        payments,
    } = setup(&pool).await;
    let number = card_order(&pool, &keys, "layla@example.com", dates, 2).await;
    let intent = open_payment(&payments, number).await;
    assert_eq!(stock_of(&pool, dates).await, 8);
    // Stripe reports less money than the order's total.
    stripe.succeed_with(&intent, 1_000, "aed");
    for _ in 0..4 {
        payments.reconcile(0.0).await.expect("reconcile");
        // The sweeper meets it too, with its cancel refused by Stripe.
        payments.release_unpaid().await.expect("sweep");
    }
    assert_eq!(status(&pool, number).await, "cancelled");
    assert_eq!(
        amounts(&pool, number).await,
        (1_000, 1_000),
        "what was paid is given back"
    );
    assert_eq!(stripe.refunds().len(), 1, "refunded once");
    assert_eq!(
        notes(&pool, number, "A card payment of").await.len(),
        1,
        "decided and noted once"
    );
    assert_eq!(stock_of(&pool, dates).await, 10, "stock released");
    assert_stock_accounting(&pool, dates, 10).await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn an_error_code_unknown_to_the_client_is_a_refusal_not_an_outage(pool: PgPool) {
    let Setup {
        dates,
        keys,
        stripe,
        payments,
    } = setup(&pool).await;
    let number = card_order(&pool, &keys, "layla@example.com", dates, 1).await;
    let intent = open_payment(&payments, number).await;
    stripe.succeed(&intent);
    payments.reconcile(0.0).await.expect("reconcile");
    assert_eq!(status(&pool, number).await, "paid");

    // Stripe refuses the refund with a code newer than async-stripe's list.
    stripe.refuse_refunds_with(Some("refund_blocked_by_a_2027_rule"));
    let refused = payments
        .refund(
            number,
            None,
            "Customer changed their mind",
            Actor::Staff(1),
            None,
        )
        .await;
    assert!(
        matches!(refused, Err(Error::App(AppError::Validation { ref message, .. }))
            if message.contains("refund_blocked_by_a_2027_rule")),
        "a refusal with what Stripe said, not 'Stripe unavailable': {refused:?}"
    );
    let statuses: Vec<String> = sqlx::query_scalar("SELECT status FROM refunds ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("refunds");
    assert_eq!(statuses, vec!["failed".to_owned()]);
    let failed: Vec<String> = notes(&pool, number, "Refund of")
        .await
        .into_iter()
        .filter(|n| n.contains("failed"))
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].contains("refund_blocked_by_a_2027_rule"),
        "{failed:?}"
    );
    // Not retried for ever: the reconciler leaves it to staff.
    payments.reconcile(0.0).await.expect("reconcile");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM refunds")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 1);
}
