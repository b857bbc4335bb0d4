//! The products list: its filters, sort and cursor, its rows, and the bulk changes made
//! from it (with the price rule previews and the server share).

use crate::model::{AppError, Money};
use serde::{Deserialize, Serialize};

/// Where a product is in its life: prepared, on sale, or kept for order history only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductStatus {
    Draft,
    Active,
    Archived,
}

impl ProductStatus {
    pub const ALL: [ProductStatus; 3] = [Self::Draft, Self::Active, Self::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Active => "Active",
            Self::Archived => "Archived",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The stock filter of the products list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StockFilter {
    #[default]
    Any,
    /// No variant has any left.
    SoldOut,
    /// Some variant is under the shop's low-stock threshold (sold out included).
    Low,
}

impl StockFilter {
    pub const ALL: [StockFilter; 3] = [Self::Any, Self::SoldOut, Self::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "",
            Self::SoldOut => "sold_out",
            Self::Low => "low",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Any => "Any stock",
            Self::SoldOut => "Sold out",
            Self::Low => "Low stock",
        }
    }
}

/// The order of the products list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AdminSort {
    /// Most recently changed first.
    #[default]
    Updated,
    Name,
    /// Lowest price first.
    Price,
}

impl AdminSort {
    pub const ALL: [AdminSort; 3] = [Self::Updated, Self::Name, Self::Price];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Updated => "",
            Self::Name => "name",
            Self::Price => "price",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Updated => "Last changed",
            Self::Name => "Name",
            Self::Price => "Price, low to high",
        }
    }
}

/// One page of the products list: what to look for and where the page starts. Pages follow
/// each other by the last row's sort key (`after`), never by an offset, so page 500 costs
/// what page 1 does.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AdminProductQuery {
    /// Part of a name, or an exact SKU.
    pub q: String,
    pub status: Option<ProductStatus>,
    pub category: Option<i64>,
    pub stock: StockFilter,
    pub sort: AdminSort,
    /// The cursor the previous page ended with.
    pub after: Option<String>,
}

impl AdminProductQuery {
    /// From the list's query string. Unknown values are refused with the field they came in.
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, AppError> {
        let mut query = Self::default();
        for (key, value) in params {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key {
                "q" => query.q = value.chars().take(100).collect(),
                "status" => {
                    query.status = Some(ProductStatus::parse(value).ok_or_else(|| {
                        AppError::validation("status", "choose a status from the list")
                    })?)
                }
                "category" => {
                    query.category = Some(value.parse().map_err(|_| {
                        AppError::validation("category", "choose a category from the list")
                    })?)
                }
                "stock" => {
                    query.stock = StockFilter::ALL
                        .into_iter()
                        .find(|s| s.as_str() == value)
                        .ok_or_else(|| AppError::validation("stock", "choose from the list"))?
                }
                "sort" => {
                    query.sort = AdminSort::ALL
                        .into_iter()
                        .find(|s| s.as_str() == value)
                        .ok_or_else(|| AppError::validation("sort", "choose from the list"))?
                }
                "after" => query.after = Some(value.chars().take(300).collect()),
                _ => {}
            }
        }
        Ok(query)
    }

    /// The query string of this list without its cursor, then `after` if given.
    pub fn query_string(&self, after: Option<&str>) -> String {
        let mut params: Vec<(String, String)> = Vec::new();
        let mut push = |k: &str, v: &str| {
            if !v.is_empty() {
                params.push((k.to_owned(), v.to_owned()));
            }
        };
        push("q", &self.q);
        push("status", self.status.map(|s| s.as_str()).unwrap_or(""));
        push(
            "category",
            &self.category.map(|c| c.to_string()).unwrap_or_default(),
        );
        push("stock", self.stock.as_str());
        push("sort", self.sort.as_str());
        push("after", after.unwrap_or(""));
        crate::model::to_query_string(&params)
    }
}

/// One line of the products list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminProductRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub status: ProductStatus,
    pub price_min: Option<Money>,
    pub price_max: Option<Money>,
    /// Units on hand over every variant.
    pub stock: i64,
    pub variants: i64,
    /// The first variant's SKU.
    pub sku: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminProductPage {
    pub rows: Vec<AdminProductRow>,
    /// The next page's cursor, when there is one.
    pub next: Option<String>,
    /// Every category, as `(id, "Parent › Child")`, for the filters and bulk actions.
    pub categories: Vec<(i64, String)>,
    pub low_stock_threshold: i32,
}

