#!/usr/bin/env bash
# Backs up a shop: its database and its media (product pictures), into one new directory.
#
#   scripts/backup.sh DEST            writes DEST/duka-<UTC time>/ and prints its path
#
# Reads DATABASE_URL and DUKA_MEDIA_DIR (default .duka/media), like the server. The database
# is dumped first (pg_dump's custom format: one consistent snapshot, compressed), then the
# media: every picture a dumped row names was written before its row, so the copy holds them
# all. manifest.txt records what was taken and each file's SHA-256, which restore.sh checks.
# Restore with scripts/restore.sh. For point-in-time recovery see the README (Backups).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 1 ] || die "usage: scripts/backup.sh DEST"
[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set: the database to back up"
media="${DUKA_MEDIA_DIR:-$DUKA_ROOT/.duka/media}"
[ -d "$media" ] || die "no media directory at $media (set DUKA_MEDIA_DIR)"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dest="$1/duka-$stamp"
[ ! -e "$dest" ] || die "$dest already exists"
# Written under a temporary name and renamed when whole: a directory named duka-* is a
# complete backup.
partial="$1/.duka-$stamp.partial"
mkdir -p "$partial"
trap 'rm -rf "$partial"' EXIT

say "dumping the database"
pg_client_url pg_dump "$DATABASE_URL" --format=custom --compress=6 --no-owner --no-privileges \
  --file="$partial/db.dump"
version="$(psql_url "$DATABASE_URL" -XqAtc "SELECT max(version) FROM _sqlx_migrations WHERE success")"

say "copying the media from $media"
tar -C "$media" -cf "$partial/media.tar" .

{
  echo "duka backup $stamp"
  echo "schema $version"
  (cd "$partial" && sha256sum db.dump media.tar)
} > "$partial/manifest.txt"
mv "$partial" "$dest"
trap - EXIT
say "backup written: $dest ($(du -sh "$dest" | cut -f1))"
echo "$dest"
