//! HTML the server pushes into pages that are already open (the live feed's events), drawn
//! by the same components as the pages themselves.

use crate::model::{OrderView, StaffOrderRow};
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

/// `rows` as the admin's orders list draws them for staff who may (`can_manage`) or may not
/// act on orders.
pub fn order_rows(rows: Vec<StaffOrderRow>, can_manage: bool) -> String {
    render(move || {
        rows.into_iter()
            .map(|row| view! { <super::pages::OrderRow row can_manage /> })
            .collect_view()
    })
}

/// The part of a shopper's order page that follows the order (its state and details).
pub fn order_detail(order: OrderView) -> String {
    render(move || view! { <super::pages::order::OrderDetail order /> })
}

fn render<V: RenderHtml + 'static>(view: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    owner.with(|| view().to_html())
}
