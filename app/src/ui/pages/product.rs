use super::ErrorPage;
use crate::api::catalog::get_product;
use crate::model::{ProductDetail, StockStatus};
use crate::ui::components::quantity::QuantityStepper;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

/// The most a shopper can pick in one go from the product page.
const MAX_PER_LINE: u32 = 10;

#[component]
pub fn ProductPage() -> impl IntoView {
    let slug = use_params_map()
        .read_untracked()
        .get("slug")
        .unwrap_or_default();
    view! {
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match get_product(slug).await {
                    Ok(product) => view! { <ProductView product /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProductView(product: ProductDetail) -> impl IntoView {
    let summary: String = product.description.chars().take(155).collect();
    let sold_out = product.stock == StockStatus::SoldOut;
    view! {
        <Title text=product.name.clone() />
        <Meta name="description" content=summary />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <ol>
                <li>
                    <a href="/">"Home"</a>
                </li>
                <li aria-current="page">{product.name.clone()}</li>
            </ol>
        </nav>
        <article class="product">
            <h1>{product.name}</h1>
            <p class="price">{product.price.to_string()}</p>
            <p class="stock" class:sold-out=sold_out>{product.stock.label()}</p>
            <div class="description">
                <p>{product.description}</p>
            </div>
            {(!sold_out)
                .then(|| view! { <QuantityStepper max=product.available.min(MAX_PER_LINE) /> })}
        </article>
    }
}
