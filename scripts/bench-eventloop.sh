#!/usr/bin/env bash
# bench-eventloop.sh measures the homemade event loop against gnet the way
# issue 3 asks: the server pinned to CPU 1, wrk pinned to CPU 0, keep-alive
# at 64, 256 and 1,024 connections and pipelined 16 deep at 256 connections.
# For every point it prints req/s and the server's CPU time (user + system,
# read by `loopbench load --connections 0 --server-pid` while wrk runs) per
# answered request, the figure that separates servers when the single client
# core is the limit.
#
# Usage: scripts/bench-eventloop.sh            (DURATION=5s ROUNDS=1 by default)
#        MODELS="eventloop gnet" CONNS="64 1024" DURATION=10s ROUNDS=3 scripts/bench-eventloop.sh
# Extra server flags (e.g. --loops 2) go in SERVE_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."

MODELS=${MODELS:-"eventloop gnet"}
CONNS=${CONNS:-"64 256 1024"}
PIPELINE_CONNS=${PIPELINE_CONNS:-256}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
ROUNDS=${ROUNDS:-1}
PORT=${PORT:-18080}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVE_FLAGS=${SERVE_FLAGS:-}

if ! command -v wrk >/dev/null; then
	apt-get install -y wrk >&2
fi
go build -o bin/loopbench ./cmd/loopbench

work=$(mktemp -d)
server_pid=""
cleanup() {
	if [[ -n "$server_pid" ]]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

start_server() {
	local model=$1
	# shellcheck disable=SC2086
	taskset -c "$SERVER_CPU" bin/loopbench serve --model "$model" --addr "127.0.0.1:$PORT" $SERVE_FLAGS \
		2>"$work/$model.stderr" &
	server_pid=$!
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$server_pid" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "server $model did not start:" >&2
	cat "$work/$model.stderr" >&2
	exit 1
}

stop_server() {
	kill -TERM "$server_pid"
	wait "$server_pid" || true
	server_pid=""
}

# measure runs wrk once to warm up and once under `loopbench load
# --connections 0`, which reads the server while wrk runs and adds its
# "server CPU" line (user and system seconds in fields 4 and 6) to wrk's
# output, and prints one line.
measure() {
	local model=$1 conns=$2 mode=$3
	local script=()
	[[ "$mode" == pipelined-16 ]] && script=(-s scripts/pipeline16.lua)
	taskset -c "$CLIENT_CPU" wrk -t1 -c"$conns" -d"$WARMUP" "${script[@]}" "http://127.0.0.1:$PORT/plaintext" >/dev/null
	taskset -c "$CLIENT_CPU" bin/loopbench load --connections 0 --server-pid "$server_pid" -- \
		wrk -t1 -c"$conns" -d"$DURATION" "${script[@]}" "http://127.0.0.1:$PORT/plaintext" >"$work/wrk.out"
	local requests rps errors cpu
	requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
	rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
	errors=$(grep -E 'Socket errors|Non-2xx' "$work/wrk.out" | tr -s ' ' | tr '\n' ';' || true)
	cpu=$(awk '/^server CPU/ {print $4 + $6}' "$work/wrk.out")
	awk -v m="$model" -v c="$conns" -v mode="$mode" -v r="$requests" -v rps="$rps" -v cpu="$cpu" -v e="$errors" 'BEGIN {
		printf "%-10s %-13s %6d %12.0f %14.2f %s\n", m, mode, c, rps, cpu * 1e6 / r, e
	}'
}

available=$(bin/loopbench models 2>/dev/null | awk '$2 == "yes" {print $1}')
printf "%-10s %-13s %6s %12s %14s\n" model mode conns req/s "server-us/req"
for round in $(seq "$ROUNDS"); do
	for model in $MODELS; do
		if ! grep -qx "$model" <<<"$available"; then
			echo "# round $round: model $model is not available in this build, skipped" >&2
			continue
		fi
		start_server "$model"
		for c in $CONNS; do
			measure "$model" "$c" keep-alive
		done
		measure "$model" "$PIPELINE_CONNS" pipelined-16
		stop_server
	done
done
