//! The router: health checks, Leptos pages and server functions, static assets, and the
//! layers every response goes through.

use app::model::StoreInfo;
use app::server::platform::health;
use app::server::platform::request::{self, RequestId};
use app::server::AppState;
use app::ui::{shell, App};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Hashed file names (`hash-files`) never change content, so browsers may keep them a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Files in `public/` keep their names across releases: cache a day, then revalidate.
const PUBLIC_FILES: &str = "public, max-age=86400";

pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    // The store as pages show it, read per request: staff may change it at any time.
    let context = {
        let state = state.clone();
        move || {
            let shop = state.shop();
            provide_context(StoreInfo {
                name: shop.name.clone(),
                currency: shop.currency,
                base_url: state.settings.site.public_url.clone(),
                logo: shop.logo_key.clone().zip(shop.logo_size),
            });
            provide_context(state.clone());
        }
    };

    // Anything no route claims: a file from the site root if there is one, else the
    // storefront's 404 page rendered by Leptos.
    let not_found = leptos_axum::render_app_async_with_context(context.clone(), {
        let options = options.clone();
        move || shell(options.clone())
    });
    let site_root = std::path::PathBuf::from(&*options.site_root);
    let public_files = ServeDir::new(&site_root)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
        .fallback(tower::service_fn(move |req: Request<Body>| {
            let not_found = not_found.clone();
            async move {
                let mut res = not_found(req).await;
                // A rendered page, not a file: never let the public-files lifetime apply.
                res.headers_mut()
                    .entry(header::CACHE_CONTROL)
                    .or_insert(HeaderValue::from_static("no-cache"));
                Ok::<_, std::convert::Infallible>(res)
            }
        }));
    let pkg_cache = if options.hash_files {
        IMMUTABLE
    } else {
        "no-cache"
    };
    // Renditions are named by content hash: cache them for a year.
    let media_files = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static(IMMUTABLE),
        ))
        .service(ServeDir::new(state.media.renditions_dir()));
    let pkg_files = ServeDir::new(site_root.join(&*options.site_pkg_dir))
        .precompressed_br()
        .precompressed_gzip();

    let bench = state.settings.bench_routes;
    let router = Router::new();
    let router = if bench {
        router.route("/__bench/bytes/{n}", get(bench_bytes))
    } else {
        router
    };
    let router = if state.settings.metrics.token.is_some() {
        router.route(crate::metrics::PATH, get(crate::metrics::guarded))
    } else {
        router
    };
    let router = router
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            app::ui::islands::search_box::SUGGEST_PATH,
            get(crate::routes::suggest::suggest),
        )
        .route("/account/export.json", get(crate::routes::account::export))
        .route(
            "/admin/customers/{id}/export.json",
            get(crate::routes::account::customer_export),
        )
        .route(
            crate::routes::live::ADMIN_ORDERS_EVENTS,
            get(crate::routes::live::admin_orders),
        )
        .route(
            crate::routes::live::ORDER_EVENTS,
            get(crate::routes::live::order),
        )
        .route(
            crate::routes::catalog_export::EXPORT_PATH,
            get(crate::routes::catalog_export::export),
        )
        .route(
            "/admin/products/{id}/images",
            axum::routing::post(crate::routes::uploads::product_images).layer(
                axum::extract::DefaultBodyLimit::max(crate::routes::uploads::IMAGES_BODY_LIMIT),
            ),
        )
        .route(
            "/admin/categories/{id}/image",
            axum::routing::post(crate::routes::uploads::category_image).layer(
                axum::extract::DefaultBodyLimit::max(crate::routes::uploads::IMAGE_BODY_LIMIT),
            ),
        )
        .route(
            app::ui::pages::LOGO_PATH,
            axum::routing::post(crate::routes::uploads::shop_logo).layer(
                axum::extract::DefaultBodyLimit::max(crate::routes::uploads::IMAGE_BODY_LIMIT),
            ),
        )
        .route(
            app::ui::pages::IMPORT_UPLOAD_PATH,
            axum::routing::post(crate::routes::uploads::catalog_import).layer(
                axum::extract::DefaultBodyLimit::max(crate::routes::uploads::IMPORT_BODY_LIMIT),
            ),
        )
        .route(
            crate::routes::stripe_webhook::WEBHOOK_PATH,
            axum::routing::post(crate::routes::stripe_webhook::stripe_webhook),
        )
        .route("/robots.txt", get(crate::routes::seo::robots))
        .route("/sitemap.xml", get(crate::routes::seo::sitemap_index))
        .route("/sitemaps/{file}", get(crate::routes::seo::sitemap_file))
        .leptos_routes_with_context(&state, routes, context, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .nest_service("/media", media_files)
        .nest_service(
            &format!("/{}", options.site_pkg_dir),
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(pkg_cache),
                ))
                .service(pkg_files),
        )
        .fallback_service(
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(PUBLIC_FILES),
                ))
                .service(public_files),
        );
    with_layers(router, state)
}

