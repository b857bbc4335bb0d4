//! Orders: the floor checkout and payments stand on. An order's rules live here: the state
//! machine and its [`timeline`] (checked here and by the database's trigger, stock and
//! coupon use given back on cancelling), who may open an order ([`access`]), what its refunds
//! may add up to ([`refund_basis`]), staff [`fulfilment`], the staff [`list`] and its [`live`] feed, the order [`pages`]' reads, the
//! confirmation [`email`] and the shopper's later [`notices`]. Orders import neither checkout nor payments.

pub mod access;
pub mod email;
pub mod fulfilment;
pub mod list;
pub mod live;
pub mod notices;
pub mod pages;
pub mod returns;
pub mod timeline;

pub use access::{access_key, lookup, lookup_form, open_lookup_key, Access, LOOKUP_TTL_SECS};
pub use email::{confirmation, confirmation_email, Confirmation};
pub use fulfilment::{add_note, change_status, pack, StatusDetails};
pub use list::waiting;
pub use notices::{render_due as render_notices, Notice};
pub use pages::{list, view};
pub use timeline::{record, record_placed, transition, Actor};

use super::Error;
use crate::model::{Currency, OrderStatus, PaymentMethod};

/// A stored currency code, status or payment method: the database's checks keep them known,
/// so anything else is an internal error.
pub fn currency_of(code: &str) -> Result<Currency, Error> {
    code.parse()
        .map_err(|_| Error::other(format!("order in an unknown currency {code:?}")))
}

pub fn status_of(status: &str) -> Result<OrderStatus, Error> {
    OrderStatus::parse(status)
        .ok_or_else(|| Error::other(format!("unknown order status {status:?}")))
}

pub fn method_of(method: &str) -> Result<PaymentMethod, Error> {
    PaymentMethod::parse(method)
        .ok_or_else(|| Error::other(format!("unknown payment method {method:?}")))
}

/// What an order's refunds may add up to: a card payment as received, the cash collected on
/// delivery (a refunded cash order counts as delivered), else nothing.
pub fn refund_basis(
    method: PaymentMethod,
    status: OrderStatus,
    total_minor: i64,
    paid_minor: i64,
) -> i64 {
    match method {
        PaymentMethod::Card => paid_minor,
        PaymentMethod::CashOnDelivery
            if matches!(status, OrderStatus::Delivered | OrderStatus::Refunded) =>
        {
            paid_minor.min(total_minor)
        }
        PaymentMethod::CashOnDelivery => 0,
    }
}

/// What is left to refund of `basis` once `refunded` and the refunds on their way (`pending`)
/// are counted; a refund is refused above it.
pub fn refundable_left(basis: i64, refunded: i64, pending: i64) -> i64 {
    (basis - refunded - pending).max(0)
}
