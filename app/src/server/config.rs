//! Typed, layered settings: `Leptos.toml`, then environment variables. Secrets come only
//! from the environment and are wrapped so they never reach a log line.

use crate::model::Currency;
use leptos::config::{Env, LeptosOptions};
use secrecy::SecretString;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Where the store runs. Production turns on JSON logs and refuses missing secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

impl std::str::FromStr for Environment {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dev" | "development" => Ok(Environment::Development),
            "prod" | "production" => Ok(Environment::Production),
            other => Err(format!("{other:?} (use \"development\" or \"production\")")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub site: SiteSettings,
    pub store: StoreSettings,
    pub database: DatabaseSettings,
    pub redis: Option<RedisSettings>,
    /// Search settings; `search.meilisearch` is set when `MEILISEARCH_URL` is.
    pub search: SearchSettings,
    /// Sign-in tokens, cookies and who may speak for the client's address.
    pub auth: AuthSettings,
    /// How email leaves the store.
    pub mail: MailSettings,
    /// Card payments through Stripe, when its keys are set; `None`: no card payment.
    pub stripe: Option<StripeSettings>,
    /// Where product images and their renditions are stored.
    pub media_dir: PathBuf,
    pub log_format: LogFormat,
    /// `DUKA_CACHE=off` turns every cache off (to measure the uncached path).
    pub cache_enabled: bool,
    /// `DUKA_BENCH_ROUTES=1` adds `/__bench/bytes`, the same binary's in-memory ceiling for
    /// `make bench`. Refused in production.
    pub bench_routes: bool,
    /// The settings file that was read, or `None` when none was found (defaults apply).
    pub source: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SiteSettings {
    pub addr: SocketAddr,
    /// The public URL of the store (no trailing slash); defaults to `http://{addr}`.
    pub public_url: String,
    /// Directory holding the built site (`pkg/`, copied `public/` files).
    pub root: PathBuf,
    pub pkg_dir: String,
    /// Base name of the generated JS, WASM and CSS files.
    pub output_name: String,
    pub hash_files: bool,
    pub reload_port: u32,
}

#[derive(Debug, Clone)]
pub struct StoreSettings {
    pub name: String,
    pub currency: Currency,
    /// Whether catalog prices include VAT (shown as is, the tax part extracted) or not (VAT
    /// added at checkout).
    pub prices_include_tax: bool,
    /// How long an untouched cart lives.
    pub cart_ttl: std::time::Duration,
    /// How long a card order waits for its payment before its stock is released.
    pub unpaid_order_ttl: std::time::Duration,
    /// How often the sweepers run: unpaid orders released, payments reconciled (those quiet
    /// for two sweeps), expired carts deleted.
    pub sweep_interval: std::time::Duration,
    /// The most of one variant a cart may hold.
    pub max_line_quantity: u32,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout_ms: u64,
    pub migrate_on_start: bool,
}

#[derive(Debug, Clone)]
pub struct RedisSettings {
    pub url: SecretString,
    /// Every Redis call is bounded by this; past it the caller's chosen failure mode applies.
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Default)]
pub struct SearchSettings {
    /// `None`: PostgreSQL full-text search answers (the embedded default).
    pub meilisearch: Option<MeilisearchSettings>,
    /// Words searched as one another (`tee` finds `t-shirt`), from `[search.synonyms]`.
    /// Meilisearch applies them; the PostgreSQL engine does not.
    pub synonyms: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct MeilisearchSettings {
    pub url: String,
    pub api_key: Option<SecretString>,
    /// The index searches read; `duka search reindex` builds beside it and swaps.
    pub index: String,
    /// A search taking longer than this is answered by PostgreSQL instead.
    pub timeout_ms: u64,
}

#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// The HS256 key for access tokens (`DUKA_JWT_SECRET`, at least 32 bytes). Required in
    /// production; in development a random key is made at start (refresh tokens live in the
    /// database, so a restart does not sign anyone out).
    pub jwt_secret: Option<secrecy::SecretSlice<u8>>,
    /// Cookies get `Secure` (and the `__Host-` prefix): the public URL is https, or production.
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` is believed (`DUKA_TRUSTED_PROXIES`, comma-separated
    /// addresses or CIDR ranges such as a CDN's or a load-balancer pool's). Empty: the socket's
    /// address is the client's, whatever the headers say.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Seals staff authenticator secrets at rest (`DUKA_TOTP_KEY`, at least 32 bytes).
    /// Required in production; development without it uses a key that dies with the process.
    pub totp_key: Option<secrecy::SecretSlice<u8>>,
    /// Earlier values of `DUKA_TOTP_KEY` still accepted while start-up re-seals what they
    /// sealed (`DUKA_TOTP_OLD_KEYS`, comma-separated).
    pub totp_old_keys: Vec<secrecy::SecretSlice<u8>>,
}

/// Stripe's keys (`DUKA_STRIPE_SECRET_KEY`, `DUKA_STRIPE_PUBLISHABLE_KEY`,
/// `DUKA_STRIPE_WEBHOOK_SECRET`: all three or none) and where its API answers.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    pub secret_key: SecretString,
    /// Given to the browser's Payment Element.
    pub publishable_key: String,
    /// Signs the webhooks Stripe sends (`whsec_...`).
    pub webhook_secret: SecretString,
    /// `https://api.stripe.com/`, or a local server in tests (`DUKA_STRIPE_API_BASE`; must be
    /// https in production).
    pub api_base: String,
    /// Every call to Stripe is bounded by this (`DUKA_STRIPE_TIMEOUT_MS`, default 10 s).
    pub timeout_ms: u64,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The sender, as `Name <address>` or an address (`DUKA_MAIL_FROM`).
    pub from: String,
    pub transport: MailTransport,
}

#[derive(Debug, Clone)]
pub enum MailTransport {
    /// `DUKA_SMTP_URL`, e.g. `smtps://user:password@smtp.example:465` or
    /// `smtp://host:587?tls=required`.
    Smtp { url: SecretString },
    /// Each message written as `<id>.eml` into this directory (`DUKA_MAIL_OUTBOX_DIR`,
    /// `.duka/mail` in development): what developers and tests read.
    Directory(PathBuf),
}

/// A setting that cannot be used, said in one line a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    File { path: String, message: String },
    #[error("{key} is not valid: {message}")]
    Invalid { key: String, message: String },
    #[error("{key} is not set: {hint}")]
    Missing {
        key: &'static str,
        hint: &'static str,
    },
}

