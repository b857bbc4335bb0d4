//! The shop's settings (one row, `shop_settings`): written at the first start from the
//! configuration (`[store]` in `Leptos.toml`, `DUKA_STORE_*`), edited in the admin from then
//! on, and held in memory by every server. A save reloads this server's copy at once; other
//! servers reload theirs when the commit's `NOTIFY duka_shop` reaches them
//! (`catalog::follow_changes`), so a change applies everywhere without a restart.

use crate::model::shop::{ShopEditor, ShopForm, ShopSettings};
use crate::model::{AppError, Currency};
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::platform::audit;
use crate::server::platform::config::StoreSettings;
use crate::server::platform::mail::StoreName;
use crate::server::platform::media::MediaStore;
use crate::server::Error;
use serde_json::json;
use sqlx::PgPool;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

/// The channel a committed change to the settings notifies.
pub const CHANNEL: &str = "duka_shop";

/// This server's copy of the settings, shared by every request, and the shop's name as
/// emails write it (`name`, kept equal to the settings' name).
#[derive(Clone)]
pub struct LiveShop {
    settings: Arc<RwLock<Arc<ShopSettings>>>,
    name: StoreName,
}

impl LiveShop {
    /// The settings as configured, before the database row is read (version 0); `name` is
    /// the emails' copy of the name, kept current from now on.
    pub fn from_config(store: &StoreSettings, name: StoreName) -> Self {
        let settings = configured(store);
        name.set(&settings.name);
        LiveShop {
            settings: Arc::new(RwLock::new(Arc::new(settings))),
            name,
        }
    }

    /// The settings now.
    pub fn get(&self) -> Arc<ShopSettings> {
        match self.settings.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, settings: ShopSettings) {
        self.name.set(&settings.name);
        let settings = Arc::new(settings);
        match self.settings.write() {
            Ok(mut guard) => *guard = settings,
            Err(poisoned) => *poisoned.into_inner() = settings,
        }
    }

    /// Reads the row again (nothing changes while there is none).
    pub async fn reload(&self, db: &PgPool) -> Result<(), Error> {
        if let Some(settings) = load(db).await? {
            self.set(settings);
        }
        Ok(())
    }

    /// Writes the row from the configuration if there is none yet (the first start), then
    /// reads it.
    pub async fn start(&self, db: &PgPool, store: &StoreSettings) -> Result<(), Error> {
        let s = configured(store);
        sqlx::query!(
            "INSERT INTO shop_settings (name, address, tax_number, currency, prices_include_tax,
                                        unpaid_order_minutes, low_stock_threshold)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            s.name,
            s.address,
            s.tax_number,
            s.currency.code(),
            s.prices_include_tax,
            s.unpaid_order_minutes as i32,
            s.low_stock_threshold as i32
        )
        .execute(db)
        .await?;
        self.reload(db).await
    }
}

fn configured(store: &StoreSettings) -> ShopSettings {
    ShopSettings {
        name: store.name.clone(),
        email: String::new(),
        phone: String::new(),
        address: store.address.clone().unwrap_or_default(),
        tax_number: store.tax_number.clone().unwrap_or_default(),
        logo_key: None,
        logo_size: None,
        currency: store.currency,
        prices_include_tax: store.prices_include_tax,
        unpaid_order_minutes: (store.unpaid_order_ttl.as_secs() / 60).clamp(5, 10_080) as u32,
        low_stock_threshold: store.low_stock_threshold.min(100_000),
        version: 0,
    }
}

/// The settings row, if written.
pub async fn load(db: &PgPool) -> Result<Option<ShopSettings>, Error> {
    let row = sqlx::query!(
        "SELECT name, email, phone, address, tax_number, logo_key, logo_width, logo_height,
                currency, prices_include_tax, unpaid_order_minutes, low_stock_threshold, version
         FROM shop_settings"
    )
    .fetch_optional(db)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(ShopSettings {
        name: r.name,
        email: r.email,
        phone: r.phone,
        address: r.address,
        tax_number: r.tax_number,
        logo_size: r
            .logo_width
            .zip(r.logo_height)
            .map(|(w, h)| (w.max(0) as u32, h.max(0) as u32)),
        logo_key: r.logo_key,
        currency: r
            .currency
            .parse()
            .map_err(|_| Error::other(format!("shop currency {:?}", r.currency)))?,
        prices_include_tax: r.prices_include_tax,
        unpaid_order_minutes: r.unpaid_order_minutes.max(0) as u32,
        low_stock_threshold: r.low_stock_threshold.max(0) as u32,
        version: r.version,
    }))
}

