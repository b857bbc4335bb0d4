//! The skeleton every page that loads data shares.

use super::ErrorPage;
use crate::model::AppError;
use crate::ui::components::form::send_to;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::future::Future;

/// On the server, runs `data` as a task of its own and returns a future of its result.
///
/// Rendering starts every `Suspend` on a page (one poll each), then awaits them in page
/// order. A read polled once holds its database connection until the renderer comes back
/// to it, which may be after a read above it that waits for a connection: with enough
/// pages at once, every connection was held that way and pages stalled until the pool's
/// timeout. As a task, a read runs to its end and gives its connection back at once.
#[cfg(feature = "ssr")]
pub fn apart<T: Send + 'static>(
    data: impl Future<Output = Result<T, AppError>> + Send + 'static,
) -> impl Future<Output = Result<T, AppError>> + Send + 'static {
    let (tx, rx) = tokio::sync::oneshot::channel();
    // Still the request's work: its id and span (the log lines' and errors' reference).
    leptos::task::spawn(crate::server::platform::request::carried(async move {
        let _ = tx.send(data.await);
    }));
    async move { rx.await.unwrap_or(Err(AppError::Unavailable)) }
}

/// In the browser a read is already a task of its own.
#[cfg(not(feature = "ssr"))]
pub fn apart<T: Send + 'static>(
    data: impl Future<Output = Result<T, AppError>> + Send + 'static,
) -> impl Future<Output = Result<T, AppError>> + Send + 'static {
    data
}

/// Waits for `data` (pages render whole on the server, `SsrMode::Async`), then shows it with
/// `page`, or the error page with the error's status.
pub fn loaded<T, V>(
    data: impl Future<Output = Result<T, AppError>> + Send + 'static,
    page: impl FnOnce(T) -> V + Send + 'static,
) -> impl IntoView
where
    T: Send + 'static,
    V: IntoView + 'static,
{
    shown(data, page, None)
}

/// [`loaded`] for staff pages: a visitor without a staff session is sent to the staff sign-in.
pub fn staff_loaded<T, V>(
    data: impl Future<Output = Result<T, AppError>> + Send + 'static,
    page: impl FnOnce(T) -> V + Send + 'static,
) -> impl IntoView
where
    T: Send + 'static,
    V: IntoView + 'static,
{
    shown(data, page, Some("/admin/sign-in"))
}

/// The frame both share; `sign_in`, when given, is where `Unauthorized` goes.
fn shown<T, V>(
    data: impl Future<Output = Result<T, AppError>> + Send + 'static,
    page: impl FnOnce(T) -> V + Send + 'static,
    sign_in: Option<&'static str>,
) -> impl IntoView
where
    T: Send + 'static,
    V: IntoView + 'static,
{
    let data = apart(data);
    view! {
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match (data.await, sign_in) {
                    (Ok(value), _) => page(value).into_any(),
                    (Err(AppError::Unauthorized), Some(to)) => send_to(to),
                    (Err(error), _) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The route's `:id` on an editor: absent or `new` opens an empty form, a number opens
/// that record, and anything else is a page that does not exist.
pub fn editor_id() -> Result<Option<i64>, AppError> {
    match use_params_map().read_untracked().get("id").as_deref() {
        None | Some("new") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| AppError::NotFound),
    }
}

/// The route's `:id` of a record that must exist.
pub fn record_id() -> Result<i64, AppError> {
    editor_id()?.ok_or(AppError::NotFound)
}

/// [`staff_loaded`] for a page about one record: `id` from [`editor_id`] or [`record_id`];
/// a bad id shows the not-found page without asking the server.
pub fn staff_record<I, T, V, F>(
    id: Result<I, AppError>,
    data: impl FnOnce(I) -> F,
    page: impl FnOnce(T) -> V + Send + 'static,
) -> AnyView
where
    F: Future<Output = Result<T, AppError>> + Send + 'static,
    T: Send + 'static,
    V: IntoView + 'static,
{
    match id {
        Ok(id) => staff_loaded(data(id), page).into_any(),
        Err(error) => view! { <ErrorPage error /> }.into_any(),
    }
}
