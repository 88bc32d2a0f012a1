package report

import (
	"errors"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/results"
)

// TestPercentileCells writes a table's latency cells by the percentile
// rule: a figure where ten requests or more lie beyond it, n/r where fewer
// do, and the repetitions' own range only where each resolves it.
func TestPercentileCells(t *testing.T) {
	ps := func(samples, fewest int64) [3]analysis.Percentile {
		var out [3]analysis.Percentile
		for i, q := range analysis.Quantiles {
			out[i] = analysis.Percentile{Q: q, Ms: float64(i + 1), Samples: samples, RepSamples: fewest,
				Reps: results.Stat{Min: 0.5, Max: 1.5, N: 6}}
		}
		return out
	}
	tests := []struct {
		name                    string
		ps                      [3]analysis.Percentile
		err                     error
		req, p50, p99, p999, rr string
		unresolved              bool
	}{
		{"all resolved", ps(12_000, 2000), nil, "12k", "1", "2", "3", "0.5–1.5", false},
		{"p99.9 of 3200", ps(3200, 3200), nil, "3200", "1", "2", "n/r", "0.5–1.5", true},
		{"p99 of 800", ps(800, 800), nil, "800", "1", "n/r", "n/r", "n/r", true},
		{"reps too small alone", ps(1200, 200), nil, "1200", "1", "2", "n/r", "n/r", true},
		{"unreadable histograms", ps(0, 0), errors.New("bad"), "–", "–", "–", "–", "n/r", false},
	}
	for _, tt := range tests {
		req, p50, p99, p999, unresolved := percentiles(tt.ps, tt.err)
		if rr := span(tt.ps[1]); req != tt.req || p50 != tt.p50 || p99 != tt.p99 || p999 != tt.p999 || rr != tt.rr || unresolved != tt.unresolved {
			t.Errorf("%s: %q %q %q %q reps %q unresolved %v, want %q %q %q %q reps %q unresolved %v", tt.name,
				req, p50, p99, p999, rr, unresolved, tt.req, tt.p50, tt.p99, tt.p999, tt.rr, tt.unresolved)
		}
	}
}
