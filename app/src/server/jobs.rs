//! The background work of a serving process: what runs, how often, and why. Every job is a
//! loop over one pass owned by its bounded context; a failed pass is logged and tried again
//! on the next round, never ends the loop. Several processes may run the same jobs: each
//! pass claims its rows (a lease or a row lock), so two never do the same work.
//!
//! | job | how often | why |
//! |---|---|---|
//! | catalog changes | on every committed change (`LISTEN`) | cached reads and pages never outlive the catalog |
//! | sweepers | every `store.sweep_interval` | unpaid card orders give their stock back, the reconciler settles payments whose webhook never came, expired carts go, drafts due go on sale |
//! | email outbox | continuously, 0.5 s when idle; pruned hourly | order notices become email, and email leaves after its transaction commits, retried with backoff |
//! | catalog imports | continuously, 1 s when idle | CSV imports run in the background, resuming after a restart |
//! | search outbox | continuously, 0.5 s when idle (Meilisearch only) | Meilisearch follows the catalog |
//! | order feed | every second while a page follows it | new and changed orders reach the admin's list and shoppers' order pages live |

use super::accounts::tokens::TokenKeys;
use super::orders;
use super::payments::Payments;
use super::platform::mail::{self, Mailer, Site};
use super::platform::metrics;
use super::search::{meili::Meili, outbox, Engine};
use super::{catalog, AppState, Error};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long an outbox worker sleeps when a pass found nothing to do.
const IDLE: Duration = Duration::from_millis(500);
/// How often sent and failed email is pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);

/// Starts every job of a serving process. Returns once the catalog listener is in place, so
/// no change committed after start-up is missed.
pub async fn start(state: &AppState) -> Result<(), Error> {
    catalog::follow_changes(
        &state.db,
        state.cache.clone(),
        state.links.clone(),
        Some(state.shop.clone()),
    )
    .await?;
    tokio::spawn(sweep(
        state.payments.clone(),
        state.settings.store.sweep_interval,
    ));
    tokio::spawn(deliver_email(
        state.db.clone(),
        state.accounts.mailer.clone(),
        state.payments.site.clone(),
        state.payments.keys.clone(),
    ));
    tokio::spawn(run_imports(state.db.clone(), state.shop.clone()));
    state
        .feed
        .clone()
        .start(state.db.clone(), Duration::from_secs(1))
        .await?;
    if let Engine::Meilisearch(meili) = &state.search {
        tokio::spawn(push_search(state.db.clone(), meili.clone()));
    }
    Ok(())
}

/// Runs the sweepers every `every`: unpaid orders, the payment reconciler, expired carts,
/// scheduled products.
pub async fn sweep(payments: Payments, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Orders and refunds quiet for two sweeps: webhooks normally settle them first.
    let quiet = 2.0 * every.as_secs_f64();
    loop {
        tick.tick().await;
        let released = payments.release_unpaid().await;
        metrics::sweep("unpaid_orders", released.is_ok());
        match released {
            Ok(0) => {}
            Ok(n) => tracing::info!(orders = n, "unpaid orders cancelled, stock released"),
            Err(e) => tracing::warn!(error = %e, "unpaid-order sweep failed"),
        }
        let reconciled = payments.reconcile(quiet).await;
        metrics::sweep("payment_reconciler", reconciled.is_ok());
        if let Err(e) = reconciled {
            tracing::warn!(error = %e, "payment reconciler failed");
        }
        let carts = super::cart::sweep_expired(&payments.db).await;
        metrics::sweep("expired_carts", carts.is_ok());
        if let Err(e) = carts {
            tracing::warn!(error = %e, "cart sweep failed");
        }
        let published = catalog::admin::publish_due(&payments.db).await;
        metrics::sweep("scheduled_products", published.is_ok());
        match published {
            Ok(0) => {}
            Ok(n) => tracing::info!(products = n, "scheduled products published"),
            Err(e) => tracing::warn!(error = %e, "scheduled publishing failed"),
        }
    }
}

/// Runs catalog imports as they are queued (or as their worker goes quiet), one at a time.
pub async fn run_imports(db: PgPool, shop: super::shop::LiveShop) {
    loop {
        match catalog::admin::work_imports(&db, shop.get().currency, None).await {
            Ok(Some(id)) => tracing::info!(import = id, "catalog import pass finished"),
            Ok(None) => tokio::time::sleep(Duration::from_secs(1)).await,
            Err(error) => {
                tracing::warn!(%error, "catalog import pass failed");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// Writes the shopper's order notices as email and delivers due email until the process
/// ends, pruning old messages every hour.
pub async fn deliver_email(db: PgPool, mailer: Mailer, site: Site, keys: TokenKeys) {
    let mut pruned: Option<Instant> = None;
    loop {
        if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            pruned = Some(Instant::now());
            if let Err(error) = mail::prune(&db).await {
                tracing::warn!(%error, "old sent email not pruned");
            }
        }
        if let Err(error) = orders::render_notices(&db, &site, &keys).await {
            tracing::warn!(%error, "order notices not written");
        }
        match mail::deliver_due(&db, &mailer).await {
            Ok(p) if p.sent + p.failed > 0 => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "email outbox pass failed"),
        }
        tokio::time::sleep(IDLE).await;
    }
}

/// Applies the index settings (retrying until Meilisearch answers), then pushes due catalog
/// changes until the process ends.
pub async fn push_search(db: PgPool, meili: Arc<Meili>) {
    let mut configured = false;
    loop {
        if !configured {
            match meili.configure(meili.index_name()).await {
                Ok(()) => configured = true,
                Err(error) => tracing::warn!(%error, "meilisearch settings not applied yet"),
            }
        }
        match outbox::pass(&db, &meili).await {
            Ok(p) if p.settled > 0 => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "search outbox pass failed"),
        }
        tokio::time::sleep(IDLE).await;
    }
}
