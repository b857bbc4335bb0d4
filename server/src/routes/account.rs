//! `GET /account/export.json`: the GDPR export, as a download.

use app::server::auth::RequestViewer;
use app::server::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

/// `GET /account/export.json`: everything held about the signed-in customer, as a download.
pub async fn export(
    State(state): State<AppState>,
    axum::Extension(viewer): axum::Extension<RequestViewer>,
) -> Response {
    use axum::http::{header, HeaderValue};
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
        Err(error) => crate::http::error_response(error),
    }
}
