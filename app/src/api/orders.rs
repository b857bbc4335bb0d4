//! Orders as customers see them: one order by its link key or as its signed-in owner, the
//! customer's order list, and the guests' lookup by email and order number. Another
//! customer's order is a 404.

use crate::model::{AppError, OrderSummary, OrderView};
use leptos::prelude::*;

/// One order: the signed-in owner's, or anyone's holding its `key` (from the confirmation
/// page or email). Otherwise not found.
#[server]
pub async fn get_order(number: i64, key: Option<String>) -> Result<OrderView, AppError> {
    use crate::server::orders::{self, Access};
    use crate::server::{auth::viewer, in_span, state};
    in_span("get_order", async move {
        let state = state()?;
        let access = match key.as_deref().filter(|k| !k.is_empty() && k.len() <= 128) {
            Some(key) => {
                let now = crate::server::auth::now();
                if orders::open_lookup_key(&state.accounts.keys, number, key, now) {
                    Access::LookedUp
                } else {
                    Access::Key(key)
                }
            }
            None => Access::Account(viewer().ok_or(AppError::NotFound)?.account_id),
        };
        let order = orders::view(&state.db, number, access.clone()).await?;
        if !order.awaits_card_payment() {
            return Ok(order);
        }
        // Only after access was checked: the payment's state (a PaymentIntent paid or
        // cancelled meanwhile is applied here), then the order as it now is.
        let card = state.payments.start(number).await?;
        let mut order = match card {
            Some(_) => order,
            None => orders::view(&state.db, number, access).await?,
        };
        order.card = card;
        Ok(order)
    })
    .await
}

/// The signed-in customer's orders, newest first.
#[server]
pub async fn get_my_orders() -> Result<Vec<OrderSummary>, AppError> {
    use crate::server::{auth::require_customer, in_span, orders, state};
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
    use crate::server::limits::{self, client_subject};
    use crate::server::{in_span, orders, state};
    in_span("lookup_order", async move {
        let state = state()?;
        let client = state.accounts.client();
        state
            .accounts
            .limits
            .check(limits::LINK_PER_CLIENT, &client_subject(&client))
            .await?;
        let number: i64 = number.trim().trim_start_matches('#').parse().map_err(|_| {
            AppError::validation("number", "enter the order number from your email")
        })?;
        let now = crate::server::auth::now();
        let key = match orders::lookup(&state.db, &state.accounts.keys, &email, number, now).await {
            Ok(key) => key,
            Err(crate::server::Error::App(AppError::NotFound)) => {
                return Err(AppError::validation(
                    "number",
                    "we found no order with this number and email address",
                ))
            }
            Err(other) => return Err(other.into()),
        };
        crate::server::redirect(&format!("/orders/{number}?key={key}"))?;
        Ok(())
    })
    .await
}
