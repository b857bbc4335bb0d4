//! Listing controls: filters, sort and pages. Plain links and a GET form, so they work and can
//! be crawled without JavaScript; every state is a URL. Collections and search results share
//! them through [`ListingUrl`].

use crate::model::{to_query_string, Facet, ListingQuery, Sort, DEFAULT_PER_PAGE, MAX_PER_PAGE};
use leptos::prelude::*;

/// How a listing's states become URLs: the page's path, parameters every link keeps (a
/// search's `q`), and the sort that goes without saying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingUrl {
    pub path: String,
    pub keep: Vec<(String, String)>,
    pub default_sort: Sort,
    /// The sorts offered.
    pub sorts: &'static [Sort],
}

impl ListingUrl {
    pub fn collection(path: String) -> Self {
        Self {
            path,
            keep: Vec::new(),
            default_sort: Sort::Newest,
            sorts: &Sort::ALL,
        }
    }

    pub fn href(&self, query: &ListingQuery) -> String {
        let mut params = self.keep.clone();
        params.extend(query.to_params_with_default(self.default_sort));
        format!("{}{}", self.path, to_query_string(&params))
    }
}

/// A facet choice: its name, and how many products have it when `counts` (exact).
pub fn facet_label(value: &str, count: u64, counts: bool) -> String {
    if counts {
        format!("{value} ({count})")
    } else {
        value.to_owned()
    }
}

/// Facet links, price range, stock and sort. `counts`: show how many products each value has
/// (off when the counts are not exact).
#[component]
pub fn Filters(
    url: ListingUrl,
    query: ListingQuery,
    facets: Vec<Facet>,
    #[prop(default = true)] counts: bool,
) -> impl IntoView {
    let href = {
        let url = url.clone();
        move |q: &ListingQuery| url.href(q)
    };
    let facets = facets
        .iter()
        .map(|facet| {
            let active = query.attributes.iter().find(|(k, _)| *k == facet.key).map(|(_, v)| v.clone());
            let clear = active.as_ref().map(|_| {
                let h = href(&query.with_attribute(&facet.key, None));
                view! {
                    <li>
                        <a class="facet-clear" href=h>
                            "Any"
                        </a>
                    </li>
                }
            });
            let values = facet
                .values
                .iter()
                .map(|fv| {
                    let selected = active.as_deref() == Some(fv.value.as_str());
                    let h = href(&query.with_attribute(&facet.key, Some(&fv.value)));
                    let label = facet_label(&fv.value, fv.count, counts);
                    view! {
                        <li>
                            <a href=h class:selected=selected aria-current=selected.then_some("true") rel="nofollow">
                                {label}
                            </a>
                        </li>
                    }
                })
                .collect_view();
            let title = facet_title(&facet.key);
            view! {
                <section class="facet">
                    <h2>{title}</h2>
                    <ul>{clear}{values}</ul>
                </section>
            }
        })
        .collect_view();

    let min = query.min_price.map(|m| m.decimal()).unwrap_or_default();
    let max = query.max_price.map(|m| m.decimal()).unwrap_or_default();
    let sort = query.sort;
    let hidden_attributes = query
        .attributes
        .iter()
        .map(|(k, v)| view! { <input type="hidden" name=format!("f.{k}") value=v.clone() /> })
        .collect_view();
    let kept = url
        .keep
        .iter()
        .map(|(k, v)| view! { <input type="hidden" name=k.clone() value=v.clone() /> })
        .collect_view();
    let per_page = (query.per_page != DEFAULT_PER_PAGE).then(
        || view! { <input type="hidden" name="per_page" value=query.per_page.min(MAX_PER_PAGE) /> },
    );
    view! {
        <aside class="filters" aria-label="Filters">
            <details class="filter-fold">
            <summary class="button secondary">"Filter and sort"</summary>
            {facets}
            <form class="filter-form" method="get" action=url.path.clone()>
                {kept}
                {hidden_attributes}
                {per_page}
                <fieldset class="price-range">
                    <legend>"Price"</legend>
                    <label>
                        "Min" <input type="text" inputmode="decimal" name="min" value=min size="8" />
                    </label>
                    <label>
                        "Max" <input type="text" inputmode="decimal" name="max" value=max size="8" />
                    </label>
                </fieldset>
                <label class="in-stock">
                    <input type="checkbox" name="in_stock" value="1" checked=query.in_stock />
                    " In stock only"
                </label>
                <label class="sort">
                    "Sort by "
                    <select name="sort">
                        {url
                            .sorts
                            .iter()
                            .copied()
                            .map(|s| {
                                view! {
                                    <option value=s.param() selected=s == sort>
                                        {s.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <button type="submit">"Apply"</button>
            </form>
            </details>
        </aside>
    }
}

fn facet_title(key: &str) -> String {
    let mut chars = key.replace(['_', '-'], " ").chars().collect::<Vec<_>>();
    if let Some(first) = chars.first_mut() {
        *first = first.to_ascii_uppercase();
    }
    chars.into_iter().collect()
}

/// Previous/next and numbered page links.
#[component]
pub fn Pagination(url: ListingUrl, query: ListingQuery, pages: u32) -> impl IntoView {
    let current = query.page.min(pages);
    if pages <= 1 {
        return ().into_any();
    }
    let link = move |page: u32| url.href(&query.with_page(page));
    let first = current.saturating_sub(2).max(1);
    let last = (current + 2).min(pages);
    let numbers = (first..=last)
        .map(|p| {
            if p == current {
                view! {
                    <li>
                        <span aria-current="page">{p}</span>
                    </li>
                }
                .into_any()
            } else {
                view! {
                    <li>
                        <a href=link(p)>{p}</a>
                    </li>
                }
                .into_any()
            }
        })
        .collect_view();
    let prev = (current > 1).then(|| view! { <a rel="prev" href=link(current - 1)>"Previous"</a> });
    let next = (current < pages).then(|| view! { <a rel="next" href=link(current + 1)>"Next"</a> });
    view! {
        <nav class="pagination" aria-label="Pages">
            {prev}
            <ol>{numbers}</ol>
            {next}
            <p class="page-of">{format!("Page {current} of {pages}")}</p>
        </nav>
    }
    .into_any()
}
