//! The HTTP status of the response being produced, for code that runs during a request
//! (page rendering, server functions). A no-op in the browser.

pub fn set_http_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        // A plain HTML form posted to a server function is answered with a redirect back to
        // the form (the error in its URL); a status would stop the browser following it.
        if is_plain_form_post() {
            return;
        }
        if let Ok(status) = http::StatusCode::from_u16(code) {
            response.set_status(status);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// A server-function call made by a browser submitting a `<form>` without JavaScript.
#[cfg(feature = "ssr")]
pub fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.method == http::Method::POST
            && parts.uri.path().starts_with("/api/")
            && parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
    })
}
