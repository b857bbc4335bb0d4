//! The staff orders list: what it may be filtered by, read from and written back to its
//! query string, and one page of it.

use super::{AppError, OrderStatus, PaymentMethod, StaffOrderRow};
use serde::{Deserialize, Serialize};

/// Where an order's money stands, whatever its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentState {
    /// Nothing received yet (a card not yet paid, cash not yet collected).
    Unpaid,
    /// Received, nothing refunded.
    Paid,
    PartlyRefunded,
    Refunded,
}

impl PaymentState {
    pub const ALL: [PaymentState; 4] = [
        PaymentState::Unpaid,
        PaymentState::Paid,
        PaymentState::PartlyRefunded,
        PaymentState::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Unpaid => "unpaid",
            PaymentState::Paid => "paid",
            PaymentState::PartlyRefunded => "partly_refunded",
            PaymentState::Refunded => "refunded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentState::Unpaid => "Not paid yet",
            PaymentState::Paid => "Paid",
            PaymentState::PartlyRefunded => "Partly refunded",
            PaymentState::Refunded => "Refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The state of an order that received `paid` and gave back `refunded` (minor units).
    pub fn of(paid: i64, refunded: i64) -> Self {
        match (paid, refunded) {
            (_, r) if r > 0 && r >= paid => PaymentState::Refunded,
            (_, r) if r > 0 => PaymentState::PartlyRefunded,
            (p, _) if p > 0 => PaymentState::Paid,
            _ => PaymentState::Unpaid,
        }
    }
}

/// What a search box's text looks for: an order number, or a part of an email, a name or a
/// phone number's digits. An order matches if it has either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSearch {
    pub number: Option<i64>,
    /// Lowercased, or a phone's digits; matched anywhere in the email, the delivery name or
    /// the phone's digits.
    pub text: Option<String>,
}

impl OrderSearch {
    fn parse(text: &str) -> Result<Self, AppError> {
        let text = text.trim().trim_start_matches('#').trim();
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c));
        if phone_like && !digits.is_empty() {
            // A short number is an order's; a longer one may be either.
            let number = (digits == text && digits.len() <= 12)
                .then(|| digits.parse().ok())
                .flatten();
            let text = (digits.len() >= 6).then_some(digits);
            return Ok(OrderSearch { number, text });
        }
        let text: String = text.to_lowercase().chars().take(100).collect();
        if text.chars().count() < 3 {
            return Err(AppError::validation(
                "q",
                "type an order number, or at least 3 letters of an email, name or phone",
            ));
        }
        Ok(OrderSearch {
            number: None,
            text: Some(text),
        })
    }
}

/// The list's query string as it came, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderListParams {
    pub q: Option<String>,
    pub status: Option<String>,
    pub method: Option<String>,
    pub payment: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub country: Option<String>,
    pub before: Option<String>,
}

impl OrderListParams {
    pub const NAMES: [&'static str; 8] = [
        "q", "status", "method", "payment", "from", "to", "country", "before",
    ];

    /// From values in the order of [`Self::NAMES`].
    pub fn from_values(values: [Option<String>; 8]) -> Self {
        let [q, status, method, payment, from, to, country, before] = values;
        Self {
            q,
            status,
            method,
            payment,
            from,
            to,
            country,
            before,
        }
    }

    /// The values given, by name.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        let values = [
            &self.q,
            &self.status,
            &self.method,
            &self.payment,
            &self.from,
            &self.to,
            &self.country,
            &self.before,
        ];
        Self::NAMES
            .into_iter()
            .zip(values)
            .filter_map(|(name, value)| Some((name, value.as_deref()?)))
    }
}

/// The list's filters; every one is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderListQuery {
    /// As typed (the page shows it back).
    pub q: String,
    pub search: Option<OrderSearch>,
    pub status: Option<OrderStatus>,
    pub method: Option<PaymentMethod>,
    pub payment: Option<PaymentState>,
    /// Placed on or after this day, and on or before `to`, in the shop's time zone
    /// (`YYYY-MM-DD`, checked).
    pub from: Option<String>,
    pub to: Option<String>,
    /// A delivery country (ISO 3166 alpha-2, upper case).
    pub country: Option<String>,
    /// The cursor the previous page ended with: orders older than this one.
    pub before: Option<i64>,
}

