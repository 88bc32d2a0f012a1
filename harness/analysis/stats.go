package analysis

import (
	"math"
	"slices"

	"loopbench/harness/results"
)

// Stats are what a table shows of one configuration (a group of
// repetitions), computed once by Analyze: its medians over the
// repetitions with their intervals, the latency percentiles of its merged
// histograms, of every route and of each, and how many of its repetitions
// were client-bound, partial or failed.
type Stats struct {
	// Level is the configuration's place on the load axis (Level).
	Level float64
	// Medians over the repetitions Measure chooses: requests per second,
	// CPU per request (µs), peak RSS (bytes), threads, loop lag p99 (ms,
	// NaN for a model that does not measure it).
	Throughput, CPUPerRequest, PeakRSS, Threads, LagP99 results.Stat
	// Latency is p50, p99 and p99.9 of every route together
	// (Workload.Percentiles); LatencyErr says why they could not be read.
	Latency    [3]Percentile
	LatencyErr error
	// Errors counts the failed requests over the repetitions.
	Errors int64
	// Reps counts the repetitions; Bound, Partial and Failed those that
	// were client-bound, partial and failed, and FailReasons why they
	// failed, each reason once.
	Reps, Bound, Partial, Failed int
	FailReasons                  []string
	// Routes are the latency of each route the points served, in the order
	// they first name them.
	Routes []RouteStats
}

// RouteStats are what a table shows of one route of a configuration.
type RouteStats struct {
	Route string
	// Requests is the median of the route's answers per repetition.
	Requests   results.Stat
	Latency    [3]Percentile
	LatencyErr error
}

// AllFailed reports whether every repetition failed.
func (s *Stats) AllFailed() bool { return s.Failed == s.Reps }

// Stats returns the table figures of g, one of w's configurations.
func (w *Workload) Stats(g *results.Group) *Stats { return w.stats[g.Key] }

// tabulate computes, once, the table figures of every configuration of w,
// after its histograms are merged.
func (w *Workload) tabulate() {
	w.stats = map[results.Key]*Stats{}
	for i := range w.Groups {
		g := &w.Groups[i]
		w.stats[g.Key] = w.statsOf(g)
	}
}

func (w *Workload) statsOf(g *results.Group) *Stats {
	s := &Stats{Level: Level(g), Errors: g.Errors(), Reps: len(g.Points),
		Throughput:    g.Measure(func(p *results.Point) float64 { return p.Throughput }),
		CPUPerRequest: g.Measure(func(p *results.Point) float64 { return p.CPUPerRequest }),
		PeakRSS:       g.Measure(func(p *results.Point) float64 { return float64(p.Server.PeakRSS) }),
		Threads:       g.Measure(func(p *results.Point) float64 { return float64(p.Server.Threads) }),
		LagP99:        g.Measure(LagP99),
	}
	s.Latency, s.LatencyErr = w.Percentiles(g, "")
	for _, p := range g.Points {
		switch {
		case p.Failed:
			s.Failed++
			if !slices.Contains(s.FailReasons, p.FailReason) {
				s.FailReasons = append(s.FailReasons, p.FailReason)
			}
		case !p.Usable():
			s.Partial++
		}
		if p.ClientBound {
			s.Bound++
		}
	}
	for _, route := range RoutesOf(g) {
		rs := RouteStats{Route: route, Requests: g.Measure(func(p *results.Point) float64 { return routeRequests(p, route) })}
		rs.Latency, rs.LatencyErr = w.Percentiles(g, route)
		s.Routes = append(s.Routes, rs)
	}
	return s
}

// routeRequests is the number of answers to route in p, NaN without it.
func routeRequests(p *results.Point, route string) float64 {
	for _, r := range p.Routes {
		if r.Route == route {
			return float64(r.Requests)
		}
	}
	return math.NaN()
}
