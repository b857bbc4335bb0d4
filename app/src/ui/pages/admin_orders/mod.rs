//! `/admin/orders` and `/admin/orders/{number}`: the orders list, and one order with what
//! staff do to it: pack, ship with a carrier and tracking, deliver (a cash order with the cash
//! collected), cancel, refund an amount, keep notes. Plain forms; destructive ones ask to be
//! confirmed with a box that must be ticked, so they work without JavaScript.

mod list;
mod print;

pub use list::{AdminOrdersPage, OrderRow};
pub use print::{InvoicePage, PackingSlipPage};

use super::ErrorPage;
use crate::api::admin::{AddOrderNote, RefundOrder, UpdateOrderStatus};
use crate::api::returns::ReturnItems;
use crate::model::shipment::{CARRIERS, OTHER_CARRIER, OWN_COURIER};
use crate::model::{AppError, OrderStatus, OrderView, PaymentMethod, StaffOrderSide};
use crate::ui::components::form::{query, send_to, FormError, Private};
use crate::ui::components::order_parts::item_title;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// `/admin/orders/{number}`: the order's state and lines (a form per line to pack more),
/// then what may be done next, its notes, and its delivery and timeline.
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
                match crate::ui::pages::apart(crate::api::admin::get_admin_order(number)).await {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok(order) => view! {
                        <section class="order admin">
                            <h1>{format!("Order {}", order.number)}</h1>
                            <p><a href="/admin/orders">"All orders"</a>
                                " · " <a href=format!("/admin/orders/{}/packing-slip", order.number)>"Packing slip"</a>
                                {order.invoice.as_ref().map(|(n, _)| view! { " · " <a href=format!("/admin/orders/{}/invoice", order.number)>{format!("Invoice {n}")}</a> })}
                            </p>
                            {done_message(order.number).map(|text| view! {
                                <p class="form-notice" role="status">{text}</p>
                            })}
                            <FormError />
                            {order.staff.clone().map(|side| view! { <Actions order=order.clone() side /> })}
                            <super::order::OrderDetail order staff=true />
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What the last form on this page did, said with the order's number.
fn done_message(number: i64) -> Option<String> {
    let done = query("done")?;
    let text = match done.as_str() {
        "packed" => format!("Order {number}: packed."),
        "refund" => format!("Order {number}: refund made."),
        "returned" => format!("Order {number}: return recorded."),
        "note" => format!("Order {number}: note added."),
        status => format!(
            "Order {number} marked {}.",
            OrderStatus::parse(status)?.label().to_lowercase()
        ),
    };
    Some(text)
}

/// The forms for the moves the order's status allows, the refund form and the notes; staff
/// who may only view orders see the notes and no forms.
#[component]
fn Actions(order: OrderView, side: StaffOrderSide) -> impl IntoView {
    let number = order.number;
    let next = if side.can_manage {
        order.status.next()
    } else {
        &[]
    };
    let cash = order.payment_method == PaymentMethod::CashOnDelivery;
    let total = order.quote.total;
    view! {
        <div class="order-actions">
            {next.contains(&OrderStatus::Fulfilled).then(|| view! {
                <form method="post" action=UpdateOrderStatus::PATH class="inline">
                    <input type="hidden" name="number" value=number />
                    <input type="hidden" name="status" value="fulfilled" />
                    <button type="submit">"Mark all packed"</button>
                </form>
            })}
            {next.contains(&OrderStatus::Shipped).then(|| view! {
                <form method="post" action=UpdateOrderStatus::PATH>
                    <h2>"Ship"</h2>
                    <input type="hidden" name="number" value=number />
                    <input type="hidden" name="status" value="shipped" />
                    <label>"Carrier"
                        <select name="carrier" required>
                            {CARRIERS.iter().map(|c| view! { <option value=c.key>{c.name}</option> }).collect_view()}
                            <option value=OWN_COURIER>"Our own delivery"</option>
                            <option value=OTHER_CARRIER>"Another carrier (name it below)"</option>
                        </select>
                    </label>
                    <label>"Tracking number" <input type="text" name="tracking_number" maxlength="100" autocomplete="off" /></label>
                    <label>"Another carrier's name" <input type="text" name="carrier_name" maxlength="60" /></label>
                    <label>"Its tracking link (https://…)" <input type="url" name="tracking_url" maxlength="500" /></label>
                    <button type="submit">"Mark shipped and email the customer"</button>
                </form>
            })}
            {next.contains(&OrderStatus::Delivered).then(|| view! {
                <form method="post" action=UpdateOrderStatus::PATH>
                    <h2>"Delivered"</h2>
                    <input type="hidden" name="number" value=number />
                    <input type="hidden" name="status" value="delivered" />
                    {cash.then(|| view! {
                        <label>{format!("Cash collected ({})", total.currency.code())}
                            <input type="text" name="cash_collected" inputmode="decimal" required maxlength="20" value=total.decimal() />
                        </label>
                    })}
                    <button type="submit">"Mark delivered"</button>
                </form>
            })}
            {next.contains(&OrderStatus::Cancelled).then(|| view! {
                <form method="post" action=UpdateOrderStatus::PATH>
                    <h2>"Cancel"</h2>
                    <input type="hidden" name="number" value=number />
                    <input type="hidden" name="status" value="cancelled" />
                    <label class="check"><input type="checkbox" required />
                        {format!(" Cancel order {number}: its items go back on sale and the customer is emailed")}</label>
                    <button type="submit" class="danger">"Cancel order"</button>
                </form>
            })}
            {(side.can_manage && side.refundable.minor > 0).then(|| view! {
                <form method="post" action=RefundOrder::PATH>
                    <h2>"Refund"</h2>
                    <input type="hidden" name="number" value=number />
                    <input type="hidden" name="request_key" value=side.refund_key.clone() />
                    <label>{format!("Amount ({}), at most {}", total.currency.code(), side.refundable)}
                        <input type="text" name="amount" inputmode="decimal" required maxlength="20" />
                    </label>
                    <label>"Reason" <input type="text" name="reason" maxlength="500" /></label>
                    <label class="check"><input type="checkbox" required />
                        {if cash { " Refund this amount in cash" } else { " Refund this amount to the customer's card" }}</label>
                    <button type="submit" class="danger">"Refund"</button>
                </form>
            })}
            {(side.can_manage && !matches!(order.status, OrderStatus::PendingPayment | OrderStatus::Cancelled))
                .then(|| view! { <ReturnForm order=order.clone() key=side.refund_key.clone() /> })}
            {side.cash_collected.map(|c| view! { <p>"Cash collected: " {c.to_string()}</p> })}
            <section class="order-notes">
                <h2>"Notes"</h2>
                <p class="help">"For staff only: the customer never sees them."</p>
                <ul>
                    {side.notes.into_iter().map(|n| view! {
                        <li><time>{n.at}</time> " · " {n.by} <p>{n.body}</p></li>
                    }).collect_view()}
                </ul>
                {side.can_manage.then(|| view! {
                    <form method="post" action=AddOrderNote::PATH>
                        <input type="hidden" name="number" value=number />
                        <label>"Add a note" <textarea name="body" required maxlength="2000" rows="3"></textarea></label>
                        <button type="submit" class="secondary">"Add note"</button>
                    </form>
                })}
            </section>
        </div>
    }
}

/// Goods that came back: how many of each line, whether they go back on sale, and whether
/// the customer gets what they paid for them (through the order's payment method).
#[component]
fn ReturnForm(order: OrderView, key: String) -> impl IntoView {
    let number = order.number;
    view! {
        <form method="post" action=ReturnItems::PATH>
            <h2>"Goods came back"</h2>
            <input type="hidden" name="number" value=number />
            <input type="hidden" name="request_key" value=key />
            {order.lines.into_iter().enumerate().map(|(i, l)| {
                let left = l.quantity - l.returned;
                let title = item_title(&l.product_name, &l.variant_title);
                view! {
                    <input type="hidden" name=format!("lines[{i}][line_no]") value=l.line_no />
                    <label>{format!("Line {}: {title} (sold {}, back so far {})", l.line_no, l.quantity, l.returned)}
                        <input type="number" name=format!("lines[{i}][quantity]") min="0" max=left value="0" disabled=left == 0 />
                    </label>
                }
            }).collect_view()}
            <label class="check"><input type="checkbox" name="restock" checked />
                " They came back unsold: put them back on sale"</label>
            <label class="check"><input type="checkbox" name="refund" />
                " Refund what they were paid (their price less any discount, with VAT)"</label>
            <button type="submit" class="secondary">"Record the return"</button>
        </form>
    }
}
