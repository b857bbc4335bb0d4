//! The catalog as staff run it from the admin: the products list, the product editor, bulk
//! changes and the stock ledger. Every function takes the staff member and checks their
//! permission itself (the server functions check too); every change is audited in its own
//! transaction with who, what, before and after.

mod bulk;
mod categories;
mod edit;
mod export;
mod images;
mod import;
mod list;
mod variants;

pub use bulk::{apply_bulk, preview_prices, PricePreview, MAX_BULK};
pub use categories::{
    category_tree, delete_category, save_category, set_category_image, ProductsGo,
};
pub use edit::{create_product, editor, save_product, VariantInput};
pub use export::{export_csv, field as csv_field, COLUMNS as CSV_COLUMNS};
pub use images::{add_images, save_images, Upload, UploadReport, MAX_FILES_PER_UPLOAD};
pub use import::{
    abandon_upload, add_chunk, apply_import, finish_upload, import_status, recent_imports,
    start_upload, work as work_imports, CHUNK_BYTES, MAX_IMPORT_BYTES,
};
pub use list::products;
pub use variants::{save_variants, set_options, GridRow, MatrixChange};

use crate::model::AppError;
use crate::server::Error;
use sqlx::PgPool;

/// A write the database refused: a validation error on the form's field when the broken
/// rule is one of `known` (`(constraint, field, message)`), else the database error itself.
fn refused(error: sqlx::Error, known: &[(&str, &str, &str)]) -> Error {
    let constraint = error.as_database_error().and_then(|e| e.constraint());
    match known.iter().find(|(name, ..)| Some(*name) == constraint) {
        Some((_, field, message)) => AppError::validation(*field, *message).into(),
        None => error.into(),
    }
}

/// Every category as `(id, "Parent › Child")`, in tree order.
pub async fn category_paths(db: &PgPool) -> Result<Vec<(i64, String)>, Error> {
    let rows = sqlx::query!(
        r#"WITH RECURSIVE tree (id, path, sort) AS (
               SELECT id, name, ARRAY[position::BIGINT, id] FROM categories WHERE parent_id IS NULL
               UNION ALL
               SELECT c.id, t.path || ' › ' || c.name, t.sort || ARRAY[c.position::BIGINT, c.id]
               FROM categories c JOIN tree t ON c.parent_id = t.id
           )
           SELECT id AS "id!", path AS "path!" FROM tree ORDER BY sort"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.path)).collect())
}

/// Drafts whose publish time has come go on sale; returns how many. Audited as the shop's
/// own action.
pub async fn publish_due(db: &PgPool) -> Result<u64, Error> {
    let mut tx = db.begin().await?;
    let ids = sqlx::query_scalar!(
        "UPDATE products SET status = 'active', publish_at = NULL, version = version + 1
         WHERE id IN (SELECT id FROM products WHERE status = 'draft' AND publish_at <= now()
                      ORDER BY publish_at LIMIT 500 FOR UPDATE SKIP LOCKED)
         RETURNING id"
    )
    .fetch_all(&mut *tx)
    .await?;
    if !ids.is_empty() {
        crate::server::platform::audit::record_in(
            &mut tx,
            None,
            "catalog.published_on_schedule",
            None,
            serde_json::json!({ "products": ids }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids.len() as u64)
}
