//! The app crate's integration tests, one binary: the helpers compile once and the release
//! build links once. Each module is one bounded context, tested against real PostgreSQL and
//! Redis (and Meilisearch when `MEILISEARCH_URL` is set); `support` builds the fixtures.

mod support;

mod accounts;
mod architecture;
mod cache_redis;
mod cart;
mod catalog;
mod catalog_admin;
mod catalog_import;
mod catalog_variants;
mod checkout;
mod collections;
mod customers;
mod dashboard;
mod fulfilment;
mod migrations;
mod order_list;
mod payments;
mod promotions;
mod returns;
mod search;
mod search_meili;
mod settings;
mod storefront_pages;
mod styles;
mod team;
