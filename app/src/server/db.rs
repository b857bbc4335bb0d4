//! The PostgreSQL pool and the embedded migrations.

use super::config::DatabaseSettings;
use super::Error;
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

/// Every migration in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Connects (and checks the connection once) so a wrong URL fails at start-up, not later.
pub async fn connect(settings: &DatabaseSettings) -> Result<PgPool, Error> {
    let options =
        PgConnectOptions::from_str(settings.url.expose_secret())?.application_name("duka");
    let pool = PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_millis(settings.acquire_timeout_ms))
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
