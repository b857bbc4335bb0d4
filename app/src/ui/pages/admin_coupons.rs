//! `/admin/coupons`, `/admin/coupons/new` and `/admin/coupons/{id}`: the coupons list, and
//! one coupon's form (saved over the version it was opened at), its report of uses, and
//! pausing, activating or deleting it. Plain forms, no island: no admin code reaches shoppers.

use super::skeleton::{editor_id, staff_loaded, staff_record};
use crate::api::promotions::{
    get_coupon_editor, get_coupons, DeleteCoupon, SaveCoupon, SetCouponActive,
};
use crate::model::coupon::{CouponEditor, CouponKind, CouponPage, CouponRow, CouponState};
use crate::ui::components::form::{query, FormError, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn AdminCouponsPage() -> impl IntoView {
    let deleted = query("deleted");
    let q = query("q").filter(|q| !q.trim().is_empty());
    let before = query("before").and_then(|b| b.parse().ok());
    let shown = q.clone().unwrap_or_default();
    view! {
        <Private title="Coupons" />
        <section class="admin">
            <h1>"Coupons"</h1>
            <p><a href="/admin">"Admin"</a> " · " <a href="/admin/coupons/new">"New coupon"</a></p>
            {deleted.map(|code| view! {
                <p class="form-notice" role="status">{format!("Coupon {code} deleted.")}</p>
            })}
            <FormError />
            <form method="get" action="/admin/coupons" class="filters" role="search">
                <label>"Code starts with" <input type="search" name="q" value=shown maxlength="40" /></label>
                <button type="submit">"Search"</button>
            </form>
            {staff_loaded(get_coupons(q.clone(), before), move |page| view! { <CouponList page q /> })}
        </section>
    }
}

#[component]
fn CouponList(page: CouponPage, q: Option<String>) -> impl IntoView {
    let next = page.next.map(|id| match &q {
        Some(q) => format!(
            "/admin/coupons?q={}&before={id}",
            crate::model::encode_component(q)
        ),
        None => format!("/admin/coupons?before={id}"),
    });
    let empty = match (page.rows.is_empty(), &q) {
        (false, _) => None,
        (true, Some(_)) => Some("No coupon code starts with that."),
        (true, None) => Some("No coupons yet."),
    };
    let rows = (!page.rows.is_empty()).then_some(page.rows);
    view! {
        {empty.map(|text| view! { <p>{text}</p> })}
        {rows.map(|coupons| view! { <CouponTable coupons /> })}
        {next.map(|href| view! { <p><a href=href rel="next">"Older coupons"</a></p> })}
    }
}

#[component]
fn CouponTable(coupons: Vec<CouponRow>) -> impl IntoView {
    view! {
        <table class="stack">
            <thead><tr>
                <th>"Code"</th><th>"Offer"</th><th>"Status"</th><th>"Uses"</th>
                <th>"Discount given"</th><th>"Dates"</th>
            </tr></thead>
            <tbody>
                {coupons.into_iter().map(|c| view! {
                    <tr>
                        <td data-label="Code"><a href=format!("/admin/coupons/{}", c.id)>{c.code}</a></td>
                        <td data-label="Offer">{c.offer}</td>
                        <td data-label="Status"><State state=c.state /></td>
                        <td data-label="Uses">{uses_text(c.uses, c.max_uses)}</td>
                        <td data-label="Discount given">{c.given.to_string()}</td>
                        <td data-label="Dates">{c.dates}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

fn uses_text(uses: i32, max: Option<i32>) -> String {
    match max {
        Some(max) => format!("{uses} of {max}"),
        None => uses.to_string(),
    }
}

#[component]
fn State(state: CouponState) -> impl IntoView {
    let live = state == CouponState::Active;
    view! { <span class="coupon-state" class:live=live>{state.label()}</span> }
}

#[component]
pub fn CouponEditorPage() -> impl IntoView {
    view! {
        <Private title="Coupon" />
        {staff_record(editor_id(), get_coupon_editor, |editor| view! { <Editor editor /> })}
    }
}

/// What the last form on this page did.
fn done_message(code: &str) -> Option<String> {
    let text = match query("done")?.as_str() {
        "saved" => format!("Coupon {code} saved."),
        "paused" => format!("Coupon {code} paused: checkout refuses it until it is activated."),
        "activated" => format!("Coupon {code} activated."),
        _ => return None,
    };
    Some(text)
}

#[component]
fn Editor(editor: CouponEditor) -> impl IntoView {
    let CouponEditor {
        id,
        form,
        row,
        categories,
        uses,
        orders_total,
        currency,
        updated,
    } = editor;
    let title = if id.is_some() {
        format!("Coupon {}", form.code)
    } else {
        "New coupon".to_owned()
    };
    let done = done_message(&form.code);
    let kinds = CouponKind::ALL.map(|k| (k.as_str(), k.label(), k.as_str() == form.kind));
    let code = currency.code();
    view! {
        <section class="admin">
            <h1>{title}</h1>
            <p>
                <a href="/admin/coupons">"All coupons"</a>
                {updated.map(|(who, at)| format!(" · last changed by {who} at {at}"))}
            </p>
            {done.map(|text| view! { <p class="form-notice" role="status">{text}</p> })}
            <FormError />
            {row.clone().map(|row| view! { <Report row uses orders_total /> })}
            <form method="post" action=SaveCoupon::PATH>
                {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                <input type="hidden" name="coupon[version]" value=form.version />
                <label>"Code" <input type="text" name="coupon[code]" required maxlength="40"
                    value=form.code.clone() autocomplete="off" pattern="[A-Za-z0-9_\\-]{2,40}" /></label>
                <label>"Takes off"
                    <select name="coupon[kind]">
                        {kinds.into_iter().map(|(value, label, on)| view! {
                            <option value=value selected=on>{label}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{format!("Percentage (e.g. 10) or amount in {code}; empty for free delivery")}
                    <input type="text" name="coupon[value]" inputmode="decimal" maxlength="20" value=form.value /></label>
                <label>{format!("Minimum order ({code}), empty for none")}
                    <input type="text" name="coupon[min_subtotal]" inputmode="decimal" maxlength="20" value=form.min_subtotal /></label>
                <label>"Starts (shop time), empty for now"
                    <input type="datetime-local" name="coupon[starts_at]" value=form.starts_at /></label>
                <label>"Ends (shop time), empty for never"
                    <input type="datetime-local" name="coupon[ends_at]" value=form.ends_at /></label>
                <label>"Uses in all, empty for no limit"
                    <input type="number" name="coupon[max_uses]" min="1" value=form.max_uses /></label>
                <label>"Uses per customer, empty for no limit"
                    <input type="number" name="coupon[max_uses_per_customer]" min="1" value=form.max_uses_per_customer /></label>
                <label>"Only these products (address or SKU, one per line); empty with no category ticked: the whole order"
                    <textarea name="coupon[products]" rows="3" maxlength="20000">{form.products}</textarea></label>
                <fieldset class="categories">
                    <legend>"Only these categories (and those below them)"</legend>
                    {categories.into_iter().map(|(cid, path)| {
                        let on = form.categories.contains(&cid);
                        view! { <label class="check"><input type="checkbox" name="coupon[categories][]" value=cid checked=on /> {path}</label> }
                    }).collect_view()}
                </fieldset>
                <button type="submit">{if id.is_some() { "Save coupon" } else { "Create coupon" }}</button>
            </form>
            {id.zip(row).map(|(id, row)| view! { <Actions id version=form.version row /> })}
        </section>
    }
}

/// Its standing and what it has given, then every order holding it.
#[component]
fn Report(
    row: CouponRow,
    uses: Vec<crate::model::coupon::CouponUseView>,
    orders_total: crate::model::Money,
) -> impl IntoView {
    let latest = (row.uses as usize > uses.len())
        .then(|| format!("The latest {} of {} orders.", uses.len(), row.uses));
    view! {
        <dl class="coupon-report">
            <dt>"Offer"</dt><dd>{row.offer}</dd>
            <dt>"Status"</dt><dd><State state=row.state /></dd>
            <dt>"Uses"</dt><dd>{uses_text(row.uses, row.max_uses)}</dd>
            <dt>"Discount given"</dt><dd>{row.given.to_string()}</dd>
            <dt>"Orders' value"</dt><dd>{orders_total.to_string()}</dd>
        </dl>
        {(!uses.is_empty()).then(|| view! {
            <h2>"Orders using it"</h2>
            {latest.map(|text| view! { <p>{text}</p> })}
            <table class="stack">
                <thead><tr><th>"Order"</th><th>"When"</th><th>"Customer"</th><th>"Discount"</th><th>"Delivery waived"</th><th>"Total"</th></tr></thead>
                <tbody>
                    {uses.into_iter().map(|u| view! {
                        <tr>
                            <td data-label="Order"><a href=format!("/admin/orders/{}", u.number)>{u.number}</a></td>
                            <td data-label="When">{u.at}</td>
                            <td data-label="Customer">{u.customer}</td>
                            <td data-label="Discount">{u.discount.to_string()}</td>
                            <td data-label="Delivery waived">{u.shipping_waived.to_string()}</td>
                            <td data-label="Total">{u.total.to_string()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}

/// Pause or activate; delete while no order has used it (asks to be confirmed).
#[component]
fn Actions(id: i64, version: i32, row: CouponRow) -> impl IntoView {
    let paused = row.state == CouponState::Paused;
    view! {
        <div class="coupon-actions">
            <form method="post" action=SetCouponActive::PATH class="inline">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="version" value=version />
                <input type="hidden" name="active" value=if paused { "true" } else { "false" } />
                <button type="submit" class="secondary">{if paused { "Activate" } else { "Pause" }}</button>
            </form>
            {(!row.ever_used).then(|| view! {
                <form method="post" action=DeleteCoupon::PATH>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="version" value=version />
                    <label class="check"><input type="checkbox" required />
                        {format!(" Delete coupon {} for good", row.code)}</label>
                    <button type="submit" class="danger">"Delete"</button>
                </form>
            })}
        </div>
    }
}
