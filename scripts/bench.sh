#!/usr/bin/env bash
# `make bench`: performance as ratios against baselines measured in the same run, on this
# machine. Prints figures; asserts nothing (tests never assert times).
#
#   BENCH_PRODUCTS   catalog size to seed (default 100000)
#   BENCH_SECONDS    seconds per throughput run (default 10)
#   BENCH_RATE       requests/s for the fixed-rate latency runs (default 500)
#   BENCH_SEARCH_RATE  requests/s for the search latency runs (default 50)
#   BENCH_ADMIN_RATE   requests/s for the admin products list (default 20)
#   BENCH_IMPORT_ROWS  rows of the CSV import timed through the admin (default 100000)
#   BENCH_ADMIN_ORDERS orders seeded for the admin orders list (default 100000)
#
# Also runs Lighthouse (scripts/lighthouse.sh, installed from npm the first time) on the
# storefront's main pages with the system Chromium.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$DUKA_ROOT"

products="${BENCH_PRODUCTS:-100000}"
seconds="${BENCH_SECONDS:-10}"
rate="${BENCH_RATE:-500}"
search_rate="${BENCH_SEARCH_RATE:-50}"
admin_rate="${BENCH_ADMIN_RATE:-20}"
port="${DUKA_BENCH_PORT:-3200}"

"$DUKA_ROOT/scripts/tools.sh"
"$DUKA_ROOT/scripts/services.sh" start
# shellcheck disable=SC1091
source "$DUKA_STATE/env"
command -v wrk >/dev/null 2>&1 || apt_install wrk
command -v hey >/dev/null 2>&1 || apt_install hey

say "building the release site"
cargo leptos build --release --precompress --split >&2

admin_url="$(pg_url_with_db "$DATABASE_URL" postgres)"
bench_url="$(pg_url_with_db "$DATABASE_URL" duka_bench)"
psql_url "$admin_url" -XqAc "DROP DATABASE IF EXISTS duka_bench WITH (FORCE)" >/dev/null
psql_url "$admin_url" -XqAc "CREATE DATABASE duka_bench" >/dev/null
export DATABASE_URL="$bench_url" DUKA_SITE_ADDR="127.0.0.1:$port" DUKA_BENCH_ROUTES=1 RUST_LOG=warn
export DUKA_MEDIA_DIR="$DUKA_STATE/bench-media"
unset REDIS_URL
target/release/duka migrate >/dev/null
say "seeding $products products"
target/release/duka seed --products "$products"
psql_url "$bench_url" -XqAc "VACUUM ANALYZE" >/dev/null

server=""
start_server() {
  DUKA_CACHE="$1" target/release/duka serve >"$DUKA_STATE/bench-server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && { note_idle; return; }
    sleep 0.1
  done
  cat "$DUKA_STATE/bench-server.log" >&2
  die "the server did not start"
}
# Server memory: resident set once started and warmed by one page (idle), and its high-water
# mark (VmHWM) when stopped; the report takes the largest of each over every server run.
idle_rss_kb=0; peak_rss_kb=0
rss_of() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
note_idle() {
  curl -s -o /dev/null "http://127.0.0.1:$port/"
  sleep 1
  local kb; kb=$(rss_of "$server" VmRSS); [ "${kb:-0}" -gt "$idle_rss_kb" ] && idle_rss_kb=$kb
  return 0
}
stop_server() {
  if [ -n "$server" ]; then
    local kb; kb=$(rss_of "$server" VmHWM); [ "${kb:-0}" -gt "$peak_rss_kb" ] && peak_rss_kb=$kb
    kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  fi
  server=""
}
trap stop_server EXIT

base="http://127.0.0.1:$port"
product="/products/linen-shirt"
collection="/collections/clothing?sort=price-asc"

