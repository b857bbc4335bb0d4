//! The admin's catalog: what staff see and send, and the rules for it. The admin's islands
//! and the server apply the same functions, so a field is refused as it is typed for the
//! reason the server would refuse it.

mod category;
mod import;
mod list;
mod options;
mod product;
mod stock;

pub use category::*;
pub use import::*;
pub use list::*;
pub use options::*;
pub use product::*;
pub use stock::*;
