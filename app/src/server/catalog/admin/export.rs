//! The CSV export: the products the list's filters choose, one row per variant, product
//! fields repeated on each (the columns [`COLUMNS`], which the import reads back). Rows are
//! read from one query as a stream and sent on in chunks through a small channel, so a
//! 100,000-product export holds a few chunks in memory whatever its size, and stops when the
//! download does.

use super::list::filtered;
use crate::model::catalog_admin::AdminProductQuery;
use crate::model::{Currency, Money};
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::Error;
use futures_util::TryStreamExt;
use sqlx::{PgPool, Row};
use tokio::sync::mpsc;

/// The export's columns, in order.
pub const COLUMNS: [&str; 16] = [
    "handle",
    "name",
    "status",
    "brand",
    "description",
    "seo_title",
    "seo_description",
    "categories",
    "sku",
    "options",
    "price",
    "compare_at_price",
    "currency",
    "stock",
    "weight_grams",
    "barcode",
];

/// About this many bytes go out at once.
const CHUNK: usize = 8 * 1024;

/// One CSV field: quoted when it holds a comma, quote or line break; text that a spreadsheet
/// would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) is prefixed with
/// `'` so it stays text.
pub fn field(text: &str) -> String {
    let text = match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{text}"),
        _ => text.to_owned(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Starts the export of `query`'s products; the receiver yields the CSV in chunks (the
/// header first), or the error that stopped it.
pub fn export_csv(
    db: PgPool,
    staff: &Staff,
    query: AdminProductQuery,
    low_stock: i32,
) -> Result<mpsc::Receiver<Result<String, Error>>, Error> {
    staff.require(Permission::ViewCatalog)?;
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        if let Err(error) = write(&db, &query, low_stock, &tx).await {
            tracing::warn!(%error, "catalog export stopped");
            let _ = tx.send(Err(error)).await;
        }
    });
    Ok(rx)
}

async fn write(
    db: &PgPool,
    query: &AdminProductQuery,
    low_stock: i32,
    tx: &mpsc::Sender<Result<String, Error>>,
) -> Result<(), Error> {
    let mut sql = filtered(
        "SELECT p.slug, p.name, p.status, p.brand, p.description,
                coalesce(p.seo_title, '') AS seo_title, coalesce(p.seo_description, '') AS seo_description,
                coalesce((SELECT string_agg(c.slug, ' ' ORDER BY pc.position, c.id)
                          FROM product_categories pc JOIN categories c ON c.id = pc.category_id
                          WHERE pc.product_id = p.id), '') AS categories,
                v.sku,
                coalesce((SELECT string_agg(o.name || '=' || ov.value, ';' ORDER BY o.position, o.id)
                          FROM variant_option_values vov
                          JOIN product_options o ON o.id = vov.option_id
                          JOIN product_option_values ov ON ov.id = vov.option_value_id
                          WHERE vov.variant_id = v.id), '') AS options,
                v.price_minor, v.compare_at_minor, v.currency, v.stock, v.weight_grams, v.barcode
         FROM products p JOIN variants v ON v.product_id = p.id
         WHERE true",
        query,
        low_stock,
    );
    sql.push(" ORDER BY p.id, v.position, v.id");
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    let mut rows = sql.build().fetch(db);
    while let Some(row) = rows.try_next().await? {
        let code: &str = row.try_get("currency")?;
        let currency: Currency = code
            .parse()
            .map_err(|e| Error::other(format!("variant currency: {e}")))?;
        let money = |minor: i64| Money::new(minor, currency).decimal();
        let compare_at: Option<i64> = row.try_get("compare_at_minor")?;
        let cells = [
            field(row.try_get("slug")?),
            field(row.try_get("name")?),
            field(row.try_get("status")?),
            field(row.try_get("brand")?),
            field(row.try_get("description")?),
            field(row.try_get("seo_title")?),
            field(row.try_get("seo_description")?),
            field(row.try_get("categories")?),
            field(row.try_get("sku")?),
            field(row.try_get("options")?),
            money(row.try_get("price_minor")?),
            compare_at.map(money).unwrap_or_default(),
            field(code),
            row.try_get::<i32, _>("stock")?.to_string(),
            row.try_get::<i32, _>("weight_grams")?.to_string(),
            field(row.try_get("barcode")?),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
        if out.len() >= CHUNK && tx.send(Ok(std::mem::take(&mut out))).await.is_err() {
            return Ok(()); // the download was cancelled
        }
    }
    if !out.is_empty() {
        let _ = tx.send(Ok(out)).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_and_formulas_stay_text() {
        assert_eq!(field("Dates"), "Dates");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(
            field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("-1+2"), "'-1+2");
    }
}
