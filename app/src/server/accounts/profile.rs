//! What a signed-in customer sees and changes about themselves: the profile, the address book,
//! the sessions list, the data export and erasure. Every query is scoped by the caller's
//! account id, so another account's address or session is simply not found.

use crate::model::{Address, AddressInput, AppError, Profile, SessionInfo};
use crate::server::platform::audit;
use crate::server::Error;
use sqlx::PgPool;
use std::net::IpAddr;

/// At most this many saved addresses per account.
pub const MAX_ADDRESSES: i64 = 50;

pub async fn profile(db: &PgPool, account_id: i64) -> Result<Profile, Error> {
    let row = sqlx::query!(
        r#"SELECT email, name, email_verified_at IS NOT NULL AS "verified!",
                  to_char(created_at, 'FMDD Mon YYYY') AS "since!"
           FROM accounts WHERE id = $1 AND erased_at IS NULL"#,
        account_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::Unauthorized)?;
    Ok(Profile {
        email: row.email,
        name: row.name,
        email_verified: row.verified,
        member_since: row.since,
    })
}

/// Changes the name shown on the account (1 to 200 characters, whitespace tidied).
pub async fn update_name(db: &PgPool, account_id: i64, name: &str) -> Result<(), Error> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AppError::validation("name", "a name can be at most 200 characters").into());
    }
    sqlx::query!(
        "UPDATE accounts SET name = $2, updated_at = now() WHERE id = $1 AND erased_at IS NULL",
        account_id,
        name
    )
    .execute(db)
    .await?;
    Ok(())
}

struct AddressRow {
    id: i64,
    name: String,
    phone: String,
    line1: String,
    line2: String,
    city: String,
    region: String,
    postal_code: String,
    country: String,
    is_default: bool,
}

impl From<AddressRow> for Address {
    fn from(r: AddressRow) -> Self {
        Address {
            id: r.id,
            fields: AddressInput {
                name: r.name,
                phone: r.phone,
                line1: r.line1,
                line2: r.line2,
                city: r.city,
                region: r.region,
                postal_code: r.postal_code,
                country: r.country,
                is_default: r.is_default,
            },
        }
    }
}

/// The address book, the default first, then newest first.
pub async fn addresses(db: &PgPool, account_id: i64) -> Result<Vec<Address>, Error> {
    let rows = sqlx::query_as!(
        AddressRow,
        r#"SELECT id, name, phone, line1, line2, city, region, postal_code,
                  country AS "country!", is_default
           FROM addresses WHERE account_id = $1
           ORDER BY is_default DESC, id DESC"#,
        account_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Address::from).collect())
}

