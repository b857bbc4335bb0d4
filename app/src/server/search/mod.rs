//! Product search. One interface, [`Engine::search`], answered by PostgreSQL full-text search
//! (the embedded default, [`postgres`]); a Meilisearch engine plugs in as another [`Engine`]
//! arm and returns the same [`SearchResults`].
//!
//! Query text reaches an engine only as words ([`query_words`]: letters and digits), and
//! filters only as typed values, so no input can change a query's syntax.

mod postgres;

use crate::model::{query_words, Currency, SearchQuery, SearchResults};
use crate::server::cache::Cache;
use crate::server::Error;
use sqlx::PgPool;
use std::time::Instant;

/// Suggestions offered as the shopper types.
pub const SUGGESTIONS: i64 = 6;

/// Which engine answers searches.
#[derive(Debug, Clone, Default)]
pub enum Engine {
    /// `tsvector` with weights, `pg_trgm` spelling correction, prefix matching.
    #[default]
    Postgres,
}

impl Engine {
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
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
        let mut results = match self {
            Engine::Postgres => postgres::search(db, currency, &query).await?,
        };
        if results.total == 0 {
            results.popular = crate::server::catalog::home(db, cache, currency)
                .await?
                .featured;
        }
        results.took_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        results.engine = self.name().to_owned();
        Ok(results)
    }

    /// Product names starting with (or, failing that, close to) what has been typed so far.
    pub async fn suggest(
        &self,
        db: &PgPool,
        currency: Currency,
        text: &str,
    ) -> Result<Vec<crate::model::ProductSummary>, Error> {
        let words = query_words(text);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Engine::Postgres => postgres::suggest(db, currency, &words).await,
        }
    }
}
