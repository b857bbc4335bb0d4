//! The admin's uploads, streamed multipart requests that server functions do not take: a
//! product's pictures (`POST /admin/products/{id}/images`, field `images`, several files), a
//! category's picture (`POST /admin/categories/{id}/image`, field `image`, or `remove`), and
//! a catalog CSV (`POST /admin/products/import/upload`, field `file`), and the shop's logo
//! (`POST /admin/settings/logo`, field `logo`, or `?remove=1`). Each answers with
//! a redirect to the page that shows the outcome, so a plain form and the upload island
//! (which follows the redirect) end in the same place.

use app::server::accounts::staff::{self, Permission, Staff};
use app::server::auth::{client_of, RequestStaff};
use app::server::catalog::admin::{
    self, Upload, CHUNK_BYTES, MAX_FILES_PER_UPLOAD, MAX_IMPORT_BYTES,
};
use app::server::platform::media::MAX_UPLOAD_BYTES;
use app::server::AppState;
use app::ui::pages::IMPORT_UPLOAD_PATH as UPLOAD_PATH;
use axum::extract::{ConnectInfo, Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, SocketAddr};

/// The largest picture upload, all files together (the media store checks each file).
pub const IMAGES_BODY_LIMIT: usize = MAX_FILES_PER_UPLOAD * MAX_UPLOAD_BYTES + 64 * 1024;
/// The largest category picture upload.
pub const IMAGE_BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 64 * 1024;
/// The largest import request.
pub const IMPORT_BODY_LIMIT: usize = MAX_IMPORT_BYTES as usize + 64 * 1024;

/// The signed-in staff member with `permission`, or the response to send.
async fn manager(
    state: &AppState,
    viewer: Option<app::server::auth::Viewer>,
    permission: Permission,
) -> Result<Staff, Response> {
    let Some(viewer) = viewer else {
        return Err(Redirect::to("/admin/sign-in").into_response());
    };
    staff::authorize(&state.db, viewer.account_id, viewer.session_id, permission)
        .await
        .map_err(crate::http::error_response)
}

fn ip(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> Option<IpAddr> {
    client_of(headers, Some(peer.ip()), &state.accounts.trusted_proxies).ip
}

/// `?refused=` for the editor: one `name: reason` line per refused file.
fn refused_query(refused: &[(String, String)]) -> String {
    let text: Vec<String> = refused.iter().map(|(n, r)| format!("{n}: {r}")).collect();
    form_urlencoded::byte_serialize(text.join("\n").as_bytes()).collect()
}

pub async fn product_images(
    State(state): State<AppState>,
    axum::Extension(RequestStaff(viewer)): axum::Extension<RequestStaff>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(product_id): Path<i64>,
    mut form: Multipart,
) -> Response {
    let me = match manager(&state, viewer, Permission::ManageCatalog).await {
        Ok(me) => me,
        Err(response) => return response,
    };
    let editor = format!("/admin/products/{product_id}");
    let mut files = Vec::new();
    let mut refused = Vec::new();
    loop {
        match next_file(&mut form, "images", MAX_UPLOAD_BYTES).await {
            Ok(Some(file)) => files.push(file),
            Ok(None) => break,
            Err(problem) => {
                refused.push(problem);
                break;
            }
        }
    }
    if files.is_empty() && refused.is_empty() {
        refused.push((
            "upload".to_owned(),
            "choose one or more pictures first".to_owned(),
        ));
    }
    let ip = ip(&state, &headers, peer);
    match admin::add_images(&state.db, &state.media, &me, product_id, files, ip).await {
        Ok(report) => refused.extend(report.refused),
        Err(app::server::Error::App(app::model::AppError::Validation { message, .. })) => {
            refused.push(("upload".to_owned(), message))
        }
        Err(error) => return crate::http::error_response(error),
    }
    if refused.is_empty() {
        Redirect::to(&format!("{editor}?done=images")).into_response()
    } else {
        Redirect::to(&format!("{editor}?refused={}", refused_query(&refused))).into_response()
    }
}

/// Reads the next file field named `name` whole, within `limit` bytes: `Ok(None)` when the
/// form has no more, `Err((file, reason))` when it cannot be read (the rest of the form is
/// not read either).
async fn next_file(
    form: &mut Multipart,
    name: &str,
    limit: usize,
) -> Result<Option<Upload>, (String, String)> {
    let cut = |file: &str, e: axum::extract::multipart::MultipartError| {
        (
            file.to_owned(),
            format!("the upload was cut short ({})", e.body_text()),
        )
    };
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(None),
            Err(e) => return Err(cut("upload", e)),
        };
        if field.name() != Some(name) {
            continue;
        }
        let file = field
            .file_name()
            .unwrap_or("picture")
            .chars()
            .take(120)
            .collect::<String>();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| cut(&file, e))? {
            if bytes.len() + chunk.len() > limit {
                let reason = format!("is larger than {} MB", limit / (1024 * 1024));
                return Err((file, reason));
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() {
            continue; // a file input left empty
        }
        return Ok(Some(Upload { name: file, bytes }));
    }
}

