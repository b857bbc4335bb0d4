//! The product editor: one product's fields, categories and variants. A product carries a
//! version; a save names the version it was opened at and is refused, with who saved since
//! and when, if that is no longer the newest. Slug changes leave a redirect (a trigger).

use super::category_paths;
use crate::model::catalog_admin::{
    parse_attributes, variant_error, AdminImage, AdminVariant, ProductEditor, ProductForm,
};
use crate::model::{AppError, Currency, ImageFormat, Money, ProductImage};
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::platform::audit;
use crate::server::Error;
use serde_json::{json, Map, Value};
use sqlx::{PgPool, Postgres, Transaction};
use std::net::IpAddr;

/// A variant's editable fields, in minor units of the shop's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantInput {
    pub sku: String,
    pub price: i64,
    pub compare_at: Option<i64>,
    pub weight_grams: i32,
    pub barcode: String,
    /// The variant's own picture: one of the product's images.
    pub image_id: Option<i64>,
}

impl VariantInput {
    pub(super) fn check(&self) -> Result<(), Error> {
        match variant_error(
            &self.sku,
            self.price,
            self.compare_at,
            self.weight_grams,
            &self.barcode,
        ) {
            Some((field, message)) => Err(AppError::validation(field, message).into()),
            None => Ok(()),
        }
    }
}

/// What a refused write says about a database rule it broke.
pub(super) fn refused(error: sqlx::Error) -> Error {
    super::refused(
        error,
        &[
            (
                "products_slug_key",
                "slug",
                "another product already uses this address",
            ),
            (
                "variants_sku_key",
                "sku",
                "another variant already uses this SKU",
            ),
        ],
    )
}

/// The editor's page for product `id`, or an empty one for a new product.
pub async fn editor(
    db: &PgPool,
    staff: &Staff,
    id: Option<i64>,
    currency: Currency,
) -> Result<ProductEditor, Error> {
    staff.require(Permission::ViewCatalog)?;
    let categories = category_paths(db).await?;
    let may_edit = staff.role.allows(Permission::ManageCatalog);
    let Some(id) = id else {
        return Ok(ProductEditor {
            id: None,
            form: ProductForm {
                version: 0,
                status: "draft".into(),
                ..Default::default()
            },
            variants: Vec::new(),
            options: Vec::new(),
            images: Vec::new(),
            categories,
            updated: None,
            may_edit,
            store_url: String::new(),
            currency,
        });
    };
    let stored = stored(db, id).await?;
    let variants = variants(db, id, currency).await?;
    let mut conn = db.acquire().await?;
    let options = super::variants::current_options(&mut conn, id).await?;
    let images = images(db, id).await?;
    Ok(ProductEditor {
        id: Some(id),
        form: stored.form,
        variants,
        options,
        images,
        categories,
        updated: Some((stored.updated_by, stored.updated_at)),
        may_edit,
        store_url: String::new(),
        currency,
    })
}

/// A product as stored, in the editor's shape, with who saved it last and when.
struct Stored {
    form: ProductForm,
    updated_by: String,
    updated_at: String,
}

async fn stored(db: impl sqlx::PgExecutor<'_>, id: i64) -> Result<Stored, Error> {
    let p = sqlx::query!(
        r#"SELECT p.version, p.name, p.slug, p.description, p.brand,
                  coalesce(p.seo_title, '') AS "seo_title!", coalesce(p.seo_description, '') AS "seo_description!",
                  p.status,
                  coalesce(to_char(p.publish_at, 'YYYY-MM-DD"T"HH24:MI'), '') AS "publish_at!",
                  to_char(p.updated_at, 'FMDD Mon YYYY, HH24:MI') AS "updated_at!",
                  a.email AS "updated_by?",
                  ARRAY(SELECT category_id FROM product_categories WHERE product_id = p.id
                        ORDER BY position, category_id) AS "categories!",
                  p.attributes
           FROM products p LEFT JOIN accounts a ON a.id = p.updated_by
           WHERE p.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Stored {
        form: ProductForm {
            version: p.version,
            name: p.name,
            slug: p.slug,
            description: p.description,
            brand: p.brand,
            seo_title: p.seo_title,
            seo_description: p.seo_description,
            status: p.status,
            publish_at: p.publish_at,
            categories: p.categories,
            attributes: attributes_text(&p.attributes),
        },
        updated_by: p.updated_by.unwrap_or_else(|| "the shop".into()),
        updated_at: p.updated_at,
    })
}