# Requests/s from wrk (one thread, 32 connections).
rps() { wrk -t1 -c32 -d"${seconds}s" --latency "$base$1" | awk '/Requests\/sec/ {print int($2)}'; }
# p50 and p99 in ms at a fixed rate (default BENCH_RATE), from hey (spread over 10 workers).
latency() {
  hey -z "${seconds}s" -c 10 -q $(((${2:-$rate} + 9) / 10)) "$base$1" |
    awk '/ 50% in/ {p50=$3} / 99% in/ {p99=$3} END {printf "%.2f %.2f", p50*1000, p99*1000}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
bytes_of() { curl -s -o /dev/null -w '%{size_download}' -H "Accept-Encoding: ${2:-identity}" "$base$1"; }

start_server on
page_bytes=$(bytes_of "$product")
collection_bytes=$(bytes_of "$collection")
for _ in 1 2 3; do curl -s -o /dev/null "$base$product"; curl -s -o /dev/null "$base$collection"; done
say "warm cache: product page ($page_bytes bytes) against $page_bytes bytes from memory"
mem_rps=$(rps "/__bench/bytes/$page_bytes")
page_rps=$(rps "$product")
coll_mem_rps=$(rps "/__bench/bytes/$collection_bytes")
coll_rps=$(rps "$collection")
say "fixed rate $rate req/s: latency"
read -r mem_p50 mem_p99 <<<"$(latency "/__bench/bytes/$page_bytes")"
read -r page_p50 page_p99 <<<"$(latency "$product")"

# The admin: a staff member's products list at this catalog size (a page by cursor deep in
# the list, a name search, the low-stock filter), and the bytes its lazy islands add.
source "$DUKA_ROOT/scripts/bench_admin.sh"
say "admin: products list at $admin_rate req/s, signed in as staff"
cookie=$(admin_cookie)
deep_id=$(psql_url "$bench_url" -XqAtc "SELECT id FROM products ORDER BY updated_at DESC, id DESC OFFSET 60000 LIMIT 1")
read -r alist_p50 alist_p99 alist_ok <<<"$(admin_latency "/admin/products" "$cookie" "$admin_rate")"
read -r adeep_p50 adeep_p99 adeep_ok <<<"$(admin_latency "/admin/products?after=$deep_id" "$cookie" "$admin_rate")"
read -r aname_p50 aname_p99 aname_ok <<<"$(admin_latency "/admin/products?q=linen&sort=name" "$cookie" "$admin_rate")"
read -r alow_p50 alow_p99 alow_ok <<<"$(admin_latency "/admin/products?stock=low" "$cookie" "$admin_rate")"
order_count="${BENCH_ADMIN_ORDERS:-100000}"
say "admin: orders list at $order_count orders, $admin_rate req/s"
seed_orders "$order_count"
deep_order=$(psql_url "$bench_url" -XqAtc "SELECT id FROM orders ORDER BY id DESC OFFSET $((order_count * 3 / 5)) LIMIT 1")
read -r olist_p50 olist_p99 olist_ok <<<"$(admin_latency "/admin/orders" "$cookie" "$admin_rate")"
read -r odeep_p50 odeep_p99 odeep_ok <<<"$(admin_latency "/admin/orders?before=$deep_order" "$cookie" "$admin_rate")"
read -r oname_p50 oname_p99 oname_ok <<<"$(admin_latency "/admin/orders?q=buyer+4217" "$cookie" "$admin_rate")"
read -r ophone_p50 ophone_p99 ophone_ok <<<"$(admin_latency "/admin/orders?q=%2B971+50+0004+217" "$cookie" "$admin_rate")"
read -r ofilter_p50 ofilter_p99 ofilter_ok <<<"$(admin_latency "/admin/orders?status=shipped&country=ZM&method=card" "$cookie" "$admin_rate")"
read -r orefund_p50 orefund_p99 orefund_ok <<<"$(admin_latency "/admin/orders?payment=partly_refunded" "$cookie" "$admin_rate")"
read -r dash_p50 dash_p99 dash_ok <<<"$(admin_latency "/admin" "$cookie" "$admin_rate")"
say "admin: exporting every product as CSV"
read -r export_s export_bytes <<<"$(curl -s -o /dev/null -w '%{time_total} %{size_download}' -H "Cookie: $cookie" "$base/admin/products/export.csv")"
import_rows="${BENCH_IMPORT_ROWS:-100000}"
say "admin: importing a CSV of $import_rows rows (dry run, apply, then the same file again)"
import_csv "$DUKA_STATE/bench-import.csv" "$import_rows"
import_bytes=$(stat -c %s "$DUKA_STATE/bench-import.csv")
read -r imp_up imp_dry imp_apply imp_before imp_peak imp_created _ imp_failed <<<"$(admin_import "$DUKA_STATE/bench-import.csv" "$cookie")"
read -r _ again_dry again_apply _ again_peak _ again_unchanged _ <<<"$(admin_import "$DUKA_STATE/bench-import.csv" "$cookie")"
rm -f "$DUKA_STATE/bench-import.csv"
admin_chunks_br=0; admin_chunk_count=0
for f in target/site/pkg/split_*.wasm.br; do
  [ -e "$f" ] || continue
  admin_chunks_br=$((admin_chunks_br + $(stat -c %s "$f"))); admin_chunk_count=$((admin_chunk_count + 1))
done

# Search: the same queries answered from the search cache (a repeated query: cache on) and
# by the engine itself (cache off, below). Each run: /healthz, plain, misspelt, filtered,
# suggestions; p50 and p99 at BENCH_SEARCH_RATE.
search_plain="/search?q=linen"
search_misspelt="/search?q=linnen%20shrit"
search_filtered="/search?q=shirt&category=clothing&in_stock=1&sort=price-asc&min=50"
search_suggest="/search/suggest?q=lin"
search_runs() {
  local out=""
  for path in /healthz "$search_plain" "$search_misspelt" "$search_filtered" "$search_suggest"; do
    out="$out $(latency "$path" "$search_rate")"
  done
  echo "$out"
}
say "fixed rate $search_rate req/s: search latency, cached answers"
for path in "$search_plain" "$search_misspelt" "$search_filtered" "$search_suggest"; do
  curl -s -o /dev/null "$base$path" # the repeated query: answered once, then from the cache
done
read -r floor_p50 floor_p99 plain_p50 plain_p99 missp_p50 missp_p99 filt_p50 filt_p99 sugg_p50 sugg_p99 <<<"$(search_runs)"
# "500 products", or "500+ products" past search::MAX_HITS; the bench goes on without it.
plain_total=$(curl -s "$base$search_plain" | grep -oE '[0-9]+\+? products? for' | head -n1 | cut -d' ' -f1-2 || true)
# What a shopper downloads for the product page, compressed as served.
html_br=$(bytes_of "$product" br)
assets=$(curl -s "$base$product" | grep -oE '/pkg/[^"]+\.(css|js|wasm)' | sort -u)
css_br=0; js_br=0; wasm_br=0
for a in $assets; do
  n=$(bytes_of "$a" br)
  case "$a" in *.css) css_br=$((css_br + n)) ;; *.js) js_br=$((js_br + n)) ;; *.wasm) wasm_br=$((wasm_br + n)) ;; esac
