//! The admin home's dashboard: each period's figures against the period before, sales by
//! day and by month, best sellers, orders waiting and low stock. Drawn on the server (the
//! charts are SVG); each part only for roles that may see it.

use crate::model::dashboard::{Compared, LowStock, SalesReport, TopSeller};
use crate::model::Money;
use crate::ui::components::chart::BarChart;
use leptos::prelude::*;

#[component]
pub fn SalesFigures(report: SalesReport) -> impl IntoView {
    let SalesReport {
        periods,
        daily,
        monthly,
        top_products,
        top_categories,
        currency,
    } = report;
    let money = move |minor: i64| Money::new(minor, currency).to_string();
    let count = |n: i64| n.to_string();
    view! {
        <h2>"Sales"</h2>
        <p class="help">"Orders confirmed or paid, on the day they were placed; refunds on the day they were made. Each against the period before."</p>
        <div class="periods">
            {periods.into_iter().map(|p| {
                let key = p.label.to_lowercase().replace(' ', "-");
                view! {
                    <section class="period" data-period=key>
                        <h3>{p.label}</h3>
                        <dl>
                            <Figure name="Sales" key="sales" value=p.sales show=money />
                            <Figure name="Orders" key="orders" value=p.orders show=count />
                            <Figure name="Average order" key="average" value=p.average show=money />
                            <Figure name="New customers" key="customers" value=p.customers show=count />
                            <Figure name="Refunds" key="refunds" value=p.refunds show=money />
                        </dl>
                    </section>
                }
            }).collect_view()}
        </div>
        <div class="charts">
            <BarChart title="Sales, last 30 days" bars=daily currency />
            <BarChart title="Sales, last 12 months" bars=monthly currency />
        </div>
        <div class="periods">
            <Sellers title="Top products, 30 days" sellers=top_products />
            <Sellers title="Top categories, 30 days" sellers=top_categories />
        </div>
    }
}

#[component]
fn Figure(
    name: &'static str,
    key: &'static str,
    value: Compared,
    show: impl Fn(i64) -> String + 'static,
) -> impl IntoView {
    let before = format!("before: {}", show(value.before));
    view! {
        <dt>{name}</dt>
        <dd data-figure=key>
            <strong>{show(value.now)}</strong>
            " "
            <small title=before>{value.change().unwrap_or_else(|| "new".to_owned())}</small>
        </dd>
    }
}

#[component]
fn Sellers(title: &'static str, sellers: Vec<TopSeller>) -> impl IntoView {
    view! {
        <section class="period">
            <h3>{title}</h3>
            {if sellers.is_empty() {
                view! { <p>"No sales yet."</p> }.into_any()
            } else {
                view! {
                    <ol>
                        {sellers.into_iter().map(|s| view! {
                            <li>{s.name} " · " {format!("{} sold", s.quantity)} " · " {s.sales.to_string()}</li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

/// Orders waiting, by status, each a link to the list filtered by it.
#[component]
pub fn Waiting(waiting: Vec<(String, String, i64)>) -> impl IntoView {
    view! {
        <h2>"Waiting to be packed or shipped"</h2>
        <ul class="waiting">
            {waiting.into_iter().map(|(status, label, n)| view! {
                <li><a href=format!("/admin/orders?status={status}")>{label}</a> ": " <strong>{n}</strong></li>
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn LowStockList(items: Vec<LowStock>) -> impl IntoView {
    view! {
        <h2>"Low stock"</h2>
        {if items.is_empty() {
            view! { <p>"Nothing is running low."</p> }.into_any()
        } else {
            view! {
                <ul class="waiting">
                    {items.into_iter().map(|i| view! {
                        <li><a href=i.href>{i.product}</a> " (" {i.sku} "): " <strong>{i.stock}</strong> " left"</li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}
