//! `/admin/orders`: the orders list with its filters and search, older pages by cursor. On
//! the whole list's first page, orders placed while it is open are put at the top by the
//! staff bar's live feed (`islands::live::LiveOrders`), drawn on the server by [`OrderRow`]
//! like the rest.

use super::super::admin_catalog::Choice;
use super::super::ErrorPage;
use crate::api::admin::UpdateOrderStatus;
use crate::model::country::COUNTRIES;
use crate::model::order_list::{OrderListParams, OrderListQuery, PaymentState, StaffOrderPage};
use crate::model::{AppError, OrderStatus, PaymentMethod, StaffOrderRow};
use crate::ui::components::form::{query, send_to, FormError, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn AdminOrdersPage() -> impl IntoView {
    let params = OrderListParams::from_values(OrderListParams::NAMES.map(query));
    view! {
        <Private title="Orders" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                let params = params.clone();
                let list = OrderListQuery::from_params(params.pairs()).unwrap_or_default();
                let page = crate::ui::pages::apart(crate::api::admin::get_admin_orders(params)).await;
                match page {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error @ AppError::Validation { .. }) => view! {
                        <section class="admin">
                            <h1>"Orders"</h1>
                            <ErrorPage error />
                            <p><a href="/admin/orders">"All orders"</a></p>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok(page) => view! { <OrderList page list /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn options<T: Copy>(
    none: &str,
    all: &[T],
    value: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    std::iter::once((String::new(), none.to_owned()))
        .chain(
            all.iter()
                .map(|&t| (value(t).to_owned(), label(t).to_owned())),
        )
        .collect()
}

#[component]
fn OrderList(page: StaffOrderPage, list: OrderListQuery) -> impl IntoView {
    let next = page
        .next
        .map(|before| format!("/admin/orders{}", list.query_string(Some(before))));
    let live = list.is_unfiltered_first_page();
    let empty = page.rows.is_empty();
    let filtered = list != OrderListQuery::default();
    view! {
        <section class="account admin">
            <h1>"Orders"</h1>
            <FormError />
            <form method="get" class="filters">
                <label>"Search" <input type="search" name="q" value=list.q.clone() placeholder="Number, email, name or phone" maxlength="100" /></label>
                <Choice name="status" label="Status" options=options("Any status", &OrderStatus::ALL, OrderStatus::as_str, OrderStatus::label)
                    selected=list.status.map(|s| s.as_str().to_owned()).unwrap_or_default() />
                <Choice name="method" label="Paid by" options=options("Any way", &PaymentMethod::ALL, PaymentMethod::as_str, PaymentMethod::label)
                    selected=list.method.map(|m| m.as_str().to_owned()).unwrap_or_default() />
                <Choice name="payment" label="Payment" options=options("Any", &PaymentState::ALL, PaymentState::as_str, PaymentState::label)
                    selected=list.payment.map(|p| p.as_str().to_owned()).unwrap_or_default() />
                <label>"From" <input type="date" name="from" value=list.from.clone().unwrap_or_default() /></label>
                <label>"To" <input type="date" name="to" value=list.to.clone().unwrap_or_default() /></label>
                <Choice name="country" label="Delivery to" options=std::iter::once((String::new(), "Anywhere".to_owned()))
                        .chain(COUNTRIES.iter().map(|(code, name)| (code.to_string(), name.to_string()))).collect()
                    selected=list.country.clone().unwrap_or_default() />
                <button type="submit">"Show"</button>
                {filtered.then(|| view! { <a href="/admin/orders">"Clear"</a> })}
            </form>
            <table class="orders stack">
                <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Customer"</th><th scope="col">"Items"</th><th scope="col">"Total"</th><th scope="col">"Payment"</th><th scope="col">"Status"</th><th scope="col">"Next"</th></tr></thead>
                <tbody data-live-orders=live.then_some(page.live_from)>
                    {page.rows.into_iter().map(|row| view! { <OrderRow row can_manage=page.can_manage /> }).collect_view()}
                </tbody>
            </table>
            {empty.then(|| view! { <p>{if filtered { "No orders match." } else { "No orders yet." }}</p> })}
            {next.map(|href| view! { <p><a href=href rel="next">"Older orders"</a></p> })}
        </section>
    }
}

/// One order in the list; the live feed sends new ones drawn by this component too. Its
/// "Mark packed" is for staff who `can_manage` orders.
#[component]
pub fn OrderRow(row: StaffOrderRow, can_manage: bool) -> impl IntoView {
    let o = row;
    let customer = if o.name.is_empty() {
        o.email.clone()
    } else {
        format!("{} · {}", o.name, o.email)
    };
    view! {
        <tr data-order=o.id>
            <td data-label="Order"><a href=format!("/admin/orders/{}", o.number)>{o.number}</a></td>
            <td data-label="Placed">{o.placed_at}</td>
            <td data-label="Customer">{customer} " (" {o.country} ")"</td>
            <td data-label="Items">{o.item_count}</td>
            <td data-label="Total">
                {o.total.to_string()}
                {(o.refunded.minor > 0).then(|| format!(" (refunded {})", o.refunded))}
            </td>
            <td data-label="Payment">{o.payment_method.label()} " · " {o.payment.label()}</td>
            <td data-label="Status">{o.status.label()} {o.tracking_number.map(|t| format!(" · {t}"))}</td>
            <td data-label="Next">
                {(can_manage && o.status.next().contains(&OrderStatus::Fulfilled)).then(|| view! {
                    <form method="post" action=UpdateOrderStatus::PATH class="inline">
                        <input type="hidden" name="number" value=o.number />
                        <input type="hidden" name="status" value="fulfilled" />
                        <button type="submit" class="secondary">"Mark packed"</button>
                    </form>
                })}
                {(o.refundable.minor > 0).then(|| format!("Refundable: {}", o.refundable))}
            </td>
        </tr>
    }
}
