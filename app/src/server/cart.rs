//! Carts (issue 6 groundwork): a guest's cart is found by the hash of the random token in its
//! cookie, a customer's by the account. Lines hold a variant and a quantity, nothing about
//! money: prices come from the catalog whenever the cart is read. Every change validates the
//! variant (exists, on sale, in the store's currency), the quantity (1 to the store's
//! maximum) and the stock, with the cart row locked so two changes to one cart apply one at a
//! time.

use super::accounts::tokens::{opaque_token, token_hash, TokenKeys};
use super::auth::CookieNames;
use super::Error;
use crate::model::{AppError, CartLineView, CartView, Currency, Money, ProductImage};
use sqlx::{PgPool, Postgres, Transaction};
use std::time::Duration;

/// The store's cart rules (from its settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub currency: Currency,
    /// The most of one variant a cart holds (1 to 999).
    pub max_quantity: i32,
    /// How long an untouched cart lives.
    pub ttl: Duration,
}

impl Rules {
    pub fn from_settings(
        store: &super::platform::config::StoreSettings,
        currency: crate::model::Currency,
    ) -> Self {
        Rules {
            currency,
            max_quantity: store.max_line_quantity.min(999) as i32,
            ttl: store.cart_ttl,
        }
    }
}

/// A guest's cart cookie holds the token sealed with the server's key (HMAC), so a forged or
/// altered cookie finds nothing without a query.
const SEAL_PURPOSE: &str = "cart";

/// The guest token in a cart cookie's value, if this server sealed it.
pub fn open_guest_cookie(keys: &TokenKeys, cookie: &str) -> Option<String> {
    keys.open(SEAL_PURPOSE, cookie).filter(|t| {
        t.len() == 43
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// The current request's cart: the signed-in customer's, else the guest's from the cookie.
/// With `create`, a guest without a cart cookie is given one (the row is made on the first
/// add).
pub fn current_owner(
    keys: &TokenKeys,
    cookies: &CookieNames,
    rules: &Rules,
    create: bool,
) -> Option<Owner> {
    if let Some(viewer) = super::auth::viewer() {
        return Some(Owner::Account(viewer.account_id));
    }
    let found = guest_token(keys, cookies);
    match (found, create) {
        (Some(token), _) => Some(Owner::Guest(token)),
        (None, false) => None,
        (None, true) => {
            let token = new_guest_token();
            super::auth::set_cookies([
                cookies.cart_cookie(&keys.seal(SEAL_PURPOSE, &token), rules.ttl.as_secs())
            ]);
            Some(Owner::Guest(token))
        }
    }
}

/// The guest cart of the current request (from its cookie), if any: what sign-in merges.
pub fn guest_token(keys: &TokenKeys, cookies: &CookieNames) -> Option<String> {
    super::auth::request_cookie(&cookies.cart).and_then(|c| open_guest_cookie(keys, &c))
}

/// Whose cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The token from a guest's cookie.
    Guest(String),
    Account(i64),
}

impl Owner {
    /// The columns that find this owner's cart: (`token_hash`, `account_id`).
    pub fn keys(&self) -> (Option<Vec<u8>>, Option<i64>) {
        match self {
            Owner::Guest(token) => (Some(token_hash(token)), None),
            Owner::Account(id) => (None, Some(*id)),
        }
    }

    /// The signed-in customer whose cart it is; `None` for a guest's.
    pub fn account(&self) -> Option<i64> {
        match self {
            Owner::Guest(_) => None,
            Owner::Account(id) => Some(*id),
        }
    }
}

/// A new guest cart's cookie token (the cart row is made on the first add).
pub fn new_guest_token() -> String {
    opaque_token().0
}

/// One line as the cart shows it, priced from the catalog now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub variant_id: i64,
    pub sku: String,
    pub product_name: String,
    pub product_slug: String,
    /// The variant's option values (`M / Sand`), empty for a product without options.
    pub variant_title: String,
    pub unit_price: Money,
    pub quantity: i32,
    /// Stock now; below `quantity` means the line cannot be bought as it is.
    pub stock: i32,
}

/// The owner's live cart, locked for the transaction; created (to live `create`) if missing.
pub(crate) async fn cart_for_update(
    tx: &mut Transaction<'_, Postgres>,
    owner: &Owner,
    create: Option<Duration>,
) -> Result<Option<i64>, Error> {
    let (hash, account) = owner.keys();
    let locked = sqlx::query!(
        r#"SELECT id, expires_at <= now() AS "expired!" FROM carts
           WHERE token_hash = $1 OR account_id = $2 FOR UPDATE"#,
        hash,
        account
    )
    .fetch_optional(&mut **tx)
    .await?;
    let found = match locked {
        Some(cart) if cart.expired => {
            // An expired cart is gone: deleted, so its lines do not come back.
            sqlx::query!("DELETE FROM carts WHERE id = $1", cart.id)
                .execute(&mut **tx)
                .await?;
            None
        }
        live => live.map(|cart| cart.id),
    };
    let Some(ttl) = create.filter(|_| found.is_none()) else {
        return Ok(found);
    };
    // Two first adds racing: one insert wins, the other finds its row.
    sqlx::query!(
        "INSERT INTO carts (token_hash, account_id, expires_at)
         VALUES ($1, $2, now() + make_interval(secs => $3))
         ON CONFLICT DO NOTHING",
        hash,
        account,
        ttl.as_secs_f64()
    )
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query_scalar!(
        "SELECT id FROM carts WHERE token_hash = $1 OR account_id = $2 FOR UPDATE",
        hash,
        account
    )
    .fetch_optional(&mut **tx)
    .await?)
}

