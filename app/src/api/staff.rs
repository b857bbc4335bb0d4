//! The owner's team page and the audit log: deactivate or reactivate a staff member, change
//! their role, reset their second factor, read the log with filters. Each function checks the
//! staff session and its permission, then makes one call into `server::accounts::staff`,
//! which checks again. Adding staff is `api::admin::create_staff`.

use crate::model::staff::{AuditFilter, AuditPage, TeamPage};
use crate::model::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod glue {
    pub(crate) use crate::api::admin::require_staff as require;
    pub use crate::api::{in_span, redirect};
    pub use crate::model::AppError;
    pub use crate::server::accounts::staff::{self, Permission, Role};
    pub use crate::server::state;
}

/// Every staff member, and the roles the viewer may give.
#[server]
pub async fn get_team() -> Result<TeamPage, AppError> {
    use glue::*;
    in_span("get_team", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageStaff).await?;
        Ok(staff::team(&state.db, &me).await?)
    })
    .await
}

/// Deactivates (`active` false: every session ends at once) or reactivates staff member `id`.
#[server]
pub async fn set_staff_active(id: i64, active: bool) -> Result<(), AppError> {
    use glue::*;
    in_span("set_staff_active", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageStaff).await?;
        let client = state.accounts.client();
        staff::set_active(&state.db, &me, id, active, &client).await?;
        let done = if active { "reactivated" } else { "deactivated" };
        redirect(&format!("/admin/staff?done={done}"))?;
        Ok(())
    })
    .await
}

/// Gives staff member `id` the role `role`.
#[server]
pub async fn change_staff_role(id: i64, role: String) -> Result<(), AppError> {
    use glue::*;
    in_span("change_staff_role", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageStaff).await?;
        let role = Role::parse(&role)
            .ok_or_else(|| AppError::validation("role", "choose a role from the list"))?;
        let client = state.accounts.client();
        staff::change_role(&state.db, &me, id, role, &client).await?;
        redirect("/admin/staff?done=role")?;
        Ok(())
    })
    .await
}

/// Resets staff member `id`'s second factor: they enrol again at their next sign-in.
#[server]
pub async fn reset_staff_two_factor(id: i64) -> Result<(), AppError> {
    use glue::*;
    in_span("reset_staff_two_factor", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageStaff).await?;
        let client = state.accounts.client();
        staff::reset_second_factor(&state.db, &me, id, &client).await?;
        redirect("/admin/staff?done=two_factor")?;
        Ok(())
    })
    .await
}

/// A page of the audit log as `filter` narrows it.
#[server]
pub async fn get_audit(filter: AuditFilter) -> Result<AuditPage, AppError> {
    use glue::*;
    in_span("get_audit", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewAudit).await?;
        Ok(staff::audit_page(&state.db, &me, &filter).await?)
    })
    .await
}
