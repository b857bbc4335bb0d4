//! What the domain counts for operators, recorded through the `metrics` facade: the `duka`
//! binary installs a Prometheus recorder and serves `/metrics`; with no recorder installed
//! (this crate's tests) recording does nothing. Every name is here, so the dashboard and the
//! alert rules in `deploy/` have one place to read them from.

use metrics::{counter, describe_counter, Unit};

/// Cache lookups by cache (`page`, `catalog`) and outcome (`hit`, `miss`).
pub const CACHE_LOOKUPS: &str = "duka_cache_lookups_total";
/// Orders placed, by payment method.
pub const ORDERS_PLACED: &str = "duka_orders_placed_total";
/// Payments and refunds as providers answered them: by method, kind and outcome.
pub const PAYMENTS: &str = "duka_payments_total";
/// Sweeper runs by job and outcome (`ok`, `failed`).
pub const SWEEPS: &str = "duka_sweeper_runs_total";
/// Database reads and writes that found no free connection before the pool's timeout.
pub const POOL_TIMEOUTS: &str = "duka_db_pool_timeouts_total";

/// Says what each counter means (once, when the recorder is installed).
pub fn describe() {
    describe_counter!(
        CACHE_LOOKUPS,
        Unit::Count,
        "Cache lookups by cache and outcome"
    );
    describe_counter!(
        ORDERS_PLACED,
        Unit::Count,
        "Orders placed, by payment method"
    );
    describe_counter!(
        PAYMENTS,
        Unit::Count,
        "Payments and refunds by method, kind and outcome"
    );
    describe_counter!(SWEEPS, Unit::Count, "Sweeper runs by job and outcome");
    describe_counter!(
        POOL_TIMEOUTS,
        Unit::Count,
        "Database calls that waited for a connection until the pool's timeout"
    );
}

/// A lookup in `cache` found its value (`hit`) or not.
pub fn cache_lookup(cache: &'static str, hit: bool) {
    let outcome = if hit { "hit" } else { "miss" };
    counter!(CACHE_LOOKUPS, "cache" => cache, "outcome" => outcome).increment(1);
}

/// An order was placed and paid by `method` (`card`, `cash_on_delivery`).
pub fn order_placed(method: &'static str) {
    counter!(ORDERS_PLACED, "method" => method).increment(1);
}

/// A provider's answer about money: `kind` is `payment` or `refund`, `outcome` what became
/// of it (`succeeded`, `failed`, `refused`...).
pub fn payment(method: &'static str, kind: &'static str, outcome: &'static str) {
    counter!(PAYMENTS, "method" => method, "kind" => kind, "outcome" => outcome).increment(1);
}

/// Sweeper `job` ran to its end (`ok`) or failed.
pub fn sweep(job: &'static str, ok: bool) {
    let outcome = if ok { "ok" } else { "failed" };
    counter!(SWEEPS, "job" => job, "outcome" => outcome).increment(1);
}

/// A call gave up waiting for a database connection.
pub fn pool_timeout() {
    counter!(POOL_TIMEOUTS).increment(1);
}

/// An outbox's waiting work, as `/metrics` reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Backlog {
    /// Rows waiting to be done.
    pub waiting: i64,
    /// How long the oldest of them has waited, in seconds (0 when none waits).
    pub oldest_seconds: f64,
    /// Those of them whose last attempt failed (retried with backoff).
    pub retrying: i64,
}
