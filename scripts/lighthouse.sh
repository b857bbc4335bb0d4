#!/usr/bin/env bash
# Lighthouse 12 (mobile, simulated throttling) on storefront pages, with the system Chromium;
# `make bench` runs it. Prints one line per page:
#   path performance accessibility LCP-ms TBT-ms CLS
# /cart and /checkout are measured with one item in a guest cart (added through the product
# page's own form). Installs Lighthouse from npm into the tools cache the first time.
#
#   scripts/lighthouse.sh BASE_URL PRODUCT_PATH PATH...
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
base="$1" product="$2"
shift 2

dir="$DUKA_TOOLS/lighthouse-12.8.2"
lighthouse="$dir/node_modules/.bin/lighthouse"
if [ ! -x "$lighthouse" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm install --no-audit --no-fund --silent lighthouse@12.8.2 >&2) || die "could not install Lighthouse from npm"
fi
chromium="${CHROMIUM_PATH:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
[ -n "$chromium" ] || die "no Chromium found (Debian: apt-get install chromium)"

# A guest cart: post the product page's add-to-cart form as a browser would.
jar="$(mktemp)" out="$(mktemp -d)"
trap 'rm -rf "$jar" "$out"' EXIT
html="$(curl -fsS "$base$product")"
action="$(grep -oE '<form method="post" action="[^"]*" class="add-to-cart"' <<<"$html" | grep -oE 'action="[^"]*"' | cut -d'"' -f2)"
sku="$(grep -oE 'name="sku" value="[^"]*"' <<<"$html" | head -1 | cut -d'"' -f4)"
[ -n "$action" ] && [ -n "$sku" ] || die "no add-to-cart form on $product"
curl -fsS -o /dev/null -c "$jar" -H "Origin: $base" --data-urlencode "sku=$sku" -d quantity=1 "$base$action"
cookie="$(sed 's/^#HttpOnly_//' "$jar" | awk -F'\t' '!/^#/ && NF >= 7 {printf "%s%s=%s", sep, $6, $7; sep="; "}')"
[ -n "$cookie" ] || die "adding to the cart set no cookie"

for path in "$@"; do
  headers='{}'
  case "$path" in /cart | /checkout) headers="{\"Cookie\": \"$cookie\"}" ;; esac
  CHROME_PATH="$chromium" "$lighthouse" "$base$path" --quiet --form-factor=mobile \
    --only-categories=performance,accessibility --output=json --output-path="$out/page.json" \
    --extra-headers="$headers" --chrome-flags="--headless=new --no-sandbox --disable-gpu" >/dev/null 2>&1 \
    || { echo "$path lighthouse-failed"; continue; }
  node -e '
    const r = require(process.argv[1]);
    const score = (c) => Math.round(r.categories[c].score * 100);
    const value = (a) => r.audits[a].numericValue;
    console.log([process.argv[2], score("performance"), score("accessibility"),
      Math.round(value("largest-contentful-paint")), Math.round(value("total-blocking-time")),
      value("cumulative-layout-shift").toFixed(3)].join(" "));
  ' "$out/page.json" "$path"
done
