//! How [`AppError`] travels over server functions: JSON, and the arguments a client sent
//! that do not decode turned into an error the shopper can act on, with its HTTP status.

use crate::model::AppError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};

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
        super::status::set_http_status(error.status_code());
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
}
