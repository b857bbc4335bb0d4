//! Protections every request and response goes through: the refusal of cross-origin
//! state-changing requests (CSRF) and the security headers, including a Content-Security-Policy
//! without `unsafe-inline` whose script nonce is fresh on every page response.

use app::server::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The response header through which a rendered page (or a page from the page cache) tells
/// [`security_headers`] its script nonce. Internal: removed before the response leaves.
pub use app::ui::CSP_NONCE_HEADER;

/// What the browser says about where a request comes from.
#[derive(Debug, PartialEq, Eq)]
pub enum Origin {
    /// Our own pages (or the shopper typing the address).
    Ours,
    /// Another site, or a sibling subdomain.
    Foreign,
    /// Neither `Sec-Fetch-Site` nor `Origin`: not a modern browser's cross-site request.
    Unknown,
}

/// Where a request comes from, by `Sec-Fetch-Site` (sent by every current browser) and else
/// by `Origin`, compared with the store's public origin and the request's own host.
pub fn request_origin(headers: &HeaderMap, public_url: &str) -> Origin {
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" | b"none" => Origin::Ours,
            _ => Origin::Foreign,
        };
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Origin::Unknown;
    };
    let own_host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    if origin == public_url || (origin_host.is_some() && origin_host == own_host) {
        Origin::Ours
    } else {
        Origin::Foreign
    }
}

/// Refuses a state-changing request (anything but GET, HEAD, OPTIONS) from another origin, and
/// one that carries cookies without saying where it comes from. Requests without cookies and
/// without browser provenance (payment webhooks, scripts) pass: they carry no ambient
/// authority to abuse.
pub async fn csrf(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let refused = match request_origin(req.headers(), &state.settings.site.public_url) {
        Origin::Ours => false,
        Origin::Foreign => true,
        Origin::Unknown => req.headers().contains_key(header::COOKIE),
    };
    if refused {
        tracing::warn!(
            method = %req.method(),
            path = %req.uri().path(),
            "cross-origin state-changing request refused"
        );
        return (
            StatusCode::FORBIDDEN,
            [(header::CACHE_CONTROL, "no-store")],
            "This request did not come from this shop's pages, so it was refused. \
             Reload the page and try again.",
        )
            .into_response();
    }
    next.run(req).await
}

/// How the security headers are chosen.
#[derive(Clone)]
pub struct Policy {
    /// Development pages talk to cargo-leptos's reload socket on this port (and nothing else
    /// over WebSocket); `None` in production.
    pub reload_port: Option<u32>,
    /// Served over HTTPS: browsers are told to insist on it (HSTS).
    pub https: bool,
    /// Card payments are on: pages may load Stripe.js, frame its card fields and let it call
    /// Stripe's API. Without Stripe no third party is allowed at all.
    pub stripe: bool,
}

impl Policy {
    pub fn from_state(state: &AppState) -> Self {
        let development =
            state.settings.environment == app::server::platform::config::Environment::Development;
        Self {
            reload_port: development.then_some(state.leptos_options.reload_port),
            https: state.settings.site.public_url.starts_with("https://"),
            stripe: state.payments.card_enabled(),
        }
    }

    /// The policy of a page whose inline scripts carry `nonce`: scripts only from us or with
    /// the nonce (never inline without it), WebAssembly compilation allowed, no plugins, no
    /// `<base>` tricks, forms posting only to us, never framed.
    pub fn page_csp(&self, nonce: &str) -> String {
        // The reload socket is reached by the page's own host name, which may be either name
        // of the local machine.
        let connect = match self.reload_port {
            Some(port) => format!("'self' ws://localhost:{port} ws://127.0.0.1:{port}"),
            None => "'self'".to_owned(),
        };
        // What Stripe documents for the Payment Element.
        let (stripe_script, stripe_connect, stripe_frame) = if self.stripe {
            (
                " https://js.stripe.com",
                " https://api.stripe.com",
                "https://js.stripe.com https://hooks.stripe.com",
            )
        } else {
            ("", "", "'none'")
        };
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'{stripe_script}; \
             style-src 'self'; img-src 'self' data:; font-src 'self'; \
             connect-src {connect}{stripe_connect}; frame-src {stripe_frame}; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
    }
}

