//! `/admin/products/prices`: what a price change would do to the selected products, before
//! staff apply it. The list's bulk form comes here with GET; applying is a POST.

use super::super::ErrorPage;
use crate::api::catalog_admin::{preview_price_change, BulkProducts};
use crate::model::AppError;
use crate::ui::components::form::{query, send_to, FormError, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PricePreviewPage() -> impl IntoView {
    let ids: Vec<i64> = use_query_map()
        .with_untracked(|q| q.get_all("ids[]"))
        .unwrap_or_default()
        .iter()
        .filter_map(|id| id.parse().ok())
        .collect();
    let change = query("change").unwrap_or_default();
    let back = query("back")
        .filter(|b| b.starts_with("/admin/products"))
        .unwrap_or_else(|| "/admin/products".into());
    view! {
        <Private title="Preview a price change" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match crate::ui::pages::apart(preview_price_change(ids.clone(), change.clone())).await {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error @ AppError::Validation { .. }) => view! {
                        <section class="admin">
                            <h1>"Preview a price change"</h1>
                            <p class="form-error" role="alert">{crate::ui::components::form::user_message(&error)}</p>
                            <p><a href=back.clone()>"Back to the products"</a></p>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok(rows) => view! {
                        <section class="admin">
                            <h1>{format!("Change prices by {change}")}</h1>
                            <FormError />
                            <table class="price-preview">
                                <thead><tr><th scope="col">"Product"</th><th scope="col">"SKU"</th><th scope="col">"Now"</th><th scope="col">"After"</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|(product, sku, before, after)| view! {
                                        <tr><td>{product}</td><td>{sku}</td><td>{before}</td><td>{after}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <form method="post" action=BulkProducts::PATH>
                                {ids.iter().map(|id| view! { <input type="hidden" name="ids[]" value=*id /> }).collect_view()}
                                <input type="hidden" name="change" value=change.clone() />
                                <input type="hidden" name="back" value=back.clone() />
                                <button type="submit" name="action" value="price">"Apply these prices"</button>
                                " " <a href=back.clone()>"Cancel"</a>
                            </form>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
