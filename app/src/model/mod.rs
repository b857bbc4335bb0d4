//! Types shared by the server and the browser. Nothing here does I/O, and everything
//! compiles to wasm32.

mod account;
pub mod catalog_admin;
mod content;
pub mod country;
pub mod coupon;
pub mod customer;
pub mod dashboard;
pub mod delivery;
mod error;
mod image;
mod listing;
mod money;
mod order;
pub mod order_list;
mod product;
pub mod rich_text;
mod search;
pub mod shipment;
pub mod shop;
pub mod staff;
mod store;
pub mod totals;

pub use account::{Address, AddressInput, AdminNav, Dashboard, Profile, SessionInfo};
pub use content::{LayoutLinks, PageLink, StorePageView};
pub use error::AppError;
pub use image::{rendition_widths, ImageFormat, ProductImage, RENDITION_WIDTHS};
pub use listing::{
    encode_component, to_query_string, CategoryView, CollectionPage, Facet, FacetValue,
    HomeContent, Listing, ListingQuery, Sort, DEFAULT_PER_PAGE, MAX_PER_PAGE,
};
pub use money::{Currency, Money, MoneyError};
pub use order::{
    CardPayment, CartLineView, CartView, CheckoutStep, CheckoutView, DeliveryEstimate,
    OrderEventView, OrderLineView, OrderNoteView, OrderStatus, OrderSummary, OrderView,
    PaymentMethod, Quote, Refusal, ReturnLine, Seller, ShippingOption, StaffOrderRow,
    StaffOrderSide,
};
pub use product::{
    CategoryLink, ProductDetail, ProductOption, ProductSummary, StockStatus, Variant,
};
pub use search::{
    clean_query_text, fold_arabic, query_words, split_highlights, CategoryCount, Highlighted,
    SearchHit, SearchQuery, SearchResults, Suggestion, HIGHLIGHT_END, HIGHLIGHT_START,
    MAX_QUERY_CHARS, MAX_QUERY_WORDS,
};
pub use store::StoreInfo;

/// Slugs are lowercase words joined by single hyphens, at most 120 characters: the same rule
/// as the database's slug checks, applied before any query runs.
pub fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 120
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::is_slug;

    #[test]
    fn slug_rules() {
        assert!(is_slug("linen-shirt"));
        assert!(is_slug("a1"));
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "a b",
            "ü",
            "a/b",
            "../etc",
            &"a".repeat(121),
        ] {
            assert!(!is_slug(bad), "{bad:?}");
        }
    }
}
