//! The product page's island: choose options, see the price and stock of that variant, pick
//! a quantity, add to the cart. Without JavaScript the options are a GET form whose submit
//! reloads the page on the chosen variant; once hydrated, choices update the page at once.
//! Adding to the cart is a plain POST form either way (the hidden SKU follows the choice).
//!
//! The pictures are the page's server-rendered gallery, outside the island: choosing a
//! variant with its own picture scrolls the gallery to it.
//!
//! The island takes no props. Islands with props decode them with serde_json in the browser,
//! which with its error formatting is a quarter of the WASM. Instead the page provides a
//! [`PickerData`] as context on the server and writes it as JSON into a `<script>` next to
//! the island ([`PickerDataScript`]); in the browser the island reads that back with the
//! browser's own `JSON.parse`.

use crate::model::{ProductDetail, ProductOption, StockStatus};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::Serialize;

/// The id of the `<script type="application/json">` holding the picker's data.
const DATA_ID: &str = "variant-picker-data";

/// A variant as the picker needs it: prices already formatted on the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VariantChoice {
    pub sku: String,
    pub values: Vec<String>,
    pub price: String,
    pub compare_at: Option<String>,
    /// How much less than the compare-at price, formatted.
    pub saving: Option<String>,
    pub available: u32,
    /// Index into the product's pictures (the gallery's slides) of this variant's picture.
    pub image: Option<usize>,
}

/// Everything the picker shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PickerData {
    pub options: Vec<ProductOption>,
    pub variants: Vec<VariantChoice>,
    /// Index of the variant shown first.
    pub selected: usize,
    /// The most a shopper can pick in one go.
    pub max_per_line: u32,
}

impl PickerData {
    pub fn new(product: &ProductDetail, selected: usize, max_per_line: u32) -> Self {
        let variants = product
            .variants
            .iter()
            .map(|v| VariantChoice {
                sku: v.sku.clone(),
                values: v.values.clone(),
                price: v.price.to_string(),
                compare_at: v.compare_at.map(|c| c.to_string()),
                saving: v.compare_at.filter(|c| c.minor > v.price.minor).map(|c| {
                    crate::model::Money::new(c.minor - v.price.minor, c.currency).to_string()
                }),
                available: v.available,
                image: v.image,
            })
            .collect();
        Self {
            options: product.options.clone(),
            variants,
            selected,
            max_per_line,
        }
    }

    /// On the server, the page's context; in the browser, the JSON the server wrote.
    fn current() -> Self {
        #[cfg(not(feature = "hydrate"))]
        let data = use_context::<PickerData>();
        #[cfg(feature = "hydrate")]
        let data = from_page::read();
        data.unwrap_or_default()
    }
}

/// The picker's data for the browser: render it next to (outside) the [`VariantPicker`].
#[component]
pub fn PickerDataScript(data: PickerData) -> impl IntoView {
    let json = crate::ui::components::seo::script_json(&data);
    view! { <script type="application/json" id=DATA_ID inner_html=json></script> }
}

/// Reads [`PickerData`] back in the browser through `JSON.parse` and property lookups: no
/// JSON parser or float formatting in the WASM. Missing or mistyped fields read as empty.
#[cfg(feature = "hydrate")]
mod from_page {
    use super::super::js::{field, list, number, string, strings};
    use super::{PickerData, ProductOption, VariantChoice, DATA_ID};

    pub(super) fn read() -> Option<PickerData> {
        let text = leptos::prelude::document()
            .get_element_by_id(DATA_ID)?
            .text_content()?;
        let root = js_sys::JSON::parse(&text).ok()?;
        Some(PickerData {
            options: list(&root, "options", |o| ProductOption {
                name: string(o, "name"),
                values: strings(o, "values"),
            }),
            variants: list(&root, "variants", |v| VariantChoice {
                sku: string(v, "sku"),
                values: strings(v, "values"),
                price: string(v, "price"),
                compare_at: field(v, "compare_at").as_string(),
                saving: field(v, "saving").as_string(),
                available: number(v, "available").unwrap_or(0),
                image: number(v, "image").map(|i| i as usize),
            }),
            selected: number(&root, "selected").unwrap_or(0) as usize,
            max_per_line: number(&root, "max_per_line").unwrap_or(1),
        })
    }
}

