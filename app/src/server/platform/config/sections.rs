//! One resolver per section of the settings: each reads its part of the file and its
//! environment variables, applies the defaults and checks the values, naming the setting to
//! fix when one is wrong.

use super::file::{FileDatabase, FileRedis, FileSearch, FileSite, FileStore};
use super::values::{days, default_pool_size, invalid, minutes, pick};
use super::{
    ConfigError, DatabaseSettings, EnvLookup, Environment, LogFormat, MeilisearchSettings,
    RedisSettings, SearchSettings, SiteSettings, StoreSettings,
};
use crate::model::Currency;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the server listens, the address shoppers use, and the built site.
pub(super) fn site(
    env: EnvLookup<'_>,
    file: FileSite,
    hash_files_default: bool,
) -> Result<SiteSettings, ConfigError> {
    // cargo-leptos exports LEPTOS_* while it builds and runs the server; honour them so
    // `cargo leptos watch` serves what it built. DUKA_* wins over both.
    let addr = pick(
        env,
        &["DUKA_SITE_ADDR", "LEPTOS_SITE_ADDR"],
        file.addr,
        "site.addr",
    )?
    .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
    let public_url: String = pick(
        env,
        &["DUKA_PUBLIC_URL"],
        file.public_url,
        "site.public_url",
    )?
    .unwrap_or_else(|| format!("http://{addr}"));
    let public_url = public_url.trim_end_matches('/').to_owned();
    if !(public_url.starts_with("http://") || public_url.starts_with("https://"))
        || public_url.contains(char::is_whitespace)
    {
        return Err(invalid(
            "site.public_url",
            "must be an http:// or https:// URL",
        ));
    }
    let root: String = pick(
        env,
        &["DUKA_SITE_ROOT", "LEPTOS_SITE_ROOT"],
        file.root,
        "site.root",
    )?
    .unwrap_or_else(|| "target/site".to_owned());
    let pkg_dir: String = pick(env, &["LEPTOS_SITE_PKG_DIR"], file.pkg_dir, "site.pkg_dir")?
        .unwrap_or_else(|| "pkg".to_owned());
    let output_name: String = pick(
        env,
        &["LEPTOS_OUTPUT_NAME"],
        file.output_name,
        "site.output_name",
    )?
    .unwrap_or_else(|| "duka".to_owned());
    let hash_files = pick(
        env,
        &["LEPTOS_HASH_FILES"],
        file.hash_files,
        "site.hash_files",
    )?
    .unwrap_or(hash_files_default);
    let reload_port = pick(
        env,
        &["LEPTOS_RELOAD_PORT"],
        file.reload_port,
        "site.reload_port",
    )?
    .unwrap_or(3001);
    Ok(SiteSettings {
        addr,
        public_url,
        root: PathBuf::from(root),
        pkg_dir,
        output_name,
        hash_files,
        reload_port,
    })
}

