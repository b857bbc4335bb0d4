//! The shop's own pages (about, contact, delivery, returns, privacy, terms) and what every
//! page's header and footer link to. Pages are read through the catalog cache; a change to a
//! page retires it like a catalog change (a trigger notifies).

use super::catalog::{cached, is_valid_slug, top_categories};
use super::platform::cache::Cache;
use super::platform::memo::Memo;
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

/// The header's top categories and the footer's pages, in display order. Kept in the process
/// (`links`) until the catalog or a page changes (`follow_changes` retires it): every page
/// shows them, and reading them per page would add queries, and a second connection beside
/// the page's own read, to every page the caches miss.
pub async fn layout_links(db: &PgPool, links: &Memo<LayoutLinks>) -> Result<LayoutLinks, Error> {
    links
        .get_or_load(|| async {
            let categories = top_categories(db, &Cache::Disabled).await?;
            let pages = sqlx::query_as!(
                PageLink,
                "SELECT slug, title FROM store_pages ORDER BY position, slug"
            )
            .fetch_all(db)
            .await?;
            Ok(LayoutLinks { categories, pages })
        })
        .await
}
