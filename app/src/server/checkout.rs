//! Checkout: what the shopper has entered (kept with the cart), shipping and tax for the
//! destination, coupons, the totals, and placing the order.
//!
//! Placing an order is one transaction:
//! 1. an advisory lock on the checkout key, then the key looked up: a second submission of
//!    the same page (double click, retry, reload) finds the first one's order;
//! 2. the cart row locked, its lines read and priced from the catalog;
//! 3. the coupon row locked and its limits checked;
//! 4. stock taken with a guarded update per variant, in variant id order (so two carts
//!    sharing items cannot deadlock), the first short line failing the whole order;
//! 5. the order, its line snapshots, the coupon use and the first timeline entry written,
//!    and the cart deleted; cash on delivery is confirmed and its email queued.
//!
//! Nothing outside the database is called inside it: a card payment is to be created after
//! it commits. A crash at any point leaves the order whole or absent.

use super::accounts::normalise_email;
use super::accounts::tokens::{opaque_token, token_hash, TokenKeys};
use super::accounts::Site;
use super::cart::{self, Line, Owner, Rules};
use super::orders;
use super::{mail, Error};
use crate::model::country::country_name;
use crate::model::totals::{self, Discount, LineInput, TaxMode, Totals, TotalsInput};
use crate::model::{
    Address, AddressInput, AppError, CheckoutView, Currency, Money, OrderStatus, PaymentMethod,
    Quote, ShippingOption,
};
use sqlx::{PgConnection, PgPool};
use std::time::Duration;

/// The store's checkout rules (from its settings).
#[derive(Debug, Clone, Copy)]
pub struct CheckoutRules {
    pub cart: Rules,
    pub prices_include_tax: bool,
    /// How long a card order waits for its payment before its stock is released.
    pub unpaid_order_ttl: Duration,
    /// Card payments are offered (Stripe is configured).
    pub card_enabled: bool,
}

impl CheckoutRules {
    fn mode(&self) -> TaxMode {
        if self.prices_include_tax {
            TaxMode::Inclusive
        } else {
            TaxMode::Exclusive
        }
    }

    fn currency(&self) -> Currency {
        self.cart.currency
    }
}

/// What the shopper has entered so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub email: Option<String>,
    pub address: Option<AddressInput>,
    pub shipping_rate_id: Option<i64>,
    pub coupon_code: Option<String>,
}

fn empty_cart() -> Error {
    AppError::validation("cart", "your cart is empty").into()
}

/// `Ok` if an update of the owner's cart found it.
fn found_cart(updated: sqlx::postgres::PgQueryResult) -> Result<(), Error> {
    if updated.rows_affected() == 0 {
        return Err(empty_cart());
    }
    Ok(())
}

async fn draft(db: &mut PgConnection, owner: &Owner) -> Result<Option<Draft>, Error> {
    let (hash, account) = owner.keys();
    let row = sqlx::query!(
        r#"SELECT checkout_email, checkout_address, shipping_rate_id, coupon_code FROM carts
           WHERE (token_hash = $1 OR account_id = $2) AND expires_at > now()"#,
        hash,
        account
    )
    .fetch_optional(&mut *db)
    .await?;
    Ok(row.map(|r| Draft {
        email: r.checkout_email,
        address: r
            .checkout_address
            .and_then(|json| serde_json::from_value(json).ok()),
        shipping_rate_id: r.shipping_rate_id,
        coupon_code: r.coupon_code,
    }))
}

