use crate::model::{AppError, ProductDetail, ProductSummary};
use leptos::prelude::*;

/// Active products for the storefront's home page.
#[server]
pub async fn list_products() -> Result<Vec<ProductSummary>, AppError> {
    use crate::server::{catalog, in_span, state};
    in_span("list_products", async {
        let state = state()?;
        Ok(catalog::list_active(&state.db, &state.cache).await?)
    })
    .await
}

/// One active product by its slug; `NotFound` for unknown, draft or archived products.
#[server]
pub async fn get_product(slug: String) -> Result<ProductDetail, AppError> {
    use crate::server::{catalog, in_span, state};
    in_span("get_product", async move {
        let state = state()?;
        Ok(catalog::product_by_slug(&state.db, &slug).await?)
    })
    .await
}
