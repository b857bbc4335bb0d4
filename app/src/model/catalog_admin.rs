//! The admin's catalog: what staff see and send, and the rules for it. The admin's islands
//! and the server apply the same functions, so a field is refused as it is typed for the
//! reason the server would refuse it.

use super::{is_slug, AppError, Money};
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
        super::to_query_string(&params)
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
    currency: super::Currency,
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
        let bp = Money::parse_decimal(number.trim(), super::Currency::Usd)
            .map_err(|_| HELP)?
            .minor;
        return Ok(BulkAction::AdjustPricePercent(sign * bp));
    }
    let amount = Money::parse_decimal(rest.trim(), currency).map_err(|_| HELP)?;
    Ok(BulkAction::AdjustPriceBy(sign * amount.minor))
}

/// One product in the editor (a plain form sends it as `product[name]`, `product[slug]`...;
/// a missing field is empty, no ticked category an empty list).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductForm {
    /// The version the editor was opened at; a save over a newer one is refused.
    pub version: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub brand: String,
    pub seo_title: String,
    pub seo_description: String,
    pub status: String,
    /// `YYYY-MM-DDTHH:MM` in UTC (a `datetime-local` field), or empty.
    pub publish_at: String,
    pub categories: Vec<i64>,
}

/// The limits of each product field, as the database's checks have them.
pub mod limits {
    pub const NAME: usize = 200;
    pub const DESCRIPTION: usize = 20_000;
    pub const BRAND: usize = 120;
    pub const SEO_TITLE: usize = 200;
    pub const SEO_DESCRIPTION: usize = 500;
    pub const SKU: usize = 64;
    pub const BARCODE: usize = 64;
}

/// What is wrong with one field of a product, if anything: `(field, message)`.
pub fn product_field_error(field: &str, value: &str) -> Option<&'static str> {
    let chars = value.chars().count();
    match field {
        "name" if value.trim().is_empty() => Some("enter a name"),
        "name" if chars > limits::NAME => Some("at most 200 characters"),
        "slug" if !is_slug(value) => {
            Some("lowercase letters, digits and single hyphens, at most 120 characters")
        }
        "description" if chars > limits::DESCRIPTION => Some("at most 20,000 characters"),
        "brand" if chars > limits::BRAND => Some("at most 120 characters"),
        "seo_title" if chars > limits::SEO_TITLE => Some("at most 200 characters"),
        "seo_description" if chars > limits::SEO_DESCRIPTION => Some("at most 500 characters"),
        "status" if ProductStatus::parse(value).is_none() => Some("choose a status"),
        "publish_at" if !value.is_empty() && !is_datetime_local(value) => {
            Some("a date and time such as 2026-12-24T09:00")
        }
        _ => None,
    }
}

impl ProductForm {
    /// Every field checked; the first problem as a validation error.
    pub fn check(&self) -> Result<(), AppError> {
        for (field, value) in [
            ("name", &self.name),
            ("slug", &self.slug),
            ("description", &self.description),
            ("brand", &self.brand),
            ("seo_title", &self.seo_title),
            ("seo_description", &self.seo_description),
            ("status", &self.status),
            ("publish_at", &self.publish_at),
        ] {
            if let Some(message) = product_field_error(field, value) {
                return Err(AppError::validation(field, message));
            }
        }
        Ok(())
    }
}

fn is_datetime_local(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let in_range = |r: std::ops::Range<usize>, lo: u32, hi: u32| {
        s[r].parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
    };
    b.len() == 16
        && digits(0..4)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && in_range(5..7, 1, 12)
        && in_range(8..10, 1, 31)
        && in_range(11..13, 0, 23)
        && in_range(14..16, 0, 59)
}

/// A slug made from a name: ASCII letters and digits kept (lowercased), everything else a
/// single hyphen; empty when the name has no ASCII letters or digits (the editor asks).
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            if slug.len() >= 120 {
                break;
            }
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// A variant's fields as the editor's form sends them (`variant[sku]`...): amounts as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VariantFields {
    pub sku: String,
    pub price: String,
    pub compare_at: String,
    pub weight_grams: i32,
    pub barcode: String,
}

/// A variant as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminVariant {
    pub id: i64,
    pub sku: String,
    /// Its option values, "Large / Blue"; empty for a product without options.
    pub title: String,
    pub price: Money,
    pub compare_at: Option<Money>,
    pub stock: i32,
    pub weight_grams: i32,
    pub barcode: String,
    /// The newest movements of its stock, newest first.
    pub history: Vec<StockMovement>,
}

