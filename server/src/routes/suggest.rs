//! `GET /search/suggest?q=`: the products the header's search box offers as the shopper
//! types, as a JSON array of [`Suggestion`]s. The results page (`/search`) is a Leptos route.

use app::model::{clean_query_text, Suggestion};
use app::server::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;

/// Offers may lag a catalog change by this long in shared caches.
const CACHE: &str = "public, max-age=60";

pub async fn suggest(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let text = clean_query_text(params.get("q").map_or("", String::as_str));
    let currency = state.currency();
    match state
        .search
        .suggest(&state.db, &state.cache, currency, &text)
        .await
    {
        Ok(products) => {
            let offers: Vec<Suggestion> = products.iter().map(Suggestion::from).collect();
            ([(header::CACHE_CONTROL, CACHE)], Json(offers)).into_response()
        }
        Err(error) => crate::http::error_response(error),
    }
}
