//! The map and the layering, checked against the source itself: every path ARCHITECTURE.md
//! names exists, imports only run down the layers (binary, `ui`, `api`, `server`, `model`),
//! the bounded contexts in `app/src/server` import each other without a cycle, `platform`
//! imports no context, and no source file outgrows one sitting.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files longer than this are split (data files excepted, below).
const MAX_LINES: usize = 500;
/// Data, not logic: the demo catalog's hand-written products and word lists.
const DATA_FILES: &[&str] = &["app/src/server/catalog/seed/data.rs"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// Every file and folder under `dir`, build output and installed packages left out.
fn paths_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if matches!(
                name.to_str(),
                Some("target" | "node_modules" | ".git" | ".duka")
            ) {
                continue;
            }
            if path.is_dir() {
                pending.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}

/// The Rust files under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    paths_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect()
}

/// `app/src/server/orders/pages.rs` → `["server", "orders", "pages"]`; `mod.rs` and `lib.rs`
/// name their folder's module.
fn module_of(file: &Path, src: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The paths a file names from the crate's root: `crate::a::b`, and `super::`/`self::`
/// paths resolved against the file's module, with `{a, b}` groups expanded one level.
fn paths_named(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let head = ["crate::", "super::", "self::"]
            .into_iter()
            .find(|h| rest.starts_with(h));
        let Some(head) = head.filter(|_| starts_word) else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let end = rest
            .find(|c: char| {
                !(c.is_alphanumeric()
                    || c == '_'
                    || c == ':'
                    || c == '{'
                    || c == '}'
                    || c == ','
                    || c == ' ')
            })
            .unwrap_or(rest.len());
        let path = &rest[..end];
        i += end.max(head.len());
        let mut base: Vec<String> = match head {
            "crate::" => Vec::new(),
            _ => module.to_vec(),
        };
        let mut segments = path.split("::").skip(1).peekable();
        if head == "super::" {
            base.pop();
            // `super::super::`
            while segments.peek() == Some(&"super") {
                segments.next();
                base.pop();
            }
        }
        let mut stem = base;
        for segment in segments {
            let segment = segment.trim();
            if let Some(group) = segment.strip_prefix('{') {
                for name in group.split(',') {
                    let name = name.trim().trim_end_matches('}').trim();
                    if !name.is_empty() && name != "self" {
                        let mut p = stem.clone();
                        p.push(name.to_owned());
                        found.push(p);
                    }
                }
                stem.clear();
                break;
            }
            if segment.is_empty() || !segment.chars().all(|c| c.is_alphanumeric() || c == '_') {
                break;
            }
            stem.push(segment.to_owned());
        }
        if !stem.is_empty() {
            found.push(stem);
        }
    }
    found
}

/// Which room a module path is in: the crate's top module, and for `server` its bounded
/// context (or `platform`).
fn room(path: &[String]) -> Option<String> {
    match path.first().map(String::as_str) {
        Some("server") => Some(match path.get(1) {
            Some(context) if context.chars().next().is_some_and(char::is_lowercase) => {
                format!("server::{context}")
            }
            _ => "server".to_owned(),
        }),
        Some(top @ ("model" | "api" | "ui")) => Some(top.to_owned()),
        _ => None,
    }
}

/// room → the rooms it imports, for `app/src`.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("app/src");
    let files = rust_files(&src);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(&file, &src);
        let Some(from) = room(&module) else { continue };
        let text = std::fs::read_to_string(&file).expect("reads a source file");
        // Test modules may reach anywhere; they are not part of the build.
        let text = text
            .split("#[cfg(test)]\nmod tests {")
            .next()
            .unwrap_or_default();
        let entry = graph.entry(from.clone()).or_default();
        for path in paths_named(text, &module) {
            if let Some(to) = room(&path).filter(|to| *to != from) {
                entry.insert(to);
            }
        }
    }
    graph
}

