#!/usr/bin/env bash
# Local services for development and tests.
#
#   scripts/services.sh start [--redis]   start PostgreSQL (and Redis), write .duka/env
#   scripts/services.sh stop              stop what start started
#   scripts/services.sh status
#
# With DATABASE_URL (or REDIS_URL) already set, that service is used as it is and nothing
# is started or touched. Otherwise a private PostgreSQL cluster lives under .duka/ on its
# own port (DUKA_PG_PORT, default 55432), owned by a non-root user when run as root, and
# Redis on DUKA_REDIS_PORT (default 56379), both bound to 127.0.0.1 only.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT="${DUKA_PG_PORT:-55432}"
REDIS_PORT="${DUKA_REDIS_PORT:-56379}"
ENV_FILE="$DUKA_STATE/env"

# PostgreSQL's programs: those of the cluster's own major version when it exists (a newer
# pg_ctl refuses an older cluster), else the newest installed.
pg_bindir() {
  local dir data="${1:-}"
  if [ -n "$data" ] && [ -s "$data/PG_VERSION" ]; then
    dir="/usr/lib/postgresql/$(cat "$data/PG_VERSION")/bin"
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return; }
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  return 1
}

# The directory of the private cluster. As root, PostgreSQL runs as the `postgres` user,
# which must be able to reach it; a checkout under /root is not, so fall back to /var/tmp.
pg_home() {
  local home="$DUKA_STATE/postgres"
  mkdir -p "$home"
  if is_root; then
    chown postgres: "$home"
    if ! runuser -u postgres -- test -w "$home" 2>/dev/null; then
      # A root-owned parent, so nobody else can plant a link where the cluster goes.
      local key parent=/var/lib/duka
      key="$(printf '%s' "$DUKA_ROOT" | cksum | cut -d' ' -f1)"
      install -d -o root -g root -m 755 "$parent"
      [ -L "$parent/$key" ] && die "$parent/$key is a symbolic link; refusing to use it"
      install -d -o postgres -g postgres -m 700 "$parent/$key"
      home="$parent/$key"
      warn "the postgres user cannot reach $DUKA_STATE; keeping the cluster in $home"
    fi
  fi
  echo "$home"
}

as_pg_owner() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  # A DATABASE_URL this script wrote itself (a shell that sourced .duka/env) is not the
  # user's own database: keep managing the local cluster.
  if [ -n "${DATABASE_URL:-}" ] && [ "$DATABASE_URL" != "${DUKA_MANAGED_DATABASE_URL:-}" ]; then
    say "PostgreSQL: using DATABASE_URL from the environment"
    env_line DATABASE_URL "$DATABASE_URL"
    return
  fi
  if ! pg_bindir >/dev/null; then
    apt_install postgresql
    pg_bindir >/dev/null || die "PostgreSQL installed but initdb not found"
  fi
  if is_root && ! getent passwd postgres >/dev/null; then
    useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
  fi
  local home data pwfile password bindir
  home="$(pg_home)"
  data="$home/data"
  pwfile="$home/password"
  bindir="$(pg_bindir "$data")"
  if [ ! -s "$data/PG_VERSION" ]; then
    say "PostgreSQL: creating a private cluster in $data"
    password="$(random_hex 16)"
    as_pg_owner bash -c "umask 077; printf '%s\n' '$password' > '$pwfile'"
    as_pg_owner "$bindir/initdb" -D "$data" -U duka --pwfile="$pwfile" \
      --auth-host=scram-sha-256 --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$home/initdb.log" 2>&1 \
      || { cat "$home/initdb.log" >&2; die "initdb failed"; }
    as_pg_owner bash -c "cat >> '$data/postgresql.conf'" <<CONF

# Duka's private development cluster
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = ''
max_connections = 300
shared_buffers = 128MB
CONF
  fi
  password="$(as_pg_owner cat "$pwfile")"
  if as_pg_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "PostgreSQL: already running on 127.0.0.1:$PG_PORT"
  else
    say "PostgreSQL: starting on 127.0.0.1:$PG_PORT"
    as_pg_owner "$bindir/pg_ctl" -D "$data" -l "$home/postgres.log" -w -t 60 \
      -o "-p $PG_PORT" start >/dev/null \
      || { tail -n 20 "$home/postgres.log" >&2 || true; die "PostgreSQL did not start (log: $home/postgres.log)"; }
  fi
  local admin="postgres://duka:$password@127.0.0.1:$PG_PORT/postgres"
  export DUKA_PG_BINDIR="$bindir"
  if [ "$(PGCONNECT_TIMEOUT=5 psql_url "$admin" -XtAc "SELECT 1 FROM pg_database WHERE datname = 'duka'")" != "1" ]; then
    psql_url "$admin" -XqAc "CREATE DATABASE duka" >/dev/null
  fi
  env_line DATABASE_URL "postgres://duka:$password@127.0.0.1:$PG_PORT/duka"
  env_line DUKA_MANAGED_DATABASE_URL "postgres://duka:$password@127.0.0.1:$PG_PORT/duka"
  env_line DUKA_PG_BINDIR "$bindir"
  env_line DUKA_PG_DATA "$data"
}