done
split_js=$(ls target/site/pkg/__wasm_split*.js.br 2>/dev/null | head -n1)
[ -n "$split_js" ] && js_br=$((js_br + $(stat -c %s "$split_js")))
stop_server

start_server off
say "cold: every cache off"
cold_rps=$(rps "$product")
cold_coll_rps=$(rps "$collection")
say "fixed rate $search_rate req/s: search latency, engine (no cache)"
read -r efloor_p50 efloor_p99 eplain_p50 eplain_p99 emissp_p50 emissp_p99 efilt_p50 efilt_p99 esugg_p50 esugg_p99 <<<"$(search_runs)"
# The same rate as independent shoppers send it: Poisson arrivals of a mix of queries
# (scripts/search-mix.txt), latency from when each request was due; /healthz the same way.
say "Poisson arrivals at $search_rate req/s: the search mix, engine (no cache)"
load() { BENCH_BASE="$base" BENCH_RATE="$search_rate" BENCH_SECONDS="$1" cargo bench --quiet -p app --features ssr --bench search_load; }
# Warm-up, not counted: a server in service has every pooled connection's statements
# prepared and planned; one pass in turn would warm a connection or two, and the first
# executions on each of the others (planned for their values) would land in the figures.
grep -v '^#' scripts/search-mix.txt | load 10 >/dev/null
# CPU time per request over the mix, of the server and of PostgreSQL's processes (the local
# cluster's only: a DATABASE_URL of your own is not measured), so figures from machines of
# different speeds can be compared. Ticks are utime + stime, read after the command name
# (which may hold spaces). PostgreSQL's: the postmaster's own and its ended backends'
# (cutime + cstime, once reaped), and those of the backends alive when read.
cpu_ticks() {
  local t=0 p
  for p in "$@"; do
    t=$((t + $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}' || true) + 0))
  done
  echo "$t"
}
pg_ticks() {
  local pm
  pm="$(head -n1 "${DUKA_PG_DATA:-/nonexistent}/postmaster.pid" 2>/dev/null || true)"
  [ -n "$pm" ] || { echo 0; return; }
  local own; own=$(sed 's/.*) //' "/proc/$pm/stat" 2>/dev/null | awk '{print $14 + $15}' || true)
  echo $(( $(cpu_ticks "$pm" $(pgrep -P "$pm" 2>/dev/null | tr '\n' ' ')) + ${own:-0} ))
}
pids=""; [ -n "${DUKA_PG_DATA:-}" ] && [ -f "$DUKA_PG_DATA/postmaster.pid" ] && pids=local
server_t0=$(cpu_ticks "$server"); pg_t0=$(pg_ticks)
mix_out=$(grep -v '^#' scripts/search-mix.txt | load "$((seconds * 3))")
server_t1=$(cpu_ticks "$server"); pg_t1=$(pg_ticks)
per_request() { # ticks requests
  awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "%.2f", t * 1000 / hz / n; else print "n/a" }'
}
mix_requests=$(echo "$mix_out" | awk '$1 == "all" {print $2}')
mix_cpu="server $(per_request $((server_t1 - server_t0)) "$mix_requests") ms"
[ -n "$pids" ] && mix_cpu="$mix_cpu, PostgreSQL $(per_request $((pg_t1 - pg_t0)) "$mix_requests") ms"
mix_floor=$(echo "healthz /healthz" | load "$seconds")
# Collection and product pages, caches off, as shoppers arrive (scripts/collection-mix.txt,
# plus product pages from across the catalog), with CPU time per request.
say "Poisson arrivals at $search_rate req/s: collection and product pages, caches off"
pages_mix() {
  grep -v '^#' scripts/collection-mix.txt
  psql_url "$bench_url" -XqAtc "SELECT 'product /products/' || slug FROM products
                                WHERE status = 'active' ORDER BY md5(slug) LIMIT 200"
}
pages_mix | load 10 >/dev/null # warm-up, as for the search mix
server_t0=$(cpu_ticks "$server"); pg_t0=$(pg_ticks)
pages_out=$(pages_mix | load "$((seconds * 3))")
server_t1=$(cpu_ticks "$server"); pg_t1=$(pg_ticks)
pages_requests=$(echo "$pages_out" | awk '$1 == "all" {print $2}')
pages_cpu="server $(per_request $((server_t1 - server_t0)) "$pages_requests") ms"
[ -n "$pids" ] && pages_cpu="$pages_cpu, PostgreSQL $(per_request $((pg_t1 - pg_t0)) "$pages_requests") ms"
stop_server
mix_row() { # kind label [output]
  echo "${3:-$mix_out}" | awk -v k="$1" -v l="$2" -v f="$(echo "$mix_floor" | awk '$1 == "all" {print $4}')" \
    '$1 == k { printf "  %-29s %7d  %6.2f  %6.2f    %6.2f      %d\n", l, $2, $3, $4, (f > 0 ? $4 / f : 0), $5 }'
}

