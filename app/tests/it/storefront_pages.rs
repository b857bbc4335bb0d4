//! What the storefront's pages read: the checkout's kept refusals (a refused step comes back
//! with everything typed), the cart's pictures, and the shop's own pages.

use crate::support::shop::*;
use app::model::{AppError, CheckoutStep, Currency, Refusal};
use app::server::cart::{self, Owner};
use app::server::checkout;
use app::server::content;
use app::server::platform::cache::Cache;
use app::server::Error;
use sqlx::PgPool;

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_refused_step_keeps_what_was_typed_until_a_step_succeeds(pool: PgPool) {
    shop(&pool).await;
    let tote = variant(&pool, "tote", 6_500, 5).await;
    let owner = Owner::Guest(cart::new_guest_token());
    cart::change(&pool, &owner, tote, 1, true, &rules(false).cart)
        .await
        .expect("cart");

    // The cart page's estimate: the cheapest rate and the free-delivery threshold.
    let estimate = checkout::delivery_estimate(&pool, Currency::Aed)
        .await
        .expect("estimate")
        .expect("the shop has a rate");
    assert_eq!(
        (estimate.from.minor, estimate.free_over.map(|m| m.minor)),
        (1_500, Some(20_000))
    );
    let none = checkout::delivery_estimate(&pool, Currency::Zmw)
        .await
        .expect("estimate");
    assert!(none.is_none(), "no rate in kwacha");

    // Before anything is typed, the page says where the shop delivers.
    let page = checkout::page(&pool, &owner, &rules(false))
        .await
        .expect("page");
    assert_eq!(page.delivers_to, ["AE"]);
    assert!(page.refusal.is_none());
    // A zone whose only rate needs a card is listed only when cards are taken.
    sqlx::query(
        "WITH z AS (INSERT INTO shipping_zones (name) VALUES ('Gulf') RETURNING id),
              c AS (INSERT INTO shipping_zone_countries (country, zone_id) SELECT 'OM', id FROM z)
         INSERT INTO shipping_rates (zone_id, name, currency, price_minor, cash_on_delivery)
         SELECT id, 'Gulf', 'AED', 6000, false FROM z",
    )
    .execute(&pool)
    .await
    .expect("a card-only zone");
    let page = checkout::page(&pool, &owner, &rules(false))
        .await
        .expect("page");
    assert_eq!(page.delivers_to, ["AE"], "without cards Oman cannot pay");
    let page = checkout::page(&pool, &owner, &rules(true))
        .await
        .expect("page");
    assert_eq!(page.delivers_to, ["AE", "OM"]);

    let mut typed = address();
    typed.phone = "12".into();
    let outcome = checkout::set_details(&pool, &owner, Some("layla@example.com"), &typed).await;
    let kept = Refusal {
        step: CheckoutStep::Details,
        email: Some("layla@example.com".into()),
        address: Some(typed.clone()),
        ..Refusal::default()
    };
    checkout::keep_refusal(&pool, &owner, outcome, kept)
        .await
        .expect("a validation error is kept, not returned");
    let page = checkout::page(&pool, &owner, &rules(false))
        .await
        .expect("page");
    let refusal = page.refusal.expect("the refusal");
    assert_eq!(
        (refusal.step, refusal.field.as_str()),
        (CheckoutStep::Details, "phone")
    );
    assert!(
        refusal.message.contains("6 to 15 digits"),
        "{}",
        refusal.message
    );
    assert_eq!(refusal.address, Some(typed));
    assert_eq!(refusal.email.as_deref(), Some("layla@example.com"));
    assert_eq!(
        refusal.for_field(CheckoutStep::Details, "phone").as_deref(),
        Some(refusal.message.as_str())
    );
    assert_eq!(refusal.for_field(CheckoutStep::Coupon, "phone"), None);
    assert!(
        page.address.is_none(),
        "nothing refused is saved as the address"
    );

    // The corrected details save and clear it.
    checkout::set_details(&pool, &owner, Some("layla@example.com"), &address())
        .await
        .expect("details");
    let page = checkout::page(&pool, &owner, &rules(false))
        .await
        .expect("page");
    assert!(page.refusal.is_none());
    assert_eq!(page.address, Some(address()));
    // Cash on delivery pays for the shop's one rate even without cards.
    assert!(page.shipping_options.iter().all(|o| page.payable(o)));

    // A wrong coupon is kept with the code as typed.
    let outcome = checkout::set_coupon(&pool, &owner, Some("NOPE-1"), &rules(false)).await;
    let kept = Refusal {
        step: CheckoutStep::Coupon,
        code: Some("nope-1".into()),
        ..Refusal::default()
    };
    checkout::keep_refusal(&pool, &owner, outcome, kept)
        .await
        .expect("kept");
    let page = checkout::page(&pool, &owner, &rules(false))
        .await
        .expect("page");
    let refusal = page.refusal.expect("the coupon's refusal");
    assert_eq!(
        (refusal.step, refusal.field.as_str()),
        (CheckoutStep::Coupon, "coupon")
    );
    assert_eq!(refusal.code.as_deref(), Some("nope-1"));
    assert_eq!(page.coupon_code, None);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn only_refusals_a_shopper_can_fix_are_kept(pool: PgPool) {
    shop(&pool).await;
    let tote = variant(&pool, "tote", 6_500, 5).await;
    let owner = Owner::Guest(cart::new_guest_token());
    cart::change(&pool, &owner, tote, 1, true, &rules(false).cart)
        .await
        .expect("cart");
    let broken = checkout::keep_refusal(
        &pool,
        &owner,
        Err(Error::other("the disk is on fire")),
        Refusal::default(),
    )
    .await;
    assert!(matches!(broken, Err(Error::Other(_))), "{broken:?}");
    let stock = checkout::keep_refusal(
        &pool,
        &owner,
        Err(AppError::OutOfStock {
            item: "Tote".into(),
            available: 1,
        }
        .into()),
        Refusal {
            step: CheckoutStep::Payment,
            ..Refusal::default()
        },
    )
    .await;
    assert!(stock.is_ok(), "{stock:?}");
    let page = checkout::page(&pool, &owner, &rules(false))
        .await
        .expect("page");
    let refusal = page.refusal.expect("kept");
    assert_eq!(refusal.field, "", "a step's refusal has no field");
    assert_eq!(refusal.message, "only 1 of Tote left");
    // Without a cart there is nothing to keep it with.
    let nobody = Owner::Guest(cart::new_guest_token());
    let gone = checkout::keep_refusal(
        &pool,
        &nobody,
        Err(AppError::validation("email", "enter your email address").into()),
        Refusal::default(),
    )
    .await;
    assert!(
        matches!(gone, Err(Error::App(AppError::Validation { .. }))),
        "{gone:?}"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn cart_lines_show_their_variants_picture_or_their_products_first(pool: PgPool) {
    let shirt = variant(&pool, "shirt", 9_900, 5).await;
    let mug = variant(&pool, "mug", 2_900, 5).await;
    let product_of = |v: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT product_id FROM variants WHERE id = $1")
                .bind(v)
                .fetch_one(&pool)
                .await
                .expect("product")
        }
    };
    let (shirt_product, mug_product) = (product_of(shirt).await, product_of(mug).await);
    let image = |product: i64, position: i32, key: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO product_images (product_id, position, alt, storage_key, width, height)
                 VALUES ($1, $2, $3, $3, 800, 800) RETURNING id",
            )
            .bind(product)
            .bind(position)
            .bind(key)
            .fetch_one(&pool)
            .await
            .expect("image")
        }
    };
    image(shirt_product, 0, "aaaaaaaaaaaaaaaaaaaaaaaa").await;
    let own = image(shirt_product, 1, "bbbbbbbbbbbbbbbbbbbbbbbb").await;
    sqlx::query("UPDATE variants SET image_id = $1 WHERE id = $2")
        .bind(own)
        .bind(shirt)
        .execute(&pool)
        .await
        .expect("variant picture");
    image(mug_product, 0, "cccccccccccccccccccccccc").await;

    let owner = Owner::Guest(cart::new_guest_token());
    let rules = rules(false).cart;
    for v in [shirt, mug] {
        cart::change(&pool, &owner, v, 1, true, &rules)
            .await
            .expect("cart");
    }
    let lines = cart::lines(&pool, &owner, rules.currency)
        .await
        .expect("lines");
    let mut view = cart::view(&lines, &rules);
    assert!(
        view.lines.iter().all(|l| l.image.is_none()),
        "filled in on demand"
    );
    cart::with_images(&pool, &mut view).await.expect("images");
    let keys: Vec<_> = view
        .lines
        .iter()
        .map(|l| l.image.as_ref().map(|i| i.key.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            Some("bbbbbbbbbbbbbbbbbbbbbbbb"),
            Some("cccccccccccccccccccccccc")
        ]
    );
}

