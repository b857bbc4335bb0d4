//! Carts, checkout and orders as pages show them, and the order state machine. The same
//! transitions are in the database (`order_transitions`, enforced by a trigger); a test checks
//! the two agree.

use super::{Address, AddressInput, Money, ProductImage};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Confirmed,
    PartiallyFulfilled,
    Fulfilled,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 9] = [
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        OrderStatus::Confirmed,
        OrderStatus::PartiallyFulfilled,
        OrderStatus::Fulfilled,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "pending_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::PartiallyFulfilled => "partially_fulfilled",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// How a shopper reads it.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "Awaiting payment",
            OrderStatus::Paid => "Paid",
            OrderStatus::Confirmed => "Confirmed",
            OrderStatus::PartiallyFulfilled => "Partly packed",
            OrderStatus::Fulfilled => "Packed",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::Refunded => "Refunded",
        }
    }

    /// The statuses this one may move to.
    pub fn next(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            PendingPayment => &[Paid, Confirmed, Cancelled],
            Paid => &[PartiallyFulfilled, Fulfilled, Cancelled, Refunded],
            Confirmed => &[PartiallyFulfilled, Fulfilled, Cancelled],
            PartiallyFulfilled => &[Fulfilled, Refunded],
            Fulfilled => &[Shipped, Refunded],
            Shipped => &[Delivered, Refunded],
            Delivered => &[Refunded],
            Cancelled | Refunded => &[],
        }
    }

    /// Whether staff may pack (some of) the order's lines: paid or confirmed, or partly packed.
    pub fn packable(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid | OrderStatus::Confirmed | OrderStatus::PartiallyFulfilled
        )
    }

    pub fn can_become(self, next: OrderStatus) -> bool {
        self.next().contains(&next)
    }

    /// Whether the order's units count as sold (not reserved, not returned to stock).
    pub fn is_sold(self) -> bool {
        !matches!(self, OrderStatus::PendingPayment | OrderStatus::Cancelled)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    CashOnDelivery,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 2] = [PaymentMethod::Card, PaymentMethod::CashOnDelivery];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Card => "card",
            PaymentMethod::CashOnDelivery => "cash_on_delivery",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "card" => Some(PaymentMethod::Card),
            "cash_on_delivery" => Some(PaymentMethod::CashOnDelivery),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Card => "Card",
            PaymentMethod::CashOnDelivery => "Cash on delivery",
        }
    }
}

/// A cart line as the cart page shows it, priced from the catalog now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLineView {
    pub variant_id: i64,
    pub sku: String,
    pub product_name: String,
    pub product_slug: String,
    pub variant_title: String,
    pub unit_price: Money,
    pub quantity: i32,
    pub line_total: Money,
    /// Set when the line cannot be bought as it is (sold out, fewer left).
    pub problem: Option<String>,
    /// The variant's own picture, or the product's first (filled in for the pages that
    /// show it: `cart::with_images`).
    pub image: Option<ProductImage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartView {
    pub lines: Vec<CartLineView>,
    pub subtotal: Money,
    pub item_count: i64,
    pub max_line_quantity: i32,
    /// What delivery costs, for the cart page (filled in by the page: `checkout::delivery_estimate`).
    pub delivery: Option<DeliveryEstimate>,
}

/// The shop's cheapest delivery, and the lowest order total that delivers free, before the
/// shopper's address is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryEstimate {
    pub from: Money,
    pub free_over: Option<Money>,
}

/// Every amount of an order before it is placed (or as it was placed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub subtotal: Money,
    pub discount: Money,
    pub shipping: Money,
    pub tax: Money,
    pub total: Money,
    pub prices_include_tax: bool,
    /// VAT in basis points for the destination.
    pub tax_rate_bp: u32,
}

/// A shipping rate for the chosen country, priced for this cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingOption {
    pub id: i64,
    pub name: String,
    pub price: Money,
    /// Free because the subtotal reached the rate's threshold.
    pub free: bool,
    pub cash_on_delivery: bool,
    /// Added to the delivery charge when the shopper pays on delivery (zero for none).
    pub cod_fee: Money,
}

/// What the checkout page shows: the cart, what the shopper has entered so far, the choices
/// left and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutView {
    pub cart: CartView,
    pub signed_in: bool,
    pub email: Option<String>,
    pub address: Option<AddressInput>,
    pub saved_addresses: Vec<Address>,
    pub shipping_options: Vec<ShippingOption>,
    pub shipping_rate_id: Option<i64>,
    pub coupon_code: Option<String>,
    pub payment_methods: Vec<PaymentMethod>,
    /// Set once an address and a shipping rate are chosen.
    pub quote: Option<Quote>,
    /// The fee and the total when paying on delivery, where the chosen rate charges one.
    pub cod_fee: Option<(Money, Money)>,
    /// Why the order cannot be placed yet (no shipping to the country, a line out of stock).
    pub blocker: Option<String>,
    /// Fresh per page view: a double submit or a retry of this page finds the same order.
    pub checkout_key: String,
    /// Card payments are on offer (without them, a delivery option without cash on delivery
    /// cannot be paid for).
    pub card_enabled: bool,
    /// The countries the store delivers to (codes), for the address form and its note.
    pub delivers_to: Vec<String>,
    /// The last step the shopper sent that was refused, with what they typed.
    pub refusal: Option<Refusal>,
}

