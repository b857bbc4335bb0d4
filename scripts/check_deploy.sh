#!/usr/bin/env bash
# Checks the files in deploy/ with the validators this machine has, and says which it lacks:
#   promtool (Debian `prometheus`)      the alert rules
#   nginx (Debian `nginx`, with `libnginx-mod-http-brotli-static`)   the site, with a
#                                       throwaway certificate and the paths made local
#   systemd-analyze                     the units (a missing /opt/duka/bin/duka is expected)
#   kubernetes-validate (PyPI)          the Kubernetes manifests, against Kubernetes 1.30
# The dashboard's JSON and the metric names the rules and dashboard use are checked by a
# Rust test (server/tests/it/http/metrics.rs).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
deploy="$DUKA_ROOT/deploy"
skipped=()
skip() { skipped+=("$1"); printf '\033[1;33mSKIPPED:\033[0m %s\n' "$1"; }

if command -v promtool >/dev/null 2>&1; then
  promtool check rules "$deploy/prometheus/alerts.yml" >&2
else
  skip "alert rules: promtool is not installed (apt-get install prometheus)"
fi

if command -v nginx >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    -days 1 -subj /CN=shop.example 2>/dev/null
  cp "$deploy/nginx/duka-proxy.conf" "$tmp/"
  sed -e "s#/etc/nginx/snippets/#$tmp/#" \
      -e "s#/etc/letsencrypt/live/shop.example/fullchain.pem#$tmp/cert.pem#" \
      -e "s#/etc/letsencrypt/live/shop.example/privkey.pem#$tmp/key.pem#" \
      "$deploy/nginx/duka.conf" > "$tmp/site.conf"
  cat > "$tmp/nginx.conf" <<CONF
include /etc/nginx/modules-enabled/*.conf;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events {}
http { include /etc/nginx/mime.types; access_log off; include $tmp/site.conf; }
CONF
  if ! said="$(nginx -t -q -c "$tmp/nginx.conf" 2>&1)"; then
    if [[ "$said" == *'unknown directive "brotli_static"'* ]]; then
      skip "nginx site: nginx has no brotli module (apt-get install libnginx-mod-http-brotli-static)"
    else
      die "deploy/nginx/duka.conf does not pass nginx -t: $said"
    fi
  fi
else
  skip "nginx site: nginx is not installed (apt-get install nginx libnginx-mod-http-brotli-static)"
fi

if command -v systemd-analyze >/dev/null 2>&1; then
  units="$(mktemp -d)"
  cp "$deploy/systemd/duka@.service" "$units/duka@3001.service"
  cp "$deploy/systemd/duka-migrate.service" "$units/"
  # Only what is wrong in our files fails (their lines are numbered); a machine without
  # systemd running, or without the units ours name, only warns.
  out="$(systemd-analyze verify "$units/duka@3001.service" "$units/duka-migrate.service" 2>&1 || true)"
  rm -rf "$units"
  wrong="$(printf '%s\n' "$out" | grep -E '(^|/)duka[^ /]*\.service:[0-9]+:' || true)"
  [ -z "$wrong" ] || die "the systemd units: $wrong"
else
  skip "systemd units: systemd-analyze is not installed"
fi

if command -v kubernetes-validate >/dev/null 2>&1; then
  for f in "$deploy"/k8s/*.yaml; do
    [ "$(basename "$f")" = kustomization.yaml ] && continue
    kubernetes-validate --quiet -k 1.30.0 --strict "$f" >&2 || die "$f is not a valid Kubernetes 1.30 resource"
  done
else
  skip "Kubernetes manifests: kubernetes-validate is not installed (pip install kubernetes-validate)"
fi

say "deploy files checked${skipped[*]:+ (${#skipped[@]} validator(s) missing, above)}"
