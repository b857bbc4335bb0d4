//! What every request and response goes through, outermost first as `http::with_layers`
//! stacks them: the security headers, the refusal of bad text ([`input`]), CSRF
//! ([`security`]), the session cookies turned into the request's viewer ([`session`]), and
//! whole-page caching for anonymous shoppers ([`page_cache`]).

pub mod input;
pub mod page_cache;
pub mod security;
pub mod session;
