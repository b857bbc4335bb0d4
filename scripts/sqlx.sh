#!/usr/bin/env bash
# Compile-checked queries without sqlx-cli.
#
#   scripts/sqlx.sh prepare   regenerate .sqlx/ (the offline query data builds use)
#   scripts/sqlx.sh check     fail if .sqlx/ does not match the queries and migrations
#
# Both apply migrations/ to a scratch database next to DATABASE_URL's and let the sqlx
# macros check every query against it, writing their data to SQLX_OFFLINE_DIR.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set (run via make, which starts the local database)"

psql_bin="${DUKA_PG_BINDIR:+$DUKA_PG_BINDIR/}psql"
base="${DATABASE_URL%/*}"
scratch_url="$base/duka_sqlx_scratch"
admin_url="$base/postgres"

"$psql_bin" "$admin_url" -XqAc "DROP DATABASE IF EXISTS duka_sqlx_scratch" >/dev/null
"$psql_bin" "$admin_url" -XqAc "CREATE DATABASE duka_sqlx_scratch" >/dev/null
for f in "$DUKA_ROOT"/migrations/*.sql; do
  "$psql_bin" "$scratch_url" -XqA -v ON_ERROR_STOP=1 -f "$f" >/dev/null || die "migration $f failed"
done

generate() {
  local out="$1"
  rm -rf "$out" && mkdir -p "$out"
  # Touch the sources so the macros run again rather than reuse cached expansions.
  find "$DUKA_ROOT/app" "$DUKA_ROOT/server" -name '*.rs' -exec touch {} +
  (cd "$DUKA_ROOT" && SQLX_OFFLINE=false DATABASE_URL="$scratch_url" SQLX_OFFLINE_DIR="$out" \
    cargo check --quiet -p duka -p app --all-targets --features app/ssr)
}

case "${1:-}" in
  prepare)
    generate "$DUKA_ROOT/.sqlx"
    say "wrote $(ls "$DUKA_ROOT/.sqlx" | wc -l) query files to .sqlx/"
    ;;
  check)
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    generate "$tmp"
    if ! diff -r "$DUKA_ROOT/.sqlx" "$tmp" >/dev/null 2>&1; then
      diff -r "$DUKA_ROOT/.sqlx" "$tmp" | head -n 20 >&2 || true
      die ".sqlx/ is out of date with the queries or migrations: run \`make sqlx-prepare\` and commit .sqlx/"
    fi
    say ".sqlx/ matches every query ($(ls "$tmp" | wc -l) files)"
    ;;
  *) die "usage: $0 prepare | check" ;;
esac
"$psql_bin" "$admin_url" -XqAc "DROP DATABASE IF EXISTS duka_sqlx_scratch" >/dev/null || true
