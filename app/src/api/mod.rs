//! Server functions, one file per context. Each is thin: get the state and who is asking,
//! call one domain function in `crate::server`, map the result.
//! They run in-process during server rendering and over POST from hydrated islands.

pub mod account;
pub mod admin;
pub mod cart;
pub mod catalog;
pub mod catalog_admin;
pub mod catalog_import;
pub mod content;
pub mod customers;
pub mod orders;
pub mod promotions;
pub mod returns;
pub mod search;
#[cfg(feature = "ssr")]
mod server_fn;
pub mod settings;
pub mod staff;
pub mod status;
mod wire;

#[cfg(feature = "ssr")]
pub use server_fn::{amount, in_span, redirect};
