//! Delivery zones, their rates and VAT by country as staff manage them. Checkout reads the
//! same tables (`checkout::pricing`), so a saved change applies to the next page a shopper
//! opens. Each change is checked against the version it was opened at and audited.

use crate::model::country::country_name;
use crate::model::delivery::{
    area_text, areas_form, describe_rate, kg_text, DeliveryPage, RateForm, RateInput, RateView,
    TaxRow, ZoneEditor, ZoneForm, ZoneRow,
};
use crate::model::{AppError, Currency, Money};
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::platform::audit;
use crate::server::Error;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use std::net::IpAddr;

struct RateRow {
    id: i64,
    zone_id: i64,
    version: i32,
    input: RateInput,
}

async fn rates(db: &PgPool, zone: Option<i64>, currency: Currency) -> Result<Vec<RateRow>, Error> {
    let rows = sqlx::query!(
        r#"SELECT r.id, r.zone_id, r.version, r.name, r.price_minor, r.free_above_minor,
                  r.cash_on_delivery, r.cod_fee_minor, r.active, r.position,
                  coalesce(array_agg(b.up_to_grams ORDER BY b.up_to_grams)
                           FILTER (WHERE b.rate_id IS NOT NULL), '{}') AS "up_to!",
                  coalesce(array_agg(b.price_minor ORDER BY b.up_to_grams)
                           FILTER (WHERE b.rate_id IS NOT NULL), '{}') AS "prices!"
           FROM shipping_rates r LEFT JOIN shipping_rate_bands b ON b.rate_id = r.id
           WHERE r.currency = $1 AND ($2::BIGINT IS NULL OR r.zone_id = $2)
           GROUP BY r.id ORDER BY r.position, r.id"#,
        currency.code(),
        zone
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RateRow {
            id: r.id,
            zone_id: r.zone_id,
            version: r.version,
            input: RateInput {
                name: r.name,
                price_minor: r.price_minor,
                free_above_minor: r.free_above_minor,
                bands: r.up_to.into_iter().zip(r.prices).collect(),
                cash_on_delivery: r.cash_on_delivery,
                cod_fee_minor: r.cod_fee_minor,
                active: r.active,
                position: r.position,
            },
        })
        .collect())
}

async fn areas(db: &PgPool, zone: Option<i64>) -> Result<Vec<(i64, (String, String))>, Error> {
    let rows = sqlx::query!(
        "SELECT zone_id, country::TEXT AS \"country!\", region FROM shipping_zone_countries
         WHERE $1::BIGINT IS NULL OR zone_id = $1 ORDER BY country, region",
        zone
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.zone_id, (r.country, r.region)))
        .collect())
}

/// The zones with where they deliver and their rates, and VAT by country.
pub async fn page(db: &PgPool, staff: &Staff, currency: Currency) -> Result<DeliveryPage, Error> {
    staff.require(Permission::ManageSettings)?;
    let zones = sqlx::query!("SELECT id, name FROM shipping_zones ORDER BY name, id")
        .fetch_all(db)
        .await?;
    let (areas, rates) = (areas(db, None).await?, rates(db, None, currency).await?);
    let taxes = sqlx::query!(
        "SELECT country::TEXT AS \"country!\", rate_bp, version FROM tax_rates ORDER BY country"
    )
    .fetch_all(db)
    .await?;
    Ok(DeliveryPage {
        zones: zones
            .into_iter()
            .map(|z| {
                let mine: Vec<(String, String)> = areas
                    .iter()
                    .filter(|a| a.0 == z.id)
                    .map(|a| a.1.clone())
                    .collect();
                ZoneRow {
                    id: z.id,
                    name: z.name,
                    areas: areas_form(&mine).replace('\n', "; "),
                    rates: rates
                        .iter()
                        .filter(|r| r.zone_id == z.id)
                        .map(|r| describe_rate(&r.input, currency))
                        .collect(),
                }
            })
            .collect(),
        taxes: taxes
            .into_iter()
            .map(|t| TaxRow {
                country_name: country_name(&t.country).unwrap_or(&t.country).to_owned(),
                country: t.country,
                rate_bp: t.rate_bp,
                version: t.version,
            })
            .collect(),
        currency,
    })
}

fn rate_form(r: &RateRow, currency: Currency) -> RateForm {
    let money = |m: i64| Money::new(m, currency).decimal();
    let on = |b: bool| if b { "on" } else { "" }.to_owned();
    RateForm {
        version: r.version,
        name: r.input.name.clone(),
        price: money(r.input.price_minor),
        free_above: r.input.free_above_minor.map(money).unwrap_or_default(),
        bands: r
            .input
            .bands
            .iter()
            .map(|(g, p)| format!("{} kg: {}", kg_text(*g), money(*p)))
            .collect::<Vec<_>>()
            .join("\n"),
        cash_on_delivery: on(r.input.cash_on_delivery),
        cod_fee: if r.input.cod_fee_minor > 0 {
            money(r.input.cod_fee_minor)
        } else {
            String::new()
        },
        active: on(r.input.active),
        position: r.input.position.to_string(),
    }
}