/// Saves the contact email (guests; `None` for a signed-in customer, whose account's email is
/// used) and the delivery address. The country must be one the store delivers to; a chosen
/// shipping rate of another zone is dropped.
pub async fn set_details(
    db: &PgPool,
    owner: &Owner,
    email: Option<&str>,
    address: &AddressInput,
) -> Result<(), Error> {
    let email = email.map(normalise_email).transpose()?;
    if email.is_none() && matches!(owner, Owner::Guest(_)) {
        return Err(AppError::validation("email", "enter your email address").into());
    }
    let address = address.validated()?;
    let zone = sqlx::query_scalar!(
        "SELECT zone_id FROM shipping_zone_countries WHERE country = $1",
        address.country
    )
    .fetch_optional(db)
    .await?;
    if zone.is_none() {
        let name = country_name(&address.country).unwrap_or(&address.country);
        return Err(
            AppError::validation("country", format!("we do not deliver to {name} yet")).into(),
        );
    }
    let (hash, account) = owner.keys();
    let json = serde_json::to_value(&address)?;
    let updated = sqlx::query!(
        r#"UPDATE carts SET checkout_email = $3, checkout_address = $4,
               shipping_rate_id = CASE WHEN shipping_rate_id IN (
                   SELECT id FROM shipping_rates WHERE zone_id = $5) THEN shipping_rate_id END
           WHERE (token_hash = $1 OR account_id = $2) AND expires_at > now()"#,
        hash,
        account,
        email,
        json,
        zone
    )
    .execute(db)
    .await?;
    found_cart(updated)
}

/// Chooses a shipping rate; it must serve the address's country.
pub async fn set_shipping(db: &PgPool, owner: &Owner, rate_id: i64) -> Result<(), Error> {
    let (hash, account) = owner.keys();
    let updated = sqlx::query!(
        r#"UPDATE carts c SET shipping_rate_id = r.id
           FROM shipping_rates r JOIN shipping_zone_countries z ON z.zone_id = r.zone_id
           WHERE (c.token_hash = $1 OR c.account_id = $2) AND c.expires_at > now()
             AND r.id = $3 AND r.active AND z.country = c.checkout_address->>'country'"#,
        hash,
        account,
        rate_id
    )
    .execute(db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(
            AppError::validation("shipping", "choose one of the delivery options shown").into(),
        );
    }
    Ok(())
}

/// A coupon code as typed: trimmed and upper-cased, or a clear error.
pub fn clean_coupon_code(code: &str) -> Result<String, AppError> {
    let code = code.trim().to_ascii_uppercase();
    let ok = (2..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(code)
    } else {
        Err(AppError::validation("coupon", "this code is not valid"))
    }
}

/// Applies a coupon code (`None` removes it). The code must exist and be usable now; its
/// limits are checked again when the order is placed.
pub async fn set_coupon(
    db: &PgPool,
    owner: &Owner,
    code: Option<&str>,
    rules: &CheckoutRules,
) -> Result<(), Error> {
    let code = code.map(clean_coupon_code).transpose()?;
    if let Some(code) = &code {
        let mut conn = db.acquire().await?;
        let lines = cart::lines(&mut *conn, owner, rules.currency()).await?;
        let subtotal = cart::subtotal(&lines);
        let email = draft(&mut conn, owner)
            .await?
            .and_then(|d| d.email)
            .unwrap_or_default();
        coupon(&mut conn, code, rules.currency(), subtotal, &email, false).await?;
    }
    let (hash, account) = owner.keys();
    let updated = sqlx::query!(
        "UPDATE carts SET coupon_code = $3
         WHERE (token_hash = $1 OR account_id = $2) AND expires_at > now()",
        hash,
        account,
        code
    )
    .execute(db)
    .await?;
    found_cart(updated)
}

struct CouponRow {
    id: i64,
    code: String,
    kind: String,
    value: i64,
    currency: String,
    min_subtotal_minor: i64,
    usable_now: bool,
    max_uses: Option<i32>,
    max_uses_per_customer: Option<i32>,
    uses: i32,
}

