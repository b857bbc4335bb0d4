//! Readiness: can this instance serve shoppers right now?

use super::cache::Cache;
use serde::Serialize;
use sqlx::PgPool;
use std::time::Duration;

#[derive(Debug, Serialize)]
pub struct Readiness {
    pub ready: bool,
    pub database: &'static str,
    pub redis: &'static str,
}

/// PostgreSQL must answer; Redis must answer when it is configured. Each check is bounded.
pub async fn check(db: &PgPool, cache: &Cache, timeout: Duration) -> Readiness {
    let database = match tokio::time::timeout(timeout, sqlx::query("SELECT 1").execute(db)).await {
        Ok(Ok(_)) => "ok",
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database check failed");
            "unavailable"
        }
        Err(_) => {
            tracing::warn!("readiness: database check timed out");
            "unavailable"
        }
    };
    let redis = match cache {
        Cache::Memory(_) | Cache::Disabled => "not_configured",
        Cache::Redis(_) => match cache.ping().await {
            Ok(()) => "ok",
            Err(error) => {
                tracing::warn!(%error, "readiness: redis check failed");
                "unavailable"
            }
        },
    };
    Readiness {
        ready: database == "ok" && redis != "unavailable",
        database,
        redis,
    }
}
