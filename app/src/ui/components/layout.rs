use super::search_box::SearchBox;
use leptos::prelude::*;

#[component]
pub fn Header(store_name: String) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <a class="brand" href="/">{store_name}</a>
            <nav aria-label="Main">
                <a href="/">"Shop"</a>
                <a href="/account">"Account"</a>
                <CartLink />
            </nav>
            <SearchBox />
        </header>
    }
}

/// "Cart" with the number of items, read on the server for this request (pages for visitors
/// with a cart cookie or a session are never shared by the page cache).
#[component]
fn CartLink() -> impl IntoView {
    view! {
        <a href="/cart" class="cart-link">
            "Cart"
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    match crate::api::cart::cart_count().await {
                        Ok(n) if n > 0 => view! { " " <span class="cart-count" aria-label=format!("{n} items")>{n}</span> }.into_any(),
                        _ => ().into_any(),
                    }
                })}
            </Suspense>
        </a>
    }
}

#[component]
pub fn Footer(store_name: String) -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>{store_name} " · powered by Duka"</p>
        </footer>
    }
}