/// The file's shape. Every field is optional; defaults live in [`Settings::load_from`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    site: FileSite,
    #[serde(default)]
    store: FileStore,
    #[serde(default)]
    database: FileDatabase,
    #[serde(default)]
    redis: FileRedis,
    #[serde(default)]
    log: FileLog,
    #[serde(default)]
    search: FileSearch,
    #[serde(default)]
    media: FileMedia,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMedia {
    dir: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSite {
    addr: Option<String>,
    public_url: Option<String>,
    root: Option<String>,
    pkg_dir: Option<String>,
    output_name: Option<String>,
    hash_files: Option<bool>,
    reload_port: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStore {
    name: Option<String>,
    currency: Option<String>,
    prices_include_tax: Option<bool>,
    cart_ttl_days: Option<u32>,
    unpaid_order_minutes: Option<u32>,
    sweep_seconds: Option<u32>,
    max_line_quantity: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDatabase {
    max_connections: Option<u32>,
    acquire_timeout_ms: Option<u64>,
    migrate_on_start: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRedis {
    timeout_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSearch {
    index: Option<String>,
    timeout_ms: Option<u64>,
    #[serde(default)]
    synonyms: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLog {
    format: Option<String>,
}

/// Reads a variable; `Ok(None)` when unset or empty.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// Loads `Leptos.toml` (or the file named by `DUKA_CONFIG`) and the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let lookup = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        let path = lookup("DUKA_CONFIG").unwrap_or_else(|| "Leptos.toml".to_owned());
        let path = Path::new(&path);
        let text = match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            // The file is optional only when nobody asked for a specific one.
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound && lookup("DUKA_CONFIG").is_none() =>
            {
                None
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        // cargo-leptos writes hash.txt next to the binary when it hashes asset names; with no
        // explicit setting, follow what the build did rather than guess.
        let hash_txt = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").is_file()))
            .unwrap_or(false);
        Self::load_with(
            &path.display().to_string(),
            text.as_deref(),
            &lookup,
            hash_txt,
        )
    }

    /// Builds settings from a file's text (if any) and an environment lookup.
    pub fn load_from(
        path: &str,
        text: Option<&str>,
        env: EnvLookup<'_>,
    ) -> Result<Self, ConfigError> {
        Self::load_with(path, text, env, false)
    }

    fn load_with(
        path: &str,
        text: Option<&str>,
        env: EnvLookup<'_>,
        hash_files_default: bool,
    ) -> Result<Self, ConfigError> {
        let file: FileSettings = match text {
            Some(text) => toml::from_str(text).map_err(|e| ConfigError::File {
                path: path.to_owned(),
                message: e.message().to_owned(),
            })?,
            None => FileSettings::default(),
        };

        let environment: Environment = pick(env, &["DUKA_ENV"], file.environment, "environment")?
            .unwrap_or(Environment::Development);

        // cargo-leptos exports LEPTOS_* while it builds and runs the server; honour them so
        // `cargo leptos watch` serves what it built. DUKA_* wins over both.
        let addr = pick(
            env,
            &["DUKA_SITE_ADDR", "LEPTOS_SITE_ADDR"],
            file.site.addr,
            "site.addr",
        )?
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        let public_url: String = pick(
            env,
            &["DUKA_PUBLIC_URL"],
            file.site.public_url,
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
            file.site.root,
            "site.root",
        )?
        .unwrap_or_else(|| "target/site".to_owned());
        let pkg_dir: String = pick(
            env,
            &["LEPTOS_SITE_PKG_DIR"],
            file.site.pkg_dir,
            "site.pkg_dir",
        )?
        .unwrap_or_else(|| "pkg".to_owned());
        let output_name: String = pick(
            env,
            &["LEPTOS_OUTPUT_NAME"],
            file.site.output_name,
            "site.output_name",
        )?
        .unwrap_or_else(|| "duka".to_owned());
        let hash_files = pick(
            env,
            &["LEPTOS_HASH_FILES"],
            file.site.hash_files,
            "site.hash_files",
        )?
        .unwrap_or(hash_files_default);
        let reload_port = pick(
            env,
            &["LEPTOS_RELOAD_PORT"],
            file.site.reload_port,
            "site.reload_port",
        )?
        .unwrap_or(3001);

        let store = StoreSettings {
            name: pick(env, &["DUKA_STORE_NAME"], file.store.name, "store.name")?
                .unwrap_or_else(|| "Duka".to_owned()),
            currency: pick(
                env,
                &["DUKA_STORE_CURRENCY"],
                file.store.currency,
                "store.currency",
            )?
            .unwrap_or(Currency::Usd),
            prices_include_tax: pick(
                env,
                &["DUKA_PRICES_INCLUDE_TAX"],
                file.store.prices_include_tax,
                "store.prices_include_tax",
            )?
            .unwrap_or(true),
            cart_ttl: days(
                pick(
                    env,
                    &["DUKA_CART_TTL_DAYS"],
                    file.store.cart_ttl_days,
                    "store.cart_ttl_days",
                )?
                .unwrap_or(30),
            ),
            unpaid_order_ttl: minutes(
                pick(
                    env,
                    &["DUKA_UNPAID_ORDER_MINUTES"],
                    file.store.unpaid_order_minutes,
                    "store.unpaid_order_minutes",
                )?
                .unwrap_or(60),
            ),
            sweep_interval: std::time::Duration::from_secs(u64::from(
                pick::<u32>(
                    env,
                    &["DUKA_SWEEP_SECONDS"],
                    file.store.sweep_seconds,
                    "store.sweep_seconds",
                )?
                .unwrap_or(60),
            )),
            max_line_quantity: pick(
                env,
                &["DUKA_MAX_LINE_QUANTITY"],
                file.store.max_line_quantity,
                "store.max_line_quantity",
            )?
            .unwrap_or(99),
        };
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
                file.database.max_connections,
                "database.max_connections",
            )?
            .unwrap_or_else(default_pool_size),
            acquire_timeout_ms: pick(
                env,
                &["DUKA_DB_ACQUIRE_TIMEOUT_MS"],
                file.database.acquire_timeout_ms,
                "database.acquire_timeout_ms",
            )?
            .unwrap_or(3_000),
            migrate_on_start: pick(
                env,
                &["DUKA_MIGRATE_ON_START"],
                file.database.migrate_on_start,
                "database.migrate_on_start",
            )?
            .unwrap_or(true),
        };
        if database.max_connections == 0 {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }

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
                        file.redis.timeout_ms,
                        "redis.timeout_ms",
                    )?
                    .unwrap_or(250),
                })
            }
        };

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
                let index: String = pick(
                    env,
                    &["MEILISEARCH_INDEX"],
                    file.search.index,
                    "search.index",
                )?
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
                        file.search.timeout_ms,
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
            synonyms: file.search.synonyms,
        };

        let auth = auth_settings(env, environment, &public_url)?;
        let mail = mail_settings(env, environment, &store.name, &public_url)?;
        let stripe = stripe_settings(env, environment)?;

        let log_format =
            match pick::<String>(env, &["DUKA_LOG_FORMAT"], file.log.format, "log.format")?
                .as_deref()
            {
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

        let media_dir: String = pick(env, &["DUKA_MEDIA_DIR"], file.media.dir, "media.dir")?
            .unwrap_or_else(|| ".duka/media".to_owned());
        let cache_enabled = match env("DUKA_CACHE").as_deref().map(str::trim) {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => {
                return Err(invalid("DUKA_CACHE", &format!("{other:?} (use on or off)")))
            }
        };
        let bench_routes = pick::<bool>(env, &["DUKA_BENCH_ROUTES"], None::<bool>, "bench_routes")?
            .unwrap_or(false);
        if bench_routes && environment == Environment::Production {
            return Err(invalid(
                "DUKA_BENCH_ROUTES",
                "benchmark routes are not allowed in production",
            ));
        }
        Ok(Settings {
            environment,
            site: SiteSettings {
                addr,
                public_url,
                root: PathBuf::from(root),
                pkg_dir,
                output_name,
                hash_files,
                reload_port,
            },
            store,
            search,
            auth,
            mail,
            stripe,
            database,
            redis,
            media_dir: PathBuf::from(media_dir),
            log_format,
            cache_enabled,
            bench_routes,
            source: text.is_some().then(|| path.to_owned()),
        })
    }

    /// The options Leptos needs to render pages and hydration scripts.
    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(self.site.output_name.as_str())
            .site_root(self.site.root.to_string_lossy().as_ref())
            .site_pkg_dir(self.site.pkg_dir.as_str())
            .site_addr(self.site.addr)
            .reload_port(self.site.reload_port)
            .hash_files(self.site.hash_files)
            .env(match self.environment {
                Environment::Development => Env::DEV,
                Environment::Production => Env::PROD,
            })
            .build()
    }
}

