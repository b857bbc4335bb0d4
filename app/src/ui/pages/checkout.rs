//! `/checkout`: contact and address, delivery, then payment (with the coupon), each its own
//! plain form, so every step works without JavaScript and the totals shown are the server's.
//! A refused step comes back with the error under its field and everything the shopper typed
//! (kept with the cart, never in the URL). Where the store delivers, and which delivery
//! options can be paid for, is said before the shopper types anything.

use super::skeleton::loaded;
use crate::api::cart::{
    get_checkout, ApplyCoupon, ChooseShipping, PlaceOrder, SaveCheckoutDetails, UseSavedAddress,
};
use crate::model::country::country_name;
use crate::model::{
    Address, AddressInput, CartView, CheckoutStep, CheckoutView, PaymentMethod, Refusal,
};
use crate::ui::components::form::{send_to, user_text, FormError, Private};
use crate::ui::components::order_parts::{item_title, LineThumb, Totals};
use crate::ui::pages::account::AddressFields;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn CheckoutPage() -> impl IntoView {
    view! {
        <Private title="Checkout" />
        {loaded(get_checkout(), |c| {
            if c.cart.lines.is_empty() {
                send_to("/cart")
            } else {
                view! { <Checkout c /> }.into_any()
            }
        })}
    }
}

/// The step the shopper is on: the first one not done yet.
fn current_step(c: &CheckoutView) -> CheckoutStep {
    match (&c.address, c.shipping_rate_id) {
        (None, _) => CheckoutStep::Details,
        (Some(_), None) => CheckoutStep::Delivery,
        (Some(_), Some(_)) => CheckoutStep::Payment,
    }
}

/// A refusal's message for `field` of `step`, as a field error.
fn field_error(
    refusal: &Option<Refusal>,
    step: CheckoutStep,
    field: &str,
) -> Option<impl IntoView> {
    let message = refusal.as_ref()?.for_field(step, field)?;
    Some(view! { <p class="field-error" id=format!("{field}-error")>{user_text(&message)}</p> })
}

#[component]
fn Checkout(c: CheckoutView) -> impl IntoView {
    let step = current_step(&c);
    let total = c.quote.as_ref().map(|q| q.total.to_string());
    view! {
        <section class="checkout-page">
            <h1 class="page-title">"Checkout"</h1>
            <ol class="steps" aria-label="Checkout steps">
                {[(CheckoutStep::Details, "Details"), (CheckoutStep::Delivery, "Delivery"), (CheckoutStep::Payment, "Payment")]
                    .into_iter()
                    .map(|(s, name)| view! { <li class:done={s < step} aria-current=(s == step).then_some("step")>{name}</li> })
                    .collect_view()}
            </ol>
            <FormError />
            <div class="checkout-layout">
                <div class="checkout-main">
                    <Details c=c.clone() />
                    {c.address.is_some().then(|| view! { <Delivery c=c.clone() /> })}
                    {c.shipping_rate_id.is_some().then(|| view! { <Payment c=c.clone() /> })}
                </div>
                <aside class="checkout-summary">
                    <details class="summary-fold">
                        <summary>"Order summary" {total.map(|t| view! { <strong>{t}</strong> })}</summary>
                        <SummaryLines cart=c.cart.clone() />
                        {c.quote.clone().map(|quote| view! { <Totals quote /> })}
                        <p><a href="/cart">"Change the cart"</a></p>
                    </details>
                </aside>
            </div>
        </section>
    }
}

