//! The binary's integration tests, one binary: `http` drives the whole router in-process,
//! `crash` spawns the real `duka` and kills it at the worst moments of a checkout, `cluster`
//! runs three of them behind nginx.

// The app tests' fixtures, stock books and local Stripe server, shared rather than copied.
#[path = "../../../app/tests/it/support/mod.rs"]
mod support;

mod cluster;
mod crash;
mod http;
mod process;

/// A new directory under the system's temporary one, for one test's files: `what` names it,
/// `sub` is created inside.
fn scratch_dir(what: &str, sub: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "duka-{what}-{}-{}",
        std::process::id(),
        app::server::platform::error::new_reference()
    ));
    std::fs::create_dir_all(dir.join(sub)).expect("creates a scratch directory");
    dir
}

/// The `value` attribute of the input named `name` in a page.
fn input_value(body: &str, name: &str) -> String {
    let at = body
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no input {name}"));
    let tag_start = body[..at].rfind('<').expect("tag");
    let tag_end = at + body[at..].find('>').expect("tag end");
    let tag = &body[tag_start..tag_end];
    let v = tag.find("value=\"").expect("value") + 7;
    tag[v..v + tag[v..].find('"').expect("quote")].to_owned()
}
