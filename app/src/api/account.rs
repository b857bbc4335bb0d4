//! Accounts: registration, sign-in and out, email links, the profile, addresses, sessions and
//! erasure. Each works from a plain HTML form (on success the browser is sent on with a
//! redirect; on failure back to the form with the error in the URL) and from code.
//! Every function that takes an id checks it against the signed-in customer.

use crate::model::{Address, AddressInput, AppError, Profile, SessionInfo};
use leptos::prelude::*;

/// Where to go after signing in: a path on this site, never another site; anything else is
/// the account page.
pub fn safe_next(next: Option<&str>) -> String {
    next.filter(|p| is_local_path(p))
        .unwrap_or("/account")
        .to_owned()
}

/// A path on this site that every browser reads as one: a single `/` followed by a path
/// character (not `/`, `\\` or `%`), printable ASCII only (no control character, whitespace
/// or backslash anywhere, which browsers strip or turn into `/`), and of a sane length.
pub fn is_local_path(p: &str) -> bool {
    let bytes = p.as_bytes();
    let printable = bytes.iter().all(|&b| b.is_ascii_graphic() && b != b'\\');
    let second_ok = match bytes.get(1) {
        None => true,
        Some(&b) => b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@?#".contains(&b),
    };
    bytes.first() == Some(&b'/') && bytes.len() <= 2048 && printable && second_ok
}

#[cfg(feature = "ssr")]
mod glue {
    pub use crate::api::in_span;
    pub use crate::api::redirect;
    pub use crate::server::accounts::{self, links, profile};
    pub use crate::server::auth::{require_customer, set_cookies, viewer};
    pub use crate::server::platform::limits::{self, account_subject};
    pub use crate::server::state;
    pub use secrecy::SecretString;

    pub fn secret(s: String) -> SecretString {
        SecretString::from(s)
    }
}

/// Creates an account and sends the confirmation link. The answer is the same whether or not
/// the address already has an account.
#[server]
pub async fn register(email: String, password: String) -> Result<(), AppError> {
    use glue::*;
    in_span("register", async move {
        let state = state()?;
        let a = &state.accounts;
        let client = a.limited_client(limits::REGISTER_PER_CLIENT).await?;
        // Each registration mails the address: a stranger cannot flood an inbox.
        a.limits
            .check(limits::REGISTER_PER_ACCOUNT, &account_subject(&email))
            .await?;
        accounts::register(
            &state.db,
            &a.hasher,
            &a.site,
            &email,
            &secret(password),
            &client,
        )
        .await?;
        redirect("/account/registered")?;
        Ok(())
    })
    .await
}

/// Signs in and sets the session cookies; goes on to `next` (a path on this site).
#[server]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use glue::*;
    in_span("sign_in", async move {
        let state = state()?;
        let a = &state.accounts;
        // Decided before anything happens, so a crafted `next` can never leave a session
        // behind without its cookies.
        let next = safe_next(next.as_deref());
        let client = a.limited_sign_in(&email, &a.cookies).await?;
        let issued = accounts::sign_in(
            &state.db,
            &a.hasher,
            &a.keys,
            &a.site,
            &email,
            &secret(password),
            &client,
            crate::server::auth::now(),
        )
        .await?;
        set_cookies(a.cookies.set(&issued));
        set_cookies([a.cookies.device_cookie(&a.keys, &email)]);
        // What the guest put in the cart comes along into the account's cart.
        if let Some(token) = crate::server::cart::guest_token(&a.keys, &a.cookies) {
            crate::server::cart::merge(&state.db, &token, issued.account_id, &state.cart_rules())
                .await?;
            set_cookies([a.cookies.cart_cookie("", 0)]);
        }
        redirect(&next)?;
        Ok(())
    })
    .await
}

/// Ends this session and clears the cookies.
#[server]
pub async fn sign_out() -> Result<(), AppError> {
    use glue::*;
    in_span("sign_out", async move {
        let state = state()?;
        if let Some(v) = viewer() {
            accounts::sign_out(
                &state.db,
                v.account_id,
                v.session_id,
                &state.accounts.client(),
            )
            .await?;
        }
        set_cookies(state.accounts.cookies.clear());
        redirect("/")?;
        Ok(())
    })
    .await
}

/// Confirms an address through the emailed link (a POST from the page the link opens, so
/// mail scanners that follow links do not use it up).
#[server]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use glue::*;
    in_span("verify_email", async move {
        let state = state()?;
        let client = state
            .accounts
            .limited_client(limits::LINK_PER_CLIENT)
            .await?;
        links::verify_email(&state.db, &token, &client).await?;
        redirect("/account/sign-in?verified=1")?;
        Ok(())
    })
    .await
}

/// Sends a reset link if the address has an account; the same answer either way.
#[server]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use glue::*;
    in_span("forgot_password", async move {
        let state = state()?;
        let a = &state.accounts;
        let client = a.limited_client(limits::RESET_PER_CLIENT).await?;
        a.limits
            .check(limits::RESET_PER_ACCOUNT, &account_subject(&email))
            .await?;
        links::request_reset(&state.db, &a.site, &email, &client).await?;
        redirect("/account/forgot-password?sent=1")?;
        Ok(())
    })
    .await
}

