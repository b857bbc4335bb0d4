//! Typed, layered settings: `Leptos.toml`, then environment variables. Secrets come only
//! from the environment and are wrapped so they never reach a log line.
//!
//! [`sections`] resolves each section; [`secrets`] and [`mail`] the ones that carry secrets;
//! [`values`] reads one value from the environment or the file; [`file`] is the file's shape.

mod file;
mod mail;
mod secrets;
mod sections;
#[cfg(test)]
mod tests;
mod values;

use crate::model::Currency;
use file::FileSettings;
use leptos::config::{Env, LeptosOptions};
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use values::{invalid, pick};
pub use values::{FromRaw, Raw};

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
    /// Where `/metrics` is served (nowhere unless asked).
    pub metrics: MetricsSettings,
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
    /// A variant with fewer units than this is low on stock (the admin's filter and badge).
    pub low_stock_threshold: u32,
    /// The IANA zone the shop's times are shown in (PostgreSQL's sessions run in it).
    pub time_zone: String,
    /// The shop's tax registration number (a UAE TRN, a Zambian TPIN), printed on invoices.
    pub tax_number: Option<String>,
    /// The shop's postal address, printed on invoices (lines separated by commas).
    pub address: Option<String>,
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

/// `/metrics` on a listener of its own (`addr`), or on the site's port behind a bearer
/// token, or both; neither: not served.
#[derive(Debug, Clone, Default)]
pub struct MetricsSettings {
    pub addr: Option<SocketAddr>,
    pub token: Option<SecretString>,
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
        let site = sections::site(env, file.site, hash_files_default)?;
        let store = sections::store(env, file.store)?;
        let database = sections::database(env, file.database)?;
        let redis = sections::redis(env, file.redis)?;
        let search = sections::search(env, file.search, environment)?;
        let auth = secrets::auth_settings(env, environment, &site.public_url)?;
        let mail = mail::mail_settings(env, environment, &store.name, &site.public_url)?;
        let stripe = secrets::stripe_settings(env, environment)?;
        let metrics = secrets::metrics_settings(env)?;
        let log_format = sections::log_format(env, file.log.format, environment)?;
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
            site,
            store,
            search,
            auth,
            mail,
            stripe,
            database,
            redis,
            media_dir: PathBuf::from(media_dir),
            metrics,
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
