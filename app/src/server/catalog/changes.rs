//! Following catalog changes made by anyone: triggers on every catalog table send a
//! `NOTIFY duka_catalog` on commit (migration `..._catalog_changes.sql`), and this listener
//! retires the cached catalog reads and pages, and the header's and footer's links. The same
//! connection follows the shop's settings (`NOTIFY duka_shop`) and reloads them.
//!
//! A burst of changes (an import, a busy checkout) costs one invalidation per
//! [`COALESCE_WINDOW`], not one per change. When the listening connection drops, notifications
//! may have been missed, so the cache is retired once more after reconnecting.
//!
//! The listening connection comes from a pool of its own (one connection, the same
//! options): taken from the shared pool it would hold one of its few connections for good,
//! and pages would queue for the rest.

use crate::model::LayoutLinks;
use crate::server::platform::cache::Cache;
use crate::server::platform::memo::Memo;
use crate::server::shop::{self, LiveShop};
use crate::server::Error;
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The channel the catalog triggers notify.
pub const CHANNEL: &str = "duka_catalog";
/// Changes closer together than this are retired together.
pub const COALESCE_WINDOW: Duration = Duration::from_millis(50);
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Starts listening (returning once `LISTEN` is in place, so no later commit is missed) and
/// spawns the tasks that invalidate `cache` on every change. The tasks end when `pool`
/// closes.
pub async fn follow_changes(
    pool: &PgPool,
    cache: Cache,
    links: Arc<Memo<LayoutLinks>>,
    shop: Option<LiveShop>,
) -> Result<tokio::task::JoinHandle<()>, Error> {
    let own = PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await?;
    tokio::spawn({
        let (shared, own) = (pool.clone(), own.clone());
        async move {
            shared.close_event().await;
            own.close().await;
        }
    });
    let mut listener = PgListener::connect_with(&own).await?;
    listener.listen_all([CHANNEL, shop::CHANNEL]).await?;
    let dirty = Arc::new(Notify::new());

    let invalidator = tokio::spawn({
        let dirty = dirty.clone();
        async move {
            loop {
                // `Notify` keeps at most one permit: every change made while we were
                // invalidating or waiting is folded into the next round.
                dirty.notified().await;
                links.retire();
                super::invalidate(&cache).await;
                tokio::time::sleep(COALESCE_WINDOW).await;
            }
        }
    });

    // The listening connection is the own pool's only one: reloads use the shared pool.
    let shared = pool.clone();
    Ok(tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) if notification.channel() == shop::CHANNEL => {
                    reload(&shared, shop.as_ref()).await;
                    dirty.notify_one(); // pages show the shop's name and logo
                }
                Ok(Some(notification)) => {
                    tracing::debug!(table = notification.payload(), "catalog changed");
                    dirty.notify_one();
                }
                Ok(None) => {
                    tracing::warn!("catalog change listener reconnected; retiring the cache");
                    reload(&shared, shop.as_ref()).await;
                    dirty.notify_one();
                }
                Err(sqlx::Error::PoolClosed) => break,
                Err(error) => {
                    tracing::warn!(%error, "catalog change listener failed; retrying");
                    dirty.notify_one();
                    tokio::time::sleep(RETRY_AFTER).await;
                }
            }
        }
        invalidator.abort();
    }))
}

/// Reads the shop's settings again after another server saved them.
async fn reload(db: &PgPool, shop: Option<&LiveShop>) {
    if let Some(shop) = shop {
        if let Err(error) = shop.reload(db).await {
            tracing::warn!(%error, "could not reload the shop's settings");
        }
    }
}
