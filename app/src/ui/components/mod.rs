pub mod layout;
pub mod product_card;
pub mod quantity;