impl OrderListQuery {
    /// From the list's query string. A value that is not one of the list's is refused with
    /// the field it came in; empty values are ignored.
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, AppError> {
        let mut query = Self::default();
        for (key, value) in params {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let choose = |field| AppError::validation(field, "choose from the list");
            match key {
                "q" => {
                    query.q = value.chars().take(100).collect();
                    query.search = Some(OrderSearch::parse(&query.q)?);
                }
                "status" => query.status = Some(OrderStatus::parse(value).ok_or(choose(key))?),
                "method" => query.method = Some(PaymentMethod::parse(value).ok_or(choose(key))?),
                "payment" => query.payment = Some(PaymentState::parse(value).ok_or(choose(key))?),
                "from" | "to" => {
                    let day = day(value).ok_or_else(|| {
                        AppError::validation(key, "a date as YYYY-MM-DD, e.g. 2026-12-31")
                    })?;
                    *(if key == "from" {
                        &mut query.from
                    } else {
                        &mut query.to
                    }) = Some(day);
                }
                "country" => {
                    let code = value.to_ascii_uppercase();
                    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                        return Err(AppError::validation("country", "a two-letter country code"));
                    }
                    query.country = Some(code);
                }
                "before" => {
                    query.before = Some(value.parse().map_err(|_| {
                        AppError::validation("before", "this page link is not valid")
                    })?)
                }
                _ => {}
            }
        }
        if let (Some(from), Some(to)) = (&query.from, &query.to) {
            if from > to {
                return Err(AppError::validation(
                    "to",
                    "the end date is before the start",
                ));
            }
        }
        Ok(query)
    }

    /// This list's query string, with `before` as its cursor if given.
    pub fn query_string(&self, before: Option<i64>) -> String {
        let params: Vec<(String, String)> = [
            ("q", Some(self.q.clone())),
            ("status", self.status.map(|s| s.as_str().to_owned())),
            ("method", self.method.map(|m| m.as_str().to_owned())),
            ("payment", self.payment.map(|p| p.as_str().to_owned())),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("country", self.country.clone()),
            ("before", before.map(|b| b.to_string())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k.to_owned(), v)))
        .collect();
        super::to_query_string(&params)
    }

    /// Whether this is the whole list's first page (where new orders are pushed in).
    pub fn is_unfiltered_first_page(&self) -> bool {
        *self == Self::default()
    }
}

/// `YYYY-MM-DD` of a real day between the years 2000 and 2999.
fn day(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |r: std::ops::Range<usize>| text.get(r)?.parse::<u32>().ok();
    let (y, m, d) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((2000..3000).contains(&y) && (1..=days).contains(&d)).then(|| text.to_owned())
}

/// One page of the orders list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffOrderPage {
    pub rows: Vec<StaffOrderRow>,
    /// The next (older) page's cursor, when there is one.
    pub next: Option<i64>,
    /// Where the live feed of new orders starts (a feed position read before the list).
    pub live_from: i64,
    /// Whether this staff member may act on orders (the rows' buttons).
    pub can_manage: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(params: &[(&str, &str)]) -> Result<OrderListQuery, AppError> {
        OrderListQuery::from_params(params.iter().copied())
    }

    #[test]
    fn search_text_is_a_number_a_phone_or_words() {
        let search = |t: &str| q(&[("q", t)]).map(|q| q.search);
        let found = |number: Option<i64>, text: Option<&str>| {
            Ok(Some(OrderSearch {
                number,
                text: text.map(str::to_owned),
            }))
        };
        assert_eq!(search("1042"), found(Some(1042), None));
        assert_eq!(search("# 1042"), found(Some(1042), None));
        assert_eq!(search("0501234"), found(Some(501234), Some("0501234")));
        assert_eq!(search("+971 50 123"), found(None, Some("97150123")));
        assert_eq!(search("Amal@Example"), found(None, Some("amal@example")));
        assert!(search("ab").is_err());
        assert!(search("12").is_ok());
        assert_eq!(search("  "), Ok(None));
    }

    #[test]
    fn filters_are_checked_and_written_back() {
        let query = q(&[
            ("status", "shipped"),
            ("method", "cash_on_delivery"),
            ("payment", "partly_refunded"),
            ("from", "2026-02-01"),
            ("to", "2028-02-29"),
            ("country", "zm"),
            ("before", "77"),
        ])
        .unwrap();
        assert_eq!(query.country.as_deref(), Some("ZM"));
        assert_eq!(
            query.query_string(Some(12)),
            "?status=shipped&method=cash_on_delivery&payment=partly_refunded&from=2026-02-01&to=2028-02-29&country=ZM&before=12"
        );
        for bad in [
            ("status", "lost"),
            ("method", "cheque"),
            ("payment", "owing"),
            ("from", "2025-02-29"),
            ("to", "2026-13-01"),
            ("from", "26-01-01"),
            ("country", "ARE"),
            ("before", "x"),
        ] {
            assert!(q(&[bad]).is_err(), "{bad:?}");
        }
        assert!(q(&[("from", "2026-03-02"), ("to", "2026-03-01")]).is_err());
        assert!(q(&[]).unwrap().is_unfiltered_first_page());
    }

    #[test]
    fn payment_state_follows_the_money() {
        assert_eq!(PaymentState::of(0, 0), PaymentState::Unpaid);
        assert_eq!(PaymentState::of(500, 0), PaymentState::Paid);
        assert_eq!(PaymentState::of(500, 100), PaymentState::PartlyRefunded);
        assert_eq!(PaymentState::of(500, 500), PaymentState::Refunded);
    }
}
