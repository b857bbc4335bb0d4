use super::Currency;
use serde::{Deserialize, Serialize};

/// What every page may show about the store itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInfo {
    pub name: String,
    pub currency: Currency,
}

impl Default for StoreInfo {
    fn default() -> Self {
        Self {
            name: "Duka".to_owned(),
            currency: Currency::Usd,
        }
    }
}
