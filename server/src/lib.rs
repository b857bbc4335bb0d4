//! The Duka server: builds the state from settings and the axum router that serves the
//! storefront, server functions, static assets and health checks.

pub mod http;
pub mod middleware;
pub mod routes;
pub mod startup;
pub mod telemetry;

pub use http::router;
pub use startup::{build_state, serve, StartupError};
