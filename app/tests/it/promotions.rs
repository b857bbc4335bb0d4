//! Coupons as staff make them (`server::promotions`) and as checkout applies them: limits
//! under fifty concurrent checkouts, products and categories, free delivery, the report's
//! figures against SQL, stale edits, pausing, deleting, permissions and the audit log.

use crate::catalog_admin::{product_of, staff};
use crate::support::shop::*;
use app::model::coupon::{CouponForm, CouponState};
use app::model::{AppError, Currency, OrderStatus};
use app::server::accounts::staff::{Role, Staff};
use app::server::checkout;
use app::server::orders::{self, Actor};
use app::server::promotions;
use app::server::Error;
use sqlx::PgPool;

fn percent(code: &str, value: &str) -> CouponForm {
    CouponForm {
        code: code.into(),
        kind: "percent".into(),
        value: value.into(),
        ..Default::default()
    }
}

async fn create(pool: &PgPool, me: &Staff, form: &CouponForm) -> i64 {
    promotions::save(pool, me, None, form, Currency::Aed, None)
        .await
        .expect("coupon saved")
}

fn field_of<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::App(AppError::Validation { field, .. })) => field,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn limits_hold_under_fifty_concurrent_checkouts_and_the_report_matches_sql(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 10_000, 1_000).await;
    let owner = staff(&pool, Role::Owner).await;
    let mut form = percent("fifty", "10");
    form.max_uses = "5".into();
    form.max_uses_per_customer = "1".into();
    let id = create(&pool, &owner, &form).await;

    // 50 checkouts from 25 customers (each twice) at once: 5 uses in all, one per customer.
    let keys = keys();
    let mut buyers = Vec::new();
    for i in 0..50 {
        let owner = buyer(&pool, &format!("c{}@example.com", i % 25), &[(dates, 1)]).await;
        checkout::set_coupon(&pool, &owner, Some("FIFTY"), &rules(false))
            .await
            .expect("applies while unused");
        buyers.push(owner);
    }
    let answers = race(&pool, &keys, buyers).await;
    let placed: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    for refused in answers.iter().filter(|a| a.is_err()) {
        assert!(
            matches!(refused, Err(Error::App(AppError::Validation { field, .. })) if field == "coupon"),
            "{refused:?}"
        );
    }
    assert_eq!(placed.len(), 5);
    let (uses, rows, customers, given): (i32, i64, i64, i64) = sqlx::query_as(
        "SELECT c.uses, count(u.*), count(DISTINCT u.customer), sum(u.discount_minor)::BIGINT
         FROM coupons c JOIN coupon_uses u ON u.coupon_id = c.id GROUP BY c.id",
    )
    .fetch_one(&pool)
    .await
    .expect("uses");
    assert_eq!((uses, rows, customers, given), (5, 5, 5, 5_000));

    // The report says what SQL says.
    let editor = promotions::editor(&pool, &owner, Some(id), Currency::Aed)
        .await
        .expect("editor");
    let row = editor.row.expect("report");
    assert_eq!((row.uses, row.given.minor), (5, 5_000));
    assert_eq!(row.state, CouponState::UsedUp);
    assert_eq!(editor.uses.len(), 5);
    let total: i64 = sqlx::query_scalar("SELECT sum(total_minor)::BIGINT FROM orders")
        .fetch_one(&pool)
        .await
        .expect("total");
    assert_eq!(editor.orders_total.minor, total);
    let list = promotions::list(&pool, &owner, None, None)
        .await
        .expect("list");
    assert_eq!(
        (list.rows.len(), list.rows[0].offer.as_str()),
        (1, "10 % off")
    );

    // A cancelled order gives its use back; the limit cannot go below the uses left.
    orders::change_status(
        &pool,
        placed[0].number,
        OrderStatus::Cancelled,
        Actor::Staff(owner.account_id),
        &Default::default(),
    )
    .await
    .expect("cancelled");
    let mut lower = editor.form.clone();
    lower.max_uses = "3".into();
    assert_eq!(
        field_of(promotions::save(&pool, &owner, Some(id), &lower, Currency::Aed, None).await),
        "max_uses"
    );
    lower.max_uses = "4".into();
    promotions::save(&pool, &owner, Some(id), &lower, Currency::Aed, None)
        .await
        .expect("four is the uses left");
    // An order carried it: it may be paused, not deleted.
    assert_eq!(
        field_of(promotions::delete(&pool, &owner, id, lower.version + 1, None).await),
        "coupon"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn limited_coupons_discount_only_what_they_cover_and_free_delivery_waives_the_charge(
    pool: PgPool,
) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 6_000, 100).await;
    let coffee = variant(&pool, "arabic-coffee", 4_000, 100).await;
    let pantry: i64 = sqlx::query_scalar(
        "INSERT INTO categories (slug, name) VALUES ('pantry', 'Pantry') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("category");
    sqlx::query(
        "WITH child AS (INSERT INTO categories (slug, name, parent_id)
                        VALUES ('dried-fruit', 'Dried fruit', $1) RETURNING id)
         INSERT INTO product_categories (product_id, category_id) SELECT $2, id FROM child",
    )
    .bind(pantry)
    .bind(product_of(&pool, dates).await)
    .execute(&pool)
    .await
    .expect("dates under Pantry › Dried fruit");
    let admin = staff(&pool, Role::Admin).await;
    let mut by_category = percent("PANTRY50", "50");
    by_category.categories = vec![pantry];
    create(&pool, &admin, &by_category).await;
    let mut by_sku = percent("COFFEE", "25");
    by_sku.products = "ARABIC-COFFEE".into();
    create(&pool, &admin, &by_sku).await;
    let free = CouponForm {
        code: "SHIPFREE".into(),
        kind: "free_shipping".into(),
        ..Default::default()
    };
    create(&pool, &admin, &free).await;

    // 50 % of the dates only (a subcategory of the one named): 30.00 off 100.00.
    let both = buyer(&pool, "a@example.com", &[(dates, 1), (coffee, 1)]).await;
    checkout::set_coupon(&pool, &both, Some("PANTRY50"), &rules(false))
        .await
        .expect("covers the dates");
    let view = checkout::view(&pool, &both, None, Vec::new(), &rules(false))
        .await
        .expect("view");
    let quote = view.quote.expect("priced");
    assert_eq!(
        (quote.subtotal.minor, quote.discount.minor),
        (10_000, 3_000)
    );
    assert_eq!(
        quote.shipping.minor, 1_500,
        "7,000 left is under the free threshold"
    );
    let placed = place_cash(&pool, &keys(), &both).await.expect("placed");
    let lines: Vec<(String, i64)> = sqlx::query_as(
        "SELECT sku, discount_minor FROM order_lines WHERE order_id = $1 ORDER BY sku",
    )
    .bind(placed.order_id)
    .fetch_all(&pool)
    .await
    .expect("lines");
    assert_eq!(
        lines,
        [
            ("ARABIC-COFFEE".to_owned(), 0),
            ("MEDJOOL-DATES".to_owned(), 3_000)
        ]
    );

    // A coupon for coffee does nothing for a bag of dates: refused with why.
    let dates_only = buyer(&pool, "b@example.com", &[(dates, 1)]).await;
    assert_eq!(
        field_of(checkout::set_coupon(&pool, &dates_only, Some("COFFEE"), &rules(false)).await),
        "coupon"
    );

    // Free delivery: the 15.00 charge is waived, and the use records it.
    checkout::set_coupon(&pool, &dates_only, Some("shipfree"), &rules(false))
        .await
        .expect("free delivery applies");
    let quote = checkout::view(&pool, &dates_only, None, Vec::new(), &rules(false))
        .await
        .expect("view")
        .quote
        .expect("priced");
    assert_eq!((quote.shipping.minor, quote.total.minor), (0, 6_000));
    let placed = place_cash(&pool, &keys(), &dates_only)
        .await
        .expect("placed");
    let waived: (i64, i64) = sqlx::query_as(
        "SELECT u.shipping_waived_minor, o.shipping_minor FROM coupon_uses u
         JOIN orders o ON o.id = u.order_id WHERE o.id = $1",
    )
    .bind(placed.order_id)
    .fetch_one(&pool)
    .await
    .expect("use");
    assert_eq!(waived, (1_500, 0));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn staff_changes_are_checked_versioned_audited_and_refused_to_other_roles(pool: PgPool) {
    shop(&pool).await;
    let dates = variant(&pool, "medjool-dates", 6_000, 100).await;
    let owner = staff(&pool, Role::Owner).await;
    let id = create(&pool, &owner, &percent("EID", "10")).await;

    // Bad input names its field; a taken code and an unknown product too.
    let mut bad = percent("EID", "10");
    assert_eq!(
        field_of(promotions::save(&pool, &owner, None, &bad, Currency::Aed, None).await),
        "code"
    );
    bad.code = "EID2".into();
    bad.products = "no-such-thing".into();
    assert_eq!(
        field_of(promotions::save(&pool, &owner, None, &bad, Currency::Aed, None).await),
        "products"
    );
    bad.products = String::new();
    bad.categories = vec![987_654];
    assert_eq!(
        field_of(promotions::save(&pool, &owner, None, &bad, Currency::Aed, None).await),
        "categories"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM coupons")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 1, "nothing half-written");

    // Two editors open version 1; the second save is refused, not lost over the first.
    let opened = promotions::editor(&pool, &owner, Some(id), Currency::Aed)
        .await
        .expect("editor")
        .form;
    let mut first = opened.clone();
    first.value = "15".into();
    promotions::save(&pool, &owner, Some(id), &first, Currency::Aed, None)
        .await
        .expect("first save");
    let mut second = opened.clone();
    second.value = "20".into();
    assert!(matches!(
        promotions::save(&pool, &owner, Some(id), &second, Currency::Aed, None).await,
        Err(Error::App(AppError::Stale { .. }))
    ));

    // Paused, checkout refuses it; active again, it applies.
    let shopper = buyer(&pool, "s@example.com", &[(dates, 1)]).await;
    promotions::set_active(&pool, &owner, id, 2, false, None)
        .await
        .expect("paused");
    assert_eq!(
        field_of(checkout::set_coupon(&pool, &shopper, Some("EID"), &rules(false)).await),
        "coupon"
    );
    promotions::set_active(&pool, &owner, id, 3, true, None)
        .await
        .expect("activated");
    checkout::set_coupon(&pool, &shopper, Some("EID"), &rules(false))
        .await
        .expect("applies again");
    let quote = checkout::view(&pool, &shopper, None, Vec::new(), &rules(false))
        .await
        .expect("view")
        .quote
        .expect("priced");
    assert_eq!(quote.discount.minor, 900, "15 %, the first editor's value");

    // Never used: it can be deleted.
    assert_eq!(
        promotions::delete(&pool, &owner, id, 4, None)
            .await
            .expect("deleted"),
        "EID"
    );
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'coupon.%' ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("audit");
    assert_eq!(
        actions,
        [
            "coupon.created",
            "coupon.saved",
            "coupon.paused",
            "coupon.activated",
            "coupon.deleted"
        ]
    );

    // Only the owner and admins manage coupons.
    for role in [Role::CatalogManager, Role::OrderClerk, Role::Support] {
        let someone = staff(&pool, role).await;
        assert!(matches!(
            promotions::list(&pool, &someone, None, None).await,
            Err(Error::App(AppError::Forbidden))
        ));
        assert!(matches!(
            promotions::save(
                &pool,
                &someone,
                None,
                &percent("X1", "5"),
                Currency::Aed,
                None
            )
            .await,
            Err(Error::App(AppError::Forbidden))
        ));
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_list_pages_through_every_coupon_and_finds_one_by_the_start_of_its_code(pool: PgPool) {
    shop(&pool).await;
    let owner = staff(&pool, Role::Owner).await;
    let page = app::model::coupon::COUPONS_PAGE;
    for i in 0..page + 7 {
        let code = if i % 10 == 3 {
            format!("EID-{i}")
        } else {
            format!("SALE-{i}")
        };
        create(&pool, &owner, &percent(&code, "5")).await;
    }

    // Newest first, page after page, each coupon once.
    let first = promotions::list(&pool, &owner, None, None)
        .await
        .expect("page");
    assert_eq!(first.rows.len(), page);
    let second = promotions::list(&pool, &owner, None, first.next)
        .await
        .expect("older");
    assert_eq!((second.rows.len(), second.next), (7, None));
    let listed: Vec<i64> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|c| c.id)
        .collect();
    let all: Vec<i64> = sqlx::query_scalar("SELECT id FROM coupons ORDER BY id DESC")
        .fetch_all(&pool)
        .await
        .expect("ids");
    assert_eq!(listed, all);

    // A code's start, typed in any case and with spaces, finds those and no other.
    let found = promotions::list(&pool, &owner, Some(" eid-"), None)
        .await
        .expect("search");
    let codes: Vec<&str> = found.rows.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(
        codes,
        ["EID-53", "EID-43", "EID-33", "EID-23", "EID-13", "EID-3"]
    );
    assert_eq!(found.next, None);
}
