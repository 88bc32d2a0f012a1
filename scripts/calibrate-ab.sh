#!/usr/bin/env bash
# How well `loopbench ab`, with its default flags, tells a real change of
# code from noise on this host, by trials, each a full `loopbench ab` of the
# plaintext workload on MODEL:
#
#   - DETECT trials of each real patch: a throwaway clone of this repository
#     gets temporary commits that add a CPU loop to app's /plaintext path
#     (spin(N) in app/route.go), sized for each of EFFECTS (fractions of
#     MODEL's server CPU per request); ab builds them from those commits,
#     through its revision resolver, and measures each against the
#     unpatched commit;
#   - NULL trials of the unpatched build against itself;
#   - INJECT trials (default none) of --inject-cpu at the first effect,
#     the server-side spin the earlier calibration used.
#
# For each it prints how many trials flagged a regression (ab's exit 1),
# the patch's measured effect (the median head/base ratio of server CPU per
# request over every pair of its trials), how many of the same runs the
# unpaired U test flags (loopbench compare --unpaired, at the old 5%
# threshold), and the time per ab. Nothing is committed to this
# repository: the commits live in the clone, removed at the end with the
# binaries ab cached for them.
#
#   scripts/calibrate-ab.sh                        # 10 trials of each patch, 20 null trials
#   DETECT=1 NULL=1 scripts/calibrate-ab.sh        # a smoke test
#   MODEL=gnet EFFECTS="0.05" EXTRA="--reps 16" scripts/calibrate-ab.sh
#   ITERS="700 350" scripts/calibrate-ab.sh        # patches of given spin iterations instead
#   ITERS=540 NULL=0 scripts/calibrate-ab.sh       # one patch, no null trials
#
# A patch is sized from the server's spin rate at rest and the base's CPU
# per request; its measured effect, printed beside its catch rate, is what
# counts: when it misses the intended size, rerun with ITERS scaled by it.
#
# Run it on a quiet host: every trial is a measurement. Each trial holds
# /tmp/loopbench-measure.lock (flock) when flock is installed, so that
# other measurements on the host wait for it and it for them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

MODEL=${MODEL:-eventloop}
EFFECTS=${EFFECTS:-0.05 0.025}
DETECT=${DETECT:-10}
NULL=${NULL:-20}
INJECT=${INJECT:-0}
EXTRA=${EXTRA:-}
LOCK=${LOCK:-/tmp/loopbench-measure.lock}
OUT=${OUT:-$(mktemp -d -t loopbench-calibrate-XXXXXX)}
make -s build >&2
BIN=$ROOT/bin/loopbench
mkdir -p "$OUT"

WORK=$(mktemp -d -t loopbench-calibrate-repo-XXXXXX)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/loopbench/ab # where ab keeps the builds of commits
PATCHES=()
SERVE_PID=
cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null
	for c in "${PATCHES[@]}"; do rm -f "$CACHE/loopbench-$c"; done
	rm -rf "$WORK"
}
trap cleanup EXIT

git clone -q --shared "$ROOT" "$WORK/repo"
REPO=$WORK/repo
BASE=$(git -C "$REPO" rev-parse HEAD)
gitc() { git -C "$REPO" -c user.name=calibrate-ab -c user.email=calibrate@loopbench "$@"; }

locked() {
	if command -v flock >/dev/null; then flock "$LOCK" "$@"; else "$@"; fi
}

# trial NAME ab-flags...: one ab in the clone; prints its exit status and
# seconds, and the U test's exit status on the same runs.
trial() {
	local name=$1 start status=0 ustatus=0
	shift
	start=$(date +%s)
	# shellcheck disable=SC2086 # EXTRA is a list of flags
	(cd "$REPO" && locked "$BIN" ab --workload plaintext --models "$MODEL/default" --format json --out "$OUT/$name" "$@" $EXTRA) \
		>"$OUT/$name.json" 2>"$OUT/$name.log" || status=$?
	if [ "$status" -gt 1 ]; then
		echo "calibrate-ab: $name: ab failed (exit $status):" >&2
		tail -20 "$OUT/$name.log" >&2
		exit 2
	fi
	"$BIN" compare "$OUT/$name/latest/base" "$OUT/$name/latest/head" --unpaired --threshold 5% >"$OUT/$name.unpaired" 2>&1 || ustatus=$?
	echo "$status $(runtime "$OUT/$name.log") $ustatus $(($(date +%s) - start))"
}

# runtime LOG: the seconds ab measured for, as it reports them ("A/B run:
# DIR (24 points in 1m2s; ..."): its builds and any wait for the lock left out.
runtime() {
	python3 - "$1" <<'EOF'
import re, sys
m = re.search(r"\(\d+ points in ([0-9hms.]+);", open(sys.argv[1]).read())
t = 0.0
for value, unit in re.findall(r"([0-9.]+)([hms])", m.group(1) if m else ""):
    t += float(value) * {"h": 3600, "m": 60, "s": 1}[unit]
print(round(t))
EOF
}

# cpu FILE: the base's median server CPU per request (µs) in an ab's JSON.
cpu() {
	python3 -c 'import json,sys; print([r for r in json.load(open(sys.argv[1]))["rows"] if r["metric"]=="cpu"][0]["old"]["median"])' "$1"
}

