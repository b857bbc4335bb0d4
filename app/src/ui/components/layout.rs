//! The header and footer around every page. Phone first: at 320 px the header is the menu,
//! the store's name, account and cart on one row and the search on its own row below; from
//! 64rem the top categories and the search join the row. The menu is a `<details>`
//! disclosure, so it opens without JavaScript.

use crate::api::content::get_layout_links;
use crate::model::LayoutLinks;
use crate::ui::islands::search_box::SiteSearch;
use crate::ui::pages::apart;
use leptos::prelude::*;

#[component]
pub fn Header(store_name: String, logo: Option<(String, (u32, u32))>) -> impl IntoView {
    let brand = match logo {
        Some((key, (width, height))) => {
            let image = crate::model::ProductImage {
                key,
                alt: store_name.clone(),
                width,
                height,
            };
            let src = image.src(320, crate::model::ImageFormat::Webp);
            view! { <img class="logo-image" src=src alt=store_name width=width height=height /> }
                .into_any()
        }
        None => store_name.into_any(),
    };
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let links = apart(get_layout_links()).await.unwrap_or_default();
                    view! { <Menu links /> }
                })}
            </Suspense>
            <a class="logo" href="/">{brand}</a>
            <nav class="header-actions" aria-label="Main">
                <a href="/account" class="icon-link">
                    <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true"><circle cx="12" cy="8" r="4" /><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7" /></svg>
                    <span class="icon-label">"Account"</span>
                </a>
                <CartLink />
            </nav>
            <div class="header-search">
                <SiteSearch />
            </div>
        </header>
    }
}

/// The top categories: a disclosure on phones, a row of links on wide screens.
#[component]
fn Menu(links: LayoutLinks) -> impl IntoView {
    let items = move || {
        links
            .categories
            .iter()
            .map(|c| view! { <li><a href=format!("/collections/{}", c.slug)>{c.name.clone()}</a></li> })
            .collect_view()
    };
    view! {
        <details class="menu">
            <summary class="icon-link">
                <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true"><path d="M3 6h18M3 12h18M3 18h18" /></svg>
                <span class="icon-label">"Menu"</span>
            </summary>
            <nav class="menu-panel" aria-label="Menu">
                <ul>{items()}<li><a href="/search">"All products"</a></li></ul>
            </nav>
        </details>
        <nav class="desktop-nav" aria-label="Departments">
            <ul>{items()}</ul>
        </nav>
    }
}

/// "Cart" with the number of items, read on the server for this request (pages for visitors
/// with a cart cookie or a session are never shared by the page cache).
#[component]
fn CartLink() -> impl IntoView {
    view! {
        <a href="/cart" class="icon-link">
            <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true"><path d="M5 7h14l-1.5 12h-11z" /><path d="M9 7a3 3 0 0 1 6 0" /></svg>
            <span class="icon-label">"Cart"</span>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    match apart(crate::api::cart::cart_count()).await {
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
    let copyright = format!("© {store_name}");
    view! {
        <footer class="site-footer">
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let links = apart(get_layout_links()).await.unwrap_or_default();
                    view! {
                        <nav class="footer-grid" aria-label="Footer">
                            <section>
                                <h2>"Shop"</h2>
                                <ul>
                                    {links.categories.into_iter().map(|c| view! { <li><a href=format!("/collections/{}", c.slug)>{c.name}</a></li> }).collect_view()}
                                    <li><a href="/search">"All products"</a></li>
                                </ul>
                            </section>
                            <section>
                                <h2>"Help"</h2>
                                <ul>
                                    {links.pages.into_iter().map(|p| view! { <li><a href=format!("/pages/{}", p.slug)>{p.title}</a></li> }).collect_view()}
                                    <li><a href="/orders/find">"Find your order"</a></li>
                                </ul>
                            </section>
                            <section>
                                <h2>"Your account"</h2>
                                <ul>
                                    <li><a href="/account">"Account"</a></li>
                                    <li><a href="/account/orders">"Orders"</a></li>
                                    <li><a href="/cart">"Cart"</a></li>
                                </ul>
                            </section>
                        </nav>
                    }
                })}
            </Suspense>
            <p class="footer-note">{copyright} " · powered by Duka"</p>
        </footer>
    }
}
