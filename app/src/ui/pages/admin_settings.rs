//! `/admin/settings` (the shop's details), `/admin/settings/delivery` (zones and VAT) and
//! `/admin/settings/zones/{id}` (a zone and its rates). Plain forms, each saved over the
//! version it was opened at; no island, so no admin code reaches shoppers.

use super::skeleton::{editor_id, staff_loaded, staff_record};
use crate::api::settings::{
    get_delivery, get_shop_settings, get_zone_editor, DeleteRate, DeleteTax, DeleteZone, SaveRate,
    SaveShopSettings, SaveTax, SaveZone,
};
use crate::model::country::{COUNTRIES, REGIONS};
use crate::model::delivery::{DeliveryPage, RateForm, TaxRow, ZoneEditor};
use crate::model::shop::ShopEditor;
use crate::model::{Currency, ImageFormat, ProductImage};
use crate::ui::components::form::{query, FormError, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Where the logo is uploaded (a multipart `POST`, field `logo`; none takes it away).
pub const LOGO_PATH: &str = "/admin/settings/logo";

fn notice(text: Option<String>) -> impl IntoView {
    text.map(|text| view! { <p class="form-notice" role="status">{text}</p> })
}

fn settings_nav() -> impl IntoView {
    view! {
        <p class="admin-tabs">
            <a href="/admin/settings">"Shop"</a> " · "
            <a href="/admin/settings/delivery">"Delivery and VAT"</a>
        </p>
    }
}

#[component]
pub fn ShopSettingsPage() -> impl IntoView {
    view! {
        <Private title="Settings" />
        {staff_loaded(get_shop_settings(), |editor| view! { <ShopForm editor /> })}
    }
}

#[component]
fn ShopForm(editor: ShopEditor) -> impl IntoView {
    let ShopEditor {
        settings,
        updated,
        currency_locked,
    } = editor;
    let form = settings.form();
    let done = query("done").map(|d| match d.as_str() {
        "logo" => "Logo saved: every page shows it now.".to_owned(),
        _ => "Settings saved: they apply to every page and checkout from now on.".to_owned(),
    });
    let logo = settings.logo_key.clone().zip(settings.logo_size).map(|(key, (width, height))| {
        let image = ProductImage { key, alt: "The shop's logo".into(), width, height };
        view! { <img class="logo-preview" src=image.src(320, ImageFormat::Webp) alt=image.alt.clone() width=width height=height /> }
    });
    view! {
        <section class="admin">
            <h1>"Settings"</h1>
            {settings_nav()}
            {updated.map(|(who, at)| view! { <p>{format!("Last changed by {who} at {at}.")}</p> })}
            {notice(done)}
            {query("refused").map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            <FormError />
            <form method="post" action=SaveShopSettings::PATH class="settings-form">
                <input type="hidden" name="shop[version]" value=form.version />
                <fieldset>
                    <legend>"The shop"</legend>
                    <label>"Name" <input type="text" name="shop[name]" required maxlength="120" value=form.name /></label>
                    <label>"Email for customers" <input type="email" name="shop[email]" maxlength="254" value=form.email /></label>
                    <label>"Phone" <input type="tel" name="shop[phone]" maxlength="40" value=form.phone /></label>
                    <label>"Address (printed on invoices)" <textarea name="shop[address]" rows="3" maxlength="300">{form.address}</textarea></label>
                    <label>"Tax registration number (TRN, TPIN), printed on invoices" <input type="text" name="shop[tax_number]" maxlength="40" value=form.tax_number /></label>
                </fieldset>
                <fieldset>
                    <legend>"Prices and orders"</legend>
                    <label>"Currency"
                        <select name="shop[currency]" disabled=currency_locked.is_some()>
                            {Currency::ALL.map(|c| view! { <option value=c.code() selected=c.code() == form.currency>{c.code()}</option> }).collect_view()}
                        </select>
                    </label>
                    {currency_locked.map(|why| view! {
                        <input type="hidden" name="shop[currency]" value=form.currency.clone() />
                        <p class="hint">{format!("Fixed: {why}.")}</p>
                    })}
                    <label class="check"><input type="checkbox" name="shop[prices_include_tax]" checked=!form.prices_include_tax.is_empty() />
                        " Prices include VAT"</label>
                    <label>"Minutes an unpaid card order waits before it is cancelled (5 to 10080)"
                        <input type="number" name="shop[unpaid_order_minutes]" min="5" max="10080" required value=form.unpaid_order_minutes /></label>
                    <label>"Stock counts as low at or below"
                        <input type="number" name="shop[low_stock_threshold]" min="0" max="100000" required value=form.low_stock_threshold /></label>
                </fieldset>
                <button type="submit">"Save settings"</button>
            </form>
            <h2>"Logo"</h2>
            {logo}
            <form method="post" action=LOGO_PATH enctype="multipart/form-data" class="upload">
                <label>"A PNG, JPEG or WebP picture, at most 20 MB" <input type="file" name="logo" accept="image/png,image/jpeg,image/webp" /></label>
                <button type="submit" class="secondary">"Upload logo"</button>
            </form>
            {settings.logo_key.is_some().then(|| view! {
                <form method="post" action=format!("{LOGO_PATH}?remove=1") enctype="multipart/form-data">
                    <button type="submit" class="danger">"Remove the logo"</button>
                </form>
            })}
        </section>
    }
}

#[component]
pub fn DeliverySettingsPage() -> impl IntoView {
    view! {
        <Private title="Delivery and VAT" />
        {staff_loaded(get_delivery(), |page| view! { <Delivery page /> })}
    }
}

#[component]
fn Delivery(page: DeliveryPage) -> impl IntoView {
    let done = query("done").and_then(|d| match d.as_str() {
        "zone_deleted" => Some("Zone deleted with its rates.".to_owned()),
        "tax" => Some(format!(
            "VAT for {} saved.",
            query("country").unwrap_or_default()
        )),
        "tax_removed" => Some("VAT rate removed: that country now pays none.".to_owned()),
        _ => None,
    });
    view! {
        <section class="admin">
            <h1>"Delivery and VAT"</h1>
            {settings_nav()}
            {notice(done)}
            <FormError />
            <h2>"Delivery zones"</h2>
            <p>"An address is delivered in the zone of its emirate or province if one names it, else in its country's zone. "
                <a href="/admin/settings/zones/new">"New zone"</a></p>
            {if page.zones.is_empty() {
                view! { <p>"No zones yet: shoppers cannot check out until one delivers to them."</p> }.into_any()
            } else {
                view! {
                    <table class="stack">
                        <thead><tr><th>"Zone"</th><th>"Delivers to"</th><th>"Rates"</th></tr></thead>
                        <tbody>
                            {page.zones.into_iter().map(|z| view! {
                                <tr>
                                    <td data-label="Zone"><a href=format!("/admin/settings/zones/{}", z.id)>{z.name}</a></td>
                                    <td data-label="Delivers to">{z.areas}</td>
                                    <td data-label="Rates">{if z.rates.is_empty() { "none yet".to_owned() } else { z.rates.join("; ") }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h2 id="vat">"VAT by country"</h2>
            <p>"A country without a rate pays no VAT."</p>
            <VatTable taxes=page.taxes />
        </section>
    }
}

#[component]
fn VatTable(taxes: Vec<TaxRow>) -> impl IntoView {
    let percent = |bp: i32| crate::model::coupon::percent_text(i64::from(bp));
    view! {
        <table class="stack">
            <thead><tr><th>"Country"</th><th>"Rate"</th><th>"Remove"</th></tr></thead>
            <tbody>
                {taxes.into_iter().map(|t| view! {
                    <tr>
                        <td data-label="Country">{t.country_name.clone()}</td>
                        <td data-label="Rate">
                            <form method="post" action=SaveTax::PATH class="inline">
                                <input type="hidden" name="tax[version]" value=t.version />
                                <input type="hidden" name="tax[country]" value=t.country.clone() />
                                <input type="text" name="tax[rate]" inputmode="decimal" size="6" required
                                    value=percent(t.rate_bp).trim_end_matches(" %").to_owned() aria-label=format!("VAT rate for {} in percent", t.country_name) />
                                " % "
                                <button type="submit" class="secondary">"Save"</button>
                            </form>
                        </td>
                        <td data-label="Remove">
                            <form method="post" action=DeleteTax::PATH class="inline">
                                <input type="hidden" name="country" value=t.country.clone() />
                                <input type="hidden" name="version" value=t.version />
                                <button type="submit" class="danger">"Remove"</button>
                            </form>
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <form method="post" action=SaveTax::PATH class="inline">
            <input type="hidden" name="tax[version]" value="0" />
            <label>"Country"
                <select name="tax[country]" required>
                    <option value="">"Choose…"</option>
                    {COUNTRIES.iter().map(|(code, name)| view! { <option value=*code>{*name}</option> }).collect_view()}
                </select>
            </label>
            <label>"Rate (%)" <input type="text" name="tax[rate]" inputmode="decimal" size="6" required /></label>
            <button type="submit">"Add VAT rate"</button>
        </form>
    }
}

#[component]
pub fn ZoneEditorPage() -> impl IntoView {
    view! {
        <Private title="Delivery zone" />
        {staff_record(editor_id(), get_zone_editor, |editor| view! { <Zone editor /> })}
    }
}

#[component]
fn Zone(editor: ZoneEditor) -> impl IntoView {
    let ZoneEditor {
        id,
        form,
        rates,
        currency,
        updated,
    } = editor;
    let done = query("done").and_then(|d| match d.as_str() {
        "zone" => Some(format!("Zone {} saved.", form.name)),
        "rate" => Some("Rate saved: checkout offers it from now on.".to_owned()),
        "rate_deleted" => Some("Rate deleted.".to_owned()),
        _ => None,
    });
    let regions: Vec<String> = REGIONS
        .iter()
        .map(|(c, r)| {
            format!(
                "{c}: {}",
                r.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    view! {
        <section class="admin">
            <h1>{if id.is_some() { format!("Zone {}", form.name) } else { "New zone".to_owned() }}</h1>
            <p><a href="/admin/settings/delivery">"All zones"</a>
                {updated.map(|(who, at)| format!(" · last changed by {who} at {at}"))}</p>
            {notice(done)}
            <FormError />
            <form method="post" action=SaveZone::PATH class="settings-form">
                {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                <input type="hidden" name="zone[version]" value=form.version />
                <label>"Name" <input type="text" name="zone[name]" required maxlength="120" value=form.name.clone() /></label>
                <label>"Delivers to: one country per line (code or English name), with some of its emirates or provinces after a colon if it does not cover all of it"
                    <textarea name="zone[areas]" rows="5" required placeholder="AE: Dubai, Sharjah\nOM">{form.areas.clone()}</textarea></label>
                <p class="hint">"Regions that may be named: " {regions.join(" · ")}</p>
                <button type="submit">{if id.is_some() { "Save zone" } else { "Create zone" }}</button>
            </form>
            {id.map(|zone_id| view! {
                <h2>"Rates"</h2>
                {rates.into_iter().map(|r| view! {
                    <details class="rate">
                        <summary>{r.summary}</summary>
                        <RateFields zone_id id=Some(r.id) form=r.form.clone() currency />
                        <form method="post" action=DeleteRate::PATH>
                            <input type="hidden" name="zone_id" value=zone_id />
                            <input type="hidden" name="id" value=r.id />
                            <input type="hidden" name="version" value=r.form.version />
                            <button type="submit" class="danger">"Delete this rate"</button>
                        </form>
                    </details>
                }).collect_view()}
                <h3>"New rate"</h3>
                <RateFields zone_id id=None form=RateForm { active: "on".into(), ..Default::default() } currency />
                <form method="post" action=DeleteZone::PATH class="danger-zone">
                    <input type="hidden" name="id" value=zone_id />
                    <input type="hidden" name="version" value=form.version />
                    <label class="check"><input type="checkbox" required />
                        {format!(" Delete zone {} and its rates", form.name)}</label>
                    <button type="submit" class="danger">"Delete zone"</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn RateFields(zone_id: i64, id: Option<i64>, form: RateForm, currency: Currency) -> impl IntoView {
    let code = currency.code();
    view! {
        <form method="post" action=SaveRate::PATH class="settings-form">
            <input type="hidden" name="zone_id" value=zone_id />
            {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
            <input type="hidden" name="rate[version]" value=form.version />
            <label>"Name shoppers see" <input type="text" name="rate[name]" required maxlength="120" value=form.name /></label>
            <label>{format!("Price ({code}), for a flat rate")} <input type="text" name="rate[price]" inputmode="decimal" value=form.price /></label>
            <label>"Or by weight: one band per line, up to a weight in kg and its price (e.g. 1 kg: 15.00); heavier carts are not offered the rate"
                <textarea name="rate[bands]" rows="3">{form.bands}</textarea></label>
            <label>{format!("Free from an order of ({code}), empty for never")} <input type="text" name="rate[free_above]" inputmode="decimal" value=form.free_above /></label>
            <label class="check"><input type="checkbox" name="rate[cash_on_delivery]" checked=!form.cash_on_delivery.is_empty() /> " Cash on delivery offered"</label>
            <label>{format!("Cash-on-delivery fee ({code}), empty for none")} <input type="text" name="rate[cod_fee]" inputmode="decimal" value=form.cod_fee /></label>
            <label class="check"><input type="checkbox" name="rate[active]" checked=!form.active.is_empty() /> " Offered at checkout"</label>
            <label>"Order among the zone's rates" <input type="number" name="rate[position]" min="0" max="1000" value=form.position /></label>
            <button type="submit">{if id.is_some() { "Save rate" } else { "Add rate" }}</button>
        </form>
    }
}
