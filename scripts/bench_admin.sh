# Sourced by bench.sh: a real staff session for the admin figures. The owner is created by
# the CLI, signs in with the password, enrols an authenticator (the TOTP code computed with
# node, as an app would) and keeps the session cookies; every step is the production path.

# Prints a `Cookie:` header value for a signed-in owner of the store at $base.
admin_cookie() {
  local jar="$DUKA_STATE/bench-cookies.txt" email="bench-owner@duka.test" pass="Kettle-Of-Cardamom-Tea-26"
  rm -f "$jar"
  DUKA_OWNER_PASSWORD="$pass" target/release/duka admin create-owner --email "$email" >/dev/null
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
