#!/usr/bin/env bash
# bench-loadgen.sh [MODEL] — is `loopbench load` as fast a client as wrk?
#
# Serves /plaintext with MODEL (default gnet; if it cannot run here, the next
# of gnet evio fasthttp eventloop threaded) pinned to CPU 1, then drives it
# from CPU 0 with wrk and with `loopbench load` at every closed-loop shape
# the plaintext workloads use — keep-alive at 16, 64, 256 and 1,024
# connections, and 256 connections pipelined 16 deep (wrk with a Lua
# script) — ROUNDS rounds, the two clients' order alternating from round to
# round. Every client runs under `loopbench load --connections 0
# --server-pid`, which reads the server while the client runs and reports
# both CPU times. The rounds are written as a results directory (one point
# per shape, client and round) and `loopbench pairs` prints, per shape, the
# paired ratio loopbench/wrk of throughput and of server CPU per request
# with their 95% intervals (6 rounds or more give one; the default 10 give
# one between the second-lowest and second-highest ratio, which one outlier
# round on a noisy host cannot drag below 1).
# Environment: PORT (28181), DURATION in seconds (3), ROUNDS (10), SHAPES
# (a space-separated subset of the shapes above, e.g. "keepalive-c1024"). Installs
# wrk from Debian if it is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
MODEL=${1:-gnet}
PORT=${PORT:-28181}
DURATION=${DURATION:-3}
ROUNDS=${ROUNDS:-10}
ADDR=127.0.0.1:$PORT

