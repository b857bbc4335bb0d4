//! The browser entry point. Pages arrive as server-rendered HTML; this only wakes up the
//! `#[island]` components in them. Everything else stays plain HTML.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Link the islands' hydration functions into this binary.
    app::ui::link_islands();
    // Readable panics in the console during development; release builds leave the
    // formatting machinery out of the bundle (panics still abort and log an error).
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