/// Sets a new password through a reset link; every session ends.
#[server]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use glue::*;
    in_span("reset_password", async move {
        let state = state()?;
        let a = &state.accounts;
        let client = a.limited_client(limits::LINK_PER_CLIENT).await?;
        let (_, staff) =
            links::reset_password(&state.db, &a.hasher, &token, &secret(password), &client).await?;
        set_cookies(a.cookies.clear());
        // Staff sign in, and enrol their second factor, on the staff sign-in.
        redirect(if staff {
            "/admin/sign-in?reset=1"
        } else {
            "/account/sign-in?reset=1"
        })?;
        Ok(())
    })
    .await
}

/// Changes the password; every other session ends.
#[server]
pub async fn change_password(current: String, password: String) -> Result<(), AppError> {
    use glue::*;
    in_span("change_password", async move {
        let v = require_customer()?;
        let state = state()?;
        let a = &state.accounts;
        accounts::change_password(
            &state.db,
            &a.hasher,
            v.account_id,
            v.session_id,
            &secret(current),
            &secret(password),
            &a.client(),
        )
        .await?;
        redirect("/account?done=password")?;
        Ok(())
    })
    .await
}

/// The signed-in customer's profile.
#[server]
pub async fn get_profile() -> Result<Profile, AppError> {
    use glue::*;
    in_span("get_profile", async move {
        let v = require_customer()?;
        Ok(profile::profile(&state()?.db, v.account_id).await?)
    })
    .await
}

#[server]
pub async fn update_profile(name: String) -> Result<(), AppError> {
    use glue::*;
    in_span("update_profile", async move {
        let v = require_customer()?;
        profile::update_name(&state()?.db, v.account_id, &name).await?;
        redirect("/account?done=profile")?;
        Ok(())
    })
    .await
}

#[server]
pub async fn get_addresses() -> Result<Vec<Address>, AppError> {
    use glue::*;
    in_span("get_addresses", async move {
        let v = require_customer()?;
        Ok(profile::addresses(&state()?.db, v.account_id).await?)
    })
    .await
}

/// One of the caller's addresses; another customer's is not found.
#[server]
pub async fn get_address(id: i64) -> Result<Address, AppError> {
    use glue::*;
    in_span("get_address", async move {
        let v = require_customer()?;
        Ok(profile::address(&state()?.db, v.account_id, id).await?)
    })
    .await
}

/// Saves a new address (no `id`) or changes one of the caller's.
#[server]
pub async fn save_address(id: Option<i64>, address: AddressInput) -> Result<i64, AppError> {
    use glue::*;
    in_span("save_address", async move {
        let v = require_customer()?;
        let id = profile::save_address(&state()?.db, v.account_id, id, &address).await?;
        redirect("/account/addresses?done=saved")?;
        Ok(id)
    })
    .await
}

#[server]
pub async fn delete_address(id: i64) -> Result<(), AppError> {
    use glue::*;
    in_span("delete_address", async move {
        let v = require_customer()?;
        profile::delete_address(&state()?.db, v.account_id, id).await?;
        redirect("/account/addresses?done=deleted")?;
        Ok(())
    })
    .await
}

#[server]
pub async fn get_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use glue::*;
    in_span("get_sessions", async move {
        let v = require_customer()?;
        Ok(profile::sessions(&state()?.db, v.account_id, v.session_id).await?)
    })
    .await
}

/// Ends one of the caller's sessions (another customer's is not found).
#[server]
pub async fn end_session(id: i64) -> Result<(), AppError> {
    use glue::*;
    in_span("end_session", async move {
        let v = require_customer()?;
        let state = state()?;
        accounts::sign_out(&state.db, v.account_id, id, &state.accounts.client()).await?;
        redirect("/account/sessions?done=ended")?;
        Ok(())
    })
    .await
}

/// Ends every session but this one.
#[server]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use glue::*;
    in_span("sign_out_everywhere", async move {
        let v = require_customer()?;
        let state = state()?;
        accounts::sessions::revoke_all(
            &state.db,
            v.account_id,
            Some(v.session_id),
            "signed_out_everywhere",
        )
        .await?;
        redirect("/account/sessions?done=everywhere")?;
        Ok(())
    })
    .await
}

/// Erases the account after the password is given again.
#[server]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    use glue::*;
    in_span("delete_account", async move {
        let v = require_customer()?;
        let state = state()?;
        accounts::delete_account(
            &state.db,
            &state.accounts.hasher,
            v.account_id,
            &secret(password),
        )
        .await?;
        set_cookies(state.accounts.cookies.clear());
        redirect("/?account=deleted")?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/account/addresses")), "/account/addresses");
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(
            safe_next(Some("/orders/DK-1?key=abc")),
            "/orders/DK-1?key=abc"
        );
        // The usual bypasses, as they arrive once the form or query is decoded.
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/ /evil.example",
            "%2f%2fevil.example",
            "/%2f/evil.example",
            "/%09/evil.example",
            "https:evil.example",
            "javascript:alert(1)",
            "/\u{1}",
            "/\u{7f}",
            "/\0",
            "/\u{b}",
            "/\u{c}",
            "/\u{1b}",
            "/\r\nSet-Cookie:x=1",
            "/caf\u{e9}",
            "evil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/account", "{bad}");
        }
        assert_eq!(safe_next(None), "/account");
    }
}
