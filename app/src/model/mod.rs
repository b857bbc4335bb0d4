//! Types shared by the server and the browser. Nothing here does I/O, and everything
//! compiles to wasm32.

mod error;
mod image;
mod listing;
mod money;
mod product;
pub mod rich_text;
mod store;

pub use error::AppError;
pub use image::{rendition_widths, ImageFormat, ProductImage, RENDITION_WIDTHS};
pub use listing::{
    encode_component, CategoryView, CollectionPage, Facet, FacetValue, HomeContent, Listing,
    ListingQuery, Sort, DEFAULT_PER_PAGE, MAX_PER_PAGE,
};
pub use money::{Currency, Money, MoneyError};
pub use product::{
    CategoryLink, ProductDetail, ProductOption, ProductSummary, StockStatus, Variant,
};
pub use store::StoreInfo;
