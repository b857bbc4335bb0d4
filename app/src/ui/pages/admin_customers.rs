//! `/admin/customers` and `/admin/customers/{id}`: the customers list with its search, and
//! one customer's page with their addresses, orders and spend, and what staff may do for
//! them. Plain forms; the erasure asks for the customer's email to be typed.

use super::skeleton::{record_id, staff_loaded, staff_record};
use crate::api::customers::{get_customer, get_customers, EraseCustomer, SendCustomerReset};
use crate::model::customer::{CustomerDetail, CustomerPage};
use crate::ui::components::form::{query, FormError, Notice, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn AdminCustomersPage() -> impl IntoView {
    let q = query("q");
    let before = query("before").and_then(|b| b.parse().ok());
    let shown = q.clone().unwrap_or_default();
    view! {
        <Private title="Customers" />
        <section class="admin">
            <h1>"Customers"</h1>
            <form method="get" action="/admin/customers" class="filters" role="search">
                <label>"Email, name or phone" <input type="search" name="q" value=shown maxlength="100" /></label>
                <button type="submit">"Search"</button>
            </form>
            {staff_loaded(get_customers(q.clone(), before), move |page| view! { <CustomerList page q /> })}
        </section>
    }
}

#[component]
fn CustomerList(page: CustomerPage, q: Option<String>) -> impl IntoView {
    let next = page.next.map(|id| match &q {
        Some(q) => format!(
            "/admin/customers?q={}&before={id}",
            crate::model::encode_component(q)
        ),
        None => format!("/admin/customers?before={id}"),
    });
    let empty = page.rows.is_empty();
    view! {
        <table class="stack">
            <thead><tr><th>"Customer"</th><th>"Joined"</th><th>"Orders"</th><th>"Spent"</th><th>"Account"</th></tr></thead>
            <tbody>
                {page.rows.into_iter().map(|c| view! {
                    <tr>
                        <td data-label="Customer"><a href=format!("/admin/customers/{}", c.id)>{c.email}</a> " " {c.name}</td>
                        <td data-label="Joined">{c.joined}</td>
                        <td data-label="Orders">{c.orders}</td>
                        <td data-label="Spent">{c.spend.to_string()}</td>
                        <td data-label="Account">{c.state}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {empty.then(|| view! { <p>"No customers match."</p> })}
        {next.map(|href| view! { <p><a href=href rel="next">"Older customers"</a></p> })}
    }
}

#[component]
pub fn CustomerPageView() -> impl IntoView {
    view! {
        <Private title="Customer" />
        {staff_record(record_id(), get_customer, |c| view! { <Customer c /> })}
    }
}

#[component]
fn Customer(c: CustomerDetail) -> impl IntoView {
    let CustomerDetail {
        row,
        addresses,
        orders,
        can_manage_data,
    } = c;
    let id = row.id;
    let erased = row.state == "Erased";
    view! {
        <section class="admin">
            <h1>{row.email.clone()}</h1>
            <p><a href="/admin/customers">"All customers"</a></p>
            <Notice messages=vec![
                ("reset", "A link to choose a new password is on its way to the customer."),
                ("erased", "The customer's personal data is erased; their orders stay for the accounts."),
            ] />
            <FormError />
            <dl class="coupon-report">
                <dt>"Name"</dt><dd>{row.name}</dd>
                <dt>"Account"</dt><dd>{row.state}</dd>
                <dt>"Joined"</dt><dd>{row.joined}</dd>
                <dt>"Orders"</dt><dd data-figure="orders">{row.orders}</dd>
                <dt>"Spent"</dt><dd data-figure="spend">{row.spend.to_string()}</dd>
            </dl>
            <h2>"Addresses"</h2>
            {if addresses.is_empty() {
                view! { <p>"No saved addresses."</p> }.into_any()
            } else {
                view! {
                    <ul class="waiting">
                        {addresses.into_iter().map(|a| {
                            let phone = a.fields.phone.clone();
                            view! { <li>{a.lines().join(", ")} " · " {phone}</li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <h2>"Orders"</h2>
            <table class="stack">
                <thead><tr><th>"Order"</th><th>"Placed"</th><th>"Status"</th><th>"Total"</th></tr></thead>
                <tbody>
                    {orders.into_iter().map(|o| view! {
                        <tr>
                            <td data-label="Order"><a href=format!("/admin/orders/{}", o.number)>{o.number}</a></td>
                            <td data-label="Placed">{o.at}</td>
                            <td data-label="Status">{o.status}</td>
                            <td data-label="Total">{o.total.to_string()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {(!erased).then(|| view! {
                <div class="coupon-actions">
                    <form method="post" action=SendCustomerReset::PATH class="inline">
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="secondary">"Email a password reset link"</button>
                    </form>
                    {can_manage_data.then(|| view! {
                        <a href=format!("/admin/customers/{id}/export.json") download="">"Download their data (JSON)"</a>
                        <form method="post" action=EraseCustomer::PATH>
                            <h2>"Erase their data"</h2>
                            <p class="help">"Their name, email, addresses, sessions and cart are deleted; their orders stay, without them, for the accounts. This cannot be undone."</p>
                            <input type="hidden" name="id" value=id />
                            <label>"Type their email to confirm" <input type="email" name="confirm_email" required maxlength="254" autocomplete="off" /></label>
                            <button type="submit" class="danger">"Erase"</button>
                        </form>
                    })}
                </div>
            })}
        </section>
    }
}
