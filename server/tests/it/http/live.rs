//! The live order feed over Server-Sent Events: staff see new orders arrive and miss none
//! across a reconnect; a shopper's order page follows that order and no other.

use super::hardening::staff_session;
use super::*;
use app::server::orders::live;
use std::time::Duration;

/// An open event stream: its response body, read event by event.
struct Stream(Body);

/// One event: its id (if any) and its data.
#[derive(Debug)]
struct Event {
    id: Option<String>,
    data: serde_json::Value,
}

impl Stream {
    async fn open(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Stream) {
        let res = app.clone().oneshot(req).await.expect("infallible");
        let (parts, body) = res.into_parts();
        (parts.status, parts.headers, Stream(body))
    }

    /// The next event with data, within five seconds (keep-alive comments are skipped).
    async fn next(&mut self) -> Event {
        let mut text = String::new();
        let read = async {
            loop {
                if let Some(end) = text.find("\n\n") {
                    let block: String = text.drain(..end + 2).collect();
                    let field = |name: &str| {
                        block
                            .lines()
                            .find_map(|l| l.strip_prefix(&format!("{name}:")))
                            .map(|v| v.trim_start().to_owned())
                    };
                    if let Some(data) = field("data") {
                        return Event {
                            id: field("id"),
                            data: serde_json::from_str(&data).expect("JSON data"),
                        };
                    }
                    continue;
                }
                let frame = self.0.frame().await.expect("stream open").expect("a frame");
                if let Ok(bytes) = frame.into_data() {
                    text.push_str(std::str::from_utf8(&bytes).expect("UTF-8"));
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(5), read)
            .await
            .expect("an event within 5 s")
    }

    /// Events until one satisfies `wanted`.
    async fn until(&mut self, wanted: impl Fn(&Event) -> bool) -> Event {
        loop {
            let event = self.next().await;
            if wanted(&event) {
                return event;
            }
        }
    }
}

fn rows_of(event: &Event) -> String {
    event.data["rows"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["html"].as_str()).collect())
        .unwrap_or_default()
}

fn shows(event: &Event, number: i64) -> bool {
    rows_of(event).contains(&format!("href=\"/admin/orders/{number}\""))
}

fn with_header(mut req: Request<Body>, name: &'static str, value: &str) -> Request<Body> {
    req.headers_mut()
        .insert(name, HeaderValue::from_str(value).expect("header"));
    req
}

async fn to_ship(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM orders
         WHERE status IN ('paid', 'confirmed', 'partially_fulfilled', 'fulfilled')",
    )
    .fetch_one(pool)
    .await
    .expect("count")
}

