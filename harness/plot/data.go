package plot

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"loopbench/harness/results"
)

// compareSeries orders keys by model (the model table's order, then
// models it lacks by name), then variant (the default first).
func compareSeries(a, b results.Key) int {
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
// measured (not failed), the highest such level on a tie, or the highest
// level when nothing was measured. So the chosen point is the heaviest
// load that still compares every model that could take it.
func (w *Workload) Chosen() float64 {
	count := map[float64]int{}
	for i := range w.Groups {
		if !w.Groups[i].Failed() {
			count[Level(&w.Groups[i])]++
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
	// Bytes per connection at Conns connections held (idle plus probe).
	Bytes float64
	Conns int
	// Baseline names the point whose RSS was subtracted, and BaseConns its
	// connections; Baseline is empty when no lighter point was measured and
	// Bytes is RSS/Conns, which includes the runtime's fixed cost and so
	// overstates the figure. Bytes is 0 when RSS did not grow above the
	// baseline's: the cost is below what RSS resolves.
	Baseline    string
	BaseConns   int
	ClientBound bool
	// Failed is set when the series failed at its highest level; Conns is
	// then zero unless a lower level was measured.
	Failed bool
}

// BytesPerConn computes, per series of the idle-mode workload name, the
// memory per connection at its highest measured level: (RSS − RSS of the
// baseline) ÷ (connections − baseline connections), and 0 when RSS did not
// grow above the baseline's. The baseline is the point of the same model
// and variant with the least RSS among those holding fewer connections: in
// the same workload if it has one, else anywhere in the run; without one
// the figure is RSS ÷ connections.
// RSS is the server's resident set at the end of the measured interval,
// while the connections are held, median over repetitions; kernel memory
// (socket buffers, thread stacks) is not in it.
func BytesPerConn(ws []Workload, name string) []PerConn {
	var out []PerConn
	for i := range ws {
		if ws[i].Name != name {
			continue
		}
		for _, hi := range topGroups(&ws[i]) {
			out = append(out, MemoryPerConn(ws, hi))
		}
	}
	return out
}

// topGroups returns, per series, its highest measured group (or its
// highest group, failed, when none was measured).
func topGroups(w *Workload) []*results.Group {
	var out []*results.Group
	for i := range w.Groups {
		g := &w.Groups[i]
		n := len(out)
		switch {
		case n == 0 || out[n-1].Key.Series() != g.Key.Series():
			out = append(out, g)
		case !g.Failed() || out[n-1].Failed():
			out[n-1] = g
		}
	}
	return out
}

// MemoryPerConn is the memory per connection of configuration hi, with the
// baseline BytesPerConn describes.
func MemoryPerConn(ws []Workload, hi *results.Group) PerConn {
	pc := PerConn{Model: hi.Key.Model, Variant: hi.Key.Variant, Failed: hi.Failed(), ClientBound: hi.ClientBound()}
	if hi.Failed() {
		return pc
	}
	pc.Conns = held(hi)
	r := hi.Measure(rss).Median
	pc.Bytes = r / float64(pc.Conns)
	if base, where := baseline(ws, hi); base != nil {
		pc.Baseline, pc.BaseConns = where, held(base)
		pc.Bytes = math.Max(0, r-base.Measure(rss).Median) / float64(pc.Conns-pc.BaseConns)
	}
	return pc
}

// held is the number of connections the server held at a point.
func held(g *results.Group) int { return g.Key.Connections + g.Key.IdleConnections }

// baseline finds the measured group of the same series with the least
// RSS among those holding fewer connections than hi: in hi's own workload
// if there is one, else anywhere in the run. The least RSS is the best
// estimate of the model's fixed cost; a point under load carries buffers
// and garbage on top.
func baseline(ws []Workload, hi *results.Group) (*results.Group, string) {
	for _, own := range []bool{true, false} {
		var best *results.Group
		for i := range ws {
			if own != (ws[i].Name == hi.Key.Workload) {
				continue
			}
			for j := range ws[i].Groups {
				g := &ws[i].Groups[j]
				if g.Key.Series() == hi.Key.Series() && !g.Failed() && held(g) < held(hi) &&
					(best == nil || g.Measure(rss).Median < best.Measure(rss).Median) {
					best = g
				}
			}
		}
		if best != nil {
			return best, fmt.Sprintf("%s at %d connections", best.Key.Workload, held(best))
		}
	}
	return nil, ""
}

// rss is the server's resident set at the end of the interval (peak RSS if
// the end was not recorded).
func rss(p *results.Point) float64 {
	if p.Server.RSS > 0 {
		return float64(p.Server.RSS)
	}
	return float64(p.Server.PeakRSS)
}
