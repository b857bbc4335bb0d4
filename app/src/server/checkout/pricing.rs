//! The totals of a checkout: the cart priced from the catalog, the coupon checked against
//! its limits, the delivery options and tax rate for the destination, and the payment
//! methods the chosen delivery allows.

use super::{draft, CheckoutRules, Draft};
use crate::model::totals::{self, Discount, LineInput, Totals, TotalsInput};
use crate::model::{AddressInput, AppError, Currency, Money, PaymentMethod, Quote, ShippingOption};
use crate::server::cart::{self, Line, Owner};
use crate::server::Error;
use sqlx::PgConnection;

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

/// A coupon that applies to the cart, and what it takes off.
pub(super) struct Applied {
    pub(super) id: i64,
    pub(super) code: String,
    pub(super) discount: Discount,
    pub(super) free_shipping: bool,
    /// The cart's variants the discount covers; `None`: all of them.
    pub(super) eligible: Option<Vec<i64>>,
}

/// The coupon's effect on these cart lines for this customer, or why it cannot be used.
/// With `lock`, the coupon row stays locked to the end of the transaction, so two orders
/// cannot both take its last use.
pub(super) async fn coupon(
    db: &mut PgConnection,
    code: &str,
    currency: Currency,
    lines: &[Line],
    customer: &str,
    lock: bool,
) -> Result<Applied, Error> {
    if lock {
        // Held to the end of the caller's transaction; the read below then sees the row as
        // the last order to use it left it.
        sqlx::query_scalar!("SELECT id FROM coupons WHERE code = $1 FOR UPDATE", code)
            .fetch_optional(&mut *db)
            .await?;
    }
    let row = sqlx::query_as!(
        CouponRow,
        r#"SELECT id, code, kind, value, currency, min_subtotal_minor, max_uses,
                  max_uses_per_customer, uses,
                  active AND (starts_at IS NULL OR starts_at <= now())
                  AND (ends_at IS NULL OR ends_at > now()) AS "usable_now!"
           FROM coupons WHERE code = $1"#,
        code
    )
    .fetch_optional(&mut *db)
    .await?;
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
    if cart::subtotal(lines) < c.min_subtotal_minor {
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
    let (discount, free_shipping) = match c.kind.as_str() {
        "percent" => (Discount::Percent(c.value.clamp(0, 10_000) as u32), false),
        "fixed" => (Discount::Fixed(c.value), false),
        _ => (Discount::None, true),
    };
    let eligible = eligible_variants(db, c.id, lines).await?;
    if eligible.as_ref().is_some_and(Vec::is_empty) {
        return Err(refuse(format!(
            "coupon {} does not cover anything in your bag",
            c.code
        )));
    }
    Ok(Applied {
        id: c.id,
        code: c.code,
        discount,
        free_shipping,
        eligible,
    })
}

/// The cart's variants a coupon limited to products or categories covers (a product listed,
/// or in a listed category or one below it), or `None` for a coupon without limits.
async fn eligible_variants(
    db: &mut PgConnection,
    coupon_id: i64,
    lines: &[Line],
) -> Result<Option<Vec<i64>>, Error> {
    let variants: Vec<i64> = lines.iter().map(|l| l.variant_id).collect();
    let row = sqlx::query!(
        r#"WITH RECURSIVE covered (id) AS (
               SELECT category_id FROM coupon_categories WHERE coupon_id = $1
               UNION
               SELECT c.id FROM categories c JOIN covered ON c.parent_id = covered.id)
           SELECT (EXISTS (SELECT 1 FROM coupon_products WHERE coupon_id = $1)
                   OR EXISTS (SELECT 1 FROM coupon_categories WHERE coupon_id = $1))
                      AS "limited!",
                  ARRAY(SELECT v.id FROM variants v WHERE v.id = ANY($2)
                        AND (EXISTS (SELECT 1 FROM coupon_products cp
                                     WHERE cp.coupon_id = $1 AND cp.product_id = v.product_id)
                             OR EXISTS (SELECT 1 FROM product_categories pc
                                        JOIN covered ON covered.id = pc.category_id
                                        WHERE pc.product_id = v.product_id))) AS "covered!""#,
        coupon_id,
        &variants
    )
    .fetch_one(&mut *db)
    .await?;
    Ok(row.limited.then_some(row.covered))
}

