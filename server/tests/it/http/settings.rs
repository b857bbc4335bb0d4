//! The shop's settings through the admin's plain forms: a save applies to the next page
//! without a restart, and only staff allowed to change settings reach them.

use super::hardening::staff_session;
use super::*;

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_saved_shop_name_shows_on_the_next_page_without_a_restart(pool: PgPool) {
    let site = Site::new();
    let st = state(pool.clone(), &site.0, false);
    st.shop
        .start(&pool, &st.settings.store)
        .await
        .expect("settings written");
    let app = duka_server::router(st.clone());
    let (_, owner) = staff_session(&pool, &st, "owner@shop.test", "owner").await;
    let (_, manager) = staff_session(&pool, &st, "catalog@shop.test", "catalog_manager").await;

    let (status, _, page) = send(&app, get_with("/admin/settings", &owner)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"shop[name]\""), "{page}");
    let (status, _, _) = send(&app, get_with("/admin/settings", &manager)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let fields = "shop%5Bversion%5D=1&shop%5Bname%5D=Souq+Al+Bahar&shop%5Bcurrency%5D=AED\
                  &shop%5Bprices_include_tax%5D=on&shop%5Bunpaid_order_minutes%5D=45\
                  &shop%5Blow_stock_threshold%5D=3&shop%5Btax_number%5D=100200300400003";
    let save = path_of::<app::api::settings::SaveShopSettings>();
    let (status, headers, _) = send(&app, form_post(save, "/admin/settings", fields, &owner)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location(&headers), "/admin/settings?done=saved");
    let (_, _, home) = send(&app, get_with("/", "")).await;
    assert!(
        home.contains("Souq Al Bahar"),
        "the header shows the new name"
    );
    assert_eq!(st.checkout_rules().unpaid_order_ttl.as_secs(), 45 * 60);

    // The same form again is stale: the page says so, and nothing changes.
    let (status, headers, _) = send(&app, form_post(save, "/admin/settings", fields, &owner)).await;
    assert_eq!(status, StatusCode::FOUND);
    let back = location(&headers);
    assert!(
        back.contains("/admin/settings?") && back.contains("__err="),
        "back to the form with the reason: {back}"
    );
    assert_eq!(st.shop().version, 2);
}
