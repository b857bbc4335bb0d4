//! `/cart`: a card per line (picture, options, a quantity stepper, remove), the subtotal and
//! the way on to checkout. Plain forms posting to `api::cart`: no island, so no WASM, and
//! everything works without JavaScript.

use super::skeleton::loaded;
use crate::api::cart::{get_cart, RemoveCartLine, UpdateCartLine};
use crate::model::{encode_component, CartLineView, CartView, DeliveryEstimate, Money};
use crate::ui::components::form::{FormError, Notice, Private};
use crate::ui::components::order_parts::LineThumb;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn CartPage() -> impl IntoView {
    view! {
        <Private title="Your cart" />
        {loaded(get_cart(), |cart| view! { <Cart cart /> })}
    }
}

#[component]
fn Cart(cart: CartView) -> impl IntoView {
    let max = cart.max_line_quantity;
    let count = cart.item_count;
    view! {
        <section class="cart-page">
            <h1 class="page-title">"Your cart"</h1>
            <Notice messages=vec![
                ("added", "Added to your cart."),
                ("updated", "Your cart is updated."),
                ("removed", "Removed from your cart."),
            ] toast=true />
            <FormError />
            {if cart.lines.is_empty() {
                view! {
                    <div class="empty-state">
                        <p>"Your cart is empty."</p>
                        <a class="button primary" href="/">"Start shopping"</a>
                    </div>
                }.into_any()
            } else {
                let subtotal = cart.subtotal.to_string();
                view! {
                    <div class="cart-layout">
                        <ul class="line-cards">
                            {cart.lines.into_iter().map(|line| view! { <LineCard line max /> }).collect_view()}
                        </ul>
                        <aside class="summary-card" aria-label="Cart summary">
                            <dl class="totals">
                                <dt>{format!("Subtotal ({count} {})", if count == 1 { "item" } else { "items" })}</dt>
                                <dd>{subtotal}</dd>
                            </dl>
                            {cart.delivery.clone().map(|d| view! { <p class="delivery-note">{delivery_note(&d, cart.subtotal)}</p> })}
                            <p class="muted">"Delivery and VAT are worked out exactly at checkout, once we know where to deliver."</p>
                            <a class="button primary block" href="/checkout">"Check out"</a>
                            <a class="button quiet block" href="/">"Continue shopping"</a>
                        </aside>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// One line: the stepper's − and + post the quantity shown with a `step`; typing a number
/// and pressing Enter posts it (the hidden first button is the form's default).
#[component]
fn LineCard(line: CartLineView, max: i32) -> impl IntoView {
    let id = line.variant_id;
    let href = format!(
        "/products/{}?variant={}",
        line.product_slug,
        encode_component(&line.sku)
    );
    let input_id = format!("qty-{id}");
    let q = line.quantity;
    view! {
        <li class="line-card">
            <a href=href.clone() tabindex="-1" aria-hidden="true"><LineThumb image=line.image.clone() /></a>
            <div class="line-body">
                <a class="line-name" href=href>{line.product_name.clone()}</a>
                {(!line.variant_title.is_empty()).then(|| view! { <p class="line-options">{line.variant_title.clone()}</p> })}
                <p class="line-price">{line.unit_price.to_string()}</p>
                {line.problem.clone().map(|p| view! { <p class="line-problem" role="alert">{p}</p> })}
                <div class="line-actions">
                    <form method="post" action=UpdateCartLine::PATH class="stepper">
                        <input type="hidden" name="variant_id" value=id />
                        <button type="submit" class="visually-hidden" tabindex="-1">"Update"</button>
                        <button type="submit" name="step" value="-1" class="step" aria-label=format!("One fewer {}", line.product_name)>"−"</button>
                        <label class="visually-hidden" for=input_id.clone()>{format!("Quantity of {}", line.product_name)}</label>
                        <input id=input_id type="number" name="quantity" min="0" max=max value=q inputmode="numeric" />
                        <button type="submit" name="step" value="1" class="step" aria-label=format!("One more {}", line.product_name) disabled={q >= max}>"+"</button>
                    </form>
                    <form method="post" action=RemoveCartLine::PATH>
                        <input type="hidden" name="variant_id" value=id />
                        <button type="submit" class="link">"Remove"</button>
                    </form>
                </div>
            </div>
            <p class="line-total">{line.line_total.to_string()}</p>
        </li>
    }
}

/// "Delivery from AED 15.00; AED 32.00 more for free delivery" and the like.
fn delivery_note(d: &DeliveryEstimate, subtotal: Money) -> String {
    let from = if d.from.minor == 0 {
        "Free delivery".to_owned()
    } else {
        format!("Delivery from {}", d.from)
    };
    match d.free_over {
        Some(over) if d.from.minor > 0 && subtotal.minor >= over.minor => {
            format!("Your order qualifies for free delivery (on orders of {over} or more).")
        }
        Some(over) if d.from.minor > 0 => format!(
            "{from}; add {} more for free delivery.",
            Money::new(over.minor - subtotal.minor, over.currency)
        ),
        _ => format!("{from}."),
    }
}

#[cfg(test)]
mod tests {
    use super::delivery_note;
    use crate::model::{Currency, DeliveryEstimate, Money};

    #[test]
    fn the_delivery_note_says_how_far_free_delivery_is() {
        let aed = |minor| Money::new(minor, Currency::Aed);
        let estimate = DeliveryEstimate {
            from: aed(1_500),
            free_over: Some(aed(20_000)),
        };
        assert_eq!(
            delivery_note(&estimate, aed(16_800)),
            "Delivery from AED 15.00; add AED 32.00 more for free delivery."
        );
        assert!(delivery_note(&estimate, aed(20_000)).starts_with("Your order qualifies"));
        let flat = DeliveryEstimate {
            from: aed(1_500),
            free_over: None,
        };
        assert_eq!(delivery_note(&flat, aed(100)), "Delivery from AED 15.00.");
        let free = DeliveryEstimate {
            from: aed(0),
            free_over: None,
        };
        assert_eq!(delivery_note(&free, aed(100)), "Free delivery.");
    }
}
