//! Reading JSON the browser has already parsed (`JSON.parse`, `Response.json()`) through
//! property lookups, so the WASM carries no JSON parser or float formatting. Missing or
//! mistyped fields read as empty.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

pub(crate) fn field(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub(crate) fn string(object: &JsValue, key: &str) -> String {
    field(object, key).as_string().unwrap_or_default()
}

/// A non-negative whole number that fits in `u32`, or `None`.
pub(crate) fn number(object: &JsValue, key: &str) -> Option<u32> {
    field(object, key)
        .as_f64()
        .filter(|n| n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(n))
        .map(|n| n as u32)
}

/// The items of an array value; empty when it is not an array.
pub(crate) fn items<T>(value: &JsValue, item: impl Fn(&JsValue) -> T) -> Vec<T> {
    if !js_sys::Array::is_array(value) {
        return Vec::new();
    }
    js_sys::Array::from(value)
        .iter()
        .map(|v| item(&v))
        .collect()
}

pub(crate) fn list<T>(object: &JsValue, key: &str, item: impl Fn(&JsValue) -> T) -> Vec<T> {
    items(&field(object, key), item)
}

pub(crate) fn strings(object: &JsValue, key: &str) -> Vec<String> {
    list(object, key, |v| v.as_string().unwrap_or_default())
}

/// `promise.then(next, next)`: `next` runs exactly once, with the value or the error, and
/// frees itself. Returns the chained promise.
pub(crate) fn settle(
    promise: &JsValue,
    next: impl FnOnce(JsValue) -> JsValue + 'static,
) -> JsValue {
    let next = Closure::once_into_js(next);
    js_sys::Reflect::get(promise, &JsValue::from_str("then"))
        .ok()
        .and_then(|then| then.dyn_into::<js_sys::Function>().ok())
        .and_then(|then| then.call2(promise, &next, &next).ok())
        .unwrap_or(JsValue::NULL)
}

/// Calls `object.method(args...)`; `undefined` when there is no such method or it throws.
pub(crate) fn call(object: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let Ok(function) = field(object, method).dyn_into::<js_sys::Function>() else {
        return JsValue::UNDEFINED;
    };
    let args: js_sys::Array = args.iter().collect();
    function.apply(object, &args).unwrap_or(JsValue::UNDEFINED)
}

/// A plain object from string pairs and values.
pub(crate) fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

/// Calls `listener` on every `event` at `target`, for the life of the page.
pub(crate) fn on(
    target: &web_sys::EventTarget,
    event: &str,
    listener: impl FnMut(web_sys::Event) + 'static,
) {
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(listener);
    let _ = target.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
    listener.forget();
}
