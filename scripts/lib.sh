# Shared helpers for Duka's scripts. Source it; do not run it.
set -euo pipefail

DUKA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Per-checkout state: the private PostgreSQL cluster, Redis, logs, the env file.
DUKA_STATE="${DUKA_STATE:-$DUKA_ROOT/.duka}"
# Tools built once per user and shared by every checkout (cargo-leptos builds for minutes).
DUKA_TOOLS="${DUKA_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/duka/tools}"
export PATH="$DUKA_TOOLS/bin:$DUKA_ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Installs Debian packages when we may (root, or password-less sudo); otherwise explains.
apt_install() {
  local pkgs=("$@")
  local sudo=()
  if ! is_root; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      die "missing ${pkgs[*]}: install them with your package manager (Debian/Ubuntu: sudo apt-get install ${pkgs[*]}) and run this again"
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing ${pkgs[*]} and no apt-get here: install them and run this again"
  say "installing ${pkgs[*]} (apt-get)"
  "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2
}

# The same PostgreSQL URL with another database name (query parameters kept).
pg_url_with_db() {
  local url="$1" db="$2" query=""
  case "$url" in *\?*) query="?${url#*\?}"; url="${url%%\?*}" ;; esac
  printf '%s/%s%s\n' "${url%/*}" "$db" "$query"
}

# Runs a PostgreSQL client (`psql`, `pg_dump`, `pg_restore`) against a URL without putting
# its password on the command line (where `ps` shows it): the password travels in PGPASSWORD.
pg_client_url() {
  local tool="$1" url="$2"; shift 2
  tool="${DUKA_PG_BINDIR:+$DUKA_PG_BINDIR/}$tool"
  if [[ "$url" =~ ^(postgres(ql)?://)([^:@/]*):([^@/]*)@(.*)$ ]]; then
    PGPASSWORD="${BASH_REMATCH[4]}" "$tool" --dbname="${BASH_REMATCH[1]}${BASH_REMATCH[3]}@${BASH_REMATCH[5]}" "$@"
  else
    "$tool" --dbname="$url" "$@"
  fi
}

psql_url() {
  local url="$1"; shift
  pg_client_url psql "$url" "$@"
}

# Random hex for generated local passwords.
random_hex() { od -An -tx1 -N"${1:-16}" /dev/urandom | tr -d ' \n'; }
