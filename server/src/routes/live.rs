//! Server-Sent Events from the order feed (`app::server::orders::live`):
//!
//! - `GET /admin/orders/events`: orders placed since `?from=` (or the stream's
//!   `Last-Event-ID`), drawn as the list's rows, and the count of orders to pack or ship;
//!   staff who may view orders.
//! - `GET /orders/{number}/events`: one order's page part, now and after each change; only
//!   for whoever may open that order (its customer, or its key), so never another's events.
//!
//! Each event's id is a feed cursor, so a browser that reconnects resumes where it stopped.
//! Responses are not buffered by proxies (`X-Accel-Buffering: no`) nor cached, and a comment
//! every 15 seconds keeps idle connections open.

use app::server::accounts::staff::{self, Permission};
use app::server::auth::{RequestStaff, RequestViewer};
use app::server::orders::{self, list, live, Access};
use app::server::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::{error::RecvError, Receiver};

pub const ADMIN_ORDERS_EVENTS: &str = "/admin/orders/events";
pub const ORDER_EVENTS: &str = "/orders/{number}/events";

pub async fn admin_orders(
    State(state): State<AppState>,
    axum::Extension(RequestStaff(viewer)): axum::Extension<RequestStaff>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(viewer) = viewer else {
        return crate::http::error_response(app::model::AppError::Unauthorized.into());
    };
    let allowed = staff::authorize(
        &state.db,
        viewer.account_id,
        viewer.session_id,
        Permission::ViewOrders,
    )
    .await;
    let can_manage = match allowed {
        Ok(me) => me.role.allows(Permission::ManageOrders),
        Err(error) => return crate::http::error_response(error),
    };
    // Subscribe before reading what was missed, so nothing falls between.
    let rx = state.feed.subscribe();
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(params.get("from").map(String::as_str))
        .and_then(live::Cursor::parse);
    let first = match resume {
        Some(from) => live::since(&state.db, from).await,
        None => live::now(&state.db).await.map(|next| live::Batch {
            next,
            ..live::Batch::default()
        }),
    };
    let first = match first {
        Ok(batch) => batch,
        Err(error) => return crate::http::error_response(error),
    };
    let events = stream::once(async move { Some(first) })
        .chain(batches(rx))
        .then(move |batch| {
            let state = state.clone();
            async move { Ok::<_, Infallible>(admin_event(&state, batch, can_manage).await) }
        });
    sse(events)
}

/// The list's rows for the orders placed in `batch` (with buttons if the viewer
/// `can_manage` orders), and the count now.
async fn admin_event(state: &AppState, batch: Option<live::Batch>, can_manage: bool) -> Event {
    let Some(batch) = batch else {
        // This stream fell behind the feed: the page reads itself again.
        return Event::default().data(r#"{"reload":true}"#);
    };
    let drawn = async {
        let rows = list::rows(&state.db, &batch.placed).await?;
        let count = list::to_ship(&state.db).await?;
        Ok::<_, app::server::Error>((rows, count))
    };
    let (rows, count) = match drawn.await {
        Ok(drawn) => drawn,
        Err(error) => {
            tracing::warn!(%error, "live orders: cannot read the new rows");
            return Event::default().data(r#"{"reload":true}"#);
        }
    };
    let rows: Vec<_> = rows
        .into_iter()
        .map(|row| {
            let id = row.id.to_string();
            serde_json::json!({ "id": id, "html": app::ui::fragments::order_rows(vec![row], can_manage) })
        })
        .collect();
    let data = serde_json::json!({ "rows": rows, "count": count, "reload": batch.truncated });
    Event::default()
        .id(batch.next.to_string())
        .data(data.to_string())
}

pub async fn order(
    State(state): State<AppState>,
    axum::Extension(viewer): axum::Extension<RequestViewer>,
    Path(number): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let key = params.get("key").cloned();
    let account = viewer.0.map(|v| v.account_id);
    // Subscribe before the first read, so a change committed between the two still comes.
    let rx = state.feed.subscribe();
    // Checked now, before anything is streamed: an order this caller may not open is a 404.
    let first = match open(&state, number, key.as_deref(), account).await {
        Ok(order) => order,
        Err(error) => return crate::http::error_response(error),
    };
    let changes = batches(rx)
        .filter(move |batch| {
            // A reader that fell behind reads the order again too.
            std::future::ready(batch.as_ref().is_none_or(|b| b.changed.contains(&number)))
        })
        .then(move |_| {
            let (state, key) = (state.clone(), key.clone());
            async move { open(&state, number, key.as_deref(), account).await.ok() }
        });
    let events = stream::once(async move { Some(first) })
        .chain(changes)
        // An order that can no longer be opened (a lookup key expired) ends the stream.
        .take_while(|order| std::future::ready(order.is_some()))
        .filter_map(|order| async move {
            let html = app::ui::fragments::order_detail(order?);
            Some(Ok::<_, Infallible>(
                Event::default().data(serde_json::json!({ "html": html }).to_string()),
            ))
        });
    sse(events)
}

/// Order `number` as its page shows it, if this caller (its `key`, or the signed-in
/// `account`) may open it.
async fn open(
    state: &AppState,
    number: i64,
    key: Option<&str>,
    account: Option<i64>,
) -> Result<app::model::OrderView, app::server::Error> {
    let access = Access::of_request(
        &state.accounts.keys,
        number,
        key,
        account,
        app::server::auth::now(),
    )?;
    orders::view(&state.db, number, access).await
}

/// Each batch the feed sends; `None` where this reader fell behind.
fn batches(rx: Receiver<live::Batch>) -> impl Stream<Item = Option<live::Batch>> {
    stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            Ok(batch) => Some((Some(batch), rx)),
            Err(RecvError::Lagged(_)) => Some((None, rx)),
            Err(RecvError::Closed) => None,
        }
    })
}

fn sse(events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static) -> Response {
    let mut res = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}
