package analysis

import (
	"fmt"
	"math"

	"loopbench/harness/results"
)

// The memory figures a PerConn is computed from.
const (
	// SourceCgroup is the charge of the server's cgroup, Server.Memory.Total:
	// user memory plus the kernel's share (thread stacks, page tables,
	// slab) plus socket buffers, the page cache left out.
	SourceCgroup = "cgroup"
	// SourceRSS is the process's resident set, Server.RSS: user memory
	// only, the fallback where the points carry no cgroup figures.
	SourceRSS = "RSS"
)

// PerConn is the memory one connection costs a series, from the
// idle-mode points of a workload.
type PerConn struct {
	Model, Variant string
	// Group is the configuration measured: the series' highest level.
	Group *results.Group
	// Bytes per connection at Conns connections held (idle plus probe):
	// the median of Of over the repetitions. User, Kernel and Sock split
	// it alike when Source is SourceCgroup (each its own median, so their
	// sum may differ from Bytes a little); they are 0 for SourceRSS.
	Bytes              float64
	User, Kernel, Sock float64
	Conns              int
	// Source is the figure used: SourceCgroup when every repetition of
	// Group carries its cgroup's charge, else SourceRSS.
	Source string
	// Baseline names the point whose memory was subtracted, and BaseConns
	// its connections; Baseline is empty when no lighter point was
	// measured and Bytes is memory/Conns, which includes the runtime's
	// fixed cost and so overstates the figure. Bytes is 0 when memory did
	// not grow above the baseline's: the cost is below what it resolves.
	Baseline    string
	BaseConns   int
	ClientBound bool
	// Failed is set when the series failed at its highest level; Conns is
	// then zero unless a lower level was measured. Partial is set when the
	// figure comes from partial points, none being usable.
	Failed, Partial bool

	mem  memFigure // Source's figure of a point
	base float64   // its median at the baseline
}

// memFigure is a memory figure of a point, in bytes.
type memFigure func(*results.Point) float64

// cgroupPart is a part of a point's cgroup memory (NaN without one).
func cgroupPart(part func(*results.Memory) int64) memFigure {
	return func(p *results.Point) float64 {
		if p.Server.Memory == nil {
			return math.NaN()
		}
		return float64(part(p.Server.Memory))
	}
}

var (
	cgroupTotal  = cgroupPart(func(m *results.Memory) int64 { return m.Total })
	cgroupUser   = cgroupPart(func(m *results.Memory) int64 { return m.User })
	cgroupKernel = cgroupPart(func(m *results.Memory) int64 { return m.Kernel })
	cgroupSock   = cgroupPart(func(m *results.Memory) int64 { return m.Sock })
)

// BytesPerConn computes, per series of the idle-mode workload name, the
// memory per connection at its highest measured level: (memory − memory
// of the baseline) ÷ (connections − baseline connections), and 0 when
// memory did not grow above the baseline's. The baseline is the point of
// the same model and variant with the least memory among those holding
// fewer connections and measured the same way: in the same workload if it
// has one, else anywhere in the run; without one the figure is memory ÷
// connections. Memory is taken at the end of the measured interval, while
// the connections are held: the server cgroup's charge (Source) where the
// points have it, so the kernel's share counts, else the process RSS,
// which leaves out socket buffers and thread stacks.
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
// figure and baseline BytesPerConn describes.
func MemoryPerConn(ws []Workload, hi *results.Group) PerConn {
	pc := PerConn{Model: hi.Key.Model, Variant: hi.Key.Variant, Group: hi, Failed: hi.Failed(),
		ClientBound: hi.ClientBound(), Source: SourceRSS, mem: rss}
	if hi.Failed() {
		return pc
	}
	if hasCgroup(hi) {
		pc.Source, pc.mem = SourceCgroup, cgroupTotal
	}
	pc.Conns = held(hi)
	base, where := baseline(ws, hi, pc.Source)
	if base != nil {
		pc.Baseline, pc.BaseConns, pc.base = where, held(base), base.Measure(pc.mem).Median
	}
	st := hi.Measure(pc.Of)
	pc.Bytes, pc.Partial = st.Median, st.Partial
	if pc.Source == SourceCgroup {
		pc.User, pc.Kernel, pc.Sock = pc.part(base, cgroupUser), pc.part(base, cgroupKernel), pc.part(base, cgroupSock)
	}
	return pc
}

// Of is the memory per connection of one repetition p of the
// configuration: its figure less the baseline's median, over the
// connections added (the figure over all connections without a baseline).
// Paired comparisons divide these, repetition by repetition.
func (pc PerConn) Of(p *results.Point) float64 { return pc.perConn(pc.mem(p), pc.base) }

func (pc PerConn) perConn(v, base float64) float64 {
	if pc.Baseline == "" {
		return v / float64(pc.Conns)
	}
	return math.Max(0, v-base) / float64(pc.Conns-pc.BaseConns)
}

// part is the median per connection of one part of the cgroup's memory.
func (pc PerConn) part(base *results.Group, f memFigure) float64 {
	b := 0.0
	if base != nil {
		b = base.Measure(f).Median
	}
	return pc.Group.Measure(func(p *results.Point) float64 { return pc.perConn(f(p), b) }).Median
}

// hasCgroup reports whether every repetition g's figures come from
// carries its cgroup's memory.
func hasCgroup(g *results.Group) bool {
	ps := Measured(g)
	for _, p := range ps {
		if p.Server.Memory == nil {
			return false
		}
	}
	return len(ps) > 0
}

// held is the number of connections the server held at a point.
func held(g *results.Group) int { return g.Key.Connections + g.Key.IdleConnections }

// baseline finds the group of the same series, with usable points
// measured from source, with the least memory among those holding fewer
// connections than hi: in hi's own workload if there is one, else
// anywhere in the run. The least memory is the best estimate of the
// model's fixed cost; a point under load carries buffers and garbage on
// top.
func baseline(ws []Workload, hi *results.Group, source string) (*results.Group, string) {
	mem := rss
	if source == SourceCgroup {
		mem = cgroupTotal
	}
	for _, own := range []bool{true, false} {
		var best *results.Group
		for i := range ws {
			if own != (ws[i].Name == hi.Key.Workload) {
				continue
			}
			for j := range ws[i].Groups {
				g := &ws[i].Groups[j]
				if g.Key.Series() == hi.Key.Series() && usable(g) && (source == SourceRSS || hasCgroup(g)) && held(g) < held(hi) &&
					(best == nil || g.Measure(mem).Median < best.Measure(mem).Median) {
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

// Method says how the figure was computed, for captions.
func (pc PerConn) Method() string {
	fig := "RSS"
	if pc.Source == SourceCgroup {
		fig = "cgroup memory"
	}
	var s string
	switch {
	case pc.Baseline == "":
		s = fmt.Sprintf("%s ÷ %d connections (no lighter point to subtract: overstates)", fig, pc.Conns)
	case pc.Bytes == 0:
		s = fmt.Sprintf("%s at %d connections not above %s of %s: too small for %s to show", fig, pc.Conns, fig, pc.Baseline, fig)
	default:
		s = fmt.Sprintf("(%s at %d connections − %s of %s) ÷ %d", fig, pc.Conns, fig, pc.Baseline, pc.Conns-pc.BaseConns)
	}
	if pc.Source == SourceRSS {
		s += "; RSS only: no cgroup figures, so the kernel's share is left out"
	}
	return s
}
