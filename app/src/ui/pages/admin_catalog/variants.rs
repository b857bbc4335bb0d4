//! The editor's options and variant grid. Options are a small form: saving it regenerates
//! the variant matrix (asking before it removes variants). The grid is one form for every
//! variant, saved in one transaction, checked as it is typed by a lazy island
//! ([`GridCheck`]) with the rules the server applies.

use crate::api::catalog_admin::{SaveOptions, SaveVariants};
use crate::model::catalog_admin::{AdminVariant, OptionSpec, MAX_OPTIONS};
use crate::model::Currency;
use crate::ui::islands::admin_variant_grid::GridCheck;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub(super) fn OptionsForm(
    product_id: i64,
    version: i64,
    options: Vec<OptionSpec>,
    may_edit: bool,
) -> impl IntoView {
    let mut rows: Vec<(String, String)> = options
        .into_iter()
        .map(|o| (o.name, o.values.join(", ")))
        .collect();
    if rows.len() < MAX_OPTIONS {
        rows.push(Default::default());
    }
    view! {
        <section class="options">
            <h2>"Options"</h2>
            <p class="help">"Such as Size with the values S, M, L. Every combination of values is a variant."</p>
            <form method="post" action=SaveOptions::PATH>
                <fieldset disabled=!may_edit>
                    <input type="hidden" name="product_id" value=product_id />
                    <input type="hidden" name="version" value=version />
                    {rows.into_iter().enumerate().map(|(i, (name, values))| view! {
                        <div class="option-row">
                            <label>"Option" <input type="text" name=format!("options[{i}][name]") value=name maxlength="60" /></label>
                            <label>"Values, separated by commas" <input type="text" name=format!("options[{i}][values]") value=values /></label>
                        </div>
                    }).collect_view()}
                    <label class="check"><input type="checkbox" name="confirm" value="1" />
                        " Remove the variants these options no longer have"</label>
                    <button type="submit">"Save options"</button>
                </fieldset>
            </form>
        </section>
    }
}

#[component]
pub(super) fn VariantGrid(
    product_id: i64,
    version: i64,
    variants: Vec<AdminVariant>,
    /// The product's pictures as `(id, label)`.
    pictures: Vec<(i64, String)>,
    currency: Currency,
    may_edit: bool,
) -> impl IntoView {
    view! {
        <section class="variants">
            <h2>"Variants"</h2>
            <form method="post" action=SaveVariants::PATH class="variant-grid">
                <fieldset disabled=!may_edit>
                    <input type="hidden" name="product_id" value=product_id />
                    <input type="hidden" name="version" value=version />
                    <GridCheck currency>
                        <table>
                            <thead><tr>
                                <th scope="col">"Variant"</th><th scope="col">"SKU"</th><th scope="col">"Price"</th>
                                <th scope="col">"Compare-at"</th><th scope="col">"Weight (g)"</th><th scope="col">"Barcode"</th>
                                <th scope="col">"Picture"</th><th scope="col">"Stock"</th>
                            </tr></thead>
                            <tbody>
                                {variants.into_iter().enumerate().map(|(i, v)| {
                                    let name = move |f: &str| format!("rows[{i}][{f}]");
                                    let title = if v.title.is_empty() { "Default".to_owned() } else { v.title.clone() };
                                    view! {
                                        <tr data-grid-row="">
                                            <th scope="row">{title}<input type="hidden" name=name("id") value=v.id /></th>
                                            <td><input type="text" name=name("sku") value=v.sku required maxlength="64" aria-label="SKU" /></td>
                                            <td><input type="text" name=name("price") value=v.price.decimal() required inputmode="decimal" maxlength="20" aria-label="Price" /></td>
                                            <td><input type="text" name=name("compare_at") value=v.compare_at.map(|c| c.decimal()).unwrap_or_default() inputmode="decimal" maxlength="20" aria-label="Compare-at price" /></td>
                                            <td><input type="number" name=name("weight_grams") value=v.weight_grams min="0" max="1000000" aria-label="Weight in grams" /></td>
                                            <td><input type="text" name=name("barcode") value=v.barcode maxlength="64" aria-label="Barcode" /></td>
                                            <td><select name=name("image") aria-label="Picture">
                                                <option value="">"The product's"</option>
                                                {pictures.iter().map(|(id, label)| {
                                                    let on = v.image_id == Some(*id);
                                                    view! { <option value=*id selected=on>{label.clone()}</option> }
                                                }).collect_view()}
                                            </select></td>
                                            <td>{v.stock}<p class="field-error" data-row-error="" aria-live="polite"></p></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </GridCheck>
                    <button type="submit">"Save variants"</button>
                </fieldset>
            </form>
        </section>
    }
}
