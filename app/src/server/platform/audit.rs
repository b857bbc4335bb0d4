//! The audit log: security events and staff actions, append-only (the table refuses updates
//! and deletes).

use super::error::Error;
use std::net::IpAddr;

/// Records `action` (`[a-z_.]`, e.g. `account.sign_in_failed`) in the caller's transaction, so
/// the entry exists exactly when the change it describes does.
pub async fn record_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    account_id: Option<i64>,
    action: &str,
    ip: Option<IpAddr>,
    details: serde_json::Value,
) -> Result<(), Error> {
    sqlx::query!(
        "INSERT INTO audit_log (account_id, action, ip, details) VALUES ($1, $2, $3::text::inet, $4)",
        account_id,
        action,
        ip.map(|ip| ip.to_string()),
        details,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records an event that goes with no other change.
pub async fn record(
    db: &sqlx::PgPool,
    account_id: Option<i64>,
    action: &str,
    ip: Option<IpAddr>,
    details: serde_json::Value,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    record_in(&mut tx, account_id, action, ip, details).await?;
    tx.commit().await?;
    Ok(())
}
