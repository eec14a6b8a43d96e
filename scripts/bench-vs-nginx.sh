#!/usr/bin/env bash
# Benchmark: the demo site against nginx serving the very same bytes, in one run.
# Starts `jingshi serve --demo`, saves the answer of each URL below, starts nginx on another
# port serving those saved bytes (with the same Content-Type), then runs the same wrk load
# (THREADS threads, CONNECTIONS connections, DURATION) against each URL of each server in
# turn and prints requests per second, the ratio, and the machine's load at the time.
#   scripts/bench-vs-nginx.sh
# nginx and wrk are installed with apt-get when missing. JINGSHI_BIN defaults to
# target/release/jingshi (built when missing). ENCODING=gzip sends `Accept-Encoding: gzip`
# to both (nginx then serves a gzipped copy with gzip_static). Extra arguments go to
# `jingshi serve` (e.g. --cache-mb 0 to see the site without its cache).
set -euo pipefail

bin=${JINGSHI_BIN:-target/release/jingshi}
threads=${THREADS:-2}
connections=${CONNECTIONS:-64}
duration=${DURATION:-15s}
encoding=${ENCODING:-}
[ -x "$bin" ] || cargo build --release
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq nginx wrk >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/jingshi-bench.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
nginx_port=$(free_port)
cleanup() {
  kill "${server:-}" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

RUST_LOG=${RUST_LOG:-jingshi=warn} "$bin" --data-dir "$work" serve --demo \
  --bind "127.0.0.1:$port" --admin-bind none "$@" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 300); do curl -fsS "127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "127.0.0.1:$port/healthz" >/dev/null || { cat "$work/serve.log"; exit 1; }

# The URLs of the issue: home, an entry, the search page, an API lookup, the stylesheet.
entry=$(curl -fsS "127.0.0.1:$port/api/v1/entries?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
q=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("鑫利宝"))')
names=(home entry search api css)
paths=("/" "/entries/$entry" "/search?q=$q" "/api/v1/entries?q=$q" "/static/site.css")

# nginx: each URL's saved answer at its own location, the same Content-Type.
mkdir -p "$work/www"
chmod 755 "$work"
locations=""
for i in "${!names[@]}"; do
  file="$work/www/${names[$i]}"
  type=$(curl -fsS -o "$file" -w '%{content_type}' "127.0.0.1:$port${paths[$i]}")
  [ -n "$encoding" ] && gzip -k -9 "$file"
  path=${paths[$i]%%\?*}
  locations+="location = $path { default_type \"$type\"; rewrite ^ /${names[$i]} break; }"$'\n'
done
cat >"$work/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  types {}
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  gzip_static on;
  client_body_temp_path $work/tmp;
  proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp;
  scgi_temp_path $work/tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    $locations
  }
}
EOF
mkdir -p "$work/tmp"
"$nginx_bin" -c "$work/nginx.conf" -p "$work"
for _ in $(seq 50); do curl -fsS "127.0.0.1:$nginx_port/" >/dev/null 2>&1 && break; sleep 0.1; done

header=()
[ -n "$encoding" ] && header=(-H "Accept-Encoding: $encoding")
rate() {
  # Warm up (fills the cache, as any visitor would), then measure.
  wrk -t1 -c4 -d1s "${header[@]}" "$1" >/dev/null
  wrk -t"$threads" -c"$connections" -d"$duration" "${header[@]}" "$1" |
    awk '/Requests\/sec/ { printf "%d", $2 }'
}

echo "jingshi $(git describe --always --dirty 2>/dev/null || echo '?') vs $("$nginx_bin" -v 2>&1 | sed 's/.*: //'), wrk -t$threads -c$connections -d$duration${encoding:+, Accept-Encoding: $encoding}, $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '| %-40s | %12s | %10s | %5s | %s |\n' "URL (demo data)" "jingshi req/s" "nginx req/s" ratio "load (1 min) before"
printf '|%s|%s|%s|%s|%s|\n' "------------------------------------------" "--------------:" "-----------:" "-----:" "---"
for i in "${!names[@]}"; do
  load=$(cut -d' ' -f1 /proc/loadavg)
  ours=$(rate "http://127.0.0.1:$port${paths[$i]}")
  theirs=$(rate "http://127.0.0.1:$nginx_port${paths[$i]}")
  ratio=$(python3 -c "print(f'{$ours / max($theirs, 1):.2f}')")
  printf '| %-40s | %12s | %10s | %5s | %s |\n' "${names[$i]} ${paths[$i]:0:32}" "$ours" "$theirs" "$ratio" "$load"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
