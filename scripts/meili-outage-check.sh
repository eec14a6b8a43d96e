#!/usr/bin/env bash
# Scripted check: staff publish while Meilisearch is stopped; public search falls back to the
# database with a notice; Meilisearch starts again and the outbox worker brings every change
# into the index. Needs a Meilisearch server binary (built from source, outside this repo):
#   MEILI_BIN=/path/to/meilisearch scripts/meili-outage-check.sh
# JINGSHI_BIN defaults to target/release/jingshi (built when missing).
set -euo pipefail

: "${MEILI_BIN:?set MEILI_BIN to a meilisearch binary}"
bin=${JINGSHI_BIN:-target/release/jingshi}
[ -x "$bin" ] || cargo build --release
work=$(mktemp -d /tmp/jingshi-meili.XXXXXX)
key=jingshi-outage-check-key-0123456789
mport=17751; port=18751
export JINGSHI_MEILI_URL=http://127.0.0.1:$mport JINGSHI_MEILI_KEY=$key JINGSHI_MEILI_INDEX=outage
db="sqlite://$work/jingshi.db"
cleanup() { kill "${meili:-}" "${server:-}" 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

start_meili() {
  (cd "$work" && exec "$MEILI_BIN" --db-path "$work/meili" --http-addr "127.0.0.1:$mport" \
     --no-analytics --master-key "$key" >"$work/meili.log" 2>&1) &
  meili=$!
  for _ in $(seq 100); do curl -fsS "127.0.0.1:$mport/health" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "meilisearch did not start" >&2; exit 1
}
csv() { # FILE NAME...
  local f=$1; shift
  echo "主体名称,业态,名单类型,列入事由,认定机关,列入日期" >"$f"
  for n in "$@"; do echo "$n,网络借贷,黑名单,拒不配合清理整顿,示例区金融办,2025-01-02" >>"$f"; done
}
hits() { # QUERY -> total from the API (the engine's answer unless a notice is present)
  curl -fsS "127.0.0.1:$port/api/v1/entries?q=$1" | python3 -c \
    'import json,sys; d=json.load(sys.stdin); print(d["total"], "fallback" if "notice" in d else "engine")'
}

start_meili
csv "$work/a.csv" 示例青松甲有限公司 示例青松乙有限公司
"$bin" --database-url "$db" import entries "$work/a.csv" --publish >/dev/null
"$bin" --database-url "$db" --data-dir "$work" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fsS "127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
sleep 2
echo "before the outage, 青松: $(hits %E9%9D%92%E6%9D%BE)"

kill "$meili"; wait "$meili" 2>/dev/null || true; meili=
csv "$work/b.csv" 示例雨燕甲有限公司 示例雨燕乙有限公司 示例雨燕丙有限公司
"$bin" --database-url "$db" import entries "$work/b.csv" --publish >/dev/null
sleep 2
during=$(hits %E9%9B%A8%E7%87%95)
echo "Meilisearch stopped, 雨燕: $during"
page=$(curl -fsS "127.0.0.1:$port/search?q=%E9%9B%A8%E7%87%95")
grep -q 检索服务暂时不可用 <<<"$page" && echo "search page shows the fallback notice (status 200)"

start_meili
for i in $(seq 90); do
  after=$(hits %E9%9B%A8%E7%87%95)
  [ "$after" = "3 engine" ] && break
  sleep 1
done
echo "Meilisearch back after the outage, 雨燕: $after (waited ${i}s)"
docs=$(curl -fsS "127.0.0.1:$port/api/v1/entries?q=%E7%A4%BA%E4%BE%8B" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "documents found with 示例 after recovery: $docs (expected 5)"
[ "$during" = "3 fallback" ] && [ "$after" = "3 engine" ] && [ "$docs" = 5 ] \
  && echo "== outage check passed" || { echo "== outage check FAILED"; cat "$work/serve.log" | tail -20; exit 1; }