fn auth_settings(
    env: EnvLookup<'_>,
    environment: Environment,
    public_url: &str,
) -> Result<AuthSettings, ConfigError> {
    let jwt_secret = key_setting(
        env,
        environment,
        "DUKA_JWT_SECRET",
        "production signs access tokens with it; set 32 or more random bytes (e.g. `openssl rand -base64 48`)",
    )?;
    let mut trusted_proxies = Vec::new();
    for part in env("DUKA_TRUSTED_PROXIES")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        trusted_proxies.push(parse_proxy(part).ok_or_else(|| {
            invalid(
                "DUKA_TRUSTED_PROXIES",
                &format!(
                    "{part:?} is not an IP address or CIDR range (list the proxies, comma-separated, e.g. `10.0.0.0/8, 192.0.2.7`)"
                ),
            )
        })?);
    }
    let totp_key = key_setting(
        env,
        environment,
        "DUKA_TOTP_KEY",
        "production seals staff authenticator secrets with it; set 32 or more random bytes (e.g. `openssl rand -base64 48`) and keep it safe: without it staff must enrol again",
    )?;
    let mut totp_old_keys = Vec::new();
    for key in env("DUKA_TOTP_OLD_KEYS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        if key.len() < 32 {
            return Err(invalid(
                "DUKA_TOTP_OLD_KEYS",
                "each old key is an earlier DUKA_TOTP_KEY (at least 32 bytes), comma-separated",
            ));
        }
        totp_old_keys.push(secrecy::SecretSlice::from(key.as_bytes().to_vec()));
    }
    Ok(AuthSettings {
        jwt_secret,
        secure_cookies: public_url.starts_with("https://")
            || environment == Environment::Production,
        trusted_proxies,
        totp_key,
        totp_old_keys,
    })
}

