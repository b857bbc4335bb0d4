//! The search box in the browser: debounce, fetch with an abort signal, read the answer, and
//! keep the list and the input's ARIA state in step. Promises are chained with one-shot
//! callbacks rather than Rust futures, which would bring an executor into the WASM.

use super::super::js::{field, items, on, settle, string};
use super::{step, DEBOUNCE_MS, INPUT_ID, LIST_ID, MIN_CHARS, SUGGEST_PATH};
use crate::model::Suggestion;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlInputElement, KeyboardEvent};

fn option_id(index: usize) -> String {
    format!("site-search-option-{index}")
}

#[derive(Default)]
struct Searcher {
    offers: RefCell<Vec<Suggestion>>,
    active: Cell<Option<usize>>,
    open: Cell<bool>,
    timer: Cell<Option<TimeoutHandle>>,
    in_flight: RefCell<Option<web_sys::AbortController>>,
    /// Bumped on every keystroke: an answer for an older one is dropped.
    generation: Cell<u32>,
}

/// Listens to the form: typing, keys, focus, and presses on the offers.
pub(super) fn listen() {
    let Ok(Some(form)) = document().query_selector(".site-search") else {
        return;
    };
    let s = Rc::new(Searcher::default());
    let typed = s.clone();
    on(&form, "input", move |ev| {
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        {
            ask(&typed, input.value());
        }
    });
    let keys = s.clone();
    on(&form, "keydown", move |ev| {
        if let Some(ev) = ev.dyn_ref::<KeyboardEvent>() {
            keys.keydown(ev);
        }
    });
    let focused = s.clone();
    on(&form, "focusin", move |_| {
        focused.open.set(true);
        focused.paint();
    });
    on(&form, "focusout", move |_| {
        s.open.set(false);
        s.active.set(None);
        s.paint();
    });
    // Pressing on an offer must not blur the input first (which would close the list before
    // the click lands).
    on(&form, "mousedown", |ev| {
        let target = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
        if target.is_some_and(|t| t.closest(".suggestions").ok().flatten().is_some()) {
            ev.prevent_default();
        }
    });
    // Live: for styles and tests.
    let _ = form.set_attribute("data-hydrated", "true");
}

impl Searcher {
    fn keydown(&self, ev: &KeyboardEvent) {
        let len = self.offers.borrow().len();
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" if len > 0 => {
                ev.prevent_default();
                self.open.set(true);
                self.active
                    .set(step(self.active.get(), len, ev.key() == "ArrowDown"));
                self.paint();
            }
            "Enter" => {
                let chosen = self.active.get().filter(|_| self.open.get());
                let href = chosen.and_then(|i| self.offers.borrow().get(i).map(|s| s.href.clone()));
                if let Some(href) = href {
                    ev.prevent_default();
                    let _ = window().location().set_href(&href);
                }
            }
            "Escape" => {
                self.open.set(false);
                self.active.set(None);
                self.paint();
            }
            _ => {}
        }
    }

    /// New offers: the list's items rebuilt.
    fn set_offers(&self, offers: Vec<Suggestion>) {
        let Some(list) = document().get_element_by_id(LIST_ID) else {
            return;
        };
        list.set_inner_html("");
        for (i, offer) in offers.iter().enumerate() {
            if let Some(item) = offer_item(i, offer) {
                let _ = list.append_child(&item);
            }
        }
        *self.offers.borrow_mut() = offers;
        self.active.set(None);
        self.paint();
    }

    /// The list shown or hidden, the input's ARIA state and the highlighted offer.
    fn paint(&self) {
        let shown = self.open.get() && !self.offers.borrow().is_empty();
        let active = self.active.get().filter(|_| shown);
        if let Some(list) = document().get_element_by_id(LIST_ID) {
            let _ = list.toggle_attribute_with_force("hidden", !shown);
            let items = list.children();
            for i in 0..items.length() {
                if let Some(item) = items.item(i) {
                    let selected = if active == Some(i as usize) {
                        "true"
                    } else {
                        "false"
                    };
                    let _ = item.set_attribute("aria-selected", selected);
                }
            }
        }
        if let Some(input) = document().get_element_by_id(INPUT_ID) {
            let _ = input.set_attribute("aria-expanded", if shown { "true" } else { "false" });
            let _ = match active {
                Some(i) => input.set_attribute("aria-activedescendant", &option_id(i)),
                None => input.remove_attribute("aria-activedescendant"),
            };
        }
    }
}

/// `<li role=option><a><img><span>name</span><span>price</span></a></li>`, text set as text.
fn offer_item(index: usize, offer: &Suggestion) -> Option<Element> {
    let doc = document();
    let item = doc.create_element("li").ok()?;
    item.set_id(&option_id(index));
    item.set_attribute("role", "option").ok()?;
    item.set_attribute("aria-selected", "false").ok()?;
    let link = doc.create_element("a").ok()?;
    link.set_attribute("href", &offer.href).ok()?;
    link.set_attribute("tabindex", "-1").ok()?;
    if let Some(src) = &offer.image {
        let img = doc.create_element("img").ok()?;
        for (name, value) in [
            ("src", src.as_str()),
            ("alt", ""),
            ("width", "40"),
            ("height", "40"),
        ] {
            img.set_attribute(name, value).ok()?;
        }
        link.append_child(&img).ok()?;
    }
    let name = doc.create_element("span").ok()?;
    name.set_class_name("suggestion-name");
    name.set_text_content(Some(&offer.name));
    let price = doc.create_element("span").ok()?;
    price.set_class_name("suggestion-price");
    price.set_text_content(Some(&offer.price));
    link.append_child(&name).ok()?;
    link.append_child(&price).ok()?;
    item.append_child(&link).ok()?;
    Some(item)
}

/// The text changed: forget what was pending and ask again after a pause.
fn ask(s: &Rc<Searcher>, text: String) {
    if let Some(timer) = s.timer.take() {
        timer.clear();
    }
    if let Some(request) = s.in_flight.borrow_mut().take() {
        request.abort();
    }
    s.generation.set(s.generation.get().wrapping_add(1));
    let text = text.trim().to_owned();
    if text.chars().count() < MIN_CHARS {
        s.set_offers(Vec::new());
        return;
    }
    let generation = s.generation.get();
    let later = s.clone();
    let timer = set_timeout_with_handle(
        move || fetch(&later, &text, generation),
        Duration::from_millis(DEBOUNCE_MS),
    );
    s.timer.set(timer.ok());
}

fn fetch(s: &Rc<Searcher>, text: &str, generation: u32) {
    let Ok(request) = web_sys::AbortController::new() else {
        return;
    };
    let init = web_sys::RequestInit::new();
    init.set_signal(Some(&request.signal()));
    *s.in_flight.borrow_mut() = Some(request);
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
    let s = s.clone();
    settle(&body, move |answer| {
        if js_sys::Array::is_array(&answer) && s.generation.get() == generation {
            let offers = items(&answer, |o| Suggestion {
                name: string(o, "name"),
                href: string(o, "href"),
                price: string(o, "price"),
                image: field(o, "image").as_string(),
            });
            s.open.set(true);
            s.set_offers(offers);
        }
        JsValue::UNDEFINED
    });
}
