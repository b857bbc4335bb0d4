//! Placing an order is one transaction:
//! 1. an advisory lock on the checkout key, then the key looked up: a second submission of
//!    the same page (double click, retry, reload) finds the first one's order;
//! 2. the cart row locked, its lines read and priced from the catalog; a line short of stock
//!    as read is refused here, before an order number is spent;
//! 3. the coupon row locked and its limits checked;
//! 4. the order, the coupon use and the first timeline entries written, a cash-on-delivery
//!    order's confirmation email queued, and the cart deleted;
//! 5. the stock taken in one round trip (`checkout_take_stock`: a guarded update per variant,
//!    in variant id order, so two carts sharing items cannot deadlock, each recorded in the
//!    ledger as sold by this order), the first short line failing the whole order; then the
//!    order's line snapshots. Taken this late, a popular variant's row is locked only for
//!    the lines' insert and the commit.
//!
//! Order numbers come from a sequence: unique and increasing, not gapless (an attempt that
//! fails after writing its order row, in a race for the last unit or a crash, spends its
//! number). Nothing outside the database is called inside it: a card payment is to be created after
//! it commits. A crash at any point leaves the order whole or absent.

use super::pricing::{payment_methods, price};
use super::{empty_cart, CheckoutRules};
use crate::model::{AppError, OrderStatus, PaymentMethod};
use crate::server::accounts::tokens::{token_hash, TokenKeys};
use crate::server::cart::{self, Line, Owner};
use crate::server::orders::{self, access_key};
use crate::server::platform::mail::{self, Site};
use crate::server::Error;
use sqlx::PgPool;

/// What the place-order form sends.
#[derive(Debug, Clone)]
pub struct PlaceOrder {
    /// From the checkout page: the same key always finds the same order.
    pub checkout_key: String,
    pub payment_method: String,
    /// The total the shopper saw (minor units): if the price changed since, the order is not
    /// placed and the page shows the new total. Never used as an amount.
    pub expected_total: Option<i64>,
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub order_id: i64,
    pub number: i64,
    pub status: OrderStatus,
    pub payment_method: PaymentMethod,
    /// Opens the order's page (`/orders/{number}?key=...`) for whoever has the link.
    pub access_key: String,
    /// False when this submission found an order placed by an earlier one.
    pub created: bool,
}

fn check_key(key: &str) -> Result<(), AppError> {
    let ok = (16..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(AppError::validation(
            "checkout_key",
            "this checkout page has expired; reload it and try again",
        ))
    }
}

fn is_retryable(error: &Error) -> bool {
    match error {
        Error::Database(e) => e
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|code| code == "40P01" || code == "40001"),
        _ => false,
    }
}

/// Places the order for the owner's cart (a signed-in customer's goes to their account's
/// email). See the module's documentation for the steps.
pub async fn place_order(
    db: &PgPool,
    keys: &TokenKeys,
    site: &Site,
    owner: &Owner,
    input: &PlaceOrder,
    rules: &CheckoutRules,
) -> Result<Placed, Error> {
    check_key(&input.checkout_key)?;
    let method = PaymentMethod::parse(&input.payment_method)
        .ok_or_else(|| AppError::validation("payment_method", "choose how to pay"))?;
    // A signed-in customer's order goes to their account's address.
    let account_email = super::account_email(db, owner.account()).await?;
    let account_email = account_email.as_deref();
    // A deadlock with some other writer (never two checkouts, which lock in one order) is
    // retried a few times before it is reported.
    let order = Attempt {
        db,
        keys,
        site,
        owner,
        account_email,
        input,
        method,
        rules,
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        match place_once(&order).await {
            Err(e) if attempt < 4 && is_retryable(&e) => {
                tracing::warn!(error = %e, attempt, "checkout retried");
            }
            Ok(placed) => {
                if placed.created {
                    crate::server::platform::metrics::order_placed(method.as_str());
                }
                return Ok(placed);
            }
            other => return other,
        }
    }
}

/// One placing of an order: what [`place_order`] was given, the payment method read.
struct Attempt<'a> {
    db: &'a PgPool,
    keys: &'a TokenKeys,
    site: &'a Site,
    owner: &'a Owner,
    account_email: Option<&'a str>,
    input: &'a PlaceOrder,
    method: PaymentMethod,
    rules: &'a CheckoutRules,
}

