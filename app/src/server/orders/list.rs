//! The staff orders list: newest first, filtered and searched, one page at a time. Pages
//! follow each other by id (the primary key read backwards); a search uses the trigram index
//! on `order_search_text`, a status or a country its own index, so a page at 100,000 orders
//! reads about a page of rows (migration 33).

use super::{currency_of, method_of, refund_basis, refundable_left, status_of};
use crate::model::order_list::{OrderListQuery, PaymentState, StaffOrderPage};
use crate::model::{Money, StaffOrderRow};
use crate::server::platform::db::contains_pattern;
use crate::server::Error;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

const PAGE: i64 = 50;

/// The statuses of orders waiting to be packed or shipped.
pub const TO_SHIP: [&str; 4] = ["paid", "confirmed", "partially_fulfilled", "fulfilled"];

/// One page of the list for `query`.
pub async fn page(db: &PgPool, query: &OrderListQuery) -> Result<StaffOrderPage, Error> {
    // Read before the list: whatever the list misses is at or above it.
    let live_from = super::live::now(db).await?;
    let mut sql = QueryBuilder::<Postgres>::new(ROW_SELECT);
    sql.push(" WHERE true");
    if let Some(search) = &query.search {
        sql.push(" AND (false");
        if let Some(number) = search.number {
            sql.push(" OR o.number = ").push_bind(number);
        }
        if let Some(text) = &search.text {
            sql.push(" OR order_search_text(o.email, o.shipping_address) LIKE ")
                .push_bind(contains_pattern(text));
        }
        sql.push(")");
    }
    if let Some(status) = query.status {
        sql.push(" AND o.status = ").push_bind(status.as_str());
    }
    if let Some(method) = query.method {
        sql.push(" AND o.payment_method = ")
            .push_bind(method.as_str());
    }
    if let Some(payment) = query.payment {
        // The same rule as `PaymentState::of`.
        sql.push(match payment {
            PaymentState::Unpaid => " AND o.paid_minor = 0 AND o.refunded_minor = 0",
            PaymentState::Paid => " AND o.paid_minor > 0 AND o.refunded_minor = 0",
            PaymentState::PartlyRefunded => {
                " AND o.refunded_minor > 0 AND o.refunded_minor < o.paid_minor"
            }
            PaymentState::Refunded => {
                " AND o.refunded_minor > 0 AND o.refunded_minor >= o.paid_minor"
            }
        });
    }
    // Days in the shop's time zone: every session runs in it (`db::connect`).
    if let Some(from) = &query.from {
        sql.push(" AND o.created_at >= CAST(")
            .push_bind(from.clone())
            .push(" AS date)::timestamptz");
    }
    if let Some(to) = &query.to {
        sql.push(" AND o.created_at < (CAST(")
            .push_bind(to.clone())
            .push(" AS date) + 1)::timestamptz");
    }
    if let Some(country) = &query.country {
        sql.push(" AND o.shipping_country = ")
            .push_bind(country.clone());
    }
    if let Some(before) = query.before {
        sql.push(" AND o.id < ").push_bind(before);
    }
    sql.push(" ORDER BY o.id DESC LIMIT ").push_bind(PAGE + 1);
    let found = sql.build().fetch_all(db).await?;
    let mut rows = found
        .iter()
        .take(PAGE as usize)
        .map(row_of)
        .collect::<Result<Vec<_>, _>>()?;
    let next = (found.len() as i64 > PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    rows.truncate(PAGE as usize);
    Ok(StaffOrderPage {
        rows,
        next,
        live_from: live_from.0,
        can_manage: false,
    })
}

/// The live feed's position now, then how many orders wait to be packed or shipped (the
/// staff bar's count, kept by the feed from that position on).
pub async fn waiting(db: &PgPool) -> Result<(i64, i64), Error> {
    let from = super::live::now(db).await?;
    Ok((from.0, to_ship(db).await?))
}

/// How many orders wait to be packed or shipped.
pub async fn to_ship(db: &PgPool) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM orders WHERE status = ANY($1)"#,
        &TO_SHIP.map(str::to_owned)
    )
    .fetch_one(db)
    .await?)
}

/// The orders with ids in `ids`, newest first, as the list shows them (the live feed).
pub async fn rows(db: &PgPool, ids: &[i64]) -> Result<Vec<StaffOrderRow>, Error> {
    let mut sql = QueryBuilder::<Postgres>::new(ROW_SELECT);
    sql.push(" WHERE o.id = ANY(")
        .push_bind(ids.to_vec())
        .push(") ORDER BY o.id DESC");
    sql.build()
        .fetch_all(db)
        .await?
        .iter()
        .map(row_of)
        .collect()
}

/// What a list row reads of an order (`o`).
const ROW_SELECT: &str = r#"SELECT o.id, o.number, o.status, o.email, o.currency, o.total_minor,
        o.payment_method, o.tracking_number, o.refunded_minor, o.paid_minor,
        o.shipping_country, coalesce(o.shipping_address ->> 'name', '') AS name,
        (SELECT coalesce(sum(amount_minor), 0) FROM refunds r
         WHERE r.order_id = o.id AND r.status = 'pending')::BIGINT AS pending_refunds,
        to_char(o.created_at, 'FMDD Mon YYYY, HH24:MI') AS placed_at,
        (SELECT coalesce(sum(quantity), 0) FROM order_lines l WHERE l.order_id = o.id)::BIGINT AS items
    FROM orders o"#;

fn row_of(r: &sqlx::postgres::PgRow) -> Result<StaffOrderRow, Error> {
    let currency = currency_of(r.try_get("currency")?)?;
    let status = status_of(r.try_get("status")?)?;
    let payment_method = method_of(r.try_get("payment_method")?)?;
    let (total, paid, refunded): (i64, i64, i64) = (
        r.try_get("total_minor")?,
        r.try_get("paid_minor")?,
        r.try_get("refunded_minor")?,
    );
    let basis = refund_basis(payment_method, status, total, paid);
    let refundable = refundable_left(basis, refunded, r.try_get("pending_refunds")?);
    Ok(StaffOrderRow {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        status,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        country: r.try_get::<String, _>("shipping_country")?,
        payment: PaymentState::of(paid, refunded),
        total: Money::new(total, currency),
        payment_method,
        tracking_number: r.try_get("tracking_number")?,
        placed_at: r.try_get("placed_at")?,
        item_count: r.try_get("items")?,
        refunded: Money::new(refunded, currency),
        refundable: Money::new(refundable, currency),
    })
}
