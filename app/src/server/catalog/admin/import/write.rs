//! One imported product written: matched by handle, its variants by SKU, and only what
//! differs is written, so importing the same file again changes nothing. Options and values
//! are added, never removed (the editor removes them); stock a file sets goes through the
//! ledger as a correction.

use crate::model::catalog_admin::{option_key, ImportFormat, ImportProduct, Problem};
use crate::server::Error;
use serde_json::{json, Map};
use sqlx::{Postgres, Transaction};
use std::collections::{HashMap, HashSet};

/// What happened to one product.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Outcome {
    Created(i64),
    /// The product, and its changed fields before and after (for the audit log).
    Updated(i64, serde_json::Value),
    Unchanged,
}

/// The column a problem is in, as the file names it.
fn column(format: ImportFormat, field: &str) -> String {
    let shopify = match field {
        "sku" => "Variant SKU",
        "options" => "Option1 Name",
        "handle" => "Handle",
        other => other,
    };
    match format {
        ImportFormat::Duka => field.to_owned(),
        ImportFormat::Shopify => shopify.to_owned(),
    }
}

/// Writes `p` in `tx`. `Ok(Err(problems))`: the file's data cannot be written, found before
/// anything was written; `Err`: the database refused or failed.
pub(super) async fn write(
    tx: &mut Transaction<'_, Postgres>,
    p: &ImportProduct,
    format: ImportFormat,
    account: Option<i64>,
    currency: &str,
) -> Result<Result<Outcome, Vec<Problem>>, Error> {
    let problem = |row: u32, field: &str, reason: String| Problem {
        row,
        column: column(format, field),
        reason,
    };
    let mut problems = Vec::new();

    // The options every variant must have a value for: the file's, in first-seen order.
    let mut names: Vec<String> = Vec::new();
    for v in &p.variants {
        for (n, _) in &v.options {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
    }
    let mut skus = HashSet::new();
    for v in &p.variants {
        if !skus.insert(v.sku.as_str()) {
            problems.push(problem(v.row, "sku", format!("{} is on two rows", v.sku)));
        }
    }

    let existing = sqlx::query!(
        r#"SELECT id, name, status, brand, description, coalesce(seo_title, '') AS "seo_title!",
                  coalesce(seo_description, '') AS "seo_description!"
           FROM products WHERE slug = $1 FOR UPDATE"#,
        p.handle
    )
    .fetch_optional(&mut **tx)
    .await?;
    let stored_names: Vec<String> = match &existing {
        Some(e) => {
            sqlx::query_scalar!(
                "SELECT name FROM product_options WHERE product_id = $1 ORDER BY position, id",
                e.id
            )
            .fetch_all(&mut **tx)
            .await?
        }
        None => Vec::new(),
    };
    for n in &stored_names {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    if names.len() > 3 {
        problems.push(problem(
            p.row,
            "options",
            format!(
                "a product has at most 3 options; this one would have {}",
                names.join(", ")
            ),
        ));
    }
    for v in &p.variants {
        if let Some(missing) = names
            .iter()
            .find(|n| !v.options.iter().any(|(o, _)| o == *n))
        {
            problems.push(problem(
                v.row,
                "options",
                format!(
                    "give {missing} a value: this product's options are {}",
                    names.join(", ")
                ),
            ));
        }
    }

    let category_ids = match &p.categories {
        None => None,
        Some(slugs) => {
            let found = sqlx::query!(
                "SELECT id, slug FROM categories WHERE slug = ANY($1)",
                slugs
            )
            .fetch_all(&mut **tx)
            .await?;
            let ids: HashMap<&str, i64> = found.iter().map(|r| (r.slug.as_str(), r.id)).collect();
            let mut list = Vec::new();
            for slug in slugs {
                match ids.get(slug.as_str()) {
                    Some(id) => list.push(*id),
                    None => problems.push(problem(
                        p.row,
                        "categories",
                        format!("no category has the address {slug}"),
                    )),
                }
            }
            Some(list)
        }
    };

    let sku_list: Vec<String> = p.variants.iter().map(|v| v.sku.clone()).collect();
    let owners = sqlx::query!(
        "SELECT v.sku, v.id, v.product_id, p.slug, v.price_minor, v.compare_at_minor, v.weight_grams,
                v.barcode, v.stock
         FROM variants v JOIN products p ON p.id = v.product_id
         WHERE v.sku = ANY($1)",
        &sku_list
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut variant_ids = HashMap::new();
    for o in owners {
        if existing.as_ref().map(|e| e.id) != Some(o.product_id) {
            let row = p
                .variants
                .iter()
                .find(|v| v.sku == o.sku)
                .map_or(p.row, |v| v.row);
            problems.push(problem(
                row,
                "sku",
                format!("{} belongs to the product {}", o.sku, o.slug),
            ));
        } else {
            let was = json!({ "price": o.price_minor, "compare_at": o.compare_at_minor,
                              "weight_grams": o.weight_grams, "barcode": o.barcode, "stock": o.stock });
            variant_ids.insert(o.sku, (o.id, was));
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }

    if let Some(e) = existing
        .as_ref()
        .filter(|_| names.len() > stored_names.len())
    {
        // Variants the file leaves out would have no value for the new option.
        let left_out = sqlx::query_scalar!(
            "SELECT sku FROM variants WHERE product_id = $1 AND NOT (sku = ANY($2)) ORDER BY position, id LIMIT 5",
            e.id,
            &sku_list
        )
        .fetch_all(&mut **tx)
        .await?;
        if !left_out.is_empty() {
            return Ok(Err(vec![problem(
                p.row,
                "options",
                format!("the file adds an option, but the variants {} are not in it: list every variant of the product", left_out.join(", ")),
            )]));
        }
    }

    // What changed, before and after, for the audit log.
    let (mut before, mut after) = (Map::new(), Map::new());
    let (id, mut changed, created) = match existing {
        Some(e) => {
            let n = sqlx::query!(
                r#"UPDATE products p
                   SET name = coalesce($2, name), status = coalesce($3, status), brand = coalesce($4, brand),
                       description = coalesce($5, description),
                       seo_title = CASE WHEN $6::TEXT IS NULL THEN seo_title ELSE nullif($6, '') END,
                       seo_description = CASE WHEN $7::TEXT IS NULL THEN seo_description ELSE nullif($7, '') END
                   WHERE id = $1
                     AND (name, status, brand, description, coalesce(seo_title, ''), coalesce(seo_description, ''))
                         IS DISTINCT FROM
                         (coalesce($2, name), coalesce($3, status), coalesce($4, brand), coalesce($5, description),
                          coalesce($6, seo_title, ''), coalesce($7, seo_description, ''))"#,
                e.id,
                p.name,
                p.status,
                p.brand,
                p.description,
                p.seo_title,
                p.seo_description
            )
            .execute(&mut **tx)
            .await?
            .rows_affected();
            let fields = [
                ("name", e.name, &p.name),
                ("status", e.status, &p.status),
                ("brand", e.brand, &p.brand),
                ("description", e.description, &p.description),
                ("seo_title", e.seo_title, &p.seo_title),
                ("seo_description", e.seo_description, &p.seo_description),
            ];
            for (key, old, new) in fields {
                if new.as_ref().is_some_and(|new| *new != old) {
                    before.insert(key.into(), json!(old));
                    after.insert(key.into(), json!(new));
                }
            }
            (e.id, n > 0, false)
        }
        None => {
            let id = sqlx::query_scalar!(
                "INSERT INTO products (name, slug, description, brand, seo_title, seo_description, status, updated_by)
                 VALUES ($1, $2, coalesce($3, ''), coalesce($4, ''), nullif($5, ''), nullif($6, ''),
                         coalesce($7, 'draft'), $8)
                 RETURNING id",
                p.name.as_deref().unwrap_or_default(),
                p.handle,
                p.description,
                p.brand,
                p.seo_title,
                p.seo_description,
                p.status,
                account
            )
            .fetch_one(&mut **tx)
            .await?;
            (id, true, true)
        }
    };

    if let Some(ids) = category_ids {
        let now = sqlx::query_scalar!(
            r#"SELECT ARRAY(SELECT category_id FROM product_categories WHERE product_id = $1
                            ORDER BY position, category_id) AS "ids!""#,
            id
        )
        .fetch_one(&mut **tx)
        .await?;
        let mut wanted = ids.clone();
        let mut seen = HashSet::new();
        wanted.retain(|c| seen.insert(*c));
        if now != wanted {
            super::super::edit::set_categories(tx, id, &ids).await?;
            changed = true;
            before.insert("categories".into(), json!(now));
            after.insert("categories".into(), json!(wanted));
        }
    }

    let mut added_values: Vec<String> = Vec::new();
    // Options and values: added where missing; value ids by (option, value).
    let mut value_ids: HashMap<(String, String), (i64, i64)> = HashMap::new();
    for (position, name) in names.iter().enumerate() {
        let values: Vec<String> = {
            let mut v: Vec<String> = Vec::new();
            for variant in &p.variants {
                if let Some((_, value)) = variant.options.iter().find(|(o, _)| o == name) {
                    if !v.contains(value) {
                        v.push(value.clone());
                    }
                }
            }
            v
        };
        let stored = match created {
            true => None,
            false => {
                sqlx::query_scalar!(
                    "SELECT id FROM product_options WHERE product_id = $1 AND name = $2",
                    id,
                    name
                )
                .fetch_optional(&mut **tx)
                .await?
            }
        };
        let option_id = match stored {
            Some(o) => o,
            None => {
                changed = true;
                sqlx::query_scalar!(
                    "INSERT INTO product_options (product_id, position, name) VALUES ($1, $2, $3) RETURNING id",
                    id,
                    position as i32,
                    name
                )
                .fetch_one(&mut **tx)
                .await?
            }
        };
        // New values are added after the others; one statement returns every value's id
        // (the select half sees the values there were before it).
        let rows = sqlx::query!(
            r#"WITH added AS (
                   INSERT INTO product_option_values (option_id, position, value)
                   SELECT $1, (SELECT coalesce(max(position), -1) FROM product_option_values WHERE option_id = $1) + n::INTEGER, v
                   FROM unnest($2::TEXT[]) WITH ORDINALITY AS t(v, n)
                   ON CONFLICT (option_id, value) DO NOTHING
                   RETURNING id, value)
               SELECT id AS "id!", value AS "value!", true AS "added!" FROM added
               UNION ALL
               SELECT id, value, false FROM product_option_values WHERE option_id = $1 AND value = ANY($2)"#,
            option_id,
            &values
        )
        .fetch_all(&mut **tx)
        .await?;
        for r in rows {
            changed |= r.added;
            if r.added && !created {
                added_values.push(format!("{name}: {}", r.value));
            }
            value_ids.insert((name.clone(), r.value), (option_id, r.id));
        }
    }
    let mut added_variants: Vec<String> = Vec::new();
    for v in &p.variants {
        let pairs: Vec<(i64, i64)> = v
            .options
            .iter()
            .map(|(o, val)| value_ids[&(o.clone(), val.clone())])
            .collect();
        let key = option_key(&pairs.iter().map(|(_, value)| *value).collect::<Vec<_>>());
        let (variant_id, rewrite) = match variant_ids.get(&v.sku) {
            Some((vid, was)) => {
                let vid = *vid;
                let n = sqlx::query!(
                    "UPDATE variants SET price_minor = $2, compare_at_minor = $3,
                            weight_grams = coalesce($4, weight_grams), barcode = coalesce($5, barcode), option_key = $6
                     WHERE id = $1
                       AND (price_minor, compare_at_minor, weight_grams, barcode, option_key)
                           IS DISTINCT FROM ($2, $3, coalesce($4, weight_grams), coalesce($5, barcode), $6)
                     RETURNING (SELECT option_key FROM variants WHERE id = $1) <> $6 AS \"rekeyed!\"",
                    vid,
                    v.price,
                    v.compare_at,
                    v.weight_grams,
                    v.barcode,
                    key
                )
                .fetch_optional(&mut **tx)
                .await?;
                changed |= n.is_some();
                if let Some(stock) = v.stock {
                    let moved = sqlx::query!(
                        "UPDATE variants SET stock = $2 WHERE id = $1 AND stock <> $2",
                        vid,
                        stock
                    )
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                    changed |= moved > 0;
                    if moved > 0 && n.is_none() {
                        before.insert(format!("variant {}", v.sku), was.clone());
                        after.insert(format!("variant {}", v.sku), json!({ "stock": stock }));
                    }
                }
                if n.is_some() {
                    before.insert(format!("variant {}", v.sku), was.clone());
                    after.insert(
                        format!("variant {}", v.sku),
                        json!({ "price": v.price, "compare_at": v.compare_at, "weight_grams": v.weight_grams,
                                "barcode": v.barcode, "stock": v.stock }),
                    );
                }
                (vid, n.is_some_and(|r| r.rekeyed))
            }
            None => {
                changed = true;
                if !created {
                    added_variants.push(v.sku.clone());
                }
                let options: Vec<i64> = pairs.iter().map(|(o, _)| *o).collect();
                let values: Vec<i64> = pairs.iter().map(|(_, v)| *v).collect();
                sqlx::query!(
                    "WITH v AS (
                         INSERT INTO variants (product_id, sku, position, option_key, price_minor, compare_at_minor,
                                               currency, stock, weight_grams, barcode)
                         VALUES ($1, $2, (SELECT coalesce(max(position) + 1, 0) FROM variants WHERE product_id = $1),
                                 $3, $4, $5, $6, coalesce($7, 0), coalesce($8, 0), coalesce($9, ''))
                         RETURNING id)
                     INSERT INTO variant_option_values (variant_id, option_id, option_value_id)
                     SELECT v.id, o, val FROM v, unnest($10::BIGINT[], $11::BIGINT[]) AS t(o, val)",
                    id,
                    v.sku,
                    key,
                    v.price,
                    v.compare_at,
                    currency,
                    v.stock,
                    v.weight_grams,
                    v.barcode,
                    &options,
                    &values
                )
                .execute(&mut **tx)
                .await?;
                continue;
            }
        };
        if rewrite {
            let options: Vec<i64> = pairs.iter().map(|(o, _)| *o).collect();
            let values: Vec<i64> = pairs.iter().map(|(_, v)| *v).collect();
            sqlx::query!(
                "DELETE FROM variant_option_values WHERE variant_id = $1",
                variant_id
            )
            .execute(&mut **tx)
            .await?;
            super::super::variants::insert_values(tx, variant_id, &options, &values).await?;
        }
    }
    if !changed {
        return Ok(Ok(Outcome::Unchanged));
    }
    // The batch defers the summary trigger: one refresh for the product's variants.
    sqlx::query!("SELECT products_refresh_variant_summary($1)", id)
        .execute(&mut **tx)
        .await?;
    if created {
        return Ok(Ok(Outcome::Created(id)));
    }
    sqlx::query!(
        "UPDATE products SET version = version + 1, updated_by = $2 WHERE id = $1",
        id,
        account
    )
    .execute(&mut **tx)
    .await?;
    if !added_values.is_empty() {
        after.insert("option_values_added".into(), json!(added_values));
    }
    if !added_variants.is_empty() {
        after.insert("variants_added".into(), json!(added_variants));
    }
    let diff = json!({ "product": id, "before": before, "after": after });
    Ok(Ok(Outcome::Updated(id, diff)))
}
