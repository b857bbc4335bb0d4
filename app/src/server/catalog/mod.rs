//! The catalog: categories, products, options and variants, and how shoppers see them.
//! Reads are cached under a catalog *generation*: any change bumps it, which retires every
//! cached catalog entry at once (see [`invalidate`]).

pub mod admin;
mod artwork;
mod categories;
mod changes;
mod collection;
mod listing;
mod product;
mod seed;
mod sitemap;

pub use categories::{category_page, subtree_ids, top_categories, CategoryPage};
pub use changes::{follow_changes, COALESCE_WINDOW};
pub use collection::{COUNT_AHEAD, FACET_SAMPLE};
pub(crate) use listing::{attributes_json, SummaryRow};
pub use listing::{home, listing};
pub use product::product_by_slug;
pub use seed::{seed, SeedReport, DEMO_PRODUCTS};
pub use sitemap::{
    active_product_count, sitemap_categories, sitemap_products, SitemapEntry, SITEMAP_PAGE,
};

use crate::server::platform::cache::Cache;
use std::time::Duration;

/// How long a cached catalog read lives at most (changes invalidate sooner).
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(300);
const GENERATION_KEY: &str = "catalog:generation";

/// The current catalog generation (prefixed with the build id), creating one (once, `SET NX`)
/// if the cache has none.
/// `None` when the cache cannot answer: callers then neither read nor write cached entries,
/// rather than start a new generation (which would throw away everything cached).
pub async fn generation(cache: &Cache) -> Option<String> {
    const TTL: Duration = Duration::from_secs(86_400 * 30);
    let stored = match cache.try_get(GENERATION_KEY).await {
        Ok(Some(bytes)) => String::from_utf8(bytes).ok(),
        Ok(None) => {
            cache
                .set_if_absent(GENERATION_KEY, new_generation().as_bytes(), TTL)
                .await;
            // Whoever won the race, everyone uses the stored value.
            cache
                .try_get(GENERATION_KEY)
                .await
                .ok()
                .flatten()
                .and_then(|b| String::from_utf8(b).ok())
        }
        Err(error) => {
            tracing::warn!(%error, "catalog cache unavailable; reading from the database");
            None
        }
    };
    // Entries are also keyed by build: another build may render or serialise differently.
    stored.map(|generation| {
        format!(
            "{}.{generation}",
            crate::server::platform::executable::build_id()
        )
    })
}

fn new_generation() -> String {
    crate::server::platform::error::new_reference()
}

/// Retires every cached catalog read and page. Running servers call it for every committed
/// catalog change ([`follow_changes`]); call it directly only where no database change is
/// involved.
pub async fn invalidate(cache: &Cache) {
    cache
        .set(
            GENERATION_KEY,
            new_generation().as_bytes(),
            Duration::from_secs(86_400 * 30),
        )
        .await;
}

/// Reads through the cache under the current generation.
pub(crate) async fn cached<T, F, Fut>(
    cache: &Cache,
    key: &str,
    load: F,
) -> Result<T, crate::server::Error>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, crate::server::Error>>,
{
    let Some(generation) = generation(cache).await else {
        return load().await;
    };
    let key = format!("catalog:{generation}:{key}");
    let hit = cache.get_json::<T>(&key).await;
    crate::server::platform::metrics::cache_lookup("catalog", hit.is_some());
    if let Some(hit) = hit {
        return Ok(hit);
    }
    let value = load().await?;
    cache.set_json(&key, &value, CACHE_TTL).await;
    Ok(value)
}

pub use crate::model::is_slug as is_valid_slug;
