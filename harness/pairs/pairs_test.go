package pairs

import (
	"bytes"
	"math"
	"slices"
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
	if r.Ratio.N != 8 || math.Abs(r.Ratio.Median-1.1) > 1e-9 || r.Ratio.Lo < 1.1-1e-9 || r.Ratio.Hi > 1.1+1e-9 {
		t.Errorf("ratio %+v, want exactly 1.1 over 8 pairs (the drift cancels)", r.Ratio)
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
	r := run(7, 1)
	r.Points[0].Failed = true                                                                                           // a's first repetition
	r.Points[3].ClientBound = true                                                                                      // b's second
	r.Points[9].Validity = results.Validity{Status: results.Partial, Reasons: []string{"3 connections never answered"}} // b's fifth
	r.Points = r.Points[:len(r.Points)-1]                                                                               // b's seventh is missing
	for _, tc := range []struct {
		metric        string
		pairs, skiped int
	}{
		{"cpu", 4, 3},        // CPU per request of a client-bound point is still the server's
		{"throughput", 3, 4}, // its throughput is the client's
	} {
		m, err := LookupMetric(tc.metric)
		if err != nil {
			t.Fatal(err)
		}
		rows := Compare(r, Series{Model: "a"}, Series{Model: "b"}, m)
		if got := rows[0]; got.Ratio.N != tc.pairs || len(got.LeftOut) != tc.skiped {
			t.Errorf("%s: %d pairs, left out %q; want %d, %d", tc.metric, got.Ratio.N, got.LeftOut, tc.pairs, tc.skiped)
		}
		if want := "b rep 5: partial (3 connections never answered)"; !slices.Contains(rows[0].LeftOut, want) {
			t.Errorf("%s: left out %q, want %q among them", tc.metric, rows[0].LeftOut, want)
		}
	}
	if _, err := LookupMetric("nope"); err == nil || !strings.Contains(err.Error(), "cpu") {
		t.Errorf("unknown metric: %v, want an error listing the metrics", err)
	}
}
