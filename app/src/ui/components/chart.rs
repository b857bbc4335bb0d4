//! A bar chart drawn on the server as SVG: bars scaled to the largest, each with its figure
//! as a tooltip (`<title>`, no script). The labels are HTML around it, so they stay readable
//! when the chart shrinks to a phone, and the figures are also a table for screen readers.

use crate::model::dashboard::Bar;
use crate::model::{Currency, Money};
use leptos::prelude::*;

const WIDTH: i64 = 600;
const HEIGHT: i64 = 160;

#[component]
pub fn BarChart(title: &'static str, bars: Vec<Bar>, currency: Currency) -> impl IntoView {
    let highest = bars.iter().map(|b| b.minor).max().unwrap_or(0);
    let top = highest.max(1);
    let slot = WIDTH / (bars.len() as i64).max(1);
    let gap = (slot / 5).max(1);
    let first = bars.first().map(|b| b.label.clone()).unwrap_or_default();
    let last = bars.last().map(|b| b.label.clone()).unwrap_or_default();
    let rects = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            // At least a hairline, so a day with sales never looks like one without.
            let h = if b.minor > 0 {
                (b.minor.saturating_mul(HEIGHT) / top).max(2)
            } else {
                0
            };
            let tip = format!("{}: {}", b.label, Money::new(b.minor, currency));
            view! {
                <rect x=i as i64 * slot + gap / 2 y=HEIGHT - h width=slot - gap height=h>
                    <title>{tip}</title>
                </rect>
            }
        })
        .collect_view();
    let rows = bars
        .into_iter()
        .map(|b| view! { <tr><td>{b.label}</td><td>{Money::new(b.minor, currency).to_string()}</td></tr> })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption>{title} <span class="chart-top">{format!("highest {}", Money::new(highest, currency))}</span></figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" aria-hidden="true">{rects}</svg>
            <p class="chart-ends"><span>{first}</span><span>{last}</span></p>
            <details>
                <summary>"As a table"</summary>
                <table><thead><tr><th>"When"</th><th>"Sales"</th></tr></thead><tbody>{rows}</tbody></table>
            </details>
        </figure>
    }
}
