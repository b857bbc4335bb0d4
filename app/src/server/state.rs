//! The one application state, shared by the router, SSR and server functions.

use super::cache::Cache;
use super::config::Settings;
use super::media::MediaStore;
use crate::model::AppError;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub cache: Cache,
    pub media: MediaStore,
    pub search: super::search::Engine,
    pub settings: Arc<Settings>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function or a server-rendered component. An error, not a
/// panic, if a route was wired without it.
pub fn state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        let reference = super::error::new_reference();
        tracing::error!(%reference, "AppState missing from the Leptos context");
        AppError::Internal { reference }
    })
}
