pub mod admin_image_upload;
pub mod admin_product_fields;
pub mod admin_variant_grid;
pub mod card_payment;
#[cfg(feature = "hydrate")]
mod js;
pub mod layout;
pub mod listing;
pub mod picture;
pub mod product_card;
pub mod rich_text;
pub mod search_box;
pub mod seo;
pub mod variant_picker;
