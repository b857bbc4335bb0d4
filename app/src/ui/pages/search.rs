//! `/search?q=`: results with highlighting, facets, sort and pages, all in the URL; a plain
//! GET form, so it works without JavaScript. Result pages are `noindex`.

use super::skeleton::loaded;
use crate::api::search::search_products;
use crate::model::{SearchQuery, SearchResults, StoreInfo};
use crate::ui::components::listing::{facet_label, Filters, ListingUrl, Pagination};
use crate::ui::components::product_card::{ProductCard, ProductGrid};
use crate::ui::components::seo::PageMeta;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

#[component]
pub fn SearchPage() -> impl IntoView {
    let store = use_context::<StoreInfo>().unwrap_or_default();
    let query = use_query_map().with_untracked(|q| {
        let pairs: Vec<(String, String)> = q
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_owned()))
            .collect();
        SearchQuery::from_params(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            store.currency,
        )
    });
    loaded(
        search_products(query),
        move |results| view! { <Results results store /> },
    )
}

#[component]
fn Results(results: SearchResults, store: StoreInfo) -> impl IntoView {
    server_timing(results.took_ms);
    let query = results.query.clone();
    let text = query.text.clone();
    let title = if text.is_empty() {
        "Search".to_owned()
    } else {
        format!("Search: {text}")
    };
    let url = ListingUrl {
        path: "/search".to_owned(),
        keep: query.search_params(),
        default_sort: crate::model::Sort::Relevance,
        sorts: &crate::model::Sort::SEARCH,
    };
    let summary = match (results.total, results.capped, text.is_empty()) {
        (_, _, true) => String::new(),
        (0, _, false) => format!("No products match “{text}”."),
        (n, true, false) => format!("{n}+ products for “{text}”"),
        (1, false, false) => format!("1 product for “{text}”"),
        (n, false, false) => format!("{n} products for “{text}”"),
    };
    // Past MAX_HITS matches, counts cover the best matches only: show the choices, not them.
    let counts = !results.capped;
    let corrected = results.corrected.clone().map(|fixed| {
        view! {
            <p class="corrected">
                "Showing results for " <strong>{fixed}</strong> ". "
            </p>
        }
    });
    let categories = (!results.categories.is_empty()).then(|| {
        let links = results
            .categories
            .iter()
            .map(|c| {
                let selected = query.category.as_deref() == Some(c.category.slug.as_str());
                let href = format!(
                    "/search{}",
                    query.with_category(Some(&c.category.slug)).query_string()
                );
                view! {
                    <li>
                        <a href=href class:selected=selected rel="nofollow">
                            {facet_label(&c.category.name, c.count, counts)}
                        </a>
                    </li>
                }
            })
            .collect_view();
        let any = query.category.is_some().then(|| {
            let href = format!("/search{}", query.with_category(None).query_string());
            view! {
                <li>
                    <a class="facet-clear" href=href>
                        "All categories"
                    </a>
                </li>
            }
        });
        view! {
            <section class="facet">
                <h2>"Category"</h2>
                <ul>{any}{links}</ul>
            </section>
        }
    });
    let pages = results.page_count();
    let hits = results
        .hits
        .into_iter()
        .map(|hit| {
            view! {
                <ProductCard
                    product=hit.product
                    highlighted_name=hit.name
                    snippet=hit.snippet
                />
            }
        })
        .collect_view();
    let empty = results.total == 0;
    let popular = (empty && !results.popular.is_empty()).then(|| {
        view! {
            <section class="popular">
                <h2>"Popular right now"</h2>
                <ProductGrid products=results.popular.clone() />
            </section>
        }
    });
    view! {
        <Title text=title.clone() />
        <PageMeta
            canonical=format!("{}/search", store.base_url)
            title
            description=format!("Search {}.", store.name)
        />
        <Meta name="robots" content="noindex, follow" />
        <header class="collection-header">
            <h1 class="page-title">"Search"</h1>
            <form class="search-form" method="get" action="/search" role="search">
                <label for="search-page-q" class="visually-hidden">"Search products"</label>
                <input id="search-page-q" type="search" name="q" value=text.clone() maxlength="200" />
                <button type="submit">"Search"</button>
            </form>
            <p class="count" aria-live="polite">{summary}</p>
            {corrected}
        </header>
        {if empty {
            view! {
                <div class="search-empty">
                    {(!text.is_empty())
                        .then(|| {
                            view! {
                                <p>"Check the spelling, try fewer words, or browse a category."</p>
                            }
                        })}
                    {popular}
                </div>
            }
                .into_any()
        } else {
            view! {
                <div class="collection">
                    <div class="search-facets">
                        {categories}
                        <Filters url=url.clone() query=query.listing.clone() facets=results.facets counts />
                    </div>
                    <div class="collection-products">
                        <h2 class="visually-hidden">"Products"</h2>
                        <ul class="product-grid">{hits}</ul>
                        <Pagination url query=query.listing.clone() pages />
                    </div>
                </div>
            }
                .into_any()
        }}
    }
}

/// How long the search took, for an operator's browser tools (`Server-Timing`), not the page.
fn server_timing(took_ms: u32) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(value) = http::HeaderValue::from_str(&format!("search;dur={took_ms}")) {
            response.insert_header(http::HeaderName::from_static("server-timing"), value);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = took_ms;
}