/// `routes` inside the layers every response goes through, outermost last: page cache, auth,
/// no-store on errors, CSRF, bad text refused, trailing-slash redirect, compression,
/// panic → 500 page, security headers, tracing, the request's id, metrics. Public so tests can put a route of
/// their own (one that panics) inside the same layers.
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    crate::metrics::recorder();
    routes
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::middleware::page_cache::page_cache,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::middleware::session::authenticate,
        ))
        .layer(axum::middleware::map_response(no_cache_for_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::middleware::security::csrf,
        ))
        // Bad text is refused before sessions are looked up or anything is parsed.
        .layer(axum::middleware::from_fn(
            crate::middleware::input::refuse_bad_text,
        ))
        .layer(axum::middleware::from_fn(redirect_trailing_slash))
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(panic_response))
        // Outside the panic handler and the redirects, so every response carries them.
        .layer(axum::middleware::from_fn_with_state(
            crate::middleware::security::Policy::from_state(&state),
            crate::middleware::security::security_headers,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<Body>| {
                    let id = req.extensions().get::<RequestId>().map(|r| r.0.as_str());
                    tracing::info_span!(
                        "request",
                        id = id.unwrap_or(""),
                        method = %req.method(),
                        path = %req.uri().path(),
                    )
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(axum::middleware::from_fn(request_id))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .with_state(state)
}

/// Gives the request its id: a field of the request's span (so of every log line it
/// writes), the `X-Request-Id` response header, and the reference of any error it meets.
async fn request_id(mut req: Request<Body>, next: axum::middleware::Next) -> Response {
    let id = app::server::platform::error::new_reference();
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut res = request::scope(id.clone(), next.run(req)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", value);
    }
    res
}

/// Error answers (a 404 page, a 500) must not be cached like the pages and files they replace.
async fn no_cache_for_errors(mut res: Response) -> Response {
    if !res.status().is_success() && res.status() != StatusCode::NOT_MODIFIED {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// `/products/x/` and `/products/x` are one page: send the first to the second (308 keeps the
/// method), so each page has one URL for caches and search engines.
async fn redirect_trailing_slash(req: Request<Body>, next: axum::middleware::Next) -> Response {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let target = match req.uri().query() {
            Some(q) => format!("{}?{q}", if trimmed.is_empty() { "/" } else { trimmed }),
            None => (if trimmed.is_empty() { "/" } else { trimmed }).to_owned(),
        };
        // Only a local path: `//evil.example/` or `/\\evil.example/` must not become an open
        // redirect (browsers read both as another host).
        if !matches!(target.as_bytes().get(1), Some(b'/') | Some(b'\\')) {
            if let Ok(location) = HeaderValue::from_str(&target) {
                return (
                    StatusCode::PERMANENT_REDIRECT,
                    [(header::LOCATION, location)],
                )
                    .into_response();
            }
        }
    }
    next.run(req).await
}

/// A domain error as a response: the client-safe message and its status, never internals.
pub(crate) fn error_response(error: app::server::Error) -> Response {
    let app: app::model::AppError = error.into();
    (
        StatusCode::from_u16(app.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        app.to_string(),
    )
        .into_response()
}

/// `n` bytes of HTML from memory: what this binary's HTTP stack does with no work behind it,
/// the ceiling `make bench` compares pages against. Only with `DUKA_BENCH_ROUTES=1`.
async fn bench_bytes(axum::extract::Path(n): axum::extract::Path<usize>) -> Response {
    static BODY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = BODY.get_or_init(|| "<!-- duka -->".repeat(1 << 16));
    let n = n.min(body.len());
    Html(body[..n].to_owned()).into_response()
}

/// The process is up.
async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

/// The process can serve: the database answers (and Redis, when configured).
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let readiness = health::check(&state.db, &state.cache, Duration::from_secs(2)).await;
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({
            "status": if readiness.ready { "ready" } else { "unavailable" },
            "checks": { "database": readiness.database, "redis": readiness.redis },
            // Meilisearch being away degrades search to PostgreSQL, never readiness.
            "search": {
                "engine": state.search.name(),
                "fallbacks": app::server::search::fallbacks(),
            },
        })),
    )
}

/// A panic anywhere in a request: log it, answer a plain 500 without internals.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let reference = app::server::platform::request::reference();
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(non-string panic)");
    tracing::error!(%reference, panic = message, "request panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CACHE_CONTROL, "no-store")],
        Html(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Something went wrong</title></head>\
             <body><h1>Something went wrong</h1><p>Please try again. If it keeps happening, quote reference {reference}.</p>\
             <p><a href=\"/\">Back to the shop</a></p></body></html>"
        )),
    )
        .into_response()
}
