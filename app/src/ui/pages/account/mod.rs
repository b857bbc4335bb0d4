//! `/account/...`: customer account pages. Plain server-rendered forms posting to the
//! server functions in `api::account`; no island, so no WASM for any of it. A failed form
//! comes back to its page with the error (`components::form`).

mod entry;
mod manage;
mod orders;

pub use entry::{
    ForgotPasswordPage, RegisterPage, RegisteredPage, ResetPasswordPage, SignInPage, VerifyPage,
};
pub(crate) use manage::{signed_in, AccountNav, AddressFields};
pub use manage::{AccountPage, AddressEditPage, AddressesPage, PrivacyPage, SessionsPage};
pub use orders::AccountOrdersPage;