/// A secret key of at least 32 bytes from `key`: required in production (`hint` says why),
/// `None` in development (a per-process key is made instead).
fn key_setting(
    env: EnvLookup<'_>,
    environment: Environment,
    key: &'static str,
    hint: &'static str,
) -> Result<Option<secrecy::SecretSlice<u8>>, ConfigError> {
    match env(key) {
        Some(value) if value.len() < 32 => Err(invalid(
            key,
            "must be at least 32 bytes (e.g. `openssl rand -base64 48`)",
        )),
        Some(value) => Ok(Some(secrecy::SecretSlice::from(value.into_bytes()))),
        None if environment == Environment::Production => Err(ConfigError::Missing { key, hint }),
        None => Ok(None),
    }
}

/// A proxy address (`192.0.2.7`, one host) or range (`10.0.0.0/8`).
fn parse_proxy(s: &str) -> Option<ipnet::IpNet> {
    s.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

fn mail_settings(
    env: EnvLookup<'_>,
    environment: Environment,
    store_name: &str,
    public_url: &str,
) -> Result<MailSettings, ConfigError> {
    let transport = match (env("DUKA_SMTP_URL"), env("DUKA_MAIL_OUTBOX_DIR")) {
        (Some(url), _) => {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(invalid(
                    "DUKA_SMTP_URL",
                    "must start with smtp:// or smtps://",
                ));
            }
            MailTransport::Smtp {
                url: SecretString::from(url),
            }
        }
        (None, Some(dir)) => MailTransport::Directory(PathBuf::from(dir)),
        (None, None) if environment == Environment::Production => {
            return Err(ConfigError::Missing {
                key: "DUKA_SMTP_URL",
                hint: "production sends email (verification, password reset) over SMTP; set DUKA_SMTP_URL, or DUKA_MAIL_OUTBOX_DIR to keep messages in a directory",
            })
        }
        (None, None) => MailTransport::Directory(PathBuf::from(".duka/mail")),
    };
    let from = match env("DUKA_MAIL_FROM") {
        Some(from) => from,
        None if environment == Environment::Production => {
            return Err(ConfigError::Missing {
                key: "DUKA_MAIL_FROM",
                hint: "the sender of the store's email, e.g. \"Shop <orders@shop.example>\"",
            })
        }
        None => {
            let host = public_url
                .split("://")
                .nth(1)
                .unwrap_or("localhost")
                .split([':', '/'])
                .next()
                .unwrap_or("localhost");
            let host = if host.contains('.') {
                host
            } else {
                "localhost.localdomain"
            };
            format!(
                "{} <no-reply@{host}>",
                store_name.replace(['<', '>', '"'], "")
            )
        }
    };
    if from.contains(['\r', '\n']) || !from.contains('@') {
        return Err(invalid(
            "DUKA_MAIL_FROM",
            "must be an address, or `Name <address>`, on one line",
        ));
    }
    Ok(MailSettings { from, transport })
}

