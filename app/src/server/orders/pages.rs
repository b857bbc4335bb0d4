//! The order pages' reads, each scoped to who may see the order: the shopper's order page
//! and history, and one order's staff side.

use super::{currency_of, method_of, refund_basis, refundable_left, status_of, Access};
use crate::model::{
    AddressInput, AppError, Money, OrderEventView, OrderLineView, OrderNoteView, OrderStatus,
    OrderSummary, OrderView, Quote, StaffOrderSide,
};
use crate::server::accounts::tokens::{opaque_token, token_hash};
use crate::server::Error;
use sqlx::PgPool;

/// One order as its page shows it; `NotFound` unless `access` may see it.
pub async fn view(db: &PgPool, number: i64, access: Access<'_>) -> Result<OrderView, Error> {
    let (account, key_hash, looked_up) = match access {
        Access::Account(id) => (Some(id), None, false),
        Access::Key(key) => (None, Some(token_hash(key)), false),
        Access::LookedUp | Access::Staff => (None, None, true),
    };
    let o = sqlx::query!(
        r#"SELECT id, number, status, email, payment_method, currency, prices_include_tax,
                subtotal_minor, discount_minor, shipping_minor, tax_minor, total_minor,
                refunded_minor, coupon_code, shipping_address, shipping_rate_name, tax_rate_bp,
                tracking_number, carrier, tracking_url, paid_minor, cash_collected_minor,
                to_char(created_at, 'FMDD Mon YYYY, HH24:MI') AS "placed_at!",
                invoice_number, to_char(invoiced_at, 'FMDD Mon YYYY') AS invoiced_at
         FROM orders WHERE number = $1 AND (account_id = $2 OR access_hash = $3 OR $4)"#,
        number,
        account,
        key_hash,
        looked_up
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let currency = currency_of(&o.currency)?;
    let money = |minor: i64| Money::new(minor, currency);
    let lines = sqlx::query!(
        "SELECT line_no, sku, product_name, variant_title, unit_price_minor, quantity,
                fulfilled_quantity, returned_quantity
         FROM order_lines WHERE order_id = $1 ORDER BY line_no",
        o.id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|l| OrderLineView {
        line_no: l.line_no,
        sku: l.sku,
        product_name: l.product_name,
        variant_title: l.variant_title,
        unit_price: money(l.unit_price_minor),
        quantity: l.quantity,
        packed: l.fulfilled_quantity,
        returned: l.returned_quantity,
        line_total: money(l.unit_price_minor.saturating_mul(i64::from(l.quantity))),
    })
    .collect();
    let events = sqlx::query!(
        r#"SELECT to_status, note,
                  to_char(created_at, 'FMDD Mon YYYY, HH24:MI') AS "at!"
           FROM order_events WHERE order_id = $1 ORDER BY id"#,
        o.id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|e| OrderEventView {
        at: e.at,
        status: e.to_status.as_deref().and_then(OrderStatus::parse),
        note: e.note,
    })
    .collect();
    let address: AddressInput = serde_json::from_value(o.shipping_address)?;
    let (status, payment_method) = (status_of(&o.status)?, method_of(&o.payment_method)?);
    let staff = match access {
        Access::Staff => {
            let basis = refund_basis(payment_method, status, o.total_minor, o.paid_minor);
            let mut side = staff_side(db, o.id, basis, o.refunded_minor, currency).await?;
            side.cash_collected = o.cash_collected_minor.map(money);
            Some(side)
        }
        _ => None,
    };
    Ok(OrderView {
        number: o.number,
        status,
        email: o.email,
        payment_method,
        lines,
        quote: Quote {
            subtotal: money(o.subtotal_minor),
            discount: money(o.discount_minor),
            shipping: money(o.shipping_minor),
            tax: money(o.tax_minor),
            total: money(o.total_minor),
            prices_include_tax: o.prices_include_tax,
            tax_rate_bp: o.tax_rate_bp.max(0) as u32,
        },
        refunded: money(o.refunded_minor),
        coupon_code: o.coupon_code,
        address_lines: crate::model::Address {
            id: 0,
            fields: address,
        }
        .lines(),
        shipping_method: o.shipping_rate_name,
        tracking_number: o.tracking_number,
        carrier: o.carrier,
        tracking_url: o.tracking_url,
        placed_at: o.placed_at,
        invoice: o.invoice_number.zip(o.invoiced_at),
        events,
        card: None,
        staff,
    })
}

/// The staff's notes on an order, what may still be refunded of `basis` and a fresh key for
/// the page's refund form.
async fn staff_side(
    db: &PgPool,
    order_id: i64,
    basis: i64,
    refunded: i64,
    currency: crate::model::Currency,
) -> Result<StaffOrderSide, Error> {
    let pending = sqlx::query_scalar!(
        r#"SELECT coalesce(sum(amount_minor), 0)::BIGINT AS "n!" FROM refunds
           WHERE order_id = $1 AND status = 'pending'"#,
        order_id
    )
    .fetch_one(db)
    .await?;
    let notes = sqlx::query!(
        r#"SELECT n.body, coalesce(a.email, 'former staff') AS "by!",
                  to_char(n.created_at, 'FMDD Mon YYYY, HH24:MI') AS "at!"
           FROM order_notes n LEFT JOIN accounts a ON a.id = n.account_id
           WHERE n.order_id = $1 ORDER BY n.id"#,
        order_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|n| OrderNoteView {
        at: n.at,
        by: n.by,
        body: n.body,
    })
    .collect();
    Ok(StaffOrderSide {
        notes,
        refundable: Money::new(refundable_left(basis, refunded, pending), currency),
        refund_key: opaque_token().0,
        cash_collected: None,
        can_manage: false,
    })
}

/// The signed-in customer's orders, newest first.
pub async fn list(db: &PgPool, account_id: i64) -> Result<Vec<OrderSummary>, Error> {
    let rows = sqlx::query!(
        r#"SELECT o.number, o.status, o.currency, o.total_minor,
                  to_char(o.created_at, 'FMDD Mon YYYY') AS "placed_at!",
                  (SELECT coalesce(sum(quantity), 0) FROM order_lines l WHERE l.order_id = o.id)::BIGINT AS "items!"
           FROM orders o WHERE o.account_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT 200"#,
        account_id
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            let currency = currency_of(&r.currency)?;
            Ok(OrderSummary {
                number: r.number,
                status: status_of(&r.status)?,
                total: Money::new(r.total_minor, currency),
                item_count: r.items,
                placed_at: r.placed_at,
            })
        })
        .collect()
}
