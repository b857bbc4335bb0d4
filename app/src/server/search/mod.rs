//! Product search. One interface, [`Engine::search`] and [`Engine::suggest`], answered by
//! PostgreSQL full-text search ([`postgres`], the embedded default) or by Meilisearch
//! ([`meili`], when `MEILISEARCH_URL` is set). Both return the same [`SearchResults`].
//!
//! With Meilisearch, every query has a deadline: when Meilisearch is slow, down or refuses a
//! query, PostgreSQL answers instead, the fallback is logged and counted ([`fallbacks`]), and
//! the shopper sees ordinary results. Meilisearch is kept in step with the catalog through
//! the search outbox ([`outbox`]).
//!
//! Query text reaches an engine only as words ([`query_words`]: letters and digits), and
//! filters only as typed values, so no input can change a query's syntax.

pub mod meili;
pub mod outbox;
mod postgres;

use crate::model::{
    query_words, split_highlights, Currency, Highlighted, ProductSummary, SearchQuery,
    SearchResults,
};
use crate::server::cache::Cache;
use crate::server::Error;
use meili::Meili;
use sqlx::PgPool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Suggestions offered as the shopper types.
pub const SUGGESTIONS: i64 = 6;

static FALLBACKS: AtomicU64 = AtomicU64::new(0);

/// Searches PostgreSQL answered because Meilisearch failed or was too slow, since start.
pub fn fallbacks() -> u64 {
    FALLBACKS.load(Ordering::Relaxed)
}

/// Which engine answers searches.
#[derive(Debug, Clone, Default)]
pub enum Engine {
    /// `tsvector` with weights, `pg_trgm` spelling correction, prefix matching.
    #[default]
    Postgres,
    /// Meilisearch, with PostgreSQL answering when it fails.
    Meilisearch(Arc<Meili>),
}

impl Engine {
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Meilisearch(_) => "meilisearch",
        }
    }

    /// One page of results with facet counts. An empty query (or one with no words) matches
    /// nothing and offers popular products instead.
    #[tracing::instrument(skip(self, db, cache), fields(engine = self.name()))]
    pub async fn search(
        &self,
        db: &PgPool,
        cache: &Cache,
        currency: Currency,
        query: &SearchQuery,
    ) -> Result<SearchResults, Error> {
        let started = Instant::now();
        let query = query.clone().sanitized();
        let (mut results, engine) = match self {
            Engine::Postgres => (postgres::search(db, currency, &query).await?, self.name()),
            Engine::Meilisearch(meili) => {
                let words = query_words(&query.text);
                let answer =
                    tokio::time::timeout(meili.timeout, meili.search(db, currency, &query, &words))
                        .await;
                match answer {
                    Ok(Ok(results)) => (results, self.name()),
                    failed => {
                        fell_back("search", failed.map(|r| r.map(|_| ())));
                        (
                            postgres::search(db, currency, &query).await?,
                            Engine::Postgres.name(),
                        )
                    }
                }
            }
        };
        if results.total == 0 {
            results.popular = crate::server::catalog::home(db, cache, currency)
                .await?
                .featured;
        }
        results.took_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        results.engine = engine.to_owned();
        Ok(results)
    }

    /// Product names starting with (or, failing that, close to) what has been typed so far.
    pub async fn suggest(
        &self,
        db: &PgPool,
        currency: Currency,
        text: &str,
    ) -> Result<Vec<ProductSummary>, Error> {
        let words = query_words(text);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        if let Engine::Meilisearch(meili) = self {
            let query = SearchQuery {
                text: words.join(" "),
                listing: crate::model::ListingQuery {
                    sort: crate::model::Sort::Relevance,
                    per_page: SUGGESTIONS as u32,
                    ..Default::default()
                },
                ..SearchQuery::default()
            };
            let answer =
                tokio::time::timeout(meili.timeout, meili.search(db, currency, &query, &words))
                    .await;
            match answer {
                Ok(Ok(results)) => {
                    return Ok(results.hits.into_iter().map(|h| h.product).collect())
                }
                failed => fell_back("suggest", failed.map(|r| r.map(|_| ()))),
            }
        }
        postgres::suggest(db, currency, &words).await
    }
}

/// Logs and counts a Meilisearch query that PostgreSQL answers instead.
fn fell_back(what: &str, failure: Result<Result<(), Error>, tokio::time::error::Elapsed>) {
    let total = FALLBACKS.fetch_add(1, Ordering::Relaxed) + 1;
    match failure {
        Err(_) => tracing::warn!(
            what,
            fallbacks = total,
            "meilisearch too slow; PostgreSQL answered"
        ),
        Ok(Err(error)) => {
            tracing::warn!(what, fallbacks = total, %error, "meilisearch failed; PostgreSQL answered")
        }
        Ok(Ok(())) => {}
    }
}

/// Descriptions are rich text: drop its emphasis markers from a snippet.
fn plain_snippet(marked: &str) -> Vec<Highlighted> {
    let cleaned = marked.replace("**", "");
    let cleaned = cleaned
        .lines()
        .map(|l| l.trim_start().strip_prefix("- ").unwrap_or(l).trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    split_highlights(&cleaned)
}
