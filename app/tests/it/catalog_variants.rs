//! The editor's options, variant grid and pictures against a real PostgreSQL and a real media
//! directory: the matrix keeps what variants had and asks before removing any, the grid saves
//! all rows or none, and uploads are checked by content with nothing half-written.

use crate::catalog_admin::{
    category, first_variant, form, is_forbidden, product_of, staff, version,
};
use crate::support::variant;
use app::model::catalog_admin::{ImageEdit, OptionSpec};
use app::model::{AppError, Currency};
use app::server::accounts::staff::Role;
use app::server::catalog::{self, admin};
use app::server::platform::media::MediaStore;
use app::server::Error;
use sqlx::PgPool;

fn spec(name: &str, values: &[&str]) -> OptionSpec {
    OptionSpec {
        name: name.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

/// `(sku, "Size=S;Colour=Red", stock, price)` of the product's variants, in order.
async fn variants(pool: &PgPool, product: i64) -> Vec<(String, String, i32, i64)> {
    sqlx::query_as(
        "SELECT v.sku,
                coalesce((SELECT string_agg(o.name || '=' || ov.value, ';' ORDER BY o.position)
                          FROM variant_option_values x JOIN product_options o ON o.id = x.option_id
                          JOIN product_option_values ov ON ov.id = x.option_value_id
                          WHERE x.variant_id = v.id), ''),
                v.stock, v.price_minor
         FROM variants v WHERE v.product_id = $1 ORDER BY v.position, v.id",
    )
    .bind(product)
    .fetch_all(pool)
    .await
    .expect("variants")
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn options_make_the_matrix_and_ask_before_removing_variants(pool: PgPool) {
    let v = variant(&pool, "tee", 1_000, 5, "active").await;
    let p = product_of(&pool, v).await;
    let me = staff(&pool, Role::CatalogManager).await;
    let sizes = [spec("Size", &["S", "M"])];
    let change = admin::set_options(&pool, &me, p, version(&pool, p).await, &sizes, false, None)
        .await
        .expect("sizes");
    assert_eq!(change.created, ["TEE-M"]);
    assert_eq!(
        variants(&pool, p).await,
        [
            ("TEE".into(), "Size=S".into(), 5, 1_000),
            ("TEE-M".into(), "Size=M".into(), 0, 1_000)
        ],
        "the variant there was keeps its stock as the first combination"
    );
    let both = [
        spec("Size", &["S", "M"]),
        spec("Colour", &["Red", "Sky blue"]),
    ];
    admin::set_options(&pool, &me, p, version(&pool, p).await, &both, false, None)
        .await
        .expect("colours");
    let now = variants(&pool, p).await;
    let skus: Vec<&str> = now.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(skus, ["TEE", "TEE-S-SKY-BLUE", "TEE-M", "TEE-M-SKY-BLUE"]);
    assert_eq!(now[0].1, "Size=S;Colour=Red");
    // Every variant's key is its values' ids, and no two are the same.
    let keys: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM variants v WHERE product_id = $1 AND option_key = (
             SELECT string_agg(option_value_id::TEXT, '.' ORDER BY option_value_id)
             FROM variant_option_values WHERE variant_id = v.id)",
    )
    .bind(p)
    .fetch_one(&pool)
    .await
    .expect("keys");
    assert_eq!(keys, 4);

    // Dropping M would remove two variants: refused until confirmed, and nothing changes.
    let fewer = [spec("Size", &["S"]), spec("Colour", &["Red", "Sky blue"])];
    let opened = version(&pool, p).await;
    let asked = admin::set_options(&pool, &me, p, opened, &fewer, false, None).await;
    match asked {
        Err(Error::App(AppError::Validation { field, message })) => {
            assert_eq!(field, "confirm");
            assert!(message.contains("TEE-M, TEE-M-SKY-BLUE"), "{message}");
        }
        other => panic!("expected a question, got {other:?}"),
    }
    assert_eq!(variants(&pool, p).await.len(), 4);
    assert_eq!(version(&pool, p).await, opened, "nothing moved");
    let change = admin::set_options(&pool, &me, p, opened, &fewer, true, None)
        .await
        .expect("confirmed");
    assert_eq!(change.removed, ["TEE-M", "TEE-M-SKY-BLUE"]);
    assert_eq!(variants(&pool, p).await.len(), 2);
    // A save over an older version is refused.
    let stale = admin::set_options(&pool, &me, p, opened, &both, true, None).await;
    assert!(matches!(stale, Err(Error::App(AppError::Stale { .. }))));
    // Options in any case twice, or too many combinations, are refused with the field.
    let twice = [spec("Size", &["S"]), spec("size", &["M"])];
    let v_now = version(&pool, p).await;
    assert!(matches!(
        admin::set_options(&pool, &me, p, v_now, &twice, true, None).await,
        Err(Error::App(AppError::Validation { .. }))
    ));
    let audit: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'catalog.options_saved' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(
        audit["removed"],
        serde_json::json!(["TEE-M", "TEE-M-SKY-BLUE"])
    );
    // Only managers change options.
    let clerk = staff(&pool, Role::OrderClerk).await;
    assert!(is_forbidden(
        &admin::set_options(&pool, &clerk, p, v_now, &fewer, true, None).await
    ));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_grid_saves_every_row_or_none(pool: PgPool) {
    let v = variant(&pool, "mug", 2_000, 1, "active").await;
    let p = product_of(&pool, v).await;
    variant(&pool, "plate", 900, 1, "active").await;
    let me = staff(&pool, Role::CatalogManager).await;
    admin::set_options(
        &pool,
        &me,
        p,
        version(&pool, p).await,
        &[spec("Size", &["S", "L"])],
        false,
        None,
    )
    .await
    .expect("sizes");
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM variants WHERE product_id = $1 ORDER BY position")
            .bind(p)
            .fetch_all(&pool)
            .await
            .expect("ids");
    let row = |id: i64, sku: &str, price: i64| admin::GridRow {
        id,
        input: first_variant(sku, price),
    };
    let opened = version(&pool, p).await;
    // The second row takes another product's SKU: the first row is not saved either.
    let refused = admin::save_variants(
        &pool,
        &me,
        p,
        opened,
        &[row(ids[0], "MUG-S", 2_100), row(ids[1], "PLATE", 2_500)],
        None,
    )
    .await;
    match refused {
        Err(Error::App(AppError::Validation { field, message })) => {
            assert_eq!(field, "sku");
            assert!(message.starts_with("PLATE:"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(variants(&pool, p).await[0].0, "MUG");
    admin::save_variants(
        &pool,
        &me,
        p,
        opened,
        &[row(ids[0], "MUG-S", 2_100), row(ids[1], "MUG-L", 2_500)],
        None,
    )
    .await
    .expect("saved");
    let now = variants(&pool, p).await;
    assert_eq!((now[0].0.as_str(), now[0].3), ("MUG-S", 2_100));
    assert_eq!((now[1].0.as_str(), now[1].3), ("MUG-L", 2_500));
    assert_eq!(version(&pool, p).await, opened + 1, "one save, one version");
    // A row of another product is not found.
    let foreign: i64 = sqlx::query_scalar("SELECT id FROM variants WHERE sku = 'PLATE'")
        .fetch_one(&pool)
        .await
        .expect("plate");
    let v_now = version(&pool, p).await;
    assert!(
        admin::save_variants(&pool, &me, p, v_now, &[row(foreign, "PLATE", 1)], None)
            .await
            .is_err()
    );
}

pub(crate) fn png(width: u32, height: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([shade, 40, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["originals", "r"] {
        if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
            out.extend(
                entries.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()),
            );
        }
    }
    out.sort();
    out
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn pictures_are_checked_by_content_and_managed(pool: PgPool) {
    let v = variant(&pool, "lamp", 9_900, 3, "active").await;
    let p = product_of(&pool, v).await;
    let other = product_of(&pool, variant(&pool, "rug", 100, 1, "active").await).await;
    let me = staff(&pool, Role::CatalogManager).await;
    let dir = std::env::temp_dir().join(format!("duka-pictures-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let media = MediaStore::new(&dir);
    let upload = |name: &str, bytes: Vec<u8>| admin::Upload {
        name: name.into(),
        bytes,
    };
    let good = png(700, 350, 10);
    let mut cut = png(400, 400, 200);
    cut.truncate(cut.len() / 2);
    let report = admin::add_images(
        &pool,
        &media,
        &me,
        p,
        vec![
            upload("lamp.png", good.clone()),
            upload("invoice.jpg", b"%PDF-1.7 not a picture at all".to_vec()),
            upload("cut.png", cut),
            upload("side.png", png(300, 600, 99)),
        ],
        None,
    )
    .await
    .expect("upload");
    assert_eq!(report.added.len(), 2);
    let refused: Vec<&str> = report.refused.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(refused, ["invoice.jpg", "cut.png"]);
    assert!(
        report.refused[0].1.contains("PNG, WebP or JPEG"),
        "{:?}",
        report.refused
    );
    // Only the two good pictures' files exist: the refused ones left nothing, not even a
    // temporary file.
    let files = files_under(&dir);
    assert_eq!(
        files
            .iter()
            .filter(|f| f.ends_with(".png") && !f.contains('-'))
            .count(),
        2,
        "{files:?}"
    );
    assert!(files.iter().all(|f| !f.contains(".tmp")), "{files:?}");
    // The same picture again adds nothing.
    let again = admin::add_images(&pool, &media, &me, p, vec![upload("again.png", good)], None)
        .await
        .expect("again");
    assert!(again.added.is_empty() && again.refused.is_empty());

    // A variant shows one of its product's pictures, never another product's.
    let first = report.added[0];
    let mut input = first_variant("LAMP", 9_900);
    input.image_id = Some(first);
    let row = admin::GridRow {
        id: v,
        input: input.clone(),
    };
    admin::save_variants(&pool, &me, p, version(&pool, p).await, &[row], None)
        .await
        .expect("variant picture");
    let theirs = admin::add_images(
        &pool,
        &media,
        &me,
        other,
        vec![upload("rug.png", png(50, 50, 1))],
        None,
    )
    .await
    .expect("rug");
    input.image_id = Some(theirs.added[0]);
    let row = admin::GridRow { id: v, input };
    assert!(
        admin::save_variants(&pool, &me, p, version(&pool, p).await, &[row], None)
            .await
            .is_err()
    );

    // Alt text and order in one save; a ticked picture is deleted and its variant shows none.
    let edits = [
        ImageEdit {
            id: report.added[0],
            alt: "Lamp, lit".into(),
            position: 2,
            delete: Some("1".into()),
        },
        ImageEdit {
            id: report.added[1],
            alt: "Lamp from the side".into(),
            position: 1,
            delete: None,
        },
    ];
    admin::save_images(&pool, &me, p, &edits, None)
        .await
        .expect("saved");
    let rows: Vec<(i64, String, i32)> =
        sqlx::query_as("SELECT id, alt, position FROM product_images WHERE product_id = $1")
            .bind(p)
            .fetch_all(&pool)
            .await
            .expect("images");
    assert_eq!(
        rows,
        [(report.added[1], "Lamp from the side".to_owned(), 0)]
    );
    let shown: Option<i64> = sqlx::query_scalar("SELECT image_id FROM variants WHERE id = $1")
        .bind(v)
        .fetch_one(&pool)
        .await
        .expect("variant");
    assert_eq!(shown, None);
    // Another product's picture is not this product's to edit; clerks change nothing.
    let foreign = [ImageEdit {
        id: theirs.added[0],
        ..Default::default()
    }];
    assert!(admin::save_images(&pool, &me, p, &foreign, None)
        .await
        .is_err());
    let clerk = staff(&pool, Role::Support).await;
    assert!(is_forbidden(
        &admin::save_images(&pool, &clerk, p, &edits[1..], None).await
    ));
    assert!(is_forbidden(
        &admin::add_images(&pool, &media, &clerk, p, Vec::new(), None).await
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn attributes_and_category_pictures(pool: PgPool) {
    let me = staff(&pool, Role::CatalogManager).await;
    let mut rug = form("Rug", "rug", 0);
    rug.attributes = "Material: wool\n\nOrigin: Nizwa, Oman".into();
    let id = admin::create_product(
        &pool,
        &me,
        &rug,
        &first_variant("RUG", 100),
        Currency::Aed,
        None,
    )
    .await
    .expect("rug");
    let stored: serde_json::Value =
        sqlx::query_scalar("SELECT attributes FROM products WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("attributes");
    assert_eq!(
        stored,
        serde_json::json!({ "Material": "wool", "Origin": "Nizwa, Oman" })
    );
    let editor = admin::editor(&pool, &me, Some(id), Currency::Aed)
        .await
        .expect("editor");
    assert_eq!(
        editor.form.attributes,
        "Material: wool\nOrigin: Nizwa, Oman"
    );
    let mut bad = editor.form.clone();
    bad.attributes = "Material wool".into();
    match admin::save_product(&pool, &me, id, &bad, None).await {
        Err(Error::App(AppError::Validation { field, .. })) => assert_eq!(field, "attributes"),
        other => panic!("expected a refusal, got {other:?}"),
    }

    // A category's picture: checked like a product's, shown by its collection page.
    let dir = std::env::temp_dir().join(format!("duka-category-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let media = MediaStore::new(&dir);
    let rugs = admin::save_category(&pool, &me, None, &category("Rugs", None), None)
        .await
        .expect("rugs");
    let picture = admin::Upload {
        name: "rugs.png".into(),
        bytes: png(900, 300, 150),
    };
    admin::set_category_image(&pool, &media, &me, rugs, Some(picture), None)
        .await
        .expect("picture");
    let page = catalog::category_page(&pool, "rugs").await.expect("page");
    let image = page.view.image.expect("a banner");
    assert_eq!(
        (image.width, image.height, image.alt.as_str()),
        (900, 300, "Rugs")
    );
    let fake = admin::Upload {
        name: "rugs.png".into(),
        bytes: b"GIF89a not really".to_vec(),
    };
    assert!(matches!(
        admin::set_category_image(&pool, &media, &me, rugs, Some(fake), None).await,
        Err(Error::App(AppError::Validation { .. }))
    ));
    assert!(
        catalog::category_page(&pool, "rugs")
            .await
            .expect("page")
            .view
            .image
            .is_some(),
        "kept"
    );
    let clerk = staff(&pool, Role::OrderClerk).await;
    assert!(is_forbidden(
        &admin::set_category_image(&pool, &media, &clerk, rugs, None, None).await
    ));
    admin::set_category_image(&pool, &media, &me, rugs, None, None)
        .await
        .expect("removed");
    assert!(catalog::category_page(&pool, "rugs")
        .await
        .expect("page")
        .view
        .image
        .is_none());
    let _ = std::fs::remove_dir_all(&dir);
}
