package analysis

import (
	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"loopbench/harness/results"
)

// Merged returns the latency histogram of g's repetitions together (see
// MergedOf), or nil when none carries one.
func Merged(g *results.Group) (*hdr.Histogram, error) {
	return MergedOf(g, func(p *results.Point) *results.Latency { return &p.Latency })
}

// MergedOf merges the histogram f picks from each repetition of g that
// Measured chooses (f returns nil where a point has none, such as a route
// it did not serve); nil when none carries one. Percentiles of the merged
// histogram weigh every request alike, which medians of each repetition's
// percentiles do not.
func MergedOf(g *results.Group, f func(*results.Point) *results.Latency) (*hdr.Histogram, error) {
	var h *hdr.Histogram
	for _, p := range Measured(g) {
		l := f(p)
		if l == nil || l.Histogram == "" {
			continue
		}
		one, err := results.DecodeHistogram(l.Histogram)
		if err != nil {
			return nil, err
		}
		if h == nil {
			h = results.NewHistogram()
		}
		h.Merge(one)
	}
	return h, nil
}

// Measured returns the repetitions of g that its figures come from, as
// results.Group.Measure chooses them: the usable ones, or the partial ones
// when none is usable; never a failed one.
func Measured(g *results.Group) []*results.Point {
	var usable, partial []*results.Point
	for _, p := range g.Points {
		switch {
		case p.Usable():
			usable = append(usable, p)
		case !p.Failed:
			partial = append(partial, p)
		}
	}
	if len(usable) == 0 {
		return partial
	}
	return usable
}

// Percentile is one percentile of a configuration's latency, in ms: from
// the merged histogram of its repetitions (Merged, every request weighing
// alike) where they carry one, else the median of the repetitions' own;
// Reps is the repetitions' own values of it, for their spread.
type Percentile struct {
	Ms   float64
	Reps results.Stat
}

// Percentiles are p50, p99 and p99.9 of the latency f picks from each
// repetition of g, in ms; NaN where no repetition has it.
func Percentiles(g *results.Group, f func(*results.Point) *results.Latency) ([3]Percentile, error) {
	var out [3]Percentile
	qs := [3]float64{50, 99, 99.9}
	picks := [3]func(*results.Latency) float64{
		func(l *results.Latency) float64 { return l.P50 },
		func(l *results.Latency) float64 { return l.P99 },
		func(l *results.Latency) float64 { return l.P999 },
	}
	h, err := MergedOf(g, f)
	if err != nil {
		return out, err
	}
	for i := range out {
		out[i].Reps = g.Measure(func(p *results.Point) float64 {
			if l := f(p); l != nil && l.Count > 0 {
				return picks[i](l) / 1000
			}
			return nan
		})
		out[i].Ms = out[i].Reps.Median
		if h != nil && h.TotalCount() > 0 {
			out[i].Ms = float64(h.ValueAtQuantile(qs[i])) / 1000
		}
	}
	return out, nil
}
