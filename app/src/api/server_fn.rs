//! What every server function's body stands in: its span and the HTTP status of its error
//! ([`in_span`]), and the redirect that sends a plain form on ([`redirect`]).

/// Sends the browser on to `to` once the server function returns: a 302 for a plain form, a
/// redirect header for a hydrated call. `to` is a path we built or one checked by
/// [`super::account::is_local_path`]; anything that cannot be a `Location` header is a
/// validation error here, never a panic after the work is done.
pub fn redirect(to: &str) -> Result<(), crate::model::AppError> {
    if http::HeaderValue::from_str(to).is_err() {
        return Err(crate::model::AppError::validation(
            "next",
            "the page to go on to is not a valid address",
        ));
    }
    leptos_axum::redirect(to);
    Ok(())
}

/// An amount a form sent in `currency` ("45.00", as typed), in minor units; `None` when left
/// empty. A value that is not an amount is a validation error on `field`.
pub fn amount(
    field: &str,
    text: &str,
    currency: crate::model::Currency,
) -> Result<Option<i64>, crate::model::AppError> {
    match text.trim() {
        "" => Ok(None),
        text => crate::model::Money::parse_decimal(text, currency)
            .map(|m| Some(m.minor))
            .map_err(|e| crate::model::AppError::validation(field, e.to_string())),
    }
}

/// Runs a server function's body in its own tracing span, so every call (rendered in-process
/// or over HTTP) is one span with its name and outcome. Internal errors are logged by the
/// `Error` → `AppError` conversion inside `fut`.
pub async fn in_span<T>(
    name: &'static str,
    fut: impl std::future::Future<Output = Result<T, crate::model::AppError>>,
) -> Result<T, crate::model::AppError> {
    use tracing::Instrument;
    let span = tracing::info_span!("server_fn", name, outcome = tracing::field::Empty);
    let result = fut.instrument(span.clone()).await;
    match &result {
        Ok(_) => {
            span.record("outcome", "ok");
        }
        Err(error) => {
            span.record("outcome", error.status_code());
            // Over HTTP, answer with the error's status (404, 422...) rather than a blanket
            // 500; during page rendering the error page sets the same status.
            super::status::set_http_status(error.status_code());
            let response = leptos::prelude::use_context::<leptos_axum::ResponseOptions>();
            match (error, response) {
                (crate::model::AppError::RateLimited { retry_after_secs }, Some(response)) => {
                    response.insert_header(
                        http::header::RETRY_AFTER,
                        http::HeaderValue::from(*retry_after_secs),
                    );
                }
                (crate::model::AppError::Moved { to }, Some(response)) => {
                    if let Ok(location) = http::HeaderValue::from_str(to) {
                        response.insert_header(http::header::LOCATION, location);
                    }
                }
                _ => {}
            }
        }
    }
    result
}
