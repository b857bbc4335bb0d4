//! Search latency under open-loop load (run by `make bench`; prints figures, asserts nothing).
//!
//! Requests arrive as a Poisson process at `BENCH_RATE` per second for `BENCH_SECONDS`, as
//! independent shoppers do: each is due at its arrival time whether or not earlier ones have
//! been answered, and its latency counts from when it was due, so a queue in the server shows
//! (no coordinated omission). Each request is a path drawn at random from the mix read from
//! standard input, one `kind path` per line, sent to `BENCH_BASE` on a connection of its own.
//! Prints `kind requests p50_ms p99_ms errors` for each kind and for `all`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// xorshift64*: a fixed seed, so every run draws the same arrivals and the same paths.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }
}

fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v: &f64| *v > 0.0)
        .unwrap_or(default)
}

/// One GET on a fresh connection; true when the answer is a 200.
async fn get(addr: &str, host: &str, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return false;
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut answer = Vec::with_capacity(64 * 1024);
    if stream.read_to_end(&mut answer).await.is_err() {
        return false;
    }
    answer.starts_with(b"HTTP/1.1 200")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    let base = std::env::var("BENCH_BASE").unwrap_or_else(|_| "http://127.0.0.1:3200".into());
    let host = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let rate = env_number("BENCH_RATE", 50.0);
    let seconds = env_number("BENCH_SECONDS", 10.0);
    let mix: Vec<(String, String)> = std::io::stdin()
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| {
            let (kind, path) = line.trim().split_once(' ')?;
            Some((kind.to_owned(), path.trim().to_owned()))
        })
        .collect();
    if mix.is_empty() {
        eprintln!("search_load: no `kind path` lines on standard input");
        std::process::exit(2);
    }

    // The arrivals, drawn up front and timed by a thread of their own: `std::thread::sleep`
    // wakes within tens of microseconds of the due time, where tokio's timer counts whole
    // milliseconds and would add up to one to every latency measured from it.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let end = Duration::from_secs_f64(seconds);
    let mut due = Duration::ZERO;
    let mut arrivals = Vec::new();
    loop {
        due += Duration::from_secs_f64(-rng.unit().ln() / rate);
        if due >= end {
            break;
        }
        arrivals.push((due, mix[(rng.next() % mix.len() as u64) as usize].clone()));
    }
    let (sender, mut arrived) = tokio::sync::mpsc::unbounded_channel();
    let start = Instant::now() + Duration::from_millis(50);
    let clock = std::thread::spawn(move || {
        for (due, request) in arrivals {
            let at = start + due;
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            if sender.send((at, request)).is_err() {
                return;
            }
        }
    });

    // One thread for the requests: the generator should take as little of the machine as it
    // can.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let results = runtime.block_on(async {
        let mut requests = Vec::new();
        while let Some((at, (kind, path))) = arrived.recv().await {
            let (host, addr) = (host.clone(), host.clone());
            requests.push(tokio::spawn(async move {
                let ok = get(&addr, &host, &path).await;
                let elapsed = Instant::now().saturating_duration_since(at);
                (kind, elapsed.as_secs_f64() * 1000.0, ok)
            }));
        }
        let mut results = Vec::with_capacity(requests.len());
        for request in requests {
            results.push(request.await.expect("a request task"));
        }
        results
    });
    clock.join().expect("the arrival clock");

    let mut by_kind: BTreeMap<String, (Vec<f64>, usize)> = BTreeMap::new();
    for (kind, ms, ok) in results {
        for key in [kind, "all".to_owned()] {
            let entry = by_kind.entry(key).or_default();
            if ok {
                entry.0.push(ms);
            } else {
                entry.1 += 1;
            }
        }
    }
    for (kind, (mut times, errors)) in by_kind {
        times.sort_by(f64::total_cmp);
        println!(
            "{kind} {} {:.2} {:.2} {errors}",
            times.len() + errors,
            percentile(&times, 50.0),
            percentile(&times, 99.0)
        );
    }
}
