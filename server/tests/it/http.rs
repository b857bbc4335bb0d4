//! The router driven in-process (`tower::ServiceExt::oneshot`) over a real PostgreSQL:
//! status codes, pages, 404s, errors, health, static assets.

use crate::input_value;
use app::model::Currency;
use app::server::platform::config::Settings;
use app::server::{catalog, AppState};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use tower::ServiceExt;

struct Site(PathBuf);

impl Site {
    /// A throwaway site root with a fake built asset, its brotli twin and a public file.
    fn new() -> Self {
        let dir = crate::scratch_dir("site", "pkg");
        std::fs::write(dir.join("pkg/duka.abc123.wasm"), b"\0asm fake").expect("writes");
        std::fs::write(dir.join("pkg/duka.abc123.wasm.br"), b"brotli bytes").expect("writes");
        std::fs::write(dir.join("humans.txt"), b"Made in Lusaka and Dubai\n").expect("writes");
        Site(dir)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn state(pool: PgPool, site_root: &Path, hash_files: bool) -> AppState {
    state_with(pool, site_root, hash_files, &[])
}

/// The test state with `extra` settings from the environment.
fn state_with(
    pool: PgPool,
    site_root: &Path,
    hash_files: bool,
    extra: &[(&str, &str)],
) -> AppState {
    let root = site_root.display().to_string();
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let env = move |key: &str| {
        if let Some((_, value)) = extra.iter().find(|(k, _)| k == key) {
            return Some(value.clone());
        }
        match key {
            "DATABASE_URL" => Some("postgres://unused@127.0.0.1/unused".to_owned()),
            "DUKA_SITE_ROOT" => Some(root.clone()),
            "DUKA_MAIL_OUTBOX_DIR" => Some(format!("{root}/mail")),
            "DUKA_MEDIA_DIR" => Some(format!("{root}/media")),
            "DUKA_STORE_NAME" => Some("Test Souq".to_owned()),
            "DUKA_STORE_CURRENCY" => Some("AED".to_owned()),
            "LEPTOS_HASH_FILES" => Some(hash_files.to_string()),
            _ => None,
        }
    };
    let settings = Settings::load_from("test", None, &env).expect("settings");
    AppState::new(settings, pool, None).expect("state")
}

fn media(site: &Site) -> app::server::platform::media::MediaStore {
    app::server::platform::media::MediaStore::new(site.0.join("media"))
}

async fn seeded_app(pool: PgPool, site: &Site) -> Router {
    catalog::seed(&pool, &media(site), Currency::Aed, 40)
        .await
        .expect("seeds");
    duka_server::router(state(pool, &site.0, false))
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// The nonce on the page's hydration script.
fn script_nonce(body: &str) -> String {
    let at = body
        .find("<script type=\"module\" nonce=\"")
        .expect("a module script with a nonce")
        + "<script type=\"module\" nonce=\"".len();
    body[at..].split('"').next().unwrap_or_default().to_owned()
}

async fn get(app: &Router, path: &str) -> (StatusCode, HeaderMap, String) {
    send(
        app,
        Request::get(path).body(Body::empty()).expect("request"),
    )
    .await
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn health_and_readiness(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool.clone(), &site).await;
    let (status, _, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r#"{"status":"ok"}"#);

    let (status, headers, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(json["status"], "ready");
    assert_eq!(json["checks"]["database"], "ok");
    assert_eq!(json["checks"]["redis"], "not_configured");
    assert_eq!(json["search"]["engine"], "postgres");
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");

    // With the database gone, readiness says so (and health still answers).
    pool.close().await;
    let (status, _, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains(r#""database":"unavailable""#), "{body}");
    assert_eq!(get(&app, "/healthz").await.0, StatusCode::OK);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn home_page_lists_active_products(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool, &site).await;
    let (status, headers, body) = get(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or("")
        .starts_with("text/html"));
    assert!(
        body.starts_with("<!DOCTYPE html>"),
        "{}",
        &body[..body.len().min(200)]
    );
    assert!(body.contains("Test Souq"), "store name in the page");
    assert!(body.contains("Linen Shirt"));
    assert!(
        body.contains("From AED 149.00"),
        "variants at different prices"
    );
    assert!(body.contains(r#"href="/products/linen-shirt""#));
    assert!(!body.contains("Travel Prayer Mat"), "draft hidden");
    // Islands mode: the only island on the home page is the header's search box.
    assert!(
        body.contains("/pkg/duka"),
        "hydration scripts are referenced"
    );
    assert_eq!(
        body.matches("<leptos-island").count(),
        1,
        "one island on the home page"
    );
    assert!(body.contains(r#"<leptos-island data-component="SearchBox"#));
    assert!(
        body.contains(r#"href="/collections/clothing""#),
        "top categories"
    );
    assert!(
        body.contains(r#"<link href="http://127.0.0.1:3000/" rel="canonical">"#),
        "{body}"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn product_page_renders_with_its_island_and_structured_data(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool, &site).await;
    let (status, _, body) = get(&app, "/products/leather-sandals").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<h1>Leather Sandals</h1>"), "{body}");
    assert!(
        body.contains("<title>Leather Sandals · Test Souq</title>"),
        "{body}"
    );
    assert!(body.contains("Only a few left"), "size 40 has 3 left");
    assert!(
        body.contains("<leptos-island"),
        "the variant picker is an island"
    );
    assert!(
        body.contains(r#"<script type="application/json" id="variant-picker-data">{"options":[{"name":"Size","values":["40","41","42","43"]}]"#),
        "the picker's data travels as JSON beside it: {body}"
    );
    assert!(
        body.contains(r#"max="3""#),
        "quantity limited to the variant's stock"
    );
    assert!(body.contains(
        r#"<link href="http://127.0.0.1:3000/products/leather-sandals" rel="canonical">"#
    ));
    assert!(
        body.contains(r#"<meta property="og:type" content="product">"#),
        "{body}"
    );
    assert!(body.contains(r#""@type":"Product""#) && body.contains(r#""@type":"BreadcrumbList""#));
    assert!(
        body.contains(r#""availability":"https://schema.org/OutOfStock""#),
        "size 41 is sold out"
    );
    assert!(body.contains(r#""priceCurrency":"AED""#));
    assert!(
        body.contains(r#"<a href="/collections/shoes">Shoes</a>"#),
        "breadcrumb"
    );

    // Rich text: emphasis and lists as elements, markers gone.
    let (_, _, shirt) = get(&app, "/products/linen-shirt").await;
    assert!(
        shirt.contains("<strong>stone-washed linen</strong>"),
        "{shirt}"
    );
    assert!(shirt.contains("<li>Relaxed fit<!></li>"), "{shirt}");
    assert!(!shirt.contains("**"));

    // Choosing a variant through the URL, as the no-JavaScript form does.
    let (status, _, body) = get(&app, "/products/leather-sandals?Size=42").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"value="42" checked"#), "{body}");
    assert!(body.contains(r#"max="2""#), "size 42 has 2");
    let (_, _, body) = get(&app, "/products/linen-shirt?variant=DK-LINEN-SHIRT-XL-SAND").await;
    assert!(body.contains("AED 159.00"), "the XL price");
    let (_, _, body) = get(
        &app,
        "/products/linen-shirt?variant=DK-LINEN-SHIRT-XL-WHITE",
    )
    .await;
    assert!(body.contains("Sold out"));

    // A single-variant product still gets its price and quantity.
    let (status, _, body) = get(&app, "/products/oud-candle").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Sold out"));
    assert!(body.contains("AED 99.00"));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn collection_pages_filter_sort_and_paginate_through_the_url(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool, &site).await;
    let (status, _, body) = get(&app, "/collections/clothing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("<h1 class=\"page-title\">Clothing</h1>"),
        "{body}"
    );
    assert!(body.contains("Linen Shirt"));
    assert!(
        body.contains(r#"href="/collections/shirts""#),
        "subcategories"
    );
    assert!(body
        .contains(r#"<link href="http://127.0.0.1:3000/collections/clothing" rel="canonical">"#));
    assert!(!body.contains("noindex"), "the plain listing is indexable");

    let (status, _, body) = get(
        &app,
        "/collections/clothing?f.material=linen&sort=price-asc",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains(r#"<meta name="robots" content="noindex, follow">"#),
        "filtered pages are not indexed"
    );
    assert!(body.contains("Linen Shirt"));
    assert!(!body.contains("Cotton Thobe"), "filtered out");

    let (status, _, body) = get(&app, "/collections/clothing?per_page=2&page=999").await;
    assert_eq!(status, StatusCode::OK, "past the end shows the last page");
    assert!(body.contains("rel=\"prev\""), "{body}");
    for junk in [
        "?page=-1",
        "?per_page=99999999",
        "?min=abc&max=-5",
        "?sort=%3Cscript%3E",
        "?f.%3Cx%3E=1",
    ] {
        let (status, _, body) = get(&app, &format!("/collections/clothing{junk}")).await;
        assert_eq!(status, StatusCode::OK, "{junk}");
        assert!(
            !body.contains("<script>") && !body.contains("<x>"),
            "{junk}"
        );
    }
    assert_eq!(
        get(&app, "/collections/no-such-category").await.0,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn unknown_hidden_and_malformed_products_are_404(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool, &site).await;
    for path in [
        "/products/no-such-thing",
        "/products/prayer-mat",
        "/products/Linen-Shirt",
        "/products/..%2F..%2Fetc%2Fpasswd",
        "/products/%F0%9F%98%80",
        "/no/such/page",
        "/pkg/missing.js",
    ] {
        let (status, headers, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        if !path.starts_with("/pkg/") {
            assert!(body.contains("Page not found"), "{path}: {body}");
            assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{path}");
        }
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn markup_in_product_text_is_shown_as_text(pool: PgPool) {
    let site = Site::new();
    crate::support::product(
        &pool,
        "xss",
        (
            "</title><img src=x onerror=alert(1)>",
            "",
            "<script>alert(\"pwned\")</script>",
        ),
        100,
        5,
        "active",
    )
    .await;
    // The alt text travels in the variant picker's JSON as well as in the <img>.
    sqlx::query(
        "INSERT INTO product_images (product_id, alt, storage_key, width, height)
         SELECT id, '</script><script>alert(1)</script>', repeat('a', 24), 10, 10
         FROM products WHERE slug = 'xss'",
    )
    .execute(&pool)
    .await
    .expect("inserts");
    let app = duka_server::router(state(pool, &site.0, false));
    for path in ["/", "/products/xss"] {
        let (status, _, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !body.contains("<script>alert"),
            "{path}: script must be escaped"
        );
        assert!(
            !body.contains("<img src=x"),
            "{path}: markup must be escaped: {body}"
        );
        assert!(
            !body.contains("</title><img"),
            "{path}: the title must not be closed early"
        );
        assert!(
            body.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{path}: {body}"
        );
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn an_internal_error_is_a_500_page_without_internals(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool.clone(), &site).await;
    sqlx::query("ALTER TABLE products RENAME TO products_moved")
        .execute(&pool)
        .await
        .expect("renames");
    for path in ["/", "/products/linen-shirt"] {
        let (status, _, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        // The storefront's error page (not the panic fallback), with a reference to quote.
        assert!(body.contains("<h1>Something went wrong</h1>"), "{body}");
        assert!(
            body.contains("something went wrong on our side (reference "),
            "{body}"
        );
        assert!(body.contains("Back to the shop"), "{body}");
        for leak in [
            "relation",
            "does not exist",
            "products_moved",
            "sqlx",
            "SELECT",
        ] {
            assert!(!body.contains(leak), "{path} leaks {leak:?}: {body}");
        }
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn static_assets_are_precompressed_and_cached(pool: PgPool) {
    let site = Site::new();
    let app = duka_server::router(state(pool, &site.0, true));
    let req = Request::get("/pkg/duka.abc123.wasm")
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .body(Body::empty())
        .expect("request");
    let (status, headers, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(body, "brotli bytes");
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );

    let (status, headers, body) = get(&app, "/humans.txt").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with("Made in"));
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=86400");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn server_functions_answer_with_typed_errors(pool: PgPool) {
    use leptos::server_fn::ServerFn;
    let site = Site::new();
    let app = seeded_app(pool, &site).await;
    let path = <app::api::catalog::GetProduct as ServerFn>::PATH;
    let post = |body: &'static str| {
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body))
            .expect("request")
    };
    let (status, _, body) = send(&app, post("slug=linen-shirt")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(json["name"], "Linen Shirt");
    assert_eq!(json["variants"][0]["price"]["minor"], 14_900);
    assert_eq!(json["variants"][0]["price"]["currency"], "AED");
    assert_eq!(json["options"][0]["name"], "Size");

    let (status, _, body) = send(&app, post("slug=no-such-thing")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body.contains("not_found"), "{body}");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn server_functions_refuse_bad_arguments_with_a_4xx(pool: PgPool) {
    use leptos::server_fn::ServerFn;
    let site = Site::new();
    let app = seeded_app(pool, &site).await;
    let path = <app::api::catalog::GetProduct as ServerFn>::PATH;
    // Undecodable input is read leniently (a slug of "%ZZ"), which no product has: a 404.
    let (status, _, text) = send(
        &app,
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("slug=%ZZ"))
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{text}");
    for body in ["", "nonsense=1"] {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        let (status, _, text) = send(&app, req).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:?}: {text}");
        assert!(text.contains("validation"), "{body:?}: {text}");
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn trailing_slashes_redirect_to_the_one_url(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool, &site).await;
    let (status, headers, _) = get(&app, "/products/linen-shirt/").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(headers[header::LOCATION], "/products/linen-shirt");
    let (_, headers, _) = get(&app, "/products/linen-shirt/?a=1").await;
    assert_eq!(headers[header::LOCATION], "/products/linen-shirt?a=1");
    // Never an open redirect to another host.
    for path in ["//evil.example/", "/%5Cevil.example/"] {
        let (status, headers, _) = get(&app, path).await;
        let location = headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap_or("").to_owned());
        assert!(
            location
                .as_deref()
                .is_none_or(|l| !l.starts_with("//") && !l.starts_with("/\\")),
            "{path}: {status} {location:?}"
        );
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn pages_carry_security_headers_and_are_not_cached_as_files(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool, &site).await;
    for path in [
        "/",
        "/products/linen-shirt",
        "/no/such/page",
        "/humans.txt",
        "/healthz",
    ] {
        let (_, headers, _) = get(&app, path).await;
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert!(headers.contains_key(header::REFERRER_POLICY), "{path}");
        assert!(
            headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap_or("")
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
    }
    let (status, headers, _) = get(&app, "/products/linen-shirt").await;
    assert_eq!(status, StatusCode::OK);
    let cache = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        !cache.contains("max-age=86400"),
        "a page must not get the public-files lifetime: {cache}"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn robots_and_sitemaps_list_every_active_page(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool.clone(), &site).await;
    let (status, headers, body) = get(&app, "/robots.txt").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or("")
        .starts_with("text/plain"));
    assert!(
        body.contains("Sitemap: http://127.0.0.1:3000/sitemap.xml"),
        "{body}"
    );

    let (status, _, index) = get(&app, "/sitemap.xml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(index.contains("<sitemapindex"), "{index}");
    assert!(index.contains("<loc>http://127.0.0.1:3000/sitemaps/categories.xml</loc>"));
    assert!(index.contains("<loc>http://127.0.0.1:3000/sitemaps/products-1.xml</loc>"));
    assert!(
        !index.contains("products-2.xml"),
        "40 products fit in one file"
    );

    let (status, _, products) = get(&app, "/sitemaps/products-1.xml").await;
    assert_eq!(status, StatusCode::OK);
    let active: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE status = 'active'")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(products.matches("<url>").count() as i64, active);
    assert!(products.contains("<loc>http://127.0.0.1:3000/products/linen-shirt</loc>"));
    assert!(!products.contains("prayer-mat"), "drafts are not listed");
    let (_, _, categories) = get(&app, "/sitemaps/categories.xml").await;
    assert_eq!(categories.matches("<url>").count(), 13);
    assert!(categories.contains("/collections/clothing</loc>"));
    for missing in [
        "/sitemaps/products-2.xml",
        "/sitemaps/products-0.xml",
        "/sitemaps/other.xml",
    ] {
        assert_eq!(
            get(&app, missing).await.0,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn anonymous_pages_are_cached_with_etags_until_the_catalog_changes(pool: PgPool) {
    let site = Site::new();
    catalog::seed(&pool, &media(&site), Currency::Aed, 12)
        .await
        .expect("seeds");
    let state = state(pool.clone(), &site.0, false);
    let cache = state.cache.clone();
    let app = duka_server::router(state);
    let path = "/products/chitenge-tote";

    let (status, headers, first) = get(&app, path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-duka-cache"], "miss");
    let etag = headers[header::ETAG].clone();
    let (_, headers, second) = get(&app, path).await;
    assert_eq!(headers["x-duka-cache"], "hit");
    assert_eq!(headers[header::ETAG], etag);
    let (first_nonce, second_nonce) = (script_nonce(&first), script_nonce(&second));
    assert_ne!(
        first_nonce, second_nonce,
        "every response gets its own nonce"
    );
    assert_eq!(
        first.replace(&first_nonce, ""),
        second.replace(&second_nonce, "")
    );
    assert_eq!(
        headers[header::X_FRAME_OPTIONS],
        "DENY",
        "cached pages keep the security headers"
    );

    // A browser revalidating with the ETag gets a 304 and no body.
    let req = Request::get(path)
        .header(header::IF_NONE_MATCH, etag.clone())
        .body(Body::empty())
        .expect("request");
    let (status, _, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());

    // A request with cookies is never served from, nor stored in, the shared cache.
    let req = Request::get(path)
        .header(header::COOKIE, "session=abc")
        .body(Body::empty())
        .expect("request");
    let (_, headers, _) = send(&app, req).await;
    assert!(!headers.contains_key("x-duka-cache"));

    // A price change from any writer (here plain SQL) reaches the page once committed:
    // the server follows the catalog triggers' notifications.
    catalog::follow_changes(&pool, cache.clone(), Default::default(), None)
        .await
        .expect("listens");
    sqlx::query("UPDATE variants SET price_minor = 5900 WHERE sku = 'DK-CHITENGE-TOTE'")
        .execute(&pool)
        .await
        .expect("updates");
    let mut fresh = None;
    for _ in 0..100 {
        let (_, headers, body) = get(&app, path).await;
        if body.contains("AED 59.00") {
            fresh = Some(headers);
            break;
        }
        assert!(body.contains("AED 65.00"), "old price until invalidated");
        tokio::time::sleep(catalog::COALESCE_WINDOW).await;
    }
    let headers = fresh.expect("the new price shows within 5 s of the commit");
    assert_eq!(headers["x-duka-cache"], "miss");
    assert_ne!(headers[header::ETAG], etag);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn product_images_are_served_in_every_rendition_with_dimensions(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool, &site).await;
    let (_, _, page) = get(&app, "/products/silk-scarf").await;
    assert!(page.contains("<picture>"), "{page}");
    assert!(page.contains(r#"type="image/webp""#));
    assert!(
        page.contains(r#"width="800" height="800""#),
        "dimensions reserve the space"
    );
    assert!(page.contains(r#"alt="Silk Scarf in Indigo""#), "{page}");
    assert!(
        page.contains(r#"<meta property="og:image" content="http://127.0.0.1:3000/media/"#),
        "link previews get a picture"
    );
    assert!(
        page.contains(r#""image":"http://127.0.0.1:3000/media/"#),
        "and so does the JSON-LD"
    );
    // Every URL the page offers is served, immutable, with the right type.
    let urls: std::collections::BTreeSet<String> = page
        .split(['"', ' ', ','])
        .filter(|s| s.starts_with("/media/"))
        .map(str::to_owned)
        .collect();
    assert!(urls.len() >= 6, "{urls:?}");
    for url in urls {
        let (status, headers, _) = get(&app, &url).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        let expected = if url.ends_with(".webp") {
            "image/webp"
        } else {
            "image/png"
        };
        assert_eq!(headers[header::CONTENT_TYPE], expected, "{url}");
    }
    // Listing cards carry thumbnails.
    let (_, _, home) = get(&app, "/").await;
    assert!(home.matches("<picture>").count() >= 8, "{home}");
    // humans.txt exists two levels up from the renditions directory: never reachable.
    for path in ["/media/../../humans.txt", "/media/%2e%2e/%2e%2e/humans.txt"] {
        let (status, _, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("Made in"), "{path}");
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn search_pages_answer_any_query_without_a_5xx(pool: PgPool) {
    let site = Site::new();
    catalog::seed(&pool, &media(&site), Currency::Aed, 40)
        .await
        .expect("seeds");
    crate::support::product(
        &pool,
        "xss-lamp",
        ("Lamp <script>alert(1)</script>", "", "A <b>bold</b> lamp"),
        100,
        5,
        "active",
    )
    .await;
    let app = duka_server::router(state(pool, &site.0, false));

    let (status, headers, body) = get(&app, "/search?q=linen").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<mark>Linen</mark>"), "{body}");
    assert!(body.contains(r#"href="/products/linen-shirt""#));
    assert!(body.contains(r#"<meta name="robots" content="noindex, follow">"#));
    assert!(
        !headers.contains_key("x-duka-cache"),
        "results are not page-cached"
    );

    let (_, _, body) = get(&app, "/search?q=linnen").await;
    assert!(
        body.contains("Showing results for <strong>linen</strong>"),
        "{body}"
    );
    let (_, _, body) = get(&app, "/search?q=zzzzqqq").await;
    assert!(body.contains("No products match"), "{body}");
    assert!(body.contains("Popular right now"), "{body}");

    // Product text is shown as text inside highlights too.
    let (_, _, body) = get(&app, "/search?q=lamp").await;
    assert!(body.contains("<mark>Lamp</mark> &lt;script&gt;"), "{body}");
    assert!(!body.contains("<script>alert"));

    let long = "q=".to_owned() + &"x".repeat(5_000);
    for query in [
        "",
        "q=",
        "q=%22",
        "q=%27%20OR%201%3D1%20--",
        "q=%26%7C!()%3A*",
        "q=price%3A%3C10&category=..%2Fetc",
        "q=%F0%9F%A7%A3",
        "q=%D9%88%D8%B4%D8%A7%D8%AD",
        "q=linen&page=-1&per_page=999999&min=abc&max=-5&sort=%3Cx%3E",
        long.as_str(),
    ] {
        let (status, _, _) = get(&app, &format!("/search?{query}")).await;
        assert_eq!(status, StatusCode::OK, "/search?{query}");
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn suggestions_are_json_for_the_search_box(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool, &site).await;

    // A misspelt, unfinished name still finds the product.
    let (status, headers, body) = get(&app, "/search/suggest?q=linnen%20shi").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=60");
    let offers: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let first = &offers[0];
    assert_eq!(first["name"], "Linen Shirt", "{body}");
    assert_eq!(first["href"], "/products/linen-shirt");
    assert!(
        first["price"].as_str().is_some_and(|p| p.contains("AED")),
        "{body}"
    );
    assert!(
        first["image"]
            .as_str()
            .is_some_and(|src| src.starts_with("/media/") && src.ends_with("-320.webp")),
        "{body}"
    );
    assert!(offers.as_array().is_some_and(|o| o.len() <= 6));

    // Nothing to go on, or nothing found: an empty list, never an error.
    // (A NUL is refused before it gets here: see hardening.rs.)
    for query in ["", "q=", "q=%20%20", "q=%26%7C!()", "q=zzzzqqqq"] {
        let (status, _, body) = get(&app, &format!("/search/suggest?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(body, "[]", "{query}");
    }
    let long = "q=".to_owned() + &"linen%20".repeat(2_000);
    let (status, _, body) = get(&app, &format!("/search/suggest?{long}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Linen Shirt"));

    // The header's search box is in every page, as a form that works without JavaScript.
    let (_, _, body) = get(&app, "/").await;
    let form = body
        .split("<form ")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_default();
    for attribute in [
        r#"method="get""#,
        r#"action="/search""#,
        r#"role="search""#,
        r#"class="site-search""#,
        r#"data-hydrated="false""#,
    ] {
        assert!(form.contains(attribute), "{attribute} in <form {form}>");
    }
    assert!(body.contains(r#"role="combobox""#), "{body}");
    assert!(
        body.contains("<leptos-island data-component=\"SearchBox"),
        "{body}"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn pages_allow_only_their_own_nonced_script(pool: PgPool) {
    let site = Site::new();
    let app = seeded_app(pool, &site).await;
    let mut nonces = Vec::new();
    // A miss, then hits from the page cache, then a page that is never cached.
    for path in [
        "/products/linen-shirt",
        "/products/linen-shirt",
        "/products/linen-shirt",
        "/search?q=linen",
    ] {
        let (status, headers, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let csp = headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("ascii");
        let nonce = script_nonce(&body);
        assert!(nonce.len() >= 16, "{nonce}");
        assert!(
            csp.contains(&format!("script-src 'self' 'nonce-{nonce}'")),
            "{csp}"
        );
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
            "{csp}"
        );
        assert!(
            csp.contains("object-src 'none'") && csp.contains("base-uri 'none'"),
            "{csp}"
        );
        assert!(
            !headers.contains_key(app::ui::CSP_NONCE_HEADER),
            "the internal header never leaves"
        );
        // Every script that runs carries the nonce (none would run otherwise); JSON data
        // blocks (`type="application/..."`) never run.
        assert_eq!(
            body.matches("<script").count() - body.matches("<script type=\"application/").count(),
            body.matches(&format!("nonce=\"{nonce}\"")).count(),
            "{path}"
        );
        nonces.push(nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 4, "a nonce is never reused");

    // A 304 keeps the policy stored with the browser's copy: it sends none.
    let (_, headers, _) = get(&app, "/products/linen-shirt").await;
    let req = Request::get("/products/linen-shirt")
        .header(header::IF_NONE_MATCH, headers[header::ETAG].clone())
        .body(Body::empty())
        .expect("request");
    let (status, headers, _) = send(&app, req).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(!headers.contains_key(header::CONTENT_SECURITY_POLICY));

    // Anything that is not a page runs nothing.
    let (_, headers, _) = get(&app, "/healthz").await;
    let csp = headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii");
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    // Served over plain HTTP in tests: no HSTS (it would lock a local shop out of itself).
    assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn cross_origin_state_changes_are_refused(pool: PgPool) {
    use leptos::server_fn::ServerFn;
    let site = Site::new();
    let app = seeded_app(pool, &site).await;
    let path = <app::api::catalog::GetProduct as ServerFn>::PATH;
    let post = |extra: &[(&'static str, &'static str)]| {
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "shop.test");
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        req.body(Body::from("slug=linen-shirt")).expect("request")
    };
    for (extra, expected) in [
        (
            vec![("sec-fetch-site", "cross-site")],
            StatusCode::FORBIDDEN,
        ),
        (vec![("sec-fetch-site", "same-site")], StatusCode::FORBIDDEN),
        (
            vec![("origin", "https://evil.example")],
            StatusCode::FORBIDDEN,
        ),
        (
            vec![("origin", "null"), ("cookie", "a=b")],
            StatusCode::FORBIDDEN,
        ),
        // A cookie-carrying request that says nothing of where it comes from.
        (vec![("cookie", "a=b")], StatusCode::FORBIDDEN),
        // Fetch metadata decides even when Origin looks right.
        (
            vec![
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://shop.test"),
            ],
            StatusCode::FORBIDDEN,
        ),
        (
            vec![("sec-fetch-site", "same-origin"), ("cookie", "a=b")],
            StatusCode::OK,
        ),
        (
            vec![("origin", "http://shop.test"), ("cookie", "a=b")],
            StatusCode::OK,
        ),
        // No cookie and no browser provenance (a webhook, a script): nothing to forge.
        (vec![], StatusCode::OK),
    ] {
        let (status, headers, body) = send(&app, post(&extra)).await;
        assert_eq!(status, expected, "{extra:?}: {body}");
        if expected == StatusCode::FORBIDDEN {
            assert!(body.contains("did not come from this shop"), "{body}");
            assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        }
    }
    // Reads are never refused.
    let req = Request::get("/products/linen-shirt")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&app, req).await.0, StatusCode::OK);
}

// ---- Accounts over HTTP: plain forms, cookies, ownership, throttling --------------------

const ORIGIN: &str = "http://127.0.0.1:3000";

/// A form post as a browser without JavaScript sends it, from `from` (a page of this site).
fn form_post(path: &str, from: &str, body: &str, cookies: &str) -> Request<Body> {
    let mut req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::ORIGIN, ORIGIN)
        .header(header::REFERER, format!("{ORIGIN}{from}"));
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies);
    }
    req.body(Body::from(body.to_owned())).expect("request")
}

fn get_with(path: &str, cookies: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookies)
        .body(Body::empty())
        .expect("request")
}

/// The `name=value` pairs a response sets, joined as a `Cookie` header would carry them.
fn cookies_set(headers: &HeaderMap) -> String {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

fn location(headers: &HeaderMap) -> &str {
    headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn path_of<T: leptos::server_fn::ServerFn>() -> &'static str {
    T::PATH
}

async fn newest_link(pool: &PgPool, marker: &str) -> String {
    let text: String =
        sqlx::query_scalar("SELECT text_body FROM email_outbox ORDER BY id DESC LIMIT 1")
            .fetch_one(pool)
            .await
            .expect("an email");
    let start = text.find(marker).expect("link in the email") + marker.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Registers, confirms and signs in through the forms; returns the session cookies.
async fn sign_up(app: &Router, pool: &PgPool, email: &str) -> String {
    use app::api::account::{Register, SignIn, VerifyEmail};
    let password = "Tamu-Tamu-Ndizi-42";
    let (status, headers, _) = send(
        app,
        form_post(
            path_of::<Register>(),
            "/account/register",
            &format!("email={email}&password={password}"),
            "",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location(&headers), "/account/registered");
    let token = newest_link(pool, "/account/verify?token=").await;
    let (status, headers, _) = send(
        app,
        form_post(
            path_of::<VerifyEmail>(),
            "/account/verify",
            &format!("token={token}"),
            "",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location(&headers), "/account/sign-in?verified=1");
    let (status, headers, _) = send(
        app,
        form_post(
            path_of::<SignIn>(),
            "/account/sign-in",
            &format!("email={email}&password={password}&next=%2Faccount"),
            "",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location(&headers), "/account");
    let set: Vec<_> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .collect();
    // The session's two cookies and the browser's device cookie.
    assert_eq!(set.len(), 3, "{set:?}");
    // The device cookie goes to server functions only, so pages stay cacheable.
    assert!(
        set.iter()
            .any(|c| c.starts_with("duka_device=") && c.contains("; Path=/api;")),
        "{set:?}"
    );
    for cookie in &set {
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
                && cookie.contains("Path=/"),
            "{cookie}"
        );
    }
    cookies_set(&headers)
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_customer_signs_up_keeps_addresses_and_signs_out_through_plain_forms(pool: PgPool) {
    use app::api::account::{DeleteAddress, SaveAddress, SignIn, SignOut};
    let site = Site::new();
    let app = duka_server::router(state(pool.clone(), &site.0, false));

    // Anonymous: the account page sends you to sign in and back.
    let (status, headers, _) = get(&app, "/account").await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location(&headers), "/account/sign-in?next=%2Faccount");

    // A wrong password comes back to the form with a message, not a status page.
    let (status, headers, _) = send(
        &app,
        form_post(
            path_of::<SignIn>(),
            "/account/sign-in",
            "email=amina%40example.com&password=wrong-password-1",
            "",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let back = location(&headers).to_owned();
    assert!(
        back.starts_with(&format!("{ORIGIN}/account/sign-in?")) && back.contains("__err="),
        "{back}"
    );
    let (_, _, page) = get(&app, back.trim_start_matches(ORIGIN)).await;
    assert!(
        page.contains("The email or password is not right"),
        "{page}"
    );

    let amina = sign_up(&app, &pool, "amina%40example.com").await;
    let (status, headers, page) = send(&app, get_with("/account", &amina)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("amina@example.com"));
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");

    // An address, through the form.
    let fields = "address%5Bname%5D=Amina&address%5Bline1%5D=Plot+5+Cairo+Road&address%5Bcity%5D=Lusaka&address%5Bcountry%5D=ZM&address%5Bis_default%5D=on";
    let (status, headers, _) = send(
        &app,
        form_post(
            path_of::<SaveAddress>(),
            "/account/addresses",
            fields,
            &amina,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND, "{headers:?}");
    assert_eq!(location(&headers), "/account/addresses?done=saved");
    let (_, _, page) = send(&app, get_with("/account/addresses", &amina)).await;
    assert!(page.contains("Lusaka") && page.contains("Zambia"), "{page}");
    let address_id: i64 = sqlx::query_scalar("SELECT id FROM addresses")
        .fetch_one(&pool)
        .await
        .expect("saved");

    // Another customer: Amina's address is a 404 to read, change or delete.
    let zola = sign_up(&app, &pool, "zola%40example.com").await;
    let (status, _, _) = send(
        &app,
        get_with(&format!("/account/addresses/{address_id}"), &zola),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let delete = |cookies: &str, origin: &'static str| {
        Request::post(path_of::<DeleteAddress>())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, origin)
            .header(header::COOKIE, cookies.to_owned())
            .body(Body::from(format!("id={address_id}")))
            .expect("request")
    };
    let (status, _, body) = send(&app, delete(&zola, ORIGIN)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // Amina's own cookies from another site: refused before anything runs.
    let (status, _, _) = send(&app, delete(&amina, "https://evil.example")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM addresses")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(left, 1, "nothing was deleted");

    // The export is a JSON download of her data only.
    let (status, headers, body) = send(&app, get_with("/account/export.json", &amina)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_DISPOSITION]
        .to_str()
        .expect("ascii")
        .starts_with("attachment"));
    let export: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(export["account"]["email"], "amina@example.com");
    assert_eq!(export["addresses"][0]["city"], "Lusaka");
    assert!(!body.contains("zola"));

    // With only the refresh cookie (the access token expired), the layer refreshes.
    let refresh_only = amina
        .split("; ")
        .filter(|c| c.starts_with("duka_rt="))
        .collect::<String>();
    let (status, headers, _) = send(&app, get_with("/account", &refresh_only)).await;
    assert_eq!(status, StatusCode::OK);
    let renewed = cookies_set(&headers);
    assert!(
        renewed.contains("duka_at=") && renewed.contains("duka_rt="),
        "{renewed}"
    );

    // Signing out clears the cookies and ends the session: the old cookies stop working.
    let (status, headers, _) = send(
        &app,
        form_post(path_of::<SignOut>(), "/account", "", &renewed),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(headers
        .get_all(header::SET_COOKIE)
        .iter()
        .all(|v| v.to_str().expect("ascii").contains("Max-Age=0")));
    let (status, headers, _) = send(&app, get_with("/account", &renewed)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(location(&headers).starts_with("/account/sign-in"));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn sign_in_is_throttled_per_account_whatever_x_forwarded_for_says(pool: PgPool) {
    use app::api::account::SignIn;
    let site = Site::new();
    let app = duka_server::router(state(pool.clone(), &site.0, false));
    let attempt = |n: usize, email: &str| {
        Request::post(path_of::<SignIn>())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, ORIGIN)
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .body(Body::from(format!(
                "email={email}&password=Guess-Number-{n:04}"
            )))
            .expect("request")
    };
    let limit = app::server::platform::limits::SIGN_IN_PER_ACCOUNT.max as usize;
    for n in 0..limit {
        let (status, _, _) = send(&app, attempt(n, "amina%40example.com")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {n}");
    }
    let (status, headers, body) = send(&app, attempt(limit, "amina%40example.com")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry), "{retry}");
    // The same client on other accounts is also bounded (here every request shares the socket).
    let per_client = app::server::platform::limits::SIGN_IN_PER_CLIENT.max as usize;
    let mut limited = false;
    for n in 0..per_client {
        let (status, _, _) = send(&app, attempt(n, &format!("user{n}%40example.com"))).await;
        limited |= status == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(limited, "per-client limit reached");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn staff_sign_in_takes_a_second_factor_and_customers_get_no_staff_data(pool: PgPool) {
    use app::api::admin::{ConfirmEnrolment, GetDashboard, StaffCode, StaffSignIn};
    use app::server::accounts::{password::Hasher, staff, totp};
    let site = Site::new();
    let st = state(pool.clone(), &site.0, false);
    let app = duka_server::router(st.clone());
    let password = "Keeper-Of-The-Souq-77";
    staff::create_owner(
        &pool,
        &Hasher::new(1),
        "boss@shop.test",
        &secrecy::SecretString::from(password.to_owned()),
    )
    .await
    .expect("owner");

    // A customer's session calling a staff function: refused, no data.
    let amina = sign_up(&app, &pool, "amina%40example.com").await;
    let call = |cookies: &str| {
        Request::post(path_of::<GetDashboard>())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, ORIGIN)
            .header(header::COOKIE, cookies.to_owned())
            .body(Body::empty())
            .expect("request")
    };
    let (status, _, body) = send(&app, call(&amina)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(!body.contains("boss@shop.test"));
    let (status, headers, _) = send(&app, get_with("/admin", &amina)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location(&headers), "/admin/sign-in");

    // Password step: a challenge cookie and the enrolment page, not a session.
    let (status, headers, _) = send(
        &app,
        form_post(
            path_of::<StaffSignIn>(),
            "/admin/sign-in",
            &format!("email=boss%40shop.test&password={password}"),
            "",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location(&headers), "/admin/enrol");
    let challenge = cookies_set(&headers);
    assert!(challenge.starts_with("duka_staff_2fa="), "{challenge}");
    let (status, _, _) = send(&app, call(&challenge)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a challenge is not a session"
    );
    let (status, _, page) = send(&app, get_with("/admin/enrol", &challenge)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("data:image/svg+xml;base64,") && page.contains("recovery-codes"),
        "{page}"
    );

    let boss: i64 = sqlx::query_scalar("SELECT account_id FROM staff_totp")
        .fetch_one(&pool)
        .await
        .expect("enrolling");
    let secret = app::server::accounts::two_factor::stored_secret(&pool, &st.accounts.sealer, boss)
        .await
        .expect("opens")
        .expect("secret");
    let code = totp::code_for_step(&secret, totp::step_at(app::server::auth::now()));
    let (status, headers, _) = send(
        &app,
        form_post(
            path_of::<ConfirmEnrolment>(),
            "/admin/enrol",
            &format!("code={code}"),
            &challenge,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location(&headers), "/admin");
    let staff_cookies = cookies_set(&headers);
    assert!(
        staff_cookies.contains("duka_staff_at=") && staff_cookies.contains("duka_staff_rt="),
        "{staff_cookies}"
    );
    let (status, _, page) = send(&app, get_with("/admin", &staff_cookies)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("boss@shop.test"), "{page}");
    let (status, _, page) = send(&app, get_with("/admin/audit", &staff_cookies)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("staff.totp_enrolled"), "{page}");
    // Staff cookies are not a customer session.
    let (status, _, _) = send(&app, get_with("/account", &staff_cookies)).await;
    assert_eq!(status, StatusCode::FOUND);

    // An order's page for staff: each line with what is packed and a form to pack more.
    catalog::seed(&pool, &media(&site), Currency::Aed, 4)
        .await
        .expect("seeds");
    let number = cash_order(&app, &pool).await;
    let page_of = format!("/admin/orders/{number}");
    let (status, _, page) = send(&app, get_with(&page_of, &staff_cookies)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("0 of 2") && page.contains(">Pack</button>"),
        "{page}"
    );
    let pack = |cookies: &str, quantity: i32| {
        form_post(
            path_of::<app::api::admin::PackOrderLine>(),
            &page_of,
            &format!("number={number}&line_no=1&quantity={quantity}"),
            cookies,
        )
    };
    // A customer can neither see nor pack it.
    let (status, headers, _) = send(&app, get_with(&page_of, &amina)).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::FOUND, "/admin/sign-in")
    );
    let (status, headers, _) = send(&app, pack(&amina, 1)).await;
    assert!(location(&headers).contains("__err="), "{status}");
    let (status, headers, _) = send(&app, pack(&staff_cookies, 1)).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::FOUND, format!("{page_of}?done=packed").as_str())
    );
    let (_, _, page) = send(
        &app,
        get_with(&format!("{page_of}?done=packed"), &staff_cookies),
    )
    .await;
    assert!(
        page.contains("1 of 2") && page.contains("Partly packed") && page.contains(": packed."),
        "{page}"
    );
    // More than is left goes back to the form with the reason.
    let (_, headers, _) = send(&app, pack(&staff_cookies, 5)).await;
    assert!(
        location(&headers).contains("__err="),
        "{}",
        location(&headers)
    );

    // Guessing codes is throttled per account.
    let (_, headers, _) = send(
        &app,
        form_post(
            path_of::<StaffSignIn>(),
            "/admin/sign-in",
            &format!("email=boss%40shop.test&password={password}"),
            "",
        ),
    )
    .await;
    assert_eq!(location(&headers), "/admin/two-factor");
    let challenge = cookies_set(&headers);
    let guess = |n: usize| {
        Request::post(path_of::<StaffCode>())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, ORIGIN)
            .header(header::COOKIE, challenge.clone())
            .body(Body::from(format!("code={:06}", n * 7919 % 1_000_000)))
            .expect("request")
    };
    let limit = app::server::platform::limits::TOTP_PER_ACCOUNT.max as usize;
    let mut statuses = Vec::new();
    for n in 0..=limit {
        statuses.push(send(&app, guess(n)).await.0);
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

// ---- Cart and checkout over HTTP: plain forms, the sealed cart cookie, ownership ----------

/// A guest's cash-on-delivery order of two units of the first product in stock, placed through
/// the plain forms; its number.
async fn cash_order(app: &Router, pool: &PgPool) -> i64 {
    let page = cash_order_page(app, pool).await;
    page["/orders/".len()..]
        .split('?')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("an order number")
}

/// A guest's cash order, placed over HTTP: its page's address (`/orders/{number}?key=...`).
async fn cash_order_page(app: &Router, pool: &PgPool) -> String {
    use app::api::cart::{AddToCart, PlaceOrder, SaveCheckoutDetails};
    let sku: String = sqlx::query_scalar(
        "SELECT v.sku FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.status = 'active' AND v.stock >= 2 ORDER BY v.id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("a variant in stock");
    let (_, headers, _) = send(
        app,
        form_post(
            path_of::<AddToCart>(),
            "/products/x",
            &format!("sku={sku}&quantity=2"),
            "",
        ),
    )
    .await;
    let cart = cookies_set(&headers);
    let details = "email=layla%40example.com&address[name]=Layla&address[line1]=12+Al+Wasl+Road\
                   &address[city]=Dubai&address[country]=AE";
    send(
        app,
        form_post(
            path_of::<SaveCheckoutDetails>(),
            "/checkout",
            details,
            &cart,
        ),
    )
    .await;
    let (_, _, page) = send(app, get_with("/checkout", &cart)).await;
    let body = format!(
        "checkout_key={}&payment_method=cash_on_delivery&expected_total={}",
        input_value(&page, "checkout_key"),
        input_value(&page, "expected_total")
    );
    let (status, headers, _) = send(
        app,
        form_post(path_of::<PlaceOrder>(), "/checkout", &body, &cart),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    location(&headers).to_owned()
}

/// The value of `name=` in a `Cookie`-style string.
fn cookie_value<'a>(cookies: &'a str, name: &str) -> &'a str {
    cookies
        .split("; ")
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or("")
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_guest_checks_out_through_plain_forms_and_nobody_else_sees_the_order(pool: PgPool) {
    use app::api::cart::{AddToCart, PlaceOrder, SaveCheckoutDetails};
    let site = Site::new();
    let app = seeded_app(pool.clone(), &site).await;
    let (sku, name): (String, String) = sqlx::query_as(
        "SELECT v.sku, p.name FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.status = 'active' AND v.stock >= 5 ORDER BY v.id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .expect("a variant in stock");

    // Adding gives a sealed cart cookie; a forged one finds no cart.
    let (status, headers, _) = send(
        &app,
        form_post(
            path_of::<AddToCart>(),
            "/products/x",
            &format!("sku={sku}&quantity=2"),
            "",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location(&headers), "/cart?done=added");
    let set = headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("a cart cookie")
        .to_owned();
    assert!(
        set.starts_with("duka_cart=") && set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let cart = cookies_set(&headers);
    let sealed = cookie_value(&cart, "duka_cart");
    let (token, tag) = sealed.rsplit_once('.').expect("token.tag");
    let forged_token: String = token
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                if c == 'A' {
                    'B'
                } else {
                    'A'
                }
            } else {
                c
            }
        })
        .collect();
    for forged in [
        format!("duka_cart={forged_token}.{tag}"),
        format!("duka_cart={token}"),
    ] {
        let (status, _, body) = send(&app, get_with("/cart", &forged)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("Your cart is empty"),
            "a forged cookie found a cart"
        );
    }
    let (_, _, body) = send(&app, get_with("/cart", &cart)).await;
    assert!(
        body.contains(&name) && body.contains("cart-count"),
        "the cart and its count"
    );

    // Too many is refused back to the form, never a 5xx.
    let (status, headers, _) = send(
        &app,
        form_post(
            path_of::<AddToCart>(),
            "/products/x",
            &format!("sku={sku}&quantity=100000"),
            &cart,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(
        location(&headers).contains("__err="),
        "{}",
        location(&headers)
    );

    let details = "email=layla%40example.com&address[name]=Layla&address[line1]=12+Al+Wasl+Road\
                   &address[city]=Dubai&address[country]=AE";
    let (status, headers, _) = send(
        &app,
        form_post(
            path_of::<SaveCheckoutDetails>(),
            "/checkout",
            details,
            &cart,
        ),
    )
    .await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::FOUND, "/checkout")
    );
    let (status, _, page) = send(&app, get_with("/checkout", &cart)).await;
    assert_eq!(status, StatusCode::OK);
    let key = input_value(&page, "checkout_key");
    let total = input_value(&page, "expected_total");
    let body = format!("checkout_key={key}&payment_method=cash_on_delivery&expected_total={total}");

    // From another site: refused, nothing written.
    let mut foreign = form_post(path_of::<PlaceOrder>(), "/checkout", &body, &cart);
    foreign.headers_mut().insert(
        header::ORIGIN,
        HeaderValue::from_static("https://evil.example"),
    );
    assert_eq!(send(&app, foreign).await.0, StatusCode::FORBIDDEN);
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(orders, 0);

    let (status, headers, _) = send(
        &app,
        form_post(path_of::<PlaceOrder>(), "/checkout", &body, &cart),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let confirmation = location(&headers).to_owned();
    assert!(
        confirmation.starts_with("/orders/1001?key="),
        "{confirmation}"
    );
    // The same form again (a double click, a retry): the same order.
    let (status, headers, _) = send(
        &app,
        form_post(path_of::<PlaceOrder>(), "/checkout", &body, &cart),
    )
    .await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::FOUND, confirmation.as_str())
    );
    let (status, _, page) = send(&app, get_with(&confirmation, "")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Order 1001") && page.contains("Confirmed") && page.contains(&name));

    // Without the key, or as another customer: not found.
    assert_eq!(
        send(&app, get_with("/orders/1001", "")).await.0,
        StatusCode::NOT_FOUND
    );
    let stranger = sign_up(&app, &pool, "stranger@example.com").await;
    assert_eq!(
        send(&app, get_with("/orders/1001", &stranger)).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, _, list) = send(&app, get_with("/account/orders", &stranger)).await;
    assert!(list.contains("No orders yet"));
}

/// Stripe's webhook endpoint: reachable without a browser's origin (no CSRF refusal), 404
/// while Stripe is not configured; once it is, a forged event is a 400 and writes nothing, and
/// a signed one for no order of ours is acknowledged.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_stripe_webhook_checks_its_signature(pool: PgPool) {
    let site = Site::new();
    let plain = duka_server::router(state(pool.clone(), &site.0, false));
    let body = br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_x","status":"succeeded","amount":100,"amount_received":100,"currency":"aed","metadata":{}}}}"#;
    let post = |signature: String| {
        Request::post("/webhooks/stripe")
            .header("content-type", "application/json")
            .header("stripe-signature", signature)
            .body(Body::from(&body[..]))
            .expect("request")
    };
    let now = app::server::auth::now();
    let secret = "whsec_http_test";
    let signed = app::server::payments::webhook::sign(secret, now, body);
    assert_eq!(
        send(&plain, post(signed.clone())).await.0,
        StatusCode::NOT_FOUND
    );

    let stripe = duka_server::router(state_with(
        pool.clone(),
        &site.0,
        false,
        &[
            ("DUKA_STRIPE_SECRET_KEY", "sk_test_x"),
            ("DUKA_STRIPE_PUBLISHABLE_KEY", "pk_test_x"),
            ("DUKA_STRIPE_WEBHOOK_SECRET", secret),
            // Nothing listens here: the webhook path never calls Stripe.
            ("DUKA_STRIPE_API_BASE", "http://127.0.0.1:9/"),
        ],
    ));
    let forged = app::server::payments::webhook::sign("whsec_someone_else", now, body);
    assert_eq!(send(&stripe, post(forged)).await.0, StatusCode::BAD_REQUEST);
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM stripe_events")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(events, 0);
    assert_eq!(send(&stripe, post(signed)).await.0, StatusCode::OK);
    // With Stripe on, pages may load Stripe.js and nothing else from outside.
    let (_, headers, _) = get(&stripe, "/").await;
    let csp = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(csp.contains("https://js.stripe.com"), "{csp}");
}

mod backup;
mod documents;
mod hardening;
mod live;
mod metrics;
mod settings;

/// Many pages at once on a pool of two connections with every cache off: each gets its data
/// and its header's links. (A page's reads are tasks of their own: a read waiting for a
/// connection never waits on one held by a read the renderer has not come back to, which
/// stalled pages until the pool's timeout and left them without their menus.)
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn many_pages_at_once_share_a_small_pool(pool: PgPool) {
    let site = Site::new();
    catalog::seed(&pool, &media(&site), Currency::Aed, 40)
        .await
        .expect("seeds");
    let small = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_with((*pool.connect_options()).clone())
        .await
        .expect("connects");
    let app = duka_server::router(state_with(small, &site.0, false, &[("DUKA_CACHE", "off")]));
    let pages: Vec<_> = (0..24)
        .map(|i| {
            let app = app.clone();
            let path = [
                "/products/linen-shirt",
                "/collections/clothing",
                "/pages/about",
            ][i % 3];
            tokio::spawn(async move { (path, get(&app, path).await) })
        })
        .collect();
    for page in pages {
        let (path, (status, _, body)) = page.await.expect("joins");
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            body.contains(r#"href="/collections/food-gifts""#),
            "{path}: the menu's links"
        );
    }
}
