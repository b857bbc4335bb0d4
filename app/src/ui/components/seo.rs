//! Tags for search engines and link previews.

use crate::model::CategoryLink;
use leptos::prelude::*;
use leptos_meta::{Link, Meta};

/// Canonical URL, description, OpenGraph and Twitter card tags for a page.
#[component]
pub fn PageMeta(
    /// The page's absolute canonical URL.
    canonical: String,
    title: String,
    description: String,
    /// `website` or `product`.
    #[prop(default = "website")]
    kind: &'static str,
    /// An absolute URL of a picture for link previews.
    #[prop(default = None)]
    image: Option<String>,
) -> impl IntoView {
    let card = if image.is_some() {
        "summary_large_image"
    } else {
        "summary"
    };
    view! {
        <Link rel="canonical" href=canonical.clone() />
        <Meta name="description" content=description.clone() />
        <Meta property="og:type" content=kind />
        <Meta property="og:title" content=title.clone() />
        <Meta property="og:description" content=description.clone() />
        <Meta property="og:url" content=canonical />
        {image.map(|url| view! { <Meta property="og:image" content=url /> })}
        <Meta name="twitter:card" content=card />
        <Meta name="twitter:title" content=title />
        <Meta name="twitter:description" content=description />
    }
}

/// `value` as JSON safe to put inside a `<script>` element: no `<`, `>` or `&` survive, so no
/// value can close the element or open a comment.
pub fn script_json(value: &impl serde::Serialize) -> String {
    leptos::serde_json::to_string(value)
        .unwrap_or_else(|_| "null".to_owned())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Structured data in a `<script type="application/ld+json">`, escaped by [`script_json`].
#[component]
pub fn JsonLd(value: leptos::serde_json::Value) -> impl IntoView {
    let json = script_json(&value);
    view! { <script type="application/ld+json" inner_html=json></script> }
}

/// Breadcrumb navigation (Home first) and its `BreadcrumbList` structured data.
#[component]
pub fn Breadcrumbs(
    base_url: String,
    trail: Vec<CategoryLink>,
    /// The current page's name (not a link), if it is not the last category.
    #[prop(optional, into)]
    current: Option<String>,
) -> impl IntoView {
    let mut items = vec![leptos::serde_json::json!({
        "@type": "ListItem", "position": 1, "name": "Home", "item": format!("{base_url}/"),
    })];
    for (i, c) in trail.iter().enumerate() {
        items.push(leptos::serde_json::json!({
            "@type": "ListItem", "position": i + 2, "name": c.name,
            "item": format!("{base_url}/collections/{}", c.slug),
        }));
    }
    let data = leptos::serde_json::json!({
        "@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items,
    });
    let last = trail.len().saturating_sub(1);
    let has_current = current.is_some();
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <ol>
                <li>
                    <a href="/">"Home"</a>
                </li>
                {trail
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let href = format!("/collections/{}", c.slug);
                        if i == last && !has_current {
                            view! { <li aria-current="page">{c.name}</li> }.into_any()
                        } else {
                            view! {
                                <li>
                                    <a href=href>{c.name}</a>
                                </li>
                            }
                                .into_any()
                        }
                    })
                    .collect_view()}
                {current.map(|name| view! { <li aria-current="page">{name}</li> })}
            </ol>
        </nav>
        <JsonLd value=data />
    }
}
