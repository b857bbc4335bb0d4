//! The routes that are not Leptos pages or server functions: Stripe's webhook, the search
//! box's suggestions, robots.txt and the sitemaps, and the account export.

pub mod account;
pub mod seo;
pub mod stripe_webhook;
pub mod suggest;
