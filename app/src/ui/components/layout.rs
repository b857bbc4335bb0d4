use leptos::prelude::*;

#[component]
pub fn Header(store_name: String) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <a class="brand" href="/">{store_name}</a>
            <nav aria-label="Main">
                <a href="/">"Shop"</a>
            </nav>
            <form class="site-search" method="get" action="/search" role="search">
                <label for="site-search-q" class="visually-hidden">"Search products"</label>
                <input
                    id="site-search-q"
                    type="search"
                    name="q"
                    placeholder="Search products"
                    maxlength="200"
                    autocomplete="off"
                />
                <button type="submit">"Search"</button>
            </form>
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
