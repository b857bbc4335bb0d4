//! The picker in the browser: listeners on the island's root that read the shopper's
//! choices from the form and update [`BuyBox`](super::BuyBox)'s elements in place, with the
//! same rules ([`Shown`], [`sold_out`]) the server rendered them with.

use super::super::js::on;
use super::{from_page, sold_out, variant_for, PickerData, Shown};
use leptos::prelude::*;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlInputElement};

struct Picker {
    data: PickerData,
    /// Set by the shopper's first choice: from then on the address bar follows the variant.
    picked: Cell<bool>,
}

/// Listens to the picker's markup: changes (options, typed quantity) and clicks (steps).
pub(super) fn listen() {
    let Ok(Some(root)) = document().query_selector(".variant-picker") else {
        return;
    };
    let picker = Rc::new(Picker {
        data: from_page::read().unwrap_or_default(),
        picked: Cell::new(false),
    });
    let on_change = picker.clone();
    on(&root, "change", move |ev| on_change.changed(&ev));
    on(&root, "click", move |ev| picker.clicked(&ev));
    // Live: for styles and tests.
    let _ = root.set_attribute("data-hydrated", "true");
}

impl Picker {
    /// A radio button (an option) or the quantity field changed.
    fn changed(&self, ev: &web_sys::Event) {
        let (Some(root), Some(target)) = (element(ev.current_target()), element(ev.target()))
        else {
            return;
        };
        if target.id() == "quantity" {
            set_quantity(&root, quantity(&root));
        } else if target.closest(".options").ok().flatten().is_some() {
            self.picked.set(true);
            self.show(&root);
        }
    }

    /// A quantity step button (`data-step`: -1 or 1).
    fn clicked(&self, ev: &web_sys::Event) {
        let (Some(root), Some(target)) = (element(ev.current_target()), element(ev.target()))
        else {
            return;
        };
        let Some(step) = target
            .closest("button.step")
            .ok()
            .flatten()
            .and_then(|b| b.get_attribute("data-step"))
        else {
            return;
        };
        let now = quantity(&root);
        set_quantity(
            &root,
            if step.starts_with('-') {
                now.saturating_sub(1)
            } else {
                now.saturating_add(1)
            },
        );
    }

    /// Shows the variant the radio buttons now choose.
    fn show(&self, root: &Element) {
        // One fieldset per option, in order, each with its radio buttons.
        let fieldsets = all(root, "fieldset.option");
        let chosen: Vec<String> = fieldsets
            .iter()
            .map(|f| {
                input(f, "input:checked")
                    .map(|i| i.value())
                    .unwrap_or_default()
            })
            .collect();
        let variants = &self.data.variants;
        let variant = variant_for(variants, &chosen);
        let shown = Shown::of(variant, self.data.max_per_line);

        set_text(root, ".amount", &shown.price);
        set_optional(
            root,
            ".compare-at",
            ".compare-at",
            shown.compare_at.as_deref(),
        );
        set_optional(
            root,
            ".badge.sale",
            ".badge.sale span",
            shown.saving.as_deref(),
        );
        set_text(root, ".stock", shown.stock);
        set_class(root, ".stock", "sold-out", shown.available == 0);
        set_text(root, ".sku span", &shown.sku);
        if let Some(sku) = input(root, "input[name=sku]") {
            sku.set_value(&shown.sku);
        }
        set_class(root, ".quantity", "hidden", shown.available == 0);
        if let Some(q) = input(root, "#quantity") {
            q.set_max(&shown.max.to_string());
        }
        set_quantity(root, quantity(root));
        if let Some(add) = button(root, ".add-button") {
            add.set_disabled(shown.available == 0);
            add.set_text_content(Some(shown.button));
        }
        for (oi, fieldset) in fieldsets.iter().enumerate() {
            for label in all(fieldset, "label.choice") {
                let value = input(&label, "input")
                    .map(|i| i.value())
                    .unwrap_or_default();
                let out = sold_out(variants, &chosen, oi, &value);
                let _ = label.class_list().toggle_with_force("sold-out", out);
            }
        }
        if let (true, Some(v)) = (self.picked.get(), variant) {
            let url = format!("?variant={}", crate::model::encode_component(&v.sku));
            if let Ok(history) = window().history() {
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
            if let Some(index) = v.image {
                show_slide(index);
            }
        }
    }
}

fn element(target: Option<web_sys::EventTarget>) -> Option<Element> {
    target.and_then(|t| t.dyn_into::<Element>().ok())
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into().ok())
        .collect()
}

/// The first element under `root` matching `selector`, as the element type `T`.
fn find<T: JsCast>(root: &Element, selector: &str) -> Option<T> {
    root.query_selector(selector)
        .ok()
        .flatten()?
        .dyn_into()
        .ok()
}

fn input(root: &Element, selector: &str) -> Option<HtmlInputElement> {
    find(root, selector)
}

fn button(root: &Element, selector: &str) -> Option<HtmlButtonElement> {
    find(root, selector)
}

fn set_text(root: &Element, selector: &str, text: &str) {
    if let Some(el) = find::<Element>(root, selector) {
        el.set_text_content(Some(text));
    }
}

fn set_class(root: &Element, selector: &str, class: &str, on: bool) {
    if let Some(el) = find::<Element>(root, selector) {
        let _ = el.class_list().toggle_with_force(class, on);
    }
}

/// Shows `holder` with `text` in its `slot`, or hides it when there is no text.
fn set_optional(root: &Element, holder: &str, slot: &str, text: Option<&str>) {
    set_text(root, slot, text.unwrap_or_default());
    if let Some(el) = find::<Element>(root, holder) {
        let _ = if text.is_some() {
            el.remove_attribute("hidden")
        } else {
            el.set_attribute("hidden", "")
        };
    }
}

fn quantity(root: &Element) -> u32 {
    input(root, "#quantity")
        .and_then(|i| i.value().trim().parse().ok())
        .unwrap_or(1)
}

/// Sets the quantity within 1 and the field's `max`, and the step buttons' states.
fn set_quantity(root: &Element, wanted: u32) {
    let Some(field) = input(root, "#quantity") else {
        return;
    };
    let max = field.max().parse::<u32>().unwrap_or(1).max(1);
    let value = wanted.clamp(1, max);
    field.set_value(&value.to_string());
    if let Some(less) = button(root, "button.step[data-step='-1']") {
        less.set_disabled(value <= 1);
    }
    if let Some(more) = button(root, "button.step[data-step='1']") {
        more.set_disabled(value >= max);
    }
}

/// Scrolls the product page's gallery (`.slides`, one slide per picture, each as wide as the
/// gallery) to slide `index`.
fn show_slide(index: usize) {
    let Ok(Some(slides)) = document().query_selector(".gallery .slides") else {
        return;
    };
    let width = slides.client_width();
    slides.set_scroll_left(width.saturating_mul(index as i32));
}
