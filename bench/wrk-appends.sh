#!/usr/bin/env bash
# Durable appends per second through a node's write route, measured with wrk (a C load
# generator, lighter than `verity bench serve`'s in-process clients, which share the two cores
# with the node). Sets up a fresh log in a temporary directory, serves it on loopback, posts
# notifications to /notify from 64 connections for DURATION seconds per round, then audits the
# log (every acknowledged append must be there, signed and in the tree) and stops the node.
#
#   bench/wrk-appends.sh [ROUNDS] [DURATION]     (needs wrk: apt-get install wrk)
set -euo pipefail
rounds="${1:-3}"
duration="${2:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
verity="$root/target/release/verity"
work="$(mktemp -d)"
trap 'kill "$node" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export VERITY_PASSPHRASE=wrk-bench
"$verity" keygen --party USA --out keys >/dev/null
"$verity" log init --party USA --key keys --db usa.db >/dev/null 2>&1
printf 'uid,class,type,site,status,warheads\nU1,icbm,Minuteman III,BASE-1,deployed,1\n' > inv.csv
"$verity" declare --db usa.db --inventory inv.csv --treaty new-start --as-of 2026-01-01 --today 2026-01-02 >/dev/null
port=$((20000 + RANDOM % 20000))
"$verity" serve --db usa.db --listen "127.0.0.1:$port" --today 2026-01-03 >serve.log 2>&1 &
node=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/checkpoint" >/dev/null && break; sleep 0.1; done
cat > post.lua <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $(cat usa.db.token)"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"declaration":0,"event":"eliminated","event_date":"2026-01-01","uid":"U1","old":{"uid":"U1","class":"icbm","type":"Minuteman III","site":"BASE-1","status":"deployed","warheads":1}}'
wrk.path = "/notify"
LUA
for r in $(seq "$rounds"); do
  echo "round $r:"
  wrk -t2 -c64 -d"${duration}s" -s post.lua "http://127.0.0.1:$port" | grep -E "requests in|Requests/sec|Non-2xx" | sed 's/^/  /'
done
size="$(curl -s "http://127.0.0.1:$port/checkpoint" | sed -n 2p)"
kill "$node"; wait "$node" 2>/dev/null || true
echo "log size after the runs: $size entries (the declaration, every acknowledged append, and the few in flight when wrk stopped counting)"
"$verity" audit --db usa.db --key keys/usa.pub | tail -1
