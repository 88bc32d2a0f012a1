package plot

import (
	"fmt"
	"math"
	"strings"

	"loopbench/harness/results"
)

// The kinds of chart, in the order the report shows them. A workload gets
// the kinds its data supports (a line against load needs two levels).
const (
	KindThroughput   = "throughput"
	KindLatency      = "latency"
	KindRouteLatency = "route-latency"
	KindSpectrum     = "spectrum"
	KindMemory       = "memory"
	KindBytesPerConn = "bytes-per-conn"
	KindThreads      = "threads"
	KindCPU          = "cpu"
	KindTimeline     = "timeline"
	KindLoopLag      = "looplag"
)

// Kinds lists every kind of chart in report order.
var Kinds = []string{KindThroughput, KindLatency, KindRouteLatency, KindSpectrum, KindMemory,
	KindBytesPerConn, KindThreads, KindCPU, KindTimeline, KindLoopLag}

// msAxis is the y axis of latency percentiles.
var msAxis = Axis{Label: "latency (ms, log scale)", Log: true, Format: trim}

func us2ms(v float64) float64 { return v / 1000 }

// title names the chart, the workload and the host.
func title(what, workload, host string) string {
	if workload == "" {
		return fmt.Sprintf("%s — %s", what, host)
	}
	return fmt.Sprintf("%s: %s — %s", workload, what, host)
}

// charts builds every chart the workload's data supports, by kind.
func charts(ws []Workload, w *Workload, host string) (map[string]*Chart, error) {
	out := map[string]*Chart{}
	add := func(kind string, c *Chart, err error) error {
		if err == nil && c != nil {
			out[kind] = c
		}
		return err
	}
	x := Axis{Label: w.LevelLabel(), Log: true}
	multi := w.positiveLevels() > 1
	steps := []func() error{
		func() error { c, err := throughputChart(w, host, x, multi); return add(KindThroughput, c, err) },
		func() error { c, err := latencyChart(w, host, x, multi); return add(KindLatency, c, err) },
		func() error { c, err := routeLatencyChart(w, host, x, multi); return add(KindRouteLatency, c, err) },
		func() error { c, err := spectrumChart(w, host); return add(KindSpectrum, c, err) },
		func() error { c, err := memoryChart(w, host, x, multi); return add(KindMemory, c, err) },
		func() error { c, err := bytesPerConnChart(ws, w, host); return add(KindBytesPerConn, c, err) },
		func() error { c, err := threadsChart(w, host, x, multi); return add(KindThreads, c, err) },
		func() error { c, err := cpuChart(w, host); return add(KindCPU, c, err) },
		func() error { c, err := timelineChart(w, host); return add(KindTimeline, c, err) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("workload %s: %w", w.Name, err)
		}
	}
	return out, nil
}

func throughput(p *results.Point) float64 { return p.Throughput }

func throughputChart(w *Workload, host string, x Axis, multi bool) (*Chart, error) {
	if !multi {
		return Bars(title("throughput at "+levelWords(w, w.Chosen()), w.Name, host), "throughput (requests/s, median of repetitions)",
			nil, valueBars(w, w.Chosen(), throughput), formatCount)
	}
	y := Axis{Label: "throughput (requests/s)", Format: formatCount}
	return Lines(title("throughput", w.Name, host), false, Panel{X: x, Y: y, Series: w.SeriesOf(throughput)})
}

// percentilePanels are the p50, p99 and p99.9 panels of latency taken from
// lat, in ms.
func percentilePanels(w *Workload, x Axis, lat func(*results.Point) *results.Latency) []Panel {
	pick := func(f func(*results.Latency) float64) func(*results.Point) float64 {
		return func(p *results.Point) float64 {
			if l := lat(p); l != nil && l.Count > 0 {
				return us2ms(f(l))
			}
			return math.NaN()
		}
	}
	x.Label = shortLevel(w)
	return []Panel{
		{Title: "p50", X: x, Y: msAxis, Series: w.SeriesOf(pick(func(l *results.Latency) float64 { return l.P50 }))},
		{Title: "p99", X: x, Y: msAxis, Series: w.SeriesOf(pick(func(l *results.Latency) float64 { return l.P99 }))},
		{Title: "p99.9", X: x, Y: msAxis, Series: w.SeriesOf(pick(func(l *results.Latency) float64 { return l.P999 }))},
	}
}

// percentileBars are p50, p99 and p99.9 of lat at level as grouped bars,
// for a workload measured at a single level.
func percentileBars(w *Workload, level float64, what string, lat func(*results.Point) *results.Latency, host string) (*Chart, error) {
	pcts := []struct {
		name string
		f    func(*results.Latency) float64
	}{
		{"p50", func(l *results.Latency) float64 { return l.P50 }},
		{"p99", func(l *results.Latency) float64 { return l.P99 }},
		{"p99.9", func(l *results.Latency) float64 { return l.P999 }},
	}
	var bars []Bar
	for _, pc := range pcts {
		for _, g := range w.At(level) {
			v := g.Measure(func(p *results.Point) float64 {
				if l := lat(p); l != nil {
					return us2ms(pc.f(l))
				}
				return math.NaN()
			}).Median
			bars = append(bars, Bar{Model: g.Key.Model, Variant: g.Key.Variant, Group: pc.name, Parts: []float64{nan0(v)},
				ClientBound: g.ClientBound(), Failed: g.Failed() || math.IsNaN(v)})
		}
	}
	return LogBars(title(what+" at "+levelWords(w, level), w.Name, host), "latency (ms, log scale, median of repetitions)", bars, trim)
}