/// The shop's name, currency, tax mode and the lifetimes of carts and unpaid orders.
pub(super) fn store(env: EnvLookup<'_>, file: FileStore) -> Result<StoreSettings, ConfigError> {
    let store = StoreSettings {
        name: pick(env, &["DUKA_STORE_NAME"], file.name, "store.name")?
            .unwrap_or_else(|| "Duka".to_owned()),
        currency: pick(
            env,
            &["DUKA_STORE_CURRENCY"],
            file.currency,
            "store.currency",
        )?
        .unwrap_or(Currency::Usd),
        prices_include_tax: pick(
            env,
            &["DUKA_PRICES_INCLUDE_TAX"],
            file.prices_include_tax,
            "store.prices_include_tax",
        )?
        .unwrap_or(true),
        cart_ttl: days(
            pick(
                env,
                &["DUKA_CART_TTL_DAYS"],
                file.cart_ttl_days,
                "store.cart_ttl_days",
            )?
            .unwrap_or(30),
        ),
        unpaid_order_ttl: minutes(
            pick(
                env,
                &["DUKA_UNPAID_ORDER_MINUTES"],
                file.unpaid_order_minutes,
                "store.unpaid_order_minutes",
            )?
            .unwrap_or(60),
        ),
        sweep_interval: std::time::Duration::from_secs(u64::from(
            pick::<u32>(
                env,
                &["DUKA_SWEEP_SECONDS"],
                file.sweep_seconds,
                "store.sweep_seconds",
            )?
            .unwrap_or(60),
        )),
        max_line_quantity: pick(
            env,
            &["DUKA_MAX_LINE_QUANTITY"],
            file.max_line_quantity,
            "store.max_line_quantity",
        )?
        .unwrap_or(99),
        low_stock_threshold: pick(
            env,
            &["DUKA_LOW_STOCK_THRESHOLD"],
            file.low_stock_threshold,
            "store.low_stock_threshold",
        )?
        .unwrap_or(5),
        time_zone: pick(env, &["DUKA_TIME_ZONE"], file.time_zone, "store.time_zone")?
            .unwrap_or_else(|| "UTC".to_owned()),
        tax_number: pick::<String>(
            env,
            &["DUKA_STORE_TAX_NUMBER"],
            file.tax_number,
            "store.tax_number",
        )?
        .filter(|t| !t.trim().is_empty()),
        address: pick::<String>(env, &["DUKA_STORE_ADDRESS"], file.address, "store.address")?
            .filter(|a| !a.trim().is_empty()),
    };
    if store.tax_number.as_ref().is_some_and(|t| t.len() > 40) {
        return Err(invalid("store.tax_number", "must be at most 40 characters"));
    }
    if store.address.as_ref().is_some_and(|a| a.len() > 300) {
        return Err(invalid("store.address", "must be at most 300 characters"));
    }
    if !is_time_zone_name(&store.time_zone) {
        return Err(invalid(
            "store.time_zone",
            "must be an IANA time zone name, like Asia/Dubai or Africa/Lusaka",
        ));
    }
    if store.name.trim().is_empty() || store.name.len() > 120 {
        return Err(invalid("store.name", "must be 1 to 120 characters"));
    }
    if store.cart_ttl.is_zero() || store.cart_ttl > days(365) {
        return Err(invalid("store.cart_ttl_days", "must be 1 to 365"));
    }
    if store.unpaid_order_ttl < minutes(5) || store.unpaid_order_ttl > days(7) {
        return Err(invalid(
            "store.unpaid_order_minutes",
            "must be 5 to 10080 (a week)",
        ));
    }
    if store.sweep_interval.is_zero() || store.sweep_interval > minutes(60) {
        return Err(invalid("store.sweep_seconds", "must be 1 to 3600"));
    }
    if !(1..=999).contains(&store.max_line_quantity) {
        return Err(invalid("store.max_line_quantity", "must be 1 to 999"));
    }
    if store.low_stock_threshold > 100_000 {
        return Err(invalid("store.low_stock_threshold", "must be 0 to 100000"));
    }
    Ok(store)
}

/// The shape of an IANA zone name (`UTC`, `Asia/Dubai`, `America/Port-au-Prince`, `Etc/GMT+3`);
/// PostgreSQL refuses a name it does not know when the pool connects, at start-up.
fn is_time_zone_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
}

