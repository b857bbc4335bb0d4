pub mod layout;
pub mod listing;
pub mod picture;
pub mod product_card;
pub mod rich_text;
pub mod seo;
pub mod variant_picker;
