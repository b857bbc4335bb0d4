//! The header's search box. Without JavaScript (and before hydration) it is a plain GET form
//! to `/search`. Once hydrated it offers products as the shopper types, following the
//! WAI-ARIA combobox pattern: requests wait for a pause in typing, a newer request aborts the
//! one in flight, the arrow keys move through the offers, Enter opens the one chosen and
//! Escape closes the list.
//!
//! Offers come from [`SUGGEST_PATH`] as JSON the browser parses itself (`Response.json()`);
//! the WASM only reads strings out of it.

use crate::model::{Suggestion, MAX_QUERY_CHARS};
use leptos::prelude::*;

/// Where the box asks for offers: `GET /search/suggest?q=...` answers a JSON array of
/// [`Suggestion`]s.
pub const SUGGEST_PATH: &str = "/search/suggest";
/// Typing pause before asking, in milliseconds.
pub const DEBOUNCE_MS: u64 = 150;
/// Fewer characters than this ask nothing.
pub const MIN_CHARS: usize = 2;

const INPUT_ID: &str = "site-search-q";
const LIST_ID: &str = "site-search-list";

fn option_id(index: usize) -> String {
    format!("site-search-option-{index}")
}

/// The next highlighted offer after an arrow key, wrapping round; `None` when there are none.
pub fn step(active: Option<usize>, len: usize, down: bool) -> Option<usize> {
    if len == 0 {
        return None;
    }
    Some(match (active, down) {
        (None, true) => 0,
        (None, false) => len - 1,
        (Some(i), true) => (i + 1) % len,
        (Some(i), false) => (i + len - 1) % len,
    })
}

