package plot

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"loopbench/harness/analysis"
	"loopbench/harness/capacity"
	"loopbench/harness/results"
)

// KindCapacity is the chart of latency against throughput drawn from a
// workload's capacity probes (results.Run.Capacity): the classic hockey
// stick, with each model's capacity marked on its objective's line. It is
// not among Kinds: the report shows it in its capacity section, not in
// the workload's.
const KindCapacity = "capacity"

// capacityCharts are the run's capacity charts, one per workload searched,
// in the order the searches were made.
func capacityCharts(a *analysis.Analysis, sh sheet) ([]Planned, error) {
	var order []string
	by := map[string][]*results.Capacity{}
	for i := range a.Run.Capacity {
		c := &a.Run.Capacity[i]
		if _, ok := by[c.Workload]; !ok {
			order = append(order, c.Workload)
		}
		by[c.Workload] = append(by[c.Workload], c)
	}
	var out []Planned
	for _, w := range order {
		c, err := capacityChart(w, by[w], sh)
		if err != nil {
			return nil, fmt.Errorf("workload %s: capacity chart: %w", w, err)
		}
		if c != nil {
			out = append(out, Planned{w, KindCapacity, c})
		}
	}
	return out, nil
}

// capacityChart draws p50 and p99 (and any other percentile an objective
// bounds) against achieved throughput, one line per model through its
// probes in the order of their offered rates, on a log latency axis.
func capacityChart(workload string, cs []*results.Capacity, sh sheet) (*Chart, error) {
	pcts := []float64{50, 99}
	var objs []capacity.Objective
	for _, c := range cs {
		for _, s := range c.Objectives {
			o, err := capacity.ParseObjective(s)
			if err != nil {
				return nil, err
			}
			objs = append(objs, o)
			if !slices.Contains(pcts, o.Percentile) {
				pcts = append(pcts, o.Percentile)
			}
		}
	}
	slices.Sort(pcts)
	var panels []Panel
	for _, pct := range pcts {
		pn := Panel{Title: fmt.Sprintf("p%g", pct), X: Axis{Label: "achieved throughput (req/s)", Format: formatCount}, Y: msAxis,
			Under: []plot.Plotter{zeroX{}}}
		for _, c := range cs {
			pn.Series = append(pn.Series, probeSeries(c, pct, sh))
			for _, o := range objs {
				if o.Percentile == pct {
					pn.Under = append(pn.Under, &capacityMark{c: c, y: float64(o.Max) / 1e6, style: sh.palette.Of(c.Model)})
				}
			}
		}
		for _, o := range objectiveLines(objs, pct) {
			pn.Under = append(pn.Under, &objectiveLine{label: o.label, y: o.y})
		}
		panels = append(panels, pn)
	}
	if !hasData(panels) {
		return nil, nil
	}
	ch, err := Lines(title("latency against throughput at its capacity probes", workload, sh.host), false, panels...)
	if err != nil {
		return nil, err
	}
	grey := color.Gray{0x40}
	ch.Legend.Add("capacity [95% interval]", glyphThumb{draw.GlyphStyle{Color: grey, Radius: vg.Points(4.5), Shape: draw.PyramidGlyph{}}})
	ch.Notes = append(ch.Notes, "Each point is one probe: an open loop at one offered rate on a fresh server, drawn at the throughput it achieved; a line joins a model's probes in the order of their offered rates. The dashed line is the objective; on it, each model's capacity (▲) with its 95% interval.")
	return ch, nil
}

// objective is an objective's line in a panel.
type objective struct {
	label string
	y     float64
}

