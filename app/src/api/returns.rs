//! Goods coming back on an order: staff record which lines and how many, whether they go back
//! on sale, and whether the customer gets what they paid for them. One call into
//! `server::orders::returns`, then, when asked, one into the order's refunds.

use crate::model::{AppError, ReturnLine};
use leptos::prelude::*;

/// Records that `lines` of order `number` came back (`restock`: back on sale) and, with
/// `refund`, refunds what those units were paid. `request_key`, drawn with the form, makes
/// the same form sent twice do this once (a refund that failed is retried by sending it
/// again).
#[server]
pub async fn return_items(
    number: i64,
    lines: Vec<ReturnLine>,
    restock: Option<String>,
    refund: Option<String>,
    request_key: String,
) -> Result<(), AppError> {
    use crate::api::admin::require_staff as require;
    use crate::api::{in_span, redirect};
    use crate::server::accounts::staff::Permission;
    use crate::server::orders::{returns, Actor};
    in_span("return_items", async move {
        let state = crate::server::state()?;
        let me = require(&state, Permission::ManageOrders).await?;
        let units = lines
            .iter()
            .map(|l| match l.quantity.trim() {
                "" => Ok((l.line_no, 0)),
                q => q.parse::<i32>().map(|q| (l.line_no, q)).map_err(|_| {
                    AppError::validation(
                        "lines",
                        format!("line {}: enter a whole number", l.line_no),
                    )
                }),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let key = format!("return-{request_key}");
        let back =
            returns::take_back(&state.db, &me, number, &units, restock.is_some(), &key).await?;
        if refund.is_some() && back.paid.minor > 0 {
            let actor = Actor::Staff(me.account_id);
            let reason = "goods returned";
            state
                .payments
                .refund(number, Some(back.paid.minor), reason, actor, Some(&key))
                .await?;
        }
        redirect(&format!("/admin/orders/{number}?done=returned"))?;
        Ok(())
    })
    .await
}
