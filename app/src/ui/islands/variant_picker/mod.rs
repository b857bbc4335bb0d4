//! The product page's island: choose options, see the price and stock of that variant, pick
//! a quantity, add to the cart. Without JavaScript the options are a GET form whose submit
//! reloads the page on the chosen variant; once hydrated, choices update the page at once.
//! Adding to the cart is a plain POST form either way (the hidden SKU follows the choice).
//!
//! The pictures are the page's server-rendered gallery, outside the island: choosing a
//! variant with its own picture scrolls the gallery to it.
//!
//! The markup is [`BuyBox`]'s, rendered on the server for the variant shown first; the island
//! around it takes only those children, so its WASM is a few listeners ([`browser`]) and no
//! view: islands with props decode them with serde_json, and hydrated views cost a reactive
//! effect per dynamic part. The variants are written as JSON into a `<script>` next to the
//! island ([`PickerDataScript`]), which the browser reads back with its own `JSON.parse`.

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

/// The variant on show for `chosen` (one value per option), if the product has it.
pub fn variant_for<'a>(
    variants: &'a [VariantChoice],
    chosen: &[String],
) -> Option<&'a VariantChoice> {
    variants.iter().find(|v| v.values == chosen)
}

/// Whether `value` of option `option` is sold out given the other current choices: no
/// variant with that value (and the others as chosen) has stock.
pub fn sold_out(variants: &[VariantChoice], chosen: &[String], option: usize, value: &str) -> bool {
    !variants.iter().any(|v| {
        v.values.get(option).map(String::as_str) == Some(value)
            && v.available > 0
            && v.values
                .iter()
                .enumerate()
                .all(|(j, x)| j == option || chosen.get(j) == Some(x))
    })
}

/// What the buying box says about a variant (or its absence): the one rule the server's
/// markup and the browser's updates share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    pub sku: String,
    pub price: String,
    pub compare_at: Option<String>,
    pub saving: Option<String>,
    pub available: u32,
    /// The most the quantity may be (at least 1).
    pub max: u32,
    pub stock: &'static str,
    pub button: &'static str,
}

impl Shown {
    pub fn of(variant: Option<&VariantChoice>, max_per_line: u32) -> Self {
        let available = variant.map_or(0, |v| v.available);
        Self {
            sku: variant.map(|v| v.sku.clone()).unwrap_or_default(),
            price: variant.map(|v| v.price.clone()).unwrap_or_default(),
            compare_at: variant.and_then(|v| v.compare_at.clone()),
            saving: variant.and_then(|v| v.saving.clone()),
            available,
            // `available` is counted up to the low-stock threshold only.
            max: if i64::from(available) < StockStatus::LOW_STOCK {
                available.min(max_per_line).max(1)
            } else {
                max_per_line.max(1)
            },
            stock: match variant {
                Some(v) => StockStatus::from_quantity(v.available.into()).label(),
                None => "Unavailable",
            },
            button: if available == 0 {
                "Sold out"
            } else {
                "Add to cart"
            },
        }
    }
}