func latencyChart(w *Workload, host string, x Axis, multi bool) (*Chart, error) {
	if !multi {
		return percentileBars(w, w.Chosen(), "latency (all routes)", func(p *results.Point) *results.Latency { return &p.Latency }, host)
	}
	return Lines(title("latency (all routes)", w.Name, host), false,
		percentilePanels(w, x, func(p *results.Point) *results.Latency { return &p.Latency })...)
}

// MainRoute is the route most requests of a mixed workload went to (the
// /plaintext of mixed), or "" when the points have a single route: its
// latency alone shows whether the rare slow route holds it up.
func (w *Workload) MainRoute() string {
	n := map[string]int64{}
	for i := range w.Groups {
		for _, p := range w.Groups[i].Points {
			for _, r := range p.Routes {
				n[r.Route] += r.Requests
			}
		}
	}
	if len(n) < 2 {
		return ""
	}
	best := ""
	for r, c := range n {
		if best == "" || c > n[best] || c == n[best] && r < best {
			best = r
		}
	}
	return best
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

func routeLatencyChart(w *Workload, host string, x Axis, multi bool) (*Chart, error) {
	route := w.MainRoute()
	if route == "" {
		return nil, nil
	}
	if !multi {
		return percentileBars(w, w.Chosen(), "latency of "+route+" alone", func(p *results.Point) *results.Latency { return RouteLatency(p, route) }, host)
	}
	return Lines(title("latency of "+route+" alone", w.Name, host), false,
		percentilePanels(w, x, func(p *results.Point) *results.Latency { return RouteLatency(p, route) })...)
}

func peakRSSMiB(p *results.Point) float64 { return float64(p.Server.PeakRSS) / (1 << 20) }
func threads(p *results.Point) float64    { return float64(p.Server.Threads) }

func memoryChart(w *Workload, host string, x Axis, multi bool) (*Chart, error) {
	if !multi {
		return Bars(title("peak RSS at "+levelWords(w, w.Chosen()), w.Name, host), "peak RSS (MiB)", nil,
			valueBars(w, w.Chosen(), peakRSSMiB), trim)
	}
	y := Axis{Label: "server peak RSS (MiB, log scale)", Log: true, Format: trim}
	return Lines(title("memory", w.Name, host), false, Panel{X: x, Y: y, Series: w.SeriesOf(peakRSSMiB)})
}

func threadsChart(w *Workload, host string, x Axis, multi bool) (*Chart, error) {
	if !multi {
		return nil, nil
	}
	y := Axis{Label: "server threads (most seen, log scale)", Log: true, Format: formatCount}
	return Lines(title("threads", w.Name, host), false, Panel{X: x, Y: y, Series: w.SeriesOf(threads)})
}

func bytesPerConnChart(ws []Workload, w *Workload, host string) (*Chart, error) {
	if w.Mode != "idle" {
		return nil, nil
	}
	var bars []Bar
	var methods []string
	byMethod := map[string][]string{}
	sources := map[string]bool{}
	for _, pc := range BytesPerConn(ws, w.Name) {
		bars = append(bars, Bar{Model: pc.Model, Variant: pc.Variant, Parts: []float64{pc.Bytes / 1024}, ClientBound: pc.ClientBound, Failed: pc.Conns == 0})
		if pc.Conns > 0 {
			sources[pc.Source] = true
			m := pc.Method()
			if byMethod[m] == nil {
				methods = append(methods, m)
			}
			byMethod[m] = append(byMethod[m], Series{Model: pc.Model, Variant: pc.Variant}.Name())
		}
	}
	ylabel := "RSS per connection (KiB)"
	if sources[SourceCgroup] {
		ylabel = "memory per connection (KiB)"
	}
	c, err := Bars(title("server memory per connection", w.Name, host), ylabel, nil, bars, trim)
	if err != nil {
		return nil, err
	}
	if sources[SourceCgroup] {
		c.Notes = append(c.Notes, "cgroup memory: user memory, the kernel's share (thread stacks, page tables, slab) and socket buffers; page cache excluded.")
	}
	if sources[SourceRSS] || len(sources) == 0 {
		c.Notes = append(c.Notes, "Process RSS only; kernel socket buffers and thread stacks are not included.")
	}
	for _, m := range methods {
		c.Notes = append(c.Notes, m+": "+strings.Join(byMethod[m], ", ")+".")
	}
	return c, nil
}

// positiveLevels counts the levels a log axis can show.
func (w *Workload) positiveLevels() int {
	n := 0
	for _, l := range w.Levels() {
		if l > 0 {
			n++
		}
	}
	return n
}

// LevelName names the load level in a table header: connections, offered
// requests/s or idle connections.
func (w *Workload) LevelName() string { return shortLevel(w) }

// levelWords names a level: "256 connections", "20k requests/s".
func levelWords(w *Workload, level float64) string {
	switch w.Mode {
	case "open":
		return formatCount(level) + " requests/s"
	case "idle":
		return formatCount(level) + " idle connections"
	}
	return formatCount(level) + " connections"
}

// shortLevel is the level axis label without the scale note, for narrow
// panels and table headers.
func shortLevel(w *Workload) string {
	switch w.Mode {
	case "open":
		return "offered requests/s"
	case "idle":
		return "idle connections"
	}
	return "connections"
}

// valueBars is a bar per series at level, of figure f.
func valueBars(w *Workload, level float64, f func(*results.Point) float64) []Bar {
	var bars []Bar
	for _, g := range w.At(level) {
		bars = append(bars, Bar{Model: g.Key.Model, Variant: g.Key.Variant, Parts: []float64{g.Measure(f).Median},
			ClientBound: g.ClientBound(), Failed: g.Failed()})
	}
	return bars
}
