//! `POST /webhooks/stripe`: Stripe's events, read as raw bytes (the signature covers the exact
//! body) and handed to the payment domain. 400 for a forged, altered or stale event (nothing
//! is written), 500 when our side fails (Stripe delivers it again), 200 otherwise, a repeat
//! included.

use app::server::payments::WebhookFailure;
use app::server::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

pub const WEBHOOK_PATH: &str = "/webhooks/stripe";

pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let now = app::server::auth::now();
    let (status, text) = match state.payments.receive_webhook(signature, &body, now).await {
        Ok(delivery) => {
            tracing::info!(?delivery, "Stripe webhook");
            (StatusCode::OK, "ok")
        }
        Err(WebhookFailure::Rejected(reason)) => {
            tracing::warn!(%reason, "Stripe webhook rejected");
            (StatusCode::BAD_REQUEST, "rejected")
        }
        Err(WebhookFailure::NotConfigured) => (StatusCode::NOT_FOUND, "not found"),
        Err(WebhookFailure::Internal(error)) => {
            let reference = app::server::platform::request::reference();
            tracing::error!(%error, %reference, "Stripe webhook not applied");
            (StatusCode::INTERNAL_SERVER_ERROR, "not applied")
        }
    };
    (status, [(header::CACHE_CONTROL, "no-store")], text).into_response()
}
