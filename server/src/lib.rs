//! The Duka server: builds the state from settings and the axum router that serves the
//! storefront, server functions, static assets and health checks.

pub mod auth;
pub mod http;
pub mod input;
pub mod page_cache;
pub mod payments;
pub mod search;
pub mod security;
pub mod seo;
pub mod startup;
pub mod telemetry;

pub use http::router;
pub use startup::{build_state, serve, StartupError};
