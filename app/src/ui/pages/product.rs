use super::skeleton::loaded;
use crate::api::catalog::get_product;
use crate::model::rich_text;
use crate::model::{ProductDetail, ProductImage, StoreInfo};
use crate::ui::components::form::FormError;
use crate::ui::components::picture::{Picture, PictureData};
use crate::ui::components::product_card::ProductGrid;
use crate::ui::components::rich_text::RichText;
use crate::ui::components::seo::{Breadcrumbs, JsonLd, PageMeta};
use crate::ui::islands::variant_picker::{BuyBox, PickerData};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The most a shopper can pick in one go from the product page.
const MAX_PER_LINE: u32 = 10;

/// `/products/{slug}`, with `?variant=SKU` or option values (`?Size=M&Colour=Sand`, what the
/// picker's form sends without JavaScript) choosing the variant shown.
#[component]
pub fn ProductPage() -> impl IntoView {
    let store = use_context::<StoreInfo>().unwrap_or_default();
    let slug = use_params_map()
        .read_untracked()
        .get("slug")
        .unwrap_or_default();
    let params: Vec<(String, String)> = use_query_map().with_untracked(|q| {
        q.into_iter()
            .map(|(k, v)| (k.to_string(), v.to_owned()))
            .collect()
    });
    loaded(get_product(slug), move |product| {
        view! { <ProductView product params store /> }
    })
}

#[component]
fn ProductView(
    product: ProductDetail,
    params: Vec<(String, String)>,
    store: StoreInfo,
) -> impl IntoView {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let chosen: Vec<Option<String>> = product.options.iter().map(|o| param(&o.name)).collect();
    let sku = param("variant");
    let selected_sku = product.select_variant(sku.as_deref(), &chosen).sku.clone();
    let selected = product
        .variants
        .iter()
        .position(|v| v.sku == selected_sku)
        .unwrap_or(0);

    let url = format!("{}/products/{}", store.base_url, product.slug);
    let title = product
        .seo_title
        .clone()
        .unwrap_or_else(|| product.name.clone());
    let description = product.seo_description.clone().unwrap_or_else(|| {
        rich_text::plain(&product.description)
            .chars()
            .take(155)
            .collect()
    });
    let offers: Vec<_> = product
        .variants
        .iter()
        .map(|v| {
            leptos::serde_json::json!({
                "@type": "Offer",
                "sku": v.sku,
                "price": v.price.decimal(),
                "priceCurrency": v.price.currency.code(),
                "availability": v.stock().schema_org(),
                "url": format!("{url}?variant={}", crate::model::encode_component(&v.sku)),
            })
        })
        .collect();
    let mut data = leptos::serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": rich_text::plain(&product.description),
        "url": url,
        "sku": product.variants[selected].sku,
        "offers": offers,
    });
    if !product.brand.is_empty() {
        data["brand"] = leptos::serde_json::json!({ "@type": "Brand", "name": product.brand });
    }
    let picker = PickerData::new(&product, selected, MAX_PER_LINE);
    let image_url = product.images.first().map(|first| {
        format!(
            "{}{}",
            store.base_url,
            first.src(1024, crate::model::ImageFormat::Png)
        )
    });
    if let Some(url) = &image_url {
        data["image"] = leptos::serde_json::json!(url);
    }
    view! {
        <Title text=title.clone() />
        <PageMeta canonical=url title description kind="product" image=image_url.clone() />
        <JsonLd value=data />
        <Breadcrumbs base_url=store.base_url.clone() trail=product.breadcrumbs.clone() current=product.name.clone() />
        <article class="product-page">
            <Gallery images=product.images.clone() />
            <div class="product-info">
                {(!product.brand.is_empty()).then(|| view! { <p class="brand">{product.brand.clone()}</p> })}
                <h1>{product.name.clone()}</h1>
                <FormError />
                <BuyBox data=picker />
                <ul class="assurances">
                    <li><a href="/pages/delivery">"Delivery"</a> ": the options and prices for your address are shown at checkout, before you pay."</li>
                    <li><a href="/pages/returns">"Returns and refunds"</a> ": changed your mind? See how to send it back."</li>
                </ul>
                <section class="description prose">
                    <h2>"Description"</h2>
                    <RichText source=product.description.clone() />
                </section>
                {(!product.attributes.is_empty())
                    .then(|| {
                        view! {
                            <dl class="attributes">
                                {product
                                    .attributes
                                    .iter()
                                    .map(|(k, v)| {
                                        view! {
                                            <dt>{k.clone()}</dt>
                                            <dd>{v.clone()}</dd>
                                        }
                                    })
                                    .collect_view()}
                            </dl>
                        }
                    })}
            </div>
        </article>
        {(!product.related.is_empty())
            .then(|| {
                view! {
                    <section class="related">
                        <h2>"You may also like"</h2>
                        <ProductGrid products=product.related.clone() />
                    </section>
                }
            })}
    }
}

/// Every picture of the product as slides that swipe (CSS scroll snapping, no script), with
/// thumbnails that jump to each. The variant picker scrolls it to a chosen variant's picture.
#[component]
fn Gallery(images: Vec<ProductImage>) -> impl IntoView {
    if images.is_empty() {
        return view! { <div class="gallery empty-gallery"></div> }.into_any();
    }
    let many = images.len() > 1;
    let thumbs = many.then(|| {
        view! {
            <ul class="thumbs">
                {images.iter().enumerate().map(|(i, image)| view! {
                    <li>
                        <a href=format!("#image-{i}") aria-label=format!("Picture {} of {}", i + 1, images.len())>
                            <Picture data=PictureData::new(image, 160) sizes="4rem" />
                        </a>
                    </li>
                }).collect_view()}
            </ul>
        }
    });
    view! {
        <div class="gallery">
            <ul class="slides" aria-label="Pictures">
                {images.iter().enumerate().map(|(i, image)| view! {
                    <li id=format!("image-{i}")>
                        <Picture data=PictureData::new(image, 640) sizes="(min-width: 48rem) 50vw, 100vw" eager=i == 0 />
                    </li>
                }).collect_view()}
            </ul>
            {thumbs}
        </div>
    }
    .into_any()
}
