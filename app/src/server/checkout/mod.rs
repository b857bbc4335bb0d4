//! Checkout: what the shopper has entered (kept with the cart), the checkout page, and the
//! two steps behind it: [`pricing`] (coupons, shipping and tax for the destination, the
//! totals) and [`place`] (the order placed in one transaction). [`demo`] seeds the demo
//! store's delivery zones, tax rates and coupon.

mod demo;
mod place;
mod pricing;

pub use demo::seed_demo_delivery;
pub use place::{place_order, PlaceOrder, Placed};

use super::accounts::tokens::opaque_token;
use super::accounts::{normalise_email, profile};
use super::cart::{self, Owner, Rules};
use super::Error;
use crate::model::country::country_name;
use crate::model::totals::TaxMode;
use crate::model::{
    Address, AddressInput, AppError, CheckoutView, Currency, DeliveryEstimate, Money, Refusal,
};
use pricing::{coupon, payment_methods, price, quote_of};
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
    pub refusal: Option<Refusal>,
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
        r#"SELECT checkout_email, checkout_address, shipping_rate_id, coupon_code, checkout_refusal
           FROM carts
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
        refusal: r
            .checkout_refusal
            .and_then(|json| serde_json::from_value(json).ok()),
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
        "SELECT delivery_zone($1, $2)",
        address.country,
        address.region
    )
    .fetch_one(db)
    .await?;
    if zone.is_none() {
        let name = country_name(&address.country).unwrap_or(&address.country);
        let by_region = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM shipping_zone_countries
                              WHERE country = $1 AND region <> '') AS "any!""#,
            address.country
        )
        .fetch_one(db)
        .await?;
        let problem = match (by_region, address.region.is_empty()) {
            (true, true) => (
                "region",
                format!("choose your region in {name}: we deliver to some of them"),
            ),
            (true, false) => (
                "region",
                format!("we do not deliver to {}, {name} yet", address.region),
            ),
            (false, _) => ("country", format!("we do not deliver to {name} yet")),
        };
        return Err(AppError::validation(problem.0, problem.1).into());
    }
    let (hash, account) = owner.keys();
    let json = serde_json::to_value(&address)?;
    let updated = sqlx::query!(
        r#"UPDATE carts SET checkout_email = $3, checkout_address = $4, checkout_refusal = NULL,
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

/// Delivers a signed-in customer's cart to one of their saved addresses (another
/// customer's is not found).
pub async fn use_saved_address(db: &PgPool, account_id: i64, address_id: i64) -> Result<(), Error> {
    let saved = profile::address(db, account_id, address_id).await?;
    set_details(db, &Owner::Account(account_id), None, &saved.fields).await
}

/// Chooses a shipping rate; it must serve the address's country.
pub async fn set_shipping(db: &PgPool, owner: &Owner, rate_id: i64) -> Result<(), Error> {
    let (hash, account) = owner.keys();
    let updated = sqlx::query!(
        r#"UPDATE carts c SET shipping_rate_id = r.id, checkout_refusal = NULL
           FROM shipping_rates r
           WHERE (c.token_hash = $1 OR c.account_id = $2) AND c.expires_at > now()
             AND r.id = $3 AND r.active
             AND r.zone_id = delivery_zone(c.checkout_address->>'country',
                                           c.checkout_address->>'region')"#,
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
    crate::model::coupon::clean_code(code)
        .map_err(|_| AppError::validation("coupon", "this code is not valid"))
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
        let email = draft(&mut conn, owner)
            .await?
            .and_then(|d| d.email)
            .unwrap_or_default();
        coupon(&mut conn, code, rules.currency(), &lines, &email, false).await?;
    }
    let (hash, account) = owner.keys();
    let updated = sqlx::query!(
        "UPDATE carts SET coupon_code = $3, checkout_refusal = NULL
         WHERE (token_hash = $1 OR account_id = $2) AND expires_at > now()",
        hash,
        account,
        code
    )
    .execute(db)
    .await?;
    found_cart(updated)
}

/// The outcome of a checkout step sent from the page: a refusal the shopper can act on
/// (a validation error, too few left, a changed price) is kept with the cart, with what they
/// typed in `refusal`, for the page to show under its field; anything else is an error.
pub async fn keep_refusal(
    db: &PgPool,
    owner: &Owner,
    outcome: Result<(), Error>,
    refusal: Refusal,
) -> Result<(), Error> {
    let (field, message) = match outcome {
        Ok(()) => return Ok(()),
        Err(Error::App(AppError::Validation { field, message })) => (field, message),
        Err(Error::App(
            e @ (AppError::OutOfStock { .. } | AppError::Conflict | AppError::Stale { .. }),
        )) => (String::new(), e.to_string()),
        Err(other) => return Err(other),
    };
    let refusal = Refusal {
        field,
        message,
        ..refusal
    };
    let (hash, account) = owner.keys();
    let updated = sqlx::query!(
        "UPDATE carts SET checkout_refusal = $3
         WHERE (token_hash = $1 OR account_id = $2) AND expires_at > now()",
        hash,
        account,
        serde_json::to_value(&refusal)?
    )
    .execute(db)
    .await?;
    found_cart(updated)
}

/// The cheapest active delivery rate and the lowest free-delivery threshold in `currency`,
/// for the cart page; `None` when the shop has no rate yet.
pub async fn delivery_estimate(
    db: &PgPool,
    currency: Currency,
) -> Result<Option<DeliveryEstimate>, Error> {
    let row = sqlx::query!(
        r#"SELECT min(price_minor) AS "from", min(free_above_minor) AS free_over
           FROM shipping_rates WHERE active AND currency = $1"#,
        currency.code()
    )
    .fetch_one(db)
    .await?;
    Ok(row.from.map(|from| DeliveryEstimate {
        from: Money::new(from, currency),
        free_over: row.free_over.map(|f| Money::new(f, currency)),
    }))
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
    // Where an order can be delivered and paid for: a rate without cash on delivery is
    // only payable by card.
    let delivers_to = sqlx::query_scalar!(
        "SELECT DISTINCT country FROM shipping_zone_countries z
         WHERE EXISTS (SELECT 1 FROM shipping_rates r WHERE r.zone_id = z.zone_id AND r.active
                         AND (r.cash_on_delivery OR $1))
         ORDER BY country",
        rules.card_enabled
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut cart = cart;
    cart::with_images(&mut *conn, &mut cart).await?;
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
        cod_fee: p
            .cod_totals
            .as_ref()
            .zip(p.chosen.as_ref())
            .map(|(t, rate)| (rate.cod_fee, t.total)),
        blocker,
        checkout_key: opaque_token().0,
        card_enabled: rules.card_enabled,
        delivers_to,
        refusal: p.draft.refusal,
    })
}

/// The signed-in customer's email (their orders are sent to it), or `None` for a guest.
pub async fn account_email(db: &PgPool, account: Option<i64>) -> Result<Option<String>, Error> {
    match account {
        Some(id) => Ok(Some(profile::profile(db, id).await?.email)),
        None => Ok(None),
    }
}

/// The checkout page for `owner`'s cart; a signed-in customer's also has their email and
/// saved addresses.
pub async fn page(
    db: &PgPool,
    owner: &Owner,
    rules: &CheckoutRules,
) -> Result<CheckoutView, Error> {
    let account = owner.account();
    let email = account_email(db, account).await?;
    let saved = match account {
        Some(id) => profile::addresses(db, id).await?,
        None => Vec::new(),
    };
    view(db, owner, email.as_deref(), saved, rules).await
}