/// The product page's buying box: the picker's data for the browser, and the island around
/// the markup for the variant shown first. Everything here is rendered on the server; the
/// island only listens and updates these elements in place.
#[component]
pub fn BuyBox(data: PickerData) -> impl IntoView {
    let first = data.variants.get(data.selected).or(data.variants.first());
    let chosen = first.map(|v| v.values.clone()).unwrap_or_default();
    let shown = Shown::of(first, data.max_per_line);
    let fieldsets = data
        .options
        .iter()
        .enumerate()
        .map(|(oi, option)| {
            let values = option
                .values
                .iter()
                .map(|value| {
                    let out = sold_out(&data.variants, &chosen, oi, value);
                    view! {
                        <label class="choice" class:sold-out=out>
                            <input
                                type="radio"
                                name=option.name.clone()
                                value=value.clone()
                                checked=chosen.get(oi) == Some(value)
                            />
                            <span>{value.clone()}</span>
                        </label>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="option">
                    <legend>{option.name.clone()}</legend>
                    {values}
                </fieldset>
            }
        })
        .collect_view();
    let options = (!data.options.is_empty()).then(|| {
        view! {
            <form class="options" method="get">
                {fieldsets}
                <button type="submit" class="choose">"Show this option"</button>
            </form>
        }
    });
    let sold = shown.available == 0;
    view! {
        <PickerDataScript data=data.clone() />
        <VariantPicker>
            <div class="variant-picker" data-hydrated="false">
            {options}
            <p class="price">
                <span class="amount">{shown.price}</span>
                " "
                <s class="compare-at" hidden=shown.compare_at.is_none()>{shown.compare_at.clone()}</s>
                " "
                <span class="badge sale" hidden=shown.saving.is_none()>
                    "Save " <span>{shown.saving.clone()}</span>
                </span>
            </p>
            <p class="stock" class:sold-out=sold>{shown.stock}</p>
            <p class="sku">"SKU " <span>{shown.sku.clone()}</span></p>
            <form method="post" action=crate::api::cart::AddToCart::PATH class="add-to-cart">
                <input type="hidden" name="sku" value=shown.sku />
                <div class="quantity" class:hidden=sold>
                    <label for="quantity">"Quantity"</label>
                    <div class="quantity-controls">
                        <button type="button" class="step" data-step="-1" aria-label="Decrease quantity" disabled=true>
                            "−"
                        </button>
                        <input id="quantity" name="quantity" type="number" inputmode="numeric" min="1" value="1" max=shown.max />
                        <button type="button" class="step" data-step="1" aria-label="Increase quantity" disabled={shown.max <= 1}>
                            "+"
                        </button>
                    </div>
                </div>
                <button type="submit" class="primary add-button" disabled=sold>{shown.button}</button>
            </form>
            </div>
        </VariantPicker>
    }
}

/// The island: it renders nothing of its own and hydrates no view, it only adds listeners
/// to the server's markup ([`browser::listen`]), so the storefront's WASM stays small.
#[island]
pub fn VariantPicker(children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    browser::listen();
    children()
}

#[cfg(feature = "hydrate")]
mod browser;

#[cfg(test)]
mod tests {
    use super::{sold_out, variant_for, Shown, VariantChoice};

    fn variant(sku: &str, values: &[&str], available: u32) -> VariantChoice {
        VariantChoice {
            sku: sku.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
            price: format!("AED {available}.00"),
            available,
            ..Default::default()
        }
    }

    fn chosen(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn a_value_is_sold_out_only_when_no_variant_with_it_and_the_other_choices_has_stock() {
        let all = [
            variant("S-RED", &["S", "Red"], 0),
            variant("S-BLUE", &["S", "Blue"], 3),
            variant("M-RED", &["M", "Red"], 2),
        ];
        // Size S with Red chosen: S-RED has none.
        assert!(sold_out(&all, &chosen(&["M", "Red"]), 0, "S"));
        // Size S with Blue chosen: S-BLUE has some.
        assert!(!sold_out(&all, &chosen(&["M", "Blue"]), 0, "S"));
        // Blue with M chosen: there is no M-BLUE at all.
        assert!(sold_out(&all, &chosen(&["M", "Red"]), 1, "Blue"));
        assert!(!sold_out(&all, &chosen(&["S", "Red"]), 1, "Blue"));
        // A value no variant has.
        assert!(sold_out(&all, &chosen(&["S", "Red"]), 0, "XL"));
    }

    #[test]
    fn what_the_box_shows_follows_the_variant_and_its_stock() {
        let all = [
            variant("A", &["S"], 0),
            variant("B", &["M"], 5),
            variant("C", &["L"], 3),
        ];
        let sold = Shown::of(variant_for(&all, &chosen(&["S"])), 5);
        assert_eq!((sold.sku.as_str(), sold.available, sold.max), ("A", 0, 1));
        assert_eq!((sold.stock, sold.button), ("Sold out", "Sold out"));
        // The most per line caps the quantity below the stock.
        let some = Shown::of(variant_for(&all, &chosen(&["M"])), 5);
        assert_eq!((some.max, some.button), (5, "Add to cart"));
        // Stock is counted up to the low-stock threshold: from it on, the cart's limit
        // applies; below it, the units left.
        assert_eq!(Shown::of(variant_for(&all, &chosen(&["M"])), 99).max, 99);
        let few = Shown::of(variant_for(&all, &chosen(&["L"])), 99);
        assert_eq!((few.max, few.stock), (3, "Only a few left"));
        // A combination the product does not have.
        let none = Shown::of(variant_for(&all, &chosen(&["XL"])), 5);
        assert_eq!(
            (none.stock, none.button, none.sku.as_str()),
            ("Unavailable", "Sold out", "")
        );
    }
}
