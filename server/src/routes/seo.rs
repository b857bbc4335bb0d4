//! `/robots.txt` and the sitemaps: a sitemap index pointing at a categories file and product
//! files of at most 50,000 URLs each.

use app::server::{catalog, AppState};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const XML: &str = "application/xml; charset=utf-8";
const CACHE: &str = "public, max-age=3600";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn xml(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, XML), (header::CACHE_CONTROL, CACHE)],
        body,
    )
        .into_response()
}

pub async fn robots(State(state): State<AppState>) -> Response {
    let base = &state.settings.site.public_url;
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        format!("User-agent: *\nAllow: /\nDisallow: /api/\n\nSitemap: {base}/sitemap.xml\n"),
    )
        .into_response()
}

pub async fn sitemap_index(State(state): State<AppState>) -> Response {
    let base = escape(&state.settings.site.public_url);
    let products = match catalog::active_product_count(&state.db).await {
        Ok(n) => n,
        Err(e) => return crate::http::error_response(e),
    };
    let files = (products + catalog::SITEMAP_PAGE - 1) / catalog::SITEMAP_PAGE;
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    body.push_str(&format!(
        "<sitemap><loc>{base}/sitemaps/categories.xml</loc></sitemap>\n"
    ));
    for n in 1..=files {
        body.push_str(&format!(
            "<sitemap><loc>{base}/sitemaps/products-{n}.xml</loc></sitemap>\n"
        ));
    }
    body.push_str("</sitemapindex>\n");
    xml(body)
}

/// `categories.xml` or `products-N.xml` (N from 1).
pub async fn sitemap_file(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let (entries, prefix) = if file == "categories.xml" {
        (catalog::sitemap_categories(&state.db).await, "collections")
    } else {
        let n = file
            .strip_prefix("products-")
            .and_then(|rest| rest.strip_suffix(".xml"))
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| (1..=1_000_000).contains(n));
        let Some(n) = n else {
            return StatusCode::NOT_FOUND.into_response();
        };
        (
            catalog::sitemap_products(&state.db, n - 1).await,
            "products",
        )
    };
    let entries = match entries {
        Ok(entries) => entries,
        Err(e) => return crate::http::error_response(e),
    };
    if entries.is_empty() && prefix == "products" {
        return StatusCode::NOT_FOUND.into_response();
    }
    let base = escape(&state.settings.site.public_url);
    let mut body = String::with_capacity(entries.len() * 120 + 200);
    body.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for e in entries {
        body.push_str(&format!(
            "<url><loc>{base}/{prefix}/{}</loc><lastmod>{}</lastmod></url>\n",
            escape(&e.slug),
            escape(&e.lastmod)
        ));
    }
    body.push_str("</urlset>\n");
    xml(body)
}
