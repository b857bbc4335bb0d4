//! Whole-page caching for anonymous shoppers, with ETags.
//!
//! A GET for a storefront page without cookies is answered from the cache when the same URL
//! was rendered under the current catalog generation; any catalog change bumps the generation
//! and so retires every cached page at once. Every cacheable page carries a strong ETag, and a
//! matching `If-None-Match` gets a 304 without a body.

use app::server::{catalog, AppState};
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::hash::{Hash, Hasher};
use std::time::Duration;

/// Pages larger than this are served but not cached.
const MAX_CACHED_BYTES: usize = 512 * 1024;
/// A page larger than this is a bug, not a page: it is refused rather than buffered.
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;
const TTL: Duration = Duration::from_secs(60);

struct CachedPage {
    etag: String,
    content_type: String,
    /// The Content-Security-Policy nonce the body was rendered with (empty if none): every
    /// response from the cache swaps it for a fresh one.
    nonce: String,
    body: Vec<u8>,
}

impl CachedPage {
    /// `etag \n content-type \n nonce \n body`: no JSON round trip for a page body on every hit.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            self.etag.len() + self.content_type.len() + self.nonce.len() + self.body.len() + 3,
        );
        for field in [&self.etag, &self.content_type, &self.nonce] {
            out.extend_from_slice(field.as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(&self.body);
        out
    }

    fn decode(mut bytes: Vec<u8>) -> Option<Self> {
        let mut fields = Vec::with_capacity(3);
        let mut start = 0;
        for _ in 0..3 {
            let end = start + bytes[start..].iter().position(|b| *b == b'\n')?;
            fields.push(std::str::from_utf8(&bytes[start..end]).ok()?.to_owned());
            start = end + 1;
        }
        let body = bytes.split_off(start);
        let nonce = fields.pop()?;
        let content_type = fields.pop()?;
        let etag = fields.pop()?;
        Some(Self {
            etag,
            content_type,
            nonce,
            body,
        })
    }

    /// The body with its nonce replaced by `nonce`.
    fn body_with_nonce(&self, nonce: &str) -> Vec<u8> {
        match std::str::from_utf8(&self.body) {
            Ok(text) if !self.nonce.is_empty() => text.replace(&self.nonce, nonce).into_bytes(),
            _ => self.body.clone(),
        }
    }
}

/// Storefront pages only: not server functions, assets, health checks or feeds.
fn is_page(path: &str) -> bool {
    path == "/" || path.starts_with("/products/") || path.starts_with("/collections/")
}

/// The page's query in canonical form, or `None` when the request is not in canonical form
/// (odd or extra parameters): such requests are rendered but never stored, so nobody can
/// fill the cache with made-up URLs.
fn canonical_query(
    path: &str,
    raw: Option<&str>,
    currency: app::model::Currency,
) -> Option<String> {
    let raw = raw.unwrap_or("");
    if path.starts_with("/collections/") {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).ok()?;
        let query = app::model::ListingQuery::from_params(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            currency,
        );
        let canonical = query.query_string();
        let given = if raw.is_empty() {
            String::new()
        } else {
            format!("?{raw}")
        };
        return (canonical == given).then_some(canonical);
    }
    if path.starts_with("/products/") {
        return match raw {
            "" => Some(String::new()),
            q if q.starts_with("variant=") && !q.contains('&') && q.len() <= 80 => {
                Some(format!("?{q}"))
            }
            _ => None,
        };
    }
    raw.is_empty().then(String::new)
}

fn cacheable_request(req: &Request) -> bool {
    (req.method() == Method::GET || req.method() == Method::HEAD)
        && is_page(req.uri().path())
        // Anything personal (a session, a cart) rides on cookies: never share those pages.
        && !req.headers().contains_key(header::COOKIE)
        && !req.headers().contains_key(header::AUTHORIZATION)
}

fn etag_of(body: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    format!("\"{:016x}-{:x}\"", h.finish(), body.len())
}

fn if_none_match(req_etag: Option<&HeaderValue>, etag: &str) -> bool {
    req_etag
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The page as a response. A page from the cache gets a fresh script nonce; a 304 has no body
/// and so no nonce (the browser keeps the policy stored with its copy).
fn respond(page: &CachedPage, not_modified: bool, hit: bool) -> Response {
    let mut res = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else if page.nonce.is_empty() {
        Response::new(Body::from(page.body.clone()))
    } else {
        let nonce = if hit {
            crate::middleware::security::new_nonce()
        } else {
            page.nonce.clone()
        };
        let mut res = Response::new(Body::from(page.body_with_nonce(&nonce)));
        if let Ok(v) = HeaderValue::from_str(&nonce) {
            res.headers_mut()
                .insert(crate::middleware::security::nonce_header(), v);
        }
        res
    };
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&page.etag) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&page.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    // Browsers revalidate every time (cheap with the ETag); shared caches may not store it.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(
        "x-duka-cache",
        HeaderValue::from_static(if hit { "hit" } else { "miss" }),
    );
    res
}

