use super::ErrorPage;
use crate::api::catalog::get_product;
use crate::model::rich_text;
use crate::model::{ProductDetail, StoreInfo};
use crate::ui::components::product_card::ProductGrid;
use crate::ui::components::rich_text::RichText;
use crate::ui::components::seo::{Breadcrumbs, JsonLd, PageMeta};
use crate::ui::components::variant_picker::{PickerData, PickerDataScript, VariantPicker};
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
    view! {
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match get_product(slug).await {
                    Ok(product) => view! { <ProductView product params=params.clone() store=store.clone() /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
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
    provide_context(picker.clone());
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
        <article class="product">
            <h1>{product.name.clone()}</h1>
            {(!product.brand.is_empty()).then(|| view! { <p class="brand">{product.brand.clone()}</p> })}
            <super::account::FormError />
            <PickerDataScript data=picker />
            <VariantPicker />
            <div class="description">
                <RichText source=product.description.clone() />
            </div>
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
