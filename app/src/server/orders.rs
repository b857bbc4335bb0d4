//! Orders after checkout: the state machine (checked here and by the database's trigger),
//! the timeline, stock given back when an order is cancelled, the sweeper that cancels unpaid
//! orders, and the order pages' reads, each scoped to who may see the order.

use super::accounts::normalise_email;
use super::accounts::tokens::{token_hash, TokenKeys};
use super::accounts::Site;
use super::mail::Email;
use super::Error;
use crate::model::{
    AddressInput, AppError, Currency, Money, OrderEventView, OrderLineView, OrderStatus,
    OrderSummary, OrderView, PaymentMethod, Quote, StaffOrderRow,
};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// A stored currency code, status or payment method: the database's checks keep them known,
/// so anything else is an internal error.
pub(crate) fn currency_of(code: &str) -> Result<Currency, Error> {
    code.parse()
        .map_err(|_| Error::other(format!("order in an unknown currency {code:?}")))
}

pub(crate) fn status_of(status: &str) -> Result<OrderStatus, Error> {
    OrderStatus::parse(status)
        .ok_or_else(|| Error::other(format!("unknown order status {status:?}")))
}

pub(crate) fn method_of(method: &str) -> Result<PaymentMethod, Error> {
    PaymentMethod::parse(method)
        .ok_or_else(|| Error::other(format!("unknown payment method {method:?}")))
}

