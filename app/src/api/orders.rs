//! Orders as customers see them: one order by its link key or as its signed-in owner, the
//! customer's order list, and the guests' lookup by email and order number. Another
//! customer's order is a 404.

use crate::model::{AppError, OrderSummary, OrderView};
use leptos::prelude::*;

/// One order: the signed-in owner's, or anyone's holding its `key` (from the confirmation
/// page or email). Otherwise not found.
#[server]
pub async fn get_order(number: i64, key: Option<String>) -> Result<OrderView, AppError> {
    use crate::api::in_span;
    use crate::server::orders::Access;
    use crate::server::{auth, state};
    in_span("get_order", async move {
        let state = state()?;
        let account = auth::viewer().map(|v| v.account_id);
        let access = Access::of_request(
            &state.accounts.keys,
            number,
            key.as_deref(),
            account,
            auth::now(),
        )?;
        Ok(state.payments.order_page(number, access).await?)
    })
    .await
}

/// The signed-in customer's orders, newest first.
#[server]
pub async fn get_my_orders() -> Result<Vec<OrderSummary>, AppError> {
    use crate::api::in_span;
    use crate::server::{auth::require_customer, orders, state};
    in_span("get_my_orders", async move {
        let state = state()?;
        let v = require_customer()?;
        Ok(orders::list(&state.db, v.account_id).await?)
    })
    .await
}

/// A guest's lookup: the order's email and number open its page. Limited per client like the
/// other link-giving forms; a wrong email and a wrong number answer the same.
#[server]
pub async fn lookup_order(email: String, number: String) -> Result<(), AppError> {
    use crate::api::{in_span, redirect};
    use crate::server::platform::limits;
    use crate::server::{auth, orders, state};
    in_span("lookup_order", async move {
        let state = state()?;
        let a = &state.accounts;
        a.limited_client(limits::LINK_PER_CLIENT).await?;
        let (number, key) =
            orders::lookup_form(&state.db, &a.keys, &email, &number, auth::now()).await?;
        redirect(&format!("/orders/{number}?key={key}"))?;
        Ok(())
    })
    .await
}
