use super::NotFound;
use crate::model::AppError;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

/// A page for an error that stopped the page from rendering. Sets the matching status and
/// shows only the client-safe message (with a reference for internal errors).
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    if error == AppError::NotFound {
        return view! { <NotFound /> }.into_any();
    }
    crate::ui::set_status(error.status_code());
    if let AppError::Moved { to } = &error {
        let (href, text) = (to.clone(), to.clone());
        return view! {
            <Title text="Moved" />
            <section class="message-page">
                <h1>"This page has moved"</h1>
                <p><a href=href>{text}</a></p>
            </section>
        }
        .into_any();
    }
    view! {
        <Title text="Something went wrong" />
        <Meta name="robots" content="noindex" />
        <section class="message-page">
            <h1>"Something went wrong"</h1>
            <p>{error.to_string()}</p>
            <p>
                <a href="/">"Back to the shop"</a>
            </p>
        </section>
    }
    .into_any()
}
