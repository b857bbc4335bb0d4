use leptos::prelude::*;

/// A quantity picker. Without JavaScript it is a plain number input (the buttons stay hidden
/// by CSS until hydration); once hydrated the buttons step the value within 1..=max.
#[island]
pub fn QuantityStepper(
    /// The most a shopper may choose (the units available, capped by the page).
    max: u32,
) -> impl IntoView {
    let max = max.max(1);
    let quantity = RwSignal::new(1u32);
    // Effects run only in the browser, so this marks the island as hydrated.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let set_clamped = move |value: u32| quantity.set(value.clamp(1, max));
    view! {
        <div class="quantity" data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
            <label for="quantity">"Quantity"</label>
            <div class="quantity-controls">
                <button
                    type="button"
                    class="step"
                    aria-label="Decrease quantity"
                    disabled=move || { quantity.get() <= 1 }
                    on:click=move |_| set_clamped(quantity.get().saturating_sub(1))
                >
                    "−"
                </button>
                <input
                    id="quantity"
                    name="quantity"
                    type="number"
                    inputmode="numeric"
                    min="1"
                    value="1"
                    max=max
                    prop:value=move || quantity.get().to_string()
                    on:change=move |ev| {
                        let typed = event_target_value(&ev).trim().parse::<u32>().unwrap_or(1);
                        set_clamped(typed);
                    }
                />
                <button
                    type="button"
                    class="step"
                    aria-label="Increase quantity"
                    disabled=move || { quantity.get() >= max }
                    on:click=move |_| set_clamped(quantity.get().saturating_add(1))
                >
                    "+"
                </button>
            </div>
        </div>
    }
}