/// The delivery options for `address` (its region's zone, else its country's), priced for
/// `lines` whose discounted subtotal is `goods` (a rate with a threshold is free from it on; a
/// rate with weight bands costs the band holding the cart's weight, and is not offered to a
/// heavier cart), and the country's tax rate (basis points), in one query.
async fn destination(
    db: &mut PgConnection,
    address: &AddressInput,
    lines: &[Line],
    currency: Currency,
    goods: i64,
) -> Result<(Vec<ShippingOption>, u32), Error> {
    let ids: Vec<i64> = lines.iter().map(|l| l.variant_id).collect();
    let quantities: Vec<i32> = lines.iter().map(|l| l.quantity).collect();
    let rows = sqlx::query!(
        r#"WITH weight AS (
               SELECT coalesce(sum(v.weight_grams::BIGINT * l.quantity), 0) AS grams
               FROM unnest($4::BIGINT[], $5::INT[]) AS l(id, quantity)
               JOIN variants v ON v.id = l.id)
           SELECT t.rate_bp AS "tax_bp?", r.id AS "id?", r.name AS "name?",
                  coalesce(band.price_minor, r.price_minor) AS "price_minor?",
                  r.free_above_minor, r.cash_on_delivery AS "cash_on_delivery?",
                  r.cod_fee_minor AS "cod_fee_minor?"
           FROM (SELECT $1::TEXT AS country) d
           LEFT JOIN tax_rates t ON t.country = d.country
           LEFT JOIN shipping_rates r
                  ON r.zone_id = delivery_zone($1, $2) AND r.currency = $3 AND r.active
           LEFT JOIN LATERAL (
               SELECT b.price_minor FROM shipping_rate_bands b, weight
               WHERE b.rate_id = r.id AND b.up_to_grams >= weight.grams
               ORDER BY b.up_to_grams LIMIT 1) band ON true
           WHERE r.id IS NULL OR band.price_minor IS NOT NULL
              OR NOT EXISTS (SELECT 1 FROM shipping_rate_bands b WHERE b.rate_id = r.id)
           ORDER BY r.position, r.id"#,
        address.country,
        address.region,
        currency.code(),
        &ids,
        &quantities
    )
    .fetch_all(&mut *db)
    .await?;
    // Every rate too light for the cart filtered out leaves no row for the tax rate.
    let tax = match rows.first() {
        Some(r) => r.tax_bp,
        None => {
            sqlx::query_scalar!(
                "SELECT rate_bp FROM tax_rates WHERE country = $1",
                address.country
            )
            .fetch_optional(&mut *db)
            .await?
        }
    }
    .unwrap_or(0)
    .clamp(0, 10_000) as u32;
    let options = rows
        .into_iter()
        .filter_map(|r| {
            let (id, name, price) = (r.id?, r.name?, r.price_minor?);
            let free = r.free_above_minor.is_some_and(|t| goods >= t);
            Some(ShippingOption {
                id,
                name,
                price: Money::new(if free { 0 } else { price }, currency),
                free,
                cash_on_delivery: r.cash_on_delivery.unwrap_or(false),
                cod_fee: Money::new(r.cod_fee_minor.unwrap_or(0), currency),
            })
        })
        .collect();
    Ok((options, tax))
}

pub(super) fn compute(
    lines: &[Line],
    discount: Discount,
    eligible: Option<&[i64]>,
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
                discountable: eligible.is_none_or(|e| e.contains(&l.variant_id)),
            })
            .collect(),
        discount,
        shipping,
        shipping_tax_rate: tax_rate,
    })
    .map_err(|e| Error::other(format!("totals: {e}")))
}

pub(super) fn quote_of(t: &Totals, tax_rate_bp: u32, rules: &CheckoutRules) -> Quote {
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
pub(super) struct Priced {
    pub(super) lines: Vec<Line>,
    pub(super) draft: Draft,
    pub(super) coupon: Option<(i64, String)>,
    pub(super) coupon_problem: Option<String>,
    pub(super) options: Vec<ShippingOption>,
    pub(super) chosen: Option<ShippingOption>,
    /// The chosen delivery's charge a free-delivery coupon took off.
    pub(super) shipping_waived: i64,
    pub(super) tax_rate: u32,
    pub(super) totals: Option<Totals>,
    /// The totals paying on delivery, when the chosen rate charges a fee for it.
    pub(super) cod_totals: Option<Totals>,
}

pub(super) async fn price(
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
    let customer = draft.email.clone().unwrap_or_default();
    let (mut applied, mut coupon_problem) = (None, None);
    if let Some(code) = &draft.coupon_code {
        match coupon(db, code, rules.currency(), &lines, &customer, lock_coupon).await {
            Ok(a) => applied = Some(a),
            Err(Error::App(AppError::Validation { message, .. })) => coupon_problem = Some(message),
            Err(other) => return Err(other),
        }
    }
    let discount = applied.as_ref().map_or(Discount::None, |a| a.discount);
    let eligible = applied.as_ref().and_then(|a| a.eligible.as_deref());
    // Goods after the discount decide free shipping.
    let goods = compute(&lines, discount, eligible, 0, 0, rules)?;
    let goods = goods.subtotal.minor - goods.discount.minor;
    let (mut options, mut tax) = (Vec::new(), 0);
    if let Some(address) = &draft.address {
        (options, tax) = destination(db, address, &lines, rules.currency(), goods).await?;
    }
    let chosen = draft
        .shipping_rate_id
        .and_then(|id| options.iter().find(|o| o.id == id))
        .or(options.first())
        .cloned();
    let mut shipping_waived = 0;
    if applied.as_ref().is_some_and(|a| a.free_shipping) {
        shipping_waived = chosen.as_ref().map_or(0, |c| c.price.minor);
        for option in options.iter_mut() {
            (option.price.minor, option.free) = (0, true);
        }
    }
    let chosen = chosen.map(|c| ShippingOption {
        price: Money::new(c.price.minor - shipping_waived, rules.currency()),
        free: c.free || shipping_waived > 0,
        ..c
    });
    let with_shipping = |shipping| compute(&lines, discount, eligible, shipping, tax, rules);
    let (totals, cod_totals) = match &chosen {
        Some(rate) if !lines.is_empty() => {
            let fee = rate.cod_fee.minor;
            let cod = (rate.cash_on_delivery && fee > 0)
                .then(|| with_shipping(rate.price.minor + fee))
                .transpose()?;
            (Some(with_shipping(rate.price.minor)?), cod)
        }
        _ => (None, None),
    };
    Ok(Priced {
        lines,
        draft,
        coupon: applied.map(|a| (a.id, a.code)),
        coupon_problem,
        options,
        chosen,
        shipping_waived,
        tax_rate: tax,
        totals,
        cod_totals,
    })
}

pub(super) fn payment_methods(
    chosen: Option<&ShippingOption>,
    rules: &CheckoutRules,
) -> Vec<PaymentMethod> {
    let mut methods = Vec::new();
    if rules.card_enabled {
        methods.push(PaymentMethod::Card);
    }
    if chosen.is_some_and(|o| o.cash_on_delivery) {
        methods.push(PaymentMethod::CashOnDelivery);
    }
    methods
}
