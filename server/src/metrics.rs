//! `/metrics`: the process's figures in Prometheus' text format.
//!
//! Requests are counted per route pattern (`/products/{slug}`, never the URL, so the series
//! stay few) and status class, with a histogram of the time to the response's head. The
//! domain's own counters (caches, orders, payments, sweepers, pool timeouts) are recorded in
//! `app::server::platform::metrics`. Gauges read at each scrape: the database pool, each
//! outbox's backlog and oldest age, search fallbacks and the resident memory.
//!
//! Served only where the settings ask: on a listener of its own (`DUKA_METRICS_ADDR`, a
//! private address) and/or on the site's port to `Authorization: Bearer $DUKA_METRICS_TOKEN`.

use app::server::platform::metrics::Backlog;
use app::server::platform::{mail, metrics as domain};
use app::server::search::{outbox, Engine};
use app::server::{orders, AppState};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::Unit;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::ExposeSecret;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const PATH: &str = "/metrics";
const REQUESTS: &str = "duka_http_requests_total";
const SECONDS: &str = "duka_http_request_duration_seconds";
/// From a cached page (well under a millisecond) to a slow export.
const BUCKETS: [f64; 13] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The process's recorder, installed by its first caller (the server at start; in tests,
/// the first router built). Recording before that goes nowhere.
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new();
        let installed = builder
            .set_buckets_for_metric(Matcher::Full(SECONDS.to_owned()), &BUCKETS)
            .map_err(|e| e.to_string())
            .and_then(|b| b.install_recorder().map_err(|e| e.to_string()));
        match installed {
            Ok(handle) => {
                describe();
                handle
            }
            Err(error) => {
                // Another recorder owns the process: render an empty one rather than fail.
                tracing::warn!(%error, "metrics recorder not installed");
                PrometheusBuilder::new().build_recorder().handle()
            }
        }
    })
}

fn describe() {
    domain::describe();
    describe_counter!(
        REQUESTS,
        Unit::Count,
        "HTTP responses by route, method and status class"
    );
    describe_histogram!(
        SECONDS,
        Unit::Seconds,
        "Time to the response's head, by route and method"
    );
    describe_gauge!(
        "duka_db_pool_connections",
        Unit::Count,
        "Database connections by state"
    );
    describe_gauge!(
        "duka_db_pool_max_connections",
        Unit::Count,
        "The pool's size limit"
    );
    describe_gauge!(
        "duka_outbox_waiting",
        Unit::Count,
        "Work waiting in each outbox"
    );
    describe_gauge!(
        "duka_outbox_oldest_seconds",
        Unit::Seconds,
        "Age of each outbox's oldest waiting row"
    );
    describe_gauge!(
        "duka_outbox_retrying",
        Unit::Count,
        "Waiting rows whose last attempt failed"
    );
    describe_counter!(
        "duka_search_fallbacks_total",
        Unit::Count,
        "Searches Meilisearch did not answer, answered by PostgreSQL"
    );
    describe_gauge!(
        "duka_process_resident_memory_bytes",
        Unit::Bytes,
        "Resident memory of the process"
    );
}

/// Keeps the histograms' windows moving; run by the server for as long as it serves.
pub async fn upkeep() {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        recorder().run_upkeep();
    }
}

/// Counts every response by the route that answered it (`other`: static files and pages no
/// route claims) and times it.
pub async fn track(req: Request, next: Next) -> Response {
    let route = match req.extensions().get::<MatchedPath>() {
        // A nested service's pattern names axum's private tail parameter.
        Some(path) => match path.as_str().split_once("/{*") {
            Some((prefix, _)) => format!("{prefix}/*"),
            None => path.as_str().to_owned(),
        },
        None => "other".to_owned(),
    };
    let method: &'static str = match *req.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let started = Instant::now();
    let res = next.run(req).await;
    let status = match res.status().as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    histogram!(SECONDS, "route" => route.clone(), "method" => method)
        .record(started.elapsed().as_secs_f64());
    counter!(REQUESTS, "route" => route, "method" => method, "status" => status).increment(1);
    res
}

/// `/metrics` on the site's port: only with the configured bearer token.
pub async fn guarded(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.settings.metrics.token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same(given.as_bytes(), token.expose_secret().as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a metrics token is needed\n",
        )
            .into_response();
    }
    render(State(state)).await
}

/// Compares in time that does not depend on where the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The figures, the gauges read now.
pub async fn render(State(state): State<AppState>) -> Response {
    let pool = &state.db;
    let idle = pool.num_idle() as f64;
    gauge!("duka_db_pool_connections", "state" => "idle").set(idle);
    gauge!("duka_db_pool_connections", "state" => "in_use").set(f64::from(pool.size()) - idle);
    gauge!("duka_db_pool_max_connections").set(f64::from(pool.options().get_max_connections()));
    backlog("email", mail::backlog(pool).await);
    backlog("order_notices", orders::notices::backlog(pool).await);
    if matches!(state.search, Engine::Meilisearch(_)) {
        backlog("search", outbox::backlog(pool).await);
    }
    counter!("duka_search_fallbacks_total").absolute(app::server::search::fallbacks());
    if let Some(bytes) = resident_bytes() {
        gauge!("duka_process_resident_memory_bytes").set(bytes as f64);
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        recorder().render(),
    )
        .into_response()
}

/// Sets an outbox's gauges; a failed read leaves the last ones and says so in the log.
fn backlog(outbox: &'static str, read: Result<Backlog, app::server::Error>) {
    match read {
        Ok(b) => {
            gauge!("duka_outbox_waiting", "outbox" => outbox).set(b.waiting as f64);
            gauge!("duka_outbox_oldest_seconds", "outbox" => outbox).set(b.oldest_seconds);
            gauge!("duka_outbox_retrying", "outbox" => outbox).set(b.retrying as f64);
        }
        Err(error) => tracing::warn!(%error, outbox, "outbox backlog not read for /metrics"),
    }
}

/// The resident set (`VmRSS` in `/proc/self/status`, Linux), in bytes.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
        assert!(!same(b"", b"a"));
    }
}
