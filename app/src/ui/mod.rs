//! Components. Pages are server-rendered HTML; only `#[island]` components hydrate.

pub mod app;
pub mod components;
pub mod pages;

pub use app::{shell, App};

/// Called by the WASM entry point so the linker keeps this crate's island hydration
/// functions in the bundle. It does nothing at run time.
pub fn link_islands() {}

/// Sets the HTTP status of the page being rendered (server only; a no-op in the browser).
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(code) {
            response.set_status(status);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}
