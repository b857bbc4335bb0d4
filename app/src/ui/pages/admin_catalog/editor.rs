//! `/admin/products/new` and `/admin/products/{id}`: the product editor. The product's
//! fields are one form saved over the version it was opened at; pictures, options and the
//! variant grid follow ([`super::pictures`], [`super::variants`]), and each variant's stock
//! changes through the ledger with a reason.

use super::super::skeleton::{editor_id, staff_record};
use super::pictures::Pictures;
use super::variants::{OptionsForm, VariantGrid};
use super::Choice;
use crate::api::catalog_admin::{get_product_editor, AdjustStock, SaveProduct};
use crate::model::catalog_admin::{AdminVariant, ProductEditor, ProductStatus, StockReason};
use crate::ui::components::form::{FormError, Notice, Private};
use crate::ui::islands::admin_product_fields::ProductFields;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn ProductEditorPage() -> impl IntoView {
    view! {
        <Private title="Product" />
        {staff_record(editor_id(), get_product_editor, |editor| view! { <Editor editor /> })}
    }
}

#[component]
fn Editor(editor: ProductEditor) -> impl IntoView {
    let ProductEditor {
        id,
        form,
        variants,
        options,
        images,
        categories,
        updated,
        may_edit,
        store_url,
        currency,
    } = editor;
    let title = if id.is_some() {
        form.name.clone()
    } else {
        "Add a product".to_owned()
    };
    let live = (form.status == "active").then(|| format!("/products/{}", form.slug));
    let version = form.version;
    let statuses: Vec<(String, String)> = ProductStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
        .collect();
    view! {
        <section class="admin product-editor">
            <h1>{title}</h1>
            <p>
                <a href="/admin/products">"All products"</a>
                {live.map(|href| view! { " · " <a href=href>"View in the shop"</a> })}
                {updated.map(|(who, at)| format!(" · last saved by {who} at {at}"))}
            </p>
            <Notice messages=vec![
                ("saved", "Product saved."),
                ("variants", "Variants saved."),
                ("options", "Options saved: the variants follow them."),
                ("pictures", "Pictures saved."),
                ("images", "Pictures uploaded."),
                ("stock", "Stock updated."),
            ] />
            <FormError />
            <form method="post" action=SaveProduct::PATH id="product-form">
                <fieldset disabled=!may_edit>
                    {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                    <input type="hidden" name="product[version]" value=version />
                    <ProductFields
                        name=form.name.clone()
                        slug=form.slug.clone()
                        description=form.description.clone()
                        seo_title=form.seo_title.clone()
                        seo_description=form.seo_description.clone()
                        base_url=store_url
                        new=id.is_none()
                    />
                    <label>"Brand" <input type="text" name="product[brand]" value=form.brand.clone() maxlength="120" /></label>
                    <label>"Attributes (one per line, such as Material: linen)"
                        <textarea name="product[attributes]" rows="4">{form.attributes.clone()}</textarea>
                    </label>
                    <Choice name="product[status]" label="Status" options=statuses selected=form.status.clone() />
                    <label>"Publish at (the shop's time, for a draft)"
                        <input type="datetime-local" name="product[publish_at]" value=form.publish_at.clone() />
                    </label>
                    <fieldset class="categories">
                        <legend>"Categories (the first ticked is the main one)"</legend>
                        {categories.into_iter().map(|(cid, path)| {
                            let on = form.categories.contains(&cid);
                            view! { <label class="check"><input type="checkbox" name="product[categories][]" value=cid checked=on /> {path}</label> }
                        }).collect_view()}
                    </fieldset>
                    {id.is_none().then(|| view! {
                        <label>"SKU" <input type="text" name="sku" required maxlength="64" /></label>
                        <label>"Price" <input type="text" name="price" required inputmode="decimal" maxlength="20" /></label>
                    })}
                    <button type="submit">"Save"</button>
                </fieldset>
            </form>
            {id.map(|product_id| {
                let pictures: Vec<(i64, String)> = images.iter().enumerate()
                    .map(|(i, img)| (img.id, format!("{}. {}", i + 1, img.alt)))
                    .collect();
                view! {
                    <Pictures product_id images may_edit />
                    <OptionsForm product_id version options may_edit />
                    <VariantGrid product_id version variants=variants.clone() pictures currency may_edit />
                    <h2>"Stock"</h2>
                    {variants.into_iter().map(|v| view! { <StockRow product_id variant=v may_edit /> }).collect_view()}
                }
            })}
        </section>
    }
}

#[component]
fn StockRow(product_id: i64, variant: AdminVariant, may_edit: bool) -> impl IntoView {
    let AdminVariant {
        id,
        sku,
        title,
        stock,
        history,
        ..
    } = variant;
    let heading = if title.is_empty() {
        sku
    } else {
        format!("{title} · {sku}")
    };
    view! {
        <article class="variant">
            <h3>{heading}</h3>
            <form method="post" action=AdjustStock::PATH class="stock-adjust">
                <fieldset disabled=!may_edit>
                    <legend>{format!("Stock: {stock} on hand")}</legend>
                    <input type="hidden" name="product_id" value=product_id />
                    <input type="hidden" name="variant_id" value=id />
                    <Choice name="reason" label="Why"
                        options=StockReason::STAFF.iter().map(|r| (r.as_str().to_owned(), r.label().to_owned())).collect()
                        selected="received".to_owned() />
                    <Choice name="mode" label="How"
                        options=vec![("by".to_owned(), "Units in (+) or out (−)".to_owned()), ("count".to_owned(), "Counted: on hand now".to_owned())]
                        selected="by".to_owned() />
                    <label>"Quantity" <input type="number" name="quantity" required min="-100000" max="100000" /></label>
                    <label>"Note" <input type="text" name="note" maxlength="500" /></label>
                    <button type="submit">"Record"</button>
                </fieldset>
            </form>
            <details class="stock-history">
                <summary>"Stock history"</summary>
                <table>
                    <thead><tr><th scope="col">"When"</th><th scope="col">"Change"</th><th scope="col">"After"</th><th scope="col">"Why"</th><th scope="col">"Who or order"</th><th scope="col">"Note"</th></tr></thead>
                    <tbody>
                        {history.into_iter().map(|m| view! {
                            <tr>
                                <td>{m.at}</td>
                                <td>{format!("{:+}", m.delta)}</td>
                                <td>{m.stock_after}</td>
                                <td>{m.reason.label()}</td>
                                <td>{m.order_number.map(|n| format!("order {n}")).or(m.by).unwrap_or_default()}</td>
                                <td>{m.note}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </article>
    }
}
