use crate::model::{AppError, CollectionPage, HomeContent, ListingQuery, ProductDetail};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The home page's shelves and top-level categories.
#[server]
pub async fn get_home() -> Result<HomeContent, AppError> {
    use crate::api::in_span;
    use crate::server::{catalog, state};
    in_span("get_home", async {
        let state = state()?;
        Ok(catalog::home(&state.db, &state.cache, state.currency()).await?)
    })
    .await
}

/// A category and one page of its products, filtered and sorted.
#[server(input = Json)]
pub async fn get_collection(slug: String, query: ListingQuery) -> Result<CollectionPage, AppError> {
    use crate::api::in_span;
    use crate::server::{catalog, state};
    in_span("get_collection", async move {
        let state = state()?;
        let currency = state.currency();
        Ok(catalog::listing(&state.db, &state.cache, currency, &slug, &query).await?)
    })
    .await
}

/// One active product by its slug; `NotFound` for unknown, draft or archived products.
#[server]
pub async fn get_product(slug: String) -> Result<ProductDetail, AppError> {
    use crate::api::in_span;
    use crate::server::{catalog, state};
    in_span("get_product", async move {
        let state = state()?;
        Ok(catalog::product_by_slug(&state.db, &state.cache, &slug).await?)
    })
    .await
}
