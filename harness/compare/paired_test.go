package compare

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/results"
)

// abRun is an A/B run split into its sides, as loopbench ab writes them:
// plaintext at 64 connections on model "m", reps repetitions a side. The
// host drifts from one repetition to the next (drift[rep%len(drift)]);
// the head costs ratios[rep] times the base in CPU per request, and serves
// that much less throughput.
func abRun(reps int, drift []float64, ratios func(rep int) float64) (base, head *results.Run) {
	run := &results.Run{ID: "20261201T120000Z-vm", Env: results.Env{Host: "vm", ServerCPUs: "1", ClientCPUs: "0"}}
	for rep := range reps {
		d := drift[rep%len(drift)]
		for _, side := range []string{"base", "head"} {
			cpu := 10 * d
			if side == "head" {
				cpu *= ratios(rep)
			}
			run.Points = append(run.Points, results.Point{Workload: "plaintext", Model: "m", Variant: "default", Mode: "closed",
				Connections: 64, Rep: rep, Side: side, Requests: 1000, Throughput: 1e6 / cpu, CPUPerRequest: cpu,
				Latency: results.Latency{P99: 1000 * d}, Validity: results.Validity{Status: results.Valid}})
		}
	}
	split := func(side string) *results.Run {
		r := *run
		r.Points = nil
		for _, p := range run.Points {
			if p.Side == side {
				r.Points = append(r.Points, p)
			}
		}
		return &r
	}
	return split("base"), split("head")
}

// issue25 are eventloop's six head/base pairs of a real 5% regression,
// measured while the host drifted from 9.9 to 12.6 µs per request.
var issue25 = []float64{1.111, 1.050, 1.050, 1.051, 1.056, 1.049}

var hostDrift = []float64{0.99, 1.26, 1.05, 1.18, 1.0, 1.12, 1.22, 0.97}

func TestPairedCompare(t *testing.T) {
	cpu, _ := LookupMetric("cpu")
	tests := []struct {
		name      string
		reps      int
		ratio     func(rep int) float64
		o         Options
		test      string
		regressed bool
	}{
		{"the issue's pairs: a regression the U test missed", 6, func(rep int) float64 { return issue25[rep] }, Options{Threshold: 0.02}, TestPaired, true},
		{"the same pairs, unpaired: the drift hides it", 6, func(rep int) float64 { return issue25[rep] }, Options{Threshold: 0.02, Unpaired: true}, TestU, false},
		{"identical builds", 8, func(rep int) float64 { return 1 + 0.004*float64(rep%3-1) }, Options{Threshold: 0.02}, TestPaired, false},
		{"a 1% change is within a 2% threshold", 8, func(rep int) float64 { return 1.01 + 0.002*float64(rep%3-1) }, Options{Threshold: 0.02}, TestPaired, false},
		{"five pairs decide nothing", 5, func(rep int) float64 { return 1.3 }, Options{Threshold: 0.02}, TestPaired, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, head := abRun(tt.reps, hostDrift, tt.ratio)
			tt.o.Metrics = []Metric{cpu}
			res, err := Compare(analysis.Analyze(base), analysis.Analyze(head), tt.o)
			if err != nil {
				t.Fatal(err)
			}
			r := res.Rows[0]
			if r.Test != tt.test || r.Regression != tt.regressed {
				t.Errorf("test %s, regression %v (change %+.3f, p %.4f); want %s, %v", r.Test, r.Regression, r.Change, r.P, tt.test, tt.regressed)
			}
		})
	}
}

func TestPairedIssueFigures(t *testing.T) {
	cpu, _ := LookupMetric("cpu")
	base, head := abRun(6, hostDrift, func(rep int) float64 { return issue25[rep] })
	res, err := Compare(analysis.Analyze(base), analysis.Analyze(head), Options{Threshold: 0.02, Metrics: []Metric{cpu}})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Rows[0]
	// Six positive log ratios: p = 2/64; the interval is their range.
	if math.Abs(r.P-2.0/64) > 1e-12 || !r.Ratio.HasCI || math.Abs(r.Ratio.Lo-1.049) > 1e-9 || math.Abs(r.Ratio.Hi-1.111) > 1e-9 {
		t.Errorf("p %.5f, ratio %+v; want 0.03125 and [1.049, 1.111]", r.P, r.Ratio)
	}
	if r.Change < 0.05 || r.Change > 0.056 {
		t.Errorf("change %+.4f, want the pairs' center, about +5.1%%", r.Change)
	}
	if r.Noise > 0.01 || r.Detectable > 0.1 || math.IsNaN(r.Detectable) {
		t.Errorf("noise %.4f, detectable %.4f: the pairs barely spread", r.Noise, r.Detectable)
	}
}

