//! A product's pictures as staff manage them: upload (decoded by content, checked, stripped of
//! metadata and rendered by [`MediaStore`]), alt text, order, delete. Files are named by
//! their content and written atomically, so a refused or interrupted upload leaves no
//! partial file, and a picture is in the database only once its every file is on disk.

use crate::model::catalog_admin::ImageEdit;
use crate::model::AppError;
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::platform::audit;
use crate::server::platform::media::MediaStore;
use crate::server::Error;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use std::net::IpAddr;

/// At most this many pictures on one product, and in one upload.
pub const MAX_IMAGES: i64 = 40;
pub const MAX_FILES_PER_UPLOAD: usize = 10;

/// One uploaded file: the name it came with (for messages only) and its bytes.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What an upload did: the new pictures' ids, and each refused file with the reason.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct UploadReport {
    pub added: Vec<i64>,
    pub refused: Vec<(String, String)>,
}

/// Adds `files` to product `product_id` after its pictures. A file that is not an image
/// (whatever its name says), too large or too many pixels is refused with the reason; the
/// others are added. The same picture twice on one product is added once.
pub async fn add_images(
    db: &PgPool,
    media: &MediaStore,
    staff: &Staff,
    product_id: i64,
    files: Vec<Upload>,
    ip: Option<IpAddr>,
) -> Result<UploadReport, Error> {
    staff.require(Permission::ManageCatalog)?;
    let product = sqlx::query!(
        r#"SELECT p.name, (SELECT count(*) FROM product_images WHERE product_id = p.id) AS "images!"
           FROM products p WHERE p.id = $1"#,
        product_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    if files.len() > MAX_FILES_PER_UPLOAD {
        return Err(AppError::validation(
            "images",
            format!("upload at most {MAX_FILES_PER_UPLOAD} pictures at once"),
        )
        .into());
    }
    if product.images + files.len() as i64 > MAX_IMAGES {
        return Err(AppError::validation(
            "images",
            format!(
                "a product has at most {MAX_IMAGES} pictures; this one has {}",
                product.images
            ),
        )
        .into());
    }
    let mut report = UploadReport::default();
    let mut stored = Vec::new();
    for file in files {
        let store = media.clone();
        let done = tokio::task::spawn_blocking(move || store.store(&file.bytes))
            .await
            .map_err(|e| Error::other(format!("storing an image: {e}")))?;
        match done {
            Ok(image) => stored.push(image),
            Err(Error::App(AppError::Validation { message, .. })) => {
                report.refused.push((file.name, message))
            }
            Err(other) => return Err(other),
        }
    }
    let mut tx = db.begin().await?;
    for image in &stored {
        let id = sqlx::query_scalar!(
            "INSERT INTO product_images (product_id, position, alt, storage_key, width, height)
             SELECT $1, coalesce(max(position) + 1, 0), $2, $3, $4, $5
             FROM product_images WHERE product_id = $1
             ON CONFLICT (product_id, storage_key) DO NOTHING
             RETURNING id",
            product_id,
            product.name.chars().take(250).collect::<String>(),
            image.key,
            image.width as i32,
            image.height as i32
        )
        .fetch_optional(&mut *tx)
        .await?;
        report.added.extend(id);
    }
    if !report.added.is_empty() {
        audit::record_in(
            &mut tx,
            Some(staff.account_id),
            "catalog.images_added",
            ip,
            json!({ "product": product_id, "images": report.added }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// Saves the pictures' alt text and order, and deletes those ticked, all at once. Every id
/// must be one of the product's pictures. A deleted picture leaves the variants that showed
/// it without one.
pub async fn save_images(
    db: &PgPool,
    staff: &Staff,
    product_id: i64,
    edits: &[ImageEdit],
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    staff.require(Permission::ManageCatalog)?;
    if let Some(e) = edits.iter().find(|e| e.alt.chars().count() > 250) {
        return Err(AppError::validation(
            "alt",
            format!("picture {}: alt text of at most 250 characters", e.position),
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let before = sqlx::query!(
        "SELECT id, alt, position FROM product_images WHERE product_id = $1 ORDER BY position, id FOR UPDATE",
        product_id
    )
    .fetch_all(&mut *tx)
    .await?;
    if edits.iter().any(|e| !before.iter().any(|b| b.id == e.id)) {
        return Err(AppError::NotFound.into());
    }
    let deleted: Vec<i64> = edits
        .iter()
        .filter(|e| e.delete.is_some())
        .map(|e| e.id)
        .collect();
    sqlx::query!(
        "DELETE FROM product_images WHERE product_id = $1 AND id = ANY($2)",
        product_id,
        &deleted
    )
    .execute(&mut *tx)
    .await?;
    // The order staff gave (ties keep the old order), numbered from 0 again.
    let mut kept: Vec<&ImageEdit> = edits.iter().filter(|e| e.delete.is_none()).collect();
    kept.sort_by_key(|e| {
        let old = before
            .iter()
            .position(|b| b.id == e.id)
            .unwrap_or(usize::MAX);
        (e.position, old)
    });
    let ids: Vec<i64> = kept.iter().map(|e| e.id).collect();
    let alts: Vec<String> = kept.iter().map(|e| e.alt.trim().to_owned()).collect();
    sqlx::query!(
        "UPDATE product_images i SET alt = t.alt, position = (t.n - 1)::INTEGER
         FROM unnest($2::BIGINT[], $3::TEXT[]) WITH ORDINALITY AS t(id, alt, n)
         WHERE i.id = t.id AND i.product_id = $1
           AND (i.alt, i.position) IS DISTINCT FROM (t.alt, (t.n - 1)::INTEGER)",
        product_id,
        &ids,
        &alts
    )
    .execute(&mut *tx)
    .await?;
    let after: Vec<_> = ids.iter().zip(&alts).collect();
    let before: Vec<_> = before.iter().map(|b| (b.id, &b.alt)).collect();
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "catalog.images_saved",
        ip,
        json!({ "product": product_id, "before": before, "after": after, "deleted": deleted }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
