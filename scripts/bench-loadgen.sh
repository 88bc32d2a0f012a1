#!/usr/bin/env bash
# bench-loadgen.sh [MODEL] — is `loopbench load` as fast a client as wrk?
#
# Serves /plaintext with MODEL (default gnet; if it cannot run here, the next
# of gnet evio fasthttp eventloop threaded) pinned to CPU 1, then drives it
# from CPU 0 with wrk and with `loopbench load` in the same shapes, rounds
# interleaved:
#   keep-alive  64 connections            wrk -t1 -c64
#   keep-alive 256 connections            wrk -t1 -c256
#   pipelined  256 connections, 16 deep   wrk -t1 -c256 with a Lua script
# (loopbench with both closed-loop engines: epoll, its default, and a
# goroutine per connection) and prints, per shape and client, the median over rounds of req/s, the
# client's CPU time per request and the server's CPU time per request. Every
# client runs under `loopbench load --connections 0 --server-pid`, which
# reads the server while the client runs and reports both CPU times.
# Environment: PORT (28181), DURATION in seconds (5), ROUNDS (3). Installs
# wrk from Debian if it is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
MODEL=${1:-gnet}
PORT=${PORT:-28181}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
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
for round in $(seq "$ROUNDS"); do
	echo "round $round" >&2
	measure keepalive-c64 wrk wrk -t1 -c64 -d"${DURATION}s" "$URL"
	measure keepalive-c64 loopbench "${LOAD[@]}" --connections 64
	measure keepalive-c64 lb-goroutines "${LOAD[@]}" --connections 64 --engine goroutines
	measure keepalive-c256 wrk wrk -t1 -c256 -d"${DURATION}s" "$URL"
	measure keepalive-c256 loopbench "${LOAD[@]}" --connections 256
	measure keepalive-c256 lb-goroutines "${LOAD[@]}" --connections 256 --engine goroutines
	measure pipelined-16x256 wrk wrk -t1 -c256 -d"${DURATION}s" -s scripts/pipeline16.lua "$URL"
	measure pipelined-16x256 loopbench "${LOAD[@]}" --connections 256 --pipeline 16
	measure pipelined-16x256 lb-goroutines "${LOAD[@]}" --connections 256 --pipeline 16 --engine goroutines
done

echo
echo "model $MODEL, medians of $ROUNDS rounds (client CPU includes process start; wrk's latency is meaningless when pipelined)"
printf '%-18s %-13s %12s %16s %16s  %s\n' shape client req/s client_µs/req server_µs/req errors
sort -k1,1 -k2,2 "$TMP/rows" | awk '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
	}
	function flush() {
		if (n) printf "%-18s %-13s %12.0f %16.2f %16.2f  %s\n", key1, key2, median(r, n), median(c, n), median(s, n), (err == "" ? "none" : err)
		n = 0; err = ""
	}
	{ if ($1 != key1 || $2 != key2) { flush(); key1 = $1; key2 = $2 }
	  n++; r[n] = $3; c[n] = $6 * 1e6 / $4; s[n] = $7 * 1e6 / $4
	  if ($5 != "none") err = err $5 " " }
	END { flush() }'
