//! Coupons as staff manage them: the form's fields as posted, the rules a coupon keeps
//! (checked before any query runs), and the list and report the admin shows.

use super::{AppError, Currency, Money};
use serde::{Deserialize, Serialize};

/// What a coupon takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CouponKind {
    /// A share of the goods (basis points: 1000 is 10 %).
    Percent,
    /// An amount off the goods, in minor units.
    Fixed,
    /// The delivery charge.
    FreeShipping,
}

impl CouponKind {
    pub const ALL: [CouponKind; 3] = [
        CouponKind::Percent,
        CouponKind::Fixed,
        CouponKind::FreeShipping,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CouponKind::Percent => "percent",
            CouponKind::Fixed => "fixed",
            CouponKind::FreeShipping => "free_shipping",
        }
    }

    pub fn parse(text: &str) -> Option<CouponKind> {
        CouponKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            CouponKind::Percent => "Percentage off",
            CouponKind::Fixed => "Amount off",
            CouponKind::FreeShipping => "Free delivery",
        }
    }

    /// What a coupon of this kind and `value` takes off, as a shopper reads it.
    pub fn describe(self, value: i64, currency: Currency) -> String {
        match self {
            CouponKind::Percent => format!("{} off", percent_text(value)),
            CouponKind::Fixed => format!("{} off", Money::new(value, currency)),
            CouponKind::FreeShipping => "Free delivery".to_owned(),
        }
    }
}

/// Basis points as a percentage: 1000 is "10 %", 1250 is "12.5 %".
pub fn percent_text(bp: i64) -> String {
    let (whole, rest) = (bp / 100, bp % 100);
    match rest {
        0 => format!("{whole} %"),
        r if r % 10 == 0 => format!("{whole}.{} %", r / 10),
        r => format!("{whole}.{r:02} %"),
    }
}

/// The coupon form as a plain form posts it (`coupon[code]`...): text as typed. A missing
/// field is empty, no ticked category an empty list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CouponForm {
    /// The version the form was opened at (0 for a new coupon); a save over a newer one is
    /// refused.
    pub version: i32,
    pub code: String,
    pub kind: String,
    /// A percentage (`10`, `12.5`) or an amount (`25.00`); empty for free delivery.
    pub value: String,
    pub min_subtotal: String,
    /// `YYYY-MM-DDTHH:MM` in the shop's time zone (a `datetime-local` field), or empty.
    pub starts_at: String,
    pub ends_at: String,
    pub max_uses: String,
    pub max_uses_per_customer: String,
    /// Products the discount is limited to: their addresses (slugs) or a variant's SKU, one
    /// per line or separated by commas.
    pub products: String,
    pub categories: Vec<i64>,
}

/// A coupon's fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponInput {
    pub code: String,
    pub kind: CouponKind,
    /// Basis points for a percentage, minor units for an amount, 0 for free delivery.
    pub value: i64,
    pub min_subtotal_minor: i64,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub max_uses: Option<i32>,
    pub max_uses_per_customer: Option<i32>,
    /// Slugs or SKUs, as typed (the server finds the products).
    pub products: Vec<String>,
    pub categories: Vec<i64>,
}

/// At most this many products named on one coupon.
pub const MAX_COUPON_PRODUCTS: usize = 200;

