use super::components::layout::{Footer, Header};
use super::pages::{HomePage, NotFound, ProductPage};
use crate::model::StoreInfo;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" dir="ltr">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options=options.clone() islands=true />
                <HashedStylesheet options id="leptos" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Routes. Every page renders fully on the server before the response starts
/// (`SsrMode::Async`), so status codes are right and no inline script is needed to show it.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let store = use_context::<StoreInfo>().unwrap_or_default();
    let title_name = store.name.clone();
    view! {
        <Title formatter=move |page: String| {
            if page.is_empty() { title_name.clone() } else { format!("{page} · {title_name}") }
        } />
        <Router>
            <Header store_name=store.name.clone() />
            <main id="main">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/products/:slug") view=ProductPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer store_name=store.name />
        </Router>
    }
}