async fn place_once(order: &Attempt<'_>) -> Result<Placed, Error> {
    let (db, keys, site, owner) = (order.db, order.keys, order.site, order.owner);
    let (input, method, rules) = (order.input, order.method, order.rules);
    let account_email = order.account_email;
    let access_key = access_key(keys, &input.checkout_key);
    let (guest_hash, account_id) = owner.keys();
    let mut tx = db.begin().await?;
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))",
        input.checkout_key
    )
    .execute(&mut *tx)
    .await?;
    if let Some(found) = sqlx::query!(
        "SELECT id, number, status, payment_method, account_id, guest_hash
         FROM orders WHERE checkout_key = $1",
        input.checkout_key
    )
    .fetch_optional(&mut *tx)
    .await?
    {
        let same_buyer = match owner {
            Owner::Account(id) => found.account_id == Some(*id),
            Owner::Guest(_) => found.guest_hash == guest_hash,
        };
        if !same_buyer {
            return Err(AppError::Conflict.into());
        }
        return Ok(Placed {
            order_id: found.id,
            number: found.number,
            status: orders::status_of(&found.status)?,
            payment_method: orders::method_of(&found.payment_method)?,
            access_key,
            created: false,
        });
    }

    let cart_id = cart::cart_for_update(&mut tx, owner, None)
        .await?
        .ok_or_else(empty_cart)?;
    let p = price(&mut tx, owner, account_email, rules, true).await?;
    if p.lines.is_empty() {
        return Err(empty_cart());
    }
    if let Some(problem) = p.coupon_problem {
        return Err(AppError::validation("coupon", problem).into());
    }
    let email = p
        .draft
        .email
        .clone()
        .ok_or_else(|| AppError::validation("email", "enter your email address"))?;
    let address = p
        .draft
        .address
        .clone()
        .ok_or_else(|| AppError::validation("address", "enter a delivery address"))?;
    let (Some(rate), Some(totals)) = (p.chosen.clone(), p.totals.clone()) else {
        return Err(AppError::validation(
            "shipping",
            "there is no delivery option for this address",
        )
        .into());
    };
    if !payment_methods(Some(&rate), rules).contains(&method) {
        return Err(AppError::validation(
            "payment_method",
            "this way to pay is not available for this order",
        )
        .into());
    }
    if input
        .expected_total
        .is_some_and(|seen| seen != totals.total.minor)
    {
        return Err(AppError::validation(
            "total",
            format!(
                "the total is now {}; check the summary and place the order again",
                totals.total
            ),
        )
        .into());
    }

    // Stock short as the cart was read is refused before an order number is spent; the
    // guarded update at the end decides.
    if let Some(short) = p.lines.iter().find(|l| l.stock < l.quantity) {
        return Err(out_of_stock(short, short.stock));
    }

    let cash = method == PaymentMethod::CashOnDelivery;
    // Paying on delivery adds the rate's fee to the delivery charge (the page shows it next
    // to the choice); the total the shopper confirmed is the one without it.
    let (totals, rate_name) = match (cash, p.cod_totals.clone()) {
        (true, Some(with_fee)) => (
            with_fee,
            format!("{} + cash on delivery fee {}", rate.name, rate.cod_fee),
        ),
        _ => (totals, rate.name.clone()),
    };
    let status = if cash {
        OrderStatus::Confirmed
    } else {
        OrderStatus::PendingPayment
    };
    let pay_by = (method == PaymentMethod::Card).then_some(rules.unpaid_order_ttl.as_secs_f64());
    let order = sqlx::query!(
        r#"INSERT INTO orders (checkout_key, account_id, guest_hash, access_hash, email,
               payment_method, currency, prices_include_tax, subtotal_minor, discount_minor,
               shipping_minor, tax_minor, total_minor, coupon_id, coupon_code, shipping_address,
               shipping_country, shipping_rate_name, tax_rate_bp, pay_by, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                   $18, $19, now() + make_interval(secs => $20), $21)
           RETURNING id, number"#,
        input.checkout_key,
        account_id,
        guest_hash,
        token_hash(&access_key),
        email,
        method.as_str(),
        rules.currency().code(),
        rules.prices_include_tax,
        totals.subtotal.minor,
        totals.discount.minor,
        totals.shipping.minor,
        totals.tax.minor,
        totals.total.minor,
        p.coupon.as_ref().map(|c| c.0),
        p.coupon.as_ref().map(|c| c.1.clone()),
        serde_json::to_value(&address)?,
        address.country,
        rate_name,
        p.tax_rate as i32,
        pay_by,
        status.as_str()
    )
    .fetch_one(&mut *tx)
    .await?;
    let column = |f: fn(&Line) -> i64| p.lines.iter().map(f).collect::<Vec<_>>();
    let discounts: Vec<i64> = totals.lines.iter().map(|t| t.discount.minor).collect();
    let taxes: Vec<i64> = totals.lines.iter().map(|t| t.tax.minor).collect();
    let (names, skus, titles): (Vec<_>, Vec<_>, Vec<_>) = (
        p.lines.iter().map(|l| l.product_name.clone()).collect(),
        p.lines.iter().map(|l| l.sku.clone()).collect(),
        p.lines.iter().map(|l| l.variant_title.clone()).collect(),
    );
    let variants = column(|l| l.variant_id);
    let quantities: Vec<i32> = p.lines.iter().map(|l| l.quantity).collect();
    if let Some((coupon_id, _)) = &p.coupon {
        // The row is locked and its limit was checked; the table's check backs it up.
        sqlx::query!(
            "UPDATE coupons SET uses = uses + 1 WHERE id = $1",
            coupon_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO coupon_uses (order_id, coupon_id, customer, discount_minor,
                                      shipping_waived_minor)
             VALUES ($1, $2, $3, $4, $5)",
            order.id,
            coupon_id,
            email,
            totals.discount.minor,
            p.shipping_waived
        )
        .execute(&mut *tx)
        .await?;
    }
    orders::record_placed(&mut tx, order.id, cash.then_some("Cash on delivery")).await?;
    if cash {
        let confirmation = orders::Confirmation {
            number: order.number,
            email: &email,
            currency: rules.currency(),
            total_minor: totals.total.minor,
            payment_method: method,
            lines: p
                .lines
                .iter()
                .map(|l| {
                    let (name, title) = (l.product_name.as_str(), l.variant_title.as_str());
                    (name, title, l.quantity, l.unit_price.minor)
                })
                .collect(),
        };
        let mail = orders::confirmation(site, &confirmation, &access_key);
        mail::enqueue(&mut tx, account_id, &mail).await?;
    }
    sqlx::query!("DELETE FROM carts WHERE id = $1", cart_id)
        .execute(&mut *tx)
        .await?;
    // Last, so the variants' rows stay locked only while the transaction commits.
    let short = sqlx::query_scalar!(
        "SELECT checkout_take_stock($1, $2, $3)",
        order.id,
        &variants,
        &quantities
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(short) = short.and_then(|id| p.lines.iter().find(|l| l.variant_id == id)) {
        let available =
            sqlx::query_scalar!("SELECT stock FROM variants WHERE id = $1", short.variant_id)
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or(0);
        return Err(out_of_stock(short, available));
    }
    // The lines after the stock: their reference to each variant (a key-share lock) is then
    // this transaction's own lock, not one more sharer on a popular variant's row.
    sqlx::query!(
        "INSERT INTO order_lines (order_id, line_no, variant_id, sku, product_name,
             variant_title, unit_price_minor, quantity, discount_minor, tax_minor, tax_rate_bp)
         SELECT $1, l.n, l.variant_id, l.sku, l.product_name, l.variant_title, l.unit_price,
                l.quantity, l.discount, l.tax, $2
         FROM unnest($3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::BIGINT[],
                     $8::INTEGER[], $9::BIGINT[], $10::BIGINT[])
              WITH ORDINALITY AS l(variant_id, sku, product_name, variant_title, unit_price,
                                   quantity, discount, tax, n)",
        order.id,
        p.tax_rate as i32,
        &variants,
        &skus,
        &names,
        &titles,
        &column(|l| l.unit_price.minor),
        &quantities,
        &discounts,
        &taxes
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Placed {
        order_id: order.id,
        number: order.number,
        status,
        payment_method: method,
        access_key,
        created: true,
    })
}

fn out_of_stock(line: &Line, available: i32) -> Error {
    AppError::OutOfStock {
        item: line.product_name.clone(),
        available: i64::from(available.max(0)),
    }
    .into()
}
