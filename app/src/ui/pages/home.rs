use super::ErrorPage;
use crate::api::catalog::list_products;
use crate::ui::components::product_card::ProductCard;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <Meta name="description" content="Shop our latest products." />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match list_products().await {
                    Ok(products) if products.is_empty() => {
                        view! {
                            <section class="message-page">
                                <h1>"Nothing for sale yet"</h1>
                                <p>"Check back soon."</p>
                            </section>
                        }
                            .into_any()
                    }
                    Ok(products) => {
                        view! {
                            <h1 class="page-title">"New arrivals"</h1>
                            <ul class="product-grid">
                                {products
                                    .into_iter()
                                    .map(|product| view! { <ProductCard product /> })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
