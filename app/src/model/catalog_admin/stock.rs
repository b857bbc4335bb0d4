//! Stock movements: why a variant's stock changed, as the ledger records it.

use serde::{Deserialize, Serialize};

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
