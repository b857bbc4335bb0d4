//! Customers as staff look them up: the list (searched by email, name or a saved phone,
//! newest first, pages by id), one customer's page (addresses, orders, lifetime spend,
//! account state), and what staff may do for them: send a password reset link (staff who see
//! customers), export or erase their data (owner and admins, with the same functions as the
//! account page). Every action is audited with who did it.

use crate::model::customer::CustomerRow;
use crate::model::customer::{customer_search, CustomerDetail, CustomerOrder, CustomerPage};
use crate::model::{AppError, Currency, Money};
use crate::server::accounts::sessions::Client;
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::accounts::{links, profile};
use crate::server::platform::audit;
use crate::server::platform::db::contains_pattern;
use crate::server::platform::mail::Site;
use crate::server::Error;
use serde_json::json;
use sqlx::PgPool;
use std::net::IpAddr;

const PAGE: i64 = 50;

/// A customer row's columns: orders that count as sales and what they came to less refunds.
const ROW: &str = "SELECT a.id, a.email, a.name, to_char(a.created_at, 'FMDD Mon YYYY') AS joined,
        CASE WHEN a.erased_at IS NOT NULL THEN 'Erased'
             WHEN a.email_verified_at IS NULL THEN 'Email not confirmed' ELSE 'Active' END AS state,
        s.orders, s.spend
    FROM accounts a CROSS JOIN LATERAL (
        SELECT count(*) AS orders, COALESCE(sum(o.total_minor - o.refunded_minor), 0)::BIGINT AS spend
        FROM orders o WHERE o.account_id = a.id AND order_is_sale(o.status, o.paid_minor)) s
    WHERE a.role = 'customer'";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    email: String,
    name: String,
    joined: String,
    state: String,
    orders: i64,
    spend: i64,
}

impl Row {
    fn view(self, currency: Currency) -> CustomerRow {
        CustomerRow {
            id: self.id,
            email: self.email,
            name: self.name,
            orders: self.orders,
            spend: Money::new(self.spend, currency),
            joined: self.joined,
            state: self.state,
        }
    }
}

/// A page of customers, newest first, older than `before`, matching `search` if given.
pub async fn list(
    db: &PgPool,
    staff: &Staff,
    search: &str,
    before: Option<i64>,
    currency: Currency,
) -> Result<CustomerPage, Error> {
    staff.require(Permission::ViewCustomers)?;
    let search = customer_search(search)?;
    let mut sql = sqlx::QueryBuilder::<sqlx::Postgres>::new(ROW);
    if let Some(text) = &search {
        let pattern = contains_pattern(text);
        sql.push(" AND (lower(a.email) || ' ' || lower(a.name) LIKE ")
            .push_bind(pattern.clone());
        // A phone's digits without a leading trunk 0, so "050 123" finds "+971 50 123…".
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let digits = digits.trim_start_matches('0');
        if digits.len() >= 3 {
            sql.push(
                " OR a.id IN (SELECT account_id FROM addresses WHERE phone_digits(phone) LIKE ",
            )
            .push_bind(contains_pattern(digits))
            .push(")");
        }
        sql.push(")");
    }
    if let Some(before) = before {
        sql.push(" AND a.id < ").push_bind(before);
    }
    sql.push(" ORDER BY a.id DESC LIMIT ").push_bind(PAGE + 1);
    let mut rows: Vec<Row> = sql.build_query_as().fetch_all(db).await?;
    let next = (rows.len() as i64 > PAGE).then(|| {
        rows.truncate(PAGE as usize);
        rows.last().map_or(0, |r| r.id)
    });
    Ok(CustomerPage {
        rows: rows.into_iter().map(|r| r.view(currency)).collect(),
        next,
    })
}

/// Customer `id`'s page.
pub async fn detail(
    db: &PgPool,
    staff: &Staff,
    id: i64,
    currency: Currency,
) -> Result<CustomerDetail, Error> {
    staff.require(Permission::ViewCustomers)?;
    let row: Row = sqlx::query_as(&format!("{ROW} AND a.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let orders = sqlx::query!(
        r#"SELECT number, to_char(created_at, 'FMDD Mon YYYY, HH24:MI') AS "at!", status,
                  total_minor
           FROM orders WHERE account_id = $1 ORDER BY created_at DESC LIMIT 50"#,
        id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|o| CustomerOrder {
        number: o.number,
        at: o.at,
        status: crate::model::OrderStatus::parse(&o.status)
            .map_or(o.status.clone(), |s| s.label().to_owned()),
        total: Money::new(o.total_minor, currency),
    })
    .collect();
    Ok(CustomerDetail {
        row: row.view(currency),
        addresses: profile::addresses(db, id).await?,
        orders,
        can_manage_data: staff.role.allows(Permission::ManageCustomerData),
    })
}

/// The customer account `id` (not staff, not erased) and its email.
async fn customer_email(db: &PgPool, id: i64) -> Result<String, Error> {
    Ok(sqlx::query_scalar!(
        "SELECT email FROM accounts WHERE id = $1 AND role = 'customer' AND erased_at IS NULL",
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?)
}

/// Emails customer `id` a link to choose a new password (the customers' own reset email).
pub async fn send_reset(
    db: &PgPool,
    site: &Site,
    staff: &Staff,
    id: i64,
    client: &Client,
) -> Result<String, Error> {
    staff.require(Permission::ViewCustomers)?;
    let email = customer_email(db, id).await?;
    links::request_reset(db, site, &email, client).await?;
    let details = json!({ "customer": id });
    audit::record(
        db,
        Some(staff.account_id),
        "customer.reset_sent",
        client.ip,
        details,
    )
    .await?;
    Ok(email)
}

/// Everything held about customer `id` (the GDPR export the account page gives them).
pub async fn export(
    db: &PgPool,
    staff: &Staff,
    id: i64,
    ip: Option<IpAddr>,
) -> Result<serde_json::Value, Error> {
    staff.require(Permission::ManageCustomerData)?;
    customer_email(db, id).await?;
    let document = profile::export(db, id).await?;
    let details = json!({ "customer": id });
    audit::record(db, Some(staff.account_id), "customer.exported", ip, details).await?;
    Ok(document)
}

/// Erases customer `id` (what the account page's erasure does); staff confirm it by typing
/// the customer's email.
pub async fn erase(
    db: &PgPool,
    staff: &Staff,
    id: i64,
    confirm_email: &str,
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    staff.require(Permission::ManageCustomerData)?;
    let email = customer_email(db, id).await?;
    if confirm_email.trim().to_lowercase() != email {
        return Err(AppError::validation(
            "confirm_email",
            "type the customer's email address to confirm the erasure",
        )
        .into());
    }
    profile::erase_as(db, id, Some((staff.account_id, ip))).await
}