#[island]
pub fn SearchBox() -> impl IntoView {
    let offers = RwSignal::new(Vec::<Suggestion>::new());
    let active = RwSignal::new(None::<usize>);
    let open = RwSignal::new(false);
    let shown = move || open.get() && offers.with(|o| !o.is_empty());
    // Effects run only in the browser: tells tests (and styles) the box is live.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    #[cfg(feature = "hydrate")]
    let asker = browser::Asker::new(offers, active, open);
    let on_input = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        asker.ask(event_target_value(&_ev));
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let len = offers.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" if len > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = step(*a, len, ev.key() == "ArrowDown"));
            }
            "Enter" => {
                let chosen = active.get_untracked().filter(|_| open.get_untracked());
                if let Some(href) =
                    chosen.and_then(|i| offers.with_untracked(|o| o.get(i).map(|s| s.href.clone())))
                {
                    ev.prevent_default();
                    #[cfg(feature = "hydrate")]
                    browser::go(&href);
                    #[cfg(not(feature = "hydrate"))]
                    let _ = href;
                }
            }
            "Escape" => {
                open.set(false);
                active.set(None);
            }
            _ => {}
        }
    };

    view! {
        <form
            class="site-search"
            method="get"
            action="/search"
            role="search"
            data-hydrated=move || if hydrated.get() { "true" } else { "false" }
        >
            <label for=INPUT_ID class="visually-hidden">
                "Search products"
            </label>
            <div class="combobox">
                <input
                    id=INPUT_ID
                    type="search"
                    name="q"
                    placeholder="Search products"
                    maxlength=MAX_QUERY_CHARS
                    autocomplete="off"
                    role="combobox"
                    aria-autocomplete="list"
                    aria-controls=LIST_ID
                    aria-expanded=move || if shown() { "true" } else { "false" }
                    aria-activedescendant=move || active.get().filter(|_| shown()).map(option_id)
                    on:input=on_input
                    on:keydown=on_keydown
                    on:focus=move |_| open.set(true)
                    on:blur=move |_| {
                        open.set(false);
                        active.set(None);
                    }
                />
                // Pressing on an offer must not blur the input first (which would close the
                // list before the click lands).
                <ul
                    id=LIST_ID
                    class="suggestions"
                    role="listbox"
                    aria-label="Suggestions"
                    hidden=move || !shown()
                    on:mousedown=|ev| ev.prevent_default()
                >
                    {move || {
                        offers
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, offer)| {
                                view! {
                                    <li
                                        id=option_id(i)
                                        role="option"
                                        aria-selected=move || {
                                            if active.get() == Some(i) { "true" } else { "false" }
                                        }
                                    >
                                        <a href=offer.href tabindex="-1">
                                            {offer
                                                .image
                                                .map(|src| {
                                                    view! {
                                                        <img src=src alt="" width="40" height="40" />
                                                    }
                                                })}
                                            <span class="suggestion-name">{offer.name}</span>
                                            <span class="suggestion-price">{offer.price}</span>
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
            <button type="submit">"Search"</button>
        </form>
    }
}

/// The browser side: debounce, fetch with an abort signal, read the answer. Promises are
/// chained with one-shot callbacks rather than Rust futures, which would bring an executor
/// into the WASM.
#[cfg(feature = "hydrate")]
mod browser {
    use super::super::js::{field, items, settle, string};
    use super::{Suggestion, DEBOUNCE_MS, MIN_CHARS, SUGGEST_PATH};
    use leptos::prelude::*;
    use std::time::Duration;
    use wasm_bindgen::{JsCast, JsValue};

    #[derive(Clone, Copy)]
    pub(super) struct Asker {
        offers: RwSignal<Vec<Suggestion>>,
        active: RwSignal<Option<usize>>,
        open: RwSignal<bool>,
        timer: StoredValue<Option<TimeoutHandle>, LocalStorage>,
        in_flight: StoredValue<Option<web_sys::AbortController>, LocalStorage>,
        /// Bumped on every keystroke: an answer for an older one is dropped.
        generation: StoredValue<u32>,
    }

    impl Asker {
        pub(super) fn new(
            offers: RwSignal<Vec<Suggestion>>,
            active: RwSignal<Option<usize>>,
            open: RwSignal<bool>,
        ) -> Self {
            Self {
                offers,
                active,
                open,
                timer: StoredValue::new_local(None),
                in_flight: StoredValue::new_local(None),
                generation: StoredValue::new(0),
            }
        }

        /// The text changed: forget what was pending and ask again after a pause.
        pub(super) fn ask(self, text: String) {
            if let Some(timer) = self.timer.try_update_value(Option::take).flatten() {
                timer.clear();
            }
            if let Some(request) = self.in_flight.try_update_value(Option::take).flatten() {
                request.abort();
            }
            self.generation.update_value(|g| *g = g.wrapping_add(1));
            let text = text.trim().to_owned();
            if text.chars().count() < MIN_CHARS {
                self.offers.set(Vec::new());
                self.active.set(None);
                return;
            }
            let generation = self.generation.get_value();
            let timer = set_timeout_with_handle(
                move || self.fetch(&text, generation),
                Duration::from_millis(DEBOUNCE_MS),
            );
            self.timer.set_value(timer.ok());
        }

        fn fetch(self, text: &str, generation: u32) {
            let Ok(request) = web_sys::AbortController::new() else {
                return;
            };
            let init = web_sys::RequestInit::new();
            init.set_signal(Some(&request.signal()));
            self.in_flight.set_value(Some(request));
            let url = format!(
                "{SUGGEST_PATH}?q={}",
                String::from(js_sys::encode_uri_component(text))
            );
            let response = window().fetch_with_str_and_init(&url, &init);
            // Aborted, offline or an error status: nothing changes.
            let body = settle(&response, |response| {
                match response.dyn_into::<web_sys::Response>() {
                    Ok(response) if response.ok() => {
                        response.json().map(JsValue::from).unwrap_or(JsValue::NULL)
                    }
                    _ => JsValue::NULL,
                }
            });
            settle(&body, move |answer| {
                if js_sys::Array::is_array(&answer) && self.generation.get_value() == generation {
                    let offers = items(&answer, |o| Suggestion {
                        name: string(o, "name"),
                        href: string(o, "href"),
                        price: string(o, "price"),
                        image: field(o, "image").as_string(),
                    });
                    self.active.set(None);
                    self.open.set(true);
                    self.offers.set(offers);
                }
                JsValue::UNDEFINED
            });
        }
    }

    pub(super) fn go(href: &str) {
        let _ = window().location().set_href(href);
    }
}

#[cfg(test)]
mod tests {
    use super::step;

    #[test]
    fn arrows_wrap_round_the_offers() {
        assert_eq!(step(None, 0, true), None);
        assert_eq!(step(None, 3, true), Some(0));
        assert_eq!(step(None, 3, false), Some(2));
        assert_eq!(step(Some(2), 3, true), Some(0));
        assert_eq!(step(Some(0), 3, false), Some(2));
        assert_eq!(step(Some(1), 3, true), Some(2));
    }
}
