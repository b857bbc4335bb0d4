//! The admin's settings: the shop's details, delivery zones and their rates, VAT by country.
//! Each function checks the staff session and `ManageSettings`, then makes one call into
//! `server::shop` or `server::delivery`, which check again. (The logo is a multipart upload:
//! the server's `routes::uploads::shop_logo`.)

use crate::model::delivery::{DeliveryPage, RateForm, TaxForm, ZoneEditor, ZoneForm};
use crate::model::shop::{ShopEditor, ShopForm};
use crate::model::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod glue {
    pub(crate) use crate::api::admin::require_staff as require;
    pub use crate::api::{in_span, redirect};
    pub use crate::server::accounts::staff::Permission;
    pub use crate::server::{delivery, shop, state};
}

/// The shop's settings as saved.
#[server]
pub async fn get_shop_settings() -> Result<ShopEditor, AppError> {
    use glue::*;
    in_span("get_shop_settings", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageSettings).await?;
        Ok(shop::editor(&state.db, &me).await?)
    })
    .await
}

/// Saves the shop's settings over the version the form was opened at.
#[server]
pub async fn save_shop_settings(shop: ShopForm) -> Result<(), AppError> {
    use glue::*;
    in_span("save_shop_settings", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageSettings).await?;
        let ip = state.accounts.client().ip;
        shop::save(&state.db, &state.shop, &me, &shop, ip).await?;
        // Cached pages carry the name; other servers retire theirs on the notification.
        crate::server::catalog::invalidate(&state.cache).await;
        redirect("/admin/settings?done=saved")?;
        Ok(())
    })
    .await
}

/// The delivery zones with their rates, and VAT by country.
#[server]
pub async fn get_delivery() -> Result<DeliveryPage, AppError> {
    use glue::*;
    in_span("get_delivery", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageSettings).await?;
        Ok(delivery::page(&state.db, &me, state.currency()).await?)
    })
    .await
}

/// Zone `id` with its rates, or an empty zone.
#[server]
pub async fn get_zone_editor(id: Option<i64>) -> Result<ZoneEditor, AppError> {
    use glue::*;
    in_span("get_zone_editor", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageSettings).await?;
        Ok(delivery::zone_editor(&state.db, &me, id, state.currency()).await?)
    })
    .await
}

/// Creates a zone (no `id`) or saves zone `id`.
#[server]
pub async fn save_zone(id: Option<i64>, zone: ZoneForm) -> Result<(), AppError> {
    use glue::*;
    in_span("save_zone", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageSettings).await?;
        let ip = state.accounts.client().ip;
        let id = delivery::save_zone(&state.db, &me, id, &zone, ip).await?;
        redirect(&format!("/admin/settings/zones/{id}?done=zone"))?;
        Ok(())
    })
    .await
}

/// Deletes zone `id`, opened at `version`, with its rates.
#[server]
pub async fn delete_zone(id: i64, version: i32) -> Result<(), AppError> {
    use glue::*;
    in_span("delete_zone", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageSettings).await?;
        let ip = state.accounts.client().ip;
        delivery::delete_zone(&state.db, &me, id, version, ip).await?;
        redirect("/admin/settings/delivery?done=zone_deleted")?;
        Ok(())
    })
    .await
}

/// Adds a rate to zone `zone_id` (no `id`) or saves rate `id` of it.
#[server]
pub async fn save_rate(zone_id: i64, id: Option<i64>, rate: RateForm) -> Result<(), AppError> {
    use glue::*;
    in_span("save_rate", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageSettings).await?;
        let (ip, currency) = (state.accounts.client().ip, state.currency());
        delivery::save_rate(&state.db, &me, zone_id, id, &rate, currency, ip).await?;
        redirect(&format!("/admin/settings/zones/{zone_id}?done=rate"))?;
        Ok(())
    })
    .await
}

/// Deletes rate `id` of zone `zone_id`, opened at `version`.
#[server]
pub async fn delete_rate(zone_id: i64, id: i64, version: i32) -> Result<(), AppError> {
    use glue::*;
    in_span("delete_rate", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageSettings).await?;
        let ip = state.accounts.client().ip;
        delivery::delete_rate(&state.db, &me, zone_id, id, version, ip).await?;
        redirect(&format!(
            "/admin/settings/zones/{zone_id}?done=rate_deleted"
        ))?;
        Ok(())
    })
    .await
}

/// Adds or changes a country's VAT rate.
#[server]
pub async fn save_tax(tax: TaxForm) -> Result<(), AppError> {
    use glue::*;
    in_span("save_tax", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageSettings).await?;
        let ip = state.accounts.client().ip;
        let country = delivery::save_tax(&state.db, &me, &tax, ip).await?;
        redirect(&format!(
            "/admin/settings/delivery?done=tax&country={country}#vat"
        ))?;
        Ok(())
    })
    .await
}

/// Removes a country's VAT rate, opened at `version`.
#[server]
pub async fn delete_tax(country: String, version: i32) -> Result<(), AppError> {
    use glue::*;
    in_span("delete_tax", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageSettings).await?;
        let ip = state.accounts.client().ip;
        delivery::delete_tax(&state.db, &me, &country, version, ip).await?;
        redirect("/admin/settings/delivery?done=tax_removed#vat")?;
        Ok(())
    })
    .await
}
