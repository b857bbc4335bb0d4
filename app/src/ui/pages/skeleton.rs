//! The skeleton every page that loads data shares.

use super::ErrorPage;
use crate::model::AppError;
use leptos::prelude::*;
use std::future::Future;

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
    view! {
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match data.await {
                    Ok(value) => page(value).into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
