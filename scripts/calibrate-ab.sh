#!/usr/bin/env bash
# How well `loopbench ab` tells a real slowdown from noise on this host, by
# trials: one A/B of the binary against itself gives the server CPU per
# request of MODEL on plaintext; then DETECT trials whose head spends
# EFFECT (default 10%) of that on top of every request (--inject-cpu),
# each a full `loopbench ab`, and NULL trials of the binary against itself.
# It prints how many of each `ab` flagged (exit 1) and what one trial took.
# Only server CPU per request is compared (--metric cpu): a client-bound
# point's throughput is the client's.
#
#   scripts/calibrate-ab.sh                      # 10 and 20 trials, 6 repetitions a side
#   DETECT=5 NULL=10 REPS=8 DURATION=1s scripts/calibrate-ab.sh
#
# Run it on a quiet host: every trial is a measurement.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${MODEL:-eventloop}
EFFECT=${EFFECT:-0.10}
DETECT=${DETECT:-10}
NULL=${NULL:-20}
REPS=${REPS:-6}
DURATION=${DURATION:-}
BIN=${BIN:-bin/loopbench}
[ -x "$BIN" ] || make build >&2
OUT=${OUT:-$(mktemp -d -t loopbench-calibrate-XXXXXX)}

args=(--head "$BIN" --workload plaintext --models "$MODEL" --reps "$REPS" --metric cpu --format json --out "$OUT")
[ -n "$DURATION" ] && args+=(--duration "$DURATION")

# trial KIND [ab flags...]: runs one ab, prints its exit status and seconds.
trial() {
	local start status=0
	start=$(date +%s)
	"$BIN" ab "${args[@]}" "$@" >"$OUT/last.json" 2>"$OUT/last.log" || status=$?
	if [ "$status" -gt 1 ]; then
		echo "calibrate-ab: ab failed (exit $status):" >&2
		tail -20 "$OUT/last.log" >&2
		exit 2
	fi
	echo "$status $(($(date +%s) - start))"
}

# The base CPU per request: the median of the first calibration's base side.
read -r _ secs < <(trial --calibrate)
cpu=$(python3 -c 'import json,sys; r=[x for x in json.load(open(sys.argv[1]))["rows"] if x["metric"]=="cpu"][0]; print(r["old"]["median"])' "$OUT/last.json")
inject=$(python3 -c "print('%dns' % round($cpu * 1000 * $EFFECT))")
echo "$MODEL plaintext: $cpu µs of server CPU per request; a ${EFFECT} rise is --inject-cpu $inject; one trial took ${secs}s"

caught=0
for i in $(seq "$DETECT"); do
	read -r status secs < <(trial --base "$BIN" --inject-cpu "$inject")
	[ "$status" = 1 ] && caught=$((caught + 1))
	echo "  detect trial $i: exit $status (${secs}s)"
done
alarms=0
for i in $(seq "$NULL"); do
	read -r status secs < <(trial --base "$BIN")
	[ "$status" = 1 ] && alarms=$((alarms + 1))
	echo "  null trial $i: exit $status (${secs}s)"
done
echo "caught $caught of $DETECT slowdowns of ${EFFECT} ($inject a request); false alarms $alarms of $NULL; $REPS repetitions a side; runs in $OUT"
