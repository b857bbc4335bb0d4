//! The stylesheet against the markup: every class a component puts on an element has a rule
//! in `style/`, and every class a rule names is put on some element. A class without a rule is
//! an unstyled element (the storefront's 84×21 px "Add to cart" button had one); a rule
//! without a class is dead weight every shopper downloads.
//!
//! Markup classes are read from `class="..."`, `class:name=` and (elements an island builds)
//! `set_class_name("...")` in `app/src`; stylesheet classes
//! from the selectors (not the declarations) of `style/*.css`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("a readable folder")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == extension) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn is_class_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The classes `source` (Rust with `view!` markup) puts on elements.
fn markup_classes(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for opening in ["class=\"", "set_class_name(\""] {
        for (at, _) in source.match_indices(opening) {
            let rest = &source[at + opening.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            out.extend(rest[..end].split_whitespace().map(str::to_owned));
        }
    }
    for (at, _) in source.match_indices("class:") {
        let name: String = source[at + 6..]
            .chars()
            .take_while(|c| is_class_char(*c))
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

/// The selectors of `css` (comments, declarations and at-rule preludes left out).
fn selectors(css: &str) -> Vec<String> {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    // The text before each `{` is a prelude; the text before each `}` is declarations.
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '{' => {
                let prelude = current.trim();
                if !prelude.starts_with('@') {
                    out.push(prelude.to_owned());
                }
                current.clear();
            }
            '}' | ';' => current.clear(),
            c => current.push(c),
        }
    }
    out
}

/// The classes a selector names (`.name`), outside attribute selectors and strings.
fn selector_classes(selector: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut chars = selector.chars().peekable();
    let mut in_brackets = false;
    while let Some(c) = chars.next() {
        match c {
            '[' => in_brackets = true,
            ']' => in_brackets = false,
            '.' if !in_brackets => {
                let mut name = String::new();
                while let Some(&next) = chars.peek() {
                    if !is_class_char(next) {
                        break;
                    }
                    name.push(next);
                    chars.next();
                }
                if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    out.insert(name);
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_class_in_the_markup_has_a_rule_and_every_rule_a_class() {
    let root = root();
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files(&root.join("app/src"), "rs") {
        let source = std::fs::read_to_string(&file).expect("a readable source file");
        let name = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for class in markup_classes(&source) {
            used.entry(class).or_default().insert(name.clone());
        }
    }
    let mut styled: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files(&root.join("style"), "css") {
        let css = std::fs::read_to_string(&file).expect("a readable stylesheet");
        let name = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for selector in selectors(&css) {
            for class in selector_classes(&selector) {
                styled.entry(class).or_default().insert(name.clone());
            }
        }
    }
    assert!(
        used.len() > 100,
        "read only {} classes from the markup",
        used.len()
    );
    assert!(
        styled.len() > 100,
        "read only {} classes from the stylesheet",
        styled.len()
    );
    let unstyled: Vec<String> = used
        .iter()
        .filter(|(class, _)| !styled.contains_key(*class))
        .map(|(class, files)| {
            format!(
                "{class} (in {})",
                files.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    let dead: Vec<String> = styled
        .iter()
        .filter(|(class, _)| !used.contains_key(*class))
        .map(|(class, files)| {
            format!(
                "{class} (in {})",
                files.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    assert!(
        unstyled.is_empty() && dead.is_empty(),
        "classes without a rule:\n  {}\nrules for classes no markup uses:\n  {}",
        unstyled.join("\n  "),
        dead.join("\n  ")
    );
}

#[test]
fn the_readers_find_classes_where_they_are_and_nowhere_else() {
    let markup = markup_classes(
        r#"<li class="product-card wide" class:sold-out=x><p class="">{"class=\"no"}</p></li> span.set_class_name("built");"#,
    );
    assert!(
        markup.contains("product-card")
            && markup.contains("wide")
            && markup.contains("sold-out")
            && markup.contains("built")
    );
    let css = "/* .commented */ .a > .b:hover, input[class=.x] { margin: .5rem; content: \".c\"; }\n@media (min-width: 40rem) { .d .e { color: red } }";
    let classes: BTreeSet<String> = selectors(css)
        .iter()
        .flat_map(|s| selector_classes(s))
        .collect();
    assert_eq!(
        classes.into_iter().collect::<Vec<_>>(),
        ["a", "b", "d", "e"]
    );
}
