package plot

import (
	"fmt"
	"math"
	"slices"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// Curve is the latency spectrum of one point: latency at increasing
// percentiles, as HdrHistogram's plotter draws it.
type Curve struct {
	Model, Variant string
	// Percentiles (0..100, exclusive of 100) and the latency at each, in ms.
	Percentiles []float64
	Millis      []float64
	// Samples counts the requests the curve is read from.
	Samples int64
	// ClientBound curves carry hollow markers at each nine, Partial ones
	// (from partial repetitions, none being usable) grey rings.
	ClientBound, Partial bool
	// Style is how the model is drawn, as Series.Style.
	Style Style
}

func (cv Curve) style() Style { return cv.Style.or(cv.Model) }

// SpectrumPanel is the spectra of one route (Title), or of all routes.
type SpectrumPanel struct {
	Title  string
	Curves []Curve
}

// nines maps a percentile to the x axis of a spectrum: 90% -> 1, 99% -> 2,
// 99.9% -> 3, so each extra nine takes the same width.
func nines(pct float64) float64 { return -math.Log10(1 - pct/100) }

// curveOf samples h every tenth of a nine up to the last its count
// resolves (figures.ResolvedNines: beyond it fewer than ten requests
// would decide the figure), at most five nines.
func curveOf(h *hdr.Histogram) (pcts, ms []float64) {
	top := math.Min(5, math.Floor(10*figures.ResolvedNines(h.TotalCount())+1e-6)/10)
	for x := 0.0; x <= top+1e-9; x += 0.1 {
		pct := 100 * (1 - math.Pow(10, -x))
		pcts = append(pcts, pct)
		ms = append(ms, float64(h.ValueAtQuantile(pct))/1000)
	}
	return pcts, ms
}

// Spectrum draws latency (log ms) against percentile on the nines axis,
// one curve per series, a panel per route; each curve ends at the last
// percentile its requests resolve. More than two panels are stacked, so
// that each axis has the width its labels need.
func Spectrum(title string, panels ...SpectrumPanel) (*Chart, error) {
	c := newChart(title)
	c.Vertical = len(panels) > 2
	if c.Vertical {
		c.Height = ForestHeight
	}
	var series []Series
	var bound, partial, counts []string
	for i, pn := range panels {
		xlabel, ylabel := "percentile (each step adds a nine)", "latency (ms, log scale)"
		var ticks plot.Ticker = ninesTicks{}
		if c.Vertical {
			// Stacked panels share the nines axis, labelled once at the
			// bottom, and have room for a short value label only.
			ylabel = "ms (log)"
			if i < len(panels)-1 {
				xlabel, ticks = "", unlabelled{ticks}
			}
		}
		p := newPanel(pn.Title, xlabel, ylabel)
		maxX := 1.0
		if n := curveCounts(pn.Curves); n != "" {
			counts = append(counts, strings.TrimPrefix(pn.Title+" ", " ")+n)
		}
		for _, cv := range pn.Curves {
			xys, marks := spectrumXYs(cv)
			if len(xys) == 0 {
				continue
			}
			maxX = math.Max(maxX, xys[len(xys)-1].X)
			line, err := plotter.NewLine(xys)
			if err != nil {
				return nil, err
			}
			line.LineStyle = lineStyle(cv.style(), cv.Variant)
			p.Add(line)
			if err := markCurve(p, cv, marks); err != nil {
				return nil, err
			}
			s := Series{Model: cv.Model, Variant: cv.Variant, Style: cv.Style, Plain: true, Points: []XY{{X: xys[0].X, Y: xys[0].Y}}}
			series = append(series, s)
			if cv.ClientBound {
				bound = append(bound, s.Name())
			}
			if cv.Partial {
				partial = append(partial, s.Name())
			}
		}
		p.X.Min, p.X.Max = 0, math.Round(maxX*10)/10
		p.X.Tick.Marker = ticks
		setAxis(&p.Y, Axis{Log: true, Format: trim}, logTicks{format: trim})
		c.Panels = append(c.Panels, p)
	}
	shareY(c.Panels, make([]Panel, len(c.Panels)))
	if c.Vertical {
		shareX(c.Panels)
	}
	addLegend(c, series, nil)
	addMarkNotes(c, bound, nil)
	addPartialNote(c, "Partial (ringed at each nine: every repetition was partial; the report says why)", partial, ", ")
	if len(counts) > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("Each curve ends where fewer than %d of its requests lie beyond. Requests per curve: %s.", figures.MinBeyond, strings.Join(counts, "; ")))
	}
	return c, nil
}