#[test]
fn imports_run_down_the_layers() {
    let graph = import_graph();
    let layer = |room: &str| match room.split("::").next() {
        Some("ui") => 3,
        Some("api") => 2,
        Some("server") => 1,
        _ => 0,
    };
    let mut upward = Vec::new();
    for (from, tos) in &graph {
        for to in tos {
            if layer(to) > layer(from) {
                upward.push(format!("{from} → {to}"));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports running up the layers: {upward:?}"
    );
    let platform = graph.get("server::platform").cloned().unwrap_or_default();
    let reaching: Vec<&String> = platform
        .iter()
        .filter(|to| to.starts_with("server::"))
        .collect();
    assert!(
        reaching.is_empty(),
        "platform must import no bounded context, but imports {reaching:?}"
    );
}

/// A cycle in `graph`, as the rooms along it, if there is one (depth-first search for a
/// back edge).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn bounded_contexts_import_each_other_without_a_cycle() {
    let graph = import_graph();
    let imports = |from: &str, to: &str| graph.get(from).is_some_and(|tos| tos.contains(to));
    // The money path stands on orders, and orders on neither.
    assert!(imports("server::checkout", "server::orders"), "{graph:?}");
    assert!(imports("server::payments", "server::orders"), "{graph:?}");
    assert!(!imports("server::orders", "server::payments"), "{graph:?}");
    assert!(!imports("server::orders", "server::checkout"), "{graph:?}");
    assert!(
        !imports("server::payments", "server::checkout"),
        "{graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!("an import cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_cycle_check_sees_a_cycle() {
    // The parser on a made-up pair of files: `orders` naming `payments` and back.
    let orders = paths_named(
        "use super::payments::{self, Payments};\nfn f() { crate::server::cart::x(); }",
        &["server".into(), "orders".into()],
    );
    let rooms: BTreeSet<String> = orders.iter().filter_map(|p| room(p)).collect();
    assert!(
        rooms.contains("server::payments") && rooms.contains("server::cart"),
        "{rooms:?}"
    );
    let nested = paths_named(
        "use super::super::checkout::place;",
        &["server".into(), "payments".into(), "intents".into()],
    );
    assert_eq!(room(&nested[0]).as_deref(), Some("server::checkout"));
    // The search on a made-up graph: checkout → orders → payments → checkout.
    let edge = |a: &str, b: &str| (a.to_owned(), BTreeSet::from([b.to_owned()]));
    let circle = BTreeMap::from([
        edge("checkout", "orders"),
        edge("orders", "payments"),
        edge("payments", "checkout"),
    ]);
    assert_eq!(
        find_cycle(&circle).map(|c| c.len()),
        Some(4),
        "{:?}",
        find_cycle(&circle)
    );
    let line = BTreeMap::from([edge("checkout", "orders"), edge("payments", "orders")]);
    assert_eq!(find_cycle(&line), None);
}

#[test]
fn no_source_file_outgrows_one_sitting() {
    let root = root();
    let mut long = Vec::new();
    for dir in ["app/src", "server/src", "frontend/src"] {
        for file in rust_files(&root.join(dir)) {
            let name = file
                .strip_prefix(&root)
                .expect("under the root")
                .to_string_lossy()
                .into_owned();
            let lines = std::fs::read_to_string(&file)
                .expect("reads")
                .lines()
                .count();
            if lines > MAX_LINES && !DATA_FILES.contains(&name.as_str()) {
                long.push(format!("{name}: {lines} lines"));
            }
        }
    }
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}

/// Every path of the repository (files and folders), relative to the root, `/`-separated.
fn repository_paths(root: &Path) -> Vec<String> {
    paths_under(root)
        .iter()
        .map(|p| {
            p.strip_prefix(root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

/// Every path in backticks in ARCHITECTURE.md that looks like a file or folder of ours (it
/// has a `/` or a known file ending) exists: from the root (`server/src/http.rs`), or, as the
/// map names files inside the folder it is describing, as the end of a path
/// (`checkout/place.rs`, `place.rs`). A `*` matches any part of a name.
#[test]
fn every_path_the_map_names_exists() {
    let root = root();
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let paths = repository_paths(&root);
    let matches = |candidate: &str, path: &str| -> bool {
        let tail_of = |p: &str| p == candidate || p.ends_with(&format!("/{candidate}"));
        match candidate.split_once('*') {
            None => tail_of(path),
            Some((before, after)) => {
                let name = path.rsplit('/').next().unwrap_or(path);
                let (dir, stem) = before.rsplit_once('/').unwrap_or(("", before));
                let in_dir = dir.is_empty() || path.starts_with(&format!("{dir}/"));
                in_dir && name.starts_with(stem) && name.ends_with(after)
            }
        }
    };
    let mut named = 0;
    let mut missing = Vec::new();
    for (i, chunk) in map.split('`').enumerate() {
        if i % 2 == 0 {
            continue; // outside backticks
        }
        let candidate = chunk.trim_end_matches('/');
        let looks_like_path = !candidate.contains(char::is_whitespace)
            && !candidate.contains("::")
            && !candidate.starts_with("http")
            && (candidate.contains('/')
                || [".rs", ".toml", ".sql", ".sh", ".md", ".css", ".ts", ".json"]
                    .iter()
                    .any(|e| candidate.ends_with(e)))
            && candidate
                .chars()
                .all(|c| c.is_alphanumeric() || "/._-*".contains(c));
        if !looks_like_path || candidate.starts_with('/') {
            continue; // a URL path such as `/admin/products`
        }
        named += 1;
        if !paths.iter().any(|p| matches(candidate, p)) {
            missing.push(candidate.to_owned());
        }
    }
    assert!(named >= 20, "the map names files ({named} found)");
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
    // The check itself: a name that is nowhere is reported.
    assert!(!paths.iter().any(|p| matches("checkout/nowhere.rs", p)));
}
