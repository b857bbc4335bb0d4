//! The shopper's whole checkout over HTTP (run by `make bench`, which measures the CPU time
//! of the server and of PostgreSQL around it; this prints what it did and asserts nothing
//! but that every step answered as a browser expects).
//!
//! Each order is what a browser without JavaScript does, redirects followed, static files
//! not fetched: add to cart (then the cart page), the checkout page, the details form (then
//! the checkout page), the delivery choice (then the checkout page), place the order (then
//! its page): nine requests. `BENCH_ORDERS` orders (default 300) by `BENCH_SHOPPERS` shoppers
//! at once (default 4), each a new guest, against `BENCH_BASE`, the SKUs read from standard
//! input (one per line, each with plenty of stock). Prints `orders N requests R seconds S`.

use app::api::cart::{AddToCart, ChooseShipping, PlaceOrder, SaveCheckoutDetails};
use leptos::server_fn::ServerFn;
use reqwest::header::{HeaderMap, COOKIE, LOCATION, ORIGIN, REFERER, SET_COOKIE};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// A browser without JavaScript: cookies kept, redirects followed by hand (and counted).
struct Shopper {
    client: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
    requests: u64,
}

impl Shopper {
    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join("; ")
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(SET_COOKIE) {
            let pair = value.to_str().unwrap_or("").split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
    }

    async fn get(&mut self, path: &str) -> Result<String, Failure> {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await?;
        self.requests += 1;
        self.keep_cookies(res.headers());
        if res.status() != StatusCode::OK {
            return Err(format!("GET {path}: {}", res.status()).into());
        }
        Ok(res.text().await?)
    }

    /// Posts a form from page `from`, then loads the page it redirects to.
    async fn submit(&mut self, path: &str, from: &str, body: String) -> Result<String, Failure> {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .header(ORIGIN, &self.base)
            .header(REFERER, format!("{}{from}", self.base))
            .header(COOKIE, self.cookie_header())
            .body(body)
            .send()
            .await?;
        self.requests += 1;
        self.keep_cookies(res.headers());
        let to = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if res.status() != StatusCode::FOUND || to.is_empty() || to.contains("error") {
            return Err(format!("POST {path}: {} to {to:?}", res.status()).into());
        }
        self.get(&to).await
    }

    /// One order of one unit of `sku`, cash on delivery.
    async fn checkout(&mut self, sku: &str) -> Result<(), Failure> {
        self.cookies.clear();
        self.submit(
            AddToCart::PATH,
            "/products/x",
            format!("sku={sku}&quantity=1"),
        )
        .await?;
        self.get("/checkout").await?;
        let details = "email=bench%40example.com&address[name]=Bench+Buyer\
                       &address[line1]=1+Test+Street&address[city]=Dubai&address[country]=AE";
        let page = self
            .submit(SaveCheckoutDetails::PATH, "/checkout", details.to_owned())
            .await?;
        let rate = input_value(&page, "rate_id").ok_or("no delivery option")?;
        let page = self
            .submit(ChooseShipping::PATH, "/checkout", format!("rate_id={rate}"))
            .await?;
        let key = input_value(&page, "checkout_key").ok_or("no checkout key")?;
        let total = input_value(&page, "expected_total").ok_or("no total")?;
        let order = self
            .submit(
                PlaceOrder::PATH,
                "/checkout",
                format!(
                    "checkout_key={key}&payment_method=cash_on_delivery&expected_total={total}"
                ),
            )
            .await?;
        if !order.contains("Confirmed") {
            return Err("the order page does not show a confirmed order".into());
        }
        Ok(())
    }
}

/// The `value` attribute of the first input named `name` in a page.
fn input_value(body: &str, name: &str) -> Option<String> {
    let at = body.find(&format!("name=\"{name}\""))?;
    let tag_start = body[..at].rfind('<')?;
    let tag_end = at + body[at..].find('>')?;
    let tag = &body[tag_start..tag_end];
    let v = tag.find("value=\"")? + 7;
    Some(tag[v..v + tag[v..].find('"')?].to_owned())
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let base = std::env::var("BENCH_BASE").map_err(|_| "BENCH_BASE is not set")?;
    let orders = env_number("BENCH_ORDERS", 300);
    let shoppers = env_number("BENCH_SHOPPERS", 4);
    let skus: Arc<Vec<String>> = Arc::new(
        std::io::stdin()
            .lock()
            .lines()
            .map_while(Result::ok)
            .filter(|l| !l.trim().is_empty())
            .collect(),
    );
    if skus.is_empty() {
        return Err("no SKUs on standard input".into());
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for s in 0..shoppers {
        let mut shopper = Shopper {
            client: client.clone(),
            base: base.clone(),
            cookies: BTreeMap::new(),
            requests: 0,
        };
        let skus = skus.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = s;
            while n < orders {
                shopper.checkout(&skus[n % skus.len()]).await?;
                n += shoppers;
            }
            Ok::<_, Failure>(shopper.requests)
        }));
    }
    let mut requests = 0;
    for task in tasks {
        requests += task.await??;
    }
    println!(
        "orders {orders} requests {requests} seconds {:.2}",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
