//! The PostgreSQL pool and the embedded migrations.

use super::config::DatabaseSettings;
use super::error::Error;
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

/// Every migration in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// A pooled connection idle this long is pinged before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(5);

/// Connects (and checks the connection once) so a wrong URL fails at start-up, not later.
///
/// A connection back from the pool is pinged only when it sat idle for [`PING_AFTER_IDLE`]
/// (one that fails is replaced). Pinging on every acquire, sqlx's default, costs a round trip
/// each time, and a page takes several connections in turn (a search: three to five).
/// A connection in steady use shows a dropped server on its next statement anyway.
///
/// Every session runs in the shop's `time_zone`, so the times pages show (`to_char` of a
/// `timestamptz`) are the shop's local times; PostgreSQL refuses an unknown zone here.
pub async fn connect(settings: &DatabaseSettings, time_zone: &str) -> Result<PgPool, Error> {
    let options = PgConnectOptions::from_str(settings.url.expose_secret())?
        .application_name("duka")
        .options([("timezone", time_zone)]);
    let pool = PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_millis(settings.acquire_timeout_ms))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Applies pending migrations. Safe to run from several instances at once: sqlx takes an
/// advisory lock.
pub async fn migrate(pool: &PgPool) -> Result<(), Error> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// A `LIKE`/`ILIKE` pattern that finds `text` anywhere, its wildcards taken literally.
pub fn contains_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}