pub async fn category_image(
    State(state): State<AppState>,
    axum::Extension(RequestStaff(viewer)): axum::Extension<RequestStaff>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(category_id): Path<i64>,
    mut form: Multipart,
) -> Response {
    let me = match manager(&state, viewer, Permission::ManageCatalog).await {
        Ok(me) => me,
        Err(response) => return response,
    };
    let refused = |problem: (String, String)| {
        let query = refused_query(&[problem]);
        Redirect::to(&format!("/admin/categories?refused={query}")).into_response()
    };
    let upload = match next_file(&mut form, "image", MAX_UPLOAD_BYTES).await {
        Ok(Some(file)) => Some(file),
        Ok(None) => None, // no file: take the picture away
        Err(problem) => return refused(problem),
    };
    let ip = ip(&state, &headers, peer);
    match admin::set_category_image(&state.db, &state.media, &me, category_id, upload, ip).await {
        Ok(()) => Redirect::to("/admin/categories?done=image").into_response(),
        Err(app::server::Error::App(app::model::AppError::Validation { message, .. })) => {
            refused(("picture".to_owned(), message))
        }
        Err(error) => crate::http::error_response(error),
    }
}

pub async fn catalog_import(
    State(state): State<AppState>,
    axum::Extension(RequestStaff(viewer)): axum::Extension<RequestStaff>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let me = match manager(&state, viewer, Permission::ManageCatalog).await {
        Ok(me) => me,
        Err(response) => return response,
    };
    let back = |message: &str| {
        let error = app::model::AppError::validation("file", message);
        let url = leptos::server_fn::error::ServerFnUrlError::new(UPLOAD_PATH, error)
            .to_url("http://duka/admin/products/import");
        match url {
            Ok(url) => Redirect::to(&format!("{}?{}", url.path(), url.query().unwrap_or("")))
                .into_response(),
            Err(_) => Redirect::to("/admin/products/import").into_response(),
        }
    };
    let mut field = loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => break field,
            Ok(Some(_)) => continue,
            Ok(None) => return back("choose a CSV file first"),
            Err(e) => return back(&format!("the upload was cut short ({})", e.body_text())),
        }
    };
    let name = field.file_name().unwrap_or("products.csv").to_owned();
    let id = match admin::start_upload(&state.db, &me, &name).await {
        Ok(id) => id,
        Err(error) => return crate::http::error_response(error),
    };
    let mut chunk = Vec::with_capacity(CHUNK_BYTES);
    let (mut n, mut total) = (0, 0i64);
    let outcome: Result<(), String> = async {
        loop {
            match field.chunk().await {
                Ok(Some(bytes)) => {
                    total += bytes.len() as i64;
                    if total > MAX_IMPORT_BYTES {
                        return Err(
                            "the file is larger than 256 MB: split it and import the parts".into(),
                        );
                    }
                    chunk.extend_from_slice(&bytes);
                    while chunk.len() >= CHUNK_BYTES {
                        let rest = chunk.split_off(CHUNK_BYTES);
                        admin::add_chunk(&state.db, id, n, &chunk)
                            .await
                            .map_err(|e| e.to_string())?;
                        n += 1;
                        chunk = rest;
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(format!("the upload was cut short ({})", e.body_text())),
            }
        }
        if !chunk.is_empty() {
            admin::add_chunk(&state.db, id, n, &chunk)
                .await
                .map_err(|e| e.to_string())?;
        }
        if total == 0 {
            return Err("the file is empty".into());
        }
        Ok(())
    }
    .await;
    if let Err(message) = outcome {
        if let Err(error) = admin::abandon_upload(&state.db, id).await {
            tracing::warn!(%error, import = id, "an abandoned upload was not removed");
        }
        return back(&message);
    }
    let ip = ip(&state, &headers, peer);
    if let Err(error) = admin::finish_upload(&state.db, id, total, ip).await {
        return crate::http::error_response(error);
    }
    Redirect::to(&format!("/admin/products/import/{id}")).into_response()
}

pub async fn shop_logo(
    State(state): State<AppState>,
    axum::Extension(RequestStaff(viewer)): axum::Extension<RequestStaff>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    mut form: Multipart,
) -> Response {
    let me = match manager(&state, viewer, Permission::ManageSettings).await {
        Ok(me) => me,
        Err(response) => return response,
    };
    let refused = |problem: (String, String)| {
        let query = refused_query(&[problem]);
        Redirect::to(&format!("/admin/settings?refused={query}")).into_response()
    };
    let upload = if query.as_deref() == Some("remove=1") {
        None
    } else {
        match next_file(&mut form, "logo", MAX_UPLOAD_BYTES).await {
            Ok(Some(file)) => Some(file.bytes),
            Ok(None) => return refused(("logo".into(), "choose a picture first".into())),
            Err(problem) => return refused(problem),
        }
    };
    let ip = ip(&state, &headers, peer);
    let outcome =
        app::server::shop::set_logo(&state.db, &state.media, &state.shop, &me, upload, ip);
    match outcome.await {
        Ok(()) => {
            app::server::catalog::invalidate(&state.cache).await;
            Redirect::to("/admin/settings?done=logo").into_response()
        }
        Err(app::server::Error::App(app::model::AppError::Validation { message, .. })) => {
            refused(("logo".to_owned(), message))
        }
        Err(error) => crate::http::error_response(error),
    }
}