# The shopper's whole checkout over HTTP (server/benches/checkout_http.rs: nine requests an
# order, redirects followed, four shoppers at once), with the CPU time per order of the server
# and of PostgreSQL.
say "the shopper's whole checkout over HTTP"
start_server on
http_skus() {
  psql_url "$bench_url" -XqAtc "SELECT v.sku FROM variants v JOIN products p ON p.id = v.product_id
                                WHERE p.status = 'active' AND v.stock >= 10 ORDER BY md5(v.sku) LIMIT 200"
}
http_checkout() { BENCH_BASE="$base" BENCH_ORDERS="$1" cargo bench --quiet -p duka --bench checkout_http; }
skus=$(http_skus)
echo "$skus" | http_checkout 40 >/dev/null # warm-up, as for the mixes
server_t0=$(cpu_ticks "$server"); pg_t0=$(pg_ticks)
http_out=$(echo "$skus" | http_checkout 300) || die "the HTTP checkout failed"
server_t1=$(cpu_ticks "$server"); pg_t1=$(pg_ticks)
stop_server
http_orders=$(echo "$http_out" | awk '{print $2}')
http_requests=$(echo "$http_out" | awk '{print $4}')
http_seconds=$(echo "$http_out" | awk '{print $6}')
http_server_ms=$(per_request $((server_t1 - server_t0)) "$http_orders")
http_pg_ms=$(per_request $((pg_t1 - pg_t0)) "$http_orders")
[ -n "$pids" ] || http_pg_ms=0 # a database of your own: not measured
http_total_ms=$(awk -v a="$http_server_ms" -v b="$http_pg_ms" 'BEGIN { printf "%.2f", a + b }')

