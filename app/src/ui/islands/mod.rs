//! The `#[island]`s: the only components that ship code to the browser. The storefront's
//! (`search_box`, `variant_picker`, and `live::LiveOrder` on order pages) are in the main
//! WASM, which every storefront page loads; the card form and the admin's are
//! `#[island(lazy)]`, split into their own chunks that only their pages fetch.
pub mod admin_image_upload;
pub mod admin_product_fields;
pub mod admin_variant_grid;
pub mod card_payment;
#[cfg(feature = "hydrate")]
mod js;
pub mod live;
pub mod search_box;
pub mod variant_picker;
