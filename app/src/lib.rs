//! Duka's application crate.
//!
//! - [`model`]: wasm-safe shared types (money, views, the client-safe [`model::AppError`]).
//! - [`api`]: `#[server]` functions, thin: authenticate, call one domain function, map the result.
//! - [`ui`]: Leptos components. Pages render on the server; only `#[island]`s hydrate.
//! - `server` (feature `ssr` only): configuration, state, errors and the domain logic with its SQL.

#![recursion_limit = "256"]

pub mod api;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;
