use crate::model::{AppError, SearchQuery, SearchResults};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// One page of search results with facets; popular products when nothing matches.
#[server(input = Json)]
pub async fn search_products(query: SearchQuery) -> Result<SearchResults, AppError> {
    use crate::api::in_span;
    use crate::server::state;
    in_span("search_products", async move {
        let state = state()?;
        let currency = state.currency();
        Ok(state
            .search
            .search(&state.db, &state.cache, currency, &query)
            .await?)
    })
    .await
}
