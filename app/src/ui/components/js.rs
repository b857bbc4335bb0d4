//! Reading JSON the browser has already parsed (`JSON.parse`, `Response.json()`) through
//! property lookups, so the WASM carries no JSON parser or float formatting. Missing or
//! mistyped fields read as empty.

use wasm_bindgen::JsValue;

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
