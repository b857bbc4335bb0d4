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
            </nav>
            <SearchBox />
        </header>
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
