//! What the shopper is told after checkout: an email when their order ships, is delivered, is
//! cancelled, and for each refund. A change writes its notice in its own transaction
//! ([`queue`]); [`render_due`] turns notices into emails in the outbox and deletes them in one
//! transaction, so each change is told once, and only once it committed.

use super::access::access_key;
use super::{currency_of, method_of};
use crate::model::{Money, PaymentMethod};
use crate::server::accounts::tokens::TokenKeys;
use crate::server::platform::mail::{self, Email, Site};
use crate::server::Error;
use sqlx::{PgConnection, PgPool};

/// What a notice tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Shipped,
    Delivered,
    Cancelled,
    /// A refund of this many minor units.
    Refunded(i64),
}

impl Notice {
    fn kind(self) -> &'static str {
        match self {
            Notice::Shipped => "shipped",
            Notice::Delivered => "delivered",
            Notice::Cancelled => "cancelled",
            Notice::Refunded(_) => "refunded",
        }
    }
}

/// Queues `notice` for order `order_id` in the caller's transaction.
pub async fn queue(db: &mut PgConnection, order_id: i64, notice: Notice) -> Result<(), Error> {
    let amount = match notice {
        Notice::Refunded(minor) => Some(minor),
        _ => None,
    };
    sqlx::query!(
        "INSERT INTO order_notices (order_id, kind, amount_minor) VALUES ($1, $2, $3)",
        order_id,
        notice.kind(),
        amount
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// How many notices one pass renders.
const BATCH: i64 = 50;

/// Renders due notices (oldest first, rows no other process holds) into the email outbox and
/// deletes them, in one transaction. Returns how many it rendered.
pub async fn render_due(db: &PgPool, site: &Site, keys: &TokenKeys) -> Result<usize, Error> {
    let mut tx = db.begin().await?;
    let due = sqlx::query!(
        r#"WITH due AS (
               SELECT id, order_id, kind, amount_minor FROM order_notices
               ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
           SELECT due.id, due.kind, due.amount_minor, o.number, o.email, o.account_id,
                  o.checkout_key, o.currency, o.payment_method, o.paid_minor, o.carrier,
                  o.tracking_number, o.tracking_url
           FROM due JOIN orders o ON o.id = due.order_id ORDER BY due.id"#,
        BATCH
    )
    .fetch_all(&mut *tx)
    .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mut ids = Vec::with_capacity(due.len());
    for n in &due {
        let order = Told {
            number: n.number,
            email: &n.email,
            link: format!(
                "{}/orders/{}?key={}",
                site.public_url,
                n.number,
                access_key(keys, &n.checkout_key)
            ),
            method: method_of(&n.payment_method)?,
            paid: n.paid_minor > 0,
            carrier: n.carrier.as_deref(),
            tracking_number: n.tracking_number.as_deref(),
            tracking_url: n.tracking_url.as_deref(),
        };
        let notice = match (n.kind.as_str(), n.amount_minor) {
            ("shipped", _) => Notice::Shipped,
            ("delivered", _) => Notice::Delivered,
            ("cancelled", _) => Notice::Cancelled,
            ("refunded", Some(minor)) => Notice::Refunded(minor),
            _ => return Err(Error::other(format!("unknown order notice {:?}", n.kind))),
        };
        let currency = currency_of(&n.currency)?;
        mail::enqueue(
            &mut tx,
            n.account_id,
            &email(site, &order, notice, currency),
        )
        .await?;
        ids.push(n.id);
    }
    sqlx::query!("DELETE FROM order_notices WHERE id = ANY($1)", &ids)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(ids.len())
}

/// The order as a notice tells of it.
struct Told<'a> {
    number: i64,
    email: &'a str,
    /// The order's page, with its key.
    link: String,
    method: PaymentMethod,
    /// Whether any money was received for it.
    paid: bool,
    carrier: Option<&'a str>,
    tracking_number: Option<&'a str>,
    tracking_url: Option<&'a str>,
}

fn email(site: &Site, o: &Told<'_>, notice: Notice, currency: crate::model::Currency) -> Email {
    let n = o.number;
    let (subject, mut paragraphs) = match notice {
        Notice::Shipped => (
            format!("Order {n} has shipped"),
            vec![format!(
                "Your order {n} is on its way with {}.",
                o.carrier.unwrap_or("our courier")
            )],
        ),
        Notice::Delivered => (
            format!("Order {n} was delivered"),
            vec![
                format!("Your order {n} was delivered. We hope you enjoy it."),
                "If anything is not right, reply to this email: our returns and refunds page says what we can do.".to_owned(),
            ],
        ),
        Notice::Cancelled => (
            format!("Order {n} is cancelled"),
            vec![
                format!("Your order {n} is cancelled."),
                if o.paid {
                    "Anything you paid is refunded to the way you paid; we will email you when it is.".to_owned()
                } else {
                    "You were not charged for it.".to_owned()
                },
            ],
        ),
        Notice::Refunded(minor) => (
            format!("A refund for order {n}"),
            vec![match o.method {
                PaymentMethod::Card => format!(
                    "We have refunded {} to the card you paid with for order {n}. Banks take up to 10 days to show it.",
                    Money::new(minor, currency)
                ),
                PaymentMethod::CashOnDelivery => format!(
                    "We have refunded {} in cash for order {n}.",
                    Money::new(minor, currency)
                ),
            }],
        ),
    };
    let (label, link) = match (notice, o.tracking_url) {
        (Notice::Shipped, Some(url)) => ("Track your parcel", url.to_owned()),
        _ => ("See your order", o.link.clone()),
    };
    if notice == Notice::Shipped {
        if let Some(t) = o.tracking_number {
            paragraphs.push(format!("Tracking number: {t}"));
        }
        if o.method == PaymentMethod::CashOnDelivery {
            paragraphs.push("Please have the cash ready when it arrives.".to_owned());
        }
    }
    let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    let closing = if link == o.link {
        "Questions? Reply to this email.".to_owned()
    } else {
        format!("Your order's page: {}", o.link)
    };
    Email::with_link(
        &site.store_name.get(),
        o.email,
        &subject,
        &refs,
        label,
        &link,
        &closing,
    )
}

/// The notices waiting to be written as email.
pub async fn backlog(db: &PgPool) -> Result<crate::server::platform::metrics::Backlog, Error> {
    let b = sqlx::query!(
        r#"SELECT count(*) AS "waiting!",
                  COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::FLOAT8 AS "oldest!"
           FROM order_notices"#
    )
    .fetch_one(db)
    .await?;
    Ok(crate::server::platform::metrics::Backlog {
        waiting: b.waiting,
        oldest_seconds: b.oldest,
        retrying: 0,
    })
}
