//! Internal errors. They carry causes (SQL, Redis, I/O) for the logs; converting one into
//! the client-safe [`AppError`] logs it and hands the user an opaque reference instead.

use crate::model::AppError;
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A domain outcome the user can act on (not found, validation, out of stock...).
    #[error(transparent)]
    App(#[from] AppError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("search engine: {0}")]
    Search(#[from] meilisearch_sdk::errors::Error),
    #[error("serialisation: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn other(message: impl Into<String>) -> Self {
        Error::Other(message.into())
    }

    /// The refusal of a save over a newer version of `what`: who saved it and when, if
    /// known (a row that is gone has neither).
    pub fn stale(what: &str, by: Option<String>, at: Option<&str>) -> Self {
        let who = by.unwrap_or_else(|| "someone else".into());
        let when = at.map(|at| format!(" at {at}")).unwrap_or_default();
        AppError::Stale {
            message: format!(
                "{what} was changed or removed by {who}{when}, after you opened it. Nothing \
                 you sent was saved: reload the page to see the change, then make yours again."
            ),
        }
        .into()
    }
}

/// A short reference a user can quote to support; the same string is in the log line.
pub fn new_reference() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // Time (to the microsecond) for uniqueness across restarts, the counter within a process.
    format!("{:08x}{:04x}", (nanos / 1_000) & 0xffff_ffff, n & 0xffff)
}

impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        match err {
            Error::App(app) => app,
            Error::Database(sqlx::Error::PoolTimedOut) => {
                super::metrics::pool_timeout();
                tracing::warn!(error = %err, "database pool exhausted or unreachable");
                AppError::Unavailable
            }
            other => {
                let reference = super::request::reference();
                tracing::error!(error = %other, error.debug = ?other, %reference, "internal error");
                AppError::Internal { reference }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_causes_never_reach_the_client() {
        let err = Error::Database(sqlx::Error::Protocol(
            "relation \"secret_table\" does not exist".into(),
        ));
        let app: AppError = err.into();
        let shown = app.to_string();
        assert!(matches!(app, AppError::Internal { .. }));
        assert!(!shown.contains("secret_table"), "{shown}");
    }

    #[test]
    fn domain_errors_pass_through() {
        let app: AppError = Error::App(AppError::NotFound).into();
        assert_eq!(app, AppError::NotFound);
    }

    #[test]
    fn references_differ_within_the_same_instant() {
        let refs: std::collections::HashSet<String> = (0..1000).map(|_| new_reference()).collect();
        assert_eq!(refs.len(), 1000);
    }
}
