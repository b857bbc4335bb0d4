//! One rule for the text every request carries, checked before any of our code sees it: the
//! URL's path and query, and form and JSON bodies hold no NUL and no other control character
//! (tab, line feed and carriage return are allowed in the query and bodies, where multi-line
//! text may be; the path takes none). PostgreSQL refuses NUL in text, and no shopper types
//! the others, so such a request gets a clear 400 instead of a 500 from deep inside. No single
//! value may be longer than [`VALUE_LIMIT`] either (each field's own rules are stricter).

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest form or JSON body read here (the server functions' own limit is the same).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The longest text one field may hold, in bytes (a long product description fits).
pub const VALUE_LIMIT: usize = 64 * 1024;

/// What a refused request is told.
const MESSAGE: &str = "This request contains text that cannot be accepted (a control \
                       character such as NUL, or a field far too long). Check what was typed \
                       or pasted and try again.";

pub async fn refuse_bad_text(req: Request<Body>, next: Next) -> Response {
    let uri = req.uri();
    let path_bad = has_control(&percent_decoded(uri.path().as_bytes()), false);
    let query_bad = uri.query().is_some_and(|q| form_is_bad(q.as_bytes()));
    if path_bad || query_bad {
        return refused(&req);
    }
    let kind = body_kind(&req);
    if kind == BodyKind::Other || uri.path() == crate::routes::stripe_webhook::WEBHOOK_PATH {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                [(header::CACHE_CONTROL, "no-store")],
                "This request is too large.",
            )
                .into_response()
        }
    };
    let bad = match kind {
        BodyKind::Form => form_is_bad(&bytes),
        BodyKind::Json => json_is_bad(&bytes),
        BodyKind::Other => false,
    };
    let req = Request::from_parts(parts, Body::from(bytes));
    if bad {
        return refused(&req);
    }
    next.run(req).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Form,
    Json,
    Other,
}

fn body_kind(req: &Request<Body>) -> BodyKind {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        BodyKind::Form
    } else if content_type.starts_with("application/json") {
        BodyKind::Json
    } else {
        BodyKind::Other
    }
}

/// A 400 a person can act on: for a server-function call from code, the client-safe error as
/// JSON (what the caller decodes); otherwise plain text.
fn refused<B>(req: &Request<B>) -> Response {
    tracing::info!(path = %req.uri().path(), "request with control characters refused");
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if req.uri().path().starts_with("/api/") && !wants_html {
        let error = app::model::AppError::validation("request", MESSAGE);
        let mut res = (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return res;
    }
    (
        StatusCode::BAD_REQUEST,
        [(header::CACHE_CONTROL, "no-store")],
        MESSAGE,
    )
        .into_response()
}

/// A byte no text input may hold: C0 controls and DEL, with tab, LF and CR allowed where
/// multi-line text may be.
fn is_forbidden(b: u8, multi_line: bool) -> bool {
    (b < 0x20 && !(multi_line && matches!(b, b'\t' | b'\n' | b'\r'))) || b == 0x7f
}

fn has_control(bytes: &[u8], multi_line: bool) -> bool {
    bytes.iter().any(|&b| is_forbidden(b, multi_line))
}

/// A field's value refused: a forbidden byte, or longer than [`VALUE_LIMIT`].
fn bad_value(bytes: &[u8]) -> bool {
    bytes.len() > VALUE_LIMIT || has_control(bytes, true)
}

/// `application/x-www-form-urlencoded` (a body or a query): any name or value with a
/// forbidden byte once decoded.
fn form_is_bad(raw: &[u8]) -> bool {
    has_control(raw, true)
        || form_urlencoded::parse(raw)
            .any(|(k, v)| bad_value(k.as_bytes()) || bad_value(v.as_bytes()))
}

/// Any string (or key) in a JSON document with a forbidden character once unescaped. A body
/// that is not JSON passes: the server function reports that itself.
fn json_is_bad(raw: &[u8]) -> bool {
    fn walk(value: &serde_json::Value) -> bool {
        use serde_json::Value;
        match value {
            Value::String(s) => bad_value(s.as_bytes()),
            Value::Array(items) => items.iter().any(walk),
            Value::Object(map) => map.iter().any(|(k, v)| bad_value(k.as_bytes()) || walk(v)),
            _ => false,
        }
    }
    serde_json::from_slice::<serde_json::Value>(raw).is_ok_and(|v| walk(&v))
}

/// `%XX` escapes decoded (a path is not a form: `+` stays).
fn percent_decoded(raw: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            if let (Some(h), Some(l)) = (hex(raw[i + 1]), hex(raw[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_once_decoded() {
        assert!(form_is_bad(b"email=a%00b%40x.test"));
        assert!(form_is_bad(b"f.material=a%00b"));
        assert!(form_is_bad(b"q=%1b"));
        assert!(form_is_bad(b"q=%7F"));
        assert!(form_is_bad(b"a%00=1"));
        assert!(!form_is_bad(b"note=line+one%0D%0Aline+two%09tab"));
        assert!(!form_is_bad(b"q=caf%C3%A9+%D8%AD%D8%B1%D9%8A%D8%B1"));
        let long = format!("note={}", "a".repeat(VALUE_LIMIT + 1));
        assert!(form_is_bad(long.as_bytes()), "too long a value");
        let fits = format!("note={}", "a".repeat(VALUE_LIMIT));
        assert!(!form_is_bad(fits.as_bytes()));
        assert!(json_is_bad(br#"{"q":"a\u0000b"}"#));
        assert!(json_is_bad(
            br#"{"query":{"filters":[["material","\u0001"]]}}"#
        ));
        assert!(!json_is_bad(br#"{"q":"line\nbreak"}"#));
        assert!(!json_is_bad(b"not json"));
        assert!(has_control(&percent_decoded(b"/products/a%00b"), false));
        assert!(has_control(&percent_decoded(b"/products/a%09b"), false));
        assert!(!has_control(
            &percent_decoded(b"/products/linen-shirt%2Fx"),
            false
        ));
        assert_eq!(percent_decoded(b"%4"), b"%4");
        assert_eq!(percent_decoded(b"a%41%"), b"aA%");
    }
}