/// Adds a timeline entry. An entry by a staff member (`actor` is `staff:{id}`: a status change,
/// packing, a refund) is also written to the audit log, in the same transaction, so no staff
/// action on an order goes unaudited.
pub(crate) async fn record(
    db: &mut PgConnection,
    order_id: i64,
    from: Option<OrderStatus>,
    to: Option<OrderStatus>,
    note: &str,
    actor: &str,
) -> Result<(), Error> {
    sqlx::query!(
        "INSERT INTO order_events (order_id, from_status, to_status, note, actor)
         VALUES ($1, $2, $3, $4, $5)",
        order_id,
        from.map(OrderStatus::as_str),
        to.map(OrderStatus::as_str),
        note,
        actor
    )
    .execute(&mut *db)
    .await?;
    if let Some(staff) = actor
        .strip_prefix("staff:")
        .and_then(|id| id.parse::<i64>().ok())
    {
        // The actor is kept in the details too, should the account ever be gone.
        sqlx::query!(
            "INSERT INTO audit_log (account_id, action, details)
             VALUES ((SELECT id FROM accounts WHERE id = $1), $2, $3)",
            staff,
            if to.is_some() {
                "order.status_changed"
            } else {
                "order.updated"
            },
            serde_json::json!({
                "actor": actor,
                "order_id": order_id,
                "from": from.map(OrderStatus::as_str),
                "to": to.map(OrderStatus::as_str),
                "note": note,
            }),
        )
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// Moves an order to `to` inside the caller's transaction, with the order row locked. A move
/// the state machine does not allow is a `Conflict` and changes nothing. Cancelling gives the
/// stock and the coupon use back. Returns the status it moved from.
pub(crate) async fn transition(
    tx: &mut Transaction<'_, Postgres>,
    order_id: i64,
    to: OrderStatus,
    actor: &str,
    note: &str,
) -> Result<OrderStatus, Error> {
    let current = sqlx::query_scalar!(
        "SELECT status FROM orders WHERE id = $1 FOR UPDATE",
        order_id
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let from = status_of(&current)?;
    if !from.can_become(to) {
        return Err(AppError::Conflict.into());
    }
    if to == OrderStatus::Cancelled {
        give_back(tx, order_id).await?;
    }
    sqlx::query!(
        "UPDATE orders SET status = $2, pay_by = NULL WHERE id = $1",
        order_id,
        to.as_str()
    )
    .execute(&mut **tx)
    .await?;
    record(tx, order_id, Some(from), Some(to), note, actor).await?;
    Ok(from)
}

/// Returns a cancelled order's units to stock (in variant id order, as checkout takes them)
/// and its coupon use.
async fn give_back(tx: &mut Transaction<'_, Postgres>, order_id: i64) -> Result<(), Error> {
    let lines = sqlx::query!(
        r#"SELECT variant_id AS "variant_id!", sum(quantity)::INTEGER AS "quantity!"
           FROM order_lines WHERE order_id = $1 AND variant_id IS NOT NULL
           GROUP BY variant_id ORDER BY variant_id"#,
        order_id
    )
    .fetch_all(&mut **tx)
    .await?;
    for line in lines {
        sqlx::query!(
            "UPDATE variants SET stock = stock + $2 WHERE id = $1",
            line.variant_id,
            line.quantity
        )
        .execute(&mut **tx)
        .await?;
    }
    let released = sqlx::query_scalar!(
        "DELETE FROM coupon_uses WHERE order_id = $1 RETURNING coupon_id",
        order_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(coupon_id) = released {
        sqlx::query!(
            "UPDATE coupons SET uses = uses - 1 WHERE id = $1 AND uses > 0",
            coupon_id
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A staff change of status (`actor` names who). Shipping may carry a tracking number.
pub async fn change_status(
    db: &PgPool,
    number: i64,
    to: OrderStatus,
    actor: &str,
    tracking_number: Option<&str>,
) -> Result<OrderStatus, Error> {
    let tracking = tracking_number.map(str::trim).filter(|t| !t.is_empty());
    if tracking.is_some_and(|t| t.len() > 100 || t.chars().any(char::is_control)) {
        return Err(AppError::validation(
            "tracking_number",
            "a tracking number is at most 100 characters",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let order = sqlx::query!(
        "SELECT id, status, payment_method FROM orders WHERE number = $1",
        number
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let id = order.id;
    if to == OrderStatus::Cancelled
        && order.status == OrderStatus::Paid.as_str()
        && order.payment_method == PaymentMethod::Card.as_str()
    {
        // The money has to go back first: that is a refund, which cancels the order.
        return Err(AppError::validation(
            "status",
            "refund a paid card order instead of cancelling it",
        )
        .into());
    }
    let note = match tracking {
        Some(t) => format!("Tracking number {t}"),
        None => String::new(),
    };
    if to == OrderStatus::PartiallyFulfilled {
        return Err(AppError::validation(
            "status",
            "pack the order's lines on its page: an order is partly packed by packing some",
        )
        .into());
    }
    let from = transition(&mut tx, id, to, actor, &note).await?;
    if to == OrderStatus::Fulfilled {
        // Packed in one go: every line, all of it.
        sqlx::query!(
            "UPDATE order_lines SET fulfilled_quantity = quantity WHERE order_id = $1",
            id
        )
        .execute(&mut *tx)
        .await?;
    }
    if let Some(t) = tracking {
        sqlx::query!(
            "UPDATE orders SET tracking_number = $2 WHERE id = $1",
            id,
            t
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(from)
}

/// The newest orders for staff, optionally only those in `status`.
pub async fn recent(
    db: &PgPool,
    status: Option<OrderStatus>,
    limit: i64,
) -> Result<Vec<StaffOrderRow>, Error> {
    let rows = sqlx::query!(
        r#"SELECT o.number, o.status, o.email, o.currency, o.total_minor, o.payment_method,
                  o.tracking_number, o.refunded_minor, o.paid_minor,
                  (SELECT coalesce(sum(amount_minor), 0) FROM refunds r
                   WHERE r.order_id = o.id AND r.status = 'pending')::BIGINT AS "pending_refunds!",
                  to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS "placed_at!",
                  (SELECT coalesce(sum(quantity), 0) FROM order_lines l WHERE l.order_id = o.id)::BIGINT AS "items!"
           FROM orders o WHERE ($1::TEXT IS NULL OR o.status = $1)
           ORDER BY o.id DESC LIMIT $2"#,
        status.map(OrderStatus::as_str),
        limit.clamp(1, 500)
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            let currency = currency_of(&r.currency)?;
            let (status, payment_method) = (status_of(&r.status)?, method_of(&r.payment_method)?);
            let basis =
                super::payments::refund_basis(payment_method, status, r.total_minor, r.paid_minor);
            // Less what is refunded or being refunded (the same rule `Payments::refund` keeps).
            let refundable = (basis - r.refunded_minor - r.pending_refunds).max(0);
            Ok(StaffOrderRow {
                number: r.number,
                status,
                email: r.email,
                total: Money::new(r.total_minor, currency),
                payment_method,
                tracking_number: r.tracking_number,
                placed_at: r.placed_at,
                item_count: r.items,
                refunded: Money::new(r.refunded_minor, currency),
                refundable: Money::new(refundable, currency),
            })
        })
        .collect()
}

/// Staff pack `quantity` more of line `line_no` of order `number`. The order is then partly
/// packed, or packed once every line is; a paid or confirmed order only, never more than the
/// line's quantity (checked under the order's row lock and by the line's own constraint).
/// Returns the order's status after.
pub async fn pack(
    db: &PgPool,
    number: i64,
    line_no: i32,
    quantity: i32,
    actor: &str,
) -> Result<OrderStatus, Error> {
    if !(1..=10_000).contains(&quantity) {
        return Err(AppError::validation(
            "quantity",
            "pack at least one item, at most what is left",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let order = sqlx::query!(
        "SELECT id, status FROM orders WHERE number = $1 FOR UPDATE",
        number
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let status = status_of(&order.status)?;
    if !status.packable() {
        return Err(AppError::validation(
            "status",
            format!(
                "an order is packed once paid or confirmed; this one is {}",
                status.label().to_lowercase()
            ),
        )
        .into());
    }
    let line = sqlx::query!(
        "SELECT sku, quantity, fulfilled_quantity FROM order_lines
         WHERE order_id = $1 AND line_no = $2",
        order.id,
        line_no
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let left = line.quantity - line.fulfilled_quantity;
    if quantity > left {
        return Err(AppError::validation(
            "quantity",
            format!("only {left} of {} left to pack", line.sku),
        )
        .into());
    }
    sqlx::query!(
        "UPDATE order_lines SET fulfilled_quantity = fulfilled_quantity + $3
         WHERE order_id = $1 AND line_no = $2",
        order.id,
        line_no,
        quantity
    )
    .execute(&mut *tx)
    .await?;
    let unpacked = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM order_lines
           WHERE order_id = $1 AND fulfilled_quantity < quantity"#,
        order.id
    )
    .fetch_one(&mut *tx)
    .await?;
    let note = format!("Packed {quantity} × {}", line.sku);
    let after = if unpacked == 0 {
        OrderStatus::Fulfilled
    } else {
        OrderStatus::PartiallyFulfilled
    };
    if after == status {
        record(&mut tx, order.id, None, None, &note, actor).await?;
    } else {
        transition(&mut tx, order.id, after, actor, &note).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Runs the sweepers every `every` (`store.sweep_seconds`): unpaid orders, the payment
/// reconciler, expired carts.
pub async fn run_sweepers(payments: super::payments::Payments, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Orders and refunds quiet for two sweeps: webhooks normally settle them first.
    let quiet = 2.0 * every.as_secs_f64();
    loop {
        tick.tick().await;
        match payments.release_unpaid().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(orders = n, "unpaid orders cancelled, stock released"),
            Err(e) => tracing::warn!(error = %e, "unpaid-order sweep failed"),
        }
        if let Err(e) = payments.reconcile(quiet).await {
            tracing::warn!(error = %e, "payment reconciler failed");
        }
        if let Err(e) = super::cart::sweep_expired(&payments.db).await {
            tracing::warn!(error = %e, "cart sweep failed");
        }
    }
}

/// Who is asking for an order page.
#[derive(Debug, Clone)]
pub enum Access<'a> {
    /// The signed-in customer: only their own orders.
    Account(i64),
    /// The key from the confirmation page or email.
    Key(&'a str),
    /// The caller checked a key from the lookup form ([`open_lookup_key`]) for this number.
    LookedUp,
    /// Staff whose role lets them see orders (the caller checked).
    Staff,
}

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
                tracking_number,
                to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') AS "placed_at!"
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
                fulfilled_quantity
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
        line_total: money(l.unit_price_minor.saturating_mul(i64::from(l.quantity))),
    })
    .collect();
    let events = sqlx::query!(
        r#"SELECT to_status, note,
                  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') AS "at!"
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
    Ok(OrderView {
        number: o.number,
        status: status_of(&o.status)?,
        email: o.email,
        payment_method: method_of(&o.payment_method)?,
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
        placed_at: o.placed_at,
        events,
        card: None,
    })
}

/// The signed-in customer's orders, newest first.
pub async fn list(db: &PgPool, account_id: i64) -> Result<Vec<OrderSummary>, Error> {
    let rows = sqlx::query!(
        r#"SELECT o.number, o.status, o.currency, o.total_minor,
                  to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "placed_at!",
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

const LOOKUP_PURPOSE: &str = "order-lookup";
/// How long a key from the lookup form opens the order.
pub const LOOKUP_TTL_SECS: i64 = 3_600;

/// A guest's lookup with the order's email and number: a key that opens the order's page for
/// an hour, or `NotFound` (the same for a wrong email and a wrong number).
pub async fn lookup(
    db: &PgPool,
    keys: &TokenKeys,
    email: &str,
    number: i64,
    now: i64,
) -> Result<String, Error> {
    let email = normalise_email(email).map_err(|_| AppError::NotFound)?;
    sqlx::query_scalar!(
        "SELECT id FROM orders WHERE number = $1 AND lower(email) = $2",
        number,
        email
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(keys.seal(
        LOOKUP_PURPOSE,
        &format!("{number}.{}", now + LOOKUP_TTL_SECS),
    ))
}

/// Whether `key` is a lookup key for order `number` that has not expired.
pub fn open_lookup_key(keys: &TokenKeys, number: i64, key: &str, now: i64) -> bool {
    keys.open(LOOKUP_PURPOSE, key)
        .and_then(|value| {
            let (n, until) = value.split_once('.')?;
            Some(n.parse::<i64>().ok()? == number && until.parse::<i64>().ok()? > now)
        })
        .unwrap_or(false)
}

/// The order confirmation email, with the order's link.
pub(crate) async fn confirmation_email(
    db: &mut PgConnection,
    site: &Site,
    order_id: i64,
    access_key: &str,
) -> Result<Email, Error> {
    let o = sqlx::query!(
        "SELECT number, email, currency, total_minor, payment_method FROM orders WHERE id = $1",
        order_id
    )
    .fetch_one(&mut *db)
    .await?;
    let currency = currency_of(&o.currency)?;
    let lines = sqlx::query!(
        "SELECT product_name, variant_title, quantity, unit_price_minor
         FROM order_lines WHERE order_id = $1 ORDER BY line_no",
        order_id
    )
    .fetch_all(&mut *db)
    .await?;
    let mut paragraphs = vec![format!("Thank you for your order {}.", o.number)];
    for l in &lines {
        let title = if l.variant_title.is_empty() {
            l.product_name.clone()
        } else {
            format!("{} ({})", l.product_name, l.variant_title)
        };
        paragraphs.push(format!(
            "{} × {title}: {}",
            l.quantity,
            Money::new(
                l.unit_price_minor.saturating_mul(i64::from(l.quantity)),
                currency
            )
        ));
    }
    paragraphs.push(format!("Total: {}", Money::new(o.total_minor, currency)));
    if o.payment_method == PaymentMethod::CashOnDelivery.as_str() {
        paragraphs.push("You pay in cash when it is delivered.".to_owned());
    }
    let link = format!("{}/orders/{}?key={access_key}", site.public_url, o.number);
    let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    Ok(Email::with_link(
        &site.store_name,
        &o.email,
        &format!("Order {} confirmed", o.number),
        &refs,
        "See your order",
        &link,
        "We will email you when it ships.",
    ))
}
