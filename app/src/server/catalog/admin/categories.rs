//! The category tree as staff edit it: create, rename, move under another parent (a move
//! that would make a category its own ancestor is refused, by the database's trigger),
//! reorder siblings, and delete, saying where its products go. Every change is audited.

use super::Upload;
use crate::model::catalog_admin::{AdminCategory, CategoryForm};
use crate::model::{AppError, ImageFormat, ProductImage};
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::platform::audit;
use crate::server::platform::media::MediaStore;
use crate::server::Error;
use serde_json::json;
use sqlx::PgPool;
use std::net::IpAddr;

/// Where a deleted category's products go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductsGo {
    /// Filed under this category instead.
    To(i64),
    /// Only out of the deleted category (they stay in any others).
    Nowhere,
}

/// What a refused write says about the database rule it broke.
fn refused(error: sqlx::Error) -> Error {
    const CYCLE: &str = "a category cannot go under itself or one of its own subcategories";
    super::refused(
        error,
        &[
            (
                "categories_slug_key",
                "slug",
                "another category already uses this address",
            ),
            ("categories_no_cycle", "parent", CYCLE),
            ("categories_not_own_parent", "parent", CYCLE),
            (
                "categories_parent_id_fkey",
                "parent",
                "choose a parent from the list",
            ),
        ],
    )
}

/// Every category in tree order, with its depth and how many products it holds.
pub async fn category_tree(db: &PgPool, staff: &Staff) -> Result<Vec<AdminCategory>, Error> {
    staff.require(Permission::ViewCatalog)?;
    let rows = sqlx::query!(
        r#"WITH RECURSIVE tree (id, depth, sort) AS (
               SELECT id, 0, ARRAY[position::BIGINT, id] FROM categories WHERE parent_id IS NULL
               UNION ALL
               SELECT c.id, t.depth + 1, t.sort || ARRAY[c.position::BIGINT, c.id]
               FROM categories c JOIN tree t ON c.parent_id = t.id
           )
           SELECT c.id, c.parent_id, t.depth AS "depth!", c.name, c.slug, c.description, c.position,
                  c.image_key, c.image_width,
                  (SELECT count(*) FROM product_categories pc WHERE pc.category_id = c.id) AS "products!"
           FROM tree t JOIN categories c ON c.id = t.id ORDER BY t.sort"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AdminCategory {
            id: r.id,
            parent_id: r.parent_id,
            depth: r.depth,
            form: CategoryForm {
                name: r.name,
                slug: r.slug,
                description: r.description,
                parent: r.parent_id.map(|p| p.to_string()).unwrap_or_default(),
                position: r.position,
            },
            products: r.products,
            image: r.image_key.zip(r.image_width).map(|(key, width)| {
                let image = ProductImage {
                    key,
                    alt: String::new(),
                    width: width as u32,
                    height: 1,
                };
                image.src(320, ImageFormat::Webp)
            }),
        })
        .collect())
}

