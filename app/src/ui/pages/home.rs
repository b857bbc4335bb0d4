use super::skeleton::loaded;
use crate::api::catalog::get_home;
use crate::model::{HomeContent, StoreInfo};
use crate::ui::components::product_card::ProductGrid;
use crate::ui::components::seo::PageMeta;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let store = use_context::<StoreInfo>().unwrap_or_default();
    loaded(get_home(), move |content| view! { <Home content store /> })
}

#[component]
fn Home(content: HomeContent, store: StoreInfo) -> impl IntoView {
    let description = format!(
        "Shop {} online: new arrivals, featured products and more.",
        store.name
    );
    let empty = content.new_arrivals.is_empty();
    view! {
        <Title text="" />
        <PageMeta canonical=format!("{}/", store.base_url) title=store.name.clone() description />
        <section class="hero">
            <h1>{store.name.clone()}</h1>
            <p>"Hand-picked goods, honest prices, delivered to your door."</p>
            <a class="button primary" href="/search">"Shop all products"</a>
        </section>
        {(!content.categories.is_empty())
            .then(|| {
                view! {
                    <nav class="category-nav" aria-label="Categories">
                        <ul>
                            {content
                                .categories
                                .into_iter()
                                .map(|c| {
                                    view! {
                                        <li>
                                            <a href=format!("/collections/{}", c.slug)>{c.name}</a>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </nav>
                }
            })}
        {(!content.featured.is_empty())
            .then(|| {
                view! {
                    <section class="shelf">
                        <h2>"Featured"</h2>
                        <ProductGrid products=content.featured />
                    </section>
                }
            })}
        {if empty {
            view! {
                <section class="message-page">
                    <h2>"Nothing for sale yet"</h2>
                    <p>"Check back soon."</p>
                </section>
            }
                .into_any()
        } else {
            view! {
                <section class="shelf">
                    <h2>"New arrivals"</h2>
                    <ProductGrid products=content.new_arrivals />
                </section>
            }
                .into_any()
        }}
    }
}