/// One of the caller's addresses; another account's id is not found.
pub async fn address(db: &PgPool, account_id: i64, id: i64) -> Result<Address, Error> {
    let row = sqlx::query_as!(
        AddressRow,
        r#"SELECT id, name, phone, line1, line2, city, region, postal_code,
                  country AS "country!", is_default
           FROM addresses WHERE account_id = $1 AND id = $2"#,
        account_id,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(row.into())
}

/// Saves a new address (`id: None`) or changes one of the caller's. Making one the default
/// clears the old default in the same transaction; the first address is the default.
pub async fn save_address(
    db: &PgPool,
    account_id: i64,
    id: Option<i64>,
    input: &AddressInput,
) -> Result<i64, Error> {
    let a = input.validated()?;
    let mut tx = db.begin().await?;
    // Serialises changes to one account's book (the count and the default).
    sqlx::query!(
        "SELECT id FROM accounts WHERE id = $1 FOR UPDATE",
        account_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM addresses WHERE account_id = $1"#,
        account_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let is_default = a.is_default || count == 0 || (count == 1 && id.is_some());
    if is_default {
        sqlx::query!(
            "UPDATE addresses SET is_default = false WHERE account_id = $1 AND is_default AND id IS DISTINCT FROM $2",
            account_id,
            id
        )
        .execute(&mut *tx)
        .await?;
    }
    let saved = match id {
        None => {
            if count >= MAX_ADDRESSES {
                return Err(AppError::validation(
                    "address",
                    format!("an address book holds at most {MAX_ADDRESSES} addresses; delete one first"),
                )
                .into());
            }
            sqlx::query_scalar!(
                "INSERT INTO addresses (account_id, name, phone, line1, line2, city, region, postal_code, country, is_default)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                account_id, a.name, a.phone, a.line1, a.line2, a.city, a.region, a.postal_code, a.country, is_default
            )
            .fetch_one(&mut *tx)
            .await?
        }
        Some(id) => sqlx::query_scalar!(
            "UPDATE addresses SET name = $3, phone = $4, line1 = $5, line2 = $6, city = $7, region = $8,
                    postal_code = $9, country = $10, is_default = (is_default OR $11), updated_at = now()
             WHERE account_id = $1 AND id = $2 RETURNING id",
            account_id, id, a.name, a.phone, a.line1, a.line2, a.city, a.region, a.postal_code, a.country, is_default
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?,
    };
    tx.commit().await?;
    Ok(saved)
}

/// Deletes one of the caller's addresses; if it was the default, the newest remaining one
/// becomes the default.
pub async fn delete_address(db: &PgPool, account_id: i64, id: i64) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let was_default = sqlx::query_scalar!(
        "DELETE FROM addresses WHERE account_id = $1 AND id = $2 RETURNING is_default",
        account_id,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if was_default {
        sqlx::query!(
            "UPDATE addresses SET is_default = true
             WHERE id = (SELECT id FROM addresses WHERE account_id = $1 ORDER BY id DESC LIMIT 1)",
            account_id
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The account's live sessions, most recently used first.
pub async fn sessions(
    db: &PgPool,
    account_id: i64,
    current: i64,
) -> Result<Vec<SessionInfo>, Error> {
    let rows = sqlx::query!(
        r#"SELECT id, user_agent, host(ip) AS ip,
                  to_char(created_at, 'FMDD Mon YYYY, HH24:MI') AS "started!",
                  to_char(last_used_at, 'FMDD Mon YYYY, HH24:MI') AS "last_used!"
           FROM sessions
           WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > now()
           ORDER BY last_used_at DESC, id DESC"#,
        account_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionInfo {
            id: r.id,
            started: r.started,
            last_used: r.last_used,
            user_agent: r.user_agent,
            ip: r.ip,
            current: r.id == current,
        })
        .collect())
}

/// Everything we hold about the account, as one JSON document (GDPR access and portability).
pub async fn export(db: &PgPool, account_id: i64) -> Result<serde_json::Value, Error> {
    let document = sqlx::query_scalar!(
        r#"SELECT jsonb_build_object(
             'exported_at', now(),
             'account', (SELECT jsonb_build_object(
                 'email', email, 'name', name, 'role', role, 'created_at', created_at,
                 'email_verified_at', email_verified_at, 'password_changed_at', password_changed_at)
               FROM accounts WHERE id = $1),
             'addresses', coalesce((SELECT jsonb_agg(jsonb_build_object(
                 'name', name, 'phone', phone, 'line1', line1, 'line2', line2, 'city', city,
                 'region', region, 'postal_code', postal_code, 'country', country,
                 'is_default', is_default, 'created_at', created_at) ORDER BY id)
               FROM addresses WHERE account_id = $1), '[]'::jsonb),
             'sessions', coalesce((SELECT jsonb_agg(jsonb_build_object(
                 'created_at', created_at, 'last_used_at', last_used_at, 'expires_at', expires_at,
                 'revoked_at', revoked_at, 'user_agent', user_agent, 'ip', host(ip)) ORDER BY id)
               FROM sessions WHERE account_id = $1), '[]'::jsonb),
             'security_events', coalesce((SELECT jsonb_agg(jsonb_build_object(
                 'at', at, 'action', action, 'ip', host(ip)) ORDER BY id)
               FROM audit_log WHERE account_id = $1), '[]'::jsonb),
             'emails', coalesce((SELECT jsonb_agg(jsonb_build_object(
                 'to', to_address, 'subject', subject, 'created_at', created_at,
                 'sent_at', sent_at) ORDER BY id)
               FROM email_outbox WHERE account_id = $1), '[]'::jsonb),
             'orders', coalesce((SELECT jsonb_agg(jsonb_build_object(
                 'number', o.number, 'placed_at', o.created_at, 'status', o.status,
                 'email', o.email, 'payment_method', o.payment_method, 'currency', o.currency,
                 'subtotal_minor', o.subtotal_minor, 'discount_minor', o.discount_minor,
                 'shipping_minor', o.shipping_minor, 'tax_minor', o.tax_minor,
                 'total_minor', o.total_minor, 'paid_minor', o.paid_minor,
                 'refunded_minor', o.refunded_minor, 'coupon_code', o.coupon_code,
                 'shipping_address', o.shipping_address, 'shipping_rate', o.shipping_rate_name,
                 'tracking_number', o.tracking_number, 'carrier', o.carrier,
                 'tracking_url', o.tracking_url, 'cash_collected_minor', o.cash_collected_minor,
                 'invoice_number', o.invoice_number, 'invoiced_at', o.invoiced_at,
                 'lines', (SELECT jsonb_agg(jsonb_build_object(
                     'sku', l.sku, 'product', l.product_name, 'variant', l.variant_title,
                     'quantity', l.quantity, 'unit_price_minor', l.unit_price_minor,
                     'discount_minor', l.discount_minor, 'tax_minor', l.tax_minor) ORDER BY l.line_no)
                   FROM order_lines l WHERE l.order_id = o.id),
                 'staff_notes', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'body', n.body, 'at', n.created_at) ORDER BY n.id)
                   FROM order_notes n WHERE n.order_id = o.id), '[]'::jsonb),
                 'refunds', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'amount_minor', r.amount_minor, 'reason', r.reason, 'status', r.status,
                     'at', r.created_at) ORDER BY r.id)
                   FROM refunds r WHERE r.order_id = o.id), '[]'::jsonb),
                 'timeline', (SELECT jsonb_agg(jsonb_build_object(
                     'at', e.created_at, 'status', e.to_status, 'note', e.note) ORDER BY e.id)
                   FROM order_events e WHERE e.order_id = o.id)) ORDER BY o.id)
               FROM orders o WHERE o.account_id = $1), '[]'::jsonb),
             'cart', (SELECT jsonb_build_object(
                 'created_at', c.created_at, 'checkout_email', c.checkout_email,
                 'checkout_address', c.checkout_address, 'coupon_code', c.coupon_code,
                 'checkout_refusal', c.checkout_refusal,
                 'lines', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'sku', v.sku, 'quantity', cl.quantity, 'added_at', cl.added_at)
                     ORDER BY cl.added_at, v.sku)
                   FROM cart_lines cl JOIN variants v ON v.id = cl.variant_id
                   WHERE cl.cart_id = c.id), '[]'::jsonb))
               FROM carts c WHERE c.account_id = $1)
           ) AS "document!""#,
        account_id
    )
    .fetch_one(db)
    .await?;
    Ok(document)
}

