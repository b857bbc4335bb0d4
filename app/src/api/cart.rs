//! The cart and checkout. Every function works from a plain HTML form (success redirects on,
//! failure comes back to the form with the error) and from code. The cart is the signed-in
//! customer's or the guest's from the sealed cookie; nothing a client sends about money is
//! used: prices and totals are worked out on the server every time.

use crate::model::{AddressInput, AppError, CartView, CheckoutView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod glue {
    pub use crate::api::in_span;
    pub use crate::api::redirect;
    pub use crate::model::{CheckoutStep, Refusal};
    pub use crate::server::auth::viewer;
    pub use crate::server::cart::{self, Owner};
    pub use crate::server::checkout;
    pub use crate::server::{state, AppState};

    /// The request's cart owner; with `create`, a guest gets a cart cookie.
    pub fn owner(state: &AppState, create: bool) -> Option<Owner> {
        let a = &state.accounts;
        cart::current_owner(&a.keys, &a.cookies, &state.cart_rules(), create)
    }

    /// The guest-or-customer owner for a change, or an empty-cart error.
    pub fn existing(state: &AppState) -> Result<Owner, crate::model::AppError> {
        owner(state, false)
            .ok_or_else(|| crate::model::AppError::validation("cart", "your cart is empty"))
    }
}

/// The cart, priced now.
#[server]
pub async fn get_cart() -> Result<CartView, AppError> {
    use glue::*;
    in_span("get_cart", async move {
        let state = state()?;
        let rules = state.cart_rules();
        let lines = match owner(&state, false) {
            Some(owner) => cart::lines(&state.db, &owner, rules.currency).await?,
            None => Vec::new(),
        };
        let mut view = cart::view(&lines, &rules);
        cart::with_images(&state.db, &mut view).await?;
        view.delivery = checkout::delivery_estimate(&state.db, rules.currency).await?;
        Ok(view)
    })
    .await
}

/// How many items the cart holds (for the header). No query for a visitor without a cart.
#[server]
pub async fn cart_count() -> Result<i64, AppError> {
    use glue::*;
    in_span("cart_count", async move {
        let state = state()?;
        match owner(&state, false) {
            Some(owner) => Ok(cart::item_count(&state.db, &owner).await?),
            None => Ok(0),
        }
    })
    .await
}

/// Adds `quantity` of the variant with `sku` to the cart (the product page's form), then
/// goes to the cart.
#[server]
pub async fn add_to_cart(sku: String, quantity: i64) -> Result<(), AppError> {
    use glue::*;
    in_span("add_to_cart", async move {
        let state = state()?;
        let rules = state.cart_rules();
        let variant = cart::variant_by_sku(&state.db, &sku).await?;
        let owner = owner(&state, true).ok_or(AppError::Unauthorized)?;
        cart::change(&state.db, &owner, variant, quantity, true, &rules).await?;
        redirect("/cart?done=added")?;
        Ok(())
    })
    .await
}

/// Sets a line's quantity (0 removes it); with `step` (the stepper's − and + buttons), the
/// quantity shown plus `step`.
#[server]
pub async fn update_cart_line(
    variant_id: i64,
    quantity: i64,
    step: Option<i64>,
) -> Result<(), AppError> {
    use glue::*;
    in_span("update_cart_line", async move {
        let state = state()?;
        let owner = existing(&state)?;
        let quantity = cart::stepped(quantity, step);
        cart::change(
            &state.db,
            &owner,
            variant_id,
            quantity,
            false,
            &state.cart_rules(),
        )
        .await?;
        redirect(if quantity == 0 {
            "/cart?done=removed"
        } else {
            "/cart?done=updated"
        })?;
        Ok(())
    })
    .await
}

/// Removes a line.
#[server]
pub async fn remove_cart_line(variant_id: i64) -> Result<(), AppError> {
    use glue::*;
    in_span("remove_cart_line", async move {
        let state = state()?;
        let owner = existing(&state)?;
        cart::change(&state.db, &owner, variant_id, 0, false, &state.cart_rules()).await?;
        redirect("/cart?done=removed")?;
        Ok(())
    })
    .await
}

/// The checkout page's data.
#[server]
pub async fn get_checkout() -> Result<CheckoutView, AppError> {
    use glue::*;
    in_span("get_checkout", async move {
        let state = state()?;
        // A visitor without a cart sees an empty one (a fresh token finds no cart).
        let owner = owner(&state, false).unwrap_or_else(|| Owner::Guest(cart::new_guest_token()));
        let rules = state.checkout_rules();
        Ok(checkout::page(&state.db, &owner, &rules).await?)
    })
    .await
}

/// Saves the contact email (guests) and the delivery address.
#[server]
pub async fn save_checkout_details(
    email: Option<String>,
    address: AddressInput,
) -> Result<(), AppError> {
    use glue::*;
    in_span("save_checkout_details", async move {
        let state = state()?;
        let owner = existing(&state)?;
        let email = if viewer().is_some() { None } else { email };
        let outcome = checkout::set_details(&state.db, &owner, email.as_deref(), &address).await;
        let typed = Refusal {
            step: CheckoutStep::Details,
            email,
            address: Some(address),
            ..Refusal::default()
        };
        checkout::keep_refusal(&state.db, &owner, outcome, typed).await?;
        redirect("/checkout")?;
        Ok(())
    })
    .await
}

/// Delivers to one of the signed-in customer's saved addresses.
#[server]
pub async fn use_saved_address(address_id: i64) -> Result<(), AppError> {
    use glue::*;
    in_span("use_saved_address", async move {
        let state = state()?;
        let v = crate::server::auth::require_customer()?;
        checkout::use_saved_address(&state.db, v.account_id, address_id).await?;
        redirect("/checkout")?;
        Ok(())
    })
    .await
}

/// Chooses a delivery option.
#[server]
pub async fn choose_shipping(rate_id: i64) -> Result<(), AppError> {
    use glue::*;
    in_span("choose_shipping", async move {
        let state = state()?;
        let owner = existing(&state)?;
        let outcome = checkout::set_shipping(&state.db, &owner, rate_id).await;
        let typed = Refusal {
            step: CheckoutStep::Delivery,
            ..Refusal::default()
        };
        checkout::keep_refusal(&state.db, &owner, outcome, typed).await?;
        redirect("/checkout")?;
        Ok(())
    })
    .await
}

/// Applies a coupon code; an empty code removes it.
#[server]
pub async fn apply_coupon(code: String) -> Result<(), AppError> {
    use glue::*;
    in_span("apply_coupon", async move {
        let state = state()?;
        let owner = existing(&state)?;
        let typed = Some(code.trim()).filter(|c| !c.is_empty());
        let rules = state.checkout_rules();
        let outcome = checkout::set_coupon(&state.db, &owner, typed, &rules).await;
        let typed = Refusal {
            step: CheckoutStep::Coupon,
            code: Some(code),
            ..Refusal::default()
        };
        checkout::keep_refusal(&state.db, &owner, outcome, typed).await?;
        redirect("/checkout")?;
        Ok(())
    })
    .await
}

/// Places the order. The same `checkout_key` (one per checkout page) always answers with the
/// same order; `expected_total` is the total the shopper saw, in minor units. `None` when the
/// order was refused for a reason the shopper can act on (a price or stock changed): the
/// checkout page shows it.
#[server]
pub async fn place_order(
    checkout_key: String,
    payment_method: String,
    expected_total: Option<i64>,
) -> Result<Option<i64>, AppError> {
    use glue::*;
    in_span("place_order", async move {
        let state = state()?;
        let owner = existing(&state)?;
        let placed = checkout::place_order(
            &state.db,
            &state.accounts.keys,
            &state.accounts.site,
            &owner,
            &checkout::PlaceOrder {
                checkout_key,
                payment_method,
                expected_total,
            },
            &state.checkout_rules(),
        )
        .await;
        let placed = match placed {
            Ok(placed) => placed,
            Err(error) => {
                let typed = Refusal {
                    step: CheckoutStep::Payment,
                    ..Refusal::default()
                };
                checkout::keep_refusal(&state.db, &owner, Err(error), typed).await?;
                redirect("/checkout")?;
                return Ok(None);
            }
        };
        redirect(&format!(
            "/orders/{}?key={}&placed=1",
            placed.number, placed.access_key
        ))?;
        Ok(Some(placed.number))
    })
    .await
}
