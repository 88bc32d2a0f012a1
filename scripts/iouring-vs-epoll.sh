#!/usr/bin/env bash
# The homemade loop on io_uring against itself on epoll and against gnet,
# by server CPU per request: plaintext keep-alive at 16, 64, 256 and 1,024
# connections and pipelined 16 deep on 256, PAIRS repetitions of each point;
# then /file (64 KiB) at 64 connections, io_uring (reads on the ring)
# against epoll (reads on the thread pool), by throughput and CPU.
#
# Every point is a fresh server pinned to the server CPU, the series of a
# level interleaved in randomized blocks (`loopbench run`), server CPU read
# from each server's own cgroup. Each level is its own run, so that each
# holds the measurement lock (LOCK, flock) for well under five minutes on a
# shared host. It prints, per level, the medians with their 95% intervals
# and the paired ratios with theirs (`loopbench pairs`):
#   eventloop/io-uring ÷ eventloop, eventloop/io-uring ÷ gnet, eventloop ÷ gnet
#
#   scripts/iouring-vs-epoll.sh                      # 6 pairs, 1.5 s windows
#   PAIRS=10 DURATION=3s scripts/iouring-vs-epoll.sh
#   LEVELS="64" PIPELINED= SKIP_FILE=1 scripts/iouring-vs-epoll.sh   # one level
#   LEVELS= PIPELINED= scripts/iouring-vs-epoll.sh                   # /file only
#
# A thin wrapper: `loopbench run` starts, pins, measures and stops every
# process itself; this script writes the workload files and takes the lock.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-6}
DURATION=${DURATION:-1500ms}
LEVELS=${LEVELS-"16 64 256 1024"}
PIPELINED=${PIPELINED-256}
FILE_CONNS=${FILE_CONNS:-64}
SKIP_FILE=${SKIP_FILE:-}
LOCK=${LOCK:-/tmp/loopbench-measure.lock}
OUT=${OUT:-$(mktemp -d -t loopbench-iouring-XXXXXX)}
BIN=${BIN:-bin/loopbench}
[ -x "$BIN" ] || make build >&2

dir=$(mktemp -d -t loopbench-iouring-workloads-XXXXXX)
trap 'rm -rf "$dir"' EXIT

# workload NAME TARGET CONNECTIONS PIPELINE MODELS [data]
workload() {
	cat >"$dir/$1.toml" <<TOML
name = "$1"
description = "GET $2, eventloop on io_uring against epoll${6:+ (reads on the ring against the pool)}"
mode = "closed"
duration = "$DURATION"
warmup = "500ms"
repetitions = $PAIRS
models = $5

[[mix]]
target = "$2"
weight = 1

[closed]
connections = [$3]
pipeline = $4

[[variants]]
name = "io-uring"
flags = ["--io-uring"]
models = ["eventloop"]
${6:+
[server]
data = true}
TOML
}

# measure NAME: one run of one workload under the lock; prints its directory.
measure() {
	local out="$OUT/$1"
	mkdir -p "$out"
	flock "$LOCK" "$BIN" run --workload "$dir/$1.toml" --out "$out" >"$out/run.log" 2>&1 ||
		{ cat "$out/run.log" >&2; return 1; }
	echo "$out/latest"
}

pairs() { # RUN A B METRIC
	echo "## $2 ÷ $3 ($4)"
	"$BIN" pairs "$1" --a "$2" --b "$3" --metric "$4" || true
	echo
}

for c in $LEVELS; do
	workload "keepalive-$c" /plaintext "$c" 1 '["eventloop", "gnet"]'
done
[ -z "$PIPELINED" ] || workload "pipelined-$PIPELINED" /plaintext "$PIPELINED" 16 '["eventloop", "gnet"]'
workload "file-$FILE_CONNS" "/file?name=medium.bin" "$FILE_CONNS" 1 '["eventloop"]' data

names=()
for c in $LEVELS; do names+=("keepalive-$c"); done
[ -z "$PIPELINED" ] || names+=("pipelined-$PIPELINED")
for name in "${names[@]}"; do
	echo "# $name" >&2
	run=$(measure "$name")
	echo "# $name: $run"
	pairs "$run" eventloop/io-uring eventloop cpu
	pairs "$run" eventloop/io-uring gnet cpu
	pairs "$run" eventloop gnet cpu
done
if [ -z "$SKIP_FILE" ]; then
	echo "# file-$FILE_CONNS" >&2
	run=$(measure "file-$FILE_CONNS")
	echo "# file-$FILE_CONNS: $run"
	pairs "$run" eventloop/io-uring eventloop throughput
	pairs "$run" eventloop/io-uring eventloop cpu
fi
echo "results: $OUT"
