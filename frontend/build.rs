//! Keeps the linker from merging the WASM's data into one segment.
//!
//! `cargo leptos build --split` moves each lazy island's code and data into its own file. In
//! an optimised build wasm-ld merges the data of the whole program into one segment (and
//! tail-merges strings across it); when the splitter cannot lay that segment out per module
//! it leaves all of it in the main file, which every storefront page loads. Whether that
//! happens flips with unrelated changes anywhere in the app (the admin's data landed in the
//! storefront's bundle: 48 -> 63 KB brotli). Separate segments split every time, at the
//! cost of a little padding. cargo-leptos#679 describes the same.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch.starts_with("wasm")) {
        println!("cargo:rustc-link-arg-cdylib=--no-merge-data-segments");
    }
}
