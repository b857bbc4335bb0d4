//! `/cart`: a card per line (picture, options, a quantity stepper, remove), the subtotal and
//! the way on to checkout. Plain forms posting to `api::cart`: no island, so no WASM, and
//! everything works without JavaScript.

use super::skeleton::loaded;
use crate::api::cart::{get_cart, RemoveCartLine, UpdateCartLine};
use crate::model::{encode_component, CartLineView, CartView};
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
            ] />
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
                            <p class="muted">"Delivery and VAT are worked out at checkout, once we know where to deliver."</p>
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
