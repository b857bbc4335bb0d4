//! The header's search box. Without JavaScript (and before hydration) it is a plain GET form
//! to `/search`. Once hydrated it offers products as the shopper types, following the
//! WAI-ARIA combobox pattern: requests wait for a pause in typing, a newer request aborts the
//! one in flight, the arrow keys move through the offers, Enter opens the one chosen and
//! Escape closes the list.
//!
//! Offers come from [`SUGGEST_PATH`] as JSON the browser parses itself (`Response.json()`);
//! the WASM only reads strings out of it.

use crate::model::MAX_QUERY_CHARS;
use leptos::prelude::*;

/// Where the box asks for offers: `GET /search/suggest?q=...` answers a JSON array of
/// [`Suggestion`](crate::model::Suggestion)s.
pub const SUGGEST_PATH: &str = "/search/suggest";
/// Typing pause before asking, in milliseconds.
pub const DEBOUNCE_MS: u64 = 150;
/// Fewer characters than this ask nothing.
pub const MIN_CHARS: usize = 2;

const INPUT_ID: &str = "site-search-q";
const LIST_ID: &str = "site-search-list";

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

/// The header's search form, rendered on the server, inside the [`SearchBox`] island.
#[component]
pub fn SiteSearch() -> impl IntoView {
    view! {
        <SearchBox>
            <form class="site-search" method="get" action="/search" role="search" data-hydrated="false">
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
                    aria-expanded="false"
                />
                <ul id=LIST_ID class="suggestions" role="listbox" aria-label="Suggestions" hidden></ul>
            </div>
            <button type="submit">"Search"</button>
            </form>
        </SearchBox>
    }
}

/// The island: it renders nothing of its own and hydrates no view, it only adds listeners
/// to the server's form ([`browser::listen`]), so the storefront's WASM stays small.
#[island]
pub fn SearchBox(children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    browser::listen();
    children()
}

#[cfg(feature = "hydrate")]
mod browser;

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
