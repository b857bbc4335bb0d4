//! The auth layer: once per request, the session cookies become the request's viewer
//! (`app::server::auth::RequestViewer` in its extensions), refreshed tokens are set on the
//! response, and dead cookies are cleared. Requests without session cookies pass untouched.

use app::server::accounts::tokens::Audience;
use app::server::auth::{self, RequestStaff, RequestViewer};
use app::server::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::SET_COOKIE;
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;

pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    // Files and probes never depend on who asks: no session lookup for them.
    if ["/pkg/", "/media/", "/healthz", "/readyz", "/favicon"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        return next.run(req).await;
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = auth::client_of(req.headers(), peer, &state.accounts.trusted_proxies);
    let mut set_cookies = Vec::new();
    let mut viewers = [None, None];
    for (slot, (names, audience)) in [
        (&state.accounts.cookies, Audience::Customer),
        (&state.accounts.staff_cookies, Audience::Staff),
    ]
    .into_iter()
    .enumerate()
    {
        let has_cookies = auth::cookie(req.headers(), &names.access).is_some()
            || auth::cookie(req.headers(), &names.refresh).is_some();
        if !has_cookies {
            continue;
        }
        match auth::resolve(
            &state.db,
            &state.accounts.keys,
            &state.accounts.flights,
            names,
            audience,
            req.headers(),
            &client,
            auth::now(),
        )
        .await
        {
            Ok(resolved) => {
                viewers[slot] = resolved.viewer;
                set_cookies.push((names.access.clone(), resolved.set_cookies));
            }
            // The database did not answer: say so rather than treat the person as signed out.
            Err(error) => return crate::http::error_response(error),
        }
    }
    req.extensions_mut().insert(RequestViewer(viewers[0]));
    req.extensions_mut().insert(RequestStaff(viewers[1]));
    let mut res = next.run(req).await;
    for (access_name, cookies) in set_cookies {
        // A handler that set these session cookies itself (sign-in, sign-out) has the last word.
        let handler_set_them = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.starts_with(&format!("{access_name}=")));
        if !handler_set_them {
            for cookie in cookies {
                res.headers_mut().append(SET_COOKIE, cookie);
            }
        }
    }
    res
}