# Checkout: orders/s through the production place_order (app/benches/checkout.rs: 200 buyers,
# 1,000 products, items spread over them, then one hot item in every order) against pgbench's
# simple-update on the same server, both with the server's own fsync setting, in a database of
# their own. The bench checks stock accounting after each run.
say "checkout throughput against pgbench simple-update"
checkout_url="$(pg_url_with_db "$bench_url" duka_bench_checkout)"
psql_url "$admin_url" -XqAc "DROP DATABASE IF EXISTS duka_bench_checkout WITH (FORCE)" >/dev/null
psql_url "$admin_url" -XqAc "CREATE DATABASE duka_bench_checkout" >/dev/null
fsync=$(psql_url "$checkout_url" -XtAc "SHOW fsync")
checkout_out=$(DATABASE_URL="$checkout_url" cargo bench --quiet -p app --features ssr --bench checkout 2>&1) \
  || { echo "$checkout_out" >&2; die "the checkout benchmark failed"; }
echo "$checkout_out" >&2
spread_ps=$(echo "$checkout_out" | grep '^checkout spread:' | grep -oE '= [0-9]+ orders/s' | grep -oE '[0-9]+')
hot_ps=$(echo "$checkout_out" | grep '^checkout hot:' | grep -oE '= [0-9]+ orders/s' | grep -oE '[0-9]+')
accounting=$(echo "$checkout_out" | grep -c 'stock accounting holds' || true)
pgbench="${DUKA_PG_BINDIR:+$DUKA_PG_BINDIR/}pgbench"
"$pgbench" -i -q "$checkout_url" >/dev/null 2>&1
pgbench_tps=$("$pgbench" -b simple-update -c 32 -j 2 -T "$seconds" "$checkout_url" 2>/dev/null | awk '/^tps/ {print int($3); exit}')
psql_url "$admin_url" -XqAc "DROP DATABASE IF EXISTS duka_bench_checkout WITH (FORCE)" >/dev/null || true

# Lighthouse (mobile, simulated throttling) on the storefront's main pages, caches on.
say "Lighthouse: home, product, collection, cart and checkout pages (mobile)"
start_server on
lighthouse_out=$("$DUKA_ROOT/scripts/lighthouse.sh" "$base" "$product" / "$product" "${collection%%\?*}" /cart /checkout)
stop_server
lighthouse_rows=$(echo "$lighthouse_out" | awk '{ printf "  %-29s %5s %9s %9s %7s %7s\n", $1, $2, $3, $4, $5, $6 }')

script_kb=$(awk -v a="$js_br" -v b="$wasm_br" 'BEGIN { printf "%.1f", (a + b) / 1024 }')
cat <<REPORT