// curveCounts writes the requests behind the curves of a panel: "3065",
// or "1911 to 2010" when they differ; "" when no curve says.
func curveCounts(cs []Curve) string {
	var lo, hi int64
	for _, cv := range cs {
		if cv.Samples > 0 {
			lo, hi = minPositive(lo, cv.Samples), max(hi, cv.Samples)
		}
	}
	if hi == 0 {
		return ""
	}
	return span(lo, hi)
}

// spectrumXYs are a curve's points on the nines axis, and those at whole
// nines, where its marks go.
func spectrumXYs(cv Curve) (xys, marks plotter.XYs) {
	for i, pct := range cv.Percentiles {
		if cv.Millis[i] <= 0 || pct >= 100 {
			continue
		}
		q := plotter.XY{X: nines(pct), Y: cv.Millis[i]}
		xys = append(xys, q)
		if math.Abs(q.X-math.Round(q.X)) < 1e-6 && q.X > 0 {
			marks = append(marks, q)
		}
	}
	return xys, marks
}

// markCurve puts the marks of a client-bound or partial curve at each
// whole nine.
func markCurve(p *plot.Plot, cv Curve, at plotter.XYs) error {
	if len(at) == 0 || !cv.ClientBound && !cv.Partial {
		return nil
	}
	if cv.Partial {
		sc, err := plotter.NewScatter(at)
		if err != nil {
			return err
		}
		sc.GlyphStyle = partialGlyph
		p.Add(sc)
	}
	if cv.ClientBound {
		sc, err := plotter.NewScatter(at)
		if err != nil {
			return err
		}
		sc.GlyphStyle = glyphStyle(cv.style(), true)
		p.Add(sc)
	}
	return nil
}

// unlabelled is a ticker's ticks without their labels, for an axis a
// panel below labels.
type unlabelled struct{ plot.Ticker }

// Ticks implements plot.Ticker.
func (u unlabelled) Ticks(min, max float64) []plot.Tick {
	ts := u.Ticker.Ticks(min, max)
	for i := range ts {
		ts[i].Label = ""
	}
	return ts
}

// ninesTicks labels the nines axis: 50%, 90%, 99%, 99.9%, ... (0%, too
// close to 50% for two labels, is a bare tick).
type ninesTicks struct{}

// Ticks implements plot.Ticker.
func (ninesTicks) Ticks(min, max float64) []plot.Tick {
	labels := []string{"", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"}
	ticks := []plot.Tick{{Value: nines(50), Label: "50%"}}
	for i, l := range labels {
		if v := float64(i); v >= min && v <= max+1e-9 {
			ticks = append(ticks, plot.Tick{Value: v, Label: l})
		}
	}
	return ticks
}

// spectrumChart draws the latency spectra at the compared level: one
// panel per route where the workload has several (a fast route and a slow
// one are two curves, not one two-humped one), from the merged histograms.
func spectrumChart(w *analysis.Workload, sh sheet) (*Chart, error) {
	level := w.Chosen()
	routes := []string{allRoutes}
	if rs := w.Routes(); len(rs) > 1 {
		routes = rs[:min(len(rs), 4)]
	}
	var panels []SpectrumPanel
	merged, single := false, false
	for _, route := range routes {
		pn := SpectrumPanel{Title: route}
		for _, g := range w.At(level) {
			h, err := w.Merged(g, route)
			if err != nil {
				return nil, err
			}
			if h == nil || h.TotalCount() == 0 {
				continue
			}
			n := len(analysis.Measured(g))
			merged, single = merged || n > 1, single || n == 1
			pcts, ms := curveOf(h)
			pn.Curves = append(pn.Curves, Curve{Model: g.Key.Model, Variant: g.Key.Variant, Style: sh.palette.Of(g.Key.Model), Percentiles: pcts, Millis: ms, Samples: h.TotalCount(),
				ClientBound: g.ClientBound(), Partial: !slices.ContainsFunc(g.Points, (*results.Point).Usable)})
		}
		if len(pn.Curves) > 0 {
			panels = append(panels, pn)
		}
	}
	if len(panels) == 0 {
		return nil, nil
	}
	what := "latency spectrum at " + w.LevelWords(level)
	switch {
	case merged && single:
		what += ", repetitions merged where there were several"
	case merged:
		what += ", repetitions merged"
	}
	return Spectrum(title(what, w.Name, sh.host), panels...)
}
