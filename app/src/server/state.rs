//! The one application state, shared by the router, SSR and server functions.

use super::accounts::password::Hasher;
use super::accounts::sessions::Client;
use super::accounts::tokens::{Audience, TokenKeys};
use super::accounts::Site;
use super::auth::{CookieNames, RefreshFlights};
use super::cache::{Cache, RedisCache};
use super::config::Settings;
use super::limits::RateLimiter;
use super::mail::Mailer;
use super::media::MediaStore;
use crate::model::AppError;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

/// Cloned for every request (by the router, per handler and middleware, and into the Leptos
/// context), so it is one pointer: the services behind it are shared, never copied.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

/// What [`AppState`] holds.
pub struct Services {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub cache: Cache,
    pub media: MediaStore,
    pub search: super::search::Engine,
    pub accounts: AccountServices,
    /// Card payments (Stripe, when configured) and refunds.
    pub payments: super::payments::Payments,
    pub settings: Arc<Settings>,
}

/// What accounts need besides the database: password hashing, token keys, rate limits, the
/// mailer, and the cookie names.
#[derive(Clone)]
pub struct AccountServices {
    pub hasher: Hasher,
    pub keys: TokenKeys,
    pub limits: RateLimiter,
    pub flights: RefreshFlights,
    pub mailer: Mailer,
    pub site: Site,
    pub cookies: CookieNames,
    pub staff_cookies: CookieNames,
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// Seals staff authenticator secrets at rest.
    pub sealer: Arc<super::accounts::sealed::Sealer>,
}

impl AccountServices {
    /// From settings; `redis` (when configured) holds the rate-limit counters.
    pub fn new(settings: &Settings, redis: Option<RedisCache>) -> Result<Self, String> {
        let issuer = settings.site.public_url.clone();
        let keys = match &settings.auth.jwt_secret {
            Some(secret) => TokenKeys::new(secret.clone(), issuer),
            None => TokenKeys::random(issuer),
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(AccountServices {
            hasher: Hasher::new(cores),
            keys,
            limits: RateLimiter::new(redis),
            flights: RefreshFlights::default(),
            mailer: Mailer::new(&settings.mail)?,
            site: Site {
                store_name: settings.store.name.clone(),
                public_url: settings.site.public_url.clone(),
            },
            cookies: CookieNames::new(Audience::Customer, settings.auth.secure_cookies),
            staff_cookies: CookieNames::new(Audience::Staff, settings.auth.secure_cookies),
            trusted_proxies: settings.auth.trusted_proxies.clone().into(),
            sealer: Arc::new(sealer(&settings.auth)),
        })
    }

    /// Who sent the current request.
    pub fn client(&self) -> Client {
        super::auth::client(&self.trusted_proxies)
    }
}

/// The sealer for secrets at rest: `DUKA_TOTP_KEY` (and old keys), or in development without
/// it a key that dies with the process (staff enrolled then must enrol again after a restart).
fn sealer(auth: &super::config::AuthSettings) -> super::accounts::sealed::Sealer {
    use super::accounts::sealed::Sealer;
    use secrecy::ExposeSecret;
    match &auth.totp_key {
        Some(key) => {
            let old: Vec<&[u8]> = auth
                .totp_old_keys
                .iter()
                .map(|k| k.expose_secret())
                .collect();
            Sealer::new(key.expose_secret(), &old)
        }
        None => {
            tracing::warn!(
                "DUKA_TOTP_KEY is not set: staff authenticators enrolled now stop working when the process ends"
            );
            Sealer::random()
        }
    }
}

impl AppState {
    pub fn new(services: Services) -> Self {
        AppState(Arc::new(services))
    }

    /// The store's cart rules.
    pub fn cart_rules(&self) -> super::cart::Rules {
        super::cart::Rules::from_settings(&self.settings.store)
    }

    /// The store's checkout rules.
    pub fn checkout_rules(&self) -> super::checkout::CheckoutRules {
        super::checkout::CheckoutRules {
            cart: self.cart_rules(),
            prices_include_tax: self.settings.store.prices_include_tax,
            unpaid_order_ttl: self.settings.store.unpaid_order_ttl,
            card_enabled: self.payments.card_enabled(),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function or a server-rendered component. An error, not a
/// panic, if a route was wired without it.
pub fn state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        let reference = super::error::new_reference();
        tracing::error!(%reference, "AppState missing from the Leptos context");
        AppError::Internal { reference }
    })
}