/// Erases the account: personal data deleted (addresses, sessions, links, queued email, the
/// cart with its checkout details), the row kept without email, name or password so records
/// that must stay (orders, for the accounting law) still point somewhere. The password is
/// asked for again by the caller.
pub async fn erase(db: &PgPool, account_id: i64) -> Result<(), Error> {
    erase_as(db, account_id, None).await
}

/// [`erase`], done by the staff member `staff` (account id and address) when given: the
/// log records it as their action, in the same transaction as the erasure.
pub async fn erase_as(
    db: &PgPool,
    account_id: i64,
    staff: Option<(i64, Option<IpAddr>)>,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let erased = sqlx::query!(
        "UPDATE accounts SET email = 'erased-' || id || '@invalid', name = '', password_hash = NULL,
                email_verified_at = NULL, erased_at = now(), updated_at = now()
         WHERE id = $1 AND erased_at IS NULL",
        account_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if erased == 0 {
        return Err(AppError::Unauthorized.into());
    }
    for statement in [
        "DELETE FROM addresses WHERE account_id = $1",
        "DELETE FROM account_tokens WHERE account_id = $1",
        "DELETE FROM email_outbox WHERE account_id = $1",
        "DELETE FROM sessions WHERE account_id = $1",
        "DELETE FROM carts WHERE account_id = $1",
        "DELETE FROM staff_totp WHERE account_id = $1",
        "DELETE FROM staff_recovery_codes WHERE account_id = $1",
        // Staff notes on their orders are about them; the orders stay for the accounts.
        "DELETE FROM order_notes WHERE order_id IN (SELECT id FROM orders WHERE account_id = $1)",
    ] {
        sqlx::query(statement)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
    }
    match staff {
        Some((staff, ip)) => {
            let details = serde_json::json!({ "customer": account_id });
            audit::record_in(&mut tx, Some(staff), "customer.erased", ip, details).await?
        }
        // The log keeps that an erasure happened, not from where (the address is personal
        // data).
        None => {
            let details = serde_json::json!({});
            audit::record_in(&mut tx, Some(account_id), "account.erased", None, details).await?
        }
    }
    tx.commit().await?;
    Ok(())
}
