//! Paying a card order with Stripe's Payment Element. The card details never touch Duka: the
//! island loads Stripe.js from `js.stripe.com` (allowed by the page's security policy only
//! when Stripe is configured), mounts the Payment Element with the PaymentIntent's client
//! secret, and confirms it; Stripe then sends the shopper back to `return_url`, where the order
//! page reads the PaymentIntent and shows the order paid. The webhook and the reconciler
//! settle it too if the shopper never comes back.

use leptos::prelude::*;

/// Where Stripe.js is loaded from (Stripe requires this address, never a copy).
pub const STRIPE_JS: &str = "https://js.stripe.com/v3/";
const ELEMENT_ID: &str = "payment-element";

#[island(lazy)]
pub fn CardPaymentForm(
    publishable_key: String,
    client_secret: String,
    return_url: String,
    pay_label: String,
) -> impl IntoView {
    let error = RwSignal::new(String::new());
    // Disabled until the Payment Element is ready, and while a confirmation is in flight.
    let busy = RwSignal::new(true);
    #[cfg(feature = "hydrate")]
    let stripe = browser::Stripe::new(error, busy);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| stripe.mount(&publishable_key, &client_secret));
    #[cfg(not(feature = "hydrate"))]
    let _ = (publishable_key, client_secret);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        stripe.confirm(&return_url);
        #[cfg(not(feature = "hydrate"))]
        let _ = &return_url;
    };
    view! {
        <form class="card-payment" on:submit=on_submit>
            <div id=ELEMENT_ID></div>
            <p class="form-error" role="alert" hidden=move || error.with(String::is_empty)>
                {move || error.get()}
            </p>
            <button type="submit" disabled=move || busy.get()>{pay_label}</button>
            <noscript><p>"Paying by card needs JavaScript, so that your card details go straight to Stripe, our payment provider."</p></noscript>
        </form>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::super::js::{call, field, object, settle, string};
    use super::{ELEMENT_ID, STRIPE_JS};
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    /// Stripe.js's `stripe` and `elements` once mounted.
    #[derive(Clone, Copy)]
    pub(super) struct Stripe {
        handles: StoredValue<Option<(JsValue, JsValue)>, LocalStorage>,
        error: RwSignal<String>,
        busy: RwSignal<bool>,
    }

    const FAILED_TO_LOAD: &str =
        "The card form could not be loaded. Check your connection and reload the page.";

    impl Stripe {
        pub(super) fn new(error: RwSignal<String>, busy: RwSignal<bool>) -> Self {
            Stripe {
                handles: StoredValue::new_local(None),
                error,
                busy,
            }
        }

        /// Loads Stripe.js (once per page) and mounts the Payment Element.
        pub(super) fn mount(self, publishable_key: &str, client_secret: &str) {
            let (key, secret) = (publishable_key.to_owned(), client_secret.to_owned());
            let ready = move || self.init(&key, &secret);
            if field(&window(), "Stripe").is_function() {
                ready();
                return;
            }
            let Ok(script) = document().create_element("script") else {
                return self.error.set(FAILED_TO_LOAD.to_owned());
            };
            let _ = script.set_attribute("src", STRIPE_JS);
            let onload = Closure::once_into_js(ready);
            let onerror = Closure::once_into_js(move || self.error.set(FAILED_TO_LOAD.to_owned()));
            let _ = js_sys::Reflect::set(&script, &"onload".into(), &onload);
            let _ = js_sys::Reflect::set(&script, &"onerror".into(), &onerror);
            if let Some(head) = document().head() {
                let _ = head.append_child(&script);
            }
        }

        fn init(self, publishable_key: &str, client_secret: &str) {
            let Ok(constructor) = field(&window(), "Stripe").dyn_into::<js_sys::Function>() else {
                return self.error.set(FAILED_TO_LOAD.to_owned());
            };
            let Ok(stripe) = constructor.call1(&JsValue::NULL, &publishable_key.into()) else {
                return self.error.set(FAILED_TO_LOAD.to_owned());
            };
            let options = object(&[("clientSecret", client_secret.into())]);
            let elements = call(&stripe, "elements", &[options]);
            let element = call(&elements, "create", &["payment".into()]);
            call(&element, "mount", &[format!("#{ELEMENT_ID}").into()]);
            let busy = self.busy;
            let ready = Closure::<dyn Fn()>::new(move || busy.set(false)).into_js_value();
            call(&element, "on", &["ready".into(), ready]);
            self.handles.set_value(Some((stripe, elements)));
        }

        /// Confirms the payment. On success Stripe sends the browser to `return_url`; on an
        /// error (a declined card) the message is shown and the form can be sent again.
        pub(super) fn confirm(self, return_url: &str) {
            let Some((stripe, elements)) = self.handles.get_value() else {
                return;
            };
            self.busy.set(true);
            self.error.set(String::new());
            let params = object(&[
                ("elements", elements),
                (
                    "confirmParams",
                    object(&[("return_url", return_url.into())]),
                ),
            ]);
            let answer = call(&stripe, "confirmPayment", &[params]);
            if answer.is_undefined() {
                self.busy.set(false);
                return self.error.set(FAILED_TO_LOAD.to_owned());
            }
            settle(&answer, move |result| {
                let error = field(&result, "error");
                if !error.is_undefined() && !error.is_null() {
                    let message = string(&error, "message");
                    self.error.set(if message.is_empty() {
                        "The payment did not go through. Try again.".to_owned()
                    } else {
                        message
                    });
                }
                self.busy.set(false);
                JsValue::UNDEFINED
            });
        }
    }
}