/// A coupon code as typed: trimmed and upper-cased; letters, digits, `-` and `_`, 2 to 40.
pub fn clean_code(code: &str) -> Result<String, AppError> {
    let code = code.trim().to_uppercase();
    let shape = (2..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if shape {
        Ok(code)
    } else {
        Err(AppError::validation(
            "code",
            "a code is 2 to 40 letters, digits, - or _",
        ))
    }
}

impl CouponForm {
    /// The form checked: each problem names its field.
    pub fn parse(&self, currency: Currency) -> Result<CouponInput, AppError> {
        let code = clean_code(&self.code)?;
        let kind = CouponKind::parse(&self.kind)
            .ok_or_else(|| AppError::validation("kind", "choose what the coupon takes off"))?;
        let value = match kind {
            CouponKind::FreeShipping => 0,
            CouponKind::Percent => {
                let bp = Money::parse_decimal(&self.value, Currency::Usd)
                    .map_err(|_| AppError::validation("value", "enter a percentage, e.g. 10"))?
                    .minor;
                if !(1..=10_000).contains(&bp) {
                    return Err(AppError::validation(
                        "value",
                        "a percentage is above 0 and at most 100",
                    ));
                }
                bp
            }
            CouponKind::Fixed => {
                let minor = amount(&self.value, currency, "value")?.unwrap_or(0);
                if minor == 0 {
                    return Err(AppError::validation("value", "enter the amount off"));
                }
                minor
            }
        };
        let min_subtotal_minor = amount(&self.min_subtotal, currency, "min_subtotal")?.unwrap_or(0);
        let starts_at = local_time(&self.starts_at, "starts_at")?;
        let ends_at = local_time(&self.ends_at, "ends_at")?;
        if let (Some(s), Some(e)) = (&starts_at, &ends_at) {
            if e <= s {
                return Err(AppError::validation(
                    "ends_at",
                    "the end comes after the start",
                ));
            }
        }
        let products: Vec<String> = self
            .products
            .split([',', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        if products.len() > MAX_COUPON_PRODUCTS {
            return Err(AppError::validation(
                "products",
                format!("name at most {MAX_COUPON_PRODUCTS} products; use a category for more"),
            ));
        }
        Ok(CouponInput {
            code,
            kind,
            value,
            min_subtotal_minor,
            starts_at,
            ends_at,
            max_uses: limit(&self.max_uses, "max_uses")?,
            max_uses_per_customer: limit(&self.max_uses_per_customer, "max_uses_per_customer")?,
            products,
            categories: self.categories.clone(),
        })
    }
}

/// An optional amount in the shop's currency.
fn amount(text: &str, currency: Currency, field: &str) -> Result<Option<i64>, AppError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Money::parse_decimal(text, currency)
        .map(|m| Some(m.minor))
        .map_err(|_| AppError::validation(field, "enter an amount, e.g. 25.00"))
}

/// An optional use limit: a whole number from 1.
fn limit(text: &str, field: &str) -> Result<Option<i32>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i32>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(AppError::validation(
            field,
            "enter a whole number from 1, or leave it empty for no limit",
        )),
    }
}

/// `YYYY-MM-DDTHH:MM` (seconds allowed) naming a real day and time, or empty.
fn local_time(text: &str, field: &str) -> Result<Option<String>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || AppError::validation(field, "enter a date and time, e.g. 2026-12-31T23:59");
    let (date, time) = text.split_once(['T', ' ']).ok_or_else(bad)?;
    let numbers =
        |s: &str, sep: char| -> Option<Vec<u32>> { s.split(sep).map(|p| p.parse().ok()).collect() };
    let d = numbers(date, '-')
        .filter(|d| d.len() == 3)
        .ok_or_else(bad)?;
    let t = numbers(time, ':')
        .filter(|t| (2..=3).contains(&t.len()))
        .ok_or_else(bad)?;
    let (year, month, day) = (d[0], d[1], d[2]);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => 0,
    };
    let time_ok = t[0] < 24 && t[1] < 60 && t.get(2).is_none_or(|s| *s < 60);
    if !(2000..=9999).contains(&year) || day == 0 || day > days || !time_ok {
        return Err(bad());
    }
    Ok(Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}",
        t[0], t[1]
    )))
}

/// Where a coupon stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CouponState {
    Active,
    Paused,
    Scheduled,
    Ended,
    UsedUp,
}

impl CouponState {
    pub fn label(self) -> &'static str {
        match self {
            CouponState::Active => "Active",
            CouponState::Paused => "Paused",
            CouponState::Scheduled => "Scheduled",
            CouponState::Ended => "Ended",
            CouponState::UsedUp => "Used up",
        }
    }
}

/// A page of the admin's coupon list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponPage {
    pub rows: Vec<CouponRow>,
    /// The next (older) page's cursor.
    pub next: Option<i64>,
}

/// Coupons on a page of the admin's list.
pub const COUPONS_PAGE: usize = 50;

/// Orders listed in a coupon's report, latest first.
pub const REPORT_USES: i64 = 100;

/// One coupon in the admin's list, with what it has given so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponRow {
    pub id: i64,
    pub code: String,
    /// "10 % off", "AED 25.00 off", "Free delivery".
    pub offer: String,
    pub state: CouponState,
    pub uses: i32,
    pub max_uses: Option<i32>,
    /// Goods discount and delivery waived on orders holding it.
    pub given: Money,
    /// "From 1 Dec 2026, 09:00 to 31 Dec 2026, 23:59", empty without dates.
    pub dates: String,
    /// Whether any order ever carried it (such a coupon can be paused, not deleted).
    pub ever_used: bool,
}

