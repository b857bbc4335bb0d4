//! The routes that are not Leptos pages or server functions: Stripe's webhook, the search
//! box's suggestions, robots.txt and the sitemaps, the account export, the catalog's CSV, the admin's uploads, and the live
//! order feed's event streams.

pub mod account;
pub mod catalog_export;
pub mod live;
pub mod seo;
pub mod stripe_webhook;
pub mod suggest;
pub mod uploads;