/// Zone `id`'s page with its rates, or an empty one for a new zone.
pub async fn zone_editor(
    db: &PgPool,
    staff: &Staff,
    id: Option<i64>,
    currency: Currency,
) -> Result<ZoneEditor, Error> {
    staff.require(Permission::ManageSettings)?;
    let Some(id) = id else {
        return Ok(ZoneEditor {
            id: None,
            form: ZoneForm::default(),
            rates: vec![],
            currency,
            updated: None,
        });
    };
    let z = sqlx::query!(
        r#"SELECT z.name, z.version, a.email AS "by?",
                  to_char(z.updated_at, 'FMDD Mon YYYY, HH24:MI:SS') AS "at!"
           FROM shipping_zones z LEFT JOIN accounts a ON a.id = z.updated_by WHERE z.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let mine: Vec<(String, String)> = areas(db, Some(id))
        .await?
        .into_iter()
        .map(|a| a.1)
        .collect();
    Ok(ZoneEditor {
        id: Some(id),
        form: ZoneForm {
            version: z.version,
            name: z.name,
            areas: areas_form(&mine),
        },
        rates: rates(db, Some(id), currency)
            .await?
            .iter()
            .map(|r| RateView {
                id: r.id,
                form: rate_form(r, currency),
                summary: describe_rate(&r.input, currency),
            })
            .collect(),
        currency,
        updated: z.by.map(|by| (by, z.at)),
    })
}

/// Locks zone `id` at `version`, or refuses.
async fn lock_zone(tx: &mut PgConnection, id: i64, version: i32) -> Result<(), Error> {
    let z = sqlx::query!(
        r#"SELECT z.version, a.email AS "by?",
                  to_char(z.updated_at, 'FMDD Mon YYYY, HH24:MI:SS') AS "at!"
           FROM shipping_zones z LEFT JOIN accounts a ON a.id = z.updated_by
           WHERE z.id = $1 FOR UPDATE OF z"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if z.version != version {
        return Err(Error::stale("this zone", z.by, Some(&z.at)));
    }
    Ok(())
}

/// Creates a zone (no `id`) or saves zone `id` over the version it was opened at. An area
/// already in another zone is refused with that zone's name (an emirate may have a zone of
/// its own beside its country's: the emirate's wins). Returns the zone's id.
pub async fn save_zone(
    db: &PgPool,
    staff: &Staff,
    id: Option<i64>,
    form: &ZoneForm,
    ip: Option<IpAddr>,
) -> Result<i64, Error> {
    staff.require(Permission::ManageSettings)?;
    let zone = form.parse()?;
    let mut tx = db.begin().await?;
    // Zones change one at a time: two saves claiming the same emirate cannot both pass
    // the check below.
    sqlx::query!("LOCK TABLE shipping_zone_countries IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let id = match id {
        Some(id) => {
            lock_zone(&mut tx, id, form.version).await?;
            sqlx::query!(
                "UPDATE shipping_zones SET name = $2, version = version + 1, updated_at = now(),
                     updated_by = $3 WHERE id = $1",
                id,
                zone.name,
                staff.account_id
            )
            .execute(&mut *tx)
            .await?;
            id
        }
        None => {
            sqlx::query_scalar!(
                "INSERT INTO shipping_zones (name, updated_by) VALUES ($1, $2) RETURNING id",
                zone.name,
                staff.account_id
            )
            .fetch_one(&mut *tx)
            .await?
        }
    };
    let (countries, regions): (Vec<String>, Vec<String>) = zone.areas.iter().cloned().unzip();
    let taken = sqlx::query!(
        r#"SELECT c.country::TEXT AS "country!", c.region, z.name
           FROM shipping_zone_countries c JOIN shipping_zones z ON z.id = c.zone_id
           JOIN unnest($2::TEXT[], $3::TEXT[]) AS a(country, region)
             ON a.country = c.country AND a.region = c.region
           WHERE c.zone_id <> $1 LIMIT 1"#,
        id,
        &countries,
        &regions
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(t) = taken {
        return Err(AppError::validation(
            "areas",
            format!(
                "{} is already in the zone {:?}",
                area_text(&(t.country, t.region)),
                t.name
            ),
        )
        .into());
    }
    sqlx::query!("DELETE FROM shipping_zone_countries WHERE zone_id = $1", id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "INSERT INTO shipping_zone_countries (zone_id, country, region)
         SELECT $1, * FROM unnest($2::TEXT[], $3::TEXT[])",
        id,
        &countries,
        &regions
    )
    .execute(&mut *tx)
    .await?;
    let action = if form.version == 0 {
        "settings.zone_created"
    } else {
        "settings.zone_saved"
    };
    let details = json!({ "zone": id, "name": zone.name, "areas": areas_form(&zone.areas) });
    audit::record_in(&mut tx, Some(staff.account_id), action, ip, details).await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes zone `id` and its rates (orders keep the rate's name and price they were sold at).
pub async fn delete_zone(
    db: &PgPool,
    staff: &Staff,
    id: i64,
    version: i32,
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    staff.require(Permission::ManageSettings)?;
    let mut tx = db.begin().await?;
    lock_zone(&mut tx, id, version).await?;
    let name = sqlx::query_scalar!(
        "DELETE FROM shipping_zones WHERE id = $1 RETURNING name",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let details = json!({ "zone": id, "name": name });
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "settings.zone_deleted",
        ip,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a rate in zone `zone_id` (no `id`) or saves rate `id` of it over its version.
pub async fn save_rate(
    db: &PgPool,
    staff: &Staff,
    zone_id: i64,
    id: Option<i64>,
    form: &RateForm,
    currency: Currency,
    ip: Option<IpAddr>,
) -> Result<i64, Error> {
    staff.require(Permission::ManageSettings)?;
    let r = form.parse(currency)?;
    let mut tx = db.begin().await?;
    let id = match id {
        Some(id) => {
            let updated = sqlx::query_scalar!(
                "UPDATE shipping_rates SET name = $4, price_minor = $5, free_above_minor = $6,
                     cash_on_delivery = $7, cod_fee_minor = $8, active = $9, position = $10,
                     currency = $11, version = version + 1
                 WHERE id = $1 AND zone_id = $2 AND version = $3 RETURNING id",
                id,
                zone_id,
                form.version,
                r.name,
                r.price_minor,
                r.free_above_minor,
                r.cash_on_delivery,
                r.cod_fee_minor,
                r.active,
                r.position,
                currency.code()
            )
            .fetch_optional(&mut *tx)
            .await?;
            if updated.is_none() {
                let exists = sqlx::query_scalar!(
                    "SELECT version FROM shipping_rates WHERE id = $1 AND zone_id = $2",
                    id,
                    zone_id
                )
                .fetch_optional(&mut *tx)
                .await?;
                return Err(match exists {
                    None => AppError::NotFound.into(),
                    Some(_) => Error::stale("this rate", None, None),
                });
            }
            sqlx::query!("DELETE FROM shipping_rate_bands WHERE rate_id = $1", id)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => sqlx::query_scalar!(
            "INSERT INTO shipping_rates (zone_id, name, currency, price_minor, free_above_minor,
                     cash_on_delivery, cod_fee_minor, active, position)
                 SELECT id, $2, $3, $4, $5, $6, $7, $8, $9 FROM shipping_zones WHERE id = $1
                 RETURNING id",
            zone_id,
            r.name,
            currency.code(),
            r.price_minor,
            r.free_above_minor,
            r.cash_on_delivery,
            r.cod_fee_minor,
            r.active,
            r.position
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?,
    };
    let (up_to, prices): (Vec<i32>, Vec<i64>) = r.bands.iter().copied().unzip();
    sqlx::query!(
        "INSERT INTO shipping_rate_bands (rate_id, up_to_grams, price_minor)
         SELECT $1, * FROM unnest($2::INT[], $3::BIGINT[])",
        id,
        &up_to,
        &prices
    )
    .execute(&mut *tx)
    .await?;
    let action = if form.version == 0 {
        "settings.rate_created"
    } else {
        "settings.rate_saved"
    };
    let details = json!({ "zone": zone_id, "rate": id, "rate_text": describe_rate(&r, currency) });
    audit::record_in(&mut tx, Some(staff.account_id), action, ip, details).await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes rate `id` of zone `zone_id`, opened at `version`.
pub async fn delete_rate(
    db: &PgPool,
    staff: &Staff,
    zone_id: i64,
    id: i64,
    version: i32,
    ip: Option<IpAddr>,
) -> Result<String, Error> {
    staff.require(Permission::ManageSettings)?;
    let mut tx = db.begin().await?;
    let name = sqlx::query_scalar!(
        "DELETE FROM shipping_rates WHERE id = $1 AND zone_id = $2 AND version = $3 RETURNING name",
        id,
        zone_id,
        version
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::stale("this rate", None, None))?;
    let details = json!({ "zone": zone_id, "rate": id, "name": name });
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "settings.rate_deleted",
        ip,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(name)
}

mod tax;
pub use tax::{delete_tax, save_tax};
