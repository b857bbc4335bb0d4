use crate::model::rich_text::{parse, Block, Inline};
use leptos::prelude::*;

/// Renders a description as elements and text nodes (never as HTML).
#[component]
pub fn RichText(source: String) -> impl IntoView {
    let inlines = |items: Vec<Inline>| {
        items
            .into_iter()
            .map(|i| match i {
                Inline::Text(t) => t.into_any(),
                Inline::Strong(t) => view! { <strong>{t}</strong> }.into_any(),
            })
            .collect_view()
    };
    parse(&source)
        .into_iter()
        .map(|block| match block {
            Block::Heading(text) => view! { <h2>{text}</h2> }.into_any(),
            Block::Paragraph(items) => view! { <p>{inlines(items)}</p> }.into_any(),
            Block::List(entries) => view! {
                <ul>{entries.into_iter().map(|items| view! { <li>{inlines(items)}</li> }).collect_view()}</ul>
            }
            .into_any(),
        })
        .collect_view()
}
