//! `/pages/{slug}`: one of the shop's own pages (about, contact, delivery, returns, privacy,
//! terms), linked from every page's footer.

use super::skeleton::loaded;
use crate::api::content::get_store_page;
use crate::model::{StoreInfo, StorePageView};
use crate::ui::components::rich_text::RichText;
use crate::ui::components::seo::PageMeta;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn StorePage() -> impl IntoView {
    let store = use_context::<StoreInfo>().unwrap_or_default();
    let slug = use_params_map()
        .read_untracked()
        .get("slug")
        .unwrap_or_default();
    view! { {loaded(get_store_page(slug), move |page| view! { <Page page store /> })} }
}

#[component]
fn Page(page: StorePageView, store: StoreInfo) -> impl IntoView {
    let description: String = crate::model::rich_text::plain(&page.body)
        .chars()
        .take(155)
        .collect();
    view! {
        <Title text=page.title.clone() />
        <PageMeta
            canonical=format!("{}/pages/{}", store.base_url, page.slug)
            title=page.title.clone()
            description
        />
        <article class="store-page prose">
            <h1 class="page-title">{page.title}</h1>
            <RichText source=page.body />
        </article>
    }
}
