pub mod form;
pub mod layout;
pub mod listing;
pub mod order_parts;
pub mod picture;
pub mod product_card;
pub mod rich_text;
pub mod seo;
