//! Many instances (README: Deploy): three `duka` processes behind nginx, on one PostgreSQL
//! and one Redis, as `deploy/` runs them (the nginx snippet is the deploy file itself).
//!
//! - a cart filled through one instance is the cart on another;
//! - a price changed in the database retires the cached pages of every instance within a
//!   second;
//! - sign-in attempts are counted across instances (Redis);
//! - order notices are written as email once each, whichever instance's worker takes them,
//!   and card orders not paid in time are released once each, whichever instance sweeps;
//! - every instance restarted in turn (SIGTERM, start again) while shoppers browse and place
//!   orders through nginx: no request fails and every acknowledged order is in the database.
//!
//! Skipped, saying why, without nginx (`scripts/test.sh` installs it from Debian) or Redis.

use crate::input_value;
use crate::process::{database_url, eventually, free_port, Browser, Duka, Scratch};
use app::api::cart::{AddToCart, PlaceOrder, SaveCheckoutDetails};
use app::model::{Currency, Money};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use sqlx::PgPool;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// nginx in front of the instances, with the deploy's proxy settings.
struct Nginx {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

impl Nginx {
    fn start(dir: &Path, upstreams: &[u16]) -> Nginx {
        let port = free_port();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let snippet = root.join("deploy/nginx/duka-proxy.conf");
        let servers: String = upstreams
            .iter()
            .map(|p| format!("server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n"))
            .collect();
        let temp = dir.join("nginx");
        std::fs::create_dir_all(&temp).expect("nginx dir");
        // Workers run as the user starting the test (root must say so, or they run as nobody).
        let root_user = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        let user = if root_user { "user root;" } else { "" };
        let conf = format!(
            "{user}
             worker_processes 1;
             pid {t}/nginx.pid;
             error_log {t}/error.log warn;
             events {{ worker_connections 1024; }}
             http {{
                 access_log off;
                 client_body_temp_path {t}/body; proxy_temp_path {t}/proxy;
                 fastcgi_temp_path {t}/fastcgi; uwsgi_temp_path {t}/uwsgi; scgi_temp_path {t}/scgi;
                 upstream duka {{ {servers} }}
                 server {{
                     listen 127.0.0.1:{port};
                     location / {{ proxy_pass http://duka; include {snippet}; }}
                 }}
             }}",
            t = temp.display(),
            snippet = snippet.display(),
        );
        let file = temp.join("nginx.conf");
        std::fs::write(&file, conf).expect("nginx.conf");
        let child = Command::new("nginx")
            .args(["-e", "stderr", "-g", "daemon off;", "-c"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nginx not listening in 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log: temp.join("error.log"),
        }
    }
}

impl Nginx {
    /// nginx's error log: each kind of message once, in order.
    fn errors(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        // The first lines say what started it; then each kind of message once.
        let mut seen = std::collections::BTreeSet::new();
        log.lines()
            .filter(|l| {
                let kind = l.split("] ").nth(1).unwrap_or(l);
                let kind = kind.split(", client").next().unwrap_or(kind);
                let kind: String = kind.chars().filter(|c| !c.is_ascii_digit()).collect();
                seen.insert(kind)
            })
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM to the master stops its workers too (SIGKILL would leave them listening).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Why this machine cannot run the test, if it cannot.
fn missing() -> Option<String> {
    if Command::new("nginx").arg("-v").output().is_err() {
        return Some("nginx is not installed (scripts/test.sh installs it)".into());
    }
    if std::env::var("REDIS_URL").is_err() {
        return Some("REDIS_URL is not set (scripts/services.sh start --redis)".into());
    }
    None
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn three_instances_behind_nginx_share_carts_caches_limits_and_work_and_restart_in_turn(
    pool: PgPool,
) {
    if let Some(why) = missing() {
        // `make test` provides both: there a missing one is a failure, not a skip.
        assert!(std::env::var("DUKA_REQUIRE_SERVICES").is_err(), "{why}");
        eprintln!("skipped: {why}");
        return;
    }
    let dir = Scratch::new("cluster");
    app::server::catalog::seed(
        &pool,
        &app::server::platform::media::MediaStore::new(dir.0.join("media")),
        Currency::Aed,
        6,
    )
    .await
    .expect("seeds");
    sqlx::query("UPDATE variants SET stock = 100000")
        .execute(&pool)
        .await
        .expect("stock");
    let (product_id, slug, name, sku): (i64, String, String, String) = sqlx::query_as(
        "SELECT p.id, p.slug, p.name, v.sku FROM products p JOIN variants v ON v.product_id = p.id
         WHERE p.status = 'active' ORDER BY p.id, v.id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .expect("a product");

    let db_url = database_url(&pool).await;
    let ports = [free_port(), free_port(), free_port()];
    let nginx = Nginx::start(&dir.0, &ports);
    let shop = nginx.base.clone();
    let extra: Vec<(String, String)> = [
        ("DUKA_PUBLIC_URL", shop.clone()),
        ("REDIS_URL", std::env::var("REDIS_URL").expect("checked")),
        ("DUKA_TRUSTED_PROXIES", "127.0.0.1".to_owned()),
        ("DUKA_SWEEP_SECONDS", "1".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut instances = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        instances.push(Some(
            Duka::start(&db_url, &dir.0, *port, 10 * i as u32, &extra).await,
        ));
    }
    let at = |i: usize| format!("http://127.0.0.1:{}", ports[i]);

    // A cart filled through A is the cart on B.
    let mut browser = Browser::at(&at(0), &shop);
    let to = browser
        .submit(
            AddToCart::PATH,
            "/products/x",
            format!("sku={sku}&quantity=2"),
        )
        .await;
    assert_eq!(to, "/cart?done=added");
    browser.base = at(1);
    let (status, cart) = browser.get("/cart").await;
    assert_eq!(status, StatusCode::OK);
    assert!(cart.contains(&name), "B shows the cart filled on A");

    // A price changed retires the cached page on every instance within a second.
    let page = format!("/products/{slug}");
    for i in [0, 1, 2] {
        let mut b = Browser::at(&at(i), &shop);
        for _ in 0..2 {
            assert_eq!(b.get(&page).await.0, StatusCode::OK);
        }
    }
    let price = Money::new(123_456, Currency::Aed).to_string();
    sqlx::query("UPDATE variants SET price_minor = 123456 WHERE product_id = $1")
        .bind(product_id)
        .execute(&pool)
        .await
        .expect("new price");
    let changed = Instant::now();
    for i in [0, 1, 2] {
        let mut b = Browser::at(&at(i), &shop);
        loop {
            let (_, body) = b.get(&page).await;
            if body.contains(&price) {
                break;
            }
            assert!(
                changed.elapsed() < Duration::from_secs(1),
                "instance {i} still shows the old price after a second"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    eprintln!(
        "every instance showed the new price {:?} after the change",
        changed.elapsed()
    );

    // Sign-in attempts for one account are counted across the instances. Redis outlives the
    // test: a new account and client address each run, so a rerun starts from nothing.
    let limit = app::server::platform::limits::SIGN_IN_PER_ACCOUNT.max as usize;
    let client = crate::process::client();
    let run = app::server::platform::error::new_reference();
    let address = format!("198.18.{}.{}", ports[0] % 250, ports[1] % 250);
    let attempt = |i: usize, n: usize| {
        client
            .post(format!("{}{}", at(i), app::api::account::SignIn::PATH))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &shop)
            .header("x-forwarded-for", &address)
            .body(format!(
                "email=nobody.{run}%40example.com&password=Guess-{n:04}"
            ))
            .send()
    };
    for n in 0..limit {
        let status = attempt(n % 3, n).await.expect("sign-in").status();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {n}");
    }
    let status = attempt(limit % 3, limit).await.expect("sign-in").status();
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the limit holds across instances"
    );

    // Shoppers through nginx while every instance is restarted in turn.
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let requests = Arc::new(AtomicU64::new(0));
    let placed = Arc::new(Mutex::new(Vec::<i64>::new()));
    let mut load = Vec::new();
    for shopper_no in 0..4 {
        let (stop, failures, requests, placed) = (
            stop.clone(),
            failures.clone(),
            requests.clone(),
            placed.clone(),
        );
        let (shop, sku, page) = (shop.clone(), sku.clone(), page.clone());
        load.push(tokio::spawn(async move {
            let mut round = 0;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                let email = format!("s{shopper_no}.{round}@example.com");
                match shop_once(&shop, &sku, &page, &email, &requests).await {
                    Ok(number) => placed.lock().expect("lock").push(number),
                    Err(failure) => failures.lock().expect("lock").push(failure),
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for (i, port) in ports.iter().enumerate() {
        let duka = instances[i].take().expect("running");
        assert!(duka.stop().await, "instance {i} exits cleanly on SIGTERM");
        tokio::time::sleep(Duration::from_millis(300)).await;
        instances[i] = Some(Duka::start(&db_url, &dir.0, *port, 10 * i as u32 + 1, &extra).await);
        // As a deploy does: the next one only once nginx takes this one back (it set the
        // refused instance aside for `fail_timeout`, 2 s).
        tokio::time::sleep(Duration::from_millis(2_500)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.expect("shopper");
    }
    let failures = failures.lock().expect("lock").clone();
    let placed = placed.lock().expect("lock").clone();
    eprintln!(
        "rolling restart: {} requests, {} failed, {} orders acknowledged",
        requests.load(Ordering::Relaxed),
        failures.len(),
        placed.len()
    );
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for f in &failures {
        *kinds.entry(f.as_str()).or_default() += 1;
    }
    assert!(
        failures.is_empty(),
        "failed during the restarts: {kinds:?}\nnginx: {}",
        nginx.errors()
    );
    assert!(placed.len() >= 10, "shoppers kept buying: {}", placed.len());
    let stored: Vec<i64> = sqlx::query_scalar("SELECT number FROM orders WHERE number = ANY($1)")
        .bind(&placed)
        .fetch_all(&pool)
        .await
        .expect("orders");
    assert_eq!(
        stored.len(),
        placed.len(),
        "every acknowledged order is stored"
    );

    // Order notices are written as email once each, whichever instance takes them.
    let emails = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM email_outbox")
            .fetch_one(&pool)
            .await
            .expect("count")
    };
    let before = emails(pool.clone()).await;
    let notices = sqlx::query(
        "INSERT INTO order_notices (order_id, kind) SELECT id, 'delivered' FROM orders",
    )
    .execute(&pool)
    .await
    .expect("notices")
    .rows_affected() as i64;
    eventually(
        &pool,
        "every notice written as email",
        "SELECT NOT EXISTS (SELECT 1 FROM order_notices)",
    )
    .await;
    assert_eq!(
        emails(pool.clone()).await - before,
        notices,
        "each notice once"
    );

    // Card orders not paid in time are released once each, whichever instance sweeps (every
    // second on each): one cancellation and one stock movement per order, no more.
    let unpaid: Vec<i64> = sqlx::query_scalar(
        "WITH o AS (
             INSERT INTO orders (checkout_key, access_hash, email, status, payment_method,
                 currency, prices_include_tax, subtotal_minor, discount_minor, shipping_minor,
                 tax_minor, total_minor, shipping_address, shipping_country, shipping_rate_name,
                 tax_rate_bp, pay_by)
             SELECT 'cluster-unpaid-' || i, sha256(i::TEXT::BYTEA), 'u' || i || '@example.com',
                    'pending_payment', 'card', 'AED', true, 1000, 0, 0, 48, 1000,
                    jsonb_build_object('name', 'Unpaid ' || i, 'line1', '1 Road', 'city', 'Dubai',
                                       'country', 'AE'),
                    'AE', 'Standard', 500, now() - INTERVAL '1 minute'
             FROM generate_series(1, 40) i RETURNING id)
         INSERT INTO order_lines (order_id, line_no, variant_id, sku, product_name,
             unit_price_minor, quantity, discount_minor, tax_minor, tax_rate_bp)
         SELECT o.id, 1, v.id, v.sku, 'Unpaid item', 1000, 1, 0, 48, 500
         FROM o, variants v WHERE v.sku = $1 RETURNING order_id",
    )
    .bind(&sku)
    .fetch_all(&pool)
    .await
    .expect("unpaid orders");
    assert_eq!(unpaid.len(), 40);
    eventually(
        &pool,
        "every unpaid order released",
        "SELECT NOT EXISTS (SELECT 1 FROM orders
                            WHERE checkout_key LIKE 'cluster-unpaid-%' AND status = 'pending_payment')",
    )
    .await;
    let (cancellations, movements, returned): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM order_events WHERE order_id = ANY($1) AND to_status = 'cancelled'),
                (SELECT count(*) FROM stock_movements WHERE order_id = ANY($1)),
                (SELECT COALESCE(sum(delta), 0)::BIGINT FROM stock_movements WHERE order_id = ANY($1))",
    )
    .bind(&unpaid)
    .fetch_one(&pool)
    .await
    .expect("counted");
    assert_eq!(
        (cancellations, movements, returned),
        (40, 40, 40),
        "each released once"
    );
    drop(nginx);
}

/// One shopper's visit through the load balancer: a product page, the cart, the details,
/// the checkout page and a cash-on-delivery order. The order's number, or what failed.
async fn shop_once(
    shop: &str,
    sku: &str,
    page: &str,
    email: &str,
    requests: &AtomicU64,
) -> Result<i64, String> {
    let mut b = Browser::at(shop, shop);
    let seen = |what: &str, status: StatusCode, want: StatusCode| {
        requests.fetch_add(1, Ordering::Relaxed);
        if status == want {
            Ok(())
        } else {
            Err(format!("{what}: {status}"))
        }
    };
    let (status, _) = try_get(&mut b, page).await?;
    seen("product page", status, StatusCode::OK)?;
    let (status, to) = try_submit(
        &mut b,
        AddToCart::PATH,
        page,
        format!("sku={sku}&quantity=1"),
    )
    .await?;
    seen("add to cart", status, StatusCode::FOUND)?;
    if to != "/cart?done=added" {
        return Err(format!("add to cart went to {to}"));
    }
    let details = format!(
        "email={}&address[name]=Layla&address[line1]=12+Al+Wasl+Road&address[city]=Dubai&address[country]=AE",
        email.replace('@', "%40")
    );
    let (status, _) = try_submit(&mut b, SaveCheckoutDetails::PATH, "/checkout", details).await?;
    seen("details", status, StatusCode::FOUND)?;
    let (status, checkout) = try_get(&mut b, "/checkout").await?;
    seen("checkout page", status, StatusCode::OK)?;
    let form = format!(
        "checkout_key={}&payment_method=cash_on_delivery&expected_total={}",
        input_value(&checkout, "checkout_key"),
        input_value(&checkout, "expected_total")
    );
    let (status, to) = try_submit(&mut b, PlaceOrder::PATH, "/checkout", form).await?;
    seen("place order", status, StatusCode::FOUND)?;
    to.strip_prefix("/orders/")
        .and_then(|rest| rest.split('?').next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("place order went to {to}"))
}

async fn try_get(b: &mut Browser, path: &str) -> Result<(StatusCode, String), String> {
    let res = b
        .client
        .get(format!("{}{path}", b.base))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    b.keep_cookies(res.headers());
    let status = res.status();
    Ok((
        status,
        res.text().await.map_err(|e| format!("GET {path}: {e}"))?,
    ))
}

async fn try_submit(
    b: &mut Browser,
    path: &str,
    from: &str,
    body: String,
) -> Result<(StatusCode, String), String> {
    let res = b
        .form(path, from, body)
        .send()
        .await
        .map_err(|e| format!("POST {path}: {e}"))?;
    b.keep_cookies(res.headers());
    Ok((res.status(), crate::process::location(res.headers())))
}
