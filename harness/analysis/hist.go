package analysis

import (
	"math"
	"slices"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// histKey names a merged histogram: a configuration, and its route, or ""
// for every route together.
type histKey struct {
	key   results.Key
	route string
}

// merged is a merged histogram, or why it could not be merged.
type merged struct {
	h   *hdr.Histogram
	err error
}

// merge merges, once, the histograms of every configuration of w: of
// every route together and of each route its points served.
func (w *Workload) merge() {
	w.merged = map[histKey]merged{}
	for i := range w.Groups {
		g := &w.Groups[i]
		for _, route := range append([]string{""}, RoutesOf(g)...) {
			h, err := mergeOf(g, LatencyOf(route))
			w.merged[histKey{g.Key, route}] = merged{h, err}
		}
	}
}

// Merged returns the latency histogram of the repetitions of g (one of
// w's configurations) that Measured chooses, merged: of route, or of every
// route for ""; nil when none carries one. Percentiles of the merged
// histogram weigh every request alike, which medians of each repetition's
// percentiles do not. The histogram is shared: read it, never change it.
func (w *Workload) Merged(g *results.Group, route string) (*hdr.Histogram, error) {
	m := w.merged[histKey{g.Key, route}]
	return m.h, m.err
}

// mergeOf merges the histogram f picks from each repetition of g that
// Measured chooses (f returns nil where a point has none, such as a route
// it did not serve); nil when none carries one.
func mergeOf(g *results.Group, f func(*results.Point) *results.Latency) (*hdr.Histogram, error) {
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

// LatencyOf picks the latency of route from a point (nil where the point
// did not serve it), or of every route together for "".
func LatencyOf(route string) func(*results.Point) *results.Latency {
	if route == "" {
		return func(p *results.Point) *results.Latency { return &p.Latency }
	}
	return func(p *results.Point) *results.Latency { return RouteLatency(p, route) }
}

// RoutesOf lists the routes of a configuration's points, in their order.
func RoutesOf(g *results.Group) []string {
	var rs []string
	for _, p := range g.Points {
		for _, r := range p.Routes {
			if !slices.Contains(rs, r.Route) {
				rs = append(rs, r.Route)
			}
		}
	}
	return rs
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
	// Q is the percentile (50, 99, 99.9).
	Q  float64
	Ms float64
	// Samples counts the requests Ms is read from: the merged histogram's,
	// or without one the median repetition's.
	Samples int64
	// Merged says Ms is read from the merged histogram, not a median of
	// the repetitions' own.
	Merged bool
	Reps   results.Stat
	// RepSamples is the fewest requests any repetition's own value of Reps
	// was read from.
	RepSamples int64
}

// Resolved reports whether Ms is a figure by the percentile rule
// (figures.Resolved): at least ten requests lie at or beyond it.
func (p Percentile) Resolved() bool { return figures.Resolved(p.Q, p.Samples) }

// RepsResolved reports whether every repetition's own value of the
// percentile (Reps) is resolved.
func (p Percentile) RepsResolved() bool { return figures.Resolved(p.Q, p.RepSamples) }

// Quantiles are the percentiles the tables and latency charts show.
var Quantiles = [3]float64{50, 99, 99.9}

// Percentiles are p50, p99 and p99.9 of the latency of route ("": every
// route) of configuration g of w, in ms; NaN where no repetition has it.
func (w *Workload) Percentiles(g *results.Group, route string) ([3]Percentile, error) {
	var out [3]Percentile
	picks := [3]func(*results.Latency) float64{
		func(l *results.Latency) float64 { return l.P50 },
		func(l *results.Latency) float64 { return l.P99 },
		func(l *results.Latency) float64 { return l.P999 },
	}
	h, err := w.Merged(g, route)
	if err != nil {
		return out, err
	}
	f := LatencyOf(route)
	median, fewest := counts(g, f)
	for i := range out {
		out[i].Q = Quantiles[i]
		out[i].Reps = g.Measure(func(p *results.Point) float64 {
			if l := f(p); l != nil && l.Count > 0 {
				return picks[i](l) / 1000
			}
			return math.NaN()
		})
		out[i].Ms, out[i].Samples, out[i].RepSamples = out[i].Reps.Median, median, fewest
		if h != nil && h.TotalCount() > 0 {
			out[i].Ms = float64(h.ValueAtQuantile(Quantiles[i])) / 1000
			out[i].Samples, out[i].Merged = h.TotalCount(), true
		}
	}
	return out, nil
}

// counts are the median and the fewest requests timed per repetition of
// g that Measured chooses, of the latency f picks, over those that have it.
func counts(g *results.Group, f func(*results.Point) *results.Latency) (median, fewest int64) {
	var ns []int64
	for _, p := range Measured(g) {
		if l := f(p); l != nil && l.Count > 0 {
			ns = append(ns, l.Count)
		}
	}
	if len(ns) == 0 {
		return 0, 0
	}
	slices.Sort(ns)
	return ns[len(ns)/2], ns[0]
}
