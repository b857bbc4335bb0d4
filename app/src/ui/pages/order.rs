//! `/orders/{number}`: the confirmation page (with `?key=`) and the order's page for its
//! signed-in owner: where the order stands and what happens next, the lines, totals, delivery
//! address and timeline (following the order live: [`LiveOrder`]), and where to get help. The admin's order page reuses [`OrderDetail`].

use super::skeleton::loaded;
use super::ErrorPage;
use crate::api::orders::get_order;
use crate::model::{encode_component, AppError, OrderLineView, OrderStatus, OrderView};
use crate::ui::components::form::{query, Private};
use crate::ui::components::order_parts::{item_title, Totals};
use crate::ui::islands::live::LiveOrder;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;

/// The order number in the page's path (`/orders/{number}`, `/admin/orders/{number}`).
pub(crate) fn number_param() -> Option<i64> {
    use_params_map()
        .read_untracked()
        .get("number")
        .and_then(|n| n.parse::<i64>().ok())
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let key = query("key");
    let placed = query("placed").is_some();
    let Some(number) = number_param() else {
        return view! { <ErrorPage error=AppError::NotFound /> }.into_any();
    };
    view! {
        <Private title="Your order" />
        {loaded(get_order(number, key.clone()), move |order| {
            let events = events_url(order.number, key.as_deref());
            view! {
            <section class="order-page">
                <h1 class="page-title">{format!("Order {}", order.number)}</h1>
                {(placed && !order.awaits_card_payment()).then(|| view! {
                    <p class="form-notice" role="status">"Thank you! Your order is placed. We have emailed a confirmation to " {order.email.clone()} "."</p>
                })}
                <CardPaymentPart order=order.clone() key=key.clone() />
                <LiveOrder>
                    <div data-live-order=events aria-live="polite">
                        <OrderDetail order />
                    </div>
                </LiveOrder>
                <aside class="help-card">
                    <h2>"Need help?"</h2>
                    <p>"Reply to your confirmation email, or " <a href="/pages/contact">"contact us"</a> " with your order number. See also " <a href="/pages/delivery">"delivery"</a> " and " <a href="/pages/returns">"returns and refunds"</a> "."</p>
                </aside>
            </section>
            }
        })}
    }
    .into_any()
}

/// The order's event stream, opened with the page's key if it has one.
fn events_url(number: i64, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("/orders/{number}/events?key={}", encode_component(key)),
        None => format!("/orders/{number}/events"),
    }
}

/// The shopper's milestones, in order, and how far `status` has come along them.
const MILESTONES: [(&str, &[OrderStatus]); 4] = [
    (
        "Placed",
        &[
            OrderStatus::PendingPayment,
            OrderStatus::Paid,
            OrderStatus::Confirmed,
        ],
    ),
    (
        "Packed",
        &[OrderStatus::PartiallyFulfilled, OrderStatus::Fulfilled],
    ),
    ("Shipped", &[OrderStatus::Shipped]),
    ("Delivered", &[OrderStatus::Delivered]),
];

/// What the shopper can expect next, in a sentence.
fn next_step(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::PendingPayment => {
            "We hold your items while you pay; the order is confirmed once the payment is through."
        }
        OrderStatus::Paid | OrderStatus::Confirmed => {
            "We are getting your order ready. We will email you when it ships."
        }
        OrderStatus::PartiallyFulfilled | OrderStatus::Fulfilled => {
            "Your order is packed and waiting for the courier. We will email you when it ships."
        }
        OrderStatus::Shipped => "Your order is on its way.",
        OrderStatus::Delivered => "Your order was delivered. We hope you enjoy it.",
        OrderStatus::Cancelled => {
            "This order is cancelled. Anything you paid is refunded to the way you paid."
        }
        OrderStatus::Refunded => "This order is refunded to the way you paid.",
    }
}

/// The progress bar of milestones; a cancelled or refunded order shows its state instead.
#[component]
fn Progress(status: OrderStatus) -> impl IntoView {
    let reached = MILESTONES
        .iter()
        .position(|(_, states)| states.contains(&status));
    view! {
        {match reached {
            Some(at) => view! {
                <ol class="progress" aria-label="Order progress">
                    {MILESTONES.iter().enumerate().map(|(i, (name, _))| view! {
                        <li class:done={i <= at} aria-current=(i == at).then_some("step")>{*name}</li>
                    }).collect_view()}
                </ol>
            }.into_any(),
            None => view! { <p class="badge danger">{status.label()}</p> }.into_any(),
        }}
    }
}

