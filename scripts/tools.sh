#!/usr/bin/env bash
# Installs what building and testing Duka needs, once, and reuses it after.
#
#   scripts/tools.sh            build tools: wasm32 target, cargo-leptos, wasm-bindgen, wasm-opt
#   scripts/tools.sh --browser  also Chromium for the browser tests
#
# Tools you already have on PATH at the right versions are used as they are. Anything built
# here goes to $DUKA_TOOLS (default ~/.cache/duka/tools) and is shared by every checkout.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CARGO_LEPTOS_VERSION=0.3.11

ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown Rust target"
    (cd "$DUKA_ROOT" && rustup target add wasm32-unknown-unknown >&2)
  fi
}

ensure_cargo_leptos() {
  # Any cargo-leptos 0.3 from 0.3.11 on will do.
  local have
  # `|| true`: on a new machine cargo-leptos is not there yet (127), which must not end us.
  have="$(cargo-leptos --version 2>/dev/null | awk '{print $2}' || true)"
  if [[ "$have" =~ ^0\.3\.([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 11 ]; then
    return
  fi
  # cargo-leptos needs a newer compiler than the project's; build it with nightly when the
  # machine has it, else with the default toolchain.
  local toolchain=()
  if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then toolchain=(+nightly); fi
  say "building cargo-leptos $CARGO_LEPTOS_VERSION into $DUKA_TOOLS (once; about 13 minutes on 2 cores)"
  (cd / && cargo "${toolchain[@]}" install cargo-leptos --version "$CARGO_LEPTOS_VERSION" \
      --locked --root "$DUKA_TOOLS" >&2)
}

ensure_wasm_bindgen() {
  local want
  want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$DUKA_ROOT/Cargo.lock")"
  [ -n "$want" ] || die "wasm-bindgen is not in Cargo.lock"
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    return
  fi
  say "building wasm-bindgen-cli $want (must match Cargo.lock; once, a few minutes)"
  (cd "$DUKA_ROOT" && cargo install wasm-bindgen-cli --version "$want" --root "$DUKA_TOOLS" >&2)
}

# wasm-opt from the npm package binaryen (Debian's older wasm-opt breaks release WASM), and
# the browser-test runner, both pinned in end2end/package-lock.json.
ensure_node_tools() {
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  local node_major
  node_major="$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/')"
  if [ -z "$node_major" ] || [ "$node_major" -lt 20 ]; then
    die "Node.js 20 or newer is needed for the browser tests and wasm-opt (found: $(node --version 2>/dev/null || echo none)); install a newer nodejs"
  fi
  local lock="$DUKA_ROOT/end2end/package-lock.json" stamp="$DUKA_ROOT/end2end/node_modules/.duka-stamp"
  if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
    say "installing end2end npm packages (wasm-opt, Playwright test runner; no browser download)"
    (cd "$DUKA_ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2)
    touch "$stamp"
  fi
  wasm-opt --version >/dev/null 2>&1 || die "wasm-opt did not install (end2end/node_modules/.bin/wasm-opt)"
}

ensure_chromium() {
  local found
  found="${CHROMIUM_PATH:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
  if [ -z "$found" ]; then
    apt_install chromium
  fi
  command -v curl >/dev/null 2>&1 || apt_install curl
}

ensure_wasm_target
ensure_cargo_leptos
ensure_wasm_bindgen
ensure_node_tools
if [ "${1:-}" = "--browser" ]; then ensure_chromium; fi
say "tools ready: $(cargo-leptos --version), $(wasm-bindgen --version), wasm-opt $(wasm-opt --version | awk '{print $3}')"
