//! The admin's catalog against a real PostgreSQL: permissions for every role, versions that
//! refuse a stale save, slugs that keep redirecting, bulk changes all or nothing, the list's
//! filters and pages, and the stock ledger under staff adjustments racing checkouts.

use crate::support::shop::{buyer, keys, place_cash, shop, stock_of};
use crate::support::variant;
use app::model::catalog_admin::{
    AdminProductQuery, BulkAction, ProductForm, ProductStatus, StockReason,
};
use app::model::{AppError, Currency};
use app::server::accounts::staff::{Role, Staff};
use app::server::catalog::{self, admin};
use app::server::inventory::{self, StockChange};
use app::server::platform::cache::Cache;
use app::server::Error;
use sqlx::PgPool;

pub(crate) async fn staff(pool: &PgPool, role: Role) -> Staff {
    let account_id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, role, email_verified_at) VALUES ($1, $2, now()) RETURNING id",
    )
    .bind(format!("{}@duka.test", role.as_str()))
    .bind(role.as_str())
    .fetch_one(pool)
    .await
    .expect("staff account");
    Staff {
        account_id,
        session_id: 0,
        role,
    }
}

pub(crate) async fn product_of(pool: &PgPool, variant: i64) -> i64 {
    sqlx::query_scalar("SELECT product_id FROM variants WHERE id = $1")
        .bind(variant)
        .fetch_one(pool)
        .await
        .expect("product")
}

pub(crate) fn form(name: &str, slug: &str, version: i64) -> ProductForm {
    ProductForm {
        version,
        name: name.into(),
        slug: slug.into(),
        status: "active".into(),
        ..Default::default()
    }
}

pub(crate) fn first_variant(sku: &str, price: i64) -> admin::VariantInput {
    admin::VariantInput {
        sku: sku.into(),
        price,
        compare_at: None,
        weight_grams: 0,
        barcode: String::new(),
        image_id: None,
    }
}

pub(crate) fn is_forbidden<T: std::fmt::Debug>(r: &Result<T, Error>) -> bool {
    matches!(r, Err(Error::App(AppError::Forbidden)))
}

