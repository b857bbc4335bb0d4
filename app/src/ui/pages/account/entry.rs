//! Signing up, in, and back in: register, confirm, sign in, forgotten password.

use crate::api::account::{ForgotPassword, Register, ResetPassword, SignIn, VerifyEmail};
use crate::ui::components::form::{query, FormError, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn RegisterPage() -> impl IntoView {
    view! {
        <Private title="Create an account" />
        <section class="account-form">
            <h1>"Create an account"</h1>
            <FormError />
            <form method="post" action=Register::PATH>
                <label>"Email" <input type="email" name="email" required autocomplete="email" maxlength="254" /></label>
                <label>
                    "Password"
                    <input type="password" name="password" required autocomplete="new-password" minlength="12" maxlength="128" />
                    <small>"At least 12 characters. Avoid common passwords; a few unrelated words work well."</small>
                </label>
                <button type="submit">"Create account"</button>
            </form>
            <p>"Already have an account? " <a href="/account/sign-in">"Sign in"</a></p>
        </section>
    }
}

#[component]
pub fn RegisteredPage() -> impl IntoView {
    view! {
        <Private title="Check your email" />
        <section class="account-form">
            <h1>"Check your email"</h1>
            <p>"We have sent a link to the address you gave. Open it to confirm your address, then sign in."</p>
            <p>"Nothing arrived after a few minutes? Look in your spam folder, or " <a href="/account/register">"try again"</a> "."</p>
        </section>
    }
}

#[component]
pub fn VerifyPage() -> impl IntoView {
    let token = query("token").unwrap_or_default();
    view! {
        <Private title="Confirm your email address" />
        <section class="account-form">
            <h1>"Confirm your email address"</h1>
            <FormError />
            <form method="post" action=VerifyEmail::PATH>
                <input type="hidden" name="token" value=token />
                <button type="submit">"Confirm my address"</button>
            </form>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let next = query("next").unwrap_or_else(|| "/account".to_owned());
    let next = crate::api::account::safe_next(Some(&next));
    let notice = if query("verified").is_some() {
        Some("Your email address is confirmed. Sign in to continue.")
    } else if query("reset").is_some() {
        Some("Your password is changed. Sign in with the new one.")
    } else {
        None
    };
    view! {
        <Private title="Sign in" />
        <section class="account-form">
            <h1>"Sign in"</h1>
            {notice.map(|n| view! { <p class="form-notice" role="status">{n}</p> })}
            <FormError />
            <form method="post" action=SignIn::PATH>
                <input type="hidden" name="next" value=next />
                <label>"Email" <input type="email" name="email" required autocomplete="username" maxlength="254" /></label>
                <label>"Password" <input type="password" name="password" required autocomplete="current-password" maxlength="128" /></label>
                <button type="submit">"Sign in"</button>
            </form>
            <p><a href="/account/forgot-password">"Forgot your password?"</a></p>
            <p>"New here? " <a href="/account/register">"Create an account"</a></p>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let sent = query("sent").is_some();
    view! {
        <Private title="Forgot your password?" />
        <section class="account-form">
            <h1>"Forgot your password?"</h1>
            {sent.then(|| view! {
                <p class="form-notice" role="status">
                    "If an account uses that address, we have sent it a link to choose a new password. The link works for one hour."
                </p>
            })}
            <FormError />
            <form method="post" action=ForgotPassword::PATH>
                <label>"Email" <input type="email" name="email" required autocomplete="email" maxlength="254" /></label>
                <button type="submit">"Send me a link"</button>
            </form>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = query("token").unwrap_or_default();
    view! {
        <Private title="Choose a new password" />
        <section class="account-form">
            <h1>"Choose a new password"</h1>
            <FormError />
            <form method="post" action=ResetPassword::PATH>
                <input type="hidden" name="token" value=token />
                <label>
                    "New password"
                    <input type="password" name="password" required autocomplete="new-password" minlength="12" maxlength="128" />
                </label>
                <button type="submit">"Save the new password"</button>
            </form>
        </section>
    }
}
