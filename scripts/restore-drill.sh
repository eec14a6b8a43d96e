#!/usr/bin/env bash
# Backup-and-restore drill: SQLite (jingshi backup) and PostgreSQL (pg_dump / pg_restore).
# Builds the demo database, backs it up, restores it elsewhere, serves the restored copy and
# compares what the API answers. Needs PostgreSQL's initdb/pg_ctl/pg_dump (Debian: postgresql).
# Run from the repository root: scripts/restore-drill.sh
set -euo pipefail

bin=target/release/jingshi
[ -x "$bin" ] || cargo build --release
pgbin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -n 1)")
work=$(mktemp -d /tmp/jingshi-drill.XXXXXX)
chmod 755 "$work"
runas=()
[ "$(id -u)" = 0 ] && { chown postgres "$work"; runas=(runuser -u postgres --); }
port=55439
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  "${runas[@]}" "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

count() { # URL -> "entries=N articles=M"
  local e a
  e=$(curl -fsS "$1/api/v1/entries?per_page=1" | sed -E 's/.*"total":([0-9]+).*/\1/')
  a=$(curl -fsS "$1/api/v1/articles?per_page=1" | sed -E 's/.*"total":([0-9]+).*/\1/')
  echo "entries=$e articles=$a"
}
serve() { # DATABASE_URL PORT
  "$bin" --database-url "$1" serve --bind "127.0.0.1:$2" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 50); do curl -fsS "127.0.0.1:$2/healthz" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "server on $1 did not start" >&2; exit 1
}
stop() { kill "$server"; wait "$server" || true; server=; }

echo "== SQLite: demo database, jingshi backup, restore by copying the file back"
"$bin" --data-dir "$work" --database-url "sqlite://$work/live.db" import entries content/demo/entries.csv --publish >/dev/null
"$bin" --database-url "sqlite://$work/live.db" import content content/demo >/dev/null
serve "sqlite://$work/live.db" 18081; before=$(count http://127.0.0.1:18081)
"$bin" --database-url "sqlite://$work/live.db" backup "$work/backup.db"   # while serving
stop
cp "$work/backup.db" "$work/restored.db"
serve "sqlite://$work/restored.db" 18082; after=$(count http://127.0.0.1:18082); stop
echo "live:     $before"; echo "restored: $after"
[ "$before" = "$after" ] || { echo "SQLite restore differs" >&2; exit 1; }

echo "== PostgreSQL: migrate-data, pg_dump -Fc, pg_restore into a new database"
"${runas[@]}" "$pgbin/initdb" -A trust -U postgres -D "$work/pg" >/dev/null
"${runas[@]}" "$pgbin/pg_ctl" -D "$work/pg" -o "-p $port -k $work -c listen_addresses=127.0.0.1" -l "$work/pg.log" -w start >/dev/null
pg="postgres://postgres@127.0.0.1:$port"
"$pgbin/createdb" -h 127.0.0.1 -p $port -U postgres jingshi
"$bin" migrate-data --from "sqlite://$work/live.db" --to "$pg/jingshi"
"$pgbin/pg_dump" -h 127.0.0.1 -p $port -U postgres -Fc -f "$work/jingshi.dump" jingshi
"$pgbin/createdb" -h 127.0.0.1 -p $port -U postgres jingshi_restored
"$pgbin/pg_restore" -h 127.0.0.1 -p $port -U postgres --no-owner -d jingshi_restored "$work/jingshi.dump"
serve "$pg/jingshi" 18083; before=$(count http://127.0.0.1:18083); stop
serve "$pg/jingshi_restored" 18084; after=$(count http://127.0.0.1:18084); stop
echo "live:     $before"; echo "restored: $after"
[ "$before" = "$after" ] || { echo "PostgreSQL restore differs" >&2; exit 1; }
echo "== drill passed"
