#!/usr/bin/env bash
# Start-up on Meilisearch: how long `jingshi serve` takes, from the process starting, to its
# first lookup answered by the index (not the database fallback, which says so in `notice`),
# when the index already exists with jingshi's settings. Needs a Meilisearch server binary
# (built from source, outside this repo):
#   MEILI_BIN=/path/to/meilisearch scripts/meili-startup.sh [RUNS]
# JINGSHI_BIN defaults to target/release/jingshi (built when missing).
set -euo pipefail

: "${MEILI_BIN:?set MEILI_BIN to a meilisearch binary}"
runs=${1:-5}
bin=${JINGSHI_BIN:-target/release/jingshi}
[ -x "$bin" ] || cargo build --release
work=$(mktemp -d /tmp/jingshi-meili-startup.XXXXXX)
key=jingshi-startup-check-key-0123456789
mport=17752; port=18752
export JINGSHI_MEILI_URL=http://127.0.0.1:$mport JINGSHI_MEILI_KEY=$key JINGSHI_MEILI_INDEX=startup
cleanup() { kill "${meili:-}" "${server:-}" 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

(cd "$work" && exec "$MEILI_BIN" --db-path "$work/meili" --http-addr "127.0.0.1:$mport" \
   --no-analytics --master-key "$key" >"$work/meili.log" 2>&1) &
meili=$!
for _ in $(seq 100); do curl -fsS "127.0.0.1:$mport/health" >/dev/null 2>&1 && break; sleep 0.1; done

# 鑫利宝, a demo entry.
url="http://127.0.0.1:$port/api/v1/entries?q=%E9%91%AB%E5%88%A9%E5%AE%9D"
indexed_answer() {
  local out
  out=$(curl -s -m 2 "$url" 2>/dev/null) || return 1
  [ -n "$out" ] && ! grep -q '"notice"' <<<"$out" && grep -q '"total":[1-9]' <<<"$out"
}
serve() { # SERVE-ARGS...
  "$bin" --data-dir "$work" --content-dir content --database-url "sqlite://$work/demo.db" \
    serve --bind "127.0.0.1:$port" --admin-bind none "$@" >>"$work/serve.log" 2>&1 &
  server=$!
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }

# The first start creates the index, sends the settings and indexes the demo data.
serve --demo
until indexed_answer; do sleep 0.1; done
stop
echo "Meilisearch $("$MEILI_BIN" --version 2>/dev/null | head -1), index with settings in place; $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1 /proc/loadavg)"
for i in $(seq "$runs"); do
  started=$(date +%s%N)
  serve
  until indexed_answer; do sleep 0.01; done
  echo "start $i: first answer from the index after $(( ($(date +%s%N) - started) / 1000000 )) ms"
  stop
done
