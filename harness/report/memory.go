package report

import (
	"fmt"
	"math"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// memoryConfidence is the confidence of the slopes the memory table
// shows, the chart's (claim 1 divides slopes fitted at 97.5%).
const memoryConfidence = 0.95

// memoryRow is one series' memory per held connection (analysis.Slope),
// every figure written as text: KiB with its interval.
type memoryRow struct {
	Series, Source            string
	Total, User, Kernel, Sock string
	RSS, Fixed, Points, Flags string
}

// memoryRows are an idle workload's memory per held connection, one row
// per series; nil for any other workload, whose connections are not held
// idle.
func memoryRows(w *analysis.Workload) []memoryRow {
	if w.Mode != "idle" {
		return nil
	}
	var out []memoryRow
	for _, s := range analysis.Slopes(w, memoryConfidence) {
		r := memoryRow{Series: results.Key{Model: s.Model, Variant: s.Variant}.Series(), Source: s.Source, Total: kibFit(s.Total), RSS: kibFit(s.RSS),
			User: "–", Kernel: "–", Sock: "–", Fixed: figures.MiB(s.Total.Intercept),
			Points: fmt.Sprintf("%d over %d counts", s.Total.N, s.Total.Levels)}
		if s.Source == analysis.SourceCgroup {
			r.User, r.Kernel, r.Sock = kibFit(s.User), kibFit(s.Kernel), kibFit(s.Sock)
		}
		var flags []string
		if s.Partial+s.Failed > 0 {
			flags = append(flags, fmt.Sprintf("%d partial and %d failed points left out", s.Partial, s.Failed))
		}
		if s.ClientBound {
			flags = append(flags, "**client-bound** points among them (the probe's throughput was the load generator's limit; the memory is the server's)")
		}
		r.Flags = strings.Join(flags, "; ")
		out = append(out, r)
	}
	return out
}

// kibFit writes a slope in KiB with its interval, "4.24 [4.06, 4.42]", or
// the slope alone where it has none, "–" where there is no slope.
func kibFit(f analysis.Fit) string {
	switch {
	case math.IsNaN(f.Slope):
		return "–"
	case !f.OK():
		return figures.KiB(f.Slope)
	}
	return fmt.Sprintf("%s [%s, %s]", figures.KiB(f.Slope), figures.KiB(f.Lo), figures.KiB(f.Hi))
}
