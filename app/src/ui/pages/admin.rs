//! `/admin/...`: staff sign-in (password, then a second factor; enrolment the first time)
//! the admin home, the orders list and an order's page. Server-rendered forms, no island: no admin code reaches shoppers.

use super::ErrorPage;
use crate::api::admin::{
    get_dashboard, start_enrolment, ConfirmEnrolment, CreateStaff, RefundOrder, StaffCode,
    StaffSignIn, StaffSignOut, UpdateOrderStatus,
};
use crate::model::AppError;
use crate::ui::components::form::{send_to, FormError, Notice, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn AdminSignInPage() -> impl IntoView {
    view! {
        <section class="account-form">
            <Private title="Staff sign-in" />
            <FormError />
            <h1>"Staff sign-in"</h1>
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
                match start_enrolment().await {
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
                match get_dashboard().await {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok(d) => view! {
                        <section class="account admin">
                            <Private title="Admin" />
            <FormError />
                            <h1>"Admin"</h1>
                            <p>{d.email} " · " {d.role}</p>
                            <form method="post" action=StaffSignOut::PATH class="inline">
                                <button type="submit">"Sign out"</button>
                            </form>
                            <p><a href="/admin/orders">"Orders"</a> " · " <a href="/admin/products">"Products"</a> " · " <a href="/admin/categories">"Categories"</a></p>
                            {d.staff.map(|staff| view! {
                                <h2>"Staff"</h2>
                                <table class="stack">
                                    <thead><tr><th>"Email"</th><th>"Role"</th><th>"Two-step"</th></tr></thead>
                                    <tbody>
                                        {staff.into_iter().map(|(email, role, on)| view! {
                                            <tr><td data-label="Email">{email}</td><td data-label="Role">{role}</td><td data-label="Two-step">{if on { "on" } else { "not yet" }}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <h3>"Add a staff member"</h3>
                                <form method="post" action=CreateStaff::PATH>
                                    <label>"Email" <input type="email" name="email" required maxlength="254" /></label>
                                    <label>"Role"
                                        <select name="role">
                                            <option value="admin">"Admin"</option>
                                            <option value="catalog_manager">"Catalog manager"</option>
                                            <option value="order_clerk">"Order clerk"</option>
                                            <option value="support" selected>"Support"</option>
                                        </select>
                                    </label>
                                    <button type="submit">"Add and email a set-password link"</button>
                                </form>
                            })}
                            {d.audit.map(|audit| view! {
                                <h2>"Audit log"</h2>
                                <table class="audit stack">
                                    <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"From"</th></tr></thead>
                                    <tbody>
                                        {audit.into_iter().map(|(at, who, what, ip)| view! {
                                            <tr><td data-label="When">{at}</td><td data-label="Who">{who}</td><td data-label="What">{what}</td><td data-label="From">{ip}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            })}
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/admin/orders/{number}`: one order for staff: its lines with what is packed of each (and a
/// form per line to pack more), its delivery, payment and timeline.
#[component]
pub fn AdminOrderPage() -> impl IntoView {
    let number = super::order::number_param();
    view! {
        <Private title="Order" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                let Some(number) = number else {
                    return view! { <ErrorPage error=AppError::NotFound /> }.into_any();
                };
                match crate::api::admin::get_admin_order(number).await {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok(order) => view! {
                        <section class="order admin">
                            <h1>{format!("Order {}", order.number)}</h1>
                            <p><a href="/admin/orders">"All orders"</a></p>
                            <Notice messages=vec![("packed", "Packed.")] />
                            <FormError />
                            <super::order::OrderDetail order staff=true />
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/admin/orders`: the newest orders, each with the moves its status allows.
#[component]
pub fn AdminOrdersPage() -> impl IntoView {
    let status = crate::ui::components::form::query("status");
    view! {
        <Private title="Orders" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match crate::api::admin::get_admin_orders(status.clone()).await {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok(orders) => view! {
                        <section class="account admin">
                            <h1>"Orders"</h1>
                            <p><a href="/admin">"Admin home"</a></p>
                            <FormError />
                            <form method="get" class="inline">
                                <label>"Status "
                                    <select name="status">
                                        <option value="">"All"</option>
                                        {crate::model::OrderStatus::ALL.iter().map(|s| {
                                            let selected = status.as_deref() == Some(s.as_str());
                                            view! { <option value=s.as_str() selected=selected>{s.label()}</option> }
                                        }).collect_view()}
                                    </select>
                                </label>
                                <button type="submit">"Show"</button>
                            </form>
                            <table class="orders stack">
                                <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Customer"</th><th scope="col">"Items"</th><th scope="col">"Total"</th><th scope="col">"Payment"</th><th scope="col">"Status"</th><th scope="col">"Next"</th><th scope="col">"Refund"</th></tr></thead>
                                <tbody>
                                    {orders.into_iter().map(|o| {
                                        // Refunds have their own form; packing part of an
                                        // order is done line by line on its page.
                                        let next: Vec<_> = o.status.next().iter().copied()
                                            .filter(|s| !matches!(s, crate::model::OrderStatus::Refunded | crate::model::OrderStatus::PartiallyFulfilled))
                                            .collect();
                                        view! {
                                            <tr>
                                                <td data-label="Order"><a href=format!("/admin/orders/{}", o.number)>{o.number}</a></td>
                                                <td data-label="Placed">{o.placed_at}</td>
                                                <td data-label="Customer">{o.email}</td>
                                                <td data-label="Items">{o.item_count}</td>
                                                <td data-label="Total">
                                                    {o.total.to_string()}
                                                    {(o.refunded.minor > 0).then(|| format!(" (refunded {})", o.refunded))}
                                                </td>
                                                <td data-label="Payment">{o.payment_method.label()}</td>
                                                <td data-label="Status">{o.status.label()} {o.tracking_number.map(|t| format!(" · {t}"))}</td>
                                                <td data-label="Next">
                                                    {(!next.is_empty()).then(|| view! {
                                                        <form method="post" action=UpdateOrderStatus::PATH class="inline">
                                                            <input type="hidden" name="number" value=o.number />
                                                            <select name="status" aria-label="New status">
                                                                {next.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                                                            </select>
                                                            <input type="text" name="tracking_number" placeholder="Tracking number" maxlength="100" aria-label="Tracking number" />
                                                            <button type="submit">"Save"</button>
                                                        </form>
                                                    })}
                                                </td>
                                                <td data-label="Refund">
                                                    {(o.refundable.minor > 0).then(|| view! {
                                                        <form method="post" action=RefundOrder::PATH class="inline">
                                                            <input type="hidden" name="number" value=o.number />
                                                            <input type="text" name="amount" inputmode="decimal" maxlength="20" placeholder=o.refundable.decimal() aria-label="Amount to refund (empty: all)" />
                                                            <input type="text" name="reason" maxlength="500" placeholder="Reason" aria-label="Reason" />
                                                            <button type="submit">{format!("Refund (up to {})", o.refundable)}</button>
                                                        </form>
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
