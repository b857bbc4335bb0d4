#!/usr/bin/env bash
# `make run`: tools, services, build, migrate, seed, serve. Safe to run again: everything
# already in place is reused. `--watch` runs `cargo leptos watch` instead of a release build.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$DUKA_ROOT"

"$DUKA_ROOT/scripts/tools.sh"
if [ "${REDIS:-0}" = 1 ]; then "$DUKA_ROOT/scripts/services.sh" start --redis; else "$DUKA_ROOT/scripts/services.sh" start; fi
# shellcheck disable=SC1091
source "$DUKA_STATE/env"

if [ "${1:-}" = "--watch" ]; then
  say "cargo leptos watch (Ctrl-C to stop; \`make stop\` stops the services)"
  exec cargo leptos watch
fi

say "building the site (release; the first build takes several minutes)"
cargo leptos build --release --precompress --split
say "applying migrations and seeding the demo catalog if the store is empty"
target/release/duka migrate
target/release/duka seed
say "starting the store on the address in Leptos.toml (default http://127.0.0.1:3000); Ctrl-C stops it, \`make stop\` stops the services"
exec target/release/duka serve