SERVER_PID=
TMP=$(mktemp -d)
cleanup() {
	if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill "$SERVER_PID"
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
	echo "installing wrk" >&2
	apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
go build -o bin/loopbench ./cmd/loopbench

CLIENT_CPU=(taskset -c 0)
SERVER_CPU=(taskset -c 1)
if (($(nproc) < 2)); then
	echo "warning: fewer than 2 CPUs; client and server are not pinned apart" >&2
	CLIENT_CPU=() SERVER_CPU=()
fi

# start_server MODEL: true once MODEL answers /plaintext on ADDR.
start_server() {
	"${SERVER_CPU[@]}" bin/loopbench serve --model "$1" --addr "$ADDR" >"$TMP/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 50); do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			wait "$SERVER_PID" 2>/dev/null || true
			SERVER_PID=
			return 1
		fi
		if bin/loopbench load --addr "$ADDR" --connections 1 --warmup 0 --duration 100ms >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

for m in "$MODEL" gnet evio fasthttp eventloop threaded; do
	if start_server "$m"; then
		MODEL=$m
		break
	fi
	echo "model $m does not run here: $(tail -n 1 "$TMP/server.log")" >&2
done
[[ -n $SERVER_PID ]] || { echo "no model could serve $ADDR" >&2; exit 1; }
echo "server: loopbench serve --model $MODEL on $ADDR (pid $SERVER_PID, CPU 1); clients on CPU 0; ${DURATION}s per run, $ROUNDS rounds" >&2

# measure SHAPE CLIENT CMD...: runs CMD on the client CPU under loopbench,
# which adds "client CPU" and "server CPU" lines (user and system seconds in
# fields 4 and 6) after CMD's output, and appends
# "shape client req/s requests errors client_s server_s" to the results.
measure() {
	local shape=$1 client=$2
	shift 2
	local requests rps errors
	"${CLIENT_CPU[@]}" bin/loopbench load --connections 0 --server-pid "$SERVER_PID" -- "$@" >"$TMP/out" 2>&1 ||
		echo "$shape $client: exit status $?" >&2
	if [[ $client == wrk ]]; then
		requests=$(awk '/requests in/ {print $1}' "$TMP/out")
		rps=$(awk '/Requests\/sec/ {print $2}' "$TMP/out")
		errors=$(awk '/Socket errors|Non-2xx/ {e = e $0 "; "} END {print (e == "" ? "none" : e)}' "$TMP/out" | tr -s ' ' | tr ' ' '_')
	else
		requests=$(awk '/^requests/ {print $2}' "$TMP/out")
		rps=$(awk '/^requests/ {gsub("[(]", "", $4); print $4}' "$TMP/out")
		errors=$(awk '/^errors/ {$1 = ""; print}' "$TMP/out" | tr -s ' ' | sed 's/^ //' | tr ' ' '_')
	fi
	if [[ -z $requests || $requests == 0 ]]; then
		echo "$shape $client: no answers; output:" >&2
		cat "$TMP/out" >&2
		return 1
	fi
	# The last "client CPU" line is loopbench's reading of CMD (a loopbench
	# client prints its own first).
	echo "$shape $client $rps $requests ${errors:-none} $(awk '/^client CPU/ {c = $4 + $6} /^server CPU/ {s = $4 + $6} END {print c, s}' "$TMP/out")" >>"$TMP/rows"
	echo "  $shape $client: $rps req/s" >&2
}

LOAD=(bin/loopbench load --addr "$ADDR" --warmup 0 --duration "${DURATION}s")
URL=http://$ADDR/plaintext
# shape_args SHAPE CLIENT: the client's command line for a shape.
run_shape() {
	local shape=$1 client=$2 conns=${1#*-c} depth=1
	[[ $shape == pipelined-* ]] && conns=256 depth=16
	if [[ $client == wrk ]]; then
		local lua=()
		((depth > 1)) && lua=(-s scripts/pipeline16.lua)
		measure "$shape" wrk wrk -t1 -c"$conns" -d"${DURATION}s" "${lua[@]}" "$URL"
	else
		measure "$shape" loopbench "${LOAD[@]}" --connections "$conns" --pipeline "$depth"
	fi
}
read -ra SHAPES <<<"${SHAPES:-keepalive-c16 keepalive-c64 keepalive-c256 keepalive-c1024 pipelined-16x256}"
for round in $(seq "$ROUNDS"); do
	echo "round $round" >&2
	clients=(wrk loopbench)
	((round % 2 == 0)) && clients=(loopbench wrk)
	for shape in "${SHAPES[@]}"; do
		for client in "${clients[@]}"; do
			run_shape "$shape" "$client"
			echo "$round" >>"$TMP/rounds"
		done
	done
done

# The rows as a results directory, one point per shape, client and round,
# for `loopbench pairs`.
mkdir -p "$TMP/run"
paste -d' ' "$TMP/rows" "$TMP/rounds" | awk -v host="$(hostname)" -v model="$MODEL" '
	BEGIN { printf "{\"schema\": 1, \"id\": \"bench-loadgen\", \"started\": \"1970-01-01T00:00:00Z\", \"env\": {\"host\": \"%s\", \"notes\": [\"server: %s\"]}, \"workloads\": [], \"points\": [", host, model }
	{
		conns = $1; sub(/.*-c/, "", conns); depth = 1
		if ($1 ~ /^pipelined/) { conns = 256; depth = 16 }
		printf "%s{\"workload\": \"%s\", \"model\": \"%s\", \"variant\": \"default\", \"mode\": \"closed\", \"connections\": %d, \"pipeline\": %d, \"rep\": %d, \"requests\": %d, \"throughput\": %s, \"cpu_per_request_us\": %.6f, \"validity\": {\"status\": \"valid\"}}", (NR > 1 ? ", " : ""), $1, $2, conns, depth, $8 - 1, $4, $3, $7 * 1e6 / $4
	}
	END { print "]}" }' >"$TMP/run/run.json"
echo
echo "model $MODEL, $ROUNDS rounds of ${DURATION}s per shape and client, clients alternating (wrk's latency is meaningless when pipelined)"
echo "throughput, loopbench/wrk:"
bin/loopbench pairs "$TMP/run" --a loopbench --b wrk --metric throughput
echo "server CPU per request, loopbench/wrk (1.0: both clients made the server work alike):"
bin/loopbench pairs "$TMP/run" --a loopbench --b wrk --metric cpu