fn stripe_settings(
    env: EnvLookup<'_>,
    environment: Environment,
) -> Result<Option<StripeSettings>, ConfigError> {
    const KEYS: [(&str, &[&str]); 3] = [
        ("DUKA_STRIPE_SECRET_KEY", &["sk_", "rk_"]),
        ("DUKA_STRIPE_PUBLISHABLE_KEY", &["pk_"]),
        ("DUKA_STRIPE_WEBHOOK_SECRET", &["whsec_"]),
    ];
    let values: Vec<Option<String>> = KEYS
        .iter()
        .map(|(key, _)| {
            env(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        })
        .collect();
    if values.iter().all(Option::is_none) {
        return Ok(None);
    }
    let mut found = Vec::with_capacity(3);
    for ((key, prefixes), value) in KEYS.iter().zip(values) {
        let Some(value) = value else {
            return Err(ConfigError::Missing {
                key,
                hint: "card payments need all three Stripe keys: DUKA_STRIPE_SECRET_KEY, DUKA_STRIPE_PUBLISHABLE_KEY and DUKA_STRIPE_WEBHOOK_SECRET (or none of them, for no card payment)",
            });
        };
        if !prefixes.iter().any(|p| value.starts_with(p)) || value.chars().any(char::is_whitespace)
        {
            return Err(invalid(
                key,
                &format!("must start with {}", prefixes.join(" or ")),
            ));
        }
        found.push(value);
    }
    let webhook_secret = found.pop().unwrap_or_default();
    let publishable_key = found.pop().unwrap_or_default();
    let secret_key = found.pop().unwrap_or_default();
    let api_base = env("DUKA_STRIPE_API_BASE")
        .map(|u| u.trim().to_owned())
        .unwrap_or_else(|| "https://api.stripe.com/".to_owned());
    let secure = api_base.starts_with("https://");
    let allowed =
        secure || (environment != Environment::Production && api_base.starts_with("http://"));
    if !allowed {
        return Err(invalid(
            "DUKA_STRIPE_API_BASE",
            "must be an https:// URL (http:// only outside production)",
        ));
    }
    let timeout_ms = match env("DUKA_STRIPE_TIMEOUT_MS") {
        None => 10_000,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|ms| (100..=60_000).contains(ms))
            .ok_or_else(|| invalid("DUKA_STRIPE_TIMEOUT_MS", "must be 100 to 60000"))?,
    };
    Ok(Some(StripeSettings {
        secret_key: SecretString::from(secret_key),
        publishable_key,
        webhook_secret: SecretString::from(webhook_secret),
        api_base,
        timeout_ms,
    }))
}

fn invalid(key: &str, message: &str) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        message: message.to_owned(),
    }
}

fn days(n: u32) -> std::time::Duration {
    std::time::Duration::from_secs(u64::from(n) * 86_400)
}

fn minutes(n: u32) -> std::time::Duration {
    std::time::Duration::from_secs(u64::from(n) * 60)
}

/// The first environment variable that is set wins, then the file's value.
fn pick<T>(
    env: EnvLookup<'_>,
    keys: &[&str],
    file_value: Option<impl Into<Raw>>,
    file_key: &str,
) -> Result<Option<T>, ConfigError>
where
    T: FromRaw,
{
    for key in keys {
        if let Some(value) = env(key) {
            return T::from_raw(Raw::Str(value))
                .map(Some)
                .map_err(|m| invalid(key, &m));
        }
    }
    match file_value {
        Some(v) => T::from_raw(v.into())
            .map(Some)
            .map_err(|m| invalid(file_key, &m)),
        None => Ok(None),
    }
}