/// A seeded shop whose order feed polls every 100 ms: its site (kept for the test's
/// length), state and router.
async fn live_shop(pool: &PgPool) -> (Site, AppState, Router) {
    let site = Site::new();
    catalog::seed(pool, &media(&site), Currency::Aed, 8)
        .await
        .expect("seeds");
    let st = state(pool.clone(), &site.0, false);
    st.feed
        .clone()
        .start(pool.clone(), Duration::from_millis(100))
        .await
        .expect("feed");
    let app = duka_server::router(st.clone());
    (site, st, app)
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn staff_see_new_orders_arrive_and_miss_none_across_a_reconnect(pool: PgPool) {
    let (_site, st, app) = live_shop(&pool).await;
    let (_, clerk) = staff_session(&pool, &st, "clerk@shop.test", "order_clerk").await;
    let (_, catalog) = staff_session(&pool, &st, "cat@shop.test", "catalog_manager").await;

    // Only staff who may view orders.
    let path = "0";
    let stream_from = |from: &str| format!("/admin/orders/events?from={from}");
    for (cookies, refused) in [
        ("", StatusCode::UNAUTHORIZED),
        (catalog.as_str(), StatusCode::FORBIDDEN),
    ] {
        let (status, _, _) = Stream::open(&app, get_with(&stream_from(path), cookies)).await;
        assert_eq!(status, refused, "{cookies:?}");
    }

    let from = live::now(&pool).await.expect("now").to_string();
    let (status, headers, mut stream) =
        Stream::open(&app, get_with(&stream_from(&from), &clerk)).await;
    assert_eq!(status, StatusCode::OK);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    assert_eq!(header("content-type"), "text/event-stream");
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(
        header("x-accel-buffering"),
        "no",
        "proxies must not buffer it"
    );
    assert_eq!(
        header("content-encoding"),
        "",
        "never compressed (buffered)"
    );
    let opened = stream.next().await;
    assert_eq!(rows_of(&opened), "", "nothing placed since `from`");

    // An order placed while the list is open arrives as its row, with the count.
    let first = cash_order(&app, &pool).await;
    let arrived = stream.until(|e| shows(e, first)).await;
    assert_eq!(arrived.data["count"], to_ship(&pool).await);
    let resume = arrived.id.clone().expect("an event id");

    // The browser goes away; an order is placed meanwhile; it reconnects with the last id.
    drop(stream);
    let missed = cash_order(&app, &pool).await;
    let (status, _, mut stream) = Stream::open(
        &app,
        with_header(
            get_with(&stream_from(&from), &clerk),
            "last-event-id",
            &resume,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let caught_up = stream.next().await;
    assert!(shows(&caught_up, missed), "{caught_up:?}");
    // The cursor is a snapshot's xmin: a transaction still open when it was taken (another
    // connection's, on a busy machine) makes the resumed read start a little earlier, so
    // `first` may come again. The page drops a row it already shows; what matters is that
    // nothing is missed.
    assert_eq!(caught_up.data["count"], to_ship(&pool).await);

    // A reconnect that names nothing usable starts from now, not from the beginning.
    let (_, _, mut fresh) = Stream::open(&app, get_with("/admin/orders/events", &clerk)).await;
    assert_eq!(rows_of(&fresh.next().await), "");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn an_order_page_follows_its_own_order_and_no_other(pool: PgPool) {
    use app::model::OrderStatus;
    use app::server::orders::{Actor, StatusDetails};
    let (_site, st, app) = live_shop(&pool).await;
    let mine = cash_order_page(&app, &pool).await;
    let theirs = cash_order_page(&app, &pool).await;
    let number_of = |page: &str| -> i64 {
        page["/orders/".len()..]
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (my_number, their_number) = (number_of(&mine), number_of(&theirs));
    let my_key = mine
        .split("key=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let events = |number: i64, key: &str| format!("/orders/{number}/events?key={key}");

    // Another order's stream with my key, or none at all: not found, nothing streamed.
    for path in [
        events(their_number, my_key),
        format!("/orders/{my_number}/events"),
        events(my_number, "not-the-key"),
    ] {
        let (status, _, _) = Stream::open(&app, get_with(&path, "")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    let (status, _, mut stream) =
        Stream::open(&app, get_with(&events(my_number, my_key), "")).await;
    assert_eq!(status, StatusCode::OK);
    let now = stream.next().await;
    assert!(
        now.data["html"].as_str().unwrap().contains("Confirmed"),
        "{now:?}"
    );

    // Staff ship the other order, then mine: only mine arrives, as the page shows it.
    let staff = Actor::Staff(1);
    for number in [their_number, my_number] {
        for (status, details) in [
            (OrderStatus::Fulfilled, StatusDetails::default()),
            (
                OrderStatus::Shipped,
                StatusDetails {
                    shipment: app::model::shipment::ShipmentInput {
                        carrier: "aramex".into(),
                        tracking_number: format!("TRK-{number}"),
                        ..Default::default()
                    },
                    ..StatusDetails::default()
                },
            ),
        ] {
            st.payments
                .change_order_status(number, status, staff, &details)
                .await
                .expect("moves on");
        }
    }
    let shipped = stream
        .until(|e| {
            e.data["html"]
                .as_str()
                .unwrap_or("")
                .contains("Shipped with")
        })
        .await;
    let html = shipped.data["html"].as_str().unwrap();
    assert!(html.contains(&format!("TRK-{my_number}")), "{html}");
    assert!(!html.contains(&format!("TRK-{their_number}")), "{html}");
    assert!(
        !html.contains("<form"),
        "the shopper's part has no staff forms: {html}"
    );
}
