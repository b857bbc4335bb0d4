//! Customers as staff look them up: the list's search, one customer's page.

use super::{Address, AppError, Money};
use serde::{Deserialize, Serialize};

/// One customer in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// Orders confirmed or paid.
    pub orders: i64,
    /// What those orders came to, less refunds.
    pub spend: Money,
    pub joined: String,
    pub state: String,
}

/// A page of the customers list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub rows: Vec<CustomerRow>,
    /// The next (older) page's cursor.
    pub next: Option<i64>,
}

/// One of a customer's orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerOrder {
    pub number: i64,
    pub at: String,
    pub status: String,
    pub total: Money,
}

/// One customer's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub row: CustomerRow,
    pub addresses: Vec<Address>,
    /// The newest 50.
    pub orders: Vec<CustomerOrder>,
    /// Whether this staff member may export or erase the customer's data.
    pub can_manage_data: bool,
}

/// The list's search text: trimmed, at least 3 characters (the index matches by trigrams),
/// at most 100.
pub fn customer_search(text: &str) -> Result<Option<String>, AppError> {
    let text = text.trim();
    match text.chars().count() {
        0 => Ok(None),
        1..=2 => Err(AppError::validation("q", "type at least 3 characters")),
        101.. => Err(AppError::validation("q", "type at most 100 characters")),
        _ => Ok(Some(text.to_lowercase())),
    }
}

#[cfg(test)]
mod tests {
    use super::customer_search;

    #[test]
    fn searches_are_long_enough_to_use_the_index() {
        assert_eq!(customer_search("  ").unwrap(), None);
        assert!(customer_search("ab").is_err());
        assert_eq!(
            customer_search(" Layla ").unwrap().as_deref(),
            Some("layla")
        );
        assert!(customer_search(&"x".repeat(101)).is_err());
    }
}