/// One order that used a coupon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponUseView {
    pub number: i64,
    pub at: String,
    pub customer: String,
    pub discount: Money,
    pub shipping_waived: Money,
    pub total: Money,
}

/// The coupon editor: the form as saved, the choices, and the coupon's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponEditor {
    pub id: Option<i64>,
    pub form: CouponForm,
    pub row: Option<CouponRow>,
    /// Every category as `(id, "Parent › Child")`, in tree order.
    pub categories: Vec<(i64, String)>,
    pub uses: Vec<CouponUseView>,
    /// Orders placed with it and their goods, for the report.
    pub orders_total: Money,
    pub currency: Currency,
    /// Who last saved it and when.
    pub updated: Option<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CouponForm {
        CouponForm {
            code: " eid-10 ".into(),
            kind: "percent".into(),
            value: "12.5".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_form_becomes_input() {
        let input = form().parse(Currency::Aed).expect("valid");
        assert_eq!(input.code, "EID-10");
        assert_eq!(input.value, 1_250);
        assert_eq!(
            CouponKind::Percent.describe(1_250, Currency::Aed),
            "12.5 % off"
        );
        let mut f = form();
        f.kind = "fixed".into();
        f.value = "25".into();
        f.min_subtotal = "100.50".into();
        f.starts_at = "2026-12-01T09:00".into();
        f.ends_at = "2026-12-31 23:59:59".into();
        f.max_uses = " 100 ".into();
        f.products = "linen-shirt, SKU-1\n\n dates ".into();
        let input = f.parse(Currency::Aed).expect("valid");
        assert_eq!((input.value, input.min_subtotal_minor), (2_500, 10_050));
        assert_eq!(input.ends_at.as_deref(), Some("2026-12-31T23:59"));
        assert_eq!(
            (input.max_uses, input.max_uses_per_customer),
            (Some(100), None)
        );
        assert_eq!(input.products, ["linen-shirt", "SKU-1", "dates"]);
        f.kind = "free_shipping".into();
        f.value = "nonsense is ignored".into();
        assert_eq!(f.parse(Currency::Aed).expect("valid").value, 0);
    }

    #[test]
    fn each_problem_names_its_field() {
        let field_of = |change: &dyn Fn(&mut CouponForm)| {
            let mut f = form();
            change(&mut f);
            match f.parse(Currency::Aed) {
                Err(AppError::Validation { field, .. }) => field,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(field_of(&|f| f.code = "A".into()), "code");
        assert_eq!(field_of(&|f| f.code = "SUMMER 10".into()), "code");
        assert_eq!(field_of(&|f| f.kind = "bogof".into()), "kind");
        assert_eq!(field_of(&|f| f.value = "100.01".into()), "value");
        assert_eq!(field_of(&|f| f.value = "0".into()), "value");
        assert_eq!(field_of(&|f| f.value = "-5".into()), "value");
        assert_eq!(
            field_of(&|f| f.min_subtotal = "1.234".into()),
            "min_subtotal"
        );
        assert_eq!(
            field_of(&|f| f.starts_at = "2026-02-29T10:00".into()),
            "starts_at"
        );
        assert_eq!(
            field_of(&|f| f.ends_at = "2026-12-01T24:00".into()),
            "ends_at"
        );
        assert_eq!(
            field_of(&|f| {
                f.starts_at = "2026-12-02T00:00".into();
                f.ends_at = "2026-12-01T00:00".into();
            }),
            "ends_at"
        );
        assert_eq!(field_of(&|f| f.max_uses = "0".into()), "max_uses");
        assert_eq!(
            field_of(&|f| f.max_uses_per_customer = "1.5".into()),
            "max_uses_per_customer"
        );
        assert_eq!(
            field_of(&|f| f.products = vec!["p"; 201].join(",")),
            "products"
        );
        let mut fixed = form();
        fixed.kind = "fixed".into();
        fixed.value = String::new();
        assert!(
            fixed.parse(Currency::Aed).is_err(),
            "an empty amount is refused"
        );
    }

    #[test]
    fn percentages_read_as_people_write_them() {
        assert_eq!(percent_text(1_000), "10 %");
        assert_eq!(percent_text(1_250), "12.5 %");
        assert_eq!(percent_text(1_205), "12.05 %");
        assert_eq!(percent_text(10_000), "100 %");
    }
}
