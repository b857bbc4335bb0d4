//! The admin's coupons: the list, one coupon's editor and report, and its changes. Each
//! function checks the staff session and `ManagePromotions`, then makes one call into
//! `server::promotions`, which checks again.

use crate::model::coupon::{CouponEditor, CouponForm, CouponPage};
use crate::model::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod glue {
    pub(crate) use crate::api::admin::require_staff as require;
    pub use crate::api::{in_span, redirect};
    pub use crate::server::accounts::staff::Permission;
    pub use crate::server::{promotions, state};
}

/// A page of coupons, newest first, with their standing and what they have given: those
/// older than `before`, whose code starts with `q`.
#[server]
pub async fn get_coupons(q: Option<String>, before: Option<i64>) -> Result<CouponPage, AppError> {
    use glue::*;
    in_span("get_coupons", async move {
        let state = state()?;
        let me = require(&state, Permission::ManagePromotions).await?;
        Ok(promotions::list(&state.db, &me, q.as_deref(), before).await?)
    })
    .await
}

/// The editor and report of coupon `id`, or an empty editor.
#[server]
pub async fn get_coupon_editor(id: Option<i64>) -> Result<CouponEditor, AppError> {
    use glue::*;
    in_span("get_coupon_editor", async move {
        let state = state()?;
        let me = require(&state, Permission::ManagePromotions).await?;
        let currency = state.currency();
        Ok(promotions::editor(&state.db, &me, id, currency).await?)
    })
    .await
}

/// Creates a coupon (no `id`) or saves coupon `id` over the version the form was opened at.
#[server]
pub async fn save_coupon(id: Option<i64>, coupon: CouponForm) -> Result<(), AppError> {
    use glue::*;
    in_span("save_coupon", async move {
        let state = state()?;
        let me = require(&state, Permission::ManagePromotions).await?;
        let (currency, ip) = (state.currency(), state.accounts.client().ip);
        let id = promotions::save(&state.db, &me, id, &coupon, currency, ip).await?;
        redirect(&format!("/admin/coupons/{id}?done=saved"))?;
        Ok(())
    })
    .await
}

/// Pauses (`active` "false") or activates coupon `id`, opened at `version`.
#[server]
pub async fn set_coupon_active(id: i64, version: i32, active: bool) -> Result<(), AppError> {
    use glue::*;
    in_span("set_coupon_active", async move {
        let state = state()?;
        let me = require(&state, Permission::ManagePromotions).await?;
        let ip = state.accounts.client().ip;
        promotions::set_active(&state.db, &me, id, version, active, ip).await?;
        let done = if active { "activated" } else { "paused" };
        redirect(&format!("/admin/coupons/{id}?done={done}"))?;
        Ok(())
    })
    .await
}

/// Deletes coupon `id`, opened at `version`, if no order ever used it.
#[server]
pub async fn delete_coupon(id: i64, version: i32) -> Result<(), AppError> {
    use glue::*;
    in_span("delete_coupon", async move {
        let state = state()?;
        let me = require(&state, Permission::ManagePromotions).await?;
        let ip = state.accounts.client().ip;
        let code = promotions::delete(&state.db, &me, id, version, ip).await?;
        redirect(&format!("/admin/coupons?deleted={code}"))?;
        Ok(())
    })
    .await
}
