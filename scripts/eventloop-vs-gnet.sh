#!/usr/bin/env bash
# The homemade loop against gnet, by server CPU per request: plaintext
# keep-alive at 16, 64, 256 and 1,024 connections, and pipelined 16 deep on
# 256, PAIRS repetitions of each point. Every point is a fresh server pinned
# to the server CPU, the two models interleaved in randomized blocks, server
# CPU read from each server's own cgroup (nanoseconds) where the host allows
# it. It prints, per level, both medians with their 95% intervals and the
# paired ratio eventloop/gnet with its 95% interval (`loopbench pairs`).
#
#   scripts/eventloop-vs-gnet.sh                 # 6 pairs, 3 s windows
#   PAIRS=10 DURATION=5s scripts/eventloop-vs-gnet.sh
#
# A thin wrapper: `loopbench run` starts, pins, measures and stops every
# process itself; this script only writes the two workload files.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-6}
DURATION=${DURATION:-3s}
OUT=${OUT:-$(mktemp -d -t loopbench-el-gnet-XXXXXX)}
BIN=${BIN:-bin/loopbench}
[ -x "$BIN" ] || make build >&2

dir=$(mktemp -d -t loopbench-el-gnet-workloads-XXXXXX)
trap 'rm -rf "$dir"' EXIT
workload() { # name connections pipeline
	cat >"$dir/$1.toml" <<TOML
name = "$1"
description = "GET /plaintext, eventloop against gnet"
mode = "closed"
duration = "$DURATION"
warmup = "500ms"
repetitions = $PAIRS
models = ["eventloop", "gnet"]

[[mix]]
target = "/plaintext"
weight = 1

[closed]
connections = $2
pipeline = $3
TOML
}
workload keepalive "[16, 64, 256, 1024]" 1
workload pipelined "[256]" 16

"$BIN" run --workload "$dir/keepalive.toml" --workload "$dir/pipelined.toml" \
	--models eventloop,gnet --out "$OUT" >/dev/null
echo "results: $OUT/latest"
"$BIN" pairs "$OUT/latest" --a eventloop --b gnet --metric cpu