pub(crate) async fn version(pool: &PgPool, product: i64) -> i64 {
    sqlx::query_scalar("SELECT version FROM products WHERE id = $1")
        .bind(product)
        .fetch_one(pool)
        .await
        .expect("version")
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn every_role_against_every_catalog_function(pool: PgPool) {
    let v = variant(&pool, "dates", 4_500, 10, "active").await;
    let p = product_of(&pool, v).await;
    for role in Role::ALL {
        let me = staff(&pool, role).await;
        let manages = matches!(role, Role::Owner | Role::Admin | Role::CatalogManager);
        // Every staff role reads the catalog.
        admin::products(&pool, &me, &AdminProductQuery::default(), 5)
            .await
            .expect("every role reads the list");
        admin::editor(&pool, &me, Some(p), Currency::Aed)
            .await
            .expect("every role reads a product");
        let v_now = version(&pool, p).await;
        let results = [
            admin::save_product(&pool, &me, p, &form("Dates", "dates", v_now), None)
                .await
                .map(|_| ()),
            inventory::adjust_stock(
                &pool,
                &me,
                v,
                StockReason::Received,
                StockChange::By(1),
                "",
                None,
            )
            .await
            .map(|_| ()),
            admin::apply_bulk(
                &pool,
                &me,
                &[p],
                &BulkAction::SetStatus(ProductStatus::Active),
                None,
            )
            .await
            .map(|_| ()),
            admin::create_product(
                &pool,
                &me,
                &form(
                    "New",
                    &format!("new-{}", role.as_str().replace('_', "-")),
                    0,
                ),
                &first_variant(&format!("NEW-{}", role.as_str()), 100),
                Currency::Aed,
                None,
            )
            .await
            .map(|_| ()),
        ];
        for (i, result) in results.iter().enumerate() {
            if manages {
                assert!(
                    result.is_ok(),
                    "{role:?} may change the catalog ({i}): {result:?}"
                );
            } else {
                assert!(
                    is_forbidden(result),
                    "{role:?} may not change the catalog ({i}): {result:?}"
                );
            }
        }
    }
    // A customer has no staff role at all.
    let customer: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, email_verified_at) VALUES ('shopper@duka.test', now()) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("customer");
    let refused = app::server::accounts::staff::authorize(
        &pool,
        customer,
        0,
        app::server::accounts::staff::Permission::ViewCatalog,
    )
    .await;
    assert!(is_forbidden(&refused), "{refused:?}");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_save_over_a_newer_version_is_refused_and_says_who(pool: PgPool) {
    let v = variant(&pool, "dates", 4_500, 10, "active").await;
    let p = product_of(&pool, v).await;
    let alice = staff(&pool, Role::CatalogManager).await;
    let bob = staff(&pool, Role::Admin).await;
    let opened = version(&pool, p).await;
    admin::save_product(
        &pool,
        &alice,
        p,
        &form("Medjool dates", "dates", opened),
        None,
    )
    .await
    .expect("first save");
    let stale =
        admin::save_product(&pool, &bob, p, &form("Bob's dates", "dates", opened), None).await;
    match stale {
        Err(Error::App(AppError::Stale { message })) => {
            assert!(message.contains("catalog_manager@duka.test"), "{message}");
            assert!(message.contains("UTC"), "{message}");
        }
        other => panic!("expected a stale refusal, got {other:?}"),
    }
    let name: String = sqlx::query_scalar("SELECT name FROM products WHERE id = $1")
        .bind(p)
        .fetch_one(&pool)
        .await
        .expect("name");
    assert_eq!(name, "Medjool dates", "the refused save overwrote nothing");
    // A variant save over the old version is refused too.
    let row = admin::GridRow {
        id: v,
        input: first_variant("DATES", 1),
    };
    let variant_save = admin::save_variants(&pool, &bob, p, opened, &[row], None).await;
    assert!(matches!(
        variant_save,
        Err(Error::App(AppError::Stale { .. }))
    ));
    // The audit log has the change with before and after.
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'catalog.product_saved' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .expect("audited");
    assert_eq!(details["before"]["name"], "dates");
    assert_eq!(details["after"]["name"], "Medjool dates");
    assert!(
        details["before"].get("slug").is_none(),
        "only changed fields: {details}"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn old_slugs_redirect_and_slugs_stay_unique(pool: PgPool) {
    let v = variant(&pool, "dates", 4_500, 10, "active").await;
    variant(&pool, "figs", 3_000, 10, "active").await;
    let p = product_of(&pool, v).await;
    let me = staff(&pool, Role::CatalogManager).await;
    let cache = Cache::memory(16);
    catalog::product_by_slug(&pool, &cache, "dates")
        .await
        .expect("before");
    let taken = admin::save_product(&pool, &me, p, &form("Dates", "figs", 1), None).await;
    assert!(
        matches!(&taken, Err(Error::App(AppError::Validation { field, .. })) if field == "slug"),
        "{taken:?}"
    );
    admin::save_product(&pool, &me, p, &form("Dates", "medjool-dates", 1), None)
        .await
        .expect("renamed");
    let old = catalog::product_by_slug(&pool, &Cache::memory(16), "dates").await;
    assert!(
        matches!(&old, Err(Error::App(AppError::Moved { to })) if to == "/products/medjool-dates"),
        "{old:?}"
    );
    // Renamed twice: the first slug follows to the newest.
    let v2 = version(&pool, p).await;
    admin::save_product(&pool, &me, p, &form("Dates", "best-dates", v2), None)
        .await
        .expect("renamed again");
    for slug in ["dates", "medjool-dates"] {
        let old = catalog::product_by_slug(&pool, &Cache::memory(16), slug).await;
        assert!(
            matches!(&old, Err(Error::App(AppError::Moved { to })) if to == "/products/best-dates"),
            "{slug}: {old:?}"
        );
    }
    // A new product may take an old slug; it then stops redirecting.
    admin::create_product(
        &pool,
        &me,
        &form("Other", "dates", 0),
        &first_variant("OTHER", 100),
        Currency::Aed,
        None,
    )
    .await
    .expect("takes the old slug");
    catalog::product_by_slug(&pool, &Cache::memory(16), "dates")
        .await
        .expect("the new product answers");
    // Unknown slugs stay 404.
    let unknown = catalog::product_by_slug(&pool, &Cache::memory(16), "never").await;
    assert!(matches!(unknown, Err(Error::App(AppError::NotFound))));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn bulk_price_changes_preview_then_apply_all_or_nothing(pool: PgPool) {
    let a = product_of(&pool, variant(&pool, "dates", 4_500, 10, "active").await).await;
    let b = product_of(&pool, variant(&pool, "figs", 99, 10, "draft").await).await;
    let me = staff(&pool, Role::Admin).await;
    let ten_off = BulkAction::AdjustPricePercent(-1_000);
    let preview = admin::preview_prices(&pool, &me, &[a, b], &ten_off, Currency::Aed)
        .await
        .expect("preview");
    let after: Vec<i64> = preview.iter().map(|p| p.after.minor).collect();
    assert_eq!(after, vec![4_050, 89], "rounded half away from zero");
    admin::apply_bulk(&pool, &me, &[a, b], &ten_off, None)
        .await
        .expect("applied");
    let prices: Vec<i64> =
        sqlx::query_scalar("SELECT price_minor FROM variants ORDER BY price_minor DESC")
            .fetch_all(&pool)
            .await
            .expect("prices");
    assert_eq!(prices, vec![4_050, 89], "applied what the preview showed");
    // Minus 1.00 would make figs negative: nothing changes.
    let refused =
        admin::apply_bulk(&pool, &me, &[a, b], &BulkAction::AdjustPriceBy(-100), None).await;
    assert!(
        matches!(&refused, Err(Error::App(AppError::Validation { message, .. })) if message.contains("FIGS")),
        "{refused:?}"
    );
    let unchanged: Vec<i64> =
        sqlx::query_scalar("SELECT price_minor FROM variants ORDER BY price_minor DESC")
            .fetch_all(&pool)
            .await
            .expect("prices");
    assert_eq!(unchanged, prices);
    // Status and categories, and each changed product moves to a new version.
    let before = version(&pool, b).await;
    let changed = admin::apply_bulk(
        &pool,
        &me,
        &[a, b],
        &BulkAction::SetStatus(ProductStatus::Active),
        None,
    )
    .await
    .expect("status");
    assert_eq!(changed, 1, "only the draft changed");
    assert!(version(&pool, b).await > before);
    let category: i64 = sqlx::query_scalar(
        "INSERT INTO categories (slug, name) VALUES ('pantry', 'Pantry') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("category");
    admin::apply_bulk(
        &pool,
        &me,
        &[a, b],
        &BulkAction::AddToCategory(category),
        None,
    )
    .await
    .expect("added");
    let filed: Vec<i64> = sqlx::query_scalar("SELECT category_ids[1] FROM products ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("filed");
    assert_eq!(filed, vec![category, category]);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'catalog.bulk_changed'")
            .fetch_one(&pool)
            .await
            .expect("audit");
    assert_eq!(audited, 3, "each applied change, not the refused one");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_list_filters_and_pages_without_repeats(pool: PgPool) {
    let me = staff(&pool, Role::Support).await;
    for i in 0..120 {
        let status = ["active", "draft", "archived"][i % 3];
        variant(
            &pool,
            &format!("item-{i:03}"),
            1_000 + i as i64,
            (i % 7) as i32,
            status,
        )
        .await;
    }
    let query = |pairs: &[(&str, &str)]| {
        AdminProductQuery::from_params(pairs.iter().copied()).expect("query")
    };
    for sort in ["", "name", "price"] {
        let mut seen = Vec::new();
        let mut q = query(&[("sort", sort)]);
        loop {
            let page = admin::products(&pool, &me, &q, 3).await.expect("page");
            assert!(page.rows.len() <= 50);
            seen.extend(page.rows.iter().map(|r| r.id));
            match page.next {
                Some(next) => q.after = Some(next),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            (seen.len(), unique.len()),
            (120, 120),
            "sort {sort:?}: every product once"
        );
    }
    let drafts = admin::products(&pool, &me, &query(&[("status", "draft")]), 3)
        .await
        .expect("drafts");
    assert!(
        drafts.rows.iter().all(|r| r.status == ProductStatus::Draft) && drafts.rows.len() == 40
    );
    let by_name = admin::products(&pool, &me, &query(&[("q", "em-01")]), 3)
        .await
        .expect("name");
    assert_eq!(by_name.rows.len(), 10, "item-010 .. item-019");
    let by_sku = admin::products(&pool, &me, &query(&[("q", "ITEM-007")]), 3)
        .await
        .expect("sku");
    assert_eq!(
        by_sku
            .rows
            .iter()
            .map(|r| r.slug.as_str())
            .collect::<Vec<_>>(),
        vec!["item-007"]
    );
    let sold_out = admin::products(&pool, &me, &query(&[("stock", "sold_out")]), 3)
        .await
        .expect("sold out");
    assert!(sold_out.rows.iter().all(|r| r.stock == 0) && !sold_out.rows.is_empty());
    let low = admin::products(&pool, &me, &query(&[("stock", "low"), ("sort", "name")]), 3)
        .await
        .expect("low");
    assert!(low.rows.iter().all(|r| r.stock < 3));
    assert!(!low.rows.is_empty());
    let wildcard = admin::products(&pool, &me, &query(&[("q", "%")]), 3)
        .await
        .expect("escaped");
    assert!(
        wildcard.rows.is_empty(),
        "a % is a character, not a wildcard"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_stock_ledger_holds_under_staff_adjustments_racing_checkouts(pool: PgPool) {
    shop(&pool).await;
    let initial = 60;
    let v = variant(&pool, "dates", 4_500, initial, "active").await;
    let me = staff(&pool, Role::CatalogManager).await;
    let keys = keys();
    let mut buyers = Vec::new();
    for i in 0..50 {
        buyers.push(buyer(&pool, &format!("b{i}@duka.test"), &[(v, 1)]).await);
    }
    // 50 checkouts and 20 staff adjustments (+3 received, -1 damaged) at once.
    let mut orders = Vec::new();
    for owner in buyers {
        let (pool, keys) = (pool.clone(), keys.clone());
        orders.push(tokio::spawn(async move {
            place_cash(&pool, &keys, &owner).await
        }));
    }
    let mut adjustments = Vec::new();
    for i in 0..20 {
        let (pool, me) = (pool.clone(), me);
        adjustments.push(tokio::spawn(async move {
            let (reason, change) = if i % 2 == 0 {
                (StockReason::Received, StockChange::By(3))
            } else {
                (StockReason::Damaged, StockChange::By(-1))
            };
            let delta = if let StockChange::By(d) = change {
                d
            } else {
                0
            };
            inventory::adjust_stock(&pool, &me, v, reason, change, "race", None)
                .await
                .map(|_| delta)
        }));
    }
    let mut sold = 0;
    for o in orders {
        match o.await.expect("task") {
            Ok(_) => sold += 1,
            Err(Error::App(AppError::OutOfStock { .. })) => {}
            Err(e) => panic!("checkout failed: {e}"),
        }
    }
    // The staff's net change, from what each adjustment reported (not from the ledger).
    let mut staff_net = 0i64;
    for a in adjustments {
        match a.await.expect("task") {
            Ok(delta) => staff_net += i64::from(delta),
            Err(Error::App(AppError::Validation { .. })) => {} // would have gone below zero
            Err(e) => panic!("adjustment failed: {e}"),
        }
    }
    let stock = stock_of(&pool, v).await;
    let (ledger_sum, sold_in_ledger, staff_in_ledger): (i64, i64, i64) = sqlx::query_as(
        "SELECT sum(delta)::BIGINT,
                coalesce(-sum(delta) FILTER (WHERE reason = 'sold'), 0)::BIGINT,
                coalesce(sum(delta) FILTER (WHERE reason IN ('received', 'damaged')), 0)::BIGINT
         FROM stock_movements WHERE variant_id = $1",
    )
    .bind(v)
    .fetch_one(&pool)
    .await
    .expect("ledger");
    assert_eq!(
        staff_in_ledger, staff_net,
        "each staff adjustment recorded once"
    );
    assert!(stock >= 0);
    assert_eq!(i64::from(stock), ledger_sum, "stock = initial + movements");
    assert_eq!(sold_in_ledger, sold, "one sold movement per order");
    assert_eq!(
        i64::from(stock),
        i64::from(initial) + staff_net - sold,
        "no unit lost or invented"
    );
    let linked: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT order_id) FROM stock_movements WHERE variant_id = $1 AND reason = 'sold'",
    )
    .bind(v)
    .fetch_one(&pool)
    .await
    .expect("linked");
    assert_eq!(linked, sold, "every sale names its order");
    // A count records the difference; going below zero is refused and records nothing.
    let after = inventory::adjust_stock(
        &pool,
        &me,
        v,
        StockReason::Correction,
        StockChange::CountedTo(7),
        "count",
        None,
    )
    .await
    .expect("counted");
    assert_eq!(after, 7);
    let refused = inventory::adjust_stock(
        &pool,
        &me,
        v,
        StockReason::Damaged,
        StockChange::By(-8),
        "",
        None,
    )
    .await;
    assert!(matches!(
        refused,
        Err(Error::App(AppError::Validation { .. }))
    ));
    let ledger: i64 =
        sqlx::query_scalar("SELECT sum(delta)::BIGINT FROM stock_movements WHERE variant_id = $1")
            .bind(v)
            .fetch_one(&pool)
            .await
            .expect("ledger");
    assert_eq!(ledger, 7);
    // The editor shows the history, newest first, with who and why.
    let p = product_of(&pool, v).await;
    let editor = admin::editor(&pool, &me, Some(p), Currency::Aed)
        .await
        .expect("editor");
    let newest = &editor.variants[0].history[0];
    assert_eq!(
        (newest.reason, newest.stock_after),
        (StockReason::Correction, 7)
    );
    assert_eq!(newest.by.as_deref(), Some("catalog_manager@duka.test"));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn drafts_publish_when_their_time_comes(pool: PgPool) {
    let me = staff(&pool, Role::CatalogManager).await;
    let mut due = form("Soon", "soon", 0);
    due.status = "draft".into();
    due.publish_at = "2020-01-01T09:00".into();
    let mut later = form("Later", "later", 0);
    later.status = "draft".into();
    later.publish_at = "2999-01-01T09:00".into();
    admin::create_product(
        &pool,
        &me,
        &due,
        &first_variant("SOON", 100),
        Currency::Aed,
        None,
    )
    .await
    .expect("due");
    admin::create_product(
        &pool,
        &me,
        &later,
        &first_variant("LATER", 100),
        Currency::Aed,
        None,
    )
    .await
    .expect("later");
    assert_eq!(admin::publish_due(&pool).await.expect("publish"), 1);
    let statuses: Vec<String> = sqlx::query_scalar("SELECT status FROM products ORDER BY slug")
        .fetch_all(&pool)
        .await
        .expect("statuses");
    assert_eq!(statuses, vec!["draft", "active"]);
    let unknown_category = {
        let mut f = form("X", "x", 0);
        f.categories = vec![999_999];
        admin::create_product(&pool, &me, &f, &first_variant("X", 1), Currency::Aed, None).await
    };
    assert!(matches!(
        unknown_category,
        Err(Error::App(AppError::Validation { .. }))
    ));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_export_streams_every_variant_and_keeps_formulas_as_text(pool: PgPool) {
    let me = staff(&pool, Role::Support).await;
    for i in 0..300 {
        variant(&pool, &format!("item-{i:03}"), 1_000 + i, 3, "active").await;
    }
    let hostile = product_of(&pool, variant(&pool, "hostile", 500, 1, "draft").await).await;
    sqlx::query("UPDATE products SET name = '=HYPERLINK(\"http://evil\",\"click\")', description = 'a, b\nc' WHERE id = $1")
        .bind(hostile)
        .execute(&pool)
        .await
        .expect("hostile name");
    let mut rx =
        admin::export_csv(pool.clone(), &me, AdminProductQuery::default(), 5).expect("export");
    let mut csv = String::new();
    let mut chunks = 0;
    while let Some(chunk) = rx.recv().await {
        csv.push_str(&chunk.expect("chunk"));
        chunks += 1;
    }
    assert!(chunks > 1, "streamed in chunks, not one body");
    let mut lines = csv.split("\r\n");
    assert_eq!(lines.next(), Some(admin::CSV_COLUMNS.join(",").as_str()));
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\""),
        "a formula stays text"
    );
    assert!(
        csv.contains("\"a, b\nc\""),
        "a description with a comma and a line break is one field"
    );
    // 301 variants plus the header; the description's line break is inside quotes.
    assert_eq!(csv.matches("\r\n").count(), 302);
    assert!(csv.contains("item-299,item-299,active,,,,,,ITEM-299,,12.99,,AED,3,0,\r\n"));
    // The list's filters choose what is exported.
    let drafts = AdminProductQuery::from_params([("status", "draft")]).expect("query");
    let mut rx = admin::export_csv(pool.clone(), &me, drafts, 5).expect("export");
    let mut only = String::new();
    while let Some(chunk) = rx.recv().await {
        only.push_str(&chunk.expect("chunk"));
    }
    assert_eq!(only.matches("\r\n").count(), 2, "{only}");
}

pub(crate) fn category(name: &str, parent: Option<i64>) -> app::model::catalog_admin::CategoryForm {
    app::model::catalog_admin::CategoryForm {
        name: name.into(),
        slug: app::model::catalog_admin::slugify(name),
        parent: parent.map(|p| p.to_string()).unwrap_or_default(),
        ..Default::default()
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_category_tree_refuses_cycles_and_deletes_only_with_an_answer(pool: PgPool) {
    let me = staff(&pool, Role::CatalogManager).await;
    let food = admin::save_category(&pool, &me, None, &category("Food", None), None)
        .await
        .expect("food");
    let dates = admin::save_category(&pool, &me, None, &category("Dates", Some(food)), None)
        .await
        .expect("dates");
    let medjool = admin::save_category(&pool, &me, None, &category("Medjool", Some(dates)), None)
        .await
        .expect("medjool");
    // Food under its own grandchild: refused, and nothing moved.
    let cycle = admin::save_category(
        &pool,
        &me,
        Some(food),
        &category("Food", Some(medjool)),
        None,
    )
    .await;
    assert!(
        matches!(&cycle, Err(Error::App(AppError::Validation { field, .. })) if field == "parent"),
        "{cycle:?}"
    );
    let itself =
        admin::save_category(&pool, &me, Some(food), &category("Food", Some(food)), None).await;
    assert!(
        matches!(&itself, Err(Error::App(AppError::Validation { field, .. })) if field == "parent"),
        "{itself:?}"
    );
    let taken = admin::save_category(&pool, &me, None, &category("Dates", None), None).await;
    assert!(
        matches!(&taken, Err(Error::App(AppError::Validation { field, .. })) if field == "slug"),
        "{taken:?}"
    );
    // Reorder and move: Medjool to the top level, first.
    let mut top = category("Medjool", None);
    top.position = 0;
    admin::save_category(&pool, &me, Some(medjool), &top, None)
        .await
        .expect("moved");
    let tree = admin::category_tree(&pool, &me).await.expect("tree");
    let names: Vec<(String, i32)> = tree
        .iter()
        .map(|c| (c.form.name.clone(), c.depth))
        .collect();
    assert_eq!(
        names,
        vec![
            ("Food".into(), 0),
            ("Dates".into(), 1),
            ("Medjool".into(), 0)
        ]
    );

    // Deleting Dates, which holds a product, asks where it goes; then moves it to Food and
    // its subcategories up.
    let v = variant(&pool, "ajwa", 4_000, 1, "active").await;
    let p = product_of(&pool, v).await;
    sqlx::query("INSERT INTO product_categories (product_id, category_id) VALUES ($1, $2)")
        .bind(p)
        .bind(dates)
        .execute(&pool)
        .await
        .expect("filed");
    let unanswered = admin::delete_category(&pool, &me, dates, None, None).await;
    assert!(
        matches!(&unanswered, Err(Error::App(AppError::Validation { message, .. })) if message.contains("holds 1 product:")),
        "{unanswered:?}"
    );
    admin::delete_category(&pool, &me, dates, Some(admin::ProductsGo::To(food)), None)
        .await
        .expect("deleted");
    let filed: Vec<i64> = sqlx::query_scalar("SELECT category_ids[1] FROM products WHERE id = $1")
        .bind(p)
        .fetch_all(&pool)
        .await
        .expect("filed");
    assert_eq!(filed, vec![food]);
    let support = staff(&pool, Role::Support).await;
    let refused = admin::delete_category(
        &pool,
        &support,
        food,
        Some(admin::ProductsGo::Nowhere),
        None,
    )
    .await;
    assert!(is_forbidden(&refused));
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action IN ('catalog.category_saved', 'catalog.category_deleted')",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, 5, "three created, one moved, one deleted");
}
