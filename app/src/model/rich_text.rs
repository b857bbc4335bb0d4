//! Product and category descriptions: a small, safe rich-text format.
//!
//! Paragraphs are separated by blank lines, a paragraph starting with `## ` is a heading,
//! lines starting with `- ` make a bulleted list, and `**text**` is emphasised. It is parsed into structure and rendered as elements and text
//! nodes, never as HTML, so nothing in a description can inject markup or script.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    Heading(String),
    Paragraph(Vec<Inline>),
    List(Vec<Vec<Inline>>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Inline {
    Text(String),
    Strong(String),
}

/// Parses a description. Never fails: anything it does not recognise is text.
pub fn parse(source: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    for chunk in source.replace("\r\n", "\n").split("\n\n") {
        let lines: Vec<&str> = chunk
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            continue;
        }
        if let Some(heading) = lines[0].strip_prefix("## ") {
            blocks.push(Block::Heading(heading.trim().to_owned()));
            if lines.len() > 1 {
                blocks.push(Block::Paragraph(inline(&lines[1..].join(" "))));
            }
        } else if lines.iter().all(|l| l.starts_with("- ")) {
            blocks.push(Block::List(lines.iter().map(|l| inline(&l[2..])).collect()));
        } else {
            blocks.push(Block::Paragraph(inline(&lines.join(" "))));
        }
    }
    blocks
}

fn inline(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("**") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("**") else { break };
        if start > 0 {
            out.push(Inline::Text(rest[..start].to_owned()));
        }
        if end > 0 {
            out.push(Inline::Strong(after[..end].to_owned()));
        }
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Inline::Text(rest.to_owned()));
    }
    out
}

/// The description as plain text (for meta descriptions and structured data).
pub fn plain(source: &str) -> String {
    let mut out = Vec::new();
    for block in parse(source) {
        let items = match block {
            Block::Heading(text) => vec![vec![Inline::Text(text)]],
            Block::Paragraph(inlines) => vec![inlines],
            Block::List(items) => items,
        };
        for inlines in items {
            let text: String = inlines
                .into_iter()
                .map(|i| match i {
                    Inline::Text(t) | Inline::Strong(t) => t,
                })
                .collect();
            out.push(text);
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_lists_and_emphasis() {
        let blocks =
            parse("Soft **linen**, cut\nfor heat.\n\n- Machine wash\n- Made in Lusaka\n\n\n");
        assert_eq!(
            blocks,
            vec![
                Block::Paragraph(vec![
                    Inline::Text("Soft ".into()),
                    Inline::Strong("linen".into()),
                    Inline::Text(", cut for heat.".into()),
                ]),
                Block::List(vec![
                    vec![Inline::Text("Machine wash".into())],
                    vec![Inline::Text("Made in Lusaka".into())]
                ]),
            ]
        );
    }

    #[test]
    fn markup_stays_text() {
        let blocks = parse("<script>alert(1)</script> **<b>x</b>** unclosed **tag");
        assert_eq!(
            blocks,
            vec![Block::Paragraph(vec![
                Inline::Text("<script>alert(1)</script> ".into()),
                Inline::Strong("<b>x</b>".into()),
                Inline::Text(" unclosed **tag".into()),
            ])]
        );
        assert_eq!(plain("A **b**\n\n- c"), "A b c");
        assert_eq!(
            parse("## Returns\nWithin 14 days."),
            vec![
                Block::Heading("Returns".into()),
                Block::Paragraph(vec![Inline::Text("Within 14 days.".into())]),
            ]
        );
        assert!(parse("").is_empty());
    }
}