/// The coupon's discount for this cart and customer, or why it cannot be used. With `lock`,
/// the coupon row stays locked to the end of the transaction, so two orders cannot both take
/// its last use.
async fn coupon(
    db: &mut PgConnection,
    code: &str,
    currency: Currency,
    subtotal: i64,
    customer: &str,
    lock: bool,
) -> Result<(i64, String, Discount), Error> {
    let row = if lock {
        sqlx::query_as!(
            CouponRow,
            r#"SELECT id, code, kind, value, currency, min_subtotal_minor, max_uses,
                      max_uses_per_customer, uses,
                      active AND (starts_at IS NULL OR starts_at <= now())
                      AND (ends_at IS NULL OR ends_at > now()) AS "usable_now!"
               FROM coupons WHERE code = $1 FOR UPDATE"#,
            code
        )
        .fetch_optional(&mut *db)
        .await?
    } else {
        sqlx::query_as!(
            CouponRow,
            r#"SELECT id, code, kind, value, currency, min_subtotal_minor, max_uses,
                      max_uses_per_customer, uses,
                      active AND (starts_at IS NULL OR starts_at <= now())
                      AND (ends_at IS NULL OR ends_at > now()) AS "usable_now!"
               FROM coupons WHERE code = $1"#,
            code
        )
        .fetch_optional(&mut *db)
        .await?
    };
    let refuse = |message: String| -> Error { AppError::validation("coupon", message).into() };
    let Some(c) = row else {
        return Err(refuse(format!("there is no coupon {code}")));
    };
    if !c.usable_now || c.currency != currency.code() {
        return Err(refuse(format!("coupon {} cannot be used now", c.code)));
    }
    if c.max_uses.is_some_and(|max| c.uses >= max) {
        return Err(refuse(format!("coupon {} has been used up", c.code)));
    }
    if subtotal < c.min_subtotal_minor {
        return Err(refuse(format!(
            "coupon {} needs an order of at least {}",
            c.code,
            Money::new(c.min_subtotal_minor, currency)
        )));
    }
    if let (Some(max), false) = (c.max_uses_per_customer, customer.is_empty()) {
        let used = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM coupon_uses WHERE coupon_id = $1 AND customer = $2"#,
            c.id,
            customer
        )
        .fetch_one(&mut *db)
        .await?;
        if used >= i64::from(max) {
            return Err(refuse(format!("you have already used coupon {}", c.code)));
        }
    }
    let discount = match c.kind.as_str() {
        "percent" => Discount::Percent(c.value.clamp(0, 10_000) as u32),
        _ => Discount::Fixed(c.value),
    };
    Ok((c.id, c.code, discount))
}

async fn tax_rate(db: &mut PgConnection, country: &str) -> Result<u32, Error> {
    let rate = sqlx::query_scalar!("SELECT rate_bp FROM tax_rates WHERE country = $1", country)
        .fetch_optional(&mut *db)
        .await?;
    Ok(rate.unwrap_or(0).clamp(0, 10_000) as u32)
}

/// The delivery options for `country`, priced for a cart whose discounted subtotal is
/// `goods` (a rate with a threshold is free from it on).
async fn shipping_options(
    db: &mut PgConnection,
    country: &str,
    currency: Currency,
    goods: i64,
) -> Result<Vec<ShippingOption>, Error> {
    let rows = sqlx::query!(
        r#"SELECT r.id, r.name, r.price_minor, r.free_above_minor, r.cash_on_delivery
           FROM shipping_rates r JOIN shipping_zone_countries z ON z.zone_id = r.zone_id
           WHERE z.country = $1 AND r.currency = $2 AND r.active
           ORDER BY r.position, r.id"#,
        country,
        currency.code()
    )
    .fetch_all(&mut *db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let free = r.free_above_minor.is_some_and(|t| goods >= t);
            ShippingOption {
                id: r.id,
                name: r.name,
                price: Money::new(if free { 0 } else { r.price_minor }, currency),
                free,
                cash_on_delivery: r.cash_on_delivery,
            }
        })
        .collect())
}

fn compute(
    lines: &[Line],
    discount: Discount,
    shipping: i64,
    tax_rate: u32,
    rules: &CheckoutRules,
) -> Result<Totals, Error> {
    totals::compute(&TotalsInput {
        currency: rules.currency(),
        mode: rules.mode(),
        lines: lines
            .iter()
            .map(|l| LineInput {
                key: l.variant_id,
                unit_price: l.unit_price.minor,
                quantity: l.quantity.max(0) as u32,
                tax_rate,
            })
            .collect(),
        discount,
        shipping,
        shipping_tax_rate: tax_rate,
    })
    .map_err(|e| Error::other(format!("totals: {e}")))
}

fn quote_of(t: &Totals, tax_rate_bp: u32, rules: &CheckoutRules) -> Quote {
    Quote {
        subtotal: t.subtotal,
        discount: t.discount,
        shipping: t.shipping,
        tax: t.tax,
        total: t.total,
        prices_include_tax: rules.prices_include_tax,
        tax_rate_bp,
    }
}