/// An order's details and timeline; for `staff`, what is packed of each line and, while the
/// order may be packed, a form per line to pack more.
#[component]
pub(crate) fn OrderDetail(order: OrderView, #[prop(optional)] staff: bool) -> impl IntoView {
    let may_act = order.staff.as_ref().is_some_and(|s| s.can_manage);
    let packing = staff && may_act && order.status.packable();
    view! {
        <div class="order-state">
            <p class="order-status">"Status: " <strong>{order.status.label()}</strong></p>
            <ShipmentLine order=order.clone() />
            <Progress status=order.status />
            {(!staff).then(|| view! { <p>{next_step(order.status)}</p> })}
            <p class="muted">"Placed " {order.placed_at.clone()} " · " {order.payment_method.label()} " · " {order.email.clone()}</p>
        </div>
        <div class="order-columns">
            <section class="order-items">
                <h2>"Items"</h2>
                <OrderLines lines=order.lines.clone() number=order.number staff packing />
                <Totals quote=order.quote.clone() />
                {(order.refunded.minor > 0).then(|| view! { <p>"Refunded: " {order.refunded.to_string()}</p> })}
                {order.coupon_code.clone().map(|c| view! { <p>"Coupon " <code>{c}</code></p> })}
            </section>
            <section class="order-delivery">
                <h2>"Delivery"</h2>
                <p>{order.shipping_method.clone()}</p>
                <address>{order.address_lines.iter().map(|l| view! { <span>{l.clone()}</span><br /> }).collect_view()}</address>
                <h2>"Timeline"</h2>
                <ol class="timeline">
                    {order.events.iter().map(|e| view! {
                        <li><time>{e.at.clone()}</time> " " {e.status.map(OrderStatus::label).unwrap_or_default()}
                            {(!e.note.is_empty()).then(|| format!(" · {}", e.note))}</li>
                    }).collect_view()}
                </ol>
            </section>
        </div>
    }
}

/// Who carries the parcel, its tracking number and the link to follow it, once shipped.
#[component]
fn ShipmentLine(order: OrderView) -> impl IntoView {
    if order.carrier.is_none() && order.tracking_number.is_none() {
        return None;
    }
    Some(view! {
        <p class="shipment">"Shipped with " {order.carrier.unwrap_or_else(|| "a courier".to_owned())}
            {order.tracking_number.map(|t| view! { " · tracking number " <code>{t}</code> })}
            {order.tracking_url.map(|url| view! { " · " <a href=url rel="noopener noreferrer" target="_blank">"Track your parcel"</a> })}
        </p>
    })
}

/// The lines of a placed order, as they were sold; for staff, with what is packed.
#[component]
fn OrderLines(lines: Vec<OrderLineView>, number: i64, staff: bool, packing: bool) -> impl IntoView {
    view! {
        <table class="lines stack">
            <thead><tr><th scope="col">"Item"</th><th scope="col">"Price"</th><th scope="col">"Quantity"</th><th scope="col">"Total"</th>
                {staff.then(|| view! { <th scope="col">"Packed"</th> })}</tr></thead>
            <tbody>
                {lines.into_iter().map(|l| {
                    let left = l.quantity - l.packed;
                    view! {
                        <tr>
                            <td data-label="Item">{item_title(&l.product_name, &l.variant_title)} <small class="sku">{l.sku.clone()}</small></td>
                            <td data-label="Price">{l.unit_price.to_string()}</td>
                            <td data-label="Quantity">{l.quantity}</td>
                            <td data-label="Total">{l.line_total.to_string()}</td>
                            {staff.then(|| view! {
                                <td data-label="Packed">
                                    {format!("{} of {}", l.packed, l.quantity)}
                                    {(packing && left > 0).then(|| view! {
                                        <form method="post" action=crate::api::admin::PackOrderLine::PATH class="inline">
                                            <input type="hidden" name="number" value=number />
                                            <input type="hidden" name="line_no" value=l.line_no />
                                            <input type="number" name="quantity" min="1" max=left value=left required aria-label=format!("How many of {} to pack", l.sku) />
                                            <button type="submit">"Pack"</button>
                                        </form>
                                    })}
                                </td>
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A card order waiting for its payment: the Payment Element, or why it cannot be shown.
#[component]
fn CardPaymentPart(order: OrderView, key: Option<String>) -> impl IntoView {
    use crate::model::CardPayment;
    use crate::ui::islands::card_payment::CardPaymentForm;
    if !order.awaits_card_payment() {
        return ().into_any();
    }
    let return_url = match &key {
        Some(key) => format!("/orders/{}?key={}", order.number, encode_component(key)),
        None => format!("/orders/{}", order.number),
    };
    let pay_label = format!("Pay {}", order.quote.total);
    match order.card {
        Some(CardPayment::Open {
            publishable_key,
            client_secret,
        }) => view! {
            <section class="pay step-card" aria-labelledby="pay-heading">
                <h2 id="pay-heading">"Pay by card"</h2>
                <p>"Your order is placed and its items are held for you. Pay now to confirm it."</p>
                <CardPaymentForm publishable_key client_secret return_url pay_label />
            </section>
        }
        .into_any(),
        Some(CardPayment::Processing) => view! {
            <p class="form-notice" role="status">"Your payment is being processed. This page shows the order confirmed once it is done; we also email you."</p>
        }
        .into_any(),
        Some(CardPayment::Unavailable) => view! {
            <p class="form-error" role="alert">"We could not reach our payment provider just now. Reload this page in a moment to pay; your items stay held."</p>
        }
        .into_any(),
        None => view! {
            <p class="form-notice" role="status">"This order is waiting for its card payment."</p>
        }
        .into_any(),
    }
}
