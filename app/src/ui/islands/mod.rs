//! The `#[island]`s: the only components that ship code to the browser. The storefront's
//! (`search_box`, `variant_picker`, `card_payment`) are in the main WASM, which every product
//! page loads; the admin's, and the order page's `live` one, are `#[island(lazy)]`, split into their own chunks that only admin
//! pages fetch.
pub mod admin_image_upload;
pub mod admin_product_fields;
pub mod admin_variant_grid;
pub mod card_payment;
#[cfg(feature = "hydrate")]
mod js;
pub mod live;
pub mod search_box;
pub mod variant_picker;
