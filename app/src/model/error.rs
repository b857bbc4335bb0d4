//! The client-safe error: what crosses the wire, and only what a user can act on.
//! Internal causes (SQL, I/O) never appear here; they are logged on the server and
//! the user gets an opaque reference to quote (see `server::platform::error`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// The page lives at another path now (a product's old slug): a permanent redirect.
    #[error("this page has moved to {to}")]
    Moved { to: String },
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
    /// A save over a newer one (someone else saved the same thing since it was opened):
    /// refused, with who saved and when.
    #[error("{message}")]
    Stale { message: String },
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
            AppError::Moved { .. } => 301,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::Validation { .. } => 422,
            AppError::OutOfStock { .. } | AppError::Conflict | AppError::Stale { .. } => 409,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable => 503,
            AppError::Internal { .. } => 500,
            AppError::Transport(_) => 502,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