async fn variants(db: &PgPool, id: i64, currency: Currency) -> Result<Vec<AdminVariant>, Error> {
    let rows = sqlx::query!(
        r#"SELECT v.id, v.sku, v.price_minor, v.compare_at_minor, v.stock, v.weight_grams, v.barcode, v.image_id,
                  coalesce((SELECT string_agg(ov.value, ' / ' ORDER BY o.position, o.id)
                            FROM variant_option_values vov
                            JOIN product_options o ON o.id = vov.option_id
                            JOIN product_option_values ov ON ov.id = vov.option_value_id
                            WHERE vov.variant_id = v.id), '') AS "title!"
           FROM variants v WHERE v.product_id = $1 ORDER BY v.position, v.id"#,
        id
    )
    .fetch_all(db)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut history = crate::server::inventory::history(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| AdminVariant {
            id: r.id,
            sku: r.sku,
            title: r.title,
            price: Money::new(r.price_minor, currency),
            compare_at: r.compare_at_minor.map(|m| Money::new(m, currency)),
            stock: r.stock,
            weight_grams: r.weight_grams,
            barcode: r.barcode,
            image_id: r.image_id,
            history: history.remove(&r.id).unwrap_or_default(),
        })
        .collect())
}

async fn images(db: &PgPool, id: i64) -> Result<Vec<AdminImage>, Error> {
    let rows = sqlx::query!(
        "SELECT id, alt, storage_key, width, height FROM product_images
         WHERE product_id = $1 ORDER BY position, id",
        id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let image = ProductImage {
                key: r.storage_key,
                alt: r.alt.clone(),
                width: r.width as u32,
                height: r.height as u32,
            };
            AdminImage {
                id: r.id,
                alt: r.alt,
                thumbnail: image.src(320, ImageFormat::Webp),
                width: r.width,
                height: r.height,
            }
        })
        .collect())
}

