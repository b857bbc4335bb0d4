//! The shop's own pages and the header's and footer's links.

use crate::model::{AppError, LayoutLinks, StorePageView};
use leptos::prelude::*;

/// One of the shop's pages by its slug.
#[server]
pub async fn get_store_page(slug: String) -> Result<StorePageView, AppError> {
    use crate::api::in_span;
    use crate::server::{content, state};
    in_span("get_store_page", async move {
        let state = state()?;
        Ok(content::page(&state.db, &state.cache, &slug).await?)
    })
    .await
}

/// The header's top categories and the footer's pages.
#[server]
pub async fn get_layout_links() -> Result<LayoutLinks, AppError> {
    use crate::api::in_span;
    use crate::server::{content, state};
    in_span("get_layout_links", async move {
        let state = state()?;
        Ok(content::layout_links(&state.db, &state.links).await?)
    })
    .await
}
