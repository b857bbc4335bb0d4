//! The pieces every plain form page shares: the error a post came back with, the notice after
//! one succeeded, the private page's headers, and redirects from a page render.

use crate::model::AppError;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

/// The value of query parameter `key` on the current page.
pub(crate) fn query(key: &str) -> Option<String> {
    use_query_map().with_untracked(|q| q.get(key))
}

/// What a person needs to read about an error: a field's message without the field's name.
pub fn user_message(error: &AppError) -> String {
    match error {
        AppError::Validation { message, .. } => user_text(message),
        AppError::Unauthorized => user_text("please sign in again."),
        other => user_text(&other.to_string()),
    }
}

/// A message as a sentence: its first letter upper-cased.
pub fn user_text(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The error a form post came back with, if any.
#[component]
pub(crate) fn FormError() -> impl IntoView {
    let error = query("__err").map(|encoded| {
        leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(&encoded)
    });
    error.map(|e| {
        view! { <p class="form-error" role="alert">{user_message(&e)}</p> }
    })
}

/// A confirmation shown after a form succeeded (`?done=...`), from a fixed list. A `toast`
/// floats over the top of the page for a few seconds instead of sitting in it.
#[component]
pub(crate) fn Notice(
    #[prop(into)] messages: Vec<(&'static str, &'static str)>,
    #[prop(optional)] toast: bool,
) -> impl IntoView {
    let done = query("done");
    messages
        .into_iter()
        .find(|(key, _)| Some(*key) == done.as_deref())
        .map(
            |(_, text)| view! { <p class="form-notice" class:toast=toast role="status">{text}</p> },
        )
}

/// Title, `noindex`, and no caching anywhere: account pages are about one person.
#[component]
pub(crate) fn Private(title: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
    }
    view! {
        <Title text=title />
        <Meta name="robots" content="noindex" />
    }
}

/// Sends the browser on to `to` from a page render: a 302 with `Location` (a signed-out
/// visitor on a signed-in page), and a link for anything that does not follow redirects.
pub(crate) fn send_to(to: &str) -> AnyView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(location) = http::HeaderValue::from_str(to) {
            response.set_status(http::StatusCode::FOUND);
            response.insert_header(http::header::LOCATION, location);
        }
    }
    let to = to.to_owned();
    view! { <p><a href=to>"Continue"</a></p> }.into_any()
}