/// Everything priced: the cart, the coupon (if it still applies), the options for the
/// address and the chosen one, the totals.
struct Priced {
    lines: Vec<Line>,
    draft: Draft,
    coupon: Option<(i64, String)>,
    coupon_problem: Option<String>,
    options: Vec<ShippingOption>,
    chosen: Option<ShippingOption>,
    tax_rate: u32,
    totals: Option<Totals>,
}

async fn price(
    db: &mut PgConnection,
    owner: &Owner,
    account_email: Option<&str>,
    rules: &CheckoutRules,
    lock_coupon: bool,
) -> Result<Priced, Error> {
    let lines = cart::lines(&mut *db, owner, rules.currency()).await?;
    let mut draft = draft(db, owner).await?.unwrap_or_default();
    if let Some(email) = account_email {
        draft.email = Some(email.to_owned());
    }
    let subtotal = cart::subtotal(&lines);
    let customer = draft.email.clone().unwrap_or_default();
    let (mut discount, mut coupon_used, mut coupon_problem) = (Discount::None, None, None);
    if let Some(code) = &draft.coupon_code {
        match coupon(db, code, rules.currency(), subtotal, &customer, lock_coupon).await {
            Ok((id, code, d)) => {
                discount = d;
                coupon_used = Some((id, code));
            }
            Err(Error::App(AppError::Validation { message, .. })) => coupon_problem = Some(message),
            Err(other) => return Err(other),
        }
    }
    // Goods after the discount decide free shipping.
    let goods = compute(&lines, discount, 0, 0, rules)?;
    let goods = goods.subtotal.minor - goods.discount.minor;
    let (mut options, mut tax) = (Vec::new(), 0);
    if let Some(address) = &draft.address {
        options = shipping_options(db, &address.country, rules.currency(), goods).await?;
        tax = tax_rate(db, &address.country).await?;
    }
    let chosen = draft
        .shipping_rate_id
        .and_then(|id| options.iter().find(|o| o.id == id))
        .or(options.first())
        .cloned();
    let totals = match &chosen {
        Some(rate) if !lines.is_empty() => {
            Some(compute(&lines, discount, rate.price.minor, tax, rules)?)
        }
        _ => None,
    };
    Ok(Priced {
        lines,
        draft,
        coupon: coupon_used,
        coupon_problem,
        options,
        chosen,
        tax_rate: tax,
        totals,
    })
}

fn payment_methods(chosen: Option<&ShippingOption>, rules: &CheckoutRules) -> Vec<PaymentMethod> {
    let mut methods = Vec::new();
    if rules.card_enabled {
        methods.push(PaymentMethod::Card);
    }
    if chosen.is_some_and(|o| o.cash_on_delivery) {
        methods.push(PaymentMethod::CashOnDelivery);
    }
    methods
}

/// The checkout page. `account` is the signed-in customer's email; their saved addresses
/// come in `saved_addresses`.
pub async fn view(
    db: &PgPool,
    owner: &Owner,
    account_email: Option<&str>,
    saved_addresses: Vec<Address>,
    rules: &CheckoutRules,
) -> Result<CheckoutView, Error> {
    let mut conn = db.acquire().await?;
    let p = price(&mut conn, owner, account_email, rules, false).await?;
    let cart = cart::view(&p.lines, &rules.cart);
    let blocker = if p.lines.is_empty() {
        Some("Your cart is empty.".to_owned())
    } else if cart.lines.iter().any(|l| l.problem.is_some()) {
        Some("Some items are not available in the quantity in your cart: change them in your cart first.".to_owned())
    } else if let Some(problem) = &p.coupon_problem {
        Some(format!("{problem}: remove the coupon or try another."))
    } else if p.draft.address.is_some() && p.options.is_empty() {
        Some("There is no delivery option for this address yet.".to_owned())
    } else {
        None
    };
    let methods = payment_methods(p.chosen.as_ref(), rules);
    Ok(CheckoutView {
        cart,
        signed_in: account_email.is_some(),
        email: p.draft.email,
        address: p.draft.address,
        saved_addresses,
        shipping_rate_id: p.chosen.as_ref().map(|o| o.id),
        shipping_options: p.options,
        coupon_code: p.draft.coupon_code,
        payment_methods: methods,
        quote: p.totals.as_ref().map(|t| quote_of(t, p.tax_rate, rules)),
        blocker,
        checkout_key: opaque_token().0,
    })
}

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

