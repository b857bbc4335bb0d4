//! The settings, loaded from a file's text and a fake environment.

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

    let file = "[search]\ntimeout_ms = 150\n[search.synonyms]\ntote = [\"bag\", \"carryall\"]\n";
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
    let file = "[site]\naddr = \"0.0.0.0:8080\"\n[store]\nname = \"Souq\"\ncurrency = \"AED\"\n";
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
    let s =
        Settings::load_from("x", Some("environment = \"production\""), &env(&PROD)).expect("loads");
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

    let bad_currency = Settings::load_from("x", Some("[store]\ncurrency = \"EUR\""), &env(&[DB]))
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
    let s =
        Settings::load_from("x", Some("environment = \"production\""), &env(&PROD)).expect("loads");
    let debug = format!("{s:?}");
    assert!(!debug.contains("0123456789abcdef"), "{debug}");
    assert!(!debug.contains("u:p@smtp"), "{debug}");
}

#[test]
fn metrics_are_served_only_where_asked_and_their_token_is_long() {
    let s = Settings::load_from("Leptos.toml", None, &env(&[DB])).expect("loads");
    assert!(
        s.metrics.addr.is_none() && s.metrics.token.is_none(),
        "off by default"
    );

    let token = "3f1c9a7e5b2d4086a1c3e5f7b9d1f3a5";
    let s = Settings::load_from(
        "Leptos.toml",
        None,
        &env(&[
            DB,
            ("DUKA_METRICS_ADDR", "127.0.0.1:9100"),
            ("DUKA_METRICS_TOKEN", token),
        ]),
    )
    .expect("loads");
    assert_eq!(
        s.metrics.addr,
        Some("127.0.0.1:9100".parse().expect("addr"))
    );
    assert_eq!(s.metrics.token.expect("token").expose_secret(), token);

    for (key, value) in [
        ("DUKA_METRICS_ADDR", "localhost"),
        ("DUKA_METRICS_TOKEN", "short"),
        (
            "DUKA_METRICS_TOKEN",
            "a token with spaces in it, long enough",
        ),
    ] {
        let error = Settings::load_from("Leptos.toml", None, &env(&[DB, (key, value)]))
            .expect_err("refused")
            .to_string();
        assert!(error.starts_with(key), "{error}");
        assert!(!error.contains(value), "the value is not repeated: {error}");
    }
}