// objectiveLines are the lines of the objectives on percentile pct, each
// once.
func objectiveLines(objs []capacity.Objective, pct float64) []objective {
	var out []objective
	for _, o := range objs {
		l := objective{label: fmt.Sprintf("objective p%g ≤ %v", o.Percentile, o.Max), y: float64(o.Max) / 1e6}
		if o.Percentile == pct && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// hasData reports whether any panel has a point to draw.
func hasData(ps []Panel) bool {
	for _, p := range ps {
		for _, s := range p.Series {
			if len(s.Points) > 0 {
				return true
			}
		}
	}
	return false
}

// probeSeries is a search's probes at percentile pct (ms) against the
// throughput each achieved, in the order of their offered rates. A probe
// that did not hold its rate is drawn ringed (partial), a client-bound one
// hollow, a failed one as a cross at its offered rate.
func probeSeries(c *results.Capacity, pct float64, sh sheet) Series {
	s := Series{Model: c.Model, Variant: c.Variant, Style: sh.palette.Of(c.Model)}
	ps := slices.Clone(c.Probes)
	slices.SortStableFunc(ps, func(a, b results.Probe) int { return cmp.Compare(a.Point.Rate, b.Point.Rate) })
	for _, p := range ps {
		q := XY{X: p.Point.Throughput, Y: latencyAt(&p.Point, pct), ClientBound: p.ClientBound, Partial: !p.Held,
			Failed: p.Point.Failed || p.Point.Requests == 0, Errors: p.Point.ErrorCount()}
		if q.Failed {
			q.X = p.Point.Rate
		}
		s.Points = append(s.Points, q)
	}
	return s
}

// latencyAt is a point's latency at percentile pct in ms: from its
// summary where it keeps that percentile, else from its histogram; NaN
// where neither says.
func latencyAt(p *results.Point, pct float64) float64 {
	l := p.Latency
	if v, ok := map[float64]float64{50: l.P50, 90: l.P90, 99: l.P99, 99.9: l.P999}[pct]; ok && l.Count > 0 {
		return v / 1000
	}
	h, err := results.DecodeHistogram(l.Histogram)
	if l.Histogram == "" || err != nil {
		return math.NaN()
	}
	return float64(h.ValueAtQuantile(pct)) / 1000
}

// capacityMark draws a search's capacity on its objective's line: a
// triangle at the capacity with a whisker over its 95% interval, in the
// model's colour (open to the right for a lower bound).
type capacityMark struct {
	c     *results.Capacity
	y     float64
	style Style
}

// Plot implements plot.Plotter.
func (m *capacityMark) Plot(c draw.Canvas, p *plot.Plot) {
	if m.c.Capacity <= 0 {
		return
	}
	trX, trY := p.Transforms(&c)
	y := trY(m.y)
	sty := draw.LineStyle{Color: m.style.Color, Width: vg.Points(1.4)}
	lo, hi := m.c.Low, m.c.High
	if m.c.Bound == capacity.AtLeast {
		hi = p.X.Max
	}
	c.StrokeLine2(sty, trX(lo), y, trX(hi), y)
	tick := vg.Points(3)
	for _, x := range []float64{lo, hi} {
		c.StrokeLine2(sty, trX(x), y-tick, trX(x), y+tick)
	}
	c.DrawGlyph(draw.GlyphStyle{Color: m.style.Color, Radius: vg.Points(4.5), Shape: draw.PyramidGlyph{}}, vg.Point{X: trX(m.c.Capacity), Y: y})
}

// DataRange implements plot.DataRanger: the interval must fit, and the
// throughput axis starts at zero, as a hockey stick's does.
func (m *capacityMark) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 0, max(m.c.High, m.c.Capacity), m.y, m.y
}

// objectiveLine draws an objective as a dashed grey line across the panel,
// labelled at its left end.
type objectiveLine struct {
	label string
	y     float64
}

// Plot implements plot.Plotter.
func (o *objectiveLine) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(o.y)
	sty := draw.LineStyle{Color: color.Gray{0x70}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
	c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
	txt := p.X.Tick.Label
	txt.Font.Size = vg.Points(7.5)
	txt.Color = color.Gray{0x50}
	txt.XAlign, txt.YAlign = draw.XLeft, draw.YBottom
	c.FillText(txt, vg.Point{X: c.Min.X + vg.Points(3), Y: y + vg.Points(1.5)}, o.label)
}

// DataRange implements plot.DataRanger: the line's height must fit.
func (o *objectiveLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), o.y, o.y
}

// zeroX starts a panel's throughput axis at zero, as a hockey stick's
// does, and draws nothing.
type zeroX struct{}

// Plot implements plot.Plotter.
func (zeroX) Plot(draw.Canvas, *plot.Plot) {}

// DataRange implements plot.DataRanger.
func (zeroX) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 0, 0, math.Inf(1), math.Inf(-1)
}
