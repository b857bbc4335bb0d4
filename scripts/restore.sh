#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh into an empty database and media directory.
#
#   scripts/restore.sh BACKUP_DIR
#
# DATABASE_URL names the database to restore into: it must exist and hold no tables (create
# it with `createdb`). DUKA_MEDIA_DIR (default .duka/media) must be empty or absent. Checks
# the manifest's checksums first; restores in one transaction, so a failure leaves the
# database empty. Then start the server on it: `duka serve` (migrations newer than the
# backup apply at start).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 1 ] || die "usage: scripts/restore.sh BACKUP_DIR"
backup="$1"
[ -f "$backup/manifest.txt" ] || die "$backup is not a backup (no manifest.txt)"
[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set: the empty database to restore into"
media="${DUKA_MEDIA_DIR:-$DUKA_ROOT/.duka/media}"

say "checking the backup's checksums"
(cd "$backup" && tail -n +3 manifest.txt | sha256sum --check --quiet) \
  || die "$backup is damaged: its files do not match manifest.txt"

tables="$(psql_url "$DATABASE_URL" -XqAtc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" \
  || die "cannot reach the database in DATABASE_URL"
[ "$tables" = "0" ] || die "the database in DATABASE_URL is not empty ($tables tables): restore into a new one"
if [ -d "$media" ] && [ -n "$(ls -A "$media")" ]; then
  die "the media directory $media is not empty: restore into a new one"
fi

say "restoring the database ($(sed -n 2p "$backup/manifest.txt"))"
pg_client_url pg_restore "$DATABASE_URL" --no-owner --no-privileges --exit-on-error \
  --single-transaction "$backup/db.dump"

say "restoring the media into $media"
mkdir -p "$media"
tar -C "$media" -xf "$backup/media.tar"
say "restored from $backup"