# One `export NAME=value` line in the env file, quoted for the shell whatever the value holds.
env_line() {
  printf 'export %s=%q\n' "$1" "$2" >>"$ENV_FILE.tmp"
}

start_redis() {
  if [ -n "${REDIS_URL:-}" ] && [ "$REDIS_URL" != "${DUKA_MANAGED_REDIS_URL:-}" ]; then
    say "Redis: using REDIS_URL from the environment"
    env_line REDIS_URL "$REDIS_URL"
    return
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  local dir="$DUKA_STATE/redis"
  mkdir -p "$dir"
  if [ -s "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
    say "Redis: already running on 127.0.0.1:$REDIS_PORT"
  else
    say "Redis: starting on 127.0.0.1:$REDIS_PORT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes \
      --save "" --appendonly no --daemonize yes --dir "$dir" --enable-debug-command local \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    local i
    for i in $(seq 1 50); do
      redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || die "Redis did not start (log: $dir/redis.log)"
  fi
  env_line REDIS_URL "redis://127.0.0.1:$REDIS_PORT/0"
  env_line DUKA_MANAGED_REDIS_URL "redis://127.0.0.1:$REDIS_PORT/0"
}

stop_all() {
  local dir="$DUKA_STATE/redis"
  if [ -s "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
    say "Redis: stopping"
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$dir/redis.pid")" || true
  fi
  local data
  for data in "$DUKA_STATE/postgres/data" /var/lib/duka/"$(printf '%s' "$DUKA_ROOT" | cksum | cut -d' ' -f1)"/data; do
    if [ -s "$data/postmaster.pid" ]; then
      say "PostgreSQL: stopping ($data)"
      as_pg_owner "$(pg_bindir "$data")/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
    fi
  done
  rm -f "$ENV_FILE"
}

status() {
  [ -f "$ENV_FILE" ] && { say "environment ($ENV_FILE):"; sed -E 's#(://[^:]+:)[^@]+@#\1****@#' "$ENV_FILE"; } || say "not started"
}

main() {
  mkdir -p "$DUKA_STATE"
  case "${1:-start}" in
    start)
      local with_redis=0
      [ "${2:-}" = "--redis" ] && with_redis=1
      [ -n "${REDIS_URL:-}" ] && [ "$REDIS_URL" != "${DUKA_MANAGED_REDIS_URL:-}" ] && with_redis=1
      : >"$ENV_FILE.tmp"
      chmod 600 "$ENV_FILE.tmp"
      start_postgres
      if [ "$with_redis" = 1 ]; then start_redis; else say "Redis: not started (optional; \`make run REDIS=1\` or set REDIS_URL)"; fi
      # A development signing key kept across restarts, so sessions and guest carts survive
      # `cargo leptos watch` rebuilds (production sets its own DUKA_JWT_SECRET).
      if [ -z "${DUKA_JWT_SECRET:-}" ]; then
        [ -s "$DUKA_STATE/dev-jwt-secret" ] || { umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n=' >"$DUKA_STATE/dev-jwt-secret"; }
        env_line DUKA_JWT_SECRET "$(cat "$DUKA_STATE/dev-jwt-secret")"
      fi
      # Likewise the key sealing staff authenticator secrets (production sets DUKA_TOTP_KEY).
      if [ -z "${DUKA_TOTP_KEY:-}" ]; then
        [ -s "$DUKA_STATE/dev-totp-key" ] || { umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n=' >"$DUKA_STATE/dev-totp-key"; }
        env_line DUKA_TOTP_KEY "$(cat "$DUKA_STATE/dev-totp-key")"
      fi
      # The tools this checkout uses, so `source .duka/env` is enough for cargo leptos.
      printf 'export PATH=%q:%q:"$PATH"\n' "$DUKA_TOOLS/bin" "$DUKA_ROOT/end2end/node_modules/.bin" >>"$ENV_FILE.tmp"
      mv "$ENV_FILE.tmp" "$ENV_FILE"
      ;;
    stop) stop_all ;;
    status) status ;;
    *) die "usage: $0 start [--redis] | stop | status" ;;
  esac
}

main "$@"
