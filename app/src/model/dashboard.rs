//! The admin home's figures: how the shop is doing over four periods, each against the
//! period before, sales over time, top sellers, and what needs doing.

use super::Money;
use serde::{Deserialize, Serialize};

/// A figure now and in the period before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Compared {
    pub now: i64,
    pub before: i64,
}

impl Compared {
    /// The change in whole percent ("+12 %", "−3 %"), or `None` when there was nothing
    /// before to compare with.
    pub fn change(self) -> Option<String> {
        if self.before == 0 {
            return None;
        }
        // A display figure: rounding through f64 is exact enough for whole percent.
        let percent =
            ((self.now as f64 - self.before as f64) * 100.0 / self.before as f64).round() as i64;
        Some(match percent {
            p if p > 0 => format!("+{p} %"),
            0 => "±0 %".to_owned(),
            p => format!("−{} %", -p),
        })
    }
}

/// One period's figures (minor units for money, counts otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodFigures {
    /// "Today", "7 days", "30 days", "12 months".
    pub label: String,
    pub sales: Compared,
    pub orders: Compared,
    /// Sales over orders, rounded down; 0 without orders.
    pub average: Compared,
    pub customers: Compared,
    pub refunds: Compared,
}

/// One bar of a chart: its label ("7 Dec", "Dec 2026") and its value in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub minor: i64,
}

/// A best seller over the last 30 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopSeller {
    pub name: String,
    pub quantity: i64,
    pub sales: Money,
}

/// Sales figures: for staff whose role reads reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesReport {
    pub periods: Vec<PeriodFigures>,
    /// The last 30 days, oldest first.
    pub daily: Vec<Bar>,
    /// The last 12 months, oldest first.
    pub monthly: Vec<Bar>,
    pub top_products: Vec<TopSeller>,
    pub top_categories: Vec<TopSeller>,
    pub currency: super::Currency,
}

/// A variant running low: (product, SKU, stock left, its editor's path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowStock {
    pub product: String,
    pub sku: String,
    pub stock: i32,
    pub href: String,
}

/// Average of `sales` over `orders`, rounded down; 0 without orders.
pub fn average(sales: i64, orders: i64) -> i64 {
    if orders > 0 {
        sales / orders
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_people_say_them() {
        let c = |now, before| Compared { now, before }.change();
        assert_eq!(c(120, 100).as_deref(), Some("+20 %"));
        assert_eq!(c(97, 100).as_deref(), Some("−3 %"));
        assert_eq!(c(100, 100).as_deref(), Some("±0 %"));
        assert_eq!(c(2, 3).as_deref(), Some("−33 %"));
        assert_eq!(c(5, 0), None);
        assert_eq!(average(1_000, 3), 333);
        assert_eq!(average(1_000, 0), 0);
    }
}
