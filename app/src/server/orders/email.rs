//! The order confirmation email.

use super::currency_of;
use crate::model::{Money, PaymentMethod};
use crate::server::platform::mail::{Email, Site};
use crate::server::Error;
use sqlx::PgConnection;

/// The order confirmation email, with the order's link.
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
