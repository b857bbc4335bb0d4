//! An order's printed documents: the tax invoice (its gapless number, the shop's tax
//! registration number, the VAT) and the packing slip (no prices), for staff only.

use super::hardening::staff_session;
use super::*;
use app::model::shipment::{ShipmentInput, OWN_COURIER};
use app::model::OrderStatus;
use app::server::orders::{Actor, StatusDetails};

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn staff_print_an_invoice_once_paid_and_a_packing_slip(pool: PgPool) {
    let site = Site::new();
    catalog::seed(&pool, &media(&site), Currency::Aed, 8)
        .await
        .expect("seeds");
    let st = state_with(
        pool.clone(),
        &site.0,
        false,
        &[
            ("DUKA_STORE_TAX_NUMBER", "100234567800003"),
            ("DUKA_STORE_ADDRESS", "Shop 4, Al Fahidi Street, Dubai"),
        ],
    );
    let app = duka_server::router(st.clone());
    let (_, clerk) = staff_session(&pool, &st, "clerk@shop.test", "order_clerk").await;
    let number = cash_order(&app, &pool).await;
    let invoice = format!("/admin/orders/{number}/invoice");
    let slip = format!("/admin/orders/{number}/packing-slip");

    // Not paid yet (cash on delivery): no invoice, and no number used.
    let (status, _, page) = send(&app, get_with(&invoice, &clerk)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("not paid yet"), "{page}");

    // Delivered with the cash collected: paid, so invoiced.
    let total: i64 = sqlx::query_scalar("SELECT total_minor FROM orders WHERE number = $1")
        .bind(number)
        .fetch_one(&pool)
        .await
        .expect("total");
    let steps = [
        (OrderStatus::Fulfilled, StatusDetails::default()),
        (
            OrderStatus::Shipped,
            StatusDetails {
                shipment: ShipmentInput {
                    carrier: OWN_COURIER.into(),
                    ..Default::default()
                },
                ..Default::default()
            },
        ),
        (
            OrderStatus::Delivered,
            StatusDetails {
                cash_collected_minor: Some(total),
                ..Default::default()
            },
        ),
    ];
    for (to, details) in steps {
        st.payments
            .change_order_status(number, to, Actor::Staff(1), &details)
            .await
            .expect("moves on");
    }
    let (status, _, page) = send(&app, get_with(&invoice, &clerk)).await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "Tax invoice 1",
        "Tax registration number: 100234567800003",
        "Shop 4, Al Fahidi Street, Dubai",
        "<td>5%</td>",
        "Cash on delivery",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    let (status, _, page) = send(&app, get_with(&slip, &clerk)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Packing slip"), "{page}");
    assert!(!page.contains("AED"), "no prices on a packing slip: {page}");
    let (_, _, order_page) = send(&app, get_with(&format!("/admin/orders/{number}"), &clerk)).await;
    assert!(
        order_page.contains(&format!("href=\"{invoice}\"")),
        "linked from the order"
    );

    // Nobody else prints them.
    for path in [&invoice, &slip] {
        let (status, _, page) = send(&app, get_with(path, "")).await;
        assert_ne!(status, StatusCode::OK, "{path}");
        assert!(!page.contains("Tax registration number"), "{path}");
    }
}
