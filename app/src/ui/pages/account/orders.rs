//! `/account/orders`: the signed-in customer's orders, newest first.

use super::{signed_in, AccountNav};
use crate::api::orders::get_my_orders;
use crate::model::OrderSummary;
use crate::ui::components::form::Private;
use leptos::prelude::*;

#[component]
pub fn AccountOrdersPage() -> impl IntoView {
    view! {
        <Private title="Your orders" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                signed_in(crate::ui::pages::apart(get_my_orders()).await, |orders: Vec<OrderSummary>| view! {
                    <section class="account">
                        <h1>"Your orders"</h1>
                        <AccountNav />
                        {if orders.is_empty() {
                            view! { <p>"No orders yet. " <a href="/">"Start shopping"</a></p> }.into_any()
                        } else {
                            view! {
                                <table class="orders stack">
                                    <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Items"</th><th scope="col">"Total"</th><th scope="col">"Status"</th></tr></thead>
                                    <tbody>
                                        {orders.into_iter().map(|o| view! {
                                            <tr>
                                                <td data-label="Order"><a href=format!("/orders/{}", o.number)>{o.number}</a></td>
                                                <td data-label="Placed">{o.placed_at}</td>
                                                <td data-label="Items">{o.item_count}</td>
                                                <td data-label="Total">{o.total.to_string()}</td>
                                                <td data-label="Status">{o.status.label()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    </section>
                }.into_any())
            })}
        </Suspense>
    }
}