/// A new product, with its first variant; returns its id. New products start as drafts
/// unless the form says otherwise.
pub async fn create_product(
    db: &PgPool,
    staff: &Staff,
    form: &ProductForm,
    first: &VariantInput,
    currency: Currency,
    ip: Option<IpAddr>,
) -> Result<i64, Error> {
    staff.require(Permission::ManageCatalog)?;
    form.check()?;
    first.check()?;
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO products (name, slug, description, brand, seo_title, seo_description,
                                 status, publish_at, updated_by, attributes)
           VALUES ($1, $2, $3, $4, nullif($5, ''), nullif($6, ''), $7,
                   CASE WHEN $8 = '' THEN NULL ELSE ($8 || ':00')::TIMESTAMPTZ END, $9, $10)
           RETURNING id"#,
        form.name.trim(),
        form.slug,
        form.description,
        form.brand.trim(),
        form.seo_title.trim(),
        form.seo_description.trim(),
        form.status,
        form.publish_at,
        staff.account_id,
        attributes_json(form)
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(refused)?;
    sqlx::query!(
        "INSERT INTO variants (product_id, sku, price_minor, compare_at_minor, currency, weight_grams, barcode)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        id,
        first.sku,
        first.price,
        first.compare_at,
        currency.code(),
        first.weight_grams,
        first.barcode
    )
    .execute(&mut *tx)
    .await
    .map_err(refused)?;
    set_categories(&mut tx, id, &form.categories).await?;
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "catalog.product_created",
        ip,
        json!({ "product": id, "after": fields(form), "variant": { "sku": first.sku, "price": first.price } }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Stored attributes as the editor's lines, by name.
fn attributes_text(stored: &Value) -> String {
    let Some(map) = stored.as_object() else {
        return String::new();
    };
    map.iter()
        .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}: {v}")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The form's attributes as the JSON object the catalog stores (checked by `form.check()`).
fn attributes_json(form: &ProductForm) -> Value {
    let pairs = parse_attributes(&form.attributes).unwrap_or_default();
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

fn fields(form: &ProductForm) -> Map<String, Value> {
    let mut map = Map::new();
    for (k, v) in [
        ("name", json!(form.name.trim())),
        ("slug", json!(form.slug)),
        ("description", json!(form.description)),
        ("brand", json!(form.brand.trim())),
        ("seo_title", json!(form.seo_title.trim())),
        ("seo_description", json!(form.seo_description.trim())),
        ("status", json!(form.status)),
        ("publish_at", json!(form.publish_at)),
        ("categories", json!(form.categories)),
        ("attributes", attributes_json(form)),
    ] {
        map.insert(k.to_owned(), v);
    }
    map
}

/// Locks product `id` and checks the editor's `version` is still the newest.
pub(super) async fn lock_version(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    version: i64,
) -> Result<(), Error> {
    let row = sqlx::query!(
        r#"SELECT p.version, a.email AS "by?",
                  to_char(p.updated_at, 'FMDD Mon YYYY, HH24:MI:SS TZ') AS "at!"
           FROM products p LEFT JOIN accounts a ON a.id = p.updated_by
           WHERE p.id = $1 FOR UPDATE OF p"#,
        id
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if row.version != version {
        return Err(Error::stale("this product", row.by, Some(&row.at)));
    }
    Ok(())
}

/// Saves the product's own fields and categories over version `form.version`.
pub async fn save_product(
    db: &PgPool,
    staff: &Staff,
    id: i64,
    form: &ProductForm,
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    staff.require(Permission::ManageCatalog)?;
    form.check()?;
    let mut tx = db.begin().await?;
    lock_version(&mut tx, id, form.version).await?;
    let before = fields(&stored(&mut *tx, id).await?.form);
    sqlx::query!(
        r#"UPDATE products
           SET name = $2, slug = $3, description = $4, brand = $5, seo_title = nullif($6, ''),
               seo_description = nullif($7, ''), status = $8,
               publish_at = CASE WHEN $9 = '' THEN NULL ELSE ($9 || ':00')::TIMESTAMPTZ END,
               version = version + 1, updated_by = $10, attributes = $11
           WHERE id = $1"#,
        id,
        form.name.trim(),
        form.slug,
        form.description,
        form.brand.trim(),
        form.seo_title.trim(),
        form.seo_description.trim(),
        form.status,
        form.publish_at,
        staff.account_id,
        attributes_json(form)
    )
    .execute(&mut *tx)
    .await
    .map_err(refused)?;
    set_categories(&mut tx, id, &form.categories).await?;
    let after = fields(form);
    let (before, after) = changed(before, after);
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "catalog.product_saved",
        ip,
        json!({ "product": id, "before": before, "after": after }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Only the fields that differ, before and after.
fn changed(
    mut before: Map<String, Value>,
    mut after: Map<String, Value>,
) -> (Map<String, Value>, Map<String, Value>) {
    let same: Vec<String> = before
        .iter()
        .filter(|(k, v)| after.get(*k) == Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    for k in same {
        before.remove(&k);
        after.remove(&k);
    }
    (before, after)
}

/// The product's categories become `ids`, in that order (the first is its main category).
pub(super) async fn set_categories(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    ids: &[i64],
) -> Result<(), Error> {
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let known = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM categories WHERE id = ANY($1)"#,
        &unique
    )
    .fetch_one(&mut **tx)
    .await?;
    if known != unique.len() as i64 {
        return Err(AppError::validation("categories", "choose categories from the list").into());
    }
    sqlx::query!(
        "DELETE FROM product_categories WHERE product_id = $1 AND NOT (category_id = ANY($2))",
        id,
        &unique
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "INSERT INTO product_categories (product_id, category_id, position)
         SELECT $1, c, min(n)::INTEGER FROM unnest($2::BIGINT[]) WITH ORDINALITY AS t(c, n) GROUP BY c
         ON CONFLICT (product_id, category_id) DO UPDATE SET position = EXCLUDED.position
         WHERE product_categories.position <> EXCLUDED.position",
        id,
        ids
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
