//! Types shared by the server and the browser. Nothing here does I/O, and everything
//! compiles to wasm32.

mod error;
mod money;
mod product;
mod store;

pub use error::AppError;
pub use money::{Currency, Money, MoneyError};
pub use product::{ProductDetail, ProductSummary, StockStatus};
pub use store::StoreInfo;
