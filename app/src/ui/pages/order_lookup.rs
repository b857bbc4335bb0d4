//! `/orders/find`: a guest finds an order with its email and number.

use crate::api::orders::LookupOrder;
use crate::ui::components::form::{FormError, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

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
                <button type="submit" class="primary">"Find my order"</button>
            </form>
            <p>"Have an account? " <a href="/account/orders">"See your orders"</a></p>
        </section>
    }
}
