//! VAT by country as staff set it: added, changed over its version, removed; audited.

use crate::model::delivery::TaxForm;
use crate::model::AppError;
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::platform::audit;
use crate::server::Error;
use serde_json::json;
use sqlx::PgPool;
use std::net::IpAddr;

/// Sets a country's VAT rate: adds it (version 0) or changes it over its version.
pub async fn save_tax(
    db: &PgPool,
    staff: &Staff,
    form: &TaxForm,
    ip: Option<IpAddr>,
) -> Result<String, Error> {
    staff.require(Permission::ManageSettings)?;
    let (country, bp) = form.parse()?;
    let mut tx = db.begin().await?;
    let saved = if form.version == 0 {
        sqlx::query_scalar!(
            "INSERT INTO tax_rates (country, rate_bp) VALUES ($1, $2)
             ON CONFLICT (country) DO NOTHING RETURNING version",
            country,
            bp
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            AppError::validation(
                "country",
                "this country has a rate already: change it in the list",
            )
        })?
    } else {
        sqlx::query_scalar!(
            "UPDATE tax_rates SET rate_bp = $2, version = version + 1, updated_at = now()
             WHERE country = $1 AND version = $3 RETURNING version",
            country,
            bp,
            form.version
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::stale("this country's rate", None, None))?
    };
    let details = json!({ "country": country, "rate_bp": bp, "version": saved });
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "settings.tax_saved",
        ip,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(country)
}

/// Removes a country's VAT rate (it then pays none), opened at `version`.
pub async fn delete_tax(
    db: &PgPool,
    staff: &Staff,
    country: &str,
    version: i32,
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    staff.require(Permission::ManageSettings)?;
    let mut tx = db.begin().await?;
    sqlx::query_scalar!(
        "DELETE FROM tax_rates WHERE country = $1 AND version = $2 RETURNING rate_bp",
        country,
        version
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::stale("this country's rate", None, None))?;
    let details = json!({ "country": country });
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "settings.tax_deleted",
        ip,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
