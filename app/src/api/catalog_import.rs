//! Catalog CSV imports in the admin: following a job and applying a finished dry run. The
//! upload itself is a streamed multipart request (the server's `routes::catalog_import`).

use crate::model::catalog_admin::ImportStatus;
use crate::model::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod glue {
    pub(crate) use crate::api::admin::require_staff as require;
    pub use crate::api::{in_span, redirect};
    pub use crate::server::accounts::staff::Permission;
    pub use crate::server::catalog::admin;
    pub use crate::server::state;
}

/// One import with its report.
#[server]
pub async fn get_import(id: i64) -> Result<ImportStatus, AppError> {
    use glue::*;
    in_span("get_import", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewCatalog).await?;
        Ok(admin::import_status(&state.db, &me, id).await?)
    })
    .await
}

/// The newest imports, and whether this member may start one.
#[server]
pub async fn get_imports() -> Result<(Vec<ImportStatus>, bool), AppError> {
    use glue::*;
    in_span("get_imports", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewCatalog).await?;
        let list = admin::recent_imports(&state.db, &me).await?;
        Ok((list, me.role.allows(Permission::ManageCatalog)))
    })
    .await
}

/// Applies the file whose dry run finished.
#[server]
pub async fn apply_import(id: i64) -> Result<(), AppError> {
    use glue::*;
    in_span("apply_import", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageCatalog).await?;
        let ip = state.accounts.client().ip;
        admin::apply_import(&state.db, &me, id, ip).await?;
        redirect(&format!("/admin/products/import/{id}"))
    })
    .await
}
