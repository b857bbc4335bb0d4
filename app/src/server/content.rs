//! The shop's own pages (about, contact, delivery, returns, privacy, terms) and what every
//! page's header and footer link to. Read through the catalog cache; a change to a page
//! retires it like a catalog change (a trigger notifies).

use super::catalog::{cached, is_valid_slug, top_categories};
use super::platform::cache::Cache;
use super::Error;
use crate::model::{AppError, LayoutLinks, PageLink, StorePageView};
use sqlx::PgPool;

/// One page by its slug; `NotFound` for an unknown one.
pub async fn page(db: &PgPool, cache: &Cache, slug: &str) -> Result<StorePageView, Error> {
    if !is_valid_slug(slug) {
        return Err(AppError::NotFound.into());
    }
    let key = format!("store-page:{slug}");
    let page = cached(cache, &key, || async {
        Ok(sqlx::query_as!(
            StorePageView,
            "SELECT slug, title, body FROM store_pages WHERE slug = $1",
            slug
        )
        .fetch_optional(db)
        .await?)
    })
    .await?;
    page.ok_or_else(|| AppError::NotFound.into())
}

/// The header's top categories and the footer's pages, in display order.
pub async fn layout_links(db: &PgPool, cache: &Cache) -> Result<LayoutLinks, Error> {
    let categories = top_categories(db, cache).await?;
    let pages = cached(cache, "store-pages", || async {
        Ok(sqlx::query_as!(
            PageLink,
            "SELECT slug, title FROM store_pages ORDER BY position, slug"
        )
        .fetch_all(db)
        .await?)
    })
    .await?;
    Ok(LayoutLinks { categories, pages })
}
