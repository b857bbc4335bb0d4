//! The client-safe error: what crosses the wire, and only what a user can act on.
//! Internal causes (SQL, I/O) never appear here; they are logged on the server and
//! the user gets an opaque reference to quote (see `server::error`).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("please sign in")]
    Unauthorized,
    #[error("you do not have access to this")]
    Forbidden,
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// A checkout asked for more of an item than is left.
    #[error("only {available} of {item} left")]
    OutOfStock { item: String, available: i64 },
    #[error("this conflicts with a change made elsewhere; reload and try again")]
    Conflict,
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable,
    #[error("something went wrong on our side (reference {reference})")]
    Internal { reference: String },
    /// The request never reached our code or its answer could not be read
    /// (network down, bad encoding). Raised by the server-function plumbing.
    #[error("could not reach the store: {0}")]
    Transport(String),
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status that matches this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::Validation { .. } => 422,
            AppError::OutOfStock { .. } | AppError::Conflict => 409,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable => 503,
            AppError::Internal { .. } => 500,
            AppError::Transport(_) => 502,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            // Arguments a client sent that do not decode: the client's mistake, not a crash.
            // The parser's own words ("number too large to fit in target type") mean nothing
            // to a shopper: say what to do instead.
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::validation("request", unreadable_arguments(&msg))
            }
            ServerFnErrorErr::MissingArg(arg) => AppError::validation(arg, "is required"),
            other => AppError::Transport(other.to_string()),
        };
        // On the server this runs before the function body, so nothing else sets the status;
        // without this, server_fn would answer every such error with a 500.
        crate::status::set_http_status(error.status_code());
        error
    }
}

/// What a shopper is told when the values a form sent could not be read.
fn unreadable_arguments(parser_message: &str) -> &'static str {
    let m = parser_message.to_ascii_lowercase();
    if ["number", "integer", "digit", "float"]
        .iter()
        .any(|w| m.contains(w))
    {
        "a number in the form is not valid: enter a whole number in the usual range"
    } else if m.contains("missing") {
        "the form is missing a value: fill in every field and try again"
    } else {
        "some values in the form could not be read: check them and try again"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_errors_become_words_a_shopper_understands() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "Number too large to fit in target type".into(),
        ));
        let shown = error.to_string();
        assert!(
            shown.contains("a number in the form is not valid"),
            "{shown}"
        );
        assert!(!shown.to_lowercase().contains("target type"), "{shown}");
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(
            "expected value at line 1 column 1".into(),
        ));
        assert!(!error.to_string().contains("line 1"), "{error}");
    }

    #[test]
    fn round_trips_through_json() {
        for err in [
            AppError::NotFound,
            AppError::validation("slug", "too long"),
            AppError::RateLimited {
                retry_after_secs: 30,
            },
            AppError::Internal {
                reference: "ab12".into(),
            },
        ] {
            let json = serde_json::to_string(&err).expect("encodes");
            let back: AppError = serde_json::from_str(&json).expect("decodes");
            assert_eq!(back, err);
        }
        assert_eq!(
            serde_json::to_string(&AppError::NotFound).expect("encodes"),
            r#"{"kind":"not_found"}"#
        );
    }

    #[test]
    fn statuses_match_the_kind_of_error() {
        assert_eq!(AppError::NotFound.status_code(), 404);
        assert_eq!(AppError::validation("q", "bad").status_code(), 422);
        assert_eq!(
            AppError::Internal {
                reference: "x".into()
            }
            .status_code(),
            500
        );
    }
}
