//! The cart, checkout, order and order-lookup pages. Plain server-rendered forms posting to
//! `api::cart` and `api::orders`, like the account pages: no island, so no WASM, and every
//! step works without JavaScript.

use super::account::{
    query, send_to, signed_in, AccountNav, AddressFields, FormError, Notice, Private,
};
use super::ErrorPage;
use crate::api::cart::{
    get_cart, get_checkout, ApplyCoupon, ChooseShipping, PlaceOrder, RemoveCartLine,
    SaveCheckoutDetails, UpdateCartLine, UseSavedAddress,
};
use crate::api::orders::{get_my_orders, get_order, LookupOrder};
use crate::model::{
    AddressInput, AppError, CartView, CheckoutView, OrderLineView, OrderStatus, OrderSummary,
    OrderView, Quote,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;

fn item_title(name: &str, variant: &str) -> String {
    if variant.is_empty() {
        name.to_owned()
    } else {
        format!("{name} ({variant})")
    }
}

#[component]
fn CartLines(cart: CartView, editable: bool) -> impl IntoView {
    let max = cart.max_line_quantity;
    view! {
        <table class="cart-lines">
            <thead><tr><th scope="col">"Item"</th><th scope="col">"Price"</th><th scope="col">"Quantity"</th><th scope="col">"Total"</th></tr></thead>
            <tbody>
                {cart.lines.into_iter().map(|l| {
                    let id = l.variant_id;
                    let href = format!("/products/{}?variant={}", l.product_slug, crate::model::encode_component(&l.sku));
                    view! {
                        <tr>
                            <td>
                                <a href=href>{item_title(&l.product_name, &l.variant_title)}</a>
                                {l.problem.map(|p| view! { <p class="line-problem" role="alert">{p}</p> })}
                            </td>
                            <td>{l.unit_price.to_string()}</td>
                            <td>
                                {if editable {
                                    view! {
                                        <form method="post" action=UpdateCartLine::PATH class="inline quantity-form">
                                            <input type="hidden" name="variant_id" value=id />
                                            <label class="visually-hidden" for=format!("qty-{id}")>"Quantity"</label>
                                            <input id=format!("qty-{id}") type="number" name="quantity" min="0" max=max value=l.quantity inputmode="numeric" />
                                            <button type="submit">"Update"</button>
                                        </form>
                                        <form method="post" action=RemoveCartLine::PATH class="inline">
                                            <input type="hidden" name="variant_id" value=id />
                                            <button type="submit" class="link">"Remove"</button>
                                        </form>
                                    }.into_any()
                                } else {
                                    view! { <span>{l.quantity}</span> }.into_any()
                                }}
                            </td>
                            <td>{l.line_total.to_string()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// `/cart`.
#[component]
pub fn CartPage() -> impl IntoView {
    view! {
        <Private title="Your cart" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match get_cart().await {
                    Ok(cart) => view! {
                        <section class="cart">
                            <h1>"Your cart"</h1>
                            <Notice messages=vec![("added", "Added to your cart.")] />
                            <FormError />
                            {if cart.lines.is_empty() {
                                view! { <p>"Your cart is empty. " <a href="/">"Continue shopping"</a></p> }.into_any()
                            } else {
                                let subtotal = cart.subtotal.to_string();
                                view! {
                                    <CartLines cart editable=true />
                                    <p class="cart-subtotal">"Subtotal " <strong>{subtotal}</strong></p>
                                    <p class="cart-note">"Delivery and VAT are worked out at checkout."</p>
                                    <p><a class="button" href="/checkout">"Check out"</a></p>
                                }.into_any()
                            }}
                        </section>
                    }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Totals(quote: Quote) -> impl IntoView {
    let vat = format!("VAT ({}%)", percent(quote.tax_rate_bp));
    view! {
        <dl class="totals">
            <dt>"Subtotal"</dt><dd>{quote.subtotal.to_string()}</dd>
            {(quote.discount.minor > 0).then(|| view! { <dt>"Discount"</dt><dd>"−" {quote.discount.to_string()}</dd> })}
            <dt>"Delivery"</dt><dd>{quote.shipping.to_string()}</dd>
            {if quote.prices_include_tax {
                view! { <dt>{format!("Including {vat}")}</dt><dd>{quote.tax.to_string()}</dd> }.into_any()
            } else {
                view! { <dt>{vat}</dt><dd>{quote.tax.to_string()}</dd> }.into_any()
            }}
            <dt class="grand">"Total"</dt><dd class="grand">{quote.total.to_string()}</dd>
        </dl>
    }
}

/// Basis points as a percentage without floating point: 500 → "5", 1650 → "16.5".
fn percent(bp: u32) -> String {
    let (whole, rest) = (bp / 100, bp % 100);
    match rest {
        0 => whole.to_string(),
        r if r % 10 == 0 => format!("{whole}.{}", r / 10),
        r => format!("{whole}.{r:02}"),
    }
}

/// `/checkout`: contact and address, delivery, coupon, payment and the summary, each its own
/// form, so every step works without JavaScript and the totals shown are the server's.
#[component]
pub fn CheckoutPage() -> impl IntoView {
    view! {
        <Private title="Checkout" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match get_checkout().await {
                    Ok(c) if c.cart.lines.is_empty() => send_to("/cart"),
                    Ok(c) => view! { <Checkout c /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Checkout(c: CheckoutView) -> impl IntoView {
    let address = c.address.clone().unwrap_or_default();
    let has_address = c.address.is_some();
    let summary = c.address.as_ref().map(|a| {
        crate::model::Address {
            id: 0,
            fields: a.clone(),
        }
        .lines()
    });
    view! {
        <section class="checkout">
            <h1>"Checkout"</h1>
            <FormError />
            <h2>"1. Contact and delivery address"</h2>
            {summary.map(|lines| view! {
                <address class="chosen-address">{lines.into_iter().map(|l| view! { <span>{l}</span><br /> }).collect_view()}</address>
            })}
            {(!c.saved_addresses.is_empty()).then(|| view! {
                <form method="post" action=UseSavedAddress::PATH class="saved-addresses">
                    <label>"Deliver to a saved address"
                        <select name="address_id">
                            {c.saved_addresses.iter().map(|a| view! { <option value=a.id>{a.lines().join(", ")}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="submit">"Use this address"</button>
                </form>
            })}
            <details open=!has_address>
                <summary>{if has_address { "Change the address" } else { "Enter the address" }}</summary>
                <form method="post" action=SaveCheckoutDetails::PATH class="address-form">
                    {(!c.signed_in).then(|| view! {
                        <label>"Email" <input type="email" name="email" value=c.email.clone().unwrap_or_default() required maxlength="254" autocomplete="email" /></label>
                    })}
                    <AddressFields address=AddressInput { is_default: false, ..address } without_default=true />
                    <button type="submit">"Continue"</button>
                </form>
            </details>
            {has_address.then(|| view! { <Delivery c=c.clone() /> })}
            <h2>"Your order"</h2>
            <CartLines cart=c.cart.clone() editable=false />
            <p><a href="/cart">"Change the cart"</a></p>
        </section>
    }
}

#[component]
fn Delivery(c: CheckoutView) -> impl IntoView {
    let chosen = c.shipping_rate_id;
    let ready = c.blocker.is_none() && c.quote.is_some() && !c.payment_methods.is_empty();
    view! {
        <h2>"2. Delivery"</h2>
        {if c.shipping_options.is_empty() {
            view! { <p>"There is no delivery option for this address yet."</p> }.into_any()
        } else {
            view! {
                <form method="post" action=ChooseShipping::PATH class="shipping-options">
                    <fieldset>
                        <legend>"Delivery option"</legend>
                        {c.shipping_options.iter().map(|o| {
                            let price = if o.free { "Free".to_owned() } else { o.price.to_string() };
                            view! {
                                <label class="choice-row">
                                    <input type="radio" name="rate_id" value=o.id checked=Some(o.id) == chosen />
                                    " " {o.name.clone()} " · " {price}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <button type="submit">"Update delivery"</button>
                </form>
            }.into_any()
        }}
        <h2>"3. Coupon"</h2>
        <form method="post" action=ApplyCoupon::PATH class="coupon-form">
            <label>"Coupon code" <input type="text" name="code" value=c.coupon_code.clone().unwrap_or_default() maxlength="40" autocomplete="off" /></label>
            <button type="submit">{if c.coupon_code.is_some() { "Update coupon" } else { "Apply" }}</button>
        </form>
        <h2>"4. Payment"</h2>
        {c.quote.clone().map(|quote| view! { <Totals quote /> })}
        {c.blocker.clone().map(|b| view! { <p class="form-error" role="alert">{b}</p> })}
        {ready.then(|| {
            let total = c.quote.as_ref().map(|q| q.total.minor).unwrap_or_default();
            let first = c.payment_methods.first().copied();
            view! {
                <form method="post" action=PlaceOrder::PATH class="place-order">
                    <input type="hidden" name="checkout_key" value=c.checkout_key.clone() />
                    <input type="hidden" name="expected_total" value=total />
                    <fieldset>
                        <legend>"How to pay"</legend>
                        {c.payment_methods.iter().map(|m| view! {
                            <label class="choice-row">
                                <input type="radio" name="payment_method" value=m.as_str() checked=Some(*m) == first />
                                " " {m.label()}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <button type="submit" class="primary">"Place order"</button>
                </form>
            }
        })}
    }
}

/// An order's details and timeline; for `staff`, what is packed of each line and, while the
/// order may be packed, a form per line to pack more.
#[component]
pub(crate) fn OrderDetail(order: OrderView, #[prop(optional)] staff: bool) -> impl IntoView {
    let packing = staff && order.status.packable();
    view! {
        <p class="order-status">"Status: " <strong>{order.status.label()}</strong>
            {order.tracking_number.clone().map(|t| view! { " · tracking number " <code>{t}</code> })}</p>
        <p>"Placed " {order.placed_at.clone()} " · " {order.payment_method.label()} " · " {order.email.clone()}</p>
        <OrderLines lines=order.lines.clone() number=order.number staff packing />
        <Totals quote=order.quote.clone() />
        {(order.refunded.minor > 0).then(|| view! { <p>"Refunded: " {order.refunded.to_string()}</p> })}
        {order.coupon_code.clone().map(|c| view! { <p>"Coupon " <code>{c}</code></p> })}
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
    }
}

/// The lines of a placed order, as they were sold; for staff, with what is packed.
#[component]
fn OrderLines(lines: Vec<OrderLineView>, number: i64, staff: bool, packing: bool) -> impl IntoView {
    view! {
        <table class="cart-lines">
            <thead><tr><th scope="col">"Item"</th><th scope="col">"Price"</th><th scope="col">"Quantity"</th><th scope="col">"Total"</th>
                {staff.then(|| view! { <th scope="col">"Packed"</th> })}</tr></thead>
            <tbody>
                {lines.into_iter().map(|l| {
                    let left = l.quantity - l.packed;
                    view! {
                        <tr>
                            <td>{item_title(&l.product_name, &l.variant_title)} <small class="sku">{l.sku.clone()}</small></td>
                            <td>{l.unit_price.to_string()}</td>
                            <td>{l.quantity}</td>
                            <td>{l.line_total.to_string()}</td>
                            {staff.then(|| view! {
                                <td>
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

/// The order number in the page's path (`/orders/{number}`, `/admin/orders/{number}`).
pub(crate) fn number_param() -> Option<i64> {
    use_params_map()
        .read_untracked()
        .get("number")
        .and_then(|n| n.parse::<i64>().ok())
}

/// `/orders/{number}`: the confirmation page (with `?key=`) and the order's page for its
/// signed-in owner.
#[component]
pub fn OrderPage() -> impl IntoView {
    let number = number_param();
    let key = query("key");
    let placed = query("placed").is_some();
    view! {
        <Private title="Your order" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                let Some(number) = number else {
                    return view! { <ErrorPage error=AppError::NotFound /> }.into_any();
                };
                match get_order(number, key.clone()).await {
                    Ok(order) => view! {
                        <section class="order">
                            <h1>{format!("Order {}", order.number)}</h1>
                            {(placed && !order.awaits_card_payment()).then(|| view! {
                                <p class="form-notice" role="status">"Thank you! Your order is placed. We have emailed a confirmation to " {order.email.clone()} "."</p>
                            })}
                            <CardPaymentPart order=order.clone() key=key.clone() />
                            <OrderDetail order />
                        </section>
                    }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A card order waiting for its payment: the Payment Element, or why it cannot be shown.
#[component]
fn CardPaymentPart(order: OrderView, key: Option<String>) -> impl IntoView {
    use crate::model::CardPayment;
    use crate::ui::components::card_payment::CardPaymentForm;
    if !order.awaits_card_payment() {
        return ().into_any();
    }
    let return_url = match &key {
        Some(key) => format!(
            "/orders/{}?key={}",
            order.number,
            crate::model::encode_component(key)
        ),
        None => format!("/orders/{}", order.number),
    };
    let pay_label = format!("Pay {}", order.quote.total);
    match order.card {
        Some(CardPayment::Open {
            publishable_key,
            client_secret,
        }) => view! {
            <section class="pay" aria-labelledby="pay-heading">
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

/// `/orders/find`: a guest finds an order with its email and number.
#[component]
pub fn OrderLookupPage() -> impl IntoView {
    view! {
        <Private title="Find your order" />
        <section class="account">
            <h1>"Find your order"</h1>
            <FormError />
            <form method="post" action=LookupOrder::PATH>
                <label>"Email" <input type="email" name="email" required maxlength="254" autocomplete="email" /></label>
                <label>"Order number" <input type="text" name="number" required maxlength="20" inputmode="numeric" /></label>
                <button type="submit">"Find my order"</button>
            </form>
            <p>"Have an account? " <a href="/account/orders">"See your orders"</a></p>
        </section>
    }
}

/// `/account/orders`.
#[component]
pub fn AccountOrdersPage() -> impl IntoView {
    view! {
        <Private title="Your orders" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                signed_in(get_my_orders().await, |orders: Vec<OrderSummary>| view! {
                    <section class="account">
                        <h1>"Your orders"</h1>
                        <AccountNav />
                        {if orders.is_empty() {
                            view! { <p>"No orders yet. " <a href="/">"Start shopping"</a></p> }.into_any()
                        } else {
                            view! {
                                <table class="orders">
                                    <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Items"</th><th scope="col">"Total"</th><th scope="col">"Status"</th></tr></thead>
                                    <tbody>
                                        {orders.into_iter().map(|o| view! {
                                            <tr>
                                                <td><a href=format!("/orders/{}", o.number)>{o.number}</a></td>
                                                <td>{o.placed_at}</td>
                                                <td>{o.item_count}</td>
                                                <td>{o.total.to_string()}</td>
                                                <td>{o.status.label()}</td>
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
