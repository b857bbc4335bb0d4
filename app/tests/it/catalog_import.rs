//! Catalog CSV imports against a real PostgreSQL: a dry run that reports by row and column
//! and changes nothing, the same file applied, then imported again changing nothing; Shopify's
//! columns; broken and hostile files; and a job that resumes after its worker stops part way.

use crate::catalog_admin::{is_forbidden, staff};
use app::model::catalog_admin::{AdminProductQuery, ImportStatus};
use app::model::{AppError, Currency};
use app::server::accounts::staff::{Role, Staff};
use app::server::catalog::admin;
use app::server::Error;
use sqlx::PgPool;

/// Uploads `csv` in small chunks (so records cross chunk boundaries), as the upload route does.
async fn upload(pool: &PgPool, me: &Staff, csv: &[u8]) -> i64 {
    let id = admin::start_upload(pool, me, "products.csv")
        .await
        .expect("start");
    for (n, chunk) in csv.chunks(37).enumerate() {
        admin::add_chunk(pool, id, n as i32, chunk)
            .await
            .expect("chunk");
    }
    admin::finish_upload(pool, id, csv.len() as i64, None)
        .await
        .expect("finish");
    id
}

/// Runs the worker until job `id` is finished; returns its report.
async fn run(pool: &PgPool, me: &Staff, id: i64) -> ImportStatus {
    while admin::work_imports(pool, Currency::Aed, None)
        .await
        .expect("work")
        .is_some()
    {}
    admin::import_status(pool, me, id).await.expect("status")
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

const GOOD_AND_BAD: &str = "handle,name,status,brand,description,seo_title,seo_description,categories,sku,options,price,compare_at_price,currency,stock,weight_grams,barcode\r
linen-shirt,Linen shirt,active,Duka,\"Cool, light\nlinen.\",,,,SHIRT-S,Size=S;Colour=Sand,120.00,150.00,AED,4,300,\r
linen-shirt,Linen shirt,active,Duka,\"Cool, light\nlinen.\",,,,SHIRT-M,Size=M;Colour=Sand,120.00,,AED,2,300,\r
dates,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",draft,,,,,,DATES-1KG,,45,,AED,10,1000,\r
broken-price,Broken,active,,,,,,BROKEN-1,,ten dirhams,,AED,1,,\r
no-name,,active,,,,,,NONAME-1,,5,,AED,1,,\r
dollars,Dollars,active,,,,,,USD-1,,5,,USD,1,,\r
mug,Mug,active,,,,,,MUG,,30,,AED,,,\r
";

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_dry_run_reports_changes_nothing_then_applies_and_reimports_as_a_no_op(pool: PgPool) {
    let me = staff(&pool, Role::CatalogManager).await;
    let before = count(&pool, "SELECT count(*) FROM products").await;
    let id = upload(&pool, &me, GOOD_AND_BAD.as_bytes()).await;
    let dry = run(&pool, &me, id).await;
    assert_eq!(
        (dry.state.as_str(), dry.apply, dry.percent),
        ("done", false, 100)
    );
    assert_eq!((dry.created, dry.updated, dry.failed), (3, 0, 3), "{dry:?}");
    assert_eq!(dry.rows_done, 7);
    let cells: Vec<(u32, &str)> = dry
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_str()))
        .collect();
    // Rows as a spreadsheet numbers them (the description's line break is inside row 2).
    assert_eq!(
        cells,
        [(5, "price"), (6, "name"), (7, "currency")],
        "{:?}",
        dry.problems
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM products").await,
        before,
        "a dry run changes nothing"
    );

    admin::apply_import(&pool, &me, id, None)
        .await
        .expect("apply");
    let applied = run(&pool, &me, id).await;
    assert_eq!(
        (applied.apply, applied.created, applied.failed),
        (true, 3, 3),
        "{applied:?}"
    );
    let shirt: Vec<(String, i32, i64, Option<i64>)> = sqlx::query_as(
        "SELECT v.sku, v.stock, v.price_minor, v.compare_at_minor FROM variants v
         JOIN products p ON p.id = v.product_id WHERE p.slug = 'linen-shirt' ORDER BY v.position",
    )
    .fetch_all(&pool)
    .await
    .expect("shirt");
    assert_eq!(
        shirt,
        [
            ("SHIRT-S".into(), 4, 12_000, Some(15_000)),
            ("SHIRT-M".into(), 2, 12_000, None)
        ]
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM product_options o JOIN products p ON p.id = o.product_id WHERE p.slug = 'linen-shirt'").await, 2);
    // The listing's summary follows the variants (refreshed once per product).
    let summary: (Option<i64>, Option<i64>, bool) = sqlx::query_as(
        "SELECT price_min_minor, price_max_minor, in_stock FROM products WHERE slug = 'linen-shirt'",
    )
    .fetch_one(&pool)
    .await
    .expect("summary");
    assert_eq!(summary, (Some(12_000), Some(12_000), true));
    let name: String = sqlx::query_scalar("SELECT name FROM products WHERE slug = 'dates'")
        .fetch_one(&pool)
        .await
        .expect("dates");
    assert_eq!(
        name, "=HYPERLINK(\"http://evil\",\"x\")",
        "stored as the text it is"
    );
    // Stock came in through the ledger, as the importing staff member.
    let opened: i64 = count(&pool, "SELECT count(*) FROM stock_movements m JOIN variants v ON v.id = m.variant_id
                                    WHERE v.sku IN ('SHIRT-S', 'SHIRT-M', 'DATES-1KG') AND m.reason = 'initial' AND m.account_id IS NOT NULL").await;
    assert_eq!(opened, 3);
    let versions = count(&pool, "SELECT sum(version)::BIGINT FROM products").await;

    // The same file again: nothing changes, not even a version.
    let again = upload(&pool, &me, GOOD_AND_BAD.as_bytes()).await;
    run(&pool, &me, again).await;
    admin::apply_import(&pool, &me, again, None)
        .await
        .expect("apply again");
    let second = run(&pool, &me, again).await;
    assert_eq!(
        (second.created, second.updated, second.unchanged),
        (0, 0, 3),
        "{second:?}"
    );
    assert_eq!(
        count(&pool, "SELECT sum(version)::BIGINT FROM products").await,
        versions
    );
    // Applying twice is refused: the job is no longer a finished dry run.
    assert!(matches!(
        admin::apply_import(&pool, &me, again, None).await,
        Err(Error::App(AppError::Stale { .. }))
    ));
    // A changed price and stock update just that product; the stock change is a correction.
    let changed = GOOD_AND_BAD.replace(
        "SHIRT-M,Size=M;Colour=Sand,120.00,,AED,2",
        "SHIRT-M,Size=M;Colour=Sand,99.50,,AED,7",
    );
    let third = upload(&pool, &me, changed.as_bytes()).await;
    run(&pool, &me, third).await;
    admin::apply_import(&pool, &me, third, None)
        .await
        .expect("apply");
    let done = run(&pool, &me, third).await;
    assert_eq!((done.updated, done.unchanged), (1, 2), "{done:?}");
    let moved: (i32, String, String) = sqlx::query_as(
        "SELECT m.delta, m.reason, m.note FROM stock_movements m JOIN variants v ON v.id = m.variant_id
         WHERE v.sku = 'SHIRT-M' ORDER BY m.id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .expect("movement");
    assert_eq!(moved, (5, "correction".into(), format!("import #{third}")));
    let lowest: Option<i64> =
        sqlx::query_scalar("SELECT price_min_minor FROM products WHERE slug = 'linen-shirt'")
            .fetch_one(&pool)
            .await
            .expect("summary");
    assert_eq!(lowest, Some(9_950));
    // The audit log has the update with who, and the changed fields before and after.
    let (who, details): (Option<i64>, serde_json::Value) = sqlx::query_as(
        "SELECT account_id, details FROM audit_log WHERE action = 'catalog.import_batch' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(who, Some(me.account_id));
    let change = &details["updated"][0];
    assert_eq!(change["before"]["variant SHIRT-M"]["price"], 12_000);
    assert_eq!(change["before"]["variant SHIRT-M"]["stock"], 2);
    assert_eq!(change["after"]["variant SHIRT-M"]["price"], 9_950);
    assert_eq!(change["after"]["variant SHIRT-M"]["stock"], 7);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn our_export_imports_back_unchanged(pool: PgPool) {
    let me = staff(&pool, Role::Admin).await;
    let id = upload(&pool, &me, GOOD_AND_BAD.as_bytes()).await;
    run(&pool, &me, id).await;
    admin::apply_import(&pool, &me, id, None)
        .await
        .expect("apply");
    run(&pool, &me, id).await;
    let mut rx =
        admin::export_csv(pool.clone(), &me, AdminProductQuery::default(), 5).expect("export");
    let mut csv = String::new();
    while let Some(chunk) = rx.recv().await {
        csv.push_str(&chunk.expect("chunk"));
    }
    assert!(
        csv.contains("'=HYPERLINK"),
        "the export escapes the formula again"
    );
    let back = upload(&pool, &me, csv.as_bytes()).await;
    let report = run(&pool, &me, back).await;
    assert_eq!(
        (
            report.created,
            report.updated,
            report.unchanged,
            report.failed
        ),
        (0, 0, 3, 0),
        "{report:?}"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn shopify_files_import_with_their_options(pool: PgPool) {
    let me = staff(&pool, Role::CatalogManager).await;
    let csv = "Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Compare At Price,Variant Barcode,Image Src,Status\n\
tee,Tee,<p>Soft &amp; <b>warm</b></p>,Acme,Shirts,,TRUE,Size,S,Colour,Red,,200,3,10.00,,,https://cdn.example/1.jpg,active\n\
tee,,,,,,,,M,,Red,,200,1,10.00,,,,\n\
tee,,,,,,,,,,,,,,,,,https://cdn.example/2.jpg,\n\
mug,Mug,,Acme,,,FALSE,Title,Default Title,,,MUG-1,0,9,5.50,7.00,,,draft\n\
twin,Twin,,Acme,,,TRUE,Size,S,,,TWIN-1,0,1,5.00,,,,active\n\
twin,,,,,,,,S,,,TWIN-2,0,1,5.00,,,,\n";
    let id = upload(&pool, &me, csv.as_bytes()).await;
    let dry = run(&pool, &me, id).await;
    assert_eq!(
        dry.format,
        Some(app::model::catalog_admin::ImportFormat::Shopify)
    );
    // The database refuses two variants with the same values: that product alone is left out.
    assert_eq!((dry.created, dry.failed), (2, 1), "{dry:?}");
    assert_eq!(
        dry.problems[0].reason,
        "two variants have the same option values"
    );
    admin::apply_import(&pool, &me, id, None)
        .await
        .expect("apply");
    run(&pool, &me, id).await;
    let tee: Vec<(String, i32)> = sqlx::query_as(
        "SELECT v.sku, v.stock FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.slug = 'tee' ORDER BY v.position",
    )
    .fetch_all(&pool)
    .await
    .expect("tee");
    assert_eq!(tee, [("TEE-S-RED".into(), 3), ("TEE-M-RED".into(), 1)]);
    let (description, status): (String, String) =
        sqlx::query_as("SELECT description, status FROM products WHERE slug = 'tee'")
            .fetch_one(&pool)
            .await
            .expect("tee");
    assert_eq!(
        (description.as_str(), status.as_str()),
        ("Soft & warm", "active")
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM product_options o JOIN products p ON p.id = o.product_id WHERE p.slug = 'mug'").await, 0);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn broken_files_stop_with_a_reason(pool: PgPool) {
    let me = staff(&pool, Role::CatalogManager).await;
    for (bytes, expect) in [
        (b"name,price\nTea,4\n".to_vec(), "no handle, sku column"),
        (
            b"handle,sku,price\nok,OK-1,4\nbad,BAD-1,\xff\xfe\n".to_vec(),
            "not UTF-8",
        ),
        (Vec::new(), "empty"),
    ] {
        let id = upload(&pool, &me, &bytes).await;
        let report = run(&pool, &me, id).await;
        assert_eq!(report.state, "failed", "{report:?}");
        let error = report.error.unwrap_or_default();
        assert!(error.contains(expect), "{error}");
    }
    // Only managers import; everyone on staff may read a report.
    let clerk = staff(&pool, Role::OrderClerk).await;
    assert!(is_forbidden(
        &admin::start_upload(&pool, &clerk, "x.csv").await
    ));
    let id = upload(&pool, &me, b"handle,sku,price\n").await;
    assert!(is_forbidden(
        &admin::apply_import(&pool, &clerk, id, None).await
    ));
    admin::import_status(&pool, &clerk, id)
        .await
        .expect("clerks read reports");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_stopped_import_resumes_after_its_last_batch(pool: PgPool) {
    let me = staff(&pool, Role::CatalogManager).await;
    let mut csv = String::from("handle,name,status,sku,options,price,stock\n");
    for i in 0..450 {
        for size in ["S", "M"] {
            csv.push_str(&format!(
                "item-{i},Item {i},active,ITEM-{i}-{size},Size={size},1{i}.00,3\n"
            ));
        }
    }
    let id = upload(&pool, &me, csv.as_bytes()).await;
    run(&pool, &me, id).await;
    admin::apply_import(&pool, &me, id, None)
        .await
        .expect("apply");
    // The worker commits one batch of 200 products, then stops as a crash would.
    assert_eq!(
        admin::work_imports(&pool, Currency::Aed, Some(1))
            .await
            .expect("work"),
        Some(id)
    );
    let part = admin::import_status(&pool, &me, id).await.expect("status");
    assert_eq!(
        (part.state.as_str(), part.rows_done, part.created),
        ("running", 400, 200)
    );
    assert!(part.percent > 0 && part.percent < 100, "{}", part.percent);
    // Another worker does not take it while its lease holds...
    assert_eq!(
        admin::work_imports(&pool, Currency::Aed, None)
            .await
            .expect("work"),
        None
    );
    // ...and takes it over once it has gone quiet, from where it stopped.
    sqlx::query(
        "UPDATE catalog_imports SET heartbeat = now() - interval '2 minutes' WHERE id = $1",
    )
    .bind(id)
    .execute(&pool)
    .await
    .expect("quiet");
    let done = run(&pool, &me, id).await;
    assert_eq!(
        (
            done.state.as_str(),
            done.rows_done,
            done.created,
            done.failed
        ),
        ("done", 900, 450, 0),
        "{done:?}"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM variants WHERE sku LIKE 'ITEM-%'"
        )
        .await,
        900
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM products WHERE slug LIKE 'item-%'"
        )
        .await,
        450
    );
}
