//! `GET /admin/products/export.csv`: the products the list's filters choose, as CSV,
//! streamed as it is read (staff who may read the catalog).

use app::model::catalog_admin::AdminProductQuery;
use app::server::accounts::staff::{self, Permission};
use app::server::auth::RequestStaff;
use app::server::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

/// Where the export lives (the list links to it with its own query string).
pub const EXPORT_PATH: &str = "/admin/products/export.csv";

pub async fn export(
    State(state): State<AppState>,
    axum::Extension(RequestStaff(viewer)): axum::Extension<RequestStaff>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(viewer) = viewer else {
        return Redirect::to("/admin/sign-in").into_response();
    };
    let started = async {
        let me = staff::authorize(
            &state.db,
            viewer.account_id,
            viewer.session_id,
            Permission::ViewCatalog,
        )
        .await?;
        let query =
            AdminProductQuery::from_params(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        let low = state.shop().low_stock_threshold as i32;
        app::server::catalog::admin::export_csv(state.db.clone(), &me, query, low)
    };
    let rx = match started.await {
        Ok(rx) => rx,
        Err(error) => return crate::http::error_response(error),
    };
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        let chunk = rx.recv().await?;
        Some((chunk.map_err(|e| std::io::Error::other(e.to_string())), rx))
    });
    let mut res = axum::body::Body::from_stream(chunks).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"products.csv\""),
    );
    res
}
