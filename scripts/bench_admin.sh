# Sourced by bench.sh: a real staff session for the admin figures. The owner is created by
# the CLI, signs in with the password, enrols an authenticator (the TOTP code computed with
# node, as an app would) and keeps the session cookies; every step is the production path.

# Prints a `Cookie:` header value for a signed-in owner of the store at $base.
admin_cookie() {
  local jar="$DUKA_STATE/bench-cookies.txt" email="bench-owner@duka.test" pass="Kettle-Of-Cardamom-Tea-26"
  rm -f "$jar"
  if [ -z "$(psql_url "$DATABASE_URL" -XqAtc "SELECT id FROM accounts WHERE email = '$email'")" ]; then
    DUKA_OWNER_PASSWORD="$pass" target/release/duka admin create-owner --email "$email" >/dev/null
  else
    # A re-run: the last run's owner enrols a new authenticator, as after a reset.
    psql_url "$DATABASE_URL" -XqAc "DELETE FROM staff_recovery_codes WHERE account_id IN
        (SELECT id FROM accounts WHERE email = '$email');
      DELETE FROM staff_totp WHERE account_id IN (SELECT id FROM accounts WHERE email = '$email')" >/dev/null
  fi
  local sign_in enrol page secret code
  sign_in=$(curl -s "$base/admin/sign-in" | grep -oE 'action="/api/staff_sign_in[^"]*"' | head -n1 | cut -d'"' -f2)
  curl -s -o /dev/null -c "$jar" -b "$jar" -H "Origin: $base" \
    --data-urlencode "email=$email" --data-urlencode "password=$pass" "$base$sign_in"
  page=$(curl -s -c "$jar" -b "$jar" "$base/admin/enrol")
  secret=$(echo "$page" | grep -oE 'class="totp-secret">[A-Z2-7]+' | cut -d'>' -f2)
  enrol=$(echo "$page" | grep -oE 'action="/api/confirm_enrolment[^"]*"' | head -n1 | cut -d'"' -f2)
  [ -n "$secret" ] && [ -n "$enrol" ] || die "bench: the admin enrolment page did not offer a secret"
  code=$(node -e '
    const c = require("crypto"); const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bits = ""; for (const ch of process.argv[1]) bits += a.indexOf(ch).toString(2).padStart(5, "0");
    const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
    const n = Buffer.alloc(8); n.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
    const m = c.createHmac("sha1", key).update(n).digest(); const o = m[19] & 15;
    console.log(String((m.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0"));' "$secret")
  curl -s -o /dev/null -c "$jar" -b "$jar" -H "Origin: $base" --data-urlencode "code=$code" "$base$enrol"
  awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) { sub(/^#HttpOnly_/, "", $1); printf "%s%s=%s", sep, $6, $7; sep="; " } }' "$jar"
}

# p50 and p99 in ms of GET $1 with cookie $2 at $3 requests/s.
admin_latency() {
  hey -z "${seconds}s" -c 5 -q $((($3 + 4) / 5)) -H "Cookie: $2" "$base$1" |
    awk '/ 50% in/ {p50=$3} / 99% in/ {p99=$3} /\[200\]/ {ok=$2} END {printf "%.2f %.2f %d", p50*1000, p99*1000, ok}'
}

# A catalog CSV of $2 rows at $1: products of two variants each (sizes S and M), new to the
# shop, in Duka's columns.
import_csv() {
  awk -v rows="$2" 'BEGIN {
    print "handle,name,status,brand,description,sku,options,price,stock,weight_grams"
    for (i = 0; i < rows / 2; i++) {
      for (s = 0; s < 2; s++) {
        size = s ? "M" : "S"
        printf "bench-import-%d,Imported item %d,active,Bench,\"Made for the import bench, line %d.\",BI-%d-%s,Size=%s,%d.%02d,%d,%d\n",
          i, i, i, i, size, size, 10 + i % 90, i % 100, i % 7, 100 + s * 50
      }
    }
  }' >"$1"
}

# Waits for import $1 to finish, sampling the server's resident memory; prints the seconds
# it took and the highest RSS seen in KB.
import_wait() {
  local id="$1" t0 state peak=0 rss
  t0=$(date +%s.%N)
  while :; do
    state=$(psql_url "$DATABASE_URL" -XqAtc "SELECT state FROM catalog_imports WHERE id = $id")
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    case "$state" in done | failed) break ;; esac
    sleep 0.2
  done
  [ "$state" = done ] || die "bench: import $id $state: $(psql_url "$DATABASE_URL" -XqAtc "SELECT error FROM catalog_imports WHERE id = $id")"
  echo "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') $peak"
}

# Imports $1 through the admin as staff with cookie $2: upload, dry run, apply. Prints the
# upload, dry-run and apply seconds, the server's RSS before and at its peak in KB, and the
# products created, unchanged and refused.
admin_import() {
  local file="$1" cookie="$2" location id apply dry_s dry_peak apply_s apply_peak up_s before
  before=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")
  read -r up_s location <<<"$(curl -s -o /dev/null -w '%{time_total} %{redirect_url}' -H "Cookie: $cookie" -H "Origin: $base" \
    -F "file=@$file;type=text/csv" "$base/admin/products/import/upload")"
  id="${location##*/}"
  [[ "$id" =~ ^[0-9]+$ ]] || die "bench: the import upload did not start a job ($location)"
  read -r dry_s dry_peak <<<"$(import_wait "$id")"
  apply=$(curl -s -H "Cookie: $cookie" "$base/admin/products/import/$id" | grep -oE 'action="/api/apply_import[^"]*"' | head -n1 | cut -d'"' -f2)
  [ -n "$apply" ] || die "bench: the dry run of import $id offers no apply"
  curl -s -o /dev/null -H "Cookie: $cookie" -H "Origin: $base" --data-urlencode "id=$id" "$base$apply"
  read -r apply_s apply_peak <<<"$(import_wait "$id")"
  echo "$up_s $dry_s $apply_s $before $((dry_peak > apply_peak ? dry_peak : apply_peak)) $(psql_url "$DATABASE_URL" -XqAtc "SELECT created, unchanged, failed FROM catalog_imports WHERE id = $id" | tr '|' ' ')"
}

# $1 orders in the bench database, placed over the last $1 minutes (oldest first, as ids
# run), each with two lines: the newest 2 % waiting to be packed or shipped, the rest mostly
# delivered; card and cash; one in ten to Zambia; a few partly refunded. Written in SQL (placing them through checkout would
# take the bench longer than everything else); the list reads them as it reads any order.
seed_orders() {
  psql_url "$bench_url" -XqA -v ON_ERROR_STOP=1 <<SQL >/dev/null
DELETE FROM orders WHERE checkout_key LIKE 'bench-order-%';
INSERT INTO orders (checkout_key, access_hash, email, status, payment_method, currency,
    prices_include_tax, subtotal_minor, discount_minor, shipping_minor, tax_minor, total_minor,
    paid_minor, refunded_minor, shipping_address, shipping_country, shipping_rate_name,
    tax_rate_bp, created_at)
SELECT 'bench-order-' || lpad(i::text, 10, '0'), sha256(i::text::bytea),
       'buyer' || i || '@bench.test',
       CASE WHEN i > $1 * 49 / 50  -- the newest 2 % are still being packed or shipped
            THEN (ARRAY['paid', 'confirmed', 'fulfilled', 'shipped'])[1 + i % 4]
            ELSE (ARRAY['delivered', 'delivered', 'delivered', 'delivered', 'delivered',
                        'delivered', 'cancelled', 'shipped'])[1 + i % 8] END,
       CASE WHEN i % 3 = 0 THEN 'card' ELSE 'cash_on_delivery' END,
       'AED', true, 10000, 0, 1500, 548, 11500,
       CASE WHEN i % 3 = 0 OR i % 8 < 6 THEN 11500 ELSE 0 END,
       CASE WHEN i % 50 = 0 AND (i % 3 = 0 OR i % 8 < 6) THEN 2000 ELSE 0 END,
       jsonb_build_object('name', 'Bench Buyer ' || i, 'phone', '+971 50 ' || lpad((i % 10000000)::text, 7, '0'),
                          'line1', i || ' Bench Road', 'city', 'Dubai', 'country',
                          CASE WHEN i % 10 = 0 THEN 'ZM' ELSE 'AE' END),
       CASE WHEN i % 10 = 0 THEN 'ZM' ELSE 'AE' END, 'Standard', 500,
       now() - make_interval(mins => (($1 - i)::BIGINT * 525600 / $1)::INT)  -- over the last year
FROM generate_series(1, $1) i;
INSERT INTO order_lines (order_id, line_no, variant_id, sku, product_name, unit_price_minor,
    quantity, discount_minor, tax_minor, tax_rate_bp)
SELECT o.id, n, v.ids[1 + (o.id * 2 + n) % 1000], 'BENCH-' || n,
       'Bench item ' || ((o.id * 2 + n) % 1000), 5000, 1, 0, 238, 500
FROM orders o, generate_series(1, 2) n,
     (SELECT array_agg(id) AS ids FROM (SELECT id FROM variants ORDER BY id LIMIT 1000) f) v
WHERE o.checkout_key LIKE 'bench-order-%';
ANALYZE orders; ANALYZE order_lines;
SQL
}
