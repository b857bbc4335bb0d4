//! A product's variants as the editor's grid changes them: the options and the variant
//! matrix they generate, and every variant's fields saved in one transaction. Both are saves
//! over the product's version, like the product's own fields.

use super::edit::{lock_version, refused, VariantInput};
use crate::model::catalog_admin::{matrix, option_key, options_error, variant_sku, OptionSpec};
use crate::model::AppError;
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::platform::audit;
use crate::server::Error;
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// One row of the grid: a variant of the product and its new fields.
#[derive(Debug, Clone)]
pub struct GridRow {
    pub id: i64,
    pub input: VariantInput,
}

/// Saves every row of the grid over product version `version`, all or nothing. Rows whose
/// fields did not change are not written.
pub async fn save_variants(
    db: &PgPool,
    staff: &Staff,
    product_id: i64,
    version: i64,
    rows: &[GridRow],
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    staff.require(Permission::ManageCatalog)?;
    for row in rows {
        row.input.check().map_err(|e| on_row(e, &row.input.sku))?;
    }
    let mut tx = db.begin().await?;
    lock_version(&mut tx, product_id, version).await?;
    let pictures: Vec<i64> = rows.iter().filter_map(|r| r.input.image_id).collect();
    let known = sqlx::query_scalar!(
        r#"SELECT count(DISTINCT id) AS "n!" FROM product_images WHERE product_id = $1 AND id = ANY($2)"#,
        product_id,
        &pictures
    )
    .fetch_one(&mut *tx)
    .await?;
    let distinct: HashSet<i64> = pictures.iter().copied().collect();
    if known != distinct.len() as i64 {
        return Err(AppError::validation("image", "choose one of this product's pictures").into());
    }
    let mut changes = Vec::new();
    for row in rows {
        let v = &row.input;
        let before = sqlx::query!(
            "SELECT sku, price_minor, compare_at_minor, weight_grams, barcode, image_id
             FROM variants WHERE id = $1 AND product_id = $2 FOR UPDATE",
            row.id,
            product_id
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
        let same = before.sku == v.sku
            && before.price_minor == v.price
            && before.compare_at_minor == v.compare_at
            && before.weight_grams == v.weight_grams
            && before.barcode == v.barcode
            && before.image_id == v.image_id;
        if same {
            continue;
        }
        sqlx::query!(
            "UPDATE variants SET sku = $2, price_minor = $3, compare_at_minor = $4,
                    weight_grams = $5, barcode = $6, image_id = $7
             WHERE id = $1",
            row.id,
            v.sku,
            v.price,
            v.compare_at,
            v.weight_grams,
            v.barcode,
            v.image_id
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| on_row(refused(e), &v.sku))?;
        changes.push(json!({
            "variant": row.id,
            "before": { "sku": before.sku, "price": before.price_minor, "compare_at": before.compare_at_minor,
                        "weight_grams": before.weight_grams, "barcode": before.barcode, "image": before.image_id },
            "after": { "sku": v.sku, "price": v.price, "compare_at": v.compare_at,
                       "weight_grams": v.weight_grams, "barcode": v.barcode, "image": v.image_id },
        }));
    }
    if !changes.is_empty() {
        bump(&mut tx, product_id, staff).await?;
        audit::record_in(
            &mut tx,
            Some(staff.account_id),
            "catalog.variants_saved",
            ip,
            json!({ "product": product_id, "changes": changes }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A row's error names the row's SKU, so staff find it in a long grid.
fn on_row(error: impl Into<Error>, sku: &str) -> Error {
    match error.into() {
        Error::App(AppError::Validation { field, message }) => {
            AppError::validation(field, format!("{sku}: {message}")).into()
        }
        other => other,
    }
}

async fn bump(
    tx: &mut Transaction<'_, Postgres>,
    product_id: i64,
    staff: &Staff,
) -> Result<(), Error> {
    sqlx::query!(
        "UPDATE products SET version = version + 1, updated_by = $2 WHERE id = $1",
        product_id,
        staff.account_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What changing the options did to the variants.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MatrixChange {
    /// SKUs of the variants made for new combinations.
    pub created: Vec<String>,
    /// SKUs of the variants removed with their combinations.
    pub removed: Vec<String>,
}

/// A variant as the options see it.
struct Existing {
    id: i64,
    sku: String,
    stock: i32,
    price: i64,
    compare_at: Option<i64>,
    currency: String,
    weight_grams: i32,
    /// Option name → value.
    values: HashMap<String, String>,
}

/// The product's options become `options`, and its variants the matrix they make. A variant
/// keeps its combination (a variant without a value for a new option takes the option's first
/// value), so its SKU, price and stock survive; combinations that are new get a variant with
/// a generated SKU and the first variant's price; variants whose combination is gone are
/// removed only when `confirm` is set: otherwise nothing changes and the error lists them.
pub async fn set_options(
    db: &PgPool,
    staff: &Staff,
    product_id: i64,
    version: i64,
    options: &[OptionSpec],
    confirm: bool,
    ip: Option<IpAddr>,
) -> Result<MatrixChange, Error> {
    staff.require(Permission::ManageCatalog)?;
    if let Some((field, message)) = options_error(options) {
        return Err(AppError::validation(field, message).into());
    }
    let mut tx = db.begin().await?;
    lock_version(&mut tx, product_id, version).await?;
    let rows = sqlx::query!(
        r#"SELECT v.id, v.sku, v.stock, v.price_minor, v.compare_at_minor, v.currency, v.weight_grams,
                  coalesce(array_agg(o.name ORDER BY o.position, o.id) FILTER (WHERE o.id IS NOT NULL), '{}') AS "names!",
                  coalesce(array_agg(ov.value ORDER BY o.position, o.id) FILTER (WHERE o.id IS NOT NULL), '{}') AS "values!"
           FROM variants v
           LEFT JOIN variant_option_values vov ON vov.variant_id = v.id
           LEFT JOIN product_options o ON o.id = vov.option_id
           LEFT JOIN product_option_values ov ON ov.id = vov.option_value_id
           WHERE v.product_id = $1
           GROUP BY v.id ORDER BY v.position, v.id"#,
        product_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let existing: Vec<Existing> = rows
        .into_iter()
        .map(|r| Existing {
            id: r.id,
            sku: r.sku,
            stock: r.stock,
            price: r.price_minor,
            compare_at: r.compare_at_minor,
            currency: r.currency,
            weight_grams: r.weight_grams,
            values: r.names.into_iter().zip(r.values).collect(),
        })
        .collect();
    let before = current_options(&mut tx, product_id).await?;

    // Each variant's combination under the new options; the first variant to claim a
    // combination keeps it.
    let mut kept: Vec<(i64, Vec<String>)> = Vec::new();
    let mut removed: Vec<&Existing> = Vec::new();
    let mut taken = HashSet::new();
    for variant in &existing {
        let combo: Option<Vec<String>> = options
            .iter()
            .map(|o| match variant.values.get(&o.name) {
                Some(v) => o.values.iter().find(|x| *x == v).cloned(),
                None => o.values.first().cloned(),
            })
            .collect();
        match combo {
            Some(c) if taken.insert(c.clone()) => kept.push((variant.id, c)),
            _ => removed.push(variant),
        }
    }
    if !removed.is_empty() && !confirm {
        let skus: Vec<&str> = removed.iter().map(|v| v.sku.as_str()).collect();
        let stock: i64 = removed.iter().map(|v| i64::from(v.stock)).sum();
        return Err(AppError::validation(
            "confirm",
            format!(
                "this removes {} variant(s) ({}) holding {stock} unit(s) of stock. Nothing was \
                 changed: tick \"Remove the variants these options no longer have\" to go ahead.",
                removed.len(),
                skus.join(", ")
            ),
        )
        .into());
    }

    let value_ids = write_options(&mut tx, product_id, options).await?;
    let removed_ids: Vec<i64> = removed.iter().map(|v| v.id).collect();
    sqlx::query!("DELETE FROM variants WHERE id = ANY($1)", &removed_ids)
        .execute(&mut *tx)
        .await?;
    // Free every kept variant's combination first: swaps must not collide on the way.
    let kept_ids: Vec<i64> = kept.iter().map(|(id, _)| *id).collect();
    sqlx::query!(
        "UPDATE variants SET option_key = '0.' || id WHERE id = ANY($1)",
        &kept_ids
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM variant_option_values WHERE variant_id = ANY($1)",
        &kept_ids
    )
    .execute(&mut *tx)
    .await?;

    // New variants take the terms of the first variant kept, else of the first there was.
    let base = kept
        .first()
        .and_then(|(id, _)| existing.iter().find(|v| v.id == *id))
        .or(existing.first())
        .ok_or(AppError::NotFound)?;

    let combos = matrix(options);
    let mut change = MatrixChange {
        created: Vec::new(),
        removed: removed.iter().map(|v| v.sku.clone()).collect(),
    };
    let mut used: HashSet<String> = sqlx::query_scalar!(
        "SELECT sku FROM variants WHERE sku LIKE $1 || '%'",
        base.sku
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    for (position, combo) in combos.iter().enumerate() {
        let ids: Vec<i64> = options
            .iter()
            .zip(combo)
            .map(|(o, v)| value_ids[&(o.name.clone(), v.clone())])
            .collect();
        let key = option_key(&ids);
        let variant_id = match kept.iter().find(|(_, c)| c == combo) {
            Some((id, _)) => {
                sqlx::query!(
                    "UPDATE variants SET option_key = $2, position = $3 WHERE id = $1",
                    id,
                    key,
                    position as i32
                )
                .execute(&mut *tx)
                .await?;
                *id
            }
            None => {
                let sku = unique_sku(&variant_sku(&base.sku, combo), &mut used);
                let id = sqlx::query_scalar!(
                    "INSERT INTO variants (product_id, sku, position, option_key, price_minor,
                                           compare_at_minor, currency, weight_grams)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    product_id,
                    sku,
                    position as i32,
                    key,
                    base.price,
                    base.compare_at,
                    base.currency,
                    base.weight_grams
                )
                .fetch_one(&mut *tx)
                .await
                .map_err(refused)?;
                change.created.push(sku);
                id
            }
        };
        let option_ids: Vec<i64> = options
            .iter()
            .map(|o| value_ids[&(o.name.clone(), String::new())])
            .collect();
        insert_values(&mut tx, variant_id, &option_ids, &ids).await?;
    }
    bump(&mut tx, product_id, staff).await?;
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "catalog.options_saved",
        ip,
        json!({ "product": product_id, "before": before, "after": options,
                "created": change.created, "removed": change.removed }),
    )
    .await?;
    tx.commit().await?;
    Ok(change)
}

/// Gives variant `variant_id` the value `values[i]` of option `options[i]`, for each `i`.
pub(super) async fn insert_values(
    tx: &mut sqlx::PgConnection,
    variant_id: i64,
    options: &[i64],
    values: &[i64],
) -> Result<(), Error> {
    sqlx::query!(
        "INSERT INTO variant_option_values (variant_id, option_id, option_value_id)
         SELECT $1, o, v FROM unnest($2::BIGINT[], $3::BIGINT[]) AS t(o, v)",
        variant_id,
        options,
        values
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// `wanted`, or it with `-2`, `-3`... when another variant has it.
fn unique_sku(wanted: &str, used: &mut HashSet<String>) -> String {
    let mut sku = wanted.to_owned();
    let mut n = 2;
    while used.contains(&sku) {
        let suffix = format!("-{n}");
        let room = crate::model::catalog_admin::limits::SKU - suffix.len();
        sku = format!("{}{suffix}", &wanted[..wanted.len().min(room)]);
        n += 1;
    }
    used.insert(sku.clone());
    sku
}

/// The product's options as stored.
pub(super) async fn current_options(
    tx: &mut sqlx::PgConnection,
    product_id: i64,
) -> Result<Vec<OptionSpec>, Error> {
    let rows = sqlx::query!(
        r#"SELECT o.name,
                  coalesce(array_agg(ov.value ORDER BY ov.position, ov.id) FILTER (WHERE ov.id IS NOT NULL), '{}') AS "values!"
           FROM product_options o LEFT JOIN product_option_values ov ON ov.option_id = o.id
           WHERE o.product_id = $1 GROUP BY o.id ORDER BY o.position, o.id"#,
        product_id
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OptionSpec {
            name: r.name,
            values: r.values,
        })
        .collect())
}

/// Writes the options and their values in order, dropping those no longer named; returns
/// the ids: `(name, value)` → the value's id, and `(name, "")` → the option's id.
async fn write_options(
    tx: &mut Transaction<'_, Postgres>,
    product_id: i64,
    options: &[OptionSpec],
) -> Result<HashMap<(String, String), i64>, Error> {
    let names: Vec<String> = options.iter().map(|o| o.name.clone()).collect();
    sqlx::query!(
        "DELETE FROM product_options WHERE product_id = $1 AND NOT (name = ANY($2))",
        product_id,
        &names
    )
    .execute(&mut **tx)
    .await?;
    let mut ids = HashMap::new();
    for (position, option) in options.iter().enumerate() {
        let option_id = sqlx::query_scalar!(
            "INSERT INTO product_options (product_id, position, name) VALUES ($1, $2, $3)
             ON CONFLICT (product_id, name) DO UPDATE SET position = EXCLUDED.position
             RETURNING id",
            product_id,
            position as i32,
            option.name
        )
        .fetch_one(&mut **tx)
        .await?;
        ids.insert((option.name.clone(), String::new()), option_id);
        sqlx::query!(
            "DELETE FROM product_option_values WHERE option_id = $1 AND NOT (value = ANY($2))",
            option_id,
            &option.values
        )
        .execute(&mut **tx)
        .await?;
        let values = sqlx::query!(
            "INSERT INTO product_option_values (option_id, position, value)
             SELECT $1, (n - 1)::INTEGER, v FROM unnest($2::TEXT[]) WITH ORDINALITY AS t(v, n)
             ON CONFLICT (option_id, value) DO UPDATE SET position = EXCLUDED.position
             RETURNING id, value",
            option_id,
            &option.values
        )
        .fetch_all(&mut **tx)
        .await?;
        for row in values {
            ids.insert((option.name.clone(), row.value), row.id);
        }
    }
    Ok(ids)
}
