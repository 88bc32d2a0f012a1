package pairs

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"loopbench/harness/results"
)

// run makes a run of plaintext at one level: model "a" costs factor times
// "b" in every block, and both drift together from block to block.
func run(reps int, factor float64) *results.Run {
	r := &results.Run{}
	for rep := range reps {
		drift := 1 + 0.3*float64(rep%3) // a noisy host: ±30% between blocks
		for _, m := range []struct {
			name string
			cpu  float64
		}{{"a", 10 * factor * drift}, {"b", 10 * drift}} {
			r.Points = append(r.Points, results.Point{Workload: "plaintext", Model: m.name, Variant: "default",
				Connections: 64, Rep: rep, Requests: 1000, Throughput: 1e5 / m.cpu, CPUPerRequest: m.cpu})
		}
	}
	return r
}

func TestPairedRatioCancelsDrift(t *testing.T) {
	cpu, _ := LookupMetric("cpu")
	rows := Compare(run(8, 1.1), Series{Model: "a"}, Series{Model: "b"}, cpu)
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	r := rows[0]
	if r.Pairs != 8 || math.Abs(r.Ratio.Center-1.1) > 1e-9 || r.Ratio.Lo < 1.1-1e-9 || r.Ratio.Hi > 1.1+1e-9 {
		t.Errorf("ratio %+v over %d pairs, want exactly 1.1 (the drift cancels)", r.Ratio, r.Pairs)
	}
	if r.A.Hi-r.A.Lo < 1 {
		t.Errorf("side a's interval %v..%v should show the drift the ratio cancels", r.A.Lo, r.A.Hi)
	}
}

func TestTooFewPairsHaveNoInterval(t *testing.T) {
	cpu, _ := LookupMetric("cpu")
	rows := Compare(run(3, 1.2), Series{Model: "a"}, Series{Model: "b"}, cpu)
	var b bytes.Buffer
	if err := Write(&b, rows, Series{Model: "a"}, Series{Model: "b"}, cpu); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "too few pairs") {
		t.Errorf("3 pairs should give no 95%% interval:\n%s", b.String())
	}
}

func TestFailedAndClientBoundPointsLeftOut(t *testing.T) {
	r := run(6, 1)
	r.Points[0].Failed = true      // a's first repetition
	r.Points[3].ClientBound = true // b's second
	for _, tc := range []struct {
		metric        string
		pairs, skiped int
	}{
		{"cpu", 5, 1},        // CPU per request of a client-bound point is still the server's
		{"throughput", 4, 2}, // its throughput is the client's
	} {
		m, err := LookupMetric(tc.metric)
		if err != nil {
			t.Fatal(err)
		}
		rows := Compare(r, Series{Model: "a"}, Series{Model: "b"}, m)
		if rows[0].Pairs != tc.pairs || rows[0].Skipped != tc.skiped {
			t.Errorf("%s: %d pairs, %d left out; want %d, %d", tc.metric, rows[0].Pairs, rows[0].Skipped, tc.pairs, tc.skiped)
		}
	}
	if _, err := LookupMetric("nope"); err == nil || !strings.Contains(err.Error(), "cpu") {
		t.Errorf("unknown metric: %v, want an error listing the metrics", err)
	}
}