/// Why the currency can no longer change: the shop has prices or orders in it.
async fn currency_lock(db: &PgPool, currency: Currency) -> Result<Option<String>, Error> {
    let r = sqlx::query!(
        r#"SELECT (SELECT count(*) FROM variants) AS "prices!",
                  (SELECT count(*) FROM orders) AS "orders!""#
    )
    .fetch_one(db)
    .await?;
    Ok((r.prices > 0 || r.orders > 0).then(|| {
        format!(
            "the shop already has prices or orders in {} ({} variants, {} orders); the currency \
             can change only before the first product is priced",
            currency.code(),
            r.prices,
            r.orders
        )
    }))
}

/// What the settings page shows.
pub async fn editor(db: &PgPool, staff: &Staff) -> Result<ShopEditor, Error> {
    staff.require(Permission::ManageSettings)?;
    let settings = load(db).await?.ok_or(AppError::NotFound)?;
    let who = sqlx::query!(
        r#"SELECT a.email AS "by?", to_char(s.updated_at, 'FMDD Mon YYYY, HH24:MI:SS') AS "at!"
           FROM shop_settings s LEFT JOIN accounts a ON a.id = s.updated_by"#
    )
    .fetch_one(db)
    .await?;
    Ok(ShopEditor {
        currency_locked: currency_lock(db, settings.currency).await?,
        updated: who.by.map(|by| (by, who.at)),
        settings,
    })
}

/// Saves the settings over the version the form was opened at, and applies them here at
/// once (`live`); other servers follow the commit's notification.
pub async fn save(
    db: &PgPool,
    live: &LiveShop,
    staff: &Staff,
    form: &ShopForm,
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    staff.require(Permission::ManageSettings)?;
    let input = form.parse()?;
    let mut tx = db.begin().await?;
    let before = sqlx::query!(
        r#"SELECT s.version, s.currency, a.email AS "by?",
                  to_char(s.updated_at, 'FMDD Mon YYYY, HH24:MI:SS') AS "at!"
           FROM shop_settings s LEFT JOIN accounts a ON a.id = s.updated_by FOR UPDATE OF s"#
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if before.version != form.version {
        return Err(Error::stale(
            "the shop's settings",
            before.by,
            Some(&before.at),
        ));
    }
    if before.currency != input.currency.code() {
        let old: Currency = before
            .currency
            .parse()
            .map_err(|_| Error::other("shop currency"))?;
        if let Some(reason) = currency_lock(db, old).await? {
            return Err(AppError::validation("currency", reason).into());
        }
    }
    sqlx::query!(
        "UPDATE shop_settings SET name = $1, email = $2, phone = $3, address = $4,
             tax_number = $5, currency = $6, prices_include_tax = $7, unpaid_order_minutes = $8,
             low_stock_threshold = $9, version = version + 1, updated_at = now(), updated_by = $10",
        input.name,
        input.email,
        input.phone,
        input.address,
        input.tax_number,
        input.currency.code(),
        input.prices_include_tax,
        input.unpaid_order_minutes as i32,
        input.low_stock_threshold as i32,
        staff.account_id
    )
    .execute(&mut *tx)
    .await?;
    let details = json!({
        "name": input.name, "email": input.email, "phone": input.phone,
        "address": input.address, "tax_number": input.tax_number,
        "currency": input.currency.code(), "prices_include_tax": input.prices_include_tax,
        "unpaid_order_minutes": input.unpaid_order_minutes,
        "low_stock_threshold": input.low_stock_threshold,
    });
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "settings.shop_saved",
        ip,
        details,
    )
    .await?;
    tx.commit().await?;
    live.reload(db).await
}

/// Sets the logo to the picture in `upload` (`None` takes it away), and applies it here at
/// once.
pub async fn set_logo(
    db: &PgPool,
    media: &MediaStore,
    live: &LiveShop,
    staff: &Staff,
    upload: Option<Vec<u8>>,
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    staff.require(Permission::ManageSettings)?;
    let stored = match upload {
        None => None,
        Some(bytes) => {
            let store = media.clone();
            let stored = tokio::task::spawn_blocking(move || store.store(&bytes))
                .await
                .map_err(|e| Error::other(format!("storing an image: {e}")))??;
            Some(stored)
        }
    };
    let key = stored.as_ref().map(|s| s.key.clone());
    let mut tx = db.begin().await?;
    let before = sqlx::query_scalar!("SELECT logo_key FROM shop_settings FOR UPDATE")
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    sqlx::query!(
        "UPDATE shop_settings SET logo_key = $1, logo_width = $2, logo_height = $3,
             version = version + 1, updated_at = now(), updated_by = $4",
        key,
        stored.as_ref().map(|s| s.width as i32),
        stored.as_ref().map(|s| s.height as i32),
        staff.account_id
    )
    .execute(&mut *tx)
    .await?;
    let details = json!({ "before": before, "after": key });
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "settings.logo_set",
        ip,
        details,
    )
    .await?;
    tx.commit().await?;
    live.reload(db).await
}
