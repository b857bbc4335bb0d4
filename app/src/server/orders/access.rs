//! Who may open an order: its signed-in customer, whoever has the link from the confirmation
//! page or email (a key derived from the checkout key), a guest who looked it up by email and
//! number (a key good for an hour), and staff.

use crate::model::AppError;
use crate::server::accounts::normalise_email;
use crate::server::accounts::tokens::TokenKeys;
use crate::server::Error;
use sqlx::PgPool;

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

const ACCESS_PURPOSE: &str = "order-access";

/// The key in an order's link (`/orders/{number}?key=...`): derived from its checkout key, so
/// the email sent when a card payment arrives carries the same link as the confirmation page.
pub fn access_key(keys: &TokenKeys, checkout_key: &str) -> String {
    keys.tag(ACCESS_PURPOSE, checkout_key)
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

impl<'a> Access<'a> {
    /// Who is asking for order `number`'s page: whoever holds a `key` (a lookup key, else the
    /// order's link key), otherwise the signed-in customer `account`; `NotFound` for anyone
    /// else, as for an order that does not exist.
    pub fn of_request(
        keys: &TokenKeys,
        number: i64,
        key: Option<&'a str>,
        account: Option<i64>,
        now: i64,
    ) -> Result<Access<'a>, AppError> {
        match key.filter(|k| !k.is_empty() && k.len() <= 128) {
            Some(key) if open_lookup_key(keys, number, key, now) => Ok(Access::LookedUp),
            Some(key) => Ok(Access::Key(key)),
            None => account.map(Access::Account).ok_or(AppError::NotFound),
        }
    }
}

/// The lookup form: the order number as typed (a leading `#` is fine) and the email. The
/// number and a key that opens the order, or an error the form can show (the same for a
/// wrong email and a wrong number).
pub async fn lookup_form(
    db: &PgPool,
    keys: &TokenKeys,
    email: &str,
    number: &str,
    now: i64,
) -> Result<(i64, String), Error> {
    let number: i64 =
        number.trim().trim_start_matches('#').parse().map_err(|_| {
            AppError::validation("number", "enter the order number from your email")
        })?;
    match lookup(db, keys, email, number, now).await {
        Ok(key) => Ok((number, key)),
        Err(Error::App(AppError::NotFound)) => Err(AppError::validation(
            "number",
            "we found no order with this number and email address",
        )
        .into()),
        Err(other) => Err(other),
    }
}
