//! The variant grid's check as typed: a lazy island around the grid's table that, on every
//! input, checks the row it came from with [`variant_error`] (the rule the server applies)
//! and marks the field the browser will then refuse to submit, with the reason under the row.
//! Without JavaScript the grid is a plain form and the server says the same.

use crate::model::Currency;
use leptos::prelude::*;

#[island(lazy)]
pub fn GridCheck(currency: Currency, children: Children) -> impl IntoView {
    let check = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        check_row(&ev, currency);
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, currency);
    };
    view! { <div class="grid-check" on:input=check>{children()}</div> }
}

#[cfg(feature = "hydrate")]
fn check_row(ev: &leptos::ev::Event, currency: Currency) {
    use crate::model::catalog_admin::variant_error;
    use crate::model::Money;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{Element, HtmlInputElement};

    let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    let Ok(Some(row)) = target.closest("[data-grid-row]") else {
        return;
    };
    let input = |f: &str| {
        row.query_selector(&format!("[name$=\"[{f}]\"]"))
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    };
    let value = |f: &str| input(f).map(|i| i.value()).unwrap_or_default();
    let amount = |f: &'static str| -> Result<Option<i64>, (&'static str, String)> {
        match value(f).trim() {
            "" => Ok(None),
            text => Money::parse_decimal(text, currency)
                .map(|m| Some(m.minor))
                .map_err(|e| (f, e.to_string())),
        }
    };
    let weight = value("weight_grams");
    let error = (|| {
        let price = amount("price")?.ok_or(("price", "enter a price".to_owned()))?;
        let compare_at = amount("compare_at")?;
        let weight = match weight.trim() {
            "" => 0,
            w => w
                .parse::<i32>()
                .map_err(|_| ("weight_grams", "a whole number of grams".to_owned()))?,
        };
        let sku = value("sku");
        match variant_error(
            sku.trim(),
            price,
            compare_at,
            weight,
            value("barcode").trim(),
        ) {
            Some((field, message)) => Err((field, message.to_owned())),
            None => Ok(()),
        }
    })()
    .err();
    for f in ["sku", "price", "compare_at", "weight_grams", "barcode"] {
        if let Some(i) = input(f) {
            let message = error
                .as_ref()
                .filter(|(field, _)| *field == f)
                .map_or("", |(_, m)| m.as_str());
            i.set_custom_validity(message);
        }
    }
    if let Ok(Some(slot)) = row.query_selector("[data-row-error]") {
        slot.set_text_content(error.as_ref().map(|(_, m)| m.as_str()));
    }
}
