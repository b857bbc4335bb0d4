//! `/admin/products...`: the catalog for staff. The list with its filters and bulk changes,
//! the price-change preview, and the product editor. Pages render on the server and every
//! change is a plain form; the editor's text fields are a lazy island
//! ([`ProductFields`](crate::ui::islands::admin_product_fields::ProductFields)) whose
//! code only admin pages load.

mod categories;
mod editor;
mod imports;
mod pictures;
mod prices;
mod variants;

pub use categories::AdminCategoriesPage;
pub use editor::ProductEditorPage;
pub use imports::{ImportPage, ImportsPage, UPLOAD_PATH as IMPORT_UPLOAD_PATH};
pub use prices::PricePreviewPage;

use super::ErrorPage;
use crate::api::catalog_admin::{get_admin_products, BulkProducts};
use crate::model::catalog_admin::{AdminProductQuery, AdminSort, ProductStatus, StockFilter};
use crate::model::AppError;
use crate::ui::components::form::{query, send_to, FormError, Notice, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A `<select>` of `(value, label)` with `selected` chosen.
#[component]
pub(crate) fn Choice(
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    selected: String,
) -> impl IntoView {
    view! {
        <label>{label}
            <select name=name>
                {options.into_iter().map(|(value, text)| {
                    let is = value == selected;
                    view! { <option value=value selected=is>{text}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

/// `/admin/products`: search, filters, sort, pages by cursor, and bulk changes.
#[component]
pub fn AdminProductsPage() -> impl IntoView {
    let params = ["q", "status", "category", "stock", "sort", "after"].map(query);
    view! {
        <Private title="Products" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                let [q, status, category, stock, sort, after] = params.clone();
                let page = crate::ui::pages::apart(get_admin_products(q, status, category, stock, sort, after)).await;
                let pairs: Vec<(String, String)> = ["q", "status", "category", "stock", "sort"]
                    .iter()
                    .zip(params.iter())
                    .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v)))
                    .collect();
                let list = AdminProductQuery::from_params(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .unwrap_or_default();
                match page {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok(page) => view! { <ProductList page list /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProductList(
    page: crate::model::catalog_admin::AdminProductPage,
    list: AdminProductQuery,
) -> impl IntoView {
    let here = format!("/admin/products{}", list.query_string(None));
    let export = format!("/admin/products/export.csv{}", list.query_string(None));
    let next = page
        .next
        .as_deref()
        .map(|after| format!("/admin/products{}", list.query_string(Some(after))));
    let category_options = |none: &str| {
        std::iter::once((String::new(), none.to_owned()))
            .chain(
                page.categories
                    .iter()
                    .map(|(id, path)| (id.to_string(), path.clone())),
            )
            .collect::<Vec<_>>()
    };
    let statuses = |none: &str| {
        std::iter::once((String::new(), none.to_owned()))
            .chain(
                ProductStatus::ALL
                    .iter()
                    .map(|s| (s.as_str().to_owned(), s.label().to_owned())),
            )
            .collect::<Vec<_>>()
    };
    let empty = page.rows.is_empty();
    view! {
        <section class="admin admin-products">
            <h1>"Products"</h1>
            <p>
                <a href="/admin">"Admin home"</a> " · " <a href="/admin/products/new">"Add a product"</a>
                " · " <a href="/admin/categories">"Categories"</a>
                " · " <a href=export download>"Export these as CSV"</a>
                " · " <a href="/admin/products/import">"Import a CSV"</a>
            </p>
            <Notice messages=vec![("bulk", "Changes applied.")] />
            <FormError />
            <form method="get" class="filters">
                <label>"Search" <input type="search" name="q" value=list.q.clone() placeholder="Name or exact SKU" maxlength="100" /></label>
                <Choice name="status" label="Status" options=statuses("Any status") selected=list.status.map(|s| s.as_str().to_owned()).unwrap_or_default() />
                <Choice name="category" label="Category" options=category_options("Any category") selected=list.category.map(|c| c.to_string()).unwrap_or_default() />
                <Choice name="stock" label="Stock"
                    options=StockFilter::ALL.iter().map(|s| (s.as_str().to_owned(), s.label().to_owned())).collect()
                    selected=list.stock.as_str().to_owned() />
                <Choice name="sort" label="Sort"
                    options=AdminSort::ALL.iter().map(|s| (s.as_str().to_owned(), s.label().to_owned())).collect()
                    selected=list.sort.as_str().to_owned() />
                <button type="submit">"Show"</button>
            </form>
            <form method="post" action=BulkProducts::PATH id="bulk">
                <input type="hidden" name="back" value=here />
                <table class="products">
                    <thead><tr>
                        <th scope="col"><span class="visually-hidden">"Select"</span></th>
                        <th scope="col">"Product"</th><th scope="col">"SKU"</th><th scope="col">"Status"</th>
                        <th scope="col">"Price"</th><th scope="col">"Stock"</th><th scope="col">"Changed"</th>
                    </tr></thead>
                    <tbody>
                        {page.rows.into_iter().map(|row| {
                            let price = match (row.price_min, row.price_max) {
                                (Some(a), Some(b)) if a != b => format!("{a} – {b}"),
                                (Some(a), _) => a.to_string(),
                                _ => String::new(),
                            };
                            let low = row.stock < i64::from(page.low_stock_threshold);
                            view! {
                                <tr>
                                    <td><input type="checkbox" name="ids[]" value=row.id aria-label=format!("Select {}", row.name) /></td>
                                    <td><a href=format!("/admin/products/{}", row.id)>{row.name}</a></td>
                                    <td>{row.sku} {(row.variants > 1).then(|| format!(" +{}", row.variants - 1))}</td>
                                    <td>{row.status.label()}</td>
                                    <td>{price}</td>
                                    <td class:low-stock=low>{row.stock}</td>
                                    <td>{row.updated_at}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {empty.then(|| view! { <p>"No products match."</p> })}
                <fieldset class="bulk">
                    <legend>"With the selected products"</legend>
                    <Choice name="status" label="Status" options=statuses("Choose") selected=String::new() />
                    <button type="submit" name="action" value="status">"Set status"</button>
                    <Choice name="category" label="Category" options=category_options("Choose") selected=String::new() />
                    <button type="submit" name="action" value="add_category">"Add to category"</button>
                    <button type="submit" name="action" value="remove_category">"Remove from category"</button>
                    <label>"Price change" <input type="text" name="change" placeholder="-10% or +5.00" maxlength="20" /></label>
                    <button type="submit" formmethod="get" formaction="/admin/products/prices">"Preview price change"</button>
                </fieldset>
            </form>
            {next.map(|href| view! { <p><a href=href rel="next">"Next page"</a></p> })}
        </section>
    }
}
