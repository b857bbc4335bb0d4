//! The order confirmation email.

use super::currency_of;
use crate::model::{Currency, Money, PaymentMethod};
use crate::server::platform::mail::{Email, Site};
use crate::server::Error;
use sqlx::PgConnection;

/// What the confirmation says about an order.
pub struct Confirmation<'a> {
    pub number: i64,
    pub email: &'a str,
    pub currency: Currency,
    pub total_minor: i64,
    pub payment_method: PaymentMethod,
    /// Product name, variant title (may be empty), quantity, unit price (minor units).
    pub lines: Vec<(&'a str, &'a str, i32, i64)>,
}

/// The order confirmation email of order `order_id` as stored, with the order's link.
pub async fn confirmation_email(
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
    let lines = sqlx::query!(
        "SELECT product_name, variant_title, quantity, unit_price_minor
         FROM order_lines WHERE order_id = $1 ORDER BY line_no",
        order_id
    )
    .fetch_all(&mut *db)
    .await?;
    let order = Confirmation {
        number: o.number,
        email: &o.email,
        currency: currency_of(&o.currency)?,
        total_minor: o.total_minor,
        payment_method: super::method_of(&o.payment_method)?,
        lines: lines
            .iter()
            .map(|l| {
                let (name, title) = (l.product_name.as_str(), l.variant_title.as_str());
                (name, title, l.quantity, l.unit_price_minor)
            })
            .collect(),
    };
    Ok(confirmation(site, &order, access_key))
}

/// The confirmation email of `order`, with its link.
pub fn confirmation(site: &Site, order: &Confirmation<'_>, access_key: &str) -> Email {
    let currency = order.currency;
    let mut paragraphs = vec![format!("Thank you for your order {}.", order.number)];
    for &(name, variant, quantity, unit_price) in &order.lines {
        let title = if variant.is_empty() {
            name.to_owned()
        } else {
            format!("{name} ({variant})")
        };
        paragraphs.push(format!(
            "{quantity} × {title}: {}",
            Money::new(unit_price.saturating_mul(i64::from(quantity)), currency)
        ));
    }
    paragraphs.push(format!(
        "Total: {}",
        Money::new(order.total_minor, currency)
    ));
    if order.payment_method == PaymentMethod::CashOnDelivery {
        paragraphs.push("You pay in cash when it is delivered.".to_owned());
    }
    let link = format!(
        "{}/orders/{}?key={access_key}",
        site.public_url, order.number
    );
    let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    Email::with_link(
        &site.store_name.get(),
        order.email,
        &format!("Order {} confirmed", order.number),
        &refs,
        "See your order",
        &link,
        "We will email you when it ships.",
    )
}