/// What a variant's fields must be: `(field, message)` for the first problem.
pub fn variant_error(
    sku: &str,
    price: i64,
    compare_at: Option<i64>,
    weight_grams: i32,
    barcode: &str,
) -> Option<(&'static str, &'static str)> {
    let sku_ok = !sku.is_empty()
        && sku.len() <= limits::SKU
        && sku.as_bytes()[0].is_ascii_alphanumeric()
        && sku
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !sku_ok {
        return Some((
            "sku",
            "letters, digits, dots, hyphens and underscores, starting with a letter or digit, at most 64",
        ));
    }
    if price < 0 {
        return Some(("price", "a price cannot be negative"));
    }
    if compare_at.is_some_and(|c| c <= price) {
        return Some((
            "compare_at",
            "the compare-at price is the higher \"was\" price: leave it empty or make it higher than the price",
        ));
    }
    if weight_grams < 0 {
        return Some(("weight_grams", "a weight cannot be negative"));
    }
    if barcode.len() > limits::BARCODE || !barcode.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Some(("barcode", "digits and letters only, at most 64"));
    }
    None
}

/// Why a variant's stock changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StockReason {
    Initial,
    /// Goods arrived.
    Received,
    /// A count found a different number.
    Correction,
    Damaged,
    /// Goods came back unsold.
    Returned,
    Sold,
    /// An order was cancelled and its units went back.
    Released,
    /// Changed outside Duka (SQL).
    External,
}

impl StockReason {
    pub const ALL: [StockReason; 8] = [
        Self::Initial,
        Self::Received,
        Self::Correction,
        Self::Damaged,
        Self::Returned,
        Self::Sold,
        Self::Released,
        Self::External,
    ];
    /// The reasons staff give by hand.
    pub const STAFF: [StockReason; 4] = [
        Self::Received,
        Self::Correction,
        Self::Damaged,
        Self::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "initial",
            Self::Received => "received",
            Self::Correction => "correction",
            Self::Damaged => "damaged",
            Self::Returned => "returned",
            Self::Sold => "sold",
            Self::Released => "released",
            Self::External => "external",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Initial => "Opening stock",
            Self::Received => "Received",
            Self::Correction => "Count correction",
            Self::Damaged => "Damaged or lost",
            Self::Returned => "Returned to shelf",
            Self::Sold => "Sold",
            Self::Released => "Order cancelled",
            Self::External => "Changed outside Duka",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One line of a variant's stock history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMovement {
    pub at: String,
    pub delta: i32,
    pub stock_after: i32,
    pub reason: StockReason,
    pub order_number: Option<i64>,
    pub by: Option<String>,
    pub note: String,
}

/// The editor's page: the product, its variants, and what the form needs to offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEditor {
    /// `None` for a new product.
    pub id: Option<i64>,
    pub form: ProductForm,
    pub variants: Vec<AdminVariant>,
    /// Every category, as `(id, "Parent › Child")`.
    pub categories: Vec<(i64, String)>,
    /// Who saved last and when, for the page's header.
    pub updated: Option<(String, String)>,
    pub may_edit: bool,
    /// The storefront's address, no trailing slash (the search-result preview).
    pub store_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_names() {
        assert_eq!(slugify("Linen Shirt — Blue (XL)"), "linen-shirt-blue-xl");
        assert_eq!(slugify("  --Café au lait-- "), "caf-au-lait");
        assert_eq!(slugify("تمر"), "");
        assert!(is_slug(&slugify(&"ab ".repeat(100))));
    }

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
    fn product_fields_are_checked_as_the_database_would() {
        let mut form = ProductForm {
            version: 1,
            name: "Dates".into(),
            slug: "dates".into(),
            status: "draft".into(),
            ..Default::default()
        };
        assert_eq!(form.check(), Ok(()));
        form.slug = "Dates!".into();
        assert!(matches!(form.check(), Err(AppError::Validation { field, .. }) if field == "slug"));
        form.slug = "dates".into();
        form.publish_at = "2026-13-01T10:00".into();
        assert!(form.check().is_err());
        form.publish_at = "2026-12-24T09:30".into();
        assert_eq!(form.check(), Ok(()));
        assert!(product_field_error("seo_title", &"x".repeat(201)).is_some());
    }

    #[test]
    fn variant_rules() {
        assert_eq!(variant_error("DATES-1KG", 4_500, None, 1_000, ""), None);
        assert_eq!(
            variant_error("-bad", 1, None, 0, "").map(|e| e.0),
            Some("sku")
        );
        assert_eq!(
            variant_error("OK", 100, Some(100), 0, "").map(|e| e.0),
            Some("compare_at")
        );
        assert_eq!(
            variant_error("OK", 100, None, 0, "12 34").map(|e| e.0),
            Some("barcode")
        );
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
