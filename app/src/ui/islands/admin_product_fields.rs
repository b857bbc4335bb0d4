//! The product editor's text fields as a lazy island: the slug follows the name until staff
//! type their own, every field is checked as it is typed by the rules the server applies
//! ([`product_field_error`]), the description is previewed in the storefront's own format, and
//! the search-result snippet shows the SEO title and description as a search engine would.
//!
//! `#[island(lazy)]`: its code is a separate WASM chunk that only admin pages load, so none of
//! it reaches a shopper. Without JavaScript the same inputs are a plain form.

use crate::model::catalog_admin::{product_field_error, slugify};
use crate::ui::components::rich_text::RichText;
use leptos::prelude::*;

/// One field's error under it, as typed.
#[component]
fn FieldError(field: &'static str, value: RwSignal<String>) -> impl IntoView {
    move || {
        value
            .with(|v| product_field_error(field, v))
            .map(|message| {
                view! { <p class="field-error" role="alert">{message}</p> }
            })
    }
}

/// A character count against a limit.
#[component]
fn Count(value: RwSignal<String>, limit: usize) -> impl IntoView {
    view! {
        <span class="field-count">{move || value.with(|v| v.chars().count())} " / " {limit}</span>
    }
}

/// The value the field named `name` holds in the page now: in the browser, what staff typed
/// before this island woke up. `None` on the server or without such a field.
fn typed(name: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let field = document()
            .query_selector(&format!("[name=\"{name}\"]"))
            .ok()??;
        if let Some(input) = field.dyn_ref::<leptos::web_sys::HtmlInputElement>() {
            return Some(input.value());
        }
        if let Some(area) = field.dyn_ref::<leptos::web_sys::HtmlTextAreaElement>() {
            return Some(area.value());
        }
    }
    let _ = name;
    None
}

#[island(lazy)]
pub fn ProductFields(
    name: String,
    slug: String,
    description: String,
    seo_title: String,
    seo_description: String,
    /// The storefront's address, for the search-result preview.
    base_url: String,
    /// A new product: the slug follows the name until edited.
    new: bool,
) -> impl IntoView {
    // Hydration must meet the markup exactly as the server rendered it (a field error or a
    // count that differs would not match), so the signals start from the rendered values.
    let slug_edited = RwSignal::new(!new || (!slug.is_empty() && slug != slugify(&name)));
    let name = RwSignal::new(name);
    let slug = RwSignal::new(slug);
    let description = RwSignal::new(description);
    let seo_title = RwSignal::new(seo_title);
    let seo_description = RwSignal::new(seo_description);
    // Once hydrated, adopt whatever was typed into the plain inputs before then (the chunk
    // loads lazily, and people type fast): a new product's slug then follows that name.
    Effect::new(move |_| {
        let adopt = |field: &str, signal: RwSignal<String>| {
            if let Some(value) = typed(field) {
                if signal.with_untracked(|now| *now != value) {
                    signal.set(value);
                }
            }
        };
        adopt("product[name]", name);
        adopt("product[slug]", slug);
        adopt("product[description]", description);
        adopt("product[seo_title]", seo_title);
        adopt("product[seo_description]", seo_description);
        let (name_now, slug_now) = (name.get_untracked(), slug.get_untracked());
        if new && !slug_now.is_empty() && slug_now != slugify(&name_now) {
            slug_edited.set(true);
        }
        if !slug_edited.get_untracked() {
            slug.set(slugify(&name_now));
        }
    });
    let shown_title = move || {
        let t = seo_title.get();
        if t.trim().is_empty() {
            name.get()
        } else {
            t
        }
    };
    let shown_description = move || {
        let d = seo_description.get();
        if d.trim().is_empty() {
            description.with(|d| d.chars().take(160).collect())
        } else {
            d
        }
    };
    view! {
        <div class="product-fields">
            <label>"Name"
                <input type="text" name="product[name]" required maxlength="200" value=name.get_untracked() prop:value=name
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        if !slug_edited.get_untracked() {
                            slug.set(slugify(&v));
                        }
                        name.set(v);
                    } />
            </label>
            <FieldError field="name" value=name />
            <label>"Address (slug)"
                <input type="text" name="product[slug]" maxlength="120" value=slug.get_untracked() prop:value=slug
                    on:input=move |ev| {
                        slug_edited.set(true);
                        slug.set(event_target_value(&ev));
                    } />
            </label>
            <p class="field-help">"Lowercase letters, digits and hyphens. Changing it keeps the old address working (a permanent redirect)."</p>
            <FieldError field="slug" value=slug />
            <label>"Description"
                <textarea name="product[description]" rows="8" maxlength="20000" prop:value=description
                    on:input=move |ev| description.set(event_target_value(&ev))>{description.get_untracked()}</textarea>
            </label>
            <p class="field-help">"Blank lines start paragraphs, lines starting with \"- \" make a list, **text** is bold."</p>
            <FieldError field="description" value=description />
            <details class="description-preview">
                <summary>"Preview"</summary>
                {move || view! { <RichText source=description.get() /> }}
            </details>
            <label>"SEO title " <Count value=seo_title limit=200 />
                <input type="text" name="product[seo_title]" maxlength="200" value=seo_title.get_untracked() prop:value=seo_title
                    on:input=move |ev| seo_title.set(event_target_value(&ev)) />
            </label>
            <FieldError field="seo_title" value=seo_title />
            <label>"SEO description " <Count value=seo_description limit=500 />
                <textarea name="product[seo_description]" rows="3" maxlength="500" prop:value=seo_description
                    on:input=move |ev| seo_description.set(event_target_value(&ev))>{seo_description.get_untracked()}</textarea>
            </label>
            <FieldError field="seo_description" value=seo_description />
            <div class="serp-preview" aria-label="How a search engine may show this product">
                <p class="serp-url">{move || format!("{base_url}/products/{}", slug.get())}</p>
                <p class="serp-title">{shown_title}</p>
                <p class="serp-description">{shown_description}</p>
            </div>
        </div>
    }
}
