//! Keeps Meilisearch in step with the catalog. Triggers mark changed products in
//! `search_outbox` inside the changing transaction; [`run`] pushes each marked product's
//! current document (or deletes it), waits for Meilisearch to apply it, and only then removes
//! the mark, and only if nobody marked the product again meanwhile. A failed push stays
//! marked and is retried with exponential backoff (capped, with jitter), so an update is
//! never lost however long Meilisearch is away.
//!
//! [`reindex`] rebuilds the whole index beside the live one and swaps it in; searches keep
//! answering from the old index until the swap. While it runs the worker holds back, and
//! what it held back is pushed into the new index afterwards.

use super::meili::{documents, Meili};
use crate::server::Error;
use meilisearch_sdk::client::SwapIndexes;
use sqlx::PgPool;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Products pushed per batch.
pub const BATCH: i64 = 500;
/// Documents per write during a reindex.
const REINDEX_BATCH: i64 = 1_000;
/// A reindex that stops renewing its lease for this long no longer holds the worker back.
const LEASE_SECS: f64 = 600.0;

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    /// Products whose document was written or deleted, marks removed.
    pub settled: usize,
    /// Products whose push failed, left marked for a later attempt.
    pub failed: usize,
    /// A reindex is running: nothing was attempted.
    pub held_back: bool,
}

/// The products waiting for the engine; those whose last push failed are retrying.
pub async fn backlog(db: &PgPool) -> Result<crate::server::platform::metrics::Backlog, Error> {
    let b = sqlx::query!(
        r#"SELECT count(*) AS "waiting!",
                  COALESCE(EXTRACT(EPOCH FROM now() - min(queued_at)), 0)::FLOAT8 AS "oldest!",
                  count(*) FILTER (WHERE attempts > 0) AS "retrying!"
           FROM search_outbox"#
    )
    .fetch_one(db)
    .await?;
    Ok(crate::server::platform::metrics::Backlog {
        waiting: b.waiting,
        oldest_seconds: b.oldest,
        retrying: b.retrying,
    })
}

/// One batch of due marks, oldest first.
pub async fn pass(db: &PgPool, meili: &Meili) -> Result<Pass, Error> {
    let held_back = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM search_reindex WHERE lease_until > now()) AS "held!""#
    )
    .fetch_one(db)
    .await?;
    if held_back {
        return Ok(Pass {
            held_back,
            ..Pass::default()
        });
    }
    let due = sqlx::query!(
        "SELECT product_id, version FROM search_outbox
         WHERE next_attempt_at <= now()
         ORDER BY next_attempt_at, version
         LIMIT $1",
        BATCH
    )
    .fetch_all(db)
    .await?;
    if due.is_empty() {
        return Ok(Pass::default());
    }
    let ids: Vec<i64> = due.iter().map(|r| r.product_id).collect();
    let versions: Vec<i64> = due.iter().map(|r| r.version).collect();
    match push(db, meili, &ids).await {
        Ok(()) => {
            unmark(db, &ids, &versions).await?;
            Ok(Pass {
                settled: ids.len(),
                ..Pass::default()
            })
        }
        Err(error) => {
            tracing::warn!(%error, products = ids.len(), "search outbox push failed; will retry");
            let message: String = error.to_string().chars().take(2_000).collect();
            // 1 s, 2 s, 4 s... up to 5 minutes, each within ±20% so retries spread out.
            sqlx::query!(
                "UPDATE search_outbox o
                 SET attempts = o.attempts + 1,
                     next_attempt_at = now() + make_interval(secs =>
                         least(300, power(2, least(o.attempts, 16))) * (0.8 + random() * 0.4)),
                     last_error = $3
                 FROM unnest($1::bigint[], $2::bigint[]) AS d (id, version)
                 WHERE o.product_id = d.id AND o.version = d.version",
                &ids,
                &versions,
                message
            )
            .execute(db)
            .await?;
            Ok(Pass {
                failed: ids.len(),
                ..Pass::default()
            })
        }
    }
}

