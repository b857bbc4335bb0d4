//! The secret-bearing sections: sign-in keys and trusted proxies, Stripe, and the metrics
//! token. Secrets come only from the environment; production refuses to start without them.

use super::values::invalid;
use super::{AuthSettings, MetricsSettings, StripeSettings};
use super::{ConfigError, EnvLookup, Environment};
use secrecy::SecretString;

pub(super) fn auth_settings(
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

pub(super) fn stripe_settings(
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

/// Where `/metrics` is served, if anywhere: `DUKA_METRICS_ADDR` gives it a listener of its
/// own (a private address, e.g. `127.0.0.1:9100`), `DUKA_METRICS_TOKEN` serves it on the
/// site's port to requests that carry `Authorization: Bearer <token>`. Neither: no metrics.
pub(super) fn metrics_settings(env: EnvLookup<'_>) -> Result<MetricsSettings, ConfigError> {
    let addr = match env("DUKA_METRICS_ADDR") {
        None => None,
        Some(v) => Some(v.trim().parse().map_err(|_| {
            invalid(
                "DUKA_METRICS_ADDR",
                "must be an address and port to listen on, e.g. 127.0.0.1:9100",
            )
        })?),
    };
    let token = match env("DUKA_METRICS_TOKEN").map(|t| t.trim().to_owned()) {
        None => None,
        Some(t) if t.len() >= 24 && t.bytes().all(|b| b.is_ascii_graphic()) => {
            Some(SecretString::from(t))
        }
        Some(_) => return Err(invalid(
            "DUKA_METRICS_TOKEN",
            "must be at least 24 printable characters without spaces (e.g. `openssl rand -hex 24`)",
        )),
    };
    Ok(MetricsSettings { addr, token })
}