#[test]
fn the_stepper_moves_one_at_a_time_and_never_below_nothing() {
    assert_eq!(cart::stepped(2, Some(1)), 3);
    assert_eq!(cart::stepped(2, Some(-1)), 1);
    assert_eq!(cart::stepped(0, Some(-1)), 0);
    assert_eq!(cart::stepped(2, Some(50)), 3, "a forged step is one");
    assert_eq!(cart::stepped(7, None), 7, "typed and sent with Enter");
    assert_eq!(cart::stepped(i64::MAX, Some(1)), i64::MAX);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_shops_pages_are_seeded_and_found_by_slug(pool: PgPool) {
    let cache = Cache::Disabled;
    let returns = content::page(&pool, &cache, "returns")
        .await
        .expect("returns");
    assert_eq!(returns.title, "Returns and refunds");
    assert!(
        returns.body.contains("## How to return"),
        "{}",
        returns.body
    );
    for bad in ["no-such-page", "../etc/passwd", "", "ABOUT"] {
        let missing = content::page(&pool, &cache, bad).await;
        assert!(
            matches!(missing, Err(Error::App(AppError::NotFound))),
            "{bad}: {missing:?}"
        );
    }
    let memo = app::server::platform::memo::Memo::default();
    let links = content::layout_links(&pool, &memo).await.expect("links");
    let slugs: Vec<_> = links.pages.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(
        slugs,
        ["about", "contact", "delivery", "returns", "privacy", "terms"]
    );
    // An owner's edit is what the page then shows.
    sqlx::query("UPDATE store_pages SET title = 'Our story' WHERE slug = 'about'")
        .execute(&pool)
        .await
        .expect("edit");
    let about = content::page(&pool, &cache, "about").await.expect("about");
    assert_eq!(about.title, "Our story");
    // The footer's links are kept until the catalog changes, then read again.
    let kept = content::layout_links(&pool, &memo).await.expect("links");
    assert_eq!(kept.pages[0].title, "About us");
    memo.retire();
    let fresh = content::layout_links(&pool, &memo).await.expect("links");
    assert_eq!(fresh.pages[0].title, "Our story");
}