fn check_quantity(quantity: i64, max: i32) -> Result<i32, AppError> {
    if quantity < 1 || quantity > i64::from(max) {
        return Err(AppError::validation(
            "quantity",
            format!("choose a quantity from 1 to {max}"),
        ));
    }
    Ok(quantity as i32)
}

/// The id of the variant with this SKU, or a clear error.
pub async fn variant_by_sku(db: &PgPool, sku: &str) -> Result<i64, Error> {
    let sku = sku.trim();
    if sku.is_empty() || sku.len() > 64 {
        return Err(AppError::validation("sku", "choose an option first").into());
    }
    sqlx::query_scalar!("SELECT id FROM variants WHERE sku = $1", sku)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| AppError::validation("variant", "this product is not available").into())
}

/// The variant's stock if it can be bought: it exists, its product is on sale, and it is
/// priced in the store's currency.
async fn sellable_stock(
    tx: &mut Transaction<'_, Postgres>,
    variant_id: i64,
    currency: Currency,
) -> Result<i32, Error> {
    sqlx::query_scalar!(
        "SELECT v.stock FROM variants v JOIN products p ON p.id = v.product_id
         WHERE v.id = $1 AND p.status = 'active' AND v.currency = $2",
        variant_id,
        currency.code()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::validation("variant", "this product is not available").into())
}