/// Writes the current documents of `ids` (deleting those no longer on sale) and waits for
/// Meilisearch to apply them.
async fn push(db: &PgPool, meili: &Meili, ids: &[i64]) -> Result<(), Error> {
    let docs = documents(db, Some(ids), 0, ids.len() as i64).await?;
    let present: HashSet<i64> = docs.iter().map(|d| d.id).collect();
    let gone: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !present.contains(id))
        .collect();
    let index = meili.client.index(&meili.index);
    if !docs.is_empty() {
        meili
            .wait(index.add_or_replace(&docs, Some("id")).await?)
            .await?;
    }
    if !gone.is_empty() {
        meili.wait(index.delete_documents(&gone).await?).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reindexed {
    pub documents: usize,
    pub took: Duration,
}

/// Rebuilds the index from PostgreSQL into a new index, swaps it in, and drops the old one.
pub async fn reindex(db: &PgPool, meili: &Meili) -> Result<Reindexed, Error> {
    let started = Instant::now();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let building = format!("{}_{stamp}", meili.index);
    let claimed = sqlx::query_scalar!(
        "INSERT INTO search_reindex (index_name, lease_until)
         VALUES ($1, now() + make_interval(secs => $2))
         ON CONFLICT (singleton) DO UPDATE
         SET index_name = EXCLUDED.index_name, lease_until = EXCLUDED.lease_until
         WHERE search_reindex.lease_until < now()
         RETURNING index_name",
        building,
        LEASE_SECS
    )
    .fetch_optional(db)
    .await?;
    if claimed.is_none() {
        return Err(Error::other("another reindex is running"));
    }
    let result = rebuild(db, meili, &building).await;
    sqlx::query!("DELETE FROM search_reindex WHERE index_name = $1", building)
        .execute(db)
        .await?;
    if result.is_err() {
        let _ = meili.client.delete_index(&building).await;
    }
    Ok(Reindexed {
        documents: result?,
        took: started.elapsed(),
    })
}

async fn rebuild(db: &PgPool, meili: &Meili, building: &str) -> Result<usize, Error> {
    // Marks committed now are covered by the snapshot read below; marks made later (or by
    // transactions still open) have other versions and stay for the worker.
    let covered = sqlx::query!("SELECT product_id, version FROM search_outbox")
        .fetch_all(db)
        .await?;
    meili.configure(&meili.index).await?;
    meili.configure(building).await?;
    let index = meili.client.index(building);
    let mut after = 0;
    let mut written = 0;
    loop {
        let docs = documents(db, None, after, REINDEX_BATCH).await?;
        let Some(last) = docs.last().map(|d| d.id) else {
            break;
        };
        meili
            .wait(index.add_or_replace(&docs, Some("id")).await?)
            .await?;
        written += docs.len();
        after = last;
        sqlx::query!(
            "UPDATE search_reindex SET lease_until = now() + make_interval(secs => $2)
             WHERE index_name = $1",
            building,
            LEASE_SECS
        )
        .execute(db)
        .await?;
        tracing::info!(written, "reindexing");
    }
    let swap = SwapIndexes {
        indexes: (meili.index.clone(), building.to_owned()),
        rename: None,
    };
    meili
        .wait(meili.client.swap_indexes([&swap]).await?)
        .await?;
    // `building` now names the old index.
    if let Ok(task) = meili.client.delete_index(building).await {
        let _ = meili.wait(task).await;
    }
    let ids: Vec<i64> = covered.iter().map(|r| r.product_id).collect();
    let versions: Vec<i64> = covered.iter().map(|r| r.version).collect();
    unmark(db, &ids, &versions).await?;
    Ok(written)
}

/// Removes marks still at the versions given: a product marked again since stays marked.
async fn unmark(db: &PgPool, ids: &[i64], versions: &[i64]) -> Result<(), Error> {
    sqlx::query!(
        "DELETE FROM search_outbox o
         USING unnest($1::bigint[], $2::bigint[]) AS d (id, version)
         WHERE o.product_id = d.id AND o.version = d.version",
        ids,
        versions
    )
    .execute(db)
    .await?;
    Ok(())
}
