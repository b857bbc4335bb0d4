use super::Currency;
use serde::{Deserialize, Serialize};

/// What every page may show about the store itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInfo {
    pub name: String,
    pub currency: Currency,
    /// Where shoppers reach the store, without a trailing slash (`https://shop.example`):
    /// canonical URLs, sitemaps and link previews use it.
    pub base_url: String,
    /// The logo's media key and its size in pixels, if the shop has one.
    pub logo: Option<(String, (u32, u32))>,
}

impl Default for StoreInfo {
    fn default() -> Self {
        Self {
            name: "Duka".to_owned(),
            currency: Currency::Usd,
            base_url: "http://127.0.0.1:3000".to_owned(),
            logo: None,
        }
    }
}