#[island]
pub fn VariantPicker() -> impl IntoView {
    let PickerData {
        options,
        variants,
        selected,
        max_per_line,
    } = PickerData::current();
    let variants = StoredValue::new(variants);
    let initial = variants.with_value(|v| {
        v.get(selected)
            .or(v.first())
            .map(|v| v.values.clone())
            .unwrap_or_default()
    });
    let initial_sku = variants.with_value(|v| {
        v.get(selected)
            .or(v.first())
            .map(|v| v.sku.clone())
            .unwrap_or_default()
    });
    let chosen = RwSignal::new(initial.clone());
    let current = Memo::new(move |_| {
        let chosen = chosen.get();
        variants.with_value(|all| all.iter().position(|v| v.values == chosen))
    });
    let variant = move || {
        current
            .get()
            .and_then(|i| variants.with_value(|all| all.get(i).cloned()))
    };
    let available = move || variant().map(|v| v.available).unwrap_or(0);
    let max = Signal::derive(move || available().min(max_per_line));

    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    // Once the shopper picks, keep the address bar on the chosen variant, so it can be shared
    // or reloaded (the page's own URL stays as it was until then).
    let picked = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let (true, Some(v)) = (picked.get(), variant()) {
            let url = format!("?variant={}", crate::model::encode_component(&v.sku));
            if let Ok(history) = window().history() {
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
    });

    let option_count = options.len();
    let fieldsets = options
        .into_iter()
        .enumerate()
        .map(|(oi, option)| {
            let name = option.name.clone();
            let values = option
                .values
                .into_iter()
                .map(|value| {
                    let checked = initial.get(oi) == Some(&value);
                    let v_for_change = value.clone();
                    let v_for_class = value.clone();
                    // Sold out: no variant with this value (and the other current choices) in stock.
                    let sold_out = move || {
                        let chosen = chosen.get();
                        !variants.with_value(|all| {
                            all.iter().any(|v| {
                                v.values.get(oi) == Some(&v_for_class)
                                    && v.available > 0
                                    && v.values
                                        .iter()
                                        .enumerate()
                                        .all(|(j, x)| j == oi || chosen.get(j) == Some(x))
                            })
                        })
                    };
                    view! {
                        <label class="choice" class:sold-out=sold_out>
                            <input
                                type="radio"
                                name=name.clone()
                                value=value.clone()
                                checked=checked
                                on:change=move |_| {
                                    picked.set(true);
                                    chosen.update(|c| {
                                        if let Some(slot) = c.get_mut(oi) {
                                            *slot = v_for_change.clone();
                                        }
                                    })
                                }
                            />
                            <span>{value}</span>
                        </label>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="option">
                    <legend>{option.name}</legend>
                    {values}
                </fieldset>
            }
        })
        .collect_view();

    let quantity = RwSignal::new(1u32);
    // A new variant may have less stock: keep the quantity within it.
    Effect::new(move |_| {
        let m = max.get().max(1);
        if quantity.get_untracked() > m {
            quantity.set(m);
        }
    });
    let set_clamped = move |value: u32| quantity.set(value.clamp(1, max.get_untracked().max(1)));

    // A picked variant with its own picture brings it into the gallery's view.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let (true, Some(index)) = (picked.get(), variant().and_then(|v| v.image)) {
            show_slide(index);
        }
    });
    view! {
        <div class="variant-picker" data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
            {(option_count > 0)
                .then(|| {
                    view! {
                        <form class="options" method="get">
                            {fieldsets}
                            <button type="submit" class="choose">
                                "Show this option"
                            </button>
                        </form>
                    }
                })}
            <p class="price">
                <span class="amount">{move || variant().map(|v| v.price).unwrap_or_default()}</span>
                {move || {
                    variant()
                        .and_then(|v| v.compare_at)
                        .map(|c| {
                            view! {
                                " "
                                <s class="compare-at">{c}</s>
                            }
                        })
                }}
                {move || {
                    variant()
                        .and_then(|v| v.saving)
                        .map(|saving| view! { " " <span class="badge sale">"Save " {saving}</span> })
                }}
            </p>
            <p class="stock" class:sold-out=move || available() == 0>
                {move || match variant() {
                    Some(v) => StockStatus::from_quantity(v.available.into()).label(),
                    None => "Unavailable",
                }}
            </p>
            <p class="sku">"SKU " {move || variant().map(|v| v.sku).unwrap_or_default()}</p>
            <form method="post" action=crate::api::cart::AddToCart::PATH class="add-to-cart">
            <input type="hidden" name="sku" prop:value=move || variant().map(|v| v.sku).unwrap_or_default() value=initial_sku />
            <div class="quantity" class:hidden=move || available() == 0>
                <label for="quantity">"Quantity"</label>
                <div class="quantity-controls">
                    <button
                        type="button"
                        class="step"
                        aria-label="Decrease quantity"
                        disabled=move || { quantity.get() <= 1 }
                        on:click=move |_| set_clamped(quantity.get().saturating_sub(1))
                    >
                        "−"
                    </button>
                    <input
                        id="quantity"
                        name="quantity"
                        type="number"
                        inputmode="numeric"
                        min="1"
                        value="1"
                        max=move || max.get().max(1)
                        prop:value=move || quantity.get().to_string()
                        on:change=move |ev| {
                            let typed = event_target_value(&ev).trim().parse::<u32>().unwrap_or(1);
                            set_clamped(typed);
                        }
                    />
                    <button
                        type="button"
                        class="step"
                        aria-label="Increase quantity"
                        disabled=move || { quantity.get() >= max.get() }
                        on:click=move |_| set_clamped(quantity.get().saturating_add(1))
                    >
                        "+"
                    </button>
                </div>
            </div>
            <button type="submit" class="primary add-button" disabled=move || available() == 0>
                {move || if available() == 0 { "Sold out" } else { "Add to cart" }}
            </button>
            </form>
        </div>
    }
}

/// Scrolls the product page's gallery (`.slides`, one slide per picture, each as wide as the
/// gallery) to slide `index`.
#[cfg(feature = "hydrate")]
fn show_slide(index: usize) {
    let Ok(Some(slides)) = document().query_selector(".gallery .slides") else {
        return;
    };
    let width = slides.client_width();
    slides.set_scroll_left(width.saturating_mul(index as i32));
}
