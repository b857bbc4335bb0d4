//! `/admin/orders/{number}/invoice` and `/admin/orders/{number}/packing-slip`: documents to
//! print (the print stylesheet drops the site's header and footer). The invoice carries the
//! number given when the order was paid (gapless, migration 35), the shop's tax registration
//! number and the VAT at the order's rate; the slip lists what goes in the parcel, no prices.

use super::super::order::number_param;
use super::super::ErrorPage;
use crate::api::admin::get_order_document;
use crate::model::{AppError, Money, OrderView, Seller};
use crate::ui::components::form::{send_to, Private};
use crate::ui::components::order_parts::{item_title, percent, Totals};
use leptos::prelude::*;

/// Loads the order and its seller, then draws `document` with them.
fn with_document<V: IntoView + 'static>(
    title: &'static str,
    document: fn(OrderView, Seller) -> V,
) -> impl IntoView {
    let number = number_param();
    view! {
        <Private title=title />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                let Some(number) = number else {
                    return view! { <ErrorPage error=AppError::NotFound /> }.into_any();
                };
                match crate::ui::pages::apart(get_order_document(number)).await {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok((order, seller)) => view! {
                        <article class="document">
                            <p class="print-actions">
                                <a href=format!("/admin/orders/{}", order.number)>"Back to the order"</a>
                                " · Print this page from your browser (Ctrl+P)."
                            </p>
                            {document(order, seller)}
                        </article>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SellerBlock(seller: Seller) -> impl IntoView {
    view! {
        <address>
            <strong>{seller.name}</strong><br />
            {seller.address.map(|a| view! { {a} <br /> })}
            {seller.tax_number.map(|t| format!("Tax registration number: {t}"))}
        </address>
    }
}

#[component]
pub fn InvoicePage() -> impl IntoView {
    with_document("Invoice", |order, seller| {
        let Some((invoice, date)) = order.invoice.clone() else {
            return view! {
                <h1>{format!("Order {}", order.number)}</h1>
                <p>"This order is not paid yet, so it has no invoice. It gets one, numbered in turn, when its payment is recorded."</p>
            }
            .into_any();
        };
        let title = if seller.tax_number.is_some() {
            "Tax invoice"
        } else {
            "Invoice"
        };
        let quote = order.quote.clone();
        let rate = percent(quote.tax_rate_bp);
        let taxable = Money::new(quote.total.minor - quote.tax.minor, quote.total.currency);
        view! {
            <h1>{format!("{title} {invoice}")}</h1>
            <SellerBlock seller />
            <dl class="totals">
                <dt>"Invoice number"</dt><dd>{invoice}</dd>
                <dt>"Date"</dt><dd>{date}</dd>
                <dt>"Order"</dt><dd>{order.number} " · placed " {order.placed_at.clone()}</dd>
                <dt>"Paid by"</dt><dd>{order.payment_method.label()}</dd>
            </dl>
            <h2>"Bill to"</h2>
            <address>{order.email.clone()} <br />
                {order.address_lines.iter().map(|l| view! { {l.clone()} <br /> }).collect_view()}</address>
            <table class="lines">
                <thead><tr><th scope="col">"Item"</th><th scope="col">"Quantity"</th><th scope="col">"Unit price"</th><th scope="col">"Total"</th></tr></thead>
                <tbody>
                    {order.lines.iter().map(|l| view! {
                        <tr><td>{item_title(&l.product_name, &l.variant_title)} " (" {l.sku.clone()} ")"</td>
                            <td>{l.quantity}</td><td>{l.unit_price.to_string()}</td><td>{l.line_total.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <Totals quote />
            <h2>"VAT"</h2>
            <table class="lines">
                <thead><tr><th scope="col">"Rate"</th><th scope="col">"Taxable amount"</th><th scope="col">"VAT"</th></tr></thead>
                <tbody><tr><td>{format!("{rate}%")}</td><td>{taxable.to_string()}</td><td>{order.quote.tax.to_string()}</td></tr></tbody>
            </table>
            {(order.refunded.minor > 0).then(|| view! {
                <p>"Refunded since: " {order.refunded.to_string()} " (a credit note is issued for refunds)."</p>
            })}
        }
        .into_any()
    })
}

#[component]
pub fn PackingSlipPage() -> impl IntoView {
    with_document("Packing slip", |order, seller| {
        view! {
            <h1>{format!("Packing slip · order {}", order.number)}</h1>
            <SellerBlock seller />
            <h2>"Deliver to"</h2>
            <address>{order.address_lines.iter().map(|l| view! { {l.clone()} <br /> }).collect_view()}</address>
            <p>{order.shipping_method.clone()} " · placed " {order.placed_at.clone()} " · " {order.payment_method.label()}</p>
            <table class="lines">
                <thead><tr><th scope="col">"Item"</th><th scope="col">"SKU"</th><th scope="col">"Quantity"</th><th scope="col">"Packed"</th></tr></thead>
                <tbody>
                    {order.lines.iter().map(|l| view! {
                        <tr><td>{item_title(&l.product_name, &l.variant_title)}</td><td>{l.sku.clone()}</td>
                            <td>{l.quantity}</td><td>"☐"</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    })
}
