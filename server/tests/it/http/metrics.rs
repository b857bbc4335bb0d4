//! `/metrics`: off unless configured, behind its bearer token on the site's port, and its
//! figures following what happens (requests per route pattern, the page cache, orders placed,
//! the email outbox's backlog against SQL). The recorder is the process's, shared by tests
//! running at once, so counters are checked by how much they grew.

use super::*;
use crate::support::shop as fixtures;

const TOKEN: &str = "9c2f4e6a8b0d1f3e5a7c9e1b3d5f7a9c";

/// The sum of the samples of `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| {
            let (series_name, rest) = series.split_once('{').unwrap_or((series, ""));
            series_name == name
                && labels
                    .iter()
                    .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|(_, value)| value.parse::<f64>().ok())
        .sum()
}

async fn scrape(app: &Router) -> String {
    let req = Request::get("/metrics")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .expect("request");
    let (status, headers, body) = send(app, req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .expect("ascii")
        .starts_with("text/plain; version=0.0.4"));
    body
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn metrics_are_off_by_default_and_need_their_token(pool: PgPool) {
    let site = Site::new();
    let off = duka_server::router(state(pool.clone(), &site.0, false));
    let (status, _, _) = get(&off, "/metrics").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "not served unless configured"
    );

    let on = duka_server::router(state_with(
        pool,
        &site.0,
        false,
        &[("DUKA_METRICS_TOKEN", TOKEN)],
    ));
    for authorization in [
        None,
        Some("Bearer nope"),
        Some(&format!("Basic {TOKEN}")[..]),
    ] {
        let mut req = Request::get("/metrics");
        if let Some(value) = authorization {
            req = req.header(header::AUTHORIZATION, value);
        }
        let (status, headers, body) = send(&on, req.body(Body::empty()).expect("req")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
        assert!(!body.contains("duka_"), "no figures without the token");
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn metrics_follow_requests_caches_orders_and_the_email_outbox(pool: PgPool) {
    let site = Site::new();
    catalog::seed(&pool, &media(&site), Currency::Aed, 40)
        .await
        .expect("seeds");
    let app = duka_server::router(state_with(
        pool.clone(),
        &site.0,
        false,
        &[("DUKA_METRICS_TOKEN", TOKEN)],
    ));
    let slug: String = sqlx::query_scalar("SELECT slug FROM products ORDER BY id LIMIT 1")
        .fetch_one(&pool)
        .await
        .expect("a product");
    let product = [
        ("route", "/products/{slug}"),
        ("method", "GET"),
        ("status", "2xx"),
    ];
    let page_hit = [("cache", "page"), ("outcome", "hit")];
    let placed = [("method", "cash_on_delivery")];
    let before = scrape(&app).await;

    // A product page twice: two requests of its route (not its URL), the second from the
    // page cache.
    for _ in 0..2 {
        let (status, _, _) = get(&app, &format!("/products/{slug}")).await;
        assert_eq!(status, StatusCode::OK);
    }
    // An order placed by cash on delivery (the seed made the UAE's delivery zone).
    let variant = fixtures::variant(&pool, "metrics-mug", 2_500, 5).await;
    let owner = fixtures::buyer(&pool, "m@example.com", &[(variant, 1)]).await;
    fixtures::place_cash(&pool, &fixtures::keys(), &owner)
        .await
        .expect("placed");

    let after = scrape(&app).await;
    let grew = |name: &str, labels: &[(&str, &str)]| {
        sample(&after, name, labels) - sample(&before, name, labels)
    };
    assert!(grew("duka_http_requests_total", &product) >= 2.0, "{after}");
    assert!(
        !after.contains(&format!("/products/{slug}")),
        "routes are patterns, never URLs"
    );
    assert!(
        grew("duka_cache_lookups_total", &page_hit) >= 1.0,
        "{after}"
    );
    assert!(grew("duka_orders_placed_total", &placed) >= 1.0, "{after}");
    assert!(
        sample(
            &after,
            "duka_http_request_duration_seconds_count",
            &product[..2]
        ) >= 2.0,
        "{after}"
    );

    // The email outbox as SQL counts it (the order's confirmation is waiting: no worker runs).
    let (waiting, oldest): (i64, f64) = sqlx::query_as(
        "SELECT count(*), EXTRACT(EPOCH FROM now() - min(created_at))::FLOAT8
         FROM email_outbox WHERE sent_at IS NULL AND failed_at IS NULL",
    )
    .fetch_one(&pool)
    .await
    .expect("outbox");
    assert!(waiting >= 1);
    let email = [("outbox", "email")];
    assert_eq!(
        sample(&after, "duka_outbox_waiting", &email),
        waiting as f64
    );
    let reported = sample(&after, "duka_outbox_oldest_seconds", &email);
    assert!(
        (oldest - 1.0..=oldest + 1.0).contains(&reported),
        "{reported} vs {oldest}"
    );
    assert!(sample(&after, "duka_db_pool_max_connections", &[]) >= 1.0);
    assert!(sample(&after, "duka_process_resident_memory_bytes", &[]) > 1e6);
}

/// The `duka_*` names in `text`, histogram series named by their histogram.
fn metric_names(text: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("duka_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(tail.len());
        let name = &tail[..end];
        let name = ["_bucket", "_count", "_sum"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(name);
        names.insert(name.to_owned());
        rest = &tail[end..];
    }
    names
}

#[test]
fn the_alert_rules_and_dashboard_name_only_metrics_the_binary_records() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |p: &str| std::fs::read_to_string(root.join(p)).expect("readable");
    let recorded = metric_names(&format!(
        "{}{}",
        read("server/src/metrics.rs"),
        read("app/src/server/platform/metrics.rs")
    ));
    for file in ["deploy/prometheus/alerts.yml", "deploy/grafana/duka.json"] {
        let named = metric_names(&read(file));
        assert!(!named.is_empty(), "{file} names metrics");
        let unknown: Vec<_> = named.difference(&recorded).collect();
        assert!(
            unknown.is_empty(),
            "{file} names {unknown:?}, which nothing records"
        );
    }
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("deploy/grafana/duka.json")).expect("the dashboard is JSON");
    assert!(dashboard["panels"]
        .as_array()
        .is_some_and(|p| p.len() >= 10));
}