const ACCESS_PURPOSE: &str = "order-access";

/// The key in an order's link (`/orders/{number}?key=...`): derived from its checkout key, so
/// the email sent when a card payment arrives carries the same link as the confirmation page.
pub(crate) fn access_key(keys: &TokenKeys, checkout_key: &str) -> String {
    keys.tag(ACCESS_PURPOSE, checkout_key)
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

/// Places the order for the owner's cart. See the module's documentation for the steps.
pub async fn place_order(
    db: &PgPool,
    keys: &TokenKeys,
    site: &Site,
    owner: &Owner,
    account_email: Option<&str>,
    input: &PlaceOrder,
    rules: &CheckoutRules,
) -> Result<Placed, Error> {
    check_key(&input.checkout_key)?;
    let method = PaymentMethod::parse(&input.payment_method)
        .ok_or_else(|| AppError::validation("payment_method", "choose how to pay"))?;
    // A deadlock with some other writer (never two checkouts, which lock in one order) is
    // retried a few times before it is reported.
    let mut attempt = 0;
    loop {
        attempt += 1;
        match place_once(db, keys, site, owner, account_email, input, method, rules).await {
            Err(e) if attempt < 4 && is_retryable(&e) => {
                tracing::warn!(error = %e, attempt, "checkout retried");
            }
            other => return other,
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn place_once(
    db: &PgPool,
    keys: &TokenKeys,
    site: &Site,
    owner: &Owner,
    account_email: Option<&str>,
    input: &PlaceOrder,
    method: PaymentMethod,
    rules: &CheckoutRules,
) -> Result<Placed, Error> {
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

    // Stock, in variant id order.
    let mut by_variant: Vec<&Line> = p.lines.iter().collect();
    by_variant.sort_by_key(|l| l.variant_id);
    for line in &by_variant {
        let taken = sqlx::query_scalar!(
            "UPDATE variants SET stock = stock - $2 WHERE id = $1 AND stock >= $2 RETURNING id",
            line.variant_id,
            line.quantity
        )
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_none() {
            let available =
                sqlx::query_scalar!("SELECT stock FROM variants WHERE id = $1", line.variant_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .unwrap_or(0);
            return Err(AppError::OutOfStock {
                item: line.product_name.clone(),
                available: i64::from(available.max(0)),
            }
            .into());
        }
    }

    let pay_by = (method == PaymentMethod::Card).then_some(rules.unpaid_order_ttl.as_secs_f64());
    let order = sqlx::query!(
        r#"INSERT INTO orders (checkout_key, account_id, guest_hash, access_hash, email,
               payment_method, currency, prices_include_tax, subtotal_minor, discount_minor,
               shipping_minor, tax_minor, total_minor, coupon_id, coupon_code, shipping_address,
               shipping_country, shipping_rate_name, tax_rate_bp, pay_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                   $18, $19, now() + make_interval(secs => $20))
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
        rate.name,
        p.tax_rate as i32,
        pay_by
    )
    .fetch_one(&mut *tx)
    .await?;
    for (n, (line, total)) in p.lines.iter().zip(&totals.lines).enumerate() {
        sqlx::query!(
            "INSERT INTO order_lines (order_id, line_no, variant_id, sku, product_name,
                 variant_title, unit_price_minor, quantity, discount_minor, tax_minor, tax_rate_bp)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            order.id,
            n as i32 + 1,
            line.variant_id,
            line.sku,
            line.product_name,
            line.variant_title,
            line.unit_price.minor,
            line.quantity,
            total.discount.minor,
            total.tax.minor,
            p.tax_rate as i32
        )
        .execute(&mut *tx)
        .await?;
    }
    if let Some((coupon_id, _)) = &p.coupon {
        // The row is locked and its limit was checked; the table's check backs it up.
        sqlx::query!(
            "UPDATE coupons SET uses = uses + 1 WHERE id = $1",
            coupon_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO coupon_uses (order_id, coupon_id, customer) VALUES ($1, $2, $3)",
            order.id,
            coupon_id,
            email
        )
        .execute(&mut *tx)
        .await?;
    }
    orders::record(
        &mut tx,
        order.id,
        None,
        Some(OrderStatus::PendingPayment),
        "Order placed",
        "checkout",
    )
    .await?;
    let mut status = OrderStatus::PendingPayment;
    if method == PaymentMethod::CashOnDelivery {
        orders::transition(
            &mut tx,
            order.id,
            OrderStatus::Confirmed,
            "checkout",
            "Cash on delivery",
        )
        .await?;
        status = OrderStatus::Confirmed;
        let mail = orders::confirmation_email(&mut tx, site, order.id, &access_key).await?;
        mail::enqueue(&mut tx, account_id, &mail).await?;
    }
    sqlx::query!("DELETE FROM carts WHERE id = $1", cart_id)
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

/// The demo store's VAT rates, delivery zones and a welcome coupon (`duka seed`), unless the
/// store already has zones.
pub async fn seed_demo_delivery(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    currency: Currency,
) -> Result<(), Error> {
    let zones = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM shipping_zones"#)
        .fetch_one(&mut **tx)
        .await?;
    if zones > 0 {
        return Ok(());
    }
    sqlx::query!(
        "INSERT INTO tax_rates (country, rate_bp) VALUES ('AE', 500), ('SA', 1500), ('OM', 500),
             ('BH', 1000), ('ZM', 1600), ('KE', 1600), ('GB', 2000)
         ON CONFLICT (country) DO NOTHING"
    )
    .execute(&mut **tx)
    .await?;
    // (zone, countries, [(rate, price, free above, cash on delivery)]), amounts in minor units.
    type Rate = (&'static str, i64, Option<i64>, bool);
    let plan: Vec<(&str, Vec<&str>, Vec<Rate>)> = match currency {
        Currency::Aed => vec![
            (
                "United Arab Emirates",
                vec!["AE"],
                vec![
                    ("Standard delivery (2–3 days)", 1_500, Some(20_000), true),
                    ("Express delivery (next day)", 3_500, None, true),
                ],
            ),
            (
                "Gulf",
                vec!["SA", "OM", "BH", "KW", "QA"],
                vec![("Gulf delivery (4–6 days)", 6_000, Some(50_000), false)],
            ),
        ],
        Currency::Zmw => vec![(
            "Zambia",
            vec!["ZM"],
            vec![
                ("Standard delivery (2–4 days)", 5_000, Some(100_000), true),
                ("Lusaka same day", 12_000, None, true),
            ],
        )],
        Currency::Usd => vec![(
            "United States",
            vec!["US"],
            vec![("Standard shipping", 800, Some(10_000), false)],
        )],
    };
    for (position, (zone, countries, rates)) in plan.into_iter().enumerate() {
        let zone_id = sqlx::query_scalar!(
            "INSERT INTO shipping_zones (name) VALUES ($1) RETURNING id",
            zone
        )
        .fetch_one(&mut **tx)
        .await?;
        for country in countries {
            sqlx::query!(
                "INSERT INTO shipping_zone_countries (country, zone_id) VALUES ($1, $2)
                 ON CONFLICT (country) DO NOTHING",
                country,
                zone_id
            )
            .execute(&mut **tx)
            .await?;
        }
        for (i, (name, price, free_above, cod)) in rates.into_iter().enumerate() {
            sqlx::query!(
                "INSERT INTO shipping_rates (zone_id, name, currency, price_minor, free_above_minor,
                     cash_on_delivery, position)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                zone_id,
                name,
                currency.code(),
                price,
                free_above,
                cod,
                (position * 10 + i) as i32
            )
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query!(
        "INSERT INTO coupons (code, kind, value, currency, max_uses_per_customer)
         VALUES ('WELCOME10', 'percent', 1000, $1, 1) ON CONFLICT (code) DO NOTHING",
        currency.code()
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