/// Everything that is not a page (JSON, files, plain-text errors) runs nothing.
const RESOURCE_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self'; \
                            frame-ancestors 'none'; base-uri 'none'";

/// Headers every response carries.
pub async fn security_headers(
    State(policy): State<Policy>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let nonce = res
        .headers_mut()
        .remove(CSP_NONCE_HEADER)
        .and_then(|v| v.to_str().ok().map(str::to_owned));
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if policy.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    // A 304 keeps the policy the browser stored with the body it already has (and its nonce).
    if res.status() != StatusCode::NOT_MODIFIED {
        let csp = match nonce {
            Some(nonce) if is_nonce(&nonce) => HeaderValue::from_str(&policy.page_csp(&nonce)).ok(),
            _ => Some(HeaderValue::from_static(RESOURCE_CSP)),
        };
        if let Some(csp) = csp {
            res.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, csp);
        }
    }
    res
}

/// Nonces are base64url: nothing in one can break out of the header.
fn is_nonce(s: &str) -> bool {
    (16..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A fresh nonce for a page served from the page cache.
pub fn new_nonce() -> String {
    leptos::nonce::Nonce::new().to_string()
}

/// The internal header's name, for the page cache.
pub fn nonce_header() -> HeaderName {
    HeaderName::from_static(CSP_NONCE_HEADER)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origins_are_judged_by_fetch_metadata_then_origin() {
        const URL: &str = "https://shop.example";
        let url = URL;
        fn o(pairs: &[(&'static str, &'static str)]) -> Origin {
            request_origin(&headers(pairs), URL)
        }
        assert_eq!(o(&[("sec-fetch-site", "same-origin")]), Origin::Ours);
        assert_eq!(o(&[("sec-fetch-site", "cross-site")]), Origin::Foreign);
        assert_eq!(o(&[("sec-fetch-site", "same-site")]), Origin::Foreign);
        // Fetch metadata wins over a matching Origin.
        assert_eq!(
            o(&[("sec-fetch-site", "cross-site"), ("origin", url)]),
            Origin::Foreign
        );
        assert_eq!(o(&[("origin", url)]), Origin::Ours);
        assert_eq!(
            o(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            Origin::Ours
        );
        assert_eq!(o(&[("origin", "https://evil.example")]), Origin::Foreign);
        assert_eq!(o(&[("origin", "null")]), Origin::Foreign);
        assert_eq!(
            o(&[("origin", "https://shop.example.evil.example")]),
            Origin::Foreign
        );
        assert_eq!(o(&[]), Origin::Unknown);
    }

    #[test]
    fn page_policy_has_no_unsafe_inline() {
        let mut p = Policy {
            reload_port: None,
            https: true,
            stripe: false,
        };
        let csp = p.page_csp("abcdefghijklmnop");
        assert!(csp.contains("'nonce-abcdefghijklmnop'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("frame-src 'none'"));
        assert!(!csp.contains("ws:"));
        assert!(
            !csp.contains("stripe"),
            "no third party without Stripe: {csp}"
        );
        p.stripe = true;
        let csp = p.page_csp("abcdefghijklmnop");
        assert!(
            csp.contains("'wasm-unsafe-eval' https://js.stripe.com;"),
            "{csp}"
        );
        assert!(
            csp.contains("connect-src 'self' https://api.stripe.com;"),
            "{csp}"
        );
        assert!(
            csp.contains("frame-src https://js.stripe.com https://hooks.stripe.com;"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        // Development: only the reload socket, never any WebSocket host.
        p.reload_port = Some(3001);
        let csp = p.page_csp("abcdefghijklmnop");
        assert!(
            csp.contains("connect-src 'self' ws://localhost:3001 ws://127.0.0.1:3001 "),
            "{csp}"
        );
        assert!(!csp.contains("ws: ") && !csp.contains("wss:"), "{csp}");
        assert!(is_nonce(&new_nonce()));
        assert!(!is_nonce("abc\"; script-src *"));
    }
}
