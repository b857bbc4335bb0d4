use super::skeleton::loaded;
use crate::api::catalog::get_collection;
use crate::model::{CollectionPage as Page, ListingQuery, StoreInfo};
use crate::ui::components::listing::{Filters, ListingUrl, Pagination};
use crate::ui::components::picture::{Picture, PictureData};
use crate::ui::components::product_card::ProductGrid;
use crate::ui::components::rich_text::RichText;
use crate::ui::components::seo::{Breadcrumbs, PageMeta};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

/// `/collections/{slug}`: a category's products with filters, sort and pages in the URL.
#[component]
pub fn CollectionPage() -> impl IntoView {
    let store = use_context::<StoreInfo>().unwrap_or_default();
    let slug = use_params_map()
        .read_untracked()
        .get("slug")
        .unwrap_or_default();
    let query = use_query_map().with_untracked(|q| {
        ListingQuery::from_params(q.into_iter().map(|(k, v)| (k.as_ref(), v)), store.currency)
    });
    loaded(
        get_collection(slug, query),
        move |page| view! { <Collection page store /> },
    )
}

#[component]
fn Collection(page: Page, store: StoreInfo) -> impl IntoView {
    let category = page.category;
    let listing = page.listing;
    let path = format!("/collections/{}", category.slug);
    // Filtered and sorted variants of a page point search engines at the plain listing page.
    let canonical_query = ListingQuery::default()
        .with_page(listing.query.page)
        .query_string();
    let canonical = format!("{}{path}{canonical_query}", store.base_url);
    let noindex = listing.query.has_filters() || listing.query.sort != Default::default();
    let description = if category.description.is_empty() {
        format!("Shop {} at {}.", category.name, store.name)
    } else {
        category.description.clone()
    };
    let mut trail = category.ancestors.clone();
    trail.push(crate::model::CategoryLink {
        slug: category.slug.clone(),
        name: category.name.clone(),
    });
    let title = if listing.query.page > 1 {
        format!("{} (page {})", category.name, listing.query.page)
    } else {
        category.name.clone()
    };
    let count = match (listing.total, listing.capped) {
        (n, true) => format!("{n}+ products"),
        (1, false) => "1 product".to_owned(),
        (n, false) => format!("{n} products"),
    };
    let empty = listing.products.is_empty();
    let url = ListingUrl::collection(path.clone());
    view! {
        <Title text=title.clone() />
        <PageMeta canonical title description />
        {noindex.then(|| view! { <Meta name="robots" content="noindex, follow" /> })}
        <Breadcrumbs base_url=store.base_url.clone() trail />
        <header class="collection-header">
            {category.image.as_ref().map(|image| view! {
                <div class="collection-banner">
                    <Picture data=PictureData::new(image, 1024) sizes="(max-width: 72rem) 100vw, 72rem" eager=true />
                </div>
            })}
            <h1 class="page-title">{category.name.clone()}</h1>
            {(!category.description.is_empty()).then(|| view! {
                <div class="collection-description"><RichText source=category.description.clone() /></div>
            })}
            <p class="count">{count}</p>
            {(!category.children.is_empty())
                .then(|| {
                    view! {
                        <ul class="subcategories">
                            {category
                                .children
                                .iter()
                                .map(|c| {
                                    view! {
                                        <li>
                                            <a href=format!("/collections/{}", c.slug)>{c.name.clone()}</a>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
        </header>
        <div class="collection">
            <Filters url=url.clone() query=listing.query.clone() facets=listing.facets.clone() counts=listing.facet_counts />
            <div class="collection-products">
                <h2 class="visually-hidden">"Products"</h2>
                {if empty {
                    view! {
                        <p class="empty">
                            "No products match these filters. "
                            <a href=path.clone()>"Clear all filters"</a>
                        </p>
                    }
                        .into_any()
                } else {
                    view! { <ProductGrid products=listing.products.clone() /> }.into_any()
                }}
                <Pagination url query=listing.query.clone() pages=listing.page_count() />
            </div>
        </div>
    }
}
