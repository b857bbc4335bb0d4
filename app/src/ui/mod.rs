//! Components. Pages are server-rendered HTML; only `#[island]` components hydrate.

pub mod app;
pub mod components;
#[cfg(feature = "ssr")]
pub mod fragments;
pub mod islands;
pub mod pages;

pub use app::{shell, App};

/// The response header through which a rendered page passes its Content-Security-Policy script
/// nonce to the server's security layer, which turns it into the policy and removes it.
pub const CSP_NONCE_HEADER: &str = "x-duka-csp-nonce";

/// Called by the WASM entry point so the linker keeps this crate's island hydration
/// functions in the bundle. It does nothing at run time.
pub fn link_islands() {}

pub(crate) use crate::api::status::set_http_status as set_status;
