//! Coupons as staff manage them: the list with each coupon's standing and what it has given,
//! one coupon's editor and report, and the changes (create, save over the version it was
//! opened at, pause, activate, delete one no order ever carried). Checkout reads coupons and
//! keeps their limits (`checkout::pricing`); every change here is audited.

use crate::model::coupon::{
    CouponEditor, CouponForm, CouponInput, CouponKind, CouponPage, CouponRow, CouponState,
    CouponUseView, COUPONS_PAGE, REPORT_USES,
};
use crate::model::{AppError, Currency, Money};
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::catalog::admin::category_paths;
use crate::server::platform::audit;
use crate::server::Error;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use std::net::IpAddr;

/// The coupon's standing now, from its row (the same order of reasons as checkout's refusals).
const STATE_SQL: &str = "CASE WHEN NOT c.active THEN 'paused' WHEN c.ends_at <= now() THEN 'ended'
    WHEN c.max_uses IS NOT NULL AND c.uses >= c.max_uses THEN 'used_up'
    WHEN c.starts_at > now() THEN 'scheduled' ELSE 'active' END";

fn state_of(text: &str) -> CouponState {
    match text {
        "paused" => CouponState::Paused,
        "ended" => CouponState::Ended,
        "used_up" => CouponState::UsedUp,
        "scheduled" => CouponState::Scheduled,
        _ => CouponState::Active,
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    code: String,
    kind: String,
    value: i64,
    currency: String,
    state: String,
    uses: i32,
    max_uses: Option<i32>,
    given: i64,
    dates: String,
    ever_used: bool,
}

impl Row {
    fn view(self) -> CouponRow {
        let currency = self.currency.parse().unwrap_or(Currency::Aed);
        let kind = CouponKind::parse(&self.kind).unwrap_or(CouponKind::Fixed);
        CouponRow {
            id: self.id,
            offer: kind.describe(self.value, currency),
            code: self.code,
            state: state_of(&self.state),
            uses: self.uses,
            max_uses: self.max_uses,
            given: Money::new(self.given, currency),
            dates: self.dates,
            ever_used: self.ever_used,
        }
    }
}

/// At most `limit` coupons with their figures, newest first, `WHERE` what `filter` says
/// (`$1` is `id`, `$2` is `code`).
async fn rows(
    db: &PgPool,
    filter: &str,
    id: Option<i64>,
    code: Option<&str>,
    limit: usize,
) -> Result<Vec<Row>, Error> {
    let sql = format!(
        "SELECT c.id, c.code, c.kind, c.value, c.currency, {STATE_SQL} AS state, c.uses,
                c.max_uses,
                COALESCE((SELECT sum(u.discount_minor + u.shipping_waived_minor)
                          FROM coupon_uses u WHERE u.coupon_id = c.id), 0)::BIGINT AS given,
                concat_ws(' ', 'from ' || to_char(c.starts_at, 'FMDD Mon YYYY, HH24:MI'),
                          'to ' || to_char(c.ends_at, 'FMDD Mon YYYY, HH24:MI')) AS dates,
                EXISTS (SELECT 1 FROM orders o WHERE o.coupon_id = c.id) AS ever_used
         FROM coupons c WHERE {filter} ORDER BY c.id DESC LIMIT {limit}"
    );
    Ok(sqlx::query_as::<_, Row>(&sql)
        .bind(id)
        .bind(code)
        .fetch_all(db)
        .await?)
}

/// A page of coupons, newest first: those older than `before` when given, and whose code
/// starts with `q` when given (case does not matter, as at checkout).
pub async fn list(
    db: &PgPool,
    staff: &Staff,
    q: Option<&str>,
    before: Option<i64>,
) -> Result<CouponPage, Error> {
    staff.require(Permission::ManagePromotions)?;
    let code = q.map(|q| q.trim().to_uppercase()).filter(|q| !q.is_empty());
    let filter = "($1::BIGINT IS NULL OR c.id < $1)
                  AND ($2::TEXT IS NULL OR starts_with(c.code, $2::TEXT))";
    let mut rows = rows(db, filter, before, code.as_deref(), COUPONS_PAGE + 1).await?;
    let next = (rows.len() > COUPONS_PAGE).then(|| {
        rows.truncate(COUPONS_PAGE);
        rows[COUPONS_PAGE - 1].id
    });
    Ok(CouponPage {
        rows: rows.into_iter().map(Row::view).collect(),
        next,
    })
}

/// The editor for coupon `id` with its report, or an empty one for a new coupon.
pub async fn editor(
    db: &PgPool,
    staff: &Staff,
    id: Option<i64>,
    currency: Currency,
) -> Result<CouponEditor, Error> {
    staff.require(Permission::ManagePromotions)?;
    let categories = category_paths(db).await?;
    let Some(id) = id else {
        return Ok(CouponEditor {
            id: None,
            form: CouponForm {
                kind: CouponKind::Percent.as_str().to_owned(),
                ..Default::default()
            },
            row: None,
            categories,
            uses: Vec::new(),
            orders_total: Money::zero(currency),
            currency,
            updated: None,
        });
    };
    let c = sqlx::query!(
        r#"SELECT c.version, c.code, c.kind, c.value, c.currency, c.min_subtotal_minor,
                  to_char(c.starts_at, 'YYYY-MM-DD"T"HH24:MI') AS starts_at,
                  to_char(c.ends_at, 'YYYY-MM-DD"T"HH24:MI') AS ends_at,
                  c.max_uses, c.max_uses_per_customer,
                  ARRAY(SELECT p.slug FROM coupon_products cp JOIN products p ON p.id = cp.product_id
                        WHERE cp.coupon_id = c.id ORDER BY p.slug) AS "products!",
                  ARRAY(SELECT category_id FROM coupon_categories WHERE coupon_id = c.id
                        ORDER BY category_id) AS "categories!",
                  a.email AS "by?", to_char(c.updated_at, 'FMDD Mon YYYY, HH24:MI') AS "at!"
           FROM coupons c LEFT JOIN accounts a ON a.id = c.updated_by WHERE c.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let coupon_currency = c.currency.parse().unwrap_or(currency);
    let text = |minor: i64| Money::new(minor, coupon_currency).decimal();
    let value = match CouponKind::parse(&c.kind) {
        Some(CouponKind::Percent) => Money::new(c.value, Currency::Usd).decimal(),
        Some(CouponKind::Fixed) => text(c.value),
        _ => String::new(),
    };
    let form = CouponForm {
        version: c.version,
        code: c.code,
        kind: c.kind,
        value,
        min_subtotal: if c.min_subtotal_minor > 0 {
            text(c.min_subtotal_minor)
        } else {
            String::new()
        },
        starts_at: c.starts_at.unwrap_or_default(),
        ends_at: c.ends_at.unwrap_or_default(),
        max_uses: c.max_uses.map(|n| n.to_string()).unwrap_or_default(),
        max_uses_per_customer: c
            .max_uses_per_customer
            .map(|n| n.to_string())
            .unwrap_or_default(),
        products: c.products.join("\n"),
        categories: c.categories,
    };
    let uses = sqlx::query!(
        r#"SELECT o.number, to_char(u.created_at, 'FMDD Mon YYYY, HH24:MI') AS "at!", u.customer,
                  u.discount_minor, u.shipping_waived_minor, o.total_minor
           FROM coupon_uses u JOIN orders o ON o.id = u.order_id
           WHERE u.coupon_id = $1 ORDER BY u.order_id DESC LIMIT $2"#,
        id,
        REPORT_USES
    )
    .fetch_all(db)
    .await?;
    let money = |minor| Money::new(minor, coupon_currency);
    let orders_total = sqlx::query_scalar!(
        r#"SELECT COALESCE(sum(o.total_minor), 0)::BIGINT AS "total!"
           FROM coupon_uses u JOIN orders o ON o.id = u.order_id WHERE u.coupon_id = $1"#,
        id
    )
    .fetch_one(db)
    .await?;
    let orders_total = money(orders_total);
    let row = rows(db, "c.id = $1", Some(id), None, 1)
        .await?
        .pop()
        .map(Row::view);
    Ok(CouponEditor {
        id: Some(id),
        form,
        row,
        categories,
        uses: uses
            .into_iter()
            .map(|u| CouponUseView {
                number: u.number,
                at: u.at,
                customer: u.customer,
                discount: money(u.discount_minor),
                shipping_waived: money(u.shipping_waived_minor),
                total: money(u.total_minor),
            })
            .collect(),
        orders_total,
        currency: coupon_currency,
        updated: Some((c.by.unwrap_or_else(|| "the shop".into()), c.at)),
    })
}

/// What a refused write says about the database rule it broke.
fn refused(error: sqlx::Error) -> Error {
    let constraint = error.as_database_error().and_then(|e| e.constraint());
    match constraint {
        Some("coupons_code_key") => {
            AppError::validation("code", "another coupon already uses this code").into()
        }
        _ => error.into(),
    }
}

/// The product ids the typed slugs and SKUs name, or which of them name nothing.
async fn products_named(db: &mut PgConnection, names: &[String]) -> Result<Vec<i64>, Error> {
    let found = sqlx::query!(
        r#"SELECT t.name AS "name!", COALESCE(p.id, v.product_id) AS product_id
           FROM unnest($1::TEXT[]) AS t(name)
           LEFT JOIN products p ON p.slug = lower(t.name)
           LEFT JOIN variants v ON v.sku = t.name"#,
        names
    )
    .fetch_all(&mut *db)
    .await?;
    let unknown: Vec<&str> = found
        .iter()
        .filter(|f| f.product_id.is_none())
        .map(|f| f.name.as_str())
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::validation(
            "products",
            format!("no product has the address or SKU {}", unknown.join(", ")),
        )
        .into());
    }
    let mut ids: Vec<i64> = found.into_iter().filter_map(|f| f.product_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Replaces the coupon's product and category limits.
async fn set_limits(
    tx: &mut PgConnection,
    id: i64,
    input: &CouponInput,
) -> Result<(Vec<i64>, Vec<i64>), Error> {
    let products = products_named(tx, &input.products).await?;
    let known = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM categories WHERE id = ANY($1)"#,
        &input.categories
    )
    .fetch_one(&mut *tx)
    .await?;
    let mut categories = input.categories.clone();
    categories.sort_unstable();
    categories.dedup();
    if known != categories.len() as i64 {
        return Err(AppError::validation("categories", "choose categories from the list").into());
    }
    sqlx::query!("DELETE FROM coupon_products WHERE coupon_id = $1", id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!("DELETE FROM coupon_categories WHERE coupon_id = $1", id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "INSERT INTO coupon_products (coupon_id, product_id) SELECT $1, unnest($2::BIGINT[])",
        id,
        &products
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO coupon_categories (coupon_id, category_id) SELECT $1, unnest($2::BIGINT[])",
        id,
        &categories
    )
    .execute(&mut *tx)
    .await?;
    Ok((products, categories))
}

/// What the audit log keeps of a coupon's fields.
fn fields(input: &CouponInput, limits: &(Vec<i64>, Vec<i64>)) -> serde_json::Value {
    json!({
        "code": input.code, "kind": input.kind.as_str(), "value": input.value,
        "min_subtotal_minor": input.min_subtotal_minor, "starts_at": input.starts_at,
        "ends_at": input.ends_at, "max_uses": input.max_uses,
        "max_uses_per_customer": input.max_uses_per_customer,
        "products": limits.0, "categories": limits.1,
    })
}

/// Creates a coupon (`id` none) or saves coupon `id` over the version the form was opened
/// at; returns its id. A use limit below the uses already made is refused.
pub async fn save(
    db: &PgPool,
    staff: &Staff,
    id: Option<i64>,
    form: &CouponForm,
    currency: Currency,
    ip: Option<IpAddr>,
) -> Result<i64, Error> {
    staff.require(Permission::ManagePromotions)?;
    let input = form.parse(currency)?;
    let mut tx = db.begin().await?;
    let (id, action) = match id {
        None => {
            let id = sqlx::query_scalar!(
                "INSERT INTO coupons (code, kind, value, currency, min_subtotal_minor, starts_at,
                                      ends_at, max_uses, max_uses_per_customer, updated_by)
                 VALUES ($1, $2, $3, $4, $5, $6::TEXT::TIMESTAMPTZ, $7::TEXT::TIMESTAMPTZ, $8,
                         $9, $10)
                 RETURNING id",
                input.code,
                input.kind.as_str(),
                input.value,
                currency.code(),
                input.min_subtotal_minor,
                input.starts_at,
                input.ends_at,
                input.max_uses,
                input.max_uses_per_customer,
                staff.account_id
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(refused)?;
            (id, "coupon.created")
        }
        Some(id) => {
            let uses = lock(&mut tx, id, form.version).await?;
            if input.max_uses.is_some_and(|max| max < uses) {
                return Err(AppError::validation(
                    "max_uses",
                    format!("it has been used {uses} times already; the limit cannot be lower"),
                )
                .into());
            }
            sqlx::query!(
                "UPDATE coupons SET code = $2, kind = $3, value = $4, min_subtotal_minor = $5,
                        starts_at = $6::TEXT::TIMESTAMPTZ, ends_at = $7::TEXT::TIMESTAMPTZ,
                        max_uses = $8, max_uses_per_customer = $9, updated_by = $10,
                        updated_at = now(), version = version + 1
                 WHERE id = $1",
                id,
                input.code,
                input.kind.as_str(),
                input.value,
                input.min_subtotal_minor,
                input.starts_at,
                input.ends_at,
                input.max_uses,
                input.max_uses_per_customer,
                staff.account_id
            )
            .execute(&mut *tx)
            .await
            .map_err(refused)?;
            (id, "coupon.saved")
        }
    };
    let limits = set_limits(&mut tx, id, &input).await?;
    let details = json!({ "coupon": id, "fields": fields(&input, &limits) });
    audit::record_in(&mut tx, Some(staff.account_id), action, ip, details).await?;
    tx.commit().await?;
    Ok(id)
}

/// Locks coupon `id` if it is still at `version`, and returns its uses; a newer version is
/// refused with who saved it and when.
async fn lock(tx: &mut PgConnection, id: i64, version: i32) -> Result<i32, Error> {
    let row = sqlx::query!(
        r#"SELECT c.version, c.uses, a.email AS "by?",
                  to_char(c.updated_at, 'FMDD Mon YYYY, HH24:MI:SS') AS "at!"
           FROM coupons c LEFT JOIN accounts a ON a.id = c.updated_by
           WHERE c.id = $1 FOR UPDATE OF c"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if row.version != version {
        return Err(Error::stale("this coupon", row.by, Some(&row.at)));
    }
    Ok(row.uses)
}

/// Pauses (`active` false) or activates coupon `id`, opened at `version`.
pub async fn set_active(
    db: &PgPool,
    staff: &Staff,
    id: i64,
    version: i32,
    active: bool,
    ip: Option<IpAddr>,
) -> Result<String, Error> {
    staff.require(Permission::ManagePromotions)?;
    let mut tx = db.begin().await?;
    lock(&mut tx, id, version).await?;
    let code = sqlx::query_scalar!(
        "UPDATE coupons SET active = $2, updated_by = $3, updated_at = now(),
                version = version + 1
         WHERE id = $1 RETURNING code",
        id,
        active,
        staff.account_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let action = if active {
        "coupon.activated"
    } else {
        "coupon.paused"
    };
    let details = json!({ "coupon": id, "code": code });
    audit::record_in(&mut tx, Some(staff.account_id), action, ip, details).await?;
    tx.commit().await?;
    Ok(code)
}

/// Deletes coupon `id`, opened at `version`, if no order ever carried it (one that did is
/// part of those orders' story: pause it instead).
pub async fn delete(
    db: &PgPool,
    staff: &Staff,
    id: i64,
    version: i32,
    ip: Option<IpAddr>,
) -> Result<String, Error> {
    staff.require(Permission::ManagePromotions)?;
    let mut tx = db.begin().await?;
    lock(&mut tx, id, version).await?;
    let code = sqlx::query_scalar!(
        "DELETE FROM coupons c WHERE id = $1
           AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.coupon_id = c.id)
         RETURNING code",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| {
        AppError::validation(
            "coupon",
            "orders have used this coupon, so it stays for their records: pause it instead",
        )
    })?;
    let details = json!({ "coupon": id, "code": code });
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "coupon.deleted",
        ip,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(code)
}