/// A value as written: text from the environment, or a typed TOML value.
pub enum Raw {
    Str(String),
    Bool(bool),
    Int(u64),
}

impl From<String> for Raw {
    fn from(v: String) -> Self {
        Raw::Str(v)
    }
}
impl From<bool> for Raw {
    fn from(v: bool) -> Self {
        Raw::Bool(v)
    }
}
impl From<u32> for Raw {
    fn from(v: u32) -> Self {
        Raw::Int(v.into())
    }
}
impl From<u64> for Raw {
    fn from(v: u64) -> Self {
        Raw::Int(v)
    }
}

pub trait FromRaw: Sized {
    fn from_raw(raw: Raw) -> Result<Self, String>;
}

fn parse_str<T: std::str::FromStr>(raw: Raw, what: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    match raw {
        Raw::Str(s) => s.trim().parse().map_err(|e| format!("{s:?}: {e}")),
        Raw::Int(i) => i.to_string().parse().map_err(|e| format!("{i}: {e}")),
        Raw::Bool(_) => Err(format!("expected {what}")),
    }
}

impl FromRaw for String {
    fn from_raw(raw: Raw) -> Result<Self, String> {
        match raw {
            Raw::Str(s) => Ok(s),
            _ => Err("expected text".into()),
        }
    }
}
impl FromRaw for bool {
    fn from_raw(raw: Raw) -> Result<Self, String> {
        match raw {
            Raw::Bool(b) => Ok(b),
            Raw::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err(format!("{s:?} (use true or false)")),
            },
            Raw::Int(_) => Err("expected true or false".into()),
        }
    }
}
impl FromRaw for u32 {
    fn from_raw(raw: Raw) -> Result<Self, String> {
        parse_str(raw, "a number")
    }
}
impl FromRaw for u64 {
    fn from_raw(raw: Raw) -> Result<Self, String> {
        parse_str(raw, "a number")
    }
}
impl FromRaw for SocketAddr {
    fn from_raw(raw: Raw) -> Result<Self, String> {
        parse_str(raw, "an address like 127.0.0.1:3000")
    }
}
impl FromRaw for Currency {
    fn from_raw(raw: Raw) -> Result<Self, String> {
        parse_str(raw, "a currency code")
    }
}
impl FromRaw for Environment {
    fn from_raw(raw: Raw) -> Result<Self, String> {
        parse_str(raw, "development or production")
    }
}

