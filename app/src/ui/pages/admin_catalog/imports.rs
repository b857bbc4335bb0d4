//! `/admin/products/import`: upload a catalog CSV (Duka's export columns or Shopify's), and
//! `/admin/products/import/{id}`: follow its dry run or its application, with the report of
//! every row that could not be imported. The page refreshes itself while the job runs, so it
//! needs no JavaScript.

use super::super::ErrorPage;
use crate::api::catalog_import::{get_import, get_imports, ApplyImport};
use crate::model::catalog_admin::{ImportFormat, ImportStatus};
use crate::model::AppError;
use crate::ui::components::form::{send_to, FormError, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Meta;
use leptos_router::hooks::use_params_map;

/// Where a file is uploaded (a multipart `POST`, field `file`).
pub const UPLOAD_PATH: &str = "/admin/products/import/upload";

fn state_label(s: &ImportStatus) -> String {
    let what = if s.apply { "Import" } else { "Dry run" };
    match s.state.as_str() {
        "queued" => format!("{what}: waiting to start"),
        "running" => format!("{what}: {}% read", s.percent),
        "done" => format!("{what}: finished"),
        "failed" => format!("{what}: stopped"),
        other => format!("{what}: {other}"),
    }
}

#[component]
pub fn ImportsPage() -> impl IntoView {
    view! {
        <Private title="Import products" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match crate::ui::pages::apart(get_imports()).await {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok((imports, may_import)) => view! {
                        <section class="admin imports">
                            <h1>"Import products"</h1>
                            <p><a href="/admin/products">"All products"</a></p>
                            <FormError />
                            {may_import.then(|| view! {
                                <form method="post" action=UPLOAD_PATH enctype="multipart/form-data" class="upload">
                                    <label>"CSV file" <input type="file" name="file" accept=".csv,text/csv" required /></label>
                                    <p class="help">"Duka's export columns (handle, name, sku, price...) or Shopify's product CSV. \
                                        A dry run comes first: it reports every row it cannot import and changes nothing. \
                                        Products are matched by handle and variants by SKU, so importing a file again changes nothing."</p>
                                    <button type="submit">"Upload and check"</button>
                                </form>
                            })}
                            <h2>"Recent imports"</h2>
                            <ul class="import-list">
                                {imports.into_iter().map(|i| view! {
                                    <li><a href=format!("/admin/products/import/{}", i.id)>{i.file_name.clone()}</a>
                                        {format!(" · {} · {} by {}", state_label(&i), i.at, i.by)}</li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let id = use_params_map().read_untracked().get("id");
    view! {
        <Private title="Import" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                let Some(id) = id.and_then(|t| t.parse::<i64>().ok()) else {
                    return view! { <ErrorPage error=AppError::NotFound /> }.into_any();
                };
                match crate::ui::pages::apart(get_import(id)).await {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok(status) => view! { <Report status /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Report(status: ImportStatus) -> impl IntoView {
    let working = matches!(status.state.as_str(), "queued" | "running");
    let can_apply = status.state == "done" && !status.apply;
    let format = status.format.map(|f| match f {
        ImportFormat::Duka => "Duka's columns",
        ImportFormat::Shopify => "Shopify's columns",
    });
    let verb = if status.apply { "" } else { "would be " };
    let more =
        status.problem_count as usize - status.problems.len().min(status.problem_count as usize);
    view! {
        {working.then(|| view! { <Meta http_equiv="refresh" content="2" /> })}
        <section class="admin import">
            <h1>{status.file_name.clone()}</h1>
            <p><a href="/admin/products/import">"All imports"</a> " · " {format!("uploaded {} by {}", status.at, status.by)}
                {format.map(|f| format!(" · {f}"))}</p>
            <FormError />
            <p role="status"><strong>{state_label(&status)}</strong></p>
            <progress max="100" value=status.percent>{format!("{}%", status.percent)}</progress>
            {status.error.clone().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <dl class="import-counts">
                <dt>"Rows read"</dt><dd>{status.rows_done}</dd>
                <dt>{format!("Products {verb}created")}</dt><dd>{status.created}</dd>
                <dt>{format!("Products {verb}updated")}</dt><dd>{status.updated}</dd>
                <dt>"Products unchanged"</dt><dd>{status.unchanged}</dd>
                <dt>"Products with problems (not imported)"</dt><dd>{status.failed}</dd>
            </dl>
            {can_apply.then(|| view! {
                <form method="post" action=ApplyImport::PATH>
                    <input type="hidden" name="id" value=status.id />
                    <p>"The dry run changed nothing. Applying imports every product without problems; those with problems are left out."</p>
                    <button type="submit">"Apply this file"</button>
                </form>
            })}
            {(!status.problems.is_empty()).then(|| view! {
                <h2>{format!("Problems ({})", status.problem_count)}</h2>
                <table class="import-problems">
                    <thead><tr><th scope="col">"Row"</th><th scope="col">"Column"</th><th scope="col">"Reason"</th></tr></thead>
                    <tbody>
                        {status.problems.iter().map(|p| view! {
                            <tr><td>{p.row}</td><td>{p.column.clone()}</td><td>{p.reason.clone()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                {(more > 0).then(|| view! { <p>{format!("…and {more} more.")}</p> })}
            })}
        </section>
    }
}
