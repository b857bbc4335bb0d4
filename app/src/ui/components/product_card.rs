use super::picture::{Picture, PictureData};
use crate::model::{Highlighted, ProductSummary, StockStatus};
use leptos::prelude::*;

/// Text with the stretches that matched a search wrapped in `<mark>`.
pub fn marked(stretches: Vec<Highlighted>) -> impl IntoView {
    stretches
        .into_iter()
        .map(|h| {
            if h.hit {
                view! { <mark>{h.text}</mark> }.into_any()
            } else {
                h.text.into_any()
            }
        })
        .collect_view()
}

/// A product in a grid. Search results pass the name with its matches marked and a snippet.
#[component]
pub fn ProductCard(
    product: ProductSummary,
    #[prop(optional)] highlighted_name: Option<Vec<Highlighted>>,
    #[prop(optional)] snippet: Option<Vec<Highlighted>>,
) -> impl IntoView {
    let href = product.href();
    let sold_out = product.stock == StockStatus::SoldOut;
    let price = product.display_price();
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
                <h3 class="product-name">
                    {match highlighted_name {
                        Some(name) => marked(name).into_any(),
                        None => product.name.into_any(),
                    }}
                </h3>
                <p class="brand">{product.brand}</p>
                <p class="price">
                    {price}
                    {product.on_sale.then(|| view! { " " <span class="badge sale">"Sale"</span> })}
                </p>
                <p class="stock" class:sold-out=sold_out>{product.stock.label()}</p>
                {snippet
                    .filter(|s| !s.is_empty())
                    .map(|s| view! { <p class="snippet">{marked(s)}</p> })}
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
