//! Catalog views as the storefront shows them.

use super::Money;
use serde::{Deserialize, Serialize};

/// A product in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSummary {
    pub slug: String,
    pub name: String,
    pub price: Money,
    pub stock: StockStatus,
}

/// One product page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price: Money,
    pub stock: StockStatus,
    /// Units a shopper may pick right now (0 when sold out).
    pub available: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockStatus {
    InStock,
    /// Fewer than [`StockStatus::LOW_STOCK`] left.
    LowStock,
    SoldOut,
}

impl StockStatus {
    pub const LOW_STOCK: i64 = 5;

    pub fn from_quantity(quantity: i64) -> Self {
        match quantity {
            q if q <= 0 => StockStatus::SoldOut,
            q if q < Self::LOW_STOCK => StockStatus::LowStock,
            _ => StockStatus::InStock,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StockStatus::InStock => "In stock",
            StockStatus::LowStock => "Only a few left",
            StockStatus::SoldOut => "Sold out",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StockStatus;

    #[test]
    fn stock_status_boundaries() {
        assert_eq!(StockStatus::from_quantity(-1), StockStatus::SoldOut);
        assert_eq!(StockStatus::from_quantity(0), StockStatus::SoldOut);
        assert_eq!(StockStatus::from_quantity(1), StockStatus::LowStock);
        assert_eq!(StockStatus::from_quantity(4), StockStatus::LowStock);
        assert_eq!(StockStatus::from_quantity(5), StockStatus::InStock);
    }
}