Duka benchmark: $products products, $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), wrk 1 thread x 32 connections x ${seconds}s
(higher requests/s is better; each ratio is against the same binary serving the same number
of bytes from memory, measured in this run)

                                   req/s    ratio    goal
  product page, warm cache       $(printf '%7s' "$page_rps")    $(ratio "$page_rps" "$mem_rps")    >= 0.5
  product page, caches off       $(printf '%7s' "$cold_rps")    $(ratio "$cold_rps" "$mem_rps")    >= 0.15
  in-memory, $page_bytes bytes     $(printf '%7s' "$mem_rps")    1.00
  collection page, warm cache    $(printf '%7s' "$coll_rps")    $(ratio "$coll_rps" "$coll_mem_rps")
  collection page, caches off    $(printf '%7s' "$cold_coll_rps")    $(ratio "$cold_coll_rps" "$coll_mem_rps")    >= 0.02
  in-memory, $collection_bytes bytes     $(printf '%7s' "$coll_mem_rps")    1.00

  latency at $rate req/s           p50 ms    p99 ms   p99 ratio   goal
  product page, warm cache       $(printf '%6s' "$page_p50")    $(printf '%6s' "$page_p99")    $(ratio "$page_p99" "$mem_p99")       <= 3
  in-memory                      $(printf '%6s' "$mem_p50")    $(printf '%6s' "$mem_p99")    1.00

  search at $search_rate req/s      cached: p50    p99   engine: p50     p99   goal (PostgreSQL engine)
  plain ($search_plain, $plain_total)
                                 $(printf '%6s' "$plain_p50")  $(printf '%6s' "$plain_p99")        $(printf '%6s' "$eplain_p50")  $(printf '%6s' "$eplain_p99")   p99 < 20
  misspelt ($search_misspelt)
                                 $(printf '%6s' "$missp_p50")  $(printf '%6s' "$missp_p99")        $(printf '%6s' "$emissp_p50")  $(printf '%6s' "$emissp_p99")   p99 < 20
  filtered, sorted ($search_filtered)
                                 $(printf '%6s' "$filt_p50")  $(printf '%6s' "$filt_p99")        $(printf '%6s' "$efilt_p50")  $(printf '%6s' "$efilt_p99")   p99 < 20
  suggestions ($search_suggest)
                                 $(printf '%6s' "$sugg_p50")  $(printf '%6s' "$sugg_p99")        $(printf '%6s' "$esugg_p50")  $(printf '%6s' "$esugg_p99")
  /healthz (the floor)           $(printf '%6s' "$floor_p50")  $(printf '%6s' "$floor_p99")        $(printf '%6s' "$efloor_p50")  $(printf '%6s' "$efloor_p99")
  (hey: 10 workers whose ticks coincide, so the rate arrives as bursts of 10 every 200 ms)

  search mix, Poisson arrivals   requests  p50 ms  p99 ms  p99 ratio  errors   (engine, no cache;
  at $search_rate req/s, a connection each                                      goal p99 < 20)
$(mix_row plain "plain words")
$(mix_row misspelt "misspelt words")
$(mix_row filtered "filtered and sorted")
$(mix_row suggest "suggestions")
$(mix_row all "the whole mix")
$(echo "$mix_floor" | awk '$1 == "all" { printf "  %-29s %7d  %6.2f  %6.2f      1.00      %d\n", "/healthz (the floor)", $2, $3, $4, $5 }')
  CPU per request over the mix   $mix_cpu

  pages, caches off, Poisson     requests  p50 ms  p99 ms  p99 ratio  errors   (goal: collections
  at $search_rate req/s                                                      p99 <= 25)
