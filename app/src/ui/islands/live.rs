//! Pages that follow the live feed over Server-Sent Events (`EventSource`, which reconnects
//! by itself and resumes with `Last-Event-ID`): the admin's orders list and a shopper's
//! order page. The server draws what changes; these put it in place. Without JavaScript the pages are
//! plain, and a reload shows the same.

use leptos::prelude::*;

/// The staff bar's count of orders to pack or ship, on every admin page for staff who see
/// orders; on the whole orders list's first page (`tbody[data-live-orders]`, whose value is
/// the list's own feed position), new orders are also put at the top as they are placed.
#[island(lazy)]
pub fn LiveOrders(from: i64, count: i64) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        // From the earlier of the bar's position and the list's: nothing the list missed is
        // skipped, and a row already shown is not added twice.
        let list = document()
            .query_selector("tbody[data-live-orders]")
            .ok()
            .flatten()
            .and_then(|body| body.get_attribute("data-live-orders"))
            .and_then(|at| at.parse::<i64>().ok());
        let from = list.map_or(from, |at| at.min(from));
        follow(&format!("/admin/orders/events?from={from}"), show_orders)
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = from;
    view! {
        <a class="live-count" href="/admin/orders">
            <strong data-live-count>{count}</strong> " to pack or ship"
        </a>
    }
}

/// Around the part of a shopper's order page that changes as staff pack, ship and deliver
/// (`[data-live-order]`, whose value is the order's event stream with the page's key). In
/// the main WASM like the storefront's other islands: children only, a listener and no view,
/// so an order page loads no chunk of its own.
#[island]
pub fn LiveOrder(children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    if let Ok(Some(part)) = document().query_selector("[data-live-order]") {
        if let Some(url) = part.get_attribute("data-live-order") {
            follow(&url, show_order);
        }
    }
    children()
}

/// Opens an event stream for the life of the page; each message's JSON goes to `show`.
#[cfg(feature = "hydrate")]
fn follow(url: &str, show: fn(&wasm_bindgen::JsValue)) {
    use super::js::{field, on};
    use wasm_bindgen::JsCast;
    let Ok(source) = field(&window(), "EventSource").dyn_into::<js_sys::Function>() else {
        return;
    };
    let Ok(stream) = js_sys::Reflect::construct(&source, &js_sys::Array::of1(&url.into())) else {
        return;
    };
    on(stream.unchecked_ref(), "message", move |event| {
        let data = field(&event, "data").as_string().unwrap_or_default();
        if let Ok(data) = js_sys::JSON::parse(&data) {
            show(&data);
        }
    });
    // The stream lives as long as the page.
    std::mem::forget(stream);
}

#[cfg(feature = "hydrate")]
fn show_orders(data: &wasm_bindgen::JsValue) {
    use super::js::{field, list, string};
    if field(data, "reload").as_bool() == Some(true) {
        let _ = window().location().reload();
        return;
    }
    let doc = document();
    if let (Some(count), Ok(Some(shown))) = (
        field(data, "count").as_f64(),
        doc.query_selector("[data-live-count]"),
    ) {
        shown.set_text_content(Some(&count.to_string()));
    }
    let Ok(Some(body)) = doc.query_selector("tbody[data-live-orders]") else {
        return;
    };
    // Newest first: put the oldest at the top first. A row already shown stays as it is.
    let rows = list(data, "rows", |row| (string(row, "id"), string(row, "html")));
    for (id, html) in rows.iter().rev() {
        let shown = body.query_selector(&format!("tr[data-order=\"{id}\"]"));
        if matches!(shown, Ok(None)) && !id.is_empty() {
            let _ = body.insert_adjacent_html("afterbegin", html);
        }
    }
}

#[cfg(feature = "hydrate")]
fn show_order(data: &wasm_bindgen::JsValue) {
    let html = super::js::string(data, "html");
    if let (false, Ok(Some(part))) = (
        html.is_empty(),
        document().query_selector("[data-live-order]"),
    ) {
        part.set_inner_html(&html);
    }
}
