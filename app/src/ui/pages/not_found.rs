use leptos::prelude::*;
use leptos_meta::{Meta, Title};

/// The 404 page, for unknown URLs and unknown or hidden products. Sets the status to 404.
#[component]
pub fn NotFound() -> impl IntoView {
    crate::ui::set_status(404);
    view! {
        <Title text="Page not found" />
        <Meta name="robots" content="noindex" />
        <section class="message-page">
            <h1>"Page not found"</h1>
            <p>"We couldn't find what you were looking for. It may have moved or sold out for good."</p>
            <p>
                <a href="/">"Back to the shop"</a>
            </p>
        </section>
    }
}