# effect NAME...: the median cpu pair ratio over every pair of the trials.
effect() {
	python3 - "$OUT" "$@" <<'EOF'
import json, statistics, sys
out, names = sys.argv[1], sys.argv[2:]
r = []
for n in names:
    for row in json.load(open(f"{out}/{n}.json"))["rows"]:
        if row["metric"] == "cpu":
            r += row.get("pair_ratios") or []
print(f"×{statistics.median(r):.4f} (median of {len(r)} pairs)" if r else "no pairs")
EOF
}

# flagged NAME: the rows an ab flagged, as "metric change".
flagged() {
	python3 -c 'import json,sys; print(", ".join("%s %+.1f%%" % (r["metric"], 100*r["change"]) for r in json.load(open(sys.argv[1]))["rows"] if r["regression"]) or "-")' "$OUT/$1.json"
}

# series KIND N FLAGS...: N trials; prints the counts.
series() {
	local kind=$1 n=$2 caught=0 ucaught=0 secs=0 wall=0 names=() status s u w
	shift 2
	for i in $(seq "$n"); do
		read -r status s u w < <(trial "$kind-$i" "$@")
		[ -n "$status" ] || exit 2 # trial said why
		[ "$status" = 1 ] && caught=$((caught + 1))
		[ "$u" = 1 ] && ucaught=$((ucaught + 1))
		secs=$((secs + s)) wall=$((wall + w))
		names+=("$kind-$i")
		echo "  $kind trial $i: exit $status (${s}s measuring, ${w}s in all; flagged: $(flagged "$kind-$i"); U test exit $u)" >&2
	done
	echo "$caught of $n flagged; measured effect $(effect "${names[@]}"); the U test on the same runs: $ucaught of $n; $((secs / n))s of measuring per ab ($((wall / n))s with builds and waits for the lock)"
}

# The first null trial also measures the base's CPU per request.
read -r status secs u wall < <(trial null-0 --base "$BASE" --head "$BASE")
[ -n "$status" ] || exit 2
BASE_CPU=$(cpu "$OUT/null-0.json")
BASE_CPU=$(printf '%.3g' "$BASE_CPU")

# The spin rate, as the server measures it for --inject-cpu.
"$BIN" serve --model "$MODEL" --addr 127.0.0.1:0 --inject-cpu 1ms 2>"$OUT/spin.log" &
SERVE_PID=$!
for _ in $(seq 50); do grep -q 'spin iterations' "$OUT/spin.log" && break; sleep 0.1; done
kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=
PER_MS=$(sed -n 's/.*(\([0-9]*\) spin iterations).*/\1/p' "$OUT/spin.log")
[ -n "$PER_MS" ] || { echo "calibrate-ab: the spin rate was not printed:" >&2; cat "$OUT/spin.log" >&2; exit 2; }

# say LINE: a line of the calibration's figures, printed and kept in
# calibration.txt. (Not a pipe into tee: the loop must run in this shell,
# which removes the patches' builds on exit.)
say() { echo "$*" | tee -a "$OUT/calibration.txt"; }
: >"$OUT/calibration.txt"
say "calibrate-ab: $MODEL on plaintext, loopbench ab's default flags${EXTRA:+ and $EXTRA}; base commit ${BASE:0:12}: $BASE_CPU µs of server CPU per request; $PER_MS spin iterations a millisecond"
SIZES=()
for e in $EFFECTS; do SIZES+=("$e:$(python3 -c "print(max(1, round($e * $BASE_CPU * $PER_MS / 1000)))")"); done
if [ -n "${ITERS:-}" ]; then
	SIZES=()
	for n in $ITERS; do SIZES+=("$(python3 -c "print(round($n * 1000 / $PER_MS / $BASE_CPU, 4))"):$n"); done
fi
for size in "${SIZES[@]}"; do
	e=${size%%:*} iters=${size##*:}
	gitc checkout -q --detach "$BASE"
	sed -i "s|^\tcase \"/plaintext\":\$|&\n\t\tspin($iters)|" "$REPO/app/route.go"
	grep -q "spin($iters)" "$REPO/app/route.go" || { echo "calibrate-ab: app/route.go has no /plaintext case to patch" >&2; exit 2; }
	gitc commit -q -am "calibration: spin($iters) in /plaintext"
	commit=$(git -C "$REPO" rev-parse HEAD)
	PATCHES+=("$commit")
	found=$(series "patch-$e" "$DETECT" --base "$BASE" --head "$commit") # an assignment, so that a failed trial stops the script
	say "  patch +$e (spin($iters), commit ${commit:0:12}): $found"
done
if [ "$INJECT" -gt 0 ]; then
	first=${EFFECTS%% *}
	ns=$(python3 -c "print(round($first * $BASE_CPU * 1000))")
	found=$(series inject "$INJECT" --base "$BASE" --head "$BASE" --inject-cpu "${ns}ns")
	say "  --inject-cpu ${ns}ns (+$first): $found"
fi
if [ "$NULL" -gt 0 ]; then
	found=$(series null "$NULL" --base "$BASE" --head "$BASE")
	say "  unchanged build: $found"
fi
say "  runs in $OUT"