/// Gives category `id` the picture `upload` (checked and stored as products' are), or takes
/// its picture away (`None`). The files stay: other pictures may share them.
pub async fn set_category_image(
    db: &PgPool,
    media: &MediaStore,
    staff: &Staff,
    id: i64,
    upload: Option<Upload>,
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    staff.require(Permission::ManageCatalog)?;
    let stored = match upload {
        None => None,
        Some(file) => {
            let store = media.clone();
            let stored = tokio::task::spawn_blocking(move || store.store(&file.bytes))
                .await
                .map_err(|e| Error::other(format!("storing an image: {e}")))??;
            Some(stored)
        }
    };
    let mut tx = db.begin().await?;
    let before = sqlx::query_scalar!(
        "SELECT image_key FROM categories WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let key = stored.as_ref().map(|s| s.key.clone());
    sqlx::query!(
        "UPDATE categories SET image_key = $2, image_width = $3, image_height = $4 WHERE id = $1",
        id,
        key,
        stored.as_ref().map(|s| s.width as i32),
        stored.as_ref().map(|s| s.height as i32)
    )
    .execute(&mut *tx)
    .await?;
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "catalog.category_image_set",
        ip,
        json!({ "category": id, "before": before, "after": key }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a category (no `id`) or changes one: its name, slug, description, parent and
/// place among its siblings. Returns its id.
pub async fn save_category(
    db: &PgPool,
    staff: &Staff,
    id: Option<i64>,
    form: &CategoryForm,
    ip: Option<IpAddr>,
) -> Result<i64, Error> {
    staff.require(Permission::ManageCatalog)?;
    let parent = form.check()?;
    let mut tx = db.begin().await?;
    let (id, before) = match id {
        None => {
            let id = sqlx::query_scalar!(
                "INSERT INTO categories (name, slug, description, parent_id, position)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                form.name.trim(),
                form.slug,
                form.description,
                parent,
                form.position
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(refused)?;
            (id, serde_json::Value::Null)
        }
        Some(id) => {
            let before = sqlx::query!(
                "SELECT name, slug, description, parent_id, position FROM categories WHERE id = $1 FOR UPDATE",
                id
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
            sqlx::query!(
                "UPDATE categories SET name = $2, slug = $3, description = $4, parent_id = $5, position = $6
                 WHERE id = $1",
                id,
                form.name.trim(),
                form.slug,
                form.description,
                parent,
                form.position
            )
            .execute(&mut *tx)
            .await
            .map_err(refused)?;
            let before = json!({ "name": before.name, "slug": before.slug, "description": before.description,
                                 "parent": before.parent_id, "position": before.position });
            (id, before)
        }
    };
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "catalog.category_saved",
        ip,
        json!({ "category": id, "before": before,
                "after": { "name": form.name.trim(), "slug": form.slug, "description": form.description,
                           "parent": parent, "position": form.position } }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes category `id`. Its subcategories move up to its parent; its products go where
/// `products` says. A category holding products needs an answer (`Nowhere` is one): without
/// one the delete is refused, asking.
pub async fn delete_category(
    db: &PgPool,
    staff: &Staff,
    id: i64,
    products: Option<ProductsGo>,
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    staff.require(Permission::ManageCatalog)?;
    let mut tx = db.begin().await?;
    let category = sqlx::query!(
        "SELECT parent_id, slug FROM categories WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let held = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM product_categories WHERE category_id = $1"#,
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let products = match products {
        Some(p) => p,
        None if held == 0 => ProductsGo::Nowhere,
        None => {
            return Err(AppError::validation(
                "move_to",
                if held == 1 {
                    "this category holds 1 product: choose where it goes".to_owned()
                } else {
                    format!("this category holds {held} products: choose where they go")
                },
            )
            .into())
        }
    };
    let moved = match products {
        ProductsGo::To(to) if to == id => {
            return Err(AppError::validation("move_to", "choose another category").into());
        }
        ProductsGo::To(to) => {
            sqlx::query_scalar!("SELECT id FROM categories WHERE id = $1", to)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    AppError::validation("move_to", "choose a category from the list")
                })?;
            sqlx::query!(
                "INSERT INTO product_categories (product_id, category_id, position)
                 SELECT product_id, $2, position FROM product_categories WHERE category_id = $1
                 ON CONFLICT (product_id, category_id) DO NOTHING",
                id,
                to
            )
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }
        ProductsGo::Nowhere => 0,
    };
    sqlx::query!(
        "UPDATE categories SET parent_id = $2 WHERE parent_id = $1",
        id,
        category.parent_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM categories WHERE id = $1", id)
        .execute(&mut *tx)
        .await?;
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "catalog.category_deleted",
        ip,
        json!({ "category": id, "slug": category.slug,
                "products_to": match products { ProductsGo::To(to) => Some(to), ProductsGo::Nowhere => None },
                "products_moved": moved }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
