//! `GET /account/export.json`: the GDPR export, as a download; and the same for one customer
//! at `GET /admin/customers/{id}/export.json`, for staff who handle data requests.

use app::server::accounts::staff::{self, Permission};
use app::server::auth::{RequestStaff, RequestViewer};
use app::server::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

/// `GET /account/export.json`: everything held about the signed-in customer, as a download.
pub async fn export(
    State(state): State<AppState>,
    axum::Extension(viewer): axum::Extension<RequestViewer>,
) -> Response {
    let Some(viewer) = viewer.0 else {
        return axum::response::Redirect::to("/account/sign-in?next=/account/privacy")
            .into_response();
    };
    match app::server::accounts::profile::export(&state.db, viewer.account_id).await {
        Ok(document) => download(document, "account-data.json"),
        Err(error) => crate::http::error_response(error),
    }
}

/// `GET /admin/customers/{id}/export.json`: the same document for one customer, for staff
/// who handle data requests (owner and admins); audited.
pub async fn customer_export(
    State(state): State<AppState>,
    axum::Extension(RequestStaff(viewer)): axum::Extension<RequestStaff>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Response {
    let Some(viewer) = viewer else {
        return axum::response::Redirect::to("/admin/sign-in").into_response();
    };
    let exported = async {
        let me = staff::authorize(
            &state.db,
            viewer.account_id,
            viewer.session_id,
            Permission::ManageCustomerData,
        )
        .await?;
        let ip = state.accounts.client().ip;
        app::server::customers::export(&state.db, &me, id, ip).await
    };
    match exported.await {
        Ok(document) => download(document, &format!("customer-{id}-data.json")),
        Err(error) => crate::http::error_response(error),
    }
}

/// `document` as a JSON download named `name`, never cached.
fn download(document: serde_json::Value, name: &str) -> Response {
    use axum::http::{header, HeaderValue};
    let mut res = axum::Json(document).into_response();
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    res
}