impl CheckoutView {
    /// Whether the shopper can pay for delivery option `o`.
    pub fn payable(&self, o: &ShippingOption) -> bool {
        self.card_enabled || o.cash_on_delivery
    }
}

/// A checkout step the shopper sent that was refused, kept with the cart so the page shows
/// the error under its field with everything they typed (never in the URL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub step: CheckoutStep,
    /// The field at fault (`email`, `name`, `country`, `code`...), or empty for the step.
    pub field: String,
    pub message: String,
    pub email: Option<String>,
    pub address: Option<AddressInput>,
    pub code: Option<String>,
}

impl Refusal {
    /// The message for `field` of `step`, if that is where the refusal sits.
    pub fn for_field(&self, step: CheckoutStep, field: &str) -> Option<String> {
        (self.step == step && self.field == field).then(|| self.message.clone())
    }
}

/// The checkout's steps, in order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutStep {
    #[default]
    Details,
    Delivery,
    Coupon,
    Payment,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineView {
    /// The line's place in its order (1, 2, ...): how staff name it when packing.
    pub line_no: i32,
    pub sku: String,
    pub product_name: String,
    pub variant_title: String,
    pub unit_price: Money,
    pub quantity: i32,
    /// How many of `quantity` are packed.
    pub packed: i32,
    /// How many of `quantity` came back.
    pub returned: i32,
    pub line_total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEventView {
    pub at: String,
    pub status: Option<OrderStatus>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub number: i64,
    pub status: OrderStatus,
    pub email: String,
    pub payment_method: PaymentMethod,
    pub lines: Vec<OrderLineView>,
    pub quote: Quote,
    pub refunded: Money,
    pub coupon_code: Option<String>,
    pub address_lines: Vec<String>,
    pub shipping_method: String,
    pub tracking_number: Option<String>,
    /// Who carries the parcel, once shipped, and its tracking page if it has one.
    pub carrier: Option<String>,
    pub tracking_url: Option<String>,
    pub placed_at: String,
    /// The tax invoice's number and date, once the order is paid.
    pub invoice: Option<(i64, String)>,
    pub events: Vec<OrderEventView>,
    /// How the card payment stands, for a card order awaiting it.
    pub card: Option<CardPayment>,
    /// What only staff see; `None` on the shopper's page.
    pub staff: Option<StaffOrderSide>,
}

/// The staff's side of an order: their notes, what may still be refunded, and the key that
/// makes this page's refund form refund once however often it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffOrderSide {
    pub notes: Vec<OrderNoteView>,
    pub refundable: Money,
    pub refund_key: String,
    /// Cash the courier collected (cash-on-delivery orders, once delivered).
    pub cash_collected: Option<Money>,
    /// Whether this staff member may act on orders (else the page only shows them).
    pub can_manage: bool,
}

/// One line of the "goods came back" form: its number and the units that came back (empty
/// for none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    pub line_no: i32,
    #[serde(default)]
    pub quantity: String,
}

/// A staff note on an order: never shown to the shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderNoteView {
    pub at: String,
    pub by: String,
    pub body: String,
}

impl OrderView {
    /// A card order still waiting for its payment.
    pub fn awaits_card_payment(&self) -> bool {
        self.payment_method == PaymentMethod::Card && self.status == OrderStatus::PendingPayment
    }
}

/// A card order's payment as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardPayment {
    /// Waiting for the shopper: the Payment Element needs these.
    Open {
        publishable_key: String,
        client_secret: String,
    },
    /// Stripe is processing it (some methods take a while); the page says so.
    Processing,
    /// The payment could not be started just now (Stripe unreachable); the page offers a retry.
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub number: i64,
    pub status: OrderStatus,
    pub total: Money,
    pub item_count: i64,
    pub placed_at: String,
}

/// An order in the staff list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffOrderRow {
    /// The list's cursor and the live feed's event id.
    pub id: i64,
    pub number: i64,
    pub status: OrderStatus,
    pub email: String,
    /// The delivery address's name and country.
    pub name: String,
    pub country: String,
    pub payment: crate::model::order_list::PaymentState,
    pub total: Money,
    pub payment_method: PaymentMethod,
    pub tracking_number: Option<String>,
    pub placed_at: String,
    pub item_count: i64,
    pub refunded: Money,
    /// What may still be refunded (a card payment received, cash once delivered), less what
    /// is refunded or being refunded.
    pub refundable: Money,
}

/// Who sells, as a tax invoice names them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seller {
    pub name: String,
    pub address: Option<String>,
    pub tax_number: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::OrderStatus;

    #[test]
    fn statuses_round_trip_and_end_states_are_final() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
            assert!(!status.can_become(status), "{status:?} to itself");
        }
        assert!(OrderStatus::Cancelled.next().is_empty());
        assert!(OrderStatus::Refunded.next().is_empty());
        assert!(!OrderStatus::PendingPayment.can_become(OrderStatus::Shipped));
        assert!(OrderStatus::Shipped.can_become(OrderStatus::Delivered));
    }
}