/// Step 1: the contact email (guests) and where to deliver.
#[component]
fn Details(c: CheckoutView) -> impl IntoView {
    let refused = c
        .refusal
        .clone()
        .filter(|r| r.step == CheckoutStep::Details);
    // What the shopper typed last (refused), or what is saved.
    let address = refused
        .as_ref()
        .and_then(|r| r.address.clone())
        .or_else(|| c.address.clone())
        .unwrap_or_default();
    let email = refused
        .as_ref()
        .and_then(|r| r.email.clone())
        .or_else(|| c.email.clone())
        .unwrap_or_default();
    let open = c.address.is_none() || refused.is_some();
    let summary = c.address.as_ref().map(|a| {
        Address {
            id: 0,
            fields: a.clone(),
        }
        .lines()
    });
    let error = refused
        .as_ref()
        .filter(|r| r.field != "email" && !r.field.is_empty())
        .map(|r| (r.field.clone(), r.message.clone()));
    let step_error = refused
        .as_ref()
        .filter(|r| r.field.is_empty())
        .map(|r| view! { <p class="form-error" role="alert">{user_text(&r.message)}</p> });
    let email_error = field_error(&c.refusal, CheckoutStep::Details, "email");
    let email_invalid = email_error.is_some().then_some("true");
    let places: Vec<&str> = c
        .delivers_to
        .iter()
        .filter_map(|code| country_name(code))
        .collect();
    view! {
        <section id="details" class="step-card">
            <h2>"1. Contact and delivery address"</h2>
            {summary.filter(|_| !open).map(|lines| view! {
                <address class="chosen-address">{lines.into_iter().map(|l| view! { <span>{l}</span><br /> }).collect_view()}</address>
            })}
            {if places.is_empty() {
                view! { <p class="form-error" role="alert">"This shop has not set up delivery yet, so orders cannot be placed. Please contact us."</p> }.into_any()
            } else {
                view! { <p class="muted">"We deliver to " {places.join(", ")} "."</p> }.into_any()
            }}
            {(!c.saved_addresses.is_empty()).then(|| view! {
                <form method="post" action=UseSavedAddress::PATH class="saved-addresses">
                    <label>"Deliver to a saved address"
                        <select name="address_id">
                            {c.saved_addresses.iter().map(|a| view! { <option value=a.id>{a.lines().join(", ")}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="secondary">"Use this address"</button>
                </form>
            })}
            <details open=open class="address-fold">
                <summary>{if c.address.is_some() { "Change the address" } else { "Enter the address" }}</summary>
                {step_error}
                <form method="post" action=SaveCheckoutDetails::PATH class="address-form">
                    {(!c.signed_in).then(|| view! {
                        <label>"Email" <input type="email" name="email" value=email required maxlength="254" autocomplete="email" aria-invalid=email_invalid aria-describedby=email_invalid.map(|_| "email-error") /></label>
                        {email_error}
                    })}
                    <AddressFields
                        address=AddressInput { is_default: false, ..address }
                        without_default=true
                        countries=c.delivers_to.clone()
                        error=error
                    />
                    <button type="submit" class="primary">"Continue"</button>
                </form>
            </details>
        </section>
    }
}

/// Step 2: the delivery options for the address; one that cannot be paid for says why.
#[component]
fn Delivery(c: CheckoutView) -> impl IntoView {
    let chosen = c.shipping_rate_id;
    let refused = c
        .refusal
        .clone()
        .filter(|r| r.step == CheckoutStep::Delivery)
        .map(|r| view! { <p class="form-error" role="alert">{user_text(&r.message)}</p> });
    view! {
        <section id="delivery" class="step-card">
            <h2>"2. Delivery"</h2>
            {refused}
            {if c.shipping_options.is_empty() {
                view! { <p class="form-error" role="alert">"We have no delivery option for this address yet. Try another address, or contact us."</p> }.into_any()
            } else {
                view! {
                    <form method="post" action=ChooseShipping::PATH class="shipping-options">
                        <fieldset>
                            <legend>"Delivery option"</legend>
                            {c.shipping_options.iter().map(|o| {
                                let price = if o.free { "Free".to_owned() } else { o.price.to_string() };
                                let payable = c.payable(o);
                                let checked = Some(o.id) == chosen || (chosen.is_none() && payable && c.shipping_options.len() == 1);
                                view! {
                                    <label class="choice-card" class:unavailable=!payable>
                                        <input type="radio" name="rate_id" value=o.id checked=checked disabled=!payable required />
                                        <span class="choice-text">{o.name.clone()} " · " {price}
                                            {o.cash_on_delivery.then(|| {
                                                let fee = if o.cod_fee.minor > 0 { format!(" (fee {})", o.cod_fee) } else { String::new() };
                                                view! { <small>"Cash on delivery available" {fee}</small> }
                                            })}
                                            {(!payable).then(|| view! { <small>"Not available: this option needs a card payment, which we do not take yet."</small> })}
                                        </span>
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                        <button type="submit" class="primary">{if chosen.is_some() { "Update delivery" } else { "Continue to payment" }}</button>
                    </form>
                }.into_any()
            }}
        </section>
    }
}

/// Step 3: a coupon, the totals, how to pay, and placing the order.
#[component]
fn Payment(c: CheckoutView) -> impl IntoView {
    let ready = c.blocker.is_none() && c.quote.is_some() && !c.payment_methods.is_empty();
    let code = c
        .refusal
        .as_ref()
        .filter(|r| r.step == CheckoutStep::Coupon)
        .and_then(|r| r.code.clone())
        .or_else(|| c.coupon_code.clone())
        .unwrap_or_default();
    let coupon_error = field_error(&c.refusal, CheckoutStep::Coupon, "coupon");
    let coupon_invalid = coupon_error.is_some().then_some("true");
    let refused = c
        .refusal
        .clone()
        .filter(|r| r.step == CheckoutStep::Payment)
        .map(|r| view! { <p class="form-error" role="alert">{user_text(&r.message)}</p> });
    let cannot_pay = (c.payment_methods.is_empty() && c.blocker.is_none()).then(|| view! {
        <p class="form-error" role="alert">"The delivery option you chose cannot be paid for: choose another above."</p>
    });
    view! {
        <section id="payment" class="step-card">
            <h2>"3. Payment"</h2>
            <form method="post" action=ApplyCoupon::PATH id="coupon" class="coupon-form">
                <label>"Coupon code (optional)" <input type="text" name="code" value=code maxlength="40" autocomplete="off" aria-invalid=coupon_invalid aria-describedby=coupon_invalid.map(|_| "coupon-error") /></label>
                <button type="submit" class="secondary">{if c.coupon_code.is_some() { "Update coupon" } else { "Apply" }}</button>
                {coupon_error}
            </form>
            {c.quote.clone().map(|quote| view! { <Totals quote /> })}
            {c.blocker.clone().map(|b| view! { <p class="form-error" role="alert">{b}</p> })}
            {cannot_pay}
            {refused}
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
                                <label class="choice-card">
                                    <input type="radio" name="payment_method" value=m.as_str() checked=Some(*m) == first />
                                    <span class="choice-text">{m.label()}
                                        {(*m == PaymentMethod::CashOnDelivery).then_some(c.cod_fee).flatten().map(|(fee, total)| view! {
                                            <small>{format!("Fee {fee}: you pay {total} on delivery")}</small>
                                        })}
                                    </span>
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <button type="submit" class="primary block">"Place order"</button>
                    </form>
                }
            })}
        </section>
    }
}

/// The cart as the summary shows it: picture, title, quantity and line total.
#[component]
fn SummaryLines(cart: CartView) -> impl IntoView {
    view! {
        <ul class="summary-lines">
            {cart.lines.into_iter().map(|l| view! {
                <li>
                    <LineThumb image=l.image.clone() />
                    <span class="summary-name">{item_title(&l.product_name, &l.variant_title)} <small>{format!("× {}", l.quantity)}</small></span>
                    <span class="summary-total">{l.line_total.to_string()}</span>
                    {l.problem.map(|p| view! { <p class="line-problem" role="alert">{p}</p> })}
                </li>
            }).collect_view()}
        </ul>
    }
}
