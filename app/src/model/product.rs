//! Catalog views as the storefront shows them.

use super::{Money, ProductImage};
use serde::{Deserialize, Serialize};

/// A product in a listing: its lowest price and whether anything is in stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSummary {
    pub slug: String,
    pub name: String,
    pub brand: String,
    /// The lowest variant price.
    pub price: Money,
    /// True when variants cost different amounts ("from" prices).
    pub price_varies: bool,
    pub stock: StockStatus,
    /// Some variant sells below its compare-at price.
    pub on_sale: bool,
    /// The first picture, if any.
    pub image: Option<ProductImage>,
}

impl ProductSummary {
    /// The price as shown in grids and suggestions: "From ..." when variants differ.
    pub fn display_price(&self) -> String {
        if self.price_varies {
            format!("From {}", self.price)
        } else {
            self.price.to_string()
        }
    }

    pub fn href(&self) -> String {
        format!("/products/{}", self.slug)
    }
}

/// One product page: everything needed to render it and pick a variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub slug: String,
    pub name: String,
    pub brand: String,
    pub description: String,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// Filterable facts (material, colour...), sorted by key.
    pub attributes: Vec<(String, String)>,
    pub options: Vec<ProductOption>,
    /// Pictures in display order.
    pub images: Vec<ProductImage>,
    /// In display order; at least one.
    pub variants: Vec<Variant>,
    /// The main category's path, root first.
    pub breadcrumbs: Vec<CategoryLink>,
    pub related: Vec<ProductSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub sku: String,
    /// One value per option, in the product's option order.
    pub values: Vec<String>,
    pub price: Money,
    pub compare_at: Option<Money>,
    /// Units on hand, counted up to [`StockStatus::LOW_STOCK`] (0 when sold out): a page
    /// says "only a few left" below it and only "in stock" from it on, so a sale that leaves
    /// it at or above the threshold changes no page (the database's catalog notifications rely
    /// on this: migration `..._checkout_throughput.sql`). A shopper picks up to this many
    /// below the threshold, else up to the cart's limit per line.
    pub available: u32,
    /// Index into the product's `images` of this variant's own picture.
    pub image: Option<usize>,
}

impl Variant {
    pub fn stock(&self) -> StockStatus {
        StockStatus::from_quantity(self.available.into())
    }
}

impl ProductDetail {
    /// The variant a request asks for: by SKU first, then by option values (a `None` value
    /// matches anything), else the first variant in stock, else the first.
    pub fn select_variant(&self, sku: Option<&str>, chosen: &[Option<String>]) -> &Variant {
        let by_sku = sku.and_then(|sku| self.variants.iter().find(|v| v.sku == sku));
        let by_options = || {
            chosen.iter().any(Option::is_some).then(|| {
                let matches = |v: &&Variant| {
                    chosen
                        .iter()
                        .zip(&v.values)
                        .all(|(want, have)| want.as_ref().is_none_or(|w| w == have))
                };
                // Prefer a match that is in stock.
                self.variants
                    .iter()
                    .filter(matches)
                    .find(|v| v.available > 0)
                    .or_else(|| self.variants.iter().find(matches))
            })?
        };
        by_sku
            .or_else(by_options)
            .or_else(|| self.variants.iter().find(|v| v.available > 0))
            .unwrap_or(&self.variants[0])
    }
}

/// A link to a category: its slug and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryLink {
    pub slug: String,
    pub name: String,
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

    /// The schema.org availability URL for structured data.
    pub fn schema_org(self) -> &'static str {
        match self {
            StockStatus::InStock | StockStatus::LowStock => "https://schema.org/InStock",
            StockStatus::SoldOut => "https://schema.org/OutOfStock",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Currency;

    #[test]
    fn stock_status_boundaries() {
        assert_eq!(StockStatus::from_quantity(-1), StockStatus::SoldOut);
        assert_eq!(StockStatus::from_quantity(0), StockStatus::SoldOut);
        assert_eq!(StockStatus::from_quantity(1), StockStatus::LowStock);
        assert_eq!(StockStatus::from_quantity(4), StockStatus::LowStock);
        assert_eq!(StockStatus::from_quantity(5), StockStatus::InStock);
    }

    fn product() -> ProductDetail {
        let v = |sku: &str, size: &str, colour: &str, available| Variant {
            sku: sku.into(),
            values: vec![size.into(), colour.into()],
            price: Money::new(1000, Currency::Aed),
            compare_at: None,
            available,
            image: None,
        };
        ProductDetail {
            slug: "shirt".into(),
            name: "Shirt".into(),
            brand: String::new(),
            description: String::new(),
            seo_title: None,
            seo_description: None,
            attributes: vec![],
            options: vec![],
            images: vec![],
            variants: vec![
                v("S-RED", "S", "Red", 0),
                v("S-BLUE", "S", "Blue", 3),
                v("M-RED", "M", "Red", 0),
                v("M-BLUE", "M", "Blue", 0),
            ],
            breadcrumbs: vec![],
            related: vec![],
        }
    }

    #[test]
    fn variant_selection() {
        let p = product();
        let some = |s: &str| Some(s.to_owned());
        // Default: the first in stock.
        assert_eq!(p.select_variant(None, &[]).sku, "S-BLUE");
        // SKU wins, even when sold out.
        assert_eq!(p.select_variant(Some("M-RED"), &[some("S")]).sku, "M-RED");
        // Unknown SKU falls back to options.
        assert_eq!(
            p.select_variant(Some("nope"), &[some("M"), some("Blue")])
                .sku,
            "M-BLUE"
        );
        // A partial choice prefers an in-stock match.
        assert_eq!(p.select_variant(None, &[some("S"), None]).sku, "S-BLUE");
        // An impossible choice falls back to the default.
        assert_eq!(p.select_variant(None, &[some("XL"), None]).sku, "S-BLUE");
        // Nothing in stock: the first.
        let mut sold_out = p.clone();
        sold_out.variants.iter_mut().for_each(|v| v.available = 0);
        assert_eq!(sold_out.select_variant(None, &[]).sku, "S-RED");
    }
}
