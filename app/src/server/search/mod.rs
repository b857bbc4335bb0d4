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
use crate::server::platform::cache::Cache;
use crate::server::{catalog, Error};
use meili::Meili;
use sqlx::PgPool;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The most matches a search ranks and pages through, in either engine (Meilisearch's
/// `maxTotalHits`, which the index settings set to this): 21 pages of 24, more than shoppers
/// page through. A search that matches more says "500+" ([`SearchResults::capped`]), and the
/// PostgreSQL engine's work per query stays bounded however broad the words are; its reads,
/// ranking and facet counts cost about in proportion to this (at 100,000 products, "linen"
/// took 5.5 ms in SQL at 1,000 and 3-4 ms at 500).
pub const MAX_HITS: u64 = 500;

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
    /// nothing and offers popular products instead. Answers are cached under the catalog
    /// generation, so any catalog change retires them.
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
        let key = format!("search:{}:{}", currency.code(), cache_digest(&query));
        let query = &query;
        let mut results = catalog::cached(cache, &key, || async {
            let (mut results, engine) = self
                .ask(
                    "search",
                    |meili| async move {
                        let words = query_words(&query.text);
                        meili.search(db, currency, query, &words).await
                    },
                    postgres::search(db, currency, query),
                )
                .await?;
            if results.total == 0 {
                results.popular = catalog::home(db, cache, currency).await?.featured;
            }
            results.engine = engine.to_owned();
            Ok(results)
        })
        .await?;
        results.took_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        Ok(results)
    }

    /// Product names starting with (or, failing that, close to) what has been typed so far,
    /// cached like [`Engine::search`].
    pub async fn suggest(
        &self,
        db: &PgPool,
        cache: &Cache,
        currency: Currency,
        text: &str,
    ) -> Result<Vec<ProductSummary>, Error> {
        let words = query_words(text);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let key = format!("suggest:{}:{}", currency.code(), words.join(" "));
        let words = &words;
        catalog::cached(cache, &key, || async {
            let query = SearchQuery {
                text: words.join(" "),
                listing: crate::model::ListingQuery {
                    sort: crate::model::Sort::Relevance,
                    per_page: SUGGESTIONS as u32,
                    ..Default::default()
                },
                ..SearchQuery::default()
            };
            let (products, _) = self
                .ask(
                    "suggest",
                    |meili| async move {
                        let results = meili.search(db, currency, &query, words).await?;
                        Ok(results.hits.into_iter().map(|h| h.product).collect())
                    },
                    postgres::suggest(db, currency, words),
                )
                .await?;
            Ok(products)
        })
        .await
    }

    /// Meilisearch's answer within its deadline when it is the engine; PostgreSQL's otherwise,
    /// or when Meilisearch fails or is too slow (logged and counted). Also says who answered.
    async fn ask<T, M, MF, P>(
        &self,
        what: &str,
        meilisearch: M,
        postgres: P,
    ) -> Result<(T, &'static str), Error>
    where
        M: FnOnce(Arc<Meili>) -> MF,
        MF: Future<Output = Result<T, Error>>,
        P: Future<Output = Result<T, Error>>,
    {
        if let Engine::Meilisearch(meili) = self {
            match tokio::time::timeout(meili.timeout, meilisearch(meili.clone())).await {
                Ok(Ok(answer)) => return Ok((answer, self.name())),
                Ok(Err(error)) => fell_back(what, Some(error)),
                Err(_) => fell_back(what, None),
            }
        }
        Ok((postgres.await?, Engine::Postgres.name()))
    }
}

/// A short, stable name for a (sanitised) query, for cache keys of bounded length.
fn cache_digest(query: &SearchQuery) -> String {
    use sha2::Digest;
    let json = serde_json::to_vec(query).unwrap_or_default();
    crate::server::platform::media::hex_prefix(&sha2::Sha256::digest(&json), 16)
}

/// Logs and counts a Meilisearch query that PostgreSQL answers instead: `error` is what
/// Meilisearch said, `None` when it did not answer in time.
fn fell_back(what: &str, error: Option<Error>) {
    let total = FALLBACKS.fetch_add(1, Ordering::Relaxed) + 1;
    match error {
        None => tracing::warn!(
            what,
            fallbacks = total,
            "meilisearch too slow; PostgreSQL answered"
        ),
        Some(error) => {
            tracing::warn!(what, fallbacks = total, %error, "meilisearch failed; PostgreSQL answered")
        }
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
