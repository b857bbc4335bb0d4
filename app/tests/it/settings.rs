//! The shop's settings as staff edit them (`server::shop`, `server::delivery`) and as
//! checkout applies them: written from the configuration at the first start, saved over a
//! version, followed live by another server, zones down to an emirate, rates by weight, a
//! cash-on-delivery fee, VAT by country, permissions and the audit log.

use crate::catalog_admin::staff;
use crate::support::shop::*;
use app::model::delivery::{RateForm, TaxForm, ZoneForm};
use app::model::shop::ShopForm;
use app::model::{AddressInput, AppError, Currency};
use app::server::accounts::staff::{Role, Staff};
use app::server::cart::Owner;
use app::server::platform::cache::Cache;
use app::server::platform::config::StoreSettings;
use app::server::platform::mail::StoreName;
use app::server::shop::LiveShop;
use app::server::{catalog, checkout, delivery, shop, Error};
use sqlx::PgPool;
use std::time::Duration;

fn configured() -> StoreSettings {
    StoreSettings {
        name: "Souq".into(),
        currency: Currency::Aed,
        prices_include_tax: true,
        cart_ttl: Duration::from_secs(86_400),
        unpaid_order_ttl: Duration::from_secs(3_600),
        sweep_interval: Duration::from_secs(60),
        max_line_quantity: 99,
        low_stock_threshold: 5,
        time_zone: "Asia/Dubai".into(),
        tax_number: Some("100200300400003".into()),
        address: None,
    }
}

async fn started(pool: &PgPool) -> (LiveShop, StoreName) {
    let name = StoreName::default();
    let live = LiveShop::from_config(&configured(), name.clone());
    live.start(pool, &configured())
        .await
        .expect("settings written");
    (live, name)
}

