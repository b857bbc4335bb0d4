#!/usr/bin/env bash
# `make test`: the same set-up as `make run`, then every check. Exits non-zero on any failure.
#
#   scripts/test.sh                 everything
#   scripts/test.sh --only lint     formatting and clippy for both builds
#   scripts/test.sh --only e2e      release site build and browser tests
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$DUKA_ROOT"

only="${2:-}"
[ "${1:-}" = "--only" ] || only=""

"$DUKA_ROOT/scripts/tools.sh" --browser
"$DUKA_ROOT/scripts/services.sh" start --redis
# shellcheck disable=SC1091
source "$DUKA_STATE/env"
# Tests that need PostgreSQL or Redis fail instead of skipping when run from here.
export DUKA_REQUIRE_SERVICES=1
# The many-instances test puts nginx in front of three servers; the deploy's nginx site is
# checked with it too.
if [ "$only" != e2e ] && ! command -v nginx >/dev/null 2>&1; then
  apt_install nginx libnginx-mod-http-brotli-static
fi

passed=()
step() {
  local name="$1"; shift
  say "[$((${#passed[@]} + 1))] $name"
  local start=$SECONDS
  if ! "$@"; then
    printf '\033[1;31mFAILED:\033[0m %s\n' "$name" >&2
    printf 'steps: %d passed, 1 failed (%s)\n' "${#passed[@]}" "$name"
    exit 1
  fi
  passed+=("$name")
  say "ok: $name ($((SECONDS - start))s)"
}

lint() {
  step "rustfmt" cargo fmt --all --check
  # Clippy for the server build runs with the sqlx macros checking every query against a
  # freshly migrated database, and fails when .sqlx/ (what offline builds use) differs.
  step "clippy, server build (ssr); .sqlx matches the queries and migrations" scripts/sqlx.sh check
  step "clippy, browser build (hydrate, wasm32)" \
    cargo clippy --quiet -p frontend -p app --target wasm32-unknown-unknown --features app/hydrate -- -D warnings
  step "deploy files (with the validators installed here)" scripts/check_deploy.sh
}

rust_tests() {
  # Release profile: the same compiled dependencies as the site build that follows.
  if [ -z "${MEILISEARCH_URL:-}" ]; then
    # The test passes without asserting anything then; say so where people look.
    printf '\033[1;33mSKIPPED:\033[0m %s\n' \
      "meilisearch_engine_answers_like_postgres: MEILISEARCH_URL is not set (no Meilisearch server here)"
  fi
  # One test binary per crate (tests/it); the site build below reuses this release build.
  step "Rust tests (PostgreSQL, Redis)" cargo test --release -p duka -p app --features app/ssr --lib --bins --tests
}

e2e() {
  step "site build (release WASM through wasm-opt)" cargo leptos build --release --precompress --split
  step "browser tests (Chromium)" scripts/e2e.sh
}

case "$only" in
  lint) lint ;;
  e2e) e2e ;;
  "") lint; rust_tests; e2e ;;
  *) die "unknown --only $only (lint, e2e)" ;;
esac
printf 'steps: %d passed, 0 failed\n' "${#passed[@]}"
