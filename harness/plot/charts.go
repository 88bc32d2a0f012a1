package plot

import (
	"fmt"
	"math"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// The kinds of chart, in the order the report shows them. A workload gets
// the kinds that answer its question and that its data supports.
const (
	KindScorecard    = "scorecard"
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
var Kinds = []string{KindScorecard, KindThroughput, KindLatency, KindRouteLatency, KindSpectrum, KindMemory,
	KindBytesPerConn, KindThreads, KindCPU, KindTimeline, KindLoopLag, KindConnect, KindIdeal}

// msAxis is the value axis of latency.
var msAxis = Axis{Label: "latency (ms, log scale)", Log: true, Format: trim}

// What the points of a chart are, the first of its notes: a median of
// the repetitions, or a percentile of their histograms merged. The two are
// told apart on every chart, as in the tables.
const (
	medianBasis = "Medians of the repetitions. Whiskers: the 95% interval (solid), or the range of 2 to 5 repetitions (dashed). Small marker: measured once (n=1)."
	mergedBasis = "Percentiles of the repetitions' histograms merged, as in the tables. Dashed whiskers: the range of the repetitions' own. Small marker: measured once (n=1)."
)

// withBasis puts what the chart's points are first among its notes.
func withBasis(c *Chart, err error, basis string) (*Chart, error) {
	if c != nil {
		c.Notes = append([]string{basis}, c.Notes...)
	}
	return c, err
}

// sheet is what every chart of one run shares: the host its titles name
// and the palette of the model table the run was measured with.
type sheet struct {
	host    string
	palette Palette
}

// sheetOf is the sheet of a's charts.
func sheetOf(a *analysis.Analysis) sheet {
	return sheet{host: a.Run.Env.Host, palette: PaletteOf(a.Models)}
}

// title names the chart, the workload and the host.
func title(what, workload, host string) string {
	if workload == "" {
		return fmt.Sprintf("%s — %s", what, host)
	}
	return fmt.Sprintf("%s: %s — %s", workload, what, host)
}

// charts builds, by kind, every chart of workload w that answers a
// question its data can answer.
func charts(ws []analysis.Workload, w *analysis.Workload, sh sheet) (map[string]*Chart, error) {
	out := map[string]*Chart{}
	steps := []struct {
		kind  string
		build func() (*Chart, error)
	}{
		{KindThroughput, func() (*Chart, error) { return throughputChart(w, sh) }},
		{KindLatency, func() (*Chart, error) { return latencyChart(w, sh) }},
		{KindRouteLatency, func() (*Chart, error) { return routeLatencyChart(w, sh) }},
		{KindSpectrum, func() (*Chart, error) { return spectrumChart(w, sh) }},
		{KindMemory, func() (*Chart, error) { return memoryChart(w, sh) }},
		{KindBytesPerConn, func() (*Chart, error) { return bytesPerConnChart(ws, w, sh) }},
		{KindThreads, func() (*Chart, error) { return threadsChart(w, sh) }},
		{KindCPU, func() (*Chart, error) { return cpuChart(w, sh) }},
		{KindTimeline, func() (*Chart, error) { return timelineChart(w, sh) }},
		{KindConnect, func() (*Chart, error) { return connectChart(w, sh) }},
		{KindIdeal, func() (*Chart, error) { return idealChart(w, sh) }},
	}
	for _, st := range steps {
		c, err := st.build()
		if err != nil {
			return nil, fmt.Errorf("workload %s: %s chart: %w", w.Name, st.kind, err)
		}
		if c != nil {
			out[st.kind] = c
		}
	}
	return out, nil
}

// multi reports whether the workload has the levels a line against load
// needs.
func multi(w *analysis.Workload) bool {
	n := 0
	for _, l := range w.Levels() {
		if l > 0 {
			n++
		}
	}
	return n > 1
}

// levelAxis is the x axis of a chart against load.
func levelAxis(w *analysis.Workload) Axis {
	label := w.LevelName() + " (log scale)"
	if w.Mode == "closed" && len(w.Groups) > 0 && w.Groups[0].Key.Pipeline > 1 {
		label = "connections, pipelined (log scale)"
	}
	return Axis{Label: label, Log: true}
}

func throughput(p *results.Point) float64 { return p.Throughput }

// throughputChart answers "how much does each model serve" for closed-loop
// workloads only: an open loop serves the rate it is offered, a replay its
// trace and c10k its probe, so their throughput says nothing of the model.
func throughputChart(w *analysis.Workload, sh sheet) (*Chart, error) {
	if w.Mode != "closed" {
		return nil, nil
	}
	if multi(w) {
		y := Axis{Label: "throughput (requests/s, median)", Format: formatCount}
		c, err := Lines(title("throughput", w.Name, sh.host), false, Panel{X: levelAxis(w), Y: y, Series: sh.seriesOf(w, throughput, true)})
		return withBasis(c, err, medianBasis)
	}
	l := w.Chosen()
	return Dots(title("throughput at "+w.LevelWords(l), w.Name, sh.host), figures.Num, medianBasis,
		DotPanel{X: Axis{Label: "throughput (requests/s, median of repetitions)", Format: formatCount}, Dots: sh.dotsAt(w, l, throughput, true)})
}

// percentileOf picks percentile i (p50, p99, p99.9) of the latency of
// route ("": every route), in ms.
func percentileOf(route string, i int) func(*results.Point) float64 {
	lat := analysis.LatencyOf(route)
	return func(p *results.Point) float64 {
		l := lat(p)
		if l == nil || l.Count == 0 {
			return math.NaN()
		}
		return [3]float64{l.P50, l.P99, l.P999}[i] / 1000
	}
}

var pctNames = [3]string{"p50", "p99", "p99.9"}

// allRoutes is the route of latency figures of every route together.
const allRoutes = ""

// latencyChart is p50, p99 and p99.9 against the load (the offered rate of
// an open loop, where the knee shows), or at the one level measured as
// dot plots.
func latencyChart(w *analysis.Workload, sh sheet) (*Chart, error) {
	if multi(w) {
		var panels []Panel
		for i, n := range pctNames {
			x := levelAxis(w)
			x.Label = w.LevelName()
			ss, err := sh.percentileSeries(w, allRoutes, i)
			if err != nil {
				return nil, err
			}
			panels = append(panels, Panel{Title: n, X: x, Y: msAxis, Series: ss})
		}
		c, err := Lines(title("latency (all routes, repetitions merged) against load", w.Name, sh.host), false, panels...)
		return withBasis(c, err, mergedBasis)
	}
	l := w.Chosen()
	var panels []DotPanel
	for i, n := range pctNames {
		ds, err := sh.percentileDots(w, l, allRoutes, i)
		if err != nil {
			return nil, err
		}
		panels = append(panels, DotPanel{Title: n, X: Axis{Label: "ms (log scale)", Log: true, Format: trim}, Dots: ds})
	}
	return Dots(title("latency (all routes, repetitions merged) at "+w.LevelWords(l), w.Name, sh.host), figures.Num, mergedBasis, panels...)
}

// percentileDots are percentile i of route's latency at level, a dot per
// series: the merged histograms' figure, whiskered by the repetitions' own
// where each resolves it, or marked unresolved.
func (sh sheet) percentileDots(w *analysis.Workload, level float64, route string, i int) ([]Dot, error) {
	var out []Dot
	for _, g := range w.At(level) {
		ps, err := w.Percentiles(g, route)
		if err != nil {
			return nil, err
		}
		pc := ps[i]
		d := sh.dotOf(g, pc.Reps, true)
		d.Value, d.Samples, d.Unresolved, d.CI = pc.Ms, pc.Samples, !pc.Resolved(), false
		d.Lo, d.Hi = 0, 0
		if pc.RepsResolved() {
			d.Lo, d.Hi = pc.Reps.Min, pc.Reps.Max
		}
		out = append(out, d)
	}
	return out, nil
}

// percentileSeries draws percentile i of route's latency against the
// level, one series per model and variant: the merged histograms' figure,
// as the tables give it, with the range of the repetitions' own where each
// resolves it; a percentile its requests do not resolve is marked so, and
// not drawn.
func (sh sheet) percentileSeries(w *analysis.Workload, route string, i int) ([]Series, error) {
	ss := sh.seriesOf(w, percentileOf(route, i), true)
	for si := range ss {
		for pi := range ss[si].Points {
			q := &ss[si].Points[pi]
			g := w.Group(ss[si].Model, ss[si].Variant, q.X)
			if g == nil || q.Failed {
				continue
			}
			ps, err := w.Percentiles(g, route)
			if err != nil {
				return nil, err
			}
			pc := ps[i]
			q.Y, q.Samples, q.Unresolved, q.CI = pc.Ms, pc.Samples, !pc.Resolved(), false
			q.Lo, q.Hi = 0, 0
			if pc.RepsResolved() {
				q.Lo, q.Hi = pc.Reps.Min, pc.Reps.Max
			}
		}
	}
	return ss, nil
}

// routeLatencyChart answers what a workload with several routes (mixed,
// replay) exists for: each route's p99, one panel per route, against the
// offered rate, or at the one level measured.
func routeLatencyChart(w *analysis.Workload, sh sheet) (*Chart, error) {
	routes := w.Routes()
	if len(routes) < 2 {
		return nil, nil
	}
	routes = routes[:min(len(routes), 4)]
	if multi(w) {
		var panels []Panel
		for _, r := range routes {
			x := levelAxis(w)
			x.Label = w.LevelName()
			ss, err := sh.percentileSeries(w, r, 1)
			if err != nil {
				return nil, err
			}
			panels = append(panels, Panel{Title: r, X: x, Y: Axis{Label: "p99 latency (ms, log scale)", Log: true, Format: trim}, Series: ss})
		}
		c, err := Lines(title("p99 latency per route (repetitions merged) against load", w.Name, sh.host), false, panels...)
		return withBasis(c, err, mergedBasis)
	}
	l := w.Chosen()
	var panels []DotPanel
	for _, r := range routes {
		ds, err := sh.percentileDots(w, l, r, 1)
		if err != nil {
			return nil, err
		}
		panels = append(panels, DotPanel{Title: r, X: Axis{Label: "p99 (ms, log scale)", Log: true, Format: trim}, Dots: ds})
	}
	return Dots(title("p99 latency per route (repetitions merged) at "+w.LevelWords(l), w.Name, sh.host), figures.Num, mergedBasis, panels...)
}

func peakRSSMiB(p *results.Point) float64 { return float64(p.Server.PeakRSS) / (1 << 20) }
func threads(p *results.Point) float64    { return float64(p.Server.Threads) }

// memoryChart is the server's peak RSS; c10k's question (memory per
// connection) is the bytes-per-conn chart instead.
func memoryChart(w *analysis.Workload, sh sheet) (*Chart, error) {
	if w.Mode == "idle" {
		return nil, nil
	}
	if multi(w) {
		y := Axis{Label: "server peak RSS (MiB, log scale)", Log: true, Format: trim}
		c, err := Lines(title("memory", w.Name, sh.host), false, Panel{X: levelAxis(w), Y: y, Series: sh.seriesOf(w, peakRSSMiB, false)})
		return withBasis(c, err, medianBasis)
	}
	l := w.Chosen()
	return Dots(title("peak RSS at "+w.LevelWords(l), w.Name, sh.host), figures.Num, medianBasis,
		DotPanel{X: Axis{Label: "server peak RSS (MiB, log scale)", Log: true, Format: trim}, Dots: sh.dotsAt(w, l, peakRSSMiB, false)})
}

func threadsChart(w *analysis.Workload, sh sheet) (*Chart, error) {
	if !multi(w) {
		return nil, nil
	}
	y := Axis{Label: "server threads (most seen, log scale)", Log: true, Format: formatCount}
	c, err := Lines(title("threads", w.Name, sh.host), false, Panel{X: levelAxis(w), Y: y, Series: sh.seriesOf(w, threads, false)})
	return withBasis(c, err, medianBasis)
}

// perRequestUS is the server's CPU per answered request, in µs.
func perRequestUS(p *results.Point) float64 { return p.CPUPerRequest }

// perCore is the requests answered per second per core the server kept busy.
func perCore(p *results.Point) float64 {
	c := analysis.Cores(p)
	if !(c > 0) {
		return math.NaN()
	}
	return p.Throughput / c
}

// cpuChart is the server's CPU at the compared level three ways: per
// request (what tells fast models apart when one client core cannot
// saturate them), the cores it kept busy (claim 4's own figure) and the
// requests per second each of those cores served.
func cpuChart(w *analysis.Workload, sh sheet) (*Chart, error) {
	l := w.Chosen()
	if len(w.At(l)) == 0 {
		return nil, nil
	}
	return Dots(title("server CPU at "+w.LevelWords(l), w.Name, sh.host), figures.Num, medianBasis,
		DotPanel{Title: "CPU per request", X: Axis{Label: "µs (log scale)", Log: true, Format: trim}, Dots: sh.dotsAt(w, l, perRequestUS, false)},
		DotPanel{Title: "cores used", X: Axis{Label: "CPU time ÷ wall time", Format: trim}, Dots: sh.dotsAt(w, l, analysis.Cores, false)},
		DotPanel{Title: "requests/s per core", X: Axis{Label: "req/s (log scale)", Log: true, Format: formatCount}, Dots: sh.dotsAt(w, l, perCore, false)})
}

// dotsAt is a dot per series at level, of figure f: the median with its
// interval, errors counted where errs.
func (sh sheet) dotsAt(w *analysis.Workload, level float64, f func(*results.Point) float64, errs bool) []Dot {
	var out []Dot
	for _, g := range w.At(level) {
		st := g.Measure(f)
		d := sh.dotOf(g, st, errs)
		d.Value, d.Lo, d.Hi = st.Median, st.Lo, st.Hi
		out = append(out, d)
	}
	return out
}

// dotOf is the dot of configuration g, its figure st, with the marks a
// reader needs: client-bound, partial, failed, measured once, the partial
// repetitions left out, and (where errs) the errors.
func (sh sheet) dotOf(g *results.Group, st results.Stat, errs bool) Dot {
	d := Dot{Model: g.Key.Model, Variant: g.Key.Variant, Style: sh.palette.Of(g.Key.Model), ClientBound: g.ClientBound(), Partial: st.Partial,
		Failed: g.Failed() || st.N == 0 || math.IsNaN(st.Median), N: len(g.Points), Reps: st.N, CI: st.HasCI()}
	if !st.Partial {
		for _, p := range g.Points {
			if !p.Failed && !p.Usable() {
				d.LeftOut++
			}
		}
	}
	if errs {
		d.Errors = g.Errors()
	}
	return d
}

// seriesOf draws figure f (the median over repetitions, with its 95%
// interval, or below 6 repetitions their range) against the level, one
// series per model and variant, errors counted where errs. Points where f
// is not defined (NaN) are left out.
func (sh sheet) seriesOf(w *analysis.Workload, f func(*results.Point) float64, errs bool) []Series {
	var out []Series
	for i := range w.Groups {
		g := &w.Groups[i]
		if len(out) == 0 || out[len(out)-1].Model != g.Key.Model || out[len(out)-1].Variant != g.Key.Variant {
			out = append(out, Series{Model: g.Key.Model, Variant: g.Key.Variant, Style: sh.palette.Of(g.Key.Model)})
		}
		st := g.Measure(f)
		if !g.Failed() && math.IsNaN(st.Median) {
			continue
		}
		q := XY{X: analysis.Level(g), Y: st.Median, Lo: st.Lo, Hi: st.Hi, CI: st.HasCI(), N: st.N,
			ClientBound: g.ClientBound(), Failed: g.Failed(), Partial: st.Partial}
		if errs {
			q.Errors = g.Errors()
		}
		s := &out[len(out)-1]
		s.Points = append(s.Points, q)
	}
	return out
}
