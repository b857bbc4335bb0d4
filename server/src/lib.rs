//! The Duka server: builds the state from settings and the axum router that serves the
//! storefront, server functions, static assets, health checks and metrics.

pub mod http;
pub mod metrics;
pub mod middleware;
pub mod routes;
pub mod shutdown;
pub mod startup;
pub mod telemetry;

pub use http::router;
pub use startup::{build_state, serve, StartupError};
