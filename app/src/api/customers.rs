//! The admin's customers: the list, one customer's page, and sending them a password reset
//! link or erasing their data. Each function checks the staff session and its permission,
//! then makes one call into `server::customers`, which checks again. The data export is a
//! download (`server/src/routes/account.rs`).

use crate::model::customer::{CustomerDetail, CustomerPage};
use crate::model::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod glue {
    pub(crate) use crate::api::admin::require_staff as require;
    pub use crate::api::{in_span, redirect};
    pub use crate::server::accounts::staff::Permission;
    pub use crate::server::{customers, state};
}

/// A page of customers, newest first, matching `q`, older than `before`.
#[server]
pub async fn get_customers(
    q: Option<String>,
    before: Option<i64>,
) -> Result<CustomerPage, AppError> {
    use glue::*;
    in_span("get_customers", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewCustomers).await?;
        let (db, currency) = (&state.db, state.currency());
        let q = q.unwrap_or_default();
        Ok(customers::list(db, &me, &q, before, currency).await?)
    })
    .await
}

/// Customer `id`'s page.
#[server]
pub async fn get_customer(id: i64) -> Result<CustomerDetail, AppError> {
    use glue::*;
    in_span("get_customer", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewCustomers).await?;
        let currency = state.currency();
        Ok(customers::detail(&state.db, &me, id, currency).await?)
    })
    .await
}

/// Emails customer `id` a link to choose a new password.
#[server]
pub async fn send_customer_reset(id: i64) -> Result<(), AppError> {
    use glue::*;
    in_span("send_customer_reset", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewCustomers).await?;
        let (site, client) = (&state.accounts.site, state.accounts.client());
        customers::send_reset(&state.db, site, &me, id, &client).await?;
        redirect(&format!("/admin/customers/{id}?done=reset"))?;
        Ok(())
    })
    .await
}

/// Erases customer `id`'s data, confirmed by typing their email.
#[server]
pub async fn erase_customer(id: i64, confirm_email: String) -> Result<(), AppError> {
    use glue::*;
    in_span("erase_customer", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageCustomerData).await?;
        let ip = state.accounts.client().ip;
        customers::erase(&state.db, &me, id, &confirm_email, ip).await?;
        redirect(&format!("/admin/customers/{id}?done=erased"))?;
        Ok(())
    })
    .await
}