fn refusal<T: std::fmt::Debug>(result: Result<T, Error>) -> AppError {
    match result {
        Err(Error::App(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn field_of<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match refusal(result) {
        AppError::Validation { field, .. } => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn audited(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(pool)
        .await
        .expect("audit")
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn settings_start_from_the_configuration_and_saves_apply_at_once_everywhere(pool: PgPool) {
    let (live, name) = started(&pool).await;
    let first = live.get();
    assert_eq!((first.name.as_str(), first.version), ("Souq", 1));
    assert_eq!(first.tax_number, "100200300400003");
    assert_eq!(
        (first.unpaid_order_minutes, first.low_stock_threshold),
        (60, 5)
    );

    // A second start keeps what staff saved: the configuration only seeds a new shop.
    let owner = staff(&pool, Role::Owner).await;
    let mut form = first.form();
    form.name = "Souq Al Bahar".into();
    form.unpaid_order_minutes = "30".into();
    form.prices_include_tax = String::new();
    shop::save(&pool, &live, &owner, &form, None)
        .await
        .expect("saved");
    let (other, _) = started(&pool).await;
    for settings in [live.get(), other.get()] {
        assert_eq!(
            (settings.name.as_str(), settings.version),
            ("Souq Al Bahar", 2)
        );
        assert!(!settings.prices_include_tax);
        assert_eq!(settings.unpaid_order_ttl(), Duration::from_secs(1_800));
    }
    assert_eq!(
        name.get(),
        "Souq Al Bahar",
        "emails use the new name at once"
    );

    // Another server following the database reloads by itself.
    let follower = LiveShop::from_config(&configured(), StoreName::default());
    let task = catalog::follow_changes(
        &pool,
        Cache::memory(8),
        Default::default(),
        Some(follower.clone()),
    )
    .await
    .expect("listening");
    let mut form = live.get().form();
    form.name = "Souq Marina".into();
    shop::save(&pool, &live, &owner, &form, None)
        .await
        .expect("saved");
    let mut waited = 0;
    while follower.get().name != "Souq Marina" && waited < 50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(
        follower.get().name,
        "Souq Marina",
        "another server follows within 5 s"
    );
    task.abort();

    // A save over an older version is refused, and nothing of it is kept.
    let mut late = form.clone();
    late.name = "Late edit".into();
    let stale = refusal(shop::save(&pool, &live, &owner, &late, None).await);
    assert!(
        matches!(&stale, AppError::Stale { message } if message.contains("owner@duka.test")),
        "{stale:?}"
    );
    assert_eq!(live.get().name, "Souq Marina");
    assert_eq!(audited(&pool, "settings.shop_saved").await, 2);

    // Bad input names its field; a catalog manager may not change settings.
    let bad = ShopForm {
        email: "not an email".into(),
        ..live.get().form()
    };
    assert_eq!(
        field_of(shop::save(&pool, &live, &owner, &bad, None).await),
        "email"
    );
    let manager = staff(&pool, Role::CatalogManager).await;
    let denied = refusal(shop::save(&pool, &live, &manager, &live.get().form(), None).await);
    assert!(matches!(denied, AppError::Forbidden), "{denied:?}");
    assert!(matches!(
        refusal(shop::editor(&pool, &manager).await),
        AppError::Forbidden
    ));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_logo_is_checked_set_and_taken_away(pool: PgPool) {
    let (live, _) = started(&pool).await;
    let owner = staff(&pool, Role::Admin).await;
    let dir = std::env::temp_dir().join(format!("duka-logo-{}", std::process::id()));
    let media = app::server::platform::media::MediaStore::new(&dir);
    let not_a_picture = shop::set_logo(
        &pool,
        &media,
        &live,
        &owner,
        Some(b"GIF89a?".to_vec()),
        None,
    )
    .await;
    assert_eq!(field_of(not_a_picture), "image");
    assert_eq!(live.get().logo_key, None);
    let png = crate::catalog_variants::png(400, 120, 30);
    shop::set_logo(&pool, &media, &live, &owner, Some(png), None)
        .await
        .expect("set");
    let settings = live.get();
    assert!(settings.logo_key.as_ref().is_some_and(|k| k.len() == 24));
    assert_eq!(settings.logo_size, Some((400, 120)));
    shop::set_logo(&pool, &media, &live, &owner, None, None)
        .await
        .expect("removed");
    assert_eq!(live.get().logo_key, None);
    assert_eq!(audited(&pool, "settings.logo_set").await, 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_currency_is_fixed_once_the_shop_has_prices(pool: PgPool) {
    let (live, _) = started(&pool).await;
    let owner = staff(&pool, Role::Owner).await;
    let editor = shop::editor(&pool, &owner).await.expect("editor");
    assert_eq!(
        editor.currency_locked, None,
        "an empty shop may still choose"
    );
    let mut form = live.get().form();
    form.currency = "ZMW".into();
    shop::save(&pool, &live, &owner, &form, None)
        .await
        .expect("changed while empty");
    assert_eq!(live.get().currency, Currency::Zmw);

    variant(&pool, "chitenge", 25_000, 3).await;
    let editor = shop::editor(&pool, &owner).await.expect("editor");
    assert!(editor
        .currency_locked
        .is_some_and(|why| why.contains("ZMW (1 variants")));
    let mut form = live.get().form();
    form.currency = "AED".into();
    assert_eq!(
        field_of(shop::save(&pool, &live, &owner, &form, None).await),
        "currency"
    );
    assert_eq!(live.get().currency, Currency::Zmw);
}

fn zone(name: &str, areas: &str, version: i32) -> ZoneForm {
    ZoneForm {
        version,
        name: name.into(),
        areas: areas.into(),
    }
}

fn in_region(region: &str) -> AddressInput {
    AddressInput {
        region: region.into(),
        ..address()
    }
}

async fn set_weight(pool: &PgPool, variant: i64, grams: i32) {
    sqlx::query("UPDATE variants SET weight_grams = $2 WHERE id = $1")
        .bind(variant)
        .bind(grams)
        .execute(pool)
        .await
        .expect("weight");
}

async fn options(pool: &PgPool, owner: &Owner) -> Vec<(String, i64)> {
    let view = checkout::view(pool, owner, None, vec![], &rules(false))
        .await
        .expect("view");
    view.shipping_options
        .into_iter()
        .map(|o| (o.name, o.price.minor))
        .collect()
}

async fn express_zone(pool: &PgPool, owner: &Staff) -> i64 {
    let id = delivery::save_zone(pool, owner, None, &zone("Dubai", "AE: dubai", 0), None)
        .await
        .expect("zone");
    let rate = RateForm {
        name: "Express".into(),
        bands: "1 kg: 20\n5 kg: 35".into(),
        cash_on_delivery: "on".into(),
        cod_fee: "10".into(),
        active: "on".into(),
        ..Default::default()
    };
    delivery::save_rate(pool, owner, id, None, &rate, Currency::Aed, None)
        .await
        .expect("rate");
    id
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn an_emirate_has_its_own_zone_priced_by_weight_with_a_cash_fee(pool: PgPool) {
    shop(&pool).await; // the whole UAE: Standard AED 15, free from AED 200
    let owner = staff(&pool, Role::Owner).await;
    express_zone(&pool, &owner).await;
    let dates = variant(&pool, "dates-box", 5_000, 100).await;
    set_weight(&pool, dates, 800).await;

    // Dubai is delivered by its own zone; Sharjah by the country's.
    let dubai = buyer(&pool, "d@example.com", &[(dates, 1)]).await;
    checkout::set_details(&pool, &dubai, Some("d@example.com"), &in_region("Dubai"))
        .await
        .unwrap();
    assert_eq!(
        options(&pool, &dubai).await,
        [("Express".to_owned(), 2_000)]
    );
    let sharjah = buyer(&pool, "s@example.com", &[(dates, 1)]).await;
    checkout::set_details(&pool, &sharjah, Some("s@example.com"), &in_region("AE-SH"))
        .await
        .unwrap();
    assert_eq!(
        options(&pool, &sharjah).await,
        [("Standard".to_owned(), 1_500)]
    );

    // Heavier: the next band; past the last band: not offered.
    let heavy = buyer(&pool, "h@example.com", &[(dates, 2)]).await;
    checkout::set_details(&pool, &heavy, Some("h@example.com"), &in_region("dubai"))
        .await
        .unwrap();
    assert_eq!(
        options(&pool, &heavy).await,
        [("Express".to_owned(), 3_500)]
    );
    let too_heavy = buyer(&pool, "t@example.com", &[(dates, 7)]).await;
    checkout::set_details(
        &pool,
        &too_heavy,
        Some("t@example.com"),
        &in_region("Dubai"),
    )
    .await
    .unwrap();
    let view = checkout::view(&pool, &too_heavy, None, vec![], &rules(false))
        .await
        .unwrap();
    assert!(view.shipping_options.is_empty() && view.blocker.is_some());
    assert_eq!(view.quote, None);

    // Paying on delivery adds the fee; the page says so next to the choice.
    let view = checkout::view(&pool, &dubai, None, vec![], &rules(false))
        .await
        .unwrap();
    let quote = view.quote.clone().expect("quote");
    let (fee, cod_total) = view.cod_fee.expect("a fee is shown");
    assert_eq!(fee.minor, 1_000);
    assert_eq!(cod_total.minor, quote.total.minor + 1_000);
    let placed = place_cash(&pool, &keys(), &dubai).await.expect("placed");
    let (shipping, total, name): (i64, i64, String) = sqlx::query_as(
        "SELECT shipping_minor, total_minor, shipping_rate_name FROM orders WHERE number = $1",
    )
    .bind(placed.number)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((shipping, total), (3_000, cod_total.minor));
    assert!(name.starts_with("Express + cash on delivery fee"), "{name}");

    // An address in a country whose zones name regions must name one.
    sqlx::query("DELETE FROM shipping_zone_countries WHERE region = ''")
        .execute(&pool)
        .await
        .unwrap();
    let nowhere = buyer_without_address(&pool, &[(dates, 1)]).await;
    let refused =
        checkout::set_details(&pool, &nowhere, Some("n@example.com"), &in_region("")).await;
    assert_eq!(field_of(refused), "region");
    let refused =
        checkout::set_details(&pool, &nowhere, Some("n@example.com"), &in_region("Ajman")).await;
    assert_eq!(field_of(refused), "region");
    let refused =
        checkout::set_details(&pool, &nowhere, Some("n@example.com"), &in_region("Paris")).await;
    assert_eq!(field_of(refused), "region");
}

async fn buyer_without_address(pool: &PgPool, lines: &[(i64, i64)]) -> Owner {
    let owner = Owner::Guest(app::server::cart::new_guest_token());
    for (variant, quantity) in lines {
        app::server::cart::change(pool, &owner, *variant, *quantity, true, &rules(false).cart)
            .await
            .expect("add to cart");
    }
    owner
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn zones_do_not_overlap_and_stale_edits_are_refused(pool: PgPool) {
    shop(&pool).await;
    let owner = staff(&pool, Role::Admin).await;
    let dubai = express_zone(&pool, &owner).await;
    // Dubai is taken; so is the whole UAE (the test shop's zone).
    let taken =
        delivery::save_zone(&pool, &owner, None, &zone("Again", "AE: Dubai", 0), None).await;
    assert!(
        matches!(refusal(taken), AppError::Validation { message, .. } if message.contains("\"Dubai\""))
    );
    let editor = delivery::zone_editor(&pool, &owner, Some(dubai), Currency::Aed)
        .await
        .unwrap();
    assert_eq!(editor.form.areas, "AE: Dubai");
    assert_eq!(editor.rates.len(), 1);
    assert_eq!(editor.rates[0].form.bands, "1 kg: 20.00\n5 kg: 35.00");

    // A second zone for the whole country is refused too.
    let whole = delivery::save_zone(
        &pool,
        &owner,
        None,
        &zone("UAE 2", "United Arab Emirates", 0),
        None,
    )
    .await;
    assert_eq!(field_of(whole), "areas");

    // Two editors: the second save is refused and changes nothing.
    let first = ZoneForm {
        name: "Dubai and Sharjah".into(),
        areas: "AE: Dubai, Sharjah".into(),
        ..editor.form.clone()
    };
    delivery::save_zone(&pool, &owner, Some(dubai), &first, None)
        .await
        .expect("saved");
    let late = ZoneForm {
        name: "Late".into(),
        ..editor.form.clone()
    };
    let stale = refusal(delivery::save_zone(&pool, &owner, Some(dubai), &late, None).await);
    assert!(matches!(stale, AppError::Stale { .. }), "{stale:?}");
    let rate = &editor.rates[0];
    delivery::save_rate(
        &pool,
        &owner,
        dubai,
        Some(rate.id),
        &rate.form,
        Currency::Aed,
        None,
    )
    .await
    .expect("the rate's own version is current");
    let again = delivery::save_rate(
        &pool,
        &owner,
        dubai,
        Some(rate.id),
        &rate.form,
        Currency::Aed,
        None,
    )
    .await;
    assert!(matches!(refusal(again), AppError::Stale { .. }));
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM shipping_zones ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(names, ["UAE", "Dubai and Sharjah"]);

    // Deleting the zone takes its rates; every change is in the audit log.
    let version = delivery::zone_editor(&pool, &owner, Some(dubai), Currency::Aed)
        .await
        .unwrap()
        .form
        .version;
    delivery::delete_zone(&pool, &owner, dubai, version, None)
        .await
        .expect("deleted");
    let rates: i64 = sqlx::query_scalar("SELECT count(*) FROM shipping_rates")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rates, 1);
    for action in [
        "settings.zone_created",
        "settings.zone_saved",
        "settings.rate_created",
        "settings.rate_saved",
        "settings.zone_deleted",
    ] {
        assert!(audited(&pool, action).await >= 1, "{action} audited");
    }
    let clerk = staff(&pool, Role::OrderClerk).await;
    let denied = delivery::save_zone(&pool, &clerk, None, &zone("Z", "OM", 0), None).await;
    assert!(matches!(refusal(denied), AppError::Forbidden));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn vat_rates_are_edited_and_apply_to_the_next_quote(pool: PgPool) {
    shop(&pool).await; // AE at 5 %
    let owner = staff(&pool, Role::Owner).await;
    let dates = variant(&pool, "dates-tin", 10_000, 10).await;
    let shopper = buyer(&pool, "v@example.com", &[(dates, 1)]).await;
    assert_eq!(tax_of(&pool, &shopper).await.map(|t| t.0), Some(500));

    let page = delivery::page(&pool, &owner, Currency::Aed).await.unwrap();
    let ae = page
        .taxes
        .iter()
        .find(|t| t.country == "AE")
        .expect("AE listed")
        .clone();
    let change = TaxForm {
        version: ae.version,
        country: "AE".into(),
        rate: "7.5".into(),
    };
    delivery::save_tax(&pool, &owner, &change, None)
        .await
        .expect("saved");
    assert_eq!(tax_of(&pool, &shopper).await.map(|t| t.0), Some(750));
    // The same form sent again is stale; adding a country twice is refused.
    assert!(matches!(
        refusal(delivery::save_tax(&pool, &owner, &change, None).await),
        AppError::Stale { .. }
    ));
    let twice = TaxForm {
        version: 0,
        country: "AE".into(),
        rate: "5".into(),
    };
    assert_eq!(
        field_of(delivery::save_tax(&pool, &owner, &twice, None).await),
        "country"
    );
    delivery::save_tax(
        &pool,
        &owner,
        &TaxForm {
            version: 0,
            country: "Zambia".into(),
            rate: "16".into(),
        },
        None,
    )
    .await
    .expect("added");

    delivery::delete_tax(&pool, &owner, "AE", ae.version + 1, None)
        .await
        .expect("removed");
    assert_eq!(tax_of(&pool, &shopper).await, Some((0, 0)));
    assert_eq!(audited(&pool, "settings.tax_saved").await, 2);
    assert_eq!(audited(&pool, "settings.tax_deleted").await, 1);
}

/// The VAT rate and amount of `owner`'s checkout quote.
async fn tax_of(pool: &PgPool, owner: &Owner) -> Option<(u32, i64)> {
    let view = checkout::view(pool, owner, None, vec![], &rules(false))
        .await
        .unwrap();
    view.quote.map(|q| (q.tax_rate_bp, q.tax.minor))
}
