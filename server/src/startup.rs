//! From settings to a running server, with start-up failures said in one line.

use app::server::platform::cache::RedisCache;
use app::server::platform::config::Settings;
use app::server::platform::db;
use app::server::AppState;
use secrecy::ExposeSecret;
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;
use std::time::Duration;

/// Why the server could not start, in words that say what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Config(#[from] app::server::platform::config::ConfigError),
    #[error("cannot connect to PostgreSQL at {target}: {cause}. Is it running? (`make services` starts a local one)")]
    Database { target: String, cause: String },
    #[error("cannot apply database migrations: {0}")]
    Migrate(String),
    #[error("cannot connect to Redis (REDIS_URL): {0}. Start it, or unset REDIS_URL to use the in-process cache")]
    Redis(String),
    #[error("cannot listen on {addr}: {cause}")]
    Bind { addr: String, cause: String },
    #[error("{0}")]
    Other(String),
}

/// `host:port/database` of a database URL, never its password.
pub fn db_target(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(o) => format!(
            "{}:{}/{}",
            o.get_host(),
            o.get_port(),
            o.get_database().unwrap_or("(default)")
        ),
        Err(_) => "(unparseable DATABASE_URL)".to_owned(),
    }
}

/// Connects to PostgreSQL (and Redis when configured), migrates if asked, and builds the state.
pub async fn build_state(settings: Settings) -> Result<AppState, StartupError> {
    let target = db_target(settings.database.url.expose_secret());
    let pool = db::connect(&settings.database, &settings.store.time_zone)
        .await
        .map_err(|e| StartupError::Database {
            target: target.clone(),
            cause: e.to_string(),
        })?;
    if settings.database.migrate_on_start {
        db::migrate(&pool)
            .await
            .map_err(|e| StartupError::Migrate(e.to_string()))?;
    }
    // Redis holds the cache and the rate-limit counters; DUKA_CACHE=off turns off only the cache.
    let redis = match &settings.redis {
        Some(redis) => Some(
            RedisCache::connect(
                redis.url.expose_secret(),
                Duration::from_millis(redis.timeout_ms),
            )
            .await
            .map_err(|e| StartupError::Redis(e.to_string()))?,
        ),
        None => None,
    };
    let state = AppState::new(settings, pool, redis).map_err(StartupError::Other)?;
    // The shop's settings: written from the configuration at the first start, read after.
    state
        .shop
        .start(&state.db, &state.settings.store)
        .await
        .map_err(|e| StartupError::Other(format!("reading the shop's settings: {e}")))?;
    // Staff authenticator secrets under an old DUKA_TOTP_KEY (or from before sealing) are
    // sealed under the current one, so a key rotation completes with this start.
    let resealed =
        app::server::accounts::two_factor::reseal_secrets(&state.db, &state.accounts.sealer)
            .await
            .map_err(|e| StartupError::Other(format!("sealing staff secrets: {e}")))?;
    if resealed.resealed > 0 || resealed.unreadable > 0 {
        tracing::info!(
            resealed = resealed.resealed,
            unreadable = resealed.unreadable,
            "staff authenticator secrets sealed under the current DUKA_TOTP_KEY"
        );
    }
    tracing::info!(
        database = %target,
        cache = state.cache.backend(),
        search = state.search.name(),
        rate_limits = state.accounts.limits.backend(),
        mail = %state.accounts.mailer.describe(),
        "connected"
    );
    Ok(state)
}

/// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish (`crate::shutdown`).
pub async fn serve(state: AppState) -> Result<(), StartupError> {
    use axum::serve::ListenerExt;
    let addr = state.settings.site.addr;
    let socket = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| StartupError::Bind {
            addr: addr.to_string(),
            cause: e.to_string(),
        })?;
    let (close, closing) = tokio::sync::watch::channel(false);
    let listener = crate::shutdown::Closing::new(socket, closing)
        // Streaming responses stall 40 ms per write under Nagle + delayed ACKs.
        .tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!(%error, "could not set TCP_NODELAY");
            }
        });
    // Hash the executable now rather than on the first page request.
    tokio::task::spawn_blocking(app::server::platform::executable::build_id)
        .await
        .map_err(|e| StartupError::Other(e.to_string()))?;
    // Cache invalidation, sweepers and the outboxes: see `app::server::jobs`.
    app::server::jobs::start(&state)
        .await
        .map_err(|e| StartupError::Other(format!("cannot start the background jobs: {e}")))?;
    // The recorder is installed with the router's layers; its histograms need upkeep.
    tokio::spawn(crate::metrics::upkeep());
    if let Some(metrics_addr) = state.settings.metrics.addr {
        serve_metrics(metrics_addr, state.clone()).await?;
    }
    tracing::info!("Duka is serving {} on http://{addr}", state.shop().name);
    let app = crate::router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(crate::shutdown::signal(close))
    .await
    .map_err(|e| StartupError::Other(format!("server error: {e}")))?;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// `/metrics` alone on `addr` (`DUKA_METRICS_ADDR`), for the scraper on a private network.
async fn serve_metrics(addr: std::net::SocketAddr, state: AppState) -> Result<(), StartupError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| StartupError::Bind {
            addr: addr.to_string(),
            cause: e.to_string(),
        })?;
    let app = axum::Router::new()
        .route(
            crate::metrics::PATH,
            axum::routing::get(crate::metrics::render),
        )
        .with_state(state);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    tracing::info!("metrics on http://{addr}{}", crate::metrics::PATH);
    Ok(())
}