/// The pool's default size: twice this machine's cores plus one, PostgreSQL's rule of thumb
/// for a database on the same machine. More connections than that only take turns on the
/// same cores: at 100,000 products and 50 searches/s on 2 cores, a pool of 5 answered with a
/// p99 about 3 ms lower than one of 10. With the database on its own machine, set
/// `database.max_connections` for its cores instead.
fn default_pool_size() -> u32 {
    std::thread::available_parallelism()
        .map_or(2, std::num::NonZeroUsize::get)
        .try_into()
        .map_or(u32::MAX, |cores: u32| {
            cores.saturating_mul(2).saturating_add(1)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const DB: (&str, &str) = ("DATABASE_URL", "postgres://u:p@127.0.0.1:5432/duka");

    #[test]
    fn card_payment_needs_all_three_stripe_keys() {
        let s = Settings::load_from("Leptos.toml", None, &env(&[DB])).expect("loads");
        assert!(s.stripe.is_none(), "no card payment without keys");

        let keys = [
            ("DUKA_STRIPE_SECRET_KEY", "sk_test_abc"),
            ("DUKA_STRIPE_PUBLISHABLE_KEY", "pk_test_abc"),
            ("DUKA_STRIPE_WEBHOOK_SECRET", "whsec_abc"),
        ];
        let s = Settings::load_from("Leptos.toml", None, &env(&[DB, keys[0], keys[1], keys[2]]))
            .expect("loads");
        let stripe = s.stripe.expect("stripe");
        assert_eq!(stripe.publishable_key, "pk_test_abc");
        assert_eq!(stripe.webhook_secret.expose_secret(), "whsec_abc");
        assert_eq!(stripe.api_base, "https://api.stripe.com/");

        for left_out in 0..3 {
            let mut pairs = vec![DB];
            pairs.extend(
                keys.iter()
                    .enumerate()
                    .filter(|(i, _)| *i != left_out)
                    .map(|(_, k)| *k),
            );
            let error = Settings::load_from("Leptos.toml", None, &env(&pairs))
                .expect_err("two keys of three")
                .to_string();
            assert!(error.starts_with(keys[left_out].0), "{error}");
        }
        let swapped = [keys[1].0, keys[0].1];
        let error = Settings::load_from(
            "Leptos.toml",
            None,
            &env(&[DB, (swapped[0], swapped[1]), keys[0], keys[2]]),
        )
        .expect_err("a secret key where the publishable key goes")
        .to_string();
        assert!(error.contains("pk_"), "{error}");
        let mut pairs = PROD.to_vec();
        pairs.extend([("DUKA_STRIPE_API_BASE", "http://127.0.0.1:12111/")]);
        pairs.extend(keys);
        let error = Settings::load_from("x", Some("environment = \"production\""), &env(&pairs))
            .expect_err("plain http to Stripe in production")
            .to_string();
        assert!(error.starts_with("DUKA_STRIPE_API_BASE"), "{error}");
    }

    #[test]
    fn meilisearch_is_chosen_by_its_url() {
        let s = Settings::load_from("Leptos.toml", None, &env(&[DB])).expect("loads");
        assert!(
            s.search.meilisearch.is_none(),
            "PostgreSQL search by default"
        );

        let file =
            "[search]\ntimeout_ms = 150\n[search.synonyms]\ntote = [\"bag\", \"carryall\"]\n";
        let s = Settings::load_from(
            "Leptos.toml",
            Some(file),
            &env(&[
                DB,
                ("MEILISEARCH_URL", "http://127.0.0.1:7700/"),
                ("MEILISEARCH_API_KEY", "k"),
            ]),
        )
        .expect("loads");
        let meili = s.search.meilisearch.expect("meilisearch");
        assert_eq!(meili.url, "http://127.0.0.1:7700");
        assert_eq!(meili.index, "products");
        assert_eq!(meili.timeout_ms, 150);
        assert_eq!(
            meili
                .api_key
                .map(|k| k.expose_secret().to_owned())
                .as_deref(),
            Some("k")
        );
        assert_eq!(s.search.synonyms["tote"], ["bag", "carryall"]);

        for (key, value) in [
            ("MEILISEARCH_URL", "127.0.0.1:7700"),
            ("MEILISEARCH_INDEX", "products; drop"),
        ] {
            let mut pairs = vec![DB, (key, value)];
            if key != "MEILISEARCH_URL" {
                pairs.push(("MEILISEARCH_URL", "http://127.0.0.1:7700"));
            }
            assert!(
                Settings::load_from("Leptos.toml", None, &env(&pairs)).is_err(),
                "{key}"
            );
        }
        // Production refuses a Meilisearch without a key.
        let err = Settings::load_from(
            "Leptos.toml",
            None,
            &env(&[
                DB,
                ("DUKA_ENV", "production"),
                ("MEILISEARCH_URL", "https://search.example"),
            ]),
        )
        .expect_err("refused");
        assert!(err.to_string().contains("MEILISEARCH_API_KEY"), "{err}");
    }

    #[test]
    fn defaults_without_a_file() {
        let s = Settings::load_from("Leptos.toml", None, &env(&[DB])).expect("loads");
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(s.site.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(s.store.currency, Currency::Usd);
        assert_eq!(s.log_format, LogFormat::Text);
        assert!(s.redis.is_none());
        assert_eq!(s.database.url.expose_secret(), DB.1);
    }

    #[test]
    fn environment_overrides_the_file() {
        let file =
            "[site]\naddr = \"0.0.0.0:8080\"\n[store]\nname = \"Souq\"\ncurrency = \"AED\"\n";
        let s = Settings::load_from(
            "Leptos.toml",
            Some(file),
            &env(&[
                DB,
                ("LEPTOS_SITE_ADDR", "127.0.0.1:4000"),
                ("DUKA_STORE_CURRENCY", "zmw"),
            ]),
        )
        .expect("loads");
        assert_eq!(s.site.addr.to_string(), "127.0.0.1:4000");
        assert_eq!(s.store.name, "Souq");
        assert_eq!(s.store.currency, Currency::Zmw);
    }

    #[test]
    fn duka_variables_win_over_cargo_leptos_ones() {
        let s = Settings::load_from(
            "Leptos.toml",
            None,
            &env(&[
                DB,
                ("LEPTOS_SITE_ADDR", "127.0.0.1:4000"),
                ("DUKA_SITE_ADDR", "127.0.0.1:5000"),
            ]),
        )
        .expect("loads");
        assert_eq!(s.site.addr.to_string(), "127.0.0.1:5000");
    }

    #[test]
    fn production_logs_json_by_default() {
        let s = Settings::load_from("x", Some("environment = \"production\""), &env(&PROD))
            .expect("loads");
        assert_eq!(s.environment, Environment::Production);
        assert_eq!(s.log_format, LogFormat::Json);
        assert!(s.auth.secure_cookies, "production cookies are Secure");
    }

    const PROD: [(&str, &str); 5] = [
        DB,
        ("DUKA_JWT_SECRET", "0123456789abcdef0123456789abcdef!"),
        ("DUKA_TOTP_KEY", "fedcba9876543210fedcba9876543210?"),
        ("DUKA_SMTP_URL", "smtps://u:p@smtp.example:465"),
        ("DUKA_MAIL_FROM", "Shop <orders@shop.example>"),
    ];

    #[test]
    fn production_refuses_to_start_without_its_secrets() {
        let file = Some("environment = \"production\"");
        for missing in [
            "DUKA_JWT_SECRET",
            "DUKA_TOTP_KEY",
            "DUKA_SMTP_URL",
            "DUKA_MAIL_FROM",
        ] {
            let pairs: Vec<_> = PROD
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let error = Settings::load_from("x", file, &env(&pairs))
                .unwrap_err()
                .to_string();
            assert!(
                error.starts_with(&format!("{missing} is not set")),
                "{error}"
            );
        }
        let short: Vec<_> = PROD
            .iter()
            .map(|&(k, v)| {
                if k == "DUKA_JWT_SECRET" {
                    (k, "short")
                } else {
                    (k, v)
                }
            })
            .collect();
        let error = Settings::load_from("x", file, &env(&short))
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("DUKA_JWT_SECRET is not valid"), "{error}");

        // Development: a random key, mail into a directory, cookies without Secure over http.
        let dev = Settings::load_from("x", None, &env(&[DB])).expect("loads");
        assert!(dev.auth.jwt_secret.is_none());
        assert!(!dev.auth.secure_cookies);
        assert!(matches!(dev.mail.transport, MailTransport::Directory(_)));
        assert!(dev.mail.from.contains("no-reply@"), "{}", dev.mail.from);

        let proxies = Settings::load_from(
            "x",
            None,
            &env(&[DB, ("DUKA_TRUSTED_PROXIES", "10.0.0.1, ::1")]),
        )
        .expect("loads");
        assert_eq!(proxies.auth.trusted_proxies.len(), 2);
        let ranges = Settings::load_from(
            "x",
            None,
            &env(&[
                DB,
                (
                    "DUKA_TRUSTED_PROXIES",
                    "10.0.0.0/8, 2001:db8::/32, 192.0.2.7",
                ),
            ]),
        )
        .expect("loads CIDR ranges");
        assert_eq!(ranges.auth.trusted_proxies.len(), 3);
        let bad = Settings::load_from(
            "x",
            None,
            &env(&[DB, ("DUKA_TRUSTED_PROXIES", "10.0.0.0/33")]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            bad.starts_with("DUKA_TRUSTED_PROXIES is not valid"),
            "{bad}"
        );
    }

    #[test]
    fn errors_name_the_setting_to_fix() {
        let missing = Settings::load_from("x", None, &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(missing.starts_with("DATABASE_URL is not set"), "{missing}");

        let bad_addr = Settings::load_from("x", None, &env(&[DB, ("LEPTOS_SITE_ADDR", "nope")]))
            .unwrap_err()
            .to_string();
        assert!(
            bad_addr.starts_with("LEPTOS_SITE_ADDR is not valid"),
            "{bad_addr}"
        );

        let bad_currency =
            Settings::load_from("x", Some("[store]\ncurrency = \"EUR\""), &env(&[DB]))
                .unwrap_err()
                .to_string();
        assert!(
            bad_currency.starts_with("store.currency is not valid"),
            "{bad_currency}"
        );

        let unknown_key =
            Settings::load_from("Leptos.toml", Some("[site]\nadress = \"x\""), &env(&[DB]))
                .unwrap_err()
                .to_string();
        assert!(
            unknown_key.starts_with("Leptos.toml is not valid"),
            "{unknown_key}"
        );

        let bad_redis = Settings::load_from("x", None, &env(&[DB, ("REDIS_URL", "http://x")]))
            .unwrap_err()
            .to_string();
        assert!(
            bad_redis.starts_with("REDIS_URL is not valid"),
            "{bad_redis}"
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Settings::load_from("x", None, &env(&[DB])).expect("loads");
        let debug = format!("{s:?}");
        assert!(!debug.contains("u:p@"), "{debug}");
        let s = Settings::load_from("x", Some("environment = \"production\""), &env(&PROD))
            .expect("loads");
        let debug = format!("{s:?}");
        assert!(!debug.contains("0123456789abcdef"), "{debug}");
        assert!(!debug.contains("u:p@smtp"), "{debug}");
    }
}
