#!/usr/bin/env bash
# Scripted check: 20,000 connections that never send a request must not stop the site.
# Starts the demo site, opens CONNECTIONS (20,000) idle TCP connections to it and holds them,
# times normal requests while they are held (each must answer within a second; those made
# while they are being opened are shown too), then lets go and shows that the server's memory
# and open descriptors return near where they started.
#   scripts/idle-connections.sh
# JINGSHI_BIN defaults to target/release/jingshi (built when missing); extra arguments go to
# `jingshi serve` (e.g. --max-connections 1000).
set -euo pipefail

bin=${JINGSHI_BIN:-target/release/jingshi}
[ -x "$bin" ] || cargo build --release
connections=${CONNECTIONS:-20000}
work=$(mktemp -d /tmp/jingshi-idle.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { kill "${server:-}" 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

RUST_LOG=${RUST_LOG:-jingshi=info} "$bin" --data-dir "$work" serve --demo \
  --bind "127.0.0.1:$port" "$@" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 300); do curl -fsS "127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "127.0.0.1:$port/healthz" >/dev/null || { cat "$work/serve.log"; exit 1; }

python3 - "$port" "$server" "$connections" <<'PY'
import os, resource, selectors, socket, statistics, sys, threading, time, urllib.request

port, pid, total = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
url = f"http://127.0.0.1:{port}"

def server_state():
    status = open(f"/proc/{pid}/status").read()
    field = lambda k: int(next(l.split()[1] for l in status.splitlines() if l.startswith(k)))
    return field("VmRSS:") / 1024, field("VmHWM:") / 1024, len(os.listdir(f"/proc/{pid}/fd"))

def timed(path):
    started = time.monotonic()
    with urllib.request.urlopen(url + path, timeout=10) as r:
        r.read()
        status = r.status
    return time.monotonic() - started, status

lookups = ["/search?q=%E9%91%AB%E5%88%A9%E5%AE%9D", "/healthz", "/entries", "/api/v1/entries?q=p2p"]

def requests(n):
    took = []
    for i in range(n):
        t, status = timed(lookups[i % len(lookups)])
        assert status == 200, status
        took.append(t)
    return took

def worker(count, ready_w, stop_r):
    """Opens `count` connections, reports how many it holds, and keeps them until told."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    sel = selectors.DefaultSelector()
    socks, failed = [], 0
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        if s.connect_ex(("127.0.0.1", port)) not in (0, 115):  # 115: EINPROGRESS
            failed += 1
            s.close()
            continue
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE)
    pending, deadline = len(socks), time.monotonic() + 60
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            sel.unregister(key.fileobj)
            pending -= 1
            if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                failed += 1
    os.write(ready_w, f"{len(socks) - failed - pending}\n".encode())
    os.read(stop_r, 1)
    # How many of ours did the server close meanwhile (a read sees the end, or a reset)?
    closed = 0
    for s in socks:
        try:
            s.setblocking(False)
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    os.write(ready_w, f"{closed}\n".encode())
    os._exit(0)

requests(20)  # warm up
rss0, _, fds0 = server_state()
base = requests(20)
print(f"before:  server RSS {rss0:.1f} MiB, {fds0} open descriptors; "
      f"normal requests median {statistics.median(base)*1000:.1f} ms, max {max(base)*1000:.1f} ms")

workers, per = [], [total // 4 + (1 if i < total % 4 else 0) for i in range(4)]
ready_r, ready_w = os.pipe()
stop_r, stop_w = os.pipe()
# A resident's requests while the connections are being opened, one every 200 ms.
flood_done, while_opening = threading.Event(), []
def probe():
    while not flood_done.is_set():
        while_opening.append(requests(1)[0])
        time.sleep(0.2)
prober = threading.Thread(target=probe)
started = time.monotonic()
for count in per:
    child = os.fork()
    if child == 0:
        worker(count, ready_w, stop_r)
    workers.append(child)
prober.start()
reports = os.fdopen(ready_r)
held = sum(int(reports.readline()) for _ in workers)
opened_in = time.monotonic() - started
flood_done.set()
prober.join()
rss1, _, fds1 = server_state()
during = requests(40)
rss2, hwm, fds2 = server_state()
print(f"opening: {held} of {total} idle connections open on the client side "
      f"(opened in {opened_in:.1f} s); normal requests meanwhile median "
      f"{statistics.median(while_opening)*1000:.1f} ms, max {max(while_opening)*1000:.1f} ms "
      f"({len(while_opening)} requests)")
print(f"during:  server RSS {max(rss1, rss2):.1f} MiB, {max(fds1, fds2)} open descriptors; "
      f"normal requests median {statistics.median(during)*1000:.1f} ms, "
      f"max {max(during)*1000:.1f} ms ({len(during)} requests)")
os.write(stop_w, b"x" * len(workers))
closed = sum(int(reports.readline()) for _ in workers)
for child in workers:
    os.waitpid(child, 0)
# Connections the server took late close at the latest after its header timeout (10 s).
released = time.monotonic()
while time.monotonic() - released < 15 and server_state()[2] > fds0 + 10:
    time.sleep(0.5)
settled_in = time.monotonic() - released
rss3, hwm, fds3 = server_state()
after = requests(20)
print(f"server closed {closed} of the {held} idle connections while they were held")
print(f"after:   server RSS {rss3:.1f} MiB (peak {hwm:.1f} MiB), {fds3} open descriptors "
      f"{settled_in:.1f} s after letting go; normal requests max {max(after)*1000:.1f} ms")
# The check is on requests made while the 20,000 are held and after. While they are being
# opened, this machine's kernel drops connection attempts that find its accept queue full,
# the resident's among them (retried after a second): those figures are shown, not judged.
worst = max(during + after)
ok = worst < 1.0 and rss3 < rss0 * 1.5 + 20 and fds3 <= fds0 + 10
print("PASS" if ok else "FAIL",
      "- with the connections held, every normal request answered within a second; "
      "memory and descriptors returned near the start")
sys.exit(0 if ok else 1)
PY
echo "log lines \"connection cap reached\": $(grep -c 'connection cap reached' "$work/serve.log" || true)"
