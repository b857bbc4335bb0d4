use super::picture::{Picture, PictureData};
use crate::model::{ProductSummary, StockStatus};
use leptos::prelude::*;

#[component]
pub fn ProductCard(product: ProductSummary) -> impl IntoView {
    let href = format!("/products/{}", product.slug);
    let sold_out = product.stock == StockStatus::SoldOut;
    let price = if product.price_varies {
        format!("From {}", product.price)
    } else {
        product.price.to_string()
    };
    view! {
        <li class="product-card">
            <a href=href>
                {product
                    .image
                    .as_ref()
                    .map(|image| {
                        view! {
                            <Picture
                                data=PictureData::new(image, 320)
                                sizes="(min-width: 48rem) 25vw, 50vw"
                            />
                        }
                    })}
                <h3 class="product-name">{product.name}</h3>
                <p class="brand">{product.brand}</p>
                <p class="price">{price}</p>
                <p class="stock" class:sold-out=sold_out>{product.stock.label()}</p>
            </a>
        </li>
    }
}

/// A grid of product cards.
#[component]
pub fn ProductGrid(products: Vec<ProductSummary>) -> impl IntoView {
    view! {
        <ul class="product-grid">
            {products.into_iter().map(|product| view! { <ProductCard product /> }).collect_view()}
        </ul>
    }
}