/// PostgreSQL: the URL (environment only: it holds a password) and the pool.
pub(super) fn database(
    env: EnvLookup<'_>,
    file: FileDatabase,
) -> Result<DatabaseSettings, ConfigError> {
    let database_url = env("DATABASE_URL").ok_or(ConfigError::Missing {
        key: "DATABASE_URL",
        hint: "set it to a PostgreSQL URL (postgres://user:password@host:port/db), or use `make run`, which starts a local database",
    })?;
    if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
        return Err(invalid(
            "DATABASE_URL",
            "must start with postgres:// or postgresql://",
        ));
    }
    let database = DatabaseSettings {
        url: SecretString::from(database_url),
        max_connections: pick(
            env,
            &["DUKA_DB_MAX_CONNECTIONS"],
            file.max_connections,
            "database.max_connections",
        )?
        .unwrap_or_else(default_pool_size),
        acquire_timeout_ms: pick(
            env,
            &["DUKA_DB_ACQUIRE_TIMEOUT_MS"],
            file.acquire_timeout_ms,
            "database.acquire_timeout_ms",
        )?
        .unwrap_or(3_000),
        migrate_on_start: pick(
            env,
            &["DUKA_MIGRATE_ON_START"],
            file.migrate_on_start,
            "database.migrate_on_start",
        )?
        .unwrap_or(true),
    };
    if database.max_connections == 0 {
        return Err(invalid("database.max_connections", "must be at least 1"));
    }
    Ok(database)
}

/// Redis, when `REDIS_URL` is set.
pub(super) fn redis(
    env: EnvLookup<'_>,
    file: FileRedis,
) -> Result<Option<RedisSettings>, ConfigError> {
    let redis = match env("REDIS_URL") {
        None => None,
        Some(url) => {
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(invalid(
                    "REDIS_URL",
                    "must start with redis:// or rediss://",
                ));
            }
            Some(RedisSettings {
                url: SecretString::from(url),
                timeout_ms: pick(
                    env,
                    &["DUKA_REDIS_TIMEOUT_MS"],
                    file.timeout_ms,
                    "redis.timeout_ms",
                )?
                .unwrap_or(250),
            })
        }
    };
    Ok(redis)
}

/// Meilisearch when `MEILISEARCH_URL` is set (PostgreSQL's search otherwise), and synonyms.
pub(super) fn search(
    env: EnvLookup<'_>,
    file: FileSearch,
    environment: Environment,
) -> Result<SearchSettings, ConfigError> {
    let meilisearch = match env("MEILISEARCH_URL") {
        None => None,
        Some(url) => {
            let url = url.trim().trim_end_matches('/').to_owned();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(invalid(
                    "MEILISEARCH_URL",
                    "must start with http:// or https://",
                ));
            }
            let index: String = pick(env, &["MEILISEARCH_INDEX"], file.index, "search.index")?
                .unwrap_or_else(|| "products".to_owned());
            if index.is_empty()
                || index.len() > 100
                || !index
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(invalid(
                    "search.index",
                    "must be 1 to 100 letters, digits, - or _",
                ));
            }
            Some(MeilisearchSettings {
                url,
                api_key: env("MEILISEARCH_API_KEY").map(SecretString::from),
                index,
                timeout_ms: pick(
                    env,
                    &["DUKA_SEARCH_TIMEOUT_MS"],
                    file.timeout_ms,
                    "search.timeout_ms",
                )?
                .unwrap_or(300),
            })
        }
    };
    if meilisearch.as_ref().is_some_and(|m| m.api_key.is_none())
        && environment == Environment::Production
    {
        return Err(ConfigError::Missing {
            key: "MEILISEARCH_API_KEY",
            hint: "a production Meilisearch needs a key; set it with MEILISEARCH_URL",
        });
    }
    let search = SearchSettings {
        meilisearch,
        synonyms: file.synonyms,
    };
    Ok(search)
}

/// Text logs in development, JSON in production, unless `log.format` says otherwise.
pub(super) fn log_format(
    env: EnvLookup<'_>,
    file_format: Option<String>,
    environment: Environment,
) -> Result<LogFormat, ConfigError> {
    let log_format =
        match pick::<String>(env, &["DUKA_LOG_FORMAT"], file_format, "log.format")?.as_deref() {
            None | Some("auto") => match environment {
                Environment::Development => LogFormat::Text,
                Environment::Production => LogFormat::Json,
            },
            Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "log.format",
                    &format!("{other:?} (use auto, text or json)"),
                ))
            }
        };
    Ok(log_format)
}