/// Sets the quantity of a variant in the owner's cart (`add`: on top of what is there).
/// Zero removes the line; past the stock or the maximum is a clear error and changes nothing.
pub async fn change(
    db: &PgPool,
    owner: &Owner,
    variant_id: i64,
    quantity: i64,
    add: bool,
    rules: &Rules,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    if quantity == 0 && !add {
        if let Some(cart) = cart_for_update(&mut tx, owner, None).await? {
            sqlx::query!(
                "DELETE FROM cart_lines WHERE cart_id = $1 AND variant_id = $2",
                cart,
                variant_id
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        return Ok(());
    }
    let quantity = check_quantity(quantity, rules.max_quantity)?;
    let stock = sellable_stock(&mut tx, variant_id, rules.currency).await?;
    let cart = cart_for_update(&mut tx, owner, Some(rules.ttl))
        .await?
        .ok_or_else(|| Error::other("cart row missing after insert"))?;
    let current = sqlx::query_scalar!(
        "SELECT quantity FROM cart_lines WHERE cart_id = $1 AND variant_id = $2",
        cart,
        variant_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or(0);
    let wanted = if add { current + quantity } else { quantity };
    let wanted = check_quantity(i64::from(wanted), rules.max_quantity)?;
    if wanted > stock {
        return Err(AppError::validation(
            "quantity",
            match stock {
                0 => "this is sold out".to_owned(),
                n => format!("only {n} left in stock"),
            },
        )
        .into());
    }
    sqlx::query!(
        "INSERT INTO cart_lines (cart_id, variant_id, quantity) VALUES ($1, $2, $3)
         ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = EXCLUDED.quantity",
        cart,
        variant_id,
        wanted
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE carts SET updated_at = now(), expires_at = now() + make_interval(secs => $2) WHERE id = $1",
        cart,
        rules.ttl.as_secs_f64()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The owner's cart, priced from the catalog now, oldest line first.
pub async fn lines<'e>(
    db: impl sqlx::PgExecutor<'e>,
    owner: &Owner,
    currency: Currency,
) -> Result<Vec<Line>, Error> {
    let (hash, account) = owner.keys();
    let rows = sqlx::query!(
        r#"SELECT l.variant_id, v.sku, p.name AS product_name, p.slug AS product_slug,
                  v.price_minor, l.quantity, v.stock,
                  coalesce((SELECT string_agg(pov.value, ' / ' ORDER BY po.position, po.id)
                            FROM variant_option_values vov
                            JOIN product_options po ON po.id = vov.option_id
                            JOIN product_option_values pov ON pov.id = vov.option_value_id
                            WHERE vov.variant_id = v.id), '') AS "variant_title!"
           FROM carts c JOIN cart_lines l ON l.cart_id = c.id
           JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id
           WHERE (c.token_hash = $1 OR c.account_id = $2) AND c.expires_at > now()
             AND p.status = 'active' AND v.currency = $3
           ORDER BY l.added_at, l.variant_id"#,
        hash,
        account,
        currency.code()
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Line {
            variant_id: r.variant_id,
            sku: r.sku,
            product_name: r.product_name,
            product_slug: r.product_slug,
            variant_title: r.variant_title,
            unit_price: Money::new(r.price_minor, currency),
            quantity: r.quantity,
            stock: r.stock,
        })
        .collect())
}

/// How many items the owner's cart holds (for the header).
pub async fn item_count(db: &PgPool, owner: &Owner) -> Result<i64, Error> {
    let (hash, account) = owner.keys();
    Ok(sqlx::query_scalar!(
        r#"SELECT coalesce(sum(l.quantity), 0)::BIGINT AS "n!"
           FROM carts c JOIN cart_lines l ON l.cart_id = c.id
           WHERE (c.token_hash = $1 OR c.account_id = $2) AND c.expires_at > now()"#,
        hash,
        account
    )
    .fetch_one(db)
    .await?)
}

/// What the lines cost now, as shown (minor units).
pub fn subtotal(lines: &[Line]) -> i64 {
    lines
        .iter()
        .map(|l| l.unit_price.minor.saturating_mul(i64::from(l.quantity)))
        .fold(0i64, i64::saturating_add)
}

fn line_problem(line: &Line) -> Option<String> {
    match line.stock {
        s if s <= 0 => Some("Sold out".to_owned()),
        s if s < line.quantity => Some(format!("Only {s} left")),
        _ => None,
    }
}

/// The cart as its page shows it.
pub fn view(lines: &[Line], rules: &Rules) -> CartView {
    let currency = rules.currency;
    CartView {
        lines: lines
            .iter()
            .map(|l| CartLineView {
                variant_id: l.variant_id,
                sku: l.sku.clone(),
                product_name: l.product_name.clone(),
                product_slug: l.product_slug.clone(),
                variant_title: l.variant_title.clone(),
                unit_price: l.unit_price,
                quantity: l.quantity,
                line_total: Money::new(
                    l.unit_price.minor.saturating_mul(i64::from(l.quantity)),
                    currency,
                ),
                problem: line_problem(l),
                image: None,
            })
            .collect(),
        subtotal: Money::new(subtotal(lines), currency),
        item_count: lines.iter().map(|l| i64::from(l.quantity)).sum(),
        max_line_quantity: rules.max_quantity,
        delivery: None,
    }
}

/// The quantity a stepper button asks for: the one shown, one more or one less (a `step` of
/// any other size counts as one), never below nothing.
pub fn stepped(quantity: i64, step: Option<i64>) -> i64 {
    quantity
        .saturating_add(step.unwrap_or(0).clamp(-1, 1))
        .max(0)
}

/// Fills in each line's picture: the variant's own, or its product's first.
pub async fn with_images(db: impl sqlx::PgExecutor<'_>, cart: &mut CartView) -> Result<(), Error> {
    let ids: Vec<i64> = cart.lines.iter().map(|l| l.variant_id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let rows = sqlx::query!(
        r#"SELECT v.id, i.storage_key AS "key!", i.alt AS "alt!", i.width AS "width!",
                  i.height AS "height!"
           FROM variants v
           JOIN LATERAL (
               SELECT storage_key, alt, width, height FROM product_images i
               WHERE i.product_id = v.product_id
               ORDER BY i.id = v.image_id DESC, i.position, i.id LIMIT 1
           ) i ON true
           WHERE v.id = ANY($1)"#,
        &ids
    )
    .fetch_all(db)
    .await?;
    for line in &mut cart.lines {
        line.image = rows
            .iter()
            .find(|r| r.id == line.variant_id)
            .map(|r| ProductImage {
                key: r.key.clone(),
                alt: r.alt.clone(),
                width: r.width as u32,
                height: r.height as u32,
            });
    }
    Ok(())
}

/// At sign-in: the guest's lines move into the account's cart (quantities added, capped at
/// the stock and the maximum) and the guest cart is deleted, in one transaction.
pub async fn merge(
    db: &PgPool,
    guest_token: &str,
    account_id: i64,
    rules: &Rules,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let Some(guest) = cart_for_update(&mut tx, &Owner::Guest(guest_token.to_owned()), None).await?
    else {
        return Ok(());
    };
    let account = cart_for_update(&mut tx, &Owner::Account(account_id), Some(rules.ttl))
        .await?
        .ok_or_else(|| Error::other("cart row missing after insert"))?;
    sqlx::query!(
        "INSERT INTO cart_lines (cart_id, variant_id, quantity, added_at)
         SELECT $2, g.variant_id, least(g.quantity, v.stock, $3), g.added_at
         FROM cart_lines g JOIN variants v ON v.id = g.variant_id
         WHERE g.cart_id = $1 AND v.stock > 0
         ON CONFLICT (cart_id, variant_id) DO UPDATE
             SET quantity = greatest(1, least(cart_lines.quantity + EXCLUDED.quantity,
                 (SELECT stock FROM variants WHERE id = EXCLUDED.variant_id), $3))",
        guest,
        account,
        rules.max_quantity
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM carts WHERE id = $1", guest)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes carts past their expiry; returns how many.
pub async fn sweep_expired(db: &PgPool) -> Result<u64, Error> {
    Ok(sqlx::query!("DELETE FROM carts WHERE expires_at <= now()")
        .execute(db)
        .await?
        .rows_affected())
}