$(mix_row plain "collection" "$pages_out")
$(mix_row sorted "collection, sorted" "$pages_out")
$(mix_row filtered "collection, filtered" "$pages_out")
$(mix_row priced "collection, price range" "$pages_out")
$(mix_row deep "collection, a deep page" "$pages_out")
$(mix_row product "product pages (200)" "$pages_out")
$(mix_row all "the whole mix" "$pages_out")
  CPU per request over the mix   $pages_cpu

  server memory                  idle RSS $((idle_rss_kb / 1024)) MB (goal <= 40), peak RSS $((peak_rss_kb / 1024)) MB over the whole bench (goal <= 150)

  product page bytes (brotli)    HTML $html_br, CSS $css_br, JS $js_br, WASM $wasm_br
  JS + WASM                      ${script_kb} KB   goal <= 60 KB (a minimal Next.js product page: 119 KB, measured once here)
  admin islands (lazy chunks)    WASM $admin_chunks_br in $admin_chunk_count chunk(s), loaded by admin pages only

  admin products list at $admin_rate req/s   p50 ms    p99 ms   answers (200 OK)
  first page, last changed       $(printf '%6s' "$alist_p50")    $(printf '%6s' "$alist_p99")   $alist_ok
  a page 60,000 rows in          $(printf '%6s' "$adeep_p50")    $(printf '%6s' "$adeep_p99")   $adeep_ok
  name search, by name           $(printf '%6s' "$aname_p50")    $(printf '%6s' "$aname_p99")   $aname_ok
  low stock                      $(printf '%6s' "$alow_p50")    $(printf '%6s' "$alow_p99")   $alow_ok
  CSV export, every product      $(printf '%.1f' "$export_s") s, $export_bytes bytes

  admin orders list, $order_count orders   p50 ms    p99 ms   answers (200 OK)
  newest first                   $(printf '%6s' "$olist_p50")    $(printf '%6s' "$olist_p99")   $olist_ok
  a page 60 % of the way back    $(printf '%6s' "$odeep_p50")    $(printf '%6s' "$odeep_p99")   $odeep_ok
  search: email or name          $(printf '%6s' "$oname_p50")    $(printf '%6s' "$oname_p99")   $oname_ok
  search: a phone, typed spaced  $(printf '%6s' "$ophone_p50")    $(printf '%6s' "$ophone_p99")   $ophone_ok
  status + country + method      $(printf '%6s' "$ofilter_p50")    $(printf '%6s' "$ofilter_p99")   $ofilter_ok
  partly refunded (1 in 75)      $(printf '%6s' "$orefund_p50")    $(printf '%6s' "$orefund_p99")   $orefund_ok
  the dashboard (goal: < 100 ms) $(printf '%6s' "$dash_p50")    $(printf '%6s' "$dash_p99")   $dash_ok
  CSV import, $import_rows rows ($import_bytes bytes): upload $(printf '%.1f' "$imp_up") s, dry run $imp_dry s, apply $imp_apply s; $imp_created products created, $imp_failed refused
  the same file again            dry run $again_dry s, apply $again_apply s; $again_unchanged products unchanged
  server RSS while importing     $((imp_before / 1024)) MB before, $(( (imp_peak > again_peak ? imp_peak : again_peak) / 1024 )) MB at the peak

  Lighthouse 12, mobile            perf.  access.   LCP ms   TBT ms    CLS   (goal: perf. and access. >= 95,
$lighthouse_rows
                                                                      TBT <= 50, CLS 0)

  checkout (fsync $fsync)            per s    ratio   goal
  orders, 200 buyers, spread     $(printf '%7s' "$spread_ps")    $(ratio "$spread_ps" "$pgbench_tps")   >= 0.15   stock accounting $([ "$accounting" = 2 ] && echo holds || echo BROKEN)
  orders, 200 buyers, hot item   $(printf '%7s' "$hot_ps")    $(ratio "$hot_ps" "$pgbench_tps")   >= 0.05
  pgbench simple-update          $(printf '%7s' "$pgbench_tps")    1.00
  (place_order alone, carts filled beforehand; 3 items an order, cash on delivery)

  whole checkout over HTTP       $http_orders orders, $http_requests requests in $http_seconds s
  CPU per order                  $http_total_ms ms (server $http_server_ms, PostgreSQL $http_pg_ms)   goal <= 6
REPORT
psql_url "$admin_url" -XqAc "DROP DATABASE IF EXISTS duka_bench WITH (FORCE)" >/dev/null || true
