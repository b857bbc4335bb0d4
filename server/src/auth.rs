//! The auth layer: once per request, the session cookies become the request's viewer
//! (`app::server::auth::RequestViewer` in its extensions), refreshed tokens are set on the
//! response, and dead cookies are cleared. Requests without session cookies pass untouched.

use app::server::auth::{self, RequestViewer};
use app::server::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::SET_COOKIE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let names = &state.accounts.cookies;
    let path = req.uri().path();
    // Files and probes never depend on who asks: no session lookup for them.
    if ["/pkg/", "/media/", "/healthz", "/readyz", "/favicon"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        return next.run(req).await;
    }
    let has_cookies = auth::cookie(req.headers(), &names.access).is_some()
        || auth::cookie(req.headers(), &names.refresh).is_some();
    if !has_cookies {
        req.extensions_mut().insert(RequestViewer(None));
        return next.run(req).await;
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = auth::client_of(req.headers(), peer, &state.accounts.trusted_proxies);
    let resolved = match auth::resolve(
        &state.db,
        &state.accounts.keys,
        &state.accounts.flights,
        names,
        req.headers(),
        &client,
        auth::now(),
    )
    .await
    {
        Ok(resolved) => resolved,
        Err(error) => {
            // The database did not answer: say so rather than treat the shopper as signed out.
            let app_error = app::model::AppError::from(error);
            let status = axum::http::StatusCode::from_u16(app_error.status_code())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            return (status, app_error.to_string()).into_response();
        }
    };
    req.extensions_mut().insert(RequestViewer(resolved.viewer));
    let mut res = next.run(req).await;
    // A handler that set the session cookies itself (sign-in, sign-out) has the last word.
    let handler_set_them = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with(&format!("{}=", names.access)));
    if !handler_set_them {
        for cookie in resolved.set_cookies {
            res.headers_mut().append(SET_COOKIE, cookie);
        }
    }
    res
}

/// `GET /account/export.json`: everything held about the signed-in customer, as a download.
pub async fn export(
    State(state): State<AppState>,
    axum::Extension(viewer): axum::Extension<RequestViewer>,
) -> Response {
    use axum::http::{header, HeaderValue, StatusCode};
    let Some(viewer) = viewer.0 else {
        return axum::response::Redirect::to("/account/sign-in?next=/account/privacy")
            .into_response();
    };
    match app::server::accounts::profile::export(&state.db, viewer.account_id).await {
        Ok(document) => {
            let mut res = axum::Json(document).into_response();
            let headers = res.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"account-data.json\""),
            );
            res
        }
        Err(error) => {
            let error = app::model::AppError::from(error);
            let status = StatusCode::from_u16(error.status_code())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, error.to_string()).into_response()
        }
    }
}