func TestPairedRuns(t *testing.T) {
	base, head := abRun(6, hostDrift, func(int) float64 { return 1 })
	other := *head
	other.ID = "another run"
	unsided := *base
	unsided.Points = []results.Point{{Model: "m"}}
	cases := []struct {
		name     string
		old, new *results.Run
		want     bool
	}{
		{"base and head of one run", base, head, true},
		{"head and base of one run", head, base, true},
		{"two runs", base, &other, false},
		{"one side twice", base, base, false},
		{"points without a side", &unsided, head, false},
	}
	for _, c := range cases {
		if got := PairedRuns(c.old, c.new); got != c.want {
			t.Errorf("%s: PairedRuns = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestClientBoundNotCompared checks that a throughput whose points were
// client-bound is named as such rather than as too few repetitions.
func TestClientBoundNotCompared(t *testing.T) {
	tput, _ := LookupMetric("throughput")
	base, head := abRun(6, hostDrift, func(int) float64 { return 1 })
	for _, r := range []*results.Run{base, head} {
		for i := range r.Points {
			r.Points[i].ClientBound = true
		}
	}
	res, err := Compare(analysis.Analyze(base), analysis.Analyze(head), Options{Metrics: []Metric{tput}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, res, "markdown"); err != nil {
		t.Fatal(err)
	}
	if r := res.Rows[0]; !r.TooFew || r.ClientBound != 12 || r.Regression || !strings.Contains(b.String(), "not compared because their points were client-bound") {
		t.Errorf("row %+v:\n%s", r, b.String())
	}
}

func TestDetectablePaired(t *testing.T) {
	quiet := []float64{0.001, -0.002, 0.0005, 0.003, -0.001, 0, 0.002, -0.0015}
	noisy := []float64{0.05, -0.08, 0.02, 0.1, -0.03, 0, 0.07, -0.06}
	cases := []struct {
		name   string
		logs   []float64
		lo, hi float64
	}{
		{"no noise: the threshold decides", make([]float64, 8), 0.02, 0.0225},
		{"quiet pairs", quiet, 0.02, 0.03},
		{"noisy pairs", noisy, 0.08, 0.3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if d := DetectablePaired(c.logs, 0.02, 0.05, false); d < c.lo || d > c.hi {
				t.Errorf("DetectablePaired = %.4f, want within [%g, %g]", d, c.lo, c.hi)
			}
		})
	}
	if d := DetectablePaired(quiet[:5], 0.02, 0.05, false); !math.IsNaN(d) {
		t.Errorf("five pairs: %v, want NaN", d)
	}
}

// TestGoldenPaired checks each format of a paired comparison against
// testdata/paired-FORMAT.golden (go test -update rewrites them).
func TestGoldenPaired(t *testing.T) {
	base, head := abRun(8, hostDrift, func(rep int) float64 { return 1.05 + 0.003*float64(rep%3-1) })
	res, err := Compare(analysis.Analyze(base), analysis.Analyze(head), Options{Threshold: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range Formats {
		var b bytes.Buffer
		if err := Write(&b, res, format); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", "paired-"+format+".golden"), b.String())
	}
}

// TestHolm checks the step-down adjustment on a textbook family: raw p
// 0.01, 0.04, 0.03 adjust to 0.03, 0.06, 0.06 (Holm 1979), so only the
// first stays significant at 0.05; rows that decide nothing are no part of
// the family.
func TestHolm(t *testing.T) {
	cpu, _ := LookupMetric("cpu")
	ratios := []float64{1.1, 1.1, 1.1, 1.1, 1.1, 1.1}
	rows := []Row{
		{Test: TestPaired, PUnadjusted: 0.01, Change: 0.1, Worse: true, Metric: cpu, Ratio: PairRatio{Ratios: ratios}},
		{Test: TestPaired, PUnadjusted: 0.04, Change: 0.1, Worse: true, Metric: cpu, Ratio: PairRatio{Ratios: ratios}},
		{Test: TestPaired, PUnadjusted: math.NaN(), TooFew: true, Metric: cpu},
		{Test: TestPaired, PUnadjusted: 0.03, Change: 0.1, Worse: true, Metric: cpu, Ratio: PairRatio{Ratios: ratios}},
	}
	decidePaired(rows, Options{Alpha: 0.05, Threshold: 0.02})
	want := []struct {
		p          float64
		regression bool
	}{{0.03, true}, {0.06, false}, {0, false}, {0.06, false}}
	for i, w := range want {
		if math.Abs(rows[i].P-w.p) > 1e-12 || rows[i].Regression != w.regression || (!rows[i].TooFew && rows[i].Family != 3) {
			t.Errorf("row %d: p %.3f, regression %v, family %d; want %.3f, %v, 3", i, rows[i].P, rows[i].Regression, rows[i].Family, w.p, w.regression)
		}
	}
}
