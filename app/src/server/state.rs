//! The one application state, shared by the router, SSR and server functions.

use super::accounts::password::Hasher;
use super::accounts::sessions::Client;
use super::accounts::tokens::{Audience, TokenKeys};
use super::auth::{CookieNames, RefreshFlights};
use super::payments::Payments;
use super::platform::cache::{Cache, RedisCache};
use super::platform::config::Settings;
use super::platform::limits::{self, RateLimiter, Rule};
use super::platform::mail::Mailer;
use super::platform::mail::Site;
use super::platform::media::MediaStore;
use super::search::{meili::Meili, Engine};
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
    pub search: Engine,
    pub accounts: AccountServices,
    /// Card payments (Stripe, when configured) and refunds.
    pub payments: Payments,
    pub settings: Arc<Settings>,
    /// The header's and footer's links, kept until the catalog changes.
    pub links: Arc<super::platform::memo::Memo<crate::model::LayoutLinks>>,
    /// Orders placed and changed, for the pages that follow them live.
    pub feed: super::orders::live::Feed,
    /// The shop's settings as staff last saved them (`shop`).
    pub shop: super::shop::LiveShop,
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
                store_name: settings.store.name.as_str().into(),
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

    /// Who sent the current request, once `rule` (a per-client limit) lets them through.
    pub async fn limited_client(&self, rule: Rule) -> Result<Client, AppError> {
        let client = self.client();
        self.limits
            .check(rule, &limits::client_subject(client.ip))
            .await?;
        Ok(client)
    }

    /// The sign-in limits for `email` (per client, then per account, where a browser the
    /// account has signed in from has a bucket of its own), and who is asking.
    pub async fn limited_sign_in(
        &self,
        email: &str,
        cookies: &CookieNames,
    ) -> Result<Client, AppError> {
        let client = self.limited_client(limits::SIGN_IN_PER_CLIENT).await?;
        let known = super::auth::known_device(&self.keys, cookies, email);
        self.limits
            .check(
                limits::SIGN_IN_PER_ACCOUNT,
                &limits::sign_in_subject(email, known.as_deref()),
            )
            .await?;
        Ok(client)
    }
}

/// The sealer for secrets at rest: `DUKA_TOTP_KEY` (and old keys), or in development without
/// it a key that dies with the process (staff enrolled then must enrol again after a restart).
fn sealer(auth: &super::platform::config::AuthSettings) -> super::accounts::sealed::Sealer {
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
    /// The state for `settings` over the connections start-up made: the one constructor,
    /// used by `duka` and the tests alike. The cache is Redis when there is one, memory
    /// otherwise, off with `DUKA_CACHE=off`; search is Meilisearch when configured.
    pub fn new(settings: Settings, db: PgPool, redis: Option<RedisCache>) -> Result<Self, String> {
        let cache = match &redis {
            _ if !settings.cache_enabled => Cache::Disabled,
            Some(redis) => Cache::Redis(redis.clone()),
            None => Cache::memory(10_000),
        };
        let accounts = AccountServices::new(&settings, redis)?;
        let search = match &settings.search.meilisearch {
            Some(meili) => Engine::Meilisearch(Arc::new(
                Meili::new(meili, &settings.search).map_err(|e| format!("MEILISEARCH_URL: {e}"))?,
            )),
            None => Engine::Postgres,
        };
        let shop =
            super::shop::LiveShop::from_config(&settings.store, accounts.site.store_name.clone());
        let payments = Payments::new(
            db.clone(),
            &settings,
            accounts.site.clone(),
            accounts.keys.clone(),
        );
        Ok(AppState(Arc::new(Services {
            leptos_options: settings.leptos_options(),
            db,
            cache,
            media: MediaStore::new(settings.media_dir.clone()),
            search,
            accounts,
            payments,
            settings: Arc::new(settings),
            links: Arc::default(),
            feed: super::orders::live::Feed::new(),
            shop,
        })))
    }

    /// The shop's settings now.
    pub fn shop(&self) -> std::sync::Arc<crate::model::shop::ShopSettings> {
        self.shop.get()
    }

    /// The shop's currency now.
    pub fn currency(&self) -> crate::model::Currency {
        self.shop.get().currency
    }

    /// The store's cart rules.
    pub fn cart_rules(&self) -> super::cart::Rules {
        super::cart::Rules::from_settings(&self.settings.store, self.currency())
    }

    /// The store's checkout rules.
    pub fn checkout_rules(&self) -> super::checkout::CheckoutRules {
        let shop = self.shop();
        super::checkout::CheckoutRules {
            cart: super::cart::Rules::from_settings(&self.settings.store, shop.currency),
            prices_include_tax: shop.prices_include_tax,
            unpaid_order_ttl: shop.unpaid_order_ttl(),
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
        let reference = super::platform::request::reference();
        tracing::error!(%reference, "AppState missing from the Leptos context");
        AppError::Internal { reference }
    })
}