pub async fn page_cache(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !cacheable_request(&req) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    let Some(query) = canonical_query(&path, req.uri().query(), state.currency()) else {
        return next.run(req).await;
    };
    let Some(generation) = catalog::generation(&state.cache).await else {
        return next.run(req).await;
    };
    let key = format!("page:{generation}:{path}{query}");
    let client_etag = req.headers().get(header::IF_NONE_MATCH).cloned();
    let cached = state.cache.get(&key).await.and_then(CachedPage::decode);
    app::server::platform::metrics::cache_lookup("page", cached.is_some());
    if let Some(page) = cached {
        let not_modified = if_none_match(client_etag.as_ref(), &page.etag);
        return respond(&page, not_modified, true);
    }

    let res = next.run(req).await;
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if res.status() != StatusCode::OK
        || !content_type.starts_with("text/html")
        || res.headers().contains_key(header::SET_COOKIE)
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "page body could not be read");
            return (StatusCode::INTERNAL_SERVER_ERROR, "page failed to render").into_response();
        }
    };
    if bytes.len() > MAX_CACHED_BYTES {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let nonce = parts
        .headers
        .get(crate::middleware::security::CSP_NONCE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut page = CachedPage {
        etag: String::new(),
        content_type,
        nonce,
        body: bytes.to_vec(),
    };
    // The nonce changes on every response; the ETag names the content without it.
    page.etag = etag_of(&page.body_with_nonce(""));
    state.cache.set(&key, &page.encode(), TTL).await;
    let mut out = respond(
        &page,
        if_none_match(client_etag.as_ref(), &page.etag),
        false,
    );
    // Keep whatever else the page set (security headers are added further out).
    for (name, value) in parts.headers.iter() {
        if !out.headers().contains_key(name) {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_follow_content() {
        assert_eq!(etag_of(b"abc"), etag_of(b"abc"));
        assert_ne!(etag_of(b"abc"), etag_of(b"abd"));
        let e = etag_of(b"abc");
        assert!(if_none_match(Some(&HeaderValue::from_str(&e).unwrap()), &e));
        assert!(if_none_match(
            Some(&HeaderValue::from_static("\"x\", *")),
            &e
        ));
        assert!(!if_none_match(
            Some(&HeaderValue::from_static("\"other\"")),
            &e
        ));
        assert!(!if_none_match(None, &e));
    }

    #[test]
    fn cached_pages_round_trip() {
        let page = CachedPage {
            etag: etag_of(b"<p>\nhi</p>"),
            content_type: "text/html; charset=utf-8".into(),
            nonce: "n0nceN0nceN0nce0".into(),
            body: b"<p>\nhi</p><script nonce=\"n0nceN0nceN0nce0\">".to_vec(),
        };
        let back = CachedPage::decode(page.encode()).expect("decodes");
        assert_eq!(
            back.body_with_nonce("fresh"),
            b"<p>\nhi</p><script nonce=\"fresh\">"
        );
        assert_eq!(
            (back.etag, back.content_type, back.nonce, back.body),
            (page.etag, page.content_type, page.nonce, page.body)
        );
        assert!(CachedPage::decode(b"no newline".to_vec()).is_none());
    }

    #[test]
    fn only_canonical_urls_are_cached() {
        use app::model::Currency::Aed;
        assert_eq!(canonical_query("/", None, Aed), Some(String::new()));
        assert_eq!(canonical_query("/", Some("x=1"), Aed), None);
        assert_eq!(
            canonical_query("/products/a", Some("variant=SKU-1"), Aed),
            Some("?variant=SKU-1".into())
        );
        assert_eq!(canonical_query("/products/a", Some("utm=1"), Aed), None);
        assert_eq!(
            canonical_query("/collections/c", None, Aed),
            Some(String::new())
        );
        assert_eq!(
            canonical_query("/collections/c", Some("sort=price-asc&page=2"), Aed),
            Some("?sort=price-asc&page=2".into())
        );
        // Not canonical: unknown parameter, default written out, wrong order.
        assert_eq!(canonical_query("/collections/c", Some("x=1"), Aed), None);
        assert_eq!(canonical_query("/collections/c", Some("page=1"), Aed), None);
        assert_eq!(
            canonical_query("/collections/c", Some("page=2&sort=price-asc"), Aed),
            None
        );
    }

    #[test]
    fn only_storefront_pages() {
        for p in ["/", "/products/x", "/collections/y"] {
            assert!(is_page(p), "{p}");
        }
        for p in [
            "/api/get_product",
            "/pkg/duka.js",
            "/healthz",
            "/sitemap.xml",
            "/__bench/bytes/1",
        ] {
            assert!(!is_page(p), "{p}");
        }
    }
}
