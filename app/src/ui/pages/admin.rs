//! `/admin/...`: staff sign-in (password, then a second factor; enrolment the first time)
//! and the admin home (the orders are in `admin_orders.rs`). Server-rendered forms, no island: no admin code reaches shoppers.

use super::admin_dashboard::{LowStockList, SalesFigures, Waiting};
use super::ErrorPage;
use crate::api::admin::{get_dashboard, start_enrolment, ConfirmEnrolment, StaffCode, StaffSignIn};
use crate::model::AppError;
use crate::ui::components::form::{query, send_to, FormError, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn AdminSignInPage() -> impl IntoView {
    view! {
        <section class="account-form">
            <Private title="Staff sign-in" />
            <FormError />
            <h1>"Staff sign-in"</h1>
            {query("reset").map(|_| view! {
                <p class="form-notice" role="status">"Your password is set. Sign in, then set up two-step verification."</p>
            })}
            <form method="post" action=StaffSignIn::PATH>
                <label>"Email" <input type="email" name="email" required autocomplete="username" maxlength="254" /></label>
                <label>"Password" <input type="password" name="password" required autocomplete="current-password" maxlength="128" /></label>
                <button type="submit">"Continue"</button>
            </form>
            <p><a href="/account/forgot-password">"Forgot your password?"</a></p>
        </section>
    }
}

#[component]
pub fn AdminCodePage() -> impl IntoView {
    view! {
        <section class="account-form">
            <Private title="Two-step verification" />
            <FormError />
            <h1>"Two-step verification"</h1>
            <p>"Enter the 6-digit code from your authenticator app, or one of your recovery codes."</p>
            <form method="post" action=StaffCode::PATH>
                <label>"Code" <input type="text" name="code" required autocomplete="one-time-code" inputmode="numeric" maxlength="20" /></label>
                <button type="submit">"Verify"</button>
            </form>
            <p><a href="/admin/sign-in">"Start again"</a></p>
        </section>
    }
}

#[component]
pub fn AdminEnrolPage() -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match crate::ui::pages::apart(start_enrolment()).await {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok(e) => view! {
                        <section class="account-form">
                            <Private title="Set up two-step verification" />
            <FormError />
                            <h1>"Set up two-step verification"</h1>
                            <p>"Staff accounts need a second step. Scan this code with an authenticator app (any TOTP app), then enter the code it shows."</p>
                            <img class="qr" src=e.qr_data_uri width="200" height="200" alt="QR code for your authenticator app" />
                            <p>"Or type this key: " <code class="totp-secret">{e.secret}</code></p>
                            <h2>"Recovery codes"</h2>
                            <p>"Each works once if you lose your phone. Keep them somewhere safe; they are not shown again."</p>
                            <ul class="recovery-codes">
                                {e.recovery_codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                            </ul>
                            <form method="post" action=ConfirmEnrolment::PATH>
                                <label>"Code from the app" <input type="text" name="code" required autocomplete="one-time-code" inputmode="numeric" maxlength="6" /></label>
                                <button type="submit">"Turn on and continue"</button>
                            </form>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AdminHomePage() -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match crate::ui::pages::apart(get_dashboard()).await {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok(d) => view! {
                        <section class="account admin">
                            <Private title="Admin" />
            <FormError />
                            <h1>"Admin"</h1>
                            {d.waiting.map(|waiting| view! { <Waiting waiting /> })}
                            {d.report.map(|report| view! { <SalesFigures report /> })}
                            {d.low_stock.map(|items| view! { <LowStockList items /> })}
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
