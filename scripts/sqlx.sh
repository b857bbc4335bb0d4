#!/usr/bin/env bash
# Compile-checked queries without sqlx-cli.
#
#   scripts/sqlx.sh prepare   regenerate .sqlx/ (the offline query data builds use)
#   scripts/sqlx.sh check
#                             clippy for the server build, and fail if .sqlx/ does not match
#                             the queries and migrations
#
# Both apply migrations/ to a scratch database next to DATABASE_URL's and let the sqlx
# macros check every query against it, writing their data to SQLX_OFFLINE_DIR.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set (run via make, which starts the local database)"

scratch_url="$(pg_url_with_db "$DATABASE_URL" duka_sqlx_scratch)"
admin_url="$(pg_url_with_db "$DATABASE_URL" postgres)"

psql_url "$admin_url" -XqAc "DROP DATABASE IF EXISTS duka_sqlx_scratch" >/dev/null
psql_url "$admin_url" -XqAc "CREATE DATABASE duka_sqlx_scratch" >/dev/null
for f in "$DUKA_ROOT"/migrations/*.sql; do
  psql_url "$scratch_url" -XqA -v ON_ERROR_STOP=1 -f "$f" >/dev/null || die "migration $f failed"
done

# `prepare` uses a target directory of its own, so it never invalidates the main build (or a
# running `cargo leptos watch`); cleaning the two workspace crates there makes the macros run
# again. `check` runs in `make test` as the server build's clippy step: the main target (the
# checked dependencies are shared), so the queries are checked without compiling anything twice.
generate() {
  local out="$1" target="$2" lint="$3"; shift 3
  rm -rf "$out" && mkdir -p "$out"
  (cd "$DUKA_ROOT" && cargo clean --quiet --target-dir "$target" --profile dev -p app -p duka 2>/dev/null || true)
  (cd "$DUKA_ROOT" && SQLX_OFFLINE=false DATABASE_URL="$scratch_url" SQLX_OFFLINE_DIR="$out" \
    "$@" --target-dir "$target" -p duka -p app --all-targets --features app/ssr $lint)
}

case "${1:-}" in
  prepare)
    generate "$DUKA_ROOT/.sqlx" "$DUKA_ROOT/target/sqlx-check" "" cargo check --quiet
    say "wrote $(ls "$DUKA_ROOT/.sqlx" | wc -l) query files to .sqlx/"
    ;;
  check)
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    generate "$tmp" "$DUKA_ROOT/target" "-- -D warnings" cargo clippy --quiet
    if ! diff -r "$DUKA_ROOT/.sqlx" "$tmp" >/dev/null 2>&1; then
      diff -r "$DUKA_ROOT/.sqlx" "$tmp" | head -n 20 >&2 || true
      die ".sqlx/ is out of date with the queries or migrations: run \`make sqlx-prepare\` and commit .sqlx/"
    fi
    say ".sqlx/ matches every query ($(ls "$tmp" | wc -l) files)"
    ;;
  *) die "usage: $0 prepare | check" ;;
esac
psql_url "$admin_url" -XqAc "DROP DATABASE IF EXISTS duka_sqlx_scratch" >/dev/null || true
