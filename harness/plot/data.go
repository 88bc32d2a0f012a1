package plot

import (
	"cmp"
	"math"
	"slices"

	"loopbench/harness/results"
)

// modelOrder is the order of models in legends and tables: the baseline
// first, then the event loops, then the rest by name.
var modelOrder = []string{"threaded", "eventloop", "gnet", "evio", "fasthttp", "node"}

// compareSeries orders keys by model (modelOrder), then variant (the
// default first).
func compareSeries(a, b results.Key) int {
	rank := func(m string) int {
		if i := slices.Index(modelOrder, m); i >= 0 {
			return i
		}
		return len(modelOrder)
	}
	variant := func(v string) string {
		if v == "default" || v == "" {
			return ""
		}
		return v
	}
	return cmp.Or(cmp.Compare(rank(a.Model), rank(b.Model)), cmp.Compare(a.Model, b.Model),
		cmp.Compare(variant(a.Variant), variant(b.Variant)))
}

// Workload is the measured configurations of one workload, ready to draw.
type Workload struct {
	Name string
	// Mode of its points: closed, open, replay or idle.
	Mode string
	// Groups are the configurations, ordered by series then level.
	Groups []results.Group
}

// Workloads gathers a run's points by workload, in the order the run lists
// its workloads (then any other workload met in the points).
func Workloads(run *results.Run) []Workload {
	var names []string
	for _, w := range run.Workloads {
		names = append(names, w.Name)
	}
	byName := map[string][]results.Point{}
	modes := map[string]string{}
	for _, p := range run.Points {
		if !slices.Contains(names, p.Workload) {
			names = append(names, p.Workload)
		}
		byName[p.Workload] = append(byName[p.Workload], p)
		modes[p.Workload] = p.Mode
	}
	var out []Workload
	for _, n := range names {
		if len(byName[n]) == 0 {
			continue
		}
		gs := results.Groups(byName[n])
		slices.SortStableFunc(gs, func(a, b results.Group) int {
			return cmp.Or(compareSeries(a.Key, b.Key), cmp.Compare(Level(&a), Level(&b)))
		})
		out = append(out, Workload{Name: n, Mode: modes[n], Groups: gs})
	}
	return out
}

// Level is a configuration's position on the x axis: idle connections
// held for idle-mode points (c10k), the offered rate for open-loop points,
// otherwise the connection count.
func Level(g *results.Group) float64 {
	if len(g.Points) > 0 && g.Points[0].Mode == "idle" {
		return float64(g.Key.IdleConnections)
	}
	return g.Key.Level()
}

// LevelLabel names the x axis of a workload in words, with its unit.
func (w *Workload) LevelLabel() string {
	switch w.Mode {
	case "open":
		return "offered rate (requests/s, log scale)"
	case "idle":
		return "idle connections held (log scale)"
	}
	if len(w.Groups) > 0 && w.Groups[0].Key.Pipeline > 1 {
		return "connections, pipelined (log scale)"
	}
	return "connections (log scale)"
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
// measured (not failed), the highest such level on a tie. So the chosen
// point is the heaviest load that still compares every model that could
// take it.
func (w *Workload) Chosen() float64 {
	count := map[float64]int{}
	for i := range w.Groups {
		if !w.Groups[i].Failed() {
			count[Level(&w.Groups[i])]++
		}
	}
	best, n := math.NaN(), 0
	for _, l := range w.Levels() {
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

// SeriesOf draws figure f (the median over repetitions, with their range)
// against the level, one series per model and variant. Points where f is
// not defined (f returns NaN) are left out.
func (w *Workload) SeriesOf(f func(*results.Point) float64) []Series {
	var out []Series
	for i := range w.Groups {
		g := &w.Groups[i]
		if len(out) == 0 || out[len(out)-1].Model != g.Key.Model || out[len(out)-1].Variant != g.Key.Variant {
			out = append(out, Series{Model: g.Key.Model, Variant: g.Key.Variant})
		}
		st := g.Measure(f)
		if !g.Failed() && math.IsNaN(st.Median) {
			continue
		}
		s := &out[len(out)-1]
		s.Points = append(s.Points, XY{X: Level(g), Y: st.Median, Min: st.Min, Max: st.Max, ClientBound: g.ClientBound(), Failed: g.Failed()})
	}
	return out
}

// PerConn is the process memory one connection costs a series, from the
// idle-mode points of a workload.
type PerConn struct {
	Model, Variant string
	// Bytes per connection; Conns the connection count it was measured at.
	Bytes float64
	Conns int
	// Baseline is the connection count of the point subtracted (RSS at
	// Conns minus RSS at Baseline, divided by the difference), or -1 when
	// there was none and Bytes is RSS/Conns, which includes the runtime's
	// fixed cost and so overstates the per-connection figure.
	Baseline    int
	ClientBound bool
	Failed      bool
}

// BytesPerConn computes, per series, the memory per connection at the
// highest measured level: (RSS(high) − RSS(low)) / (high − low) with the
// lowest measured level as the baseline, or RSS(high)/high when the series
// has a single level. RSS is the server's resident set at the end of the
// measured interval (while the connections are held), median over
// repetitions; kernel memory (socket buffers, thread stacks) is not in it.
func (w *Workload) BytesPerConn() []PerConn {
	var out []PerConn
	for _, s := range w.SeriesOf(rss) {
		pc := PerConn{Model: s.Model, Variant: s.Variant, Baseline: -1}
		var ok []XY
		for _, q := range s.Points {
			if !q.Failed {
				ok = append(ok, q)
			}
		}
		last := len(s.Points) - 1
		pc.Failed = last >= 0 && s.Points[last].Failed
		if len(ok) == 0 || ok[len(ok)-1].X <= 0 {
			pc.Failed = true
			out = append(out, pc)
			continue
		}
		hi := ok[len(ok)-1]
		pc.Conns, pc.Bytes, pc.ClientBound = int(hi.X), hi.Y/hi.X, hi.ClientBound
		if lo := ok[0]; len(ok) > 1 && lo.X < hi.X {
			pc.Baseline, pc.Bytes = int(lo.X), (hi.Y-lo.Y)/(hi.X-lo.X)
		}
		out = append(out, pc)
	}
	return out
}

// rss is the server's resident set at the end of the interval (peak RSS if
// the end was not recorded).
func rss(p *results.Point) float64 {
	if p.Server.RSS > 0 {
		return float64(p.Server.RSS)
	}
	return float64(p.Server.PeakRSS)
}
