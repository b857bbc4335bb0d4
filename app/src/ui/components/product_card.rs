use crate::model::{ProductSummary, StockStatus};
use leptos::prelude::*;

#[component]
pub fn ProductCard(product: ProductSummary) -> impl IntoView {
    let href = format!("/products/{}", product.slug);
    let sold_out = product.stock == StockStatus::SoldOut;
    view! {
        <li class="product-card">
            <a href=href>
                <h2 class="product-name">{product.name}</h2>
                <p class="price">{product.price.to_string()}</p>
                <p class="stock" class:sold-out=sold_out>{product.stock.label()}</p>
            </a>
        </li>
    }
}
