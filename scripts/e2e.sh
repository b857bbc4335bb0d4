#!/usr/bin/env bash
# Browser tests against the release build: a fresh database, the demo catalog, the real
# binary on its own port, then Playwright driving the system's Chromium. Expects
# `cargo leptos build --release` to have run and the services to be up (scripts/test.sh).
# Arguments go to Playwright: `scripts/e2e.sh tests/accounts.spec.ts tests/admin_catalog.spec.ts`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$DUKA_ROOT"
# shellcheck disable=SC1091
[ -n "${DATABASE_URL:-}" ] || source "$DUKA_STATE/env"
[ -x target/release/duka ] || die "target/release/duka is missing: run \`cargo leptos build --release\` first"

port="${DUKA_E2E_PORT:-3100}"
if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
  die "something already answers on 127.0.0.1:$port; stop it or set DUKA_E2E_PORT"
fi
admin_url="$(pg_url_with_db "$DATABASE_URL" postgres)"
psql_url "$admin_url" -XqAc "DROP DATABASE IF EXISTS duka_e2e WITH (FORCE)" >/dev/null
psql_url "$admin_url" -XqAc "CREATE DATABASE duka_e2e" >/dev/null

export DATABASE_URL="$(pg_url_with_db "$DATABASE_URL" duka_e2e)"
export DUKA_SITE_ADDR="127.0.0.1:$port" DUKA_STORE_CURRENCY=AED DUKA_STORE_NAME="Duka Test Store"
export DUKA_MEDIA_DIR="$DUKA_STATE/e2e-media"
rm -rf "$DUKA_MEDIA_DIR"
# Email goes to files the browser tests read (the outbox worker writes <id>.eml here).
export DUKA_MAIL_OUTBOX_DIR="$DUKA_STATE/e2e-mail"
rm -rf "$DUKA_MAIL_OUTBOX_DIR"
if [ -n "${REDIS_URL:-}" ]; then
  # A Redis database of its own (number 2), emptied, so no cached page from another run leaks in.
  base="${REDIS_URL%%\?*}"
  [[ "$base" =~ ^(rediss?://[^/]+)(/[0-9]*)?$ ]] || die "cannot read REDIS_URL"
  export REDIS_URL="${BASH_REMATCH[1]}/2"
  redis-cli -u "$REDIS_URL" flushdb >/dev/null
fi

target/release/duka migrate
target/release/duka seed
# The first owner, as a shop would create it; the browser test enrols its second factor.
DUKA_OWNER_PASSWORD="Keeper-Of-The-Souq-77" target/release/duka admin create-owner --email owner@duka.test
log="$DUKA_STATE/e2e-server.log"
target/release/duka serve >"$log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  if kill -0 "$server" 2>/dev/null && curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; die "the server exited during start-up"; }
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$log" >&2; die "the server did not become ready"; }

report="$DUKA_STATE/e2e-report.txt"
set +e
(cd end2end && BASE_URL="http://127.0.0.1:$port" MAIL_DIR="$DUKA_MAIL_OUTBOX_DIR" npx playwright test "$@") 2>&1 | tee "$report"
rc=${PIPESTATUS[0]}
set -e

# Graceful shutdown: SIGTERM, and the process must exit cleanly by itself.
kill -TERM "$server"
if ! wait "$server"; then
  cat "$log" >&2
  die "the server did not shut down cleanly on SIGTERM"
fi
trap - EXIT
grep -q "shut down cleanly" "$log" || { cat "$log" >&2; die "no clean-shutdown line in the server log"; }
if [ "$rc" -ne 0 ]; then
  # The server's last lines first, then Playwright's failures again, so the end of a CI
  # log (often all that is kept) names the failing test and its error.
  tail -n 40 "$log" >&2
  echo "---- browser test failures (from $report) ----" >&2
  awk '/^  1\) /{on=1} on' "$report" | tail -n 120 >&2
  exit "$rc"
fi
