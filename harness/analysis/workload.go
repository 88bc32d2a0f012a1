package analysis

import (
	"cmp"
	"math"
	"slices"

	"github.com/BurntSushi/toml"

	"loopbench/harness/figures"
	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// seriesOrder orders keys by model (the order of the model table, then
// models it lacks by name), then variant (the default first).
func seriesOrder(table []results.Model) func(a, b results.Key) int {
	rank := func(model string) int {
		i := slices.IndexFunc(table, func(m results.Model) bool { return m.Name == model })
		if i < 0 {
			return len(table)
		}
		return i
	}
	variant := func(v string) string {
		if v == "default" || v == "" {
			return ""
		}
		return v
	}
	return func(a, b results.Key) int {
		return cmp.Or(cmp.Compare(rank(a.Model), rank(b.Model)), cmp.Compare(a.Model, b.Model),
			cmp.Compare(variant(a.Variant), variant(b.Variant)))
	}
}

// Workload is the measured configurations of one workload, ready to draw.
type Workload struct {
	Name string
	// Mode of its points: closed, open, replay or idle.
	Mode string
	// Groups are the configurations, ordered by series then level.
	Groups []results.Group
	// Warmup is the warm-up before each point's measured interval, in
	// seconds, as the run's copy of the workload file gives it (0 when
	// the run lacks it).
	Warmup float64
	// merged are the latency histograms of each configuration's measured
	// repetitions merged, of every route together and of each (hist.go),
	// and stats each configuration's table figures (stats.go).
	merged map[histKey]merged
	stats  map[results.Key]*Stats
}

// workloads gathers the configurations groups holds by workload, in the
// order the run lists its workloads (then any other workload met in the
// points), each in series order (the model table's) then level order, with
// their merged histograms.
func workloads(run *results.Run, groups []results.Group, table []results.Model) []Workload {
	var names []string
	for _, w := range run.Workloads {
		names = append(names, w.Name)
	}
	modes := map[string]string{}
	for _, p := range run.Points {
		if !slices.Contains(names, p.Workload) {
			names = append(names, p.Workload)
		}
		modes[p.Workload] = p.Mode
	}
	byName := map[string][]results.Group{}
	for _, g := range groups {
		byName[g.Key.Workload] = append(byName[g.Key.Workload], g)
	}
	order := seriesOrder(table)
	var out []Workload
	for _, n := range names {
		gs := byName[n]
		if len(gs) == 0 {
			continue
		}
		slices.SortStableFunc(gs, func(a, b results.Group) int {
			return cmp.Or(order(a.Key, b.Key), cmp.Compare(Level(&a), Level(&b)))
		})
		w := Workload{Name: n, Mode: modes[n], Groups: gs, Warmup: warmup(run, n)}
		w.merge()
		w.tabulate()
		out = append(out, w)
	}
	return out
}

// Level is a configuration's position on the x axis: the server's CPU
// count in a workload that sweeps it, idle connections held for idle-mode
// points (c10k), the offered rate for open-loop points, otherwise the
// connection count.
func Level(g *results.Group) float64 {
	if g.Key.CPUs == 0 && len(g.Points) > 0 && g.Points[0].Mode == "idle" {
		return float64(g.Key.IdleConnections)
	}
	return g.Key.Level()
}

// Levels are the distinct load levels of the workload, ascending.
func (w *Workload) Levels() []float64 {
	var ls []float64
	for i := range w.Groups {
		ls = append(ls, Level(&w.Groups[i]))
	}
	slices.Sort(ls)
	return slices.Compact(ls)
}

// Chosen is the level the single-point charts (spectrum, CPU, timeline)
// and the report's comparisons use: the level where the most series were
// measured (not failed), weighed by their repetitions, the highest such
// level on a tie, or the highest
// level when nothing was measured. So the chosen point is the heaviest
// load that still compares every model that could take it.
func (w *Workload) Chosen() float64 {
	count := map[float64]int{}
	for i := range w.Groups {
		if !w.Groups[i].Failed() {
			// Weighed by repetitions, so a shape rate measured once is
			// not chosen over the level the claims read.
			count[Level(&w.Groups[i])] += len(w.Groups[i].Points)
		}
	}
	levels := w.Levels()
	if len(levels) == 0 {
		return math.NaN()
	}
	best, n := levels[len(levels)-1], 0
	for _, l := range levels {
		if count[l] >= n && count[l] > 0 {
			best, n = l, count[l]
		}
	}
	return best
}

// At returns the workload's groups at level, in series order.
func (w *Workload) At(level float64) []*results.Group {
	var gs []*results.Group
	for i := range w.Groups {
		if Level(&w.Groups[i]) == level {
			gs = append(gs, &w.Groups[i])
		}
	}
	return gs
}

// Group returns the configuration of a series (model and variant) at
// level, or nil.
func (w *Workload) Group(model, variant string, level float64) *results.Group {
	for _, g := range w.At(level) {
		if g.Key.Model == model && g.Key.Variant == variant {
			return g
		}
	}
	return nil
}

// Series lists the workload's series (model and variant), in order.
func (w *Workload) Series() []results.Key {
	var out []results.Key
	for i := range w.Groups {
		k := results.Key{Model: w.Groups[i].Key.Model, Variant: w.Groups[i].Key.Variant}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// LevelName names the level in a table header or a narrow axis:
// connections, offered requests/s, idle connections, or the server's CPUs
// in a workload that sweeps them (results.Key.Level).
func (w *Workload) LevelName() string {
	switch {
	case w.sweepsCPUs():
		return "server CPUs"
	case w.Mode == "open":
		return "offered requests/s"
	case w.Mode == "idle":
		return "idle connections"
	}
	return "connections"
}

// sweepsCPUs reports whether the workload's levels are the server's CPU
// counts (workload server.cpu_counts).
func (w *Workload) sweepsCPUs() bool { return len(w.Groups) > 0 && w.Groups[0].Key.CPUs > 0 }

// LevelWords names a level of the workload: "256 connections", "20k
// requests/s".
func (w *Workload) LevelWords(level float64) string {
	switch {
	case w.sweepsCPUs():
		return figures.Num(level) + " server CPUs"
	case w.Mode == "open":
		return figures.Num(level) + " requests/s"
	case w.Mode == "idle":
		return figures.Num(level) + " idle connections"
	}
	return figures.Num(level) + " connections"
}

// MainRoute is the route most requests of a mixed workload went to (the
// /plaintext of mixed), or "" when the points have a single route: its
// latency alone shows whether the rare slow route holds it up.
func (w *Workload) MainRoute() string {
	rs := w.Routes()
	if len(rs) < 2 {
		return ""
	}
	return rs[0]
}

// Routes lists the routes of the workload's points, the most requested
// first (by name on a tie).
func (w *Workload) Routes() []string {
	n := map[string]int64{}
	var rs []string
	for i := range w.Groups {
		for _, p := range w.Groups[i].Points {
			for _, r := range p.Routes {
				if _, ok := n[r.Route]; !ok {
					rs = append(rs, r.Route)
				}
				n[r.Route] += r.Requests
			}
		}
	}
	slices.SortStableFunc(rs, func(a, b string) int { return cmp.Or(cmp.Compare(n[b], n[a]), cmp.Compare(a, b)) })
	return rs
}

// RouteLatency returns the latency of route in p, or nil.
func RouteLatency(p *results.Point, route string) *results.Latency {
	for i := range p.Routes {
		if p.Routes[i].Route == route {
			return &p.Routes[i].Latency
		}
	}
	return nil
}

// warmup reads the warm-up of workload name from the run's copy of its
// file, with the [quick] override where the run was quick; 0 when the
// run has no copy or it does not parse.
func warmup(run *results.Run, name string) float64 {
	for _, rw := range run.Workloads {
		if rw.Name != name || rw.Source == "" {
			continue
		}
		var w workload.Workload
		if _, err := toml.Decode(rw.Source, &w); err != nil {
			return 0
		}
		if run.Quick {
			return w.Quick().Warmup.Seconds()
		}
		return w.Warmup.Seconds()
	}
	return 0
}