/// A change applied to many products at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkAction {
    SetStatus(ProductStatus),
    AddToCategory(i64),
    RemoveFromCategory(i64),
    /// Every variant's price changed by `basis_points` of itself (-1000 = 10% off), rounded
    /// to the minor unit.
    AdjustPricePercent(i64),
    /// Every variant's price changed by this many minor units.
    AdjustPriceBy(i64),
}

/// A price after a bulk change, or why it cannot be applied. Both sides compute previews
/// with this, and the server applies it.
pub fn adjusted_price(price: i64, action: &BulkAction) -> Result<i64, &'static str> {
    let new = match action {
        BulkAction::AdjustPricePercent(bp) => {
            if !(-9_999..=100_000).contains(bp) {
                return Err("a percentage between -99.99 and 1000");
            }
            let change = i128::from(price) * i128::from(*bp);
            // Round half away from zero, to the minor unit.
            let rounded = (change.abs() + 5_000) / 10_000 * change.signum();
            i128::from(price) + rounded
        }
        BulkAction::AdjustPriceBy(minor) => i128::from(price) + i128::from(*minor),
        _ => i128::from(price),
    };
    if new < 0 {
        return Err("the change would make a price negative");
    }
    i64::try_from(new).map_err(|_| "the price would be too large")
}

/// A price change as staff type it: `-10%`, `+12.5%`, `+5.00` or `-2.50` (an amount in the
/// shop's currency; the sign says which way).
pub fn parse_price_change(
    text: &str,
    currency: crate::model::Currency,
) -> Result<BulkAction, &'static str> {
    const HELP: &str = "a change such as -10%, +12.5%, +5.00 or -2.50";
    let text = text.trim();
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(HELP),
    };
    if let Some(number) = rest.strip_suffix('%') {
        // Hundredths of a percent are basis points: parse as a two-decimal amount.
        let bp = Money::parse_decimal(number.trim(), crate::model::Currency::Usd)
            .map_err(|_| HELP)?
            .minor;
        return Ok(BulkAction::AdjustPricePercent(sign * bp));
    }
    let amount = Money::parse_decimal(rest.trim(), currency).map_err(|_| HELP)?;
    Ok(BulkAction::AdjustPriceBy(sign * amount.minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_prices_round_to_the_minor_unit_and_never_go_negative() {
        let ten_off = BulkAction::AdjustPricePercent(-1_000);
        assert_eq!(adjusted_price(4_500, &ten_off), Ok(4_050));
        assert_eq!(adjusted_price(5, &ten_off), Ok(4)); // 0.5 rounds away from zero
        assert_eq!(
            adjusted_price(1_999, &BulkAction::AdjustPricePercent(1_250)),
            Ok(2_249)
        );
        assert!(adjusted_price(100, &BulkAction::AdjustPriceBy(-101)).is_err());
        assert!(adjusted_price(100, &BulkAction::AdjustPricePercent(-10_000)).is_err());
        assert!(adjusted_price(i64::MAX, &BulkAction::AdjustPriceBy(1)).is_err());
    }

    #[test]
    fn price_changes_as_typed() {
        use crate::model::Currency;
        assert_eq!(
            parse_price_change("-10%", Currency::Aed),
            Ok(BulkAction::AdjustPricePercent(-1_000))
        );
        assert_eq!(
            parse_price_change("+12.5%", Currency::Aed),
            Ok(BulkAction::AdjustPricePercent(1_250))
        );
        assert_eq!(
            parse_price_change("-2.50", Currency::Aed),
            Ok(BulkAction::AdjustPriceBy(-250))
        );
        assert!(parse_price_change("10%", Currency::Aed).is_err());
        assert!(parse_price_change("+abc", Currency::Aed).is_err());
    }

    #[test]
    fn list_queries_round_trip_and_refuse_unknown_values() {
        let q = AdminProductQuery::from_params([
            ("q", "linen"),
            ("status", "draft"),
            ("stock", "low"),
            ("sort", "name"),
        ])
        .expect("valid");
        assert_eq!(q.status, Some(ProductStatus::Draft));
        assert_eq!(q.stock, StockFilter::Low);
        assert_eq!(
            q.query_string(Some("abc")),
            "?q=linen&status=draft&stock=low&sort=name&after=abc"
        );
        assert!(AdminProductQuery::from_params([("status", "gone")]).is_err());
        assert!(AdminProductQuery::from_params([("category", "x")]).is_err());
    }
}
