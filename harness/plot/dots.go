package plot

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"loopbench/harness/figures"
)

// Dot is one row of a dot plot: a series' figure with its interval.
type Dot struct {
	Model, Variant string
	// Row names the dot's row where it is not the series' name (a chart
	// of several workloads names each row by workload and series).
	Row string
	// Value is the figure; Lo and Hi bound its whisker (both 0: none), a
	// 95% confidence interval where CI (drawn solid), else a range (dashed).
	Value, Lo, Hi float64
	CI            bool
	// Reps counts the repetitions the figure comes from: one is drawn as
	// a small dot, without a whisker.
	Reps int
	// Samples counts the requests a percentile was read from (0: not a
	// percentile); an Unresolved one (figures.Resolved) is not drawn, its
	// row saying so.
	Samples    int64
	Unresolved bool
	// ClientBound dots are drawn hollow, Partial ones (figures from
	// partial repetitions, none being usable) ringed; a Failed dot (or one
	// without a value) is a cross at the axis' start, labelled failed.
	ClientBound, Partial, Failed bool
	// LeftOut counts the partial repetitions the figure left out, of N.
	LeftOut, N int
	// Errors counts the requests that failed behind the figure, written
	// beside its value.
	Errors int64
	// Style is how the model is drawn, as Series.Style.
	Style Style
}

// Name is the dot's series name.
func (d Dot) Name() string { return Series{Model: d.Model, Variant: d.Variant}.Name() }

// row names the dot's row: Row, or the series' name.
func (d Dot) row() string {
	if d.Row != "" {
		return d.Row
	}
	return d.Name()
}

func (d Dot) style() Style { return d.Style.or(d.Model) }

// drawn reports whether the dot has a value an axis of that kind can show.
func (d Dot) drawn(log bool) bool {
	return !d.Failed && !d.Unresolved && !math.IsNaN(d.Value) && (!log || d.Value > 0)
}

// whiskered reports whether the dot has a whisker an axis of that kind
// can show: more than one repetition, and a range.
func (d Dot) whiskered(log bool) bool {
	return d.Reps != 1 && d.Hi > d.Lo && (!log || d.Lo > 0)
}

// DotPanel is one set of axes of a dot plot: the value axis, and a dot per
// series.
type DotPanel struct {
	Title string
	X     Axis
	Dots  []Dot
}

// Dots draws panels side by side, a row per series from the top (in the
// order the panels first name them), the value on the x axis with its
// whisker and written beside it by format, as the tables write it. Dot
// plots replace bars wherever an axis is logarithmic, where a bar's length
// means nothing. basis says what the dots and whiskers are (a median of
// the repetitions, a percentile of their merged histograms): the first
// note.
func Dots(title string, format func(float64) string, basis string, panels ...DotPanel) (*Chart, error) {
	c := newChart(title)
	var rows []string
	for _, pn := range panels {
		for _, d := range pn.Dots {
			if !slices.Contains(rows, d.row()) {
				rows = append(rows, d.row())
			}
		}
	}
	for i, pn := range panels {
		if pn.X.Format == nil {
			pn.X.Format = formatCount
		}
		c.Panels = append(c.Panels, dotPanel(pn, rows, format, i == 0, max(2, 6-len(panels))))
	}
	for i := range c.Panels {
		for j := range c.Panels {
			if panels[i].X.Label == panels[j].X.Label && panels[i].X.Log == panels[j].X.Log {
				c.Panels[i].X.Min = math.Min(c.Panels[i].X.Min, c.Panels[j].X.Min)
				c.Panels[i].X.Max = math.Max(c.Panels[i].X.Max, c.Panels[j].X.Max)
			}
		}
	}
	var all []Dot
	for _, pn := range panels {
		all = append(all, pn.Dots...)
	}
	addDotLegend(c, all, basis)
	var unresolved []string
	for _, pn := range panels {
		var names []string
		for _, d := range pn.Dots {
			if d.Unresolved && !d.Failed {
				names = append(names, d.row())
			}
		}
		if len(names) == 0 {
			continue
		}
		who := strings.Join(names, ", ")
		if len(names) == len(pn.Dots) && len(names) > 1 {
			who = "every series"
		}
		if pn.Title != "" {
			who = pn.Title + " (" + who + ")"
		}
		unresolved = append(unresolved, who)
	}
	addNote(c, unresolvedHead(), unresolved, "; ")
	return c, nil
}

// dotPanel builds one panel; only the first names the rows. A log axis
// takes at most labels labels, so that narrow panels stay legible.
func dotPanel(pn DotPanel, rows []string, format func(float64) string, names bool, labels int) *plot.Plot {
	p := newPanel(pn.Title, pn.X.Label, "")
	dp := &dotPlot{dots: pn.Dots, rows: rows, format: format, log: pn.X.Log}
	p.Add(dp)
	var ticks plot.ConstantTicks
	for i, r := range rows {
		label := ""
		if names {
			label = r
		}
		ticks = append(ticks, plot.Tick{Value: dp.y(i), Label: label})
	}
	p.Y.Tick.Marker = ticks
	p.Y.Min, p.Y.Max = -0.6, float64(len(rows))-0.4
	p.X.Min, p.X.Max = dp.xRange()
	setAxis(&p.X, pn.X, logTicks{format: pn.X.Format, most: labels})
	if !pn.X.Log {
		p.X.Min = math.Min(0, p.X.Min)
	}
	return p
}

// dotPlot draws the dots of one panel.
type dotPlot struct {
	dots   []Dot
	rows   []string
	format func(float64) string
	log    bool
}

// y is the position of row i, the first at the top.
func (dp *dotPlot) y(i int) float64 { return float64(len(dp.rows) - 1 - i) }

// xRange spans the values and whiskers, with room on the right for the
// value labels.
func (dp *dotPlot) xRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, d := range dp.dots {
		if !d.drawn(dp.log) {
			continue
		}
		vs := []float64{d.Value}
		if d.whiskered(dp.log) {
			vs = append(vs, d.Lo, d.Hi)
		}
		for _, v := range vs {
			if v > 0 || !dp.log && v != 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	switch {
	case math.IsInf(lo, 1):
		return 1, 10
	case dp.log:
		return lo, hi * math.Max(3, math.Pow(hi/lo, 0.3))
	}
	return lo, hi + (hi-math.Min(0, lo))*0.3
}

// Plot implements plot.Plotter.
func (dp *dotPlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := p.X.Tick.Label
	sty.Font.Size = vg.Points(8)
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	for _, d := range dp.dots {
		y := trY(dp.y(slices.Index(dp.rows, d.row())))
		if d.Unresolved && !d.Failed {
			grey := sty
			grey.Color = color.Gray{0x70}
			c.FillText(grey, vg.Point{X: c.Min.X + vg.Points(3), Y: y}, "not resolved ("+figures.Num(float64(d.Samples))+" requests)")
			continue
		}
		if !d.drawn(dp.log) {
			c.DrawGlyphNoClip(failStyle(d.style()), vg.Point{X: c.Min.X, Y: y})
			c.FillText(sty, vg.Point{X: c.Min.X + vg.Points(7), Y: y}, "failed")
			continue
		}
		right := d.Value
		if d.whiskered(dp.log) {
			cap := vg.Points(3)
			line := whiskerStyle(d.style().Color, d.CI)
			line.Width = vg.Points(1.1)
			x0, x1 := trX(d.Lo), trX(d.Hi)
			c.StrokeLine2(line, x0, y, x1, y)
			line.Dashes = nil
			c.StrokeLine2(line, x0, y-cap, x0, y+cap)
			c.StrokeLine2(line, x1, y-cap, x1, y+cap)
			right = math.Max(right, d.Hi)
		}
		pt := vg.Point{X: trX(d.Value), Y: y}
		if d.Partial {
			c.DrawGlyph(partialGlyph, pt)
		}
		c.DrawGlyph(pointGlyph(d.style(), d.Variant, XY{N: d.Reps, ClientBound: d.ClientBound}), pt)
		label := dp.format(d.Value)
		if d.LeftOut > 0 {
			label += "*"
		}
		if d.Errors > 0 {
			label += fmt.Sprintf(" (%d err)", d.Errors)
		}
		pad := vg.Points(6)
		if d.Partial {
			pad = partialGlyph.Radius + vg.Points(3)
		}
		c.FillText(sty, vg.Point{X: max(trX(right), pt.X) + pad, Y: y}, label)
	}
}

// addDotLegend names each model once, the marks drawn, and, first, what
// the dots and whiskers are (basis).
func addDotLegend(c *Chart, dots []Dot, basis string) {
	seen := map[string]bool{}
	var bound, partial, failed, leftOut, errs []string
	once := false
	var fewest, most int64
	for _, d := range dots {
		name := d.row()
		if !seen[d.Model] {
			// A row names its variant; the legend names each model once.
			seen[d.Model] = true
			c.Legend.Add(d.Model, glyphThumb{glyphStyle(d.style(), false)})
		}
		switch {
		case d.Unresolved && !d.Failed:
		case !d.drawn(false):
			failed = append(failed, name)
		case d.Partial:
			partial = append(partial, name)
		case d.LeftOut > 0:
			leftOut = append(leftOut, fmt.Sprintf("%s %d of %d", name, d.LeftOut, d.N))
		}
		if d.drawn(false) {
			once = once || d.Reps == 1
			if d.Samples > 0 {
				fewest, most = minPositive(fewest, d.Samples), max(most, d.Samples)
			}
		}
		if d.ClientBound && d.drawn(false) {
			bound = append(bound, name)
		}
		if d.Errors > 0 {
			errs = append(errs, name)
		}
	}
	if basis != "" {
		c.Notes = append(c.Notes, basis)
	}
	addMarkNotes(c, bound, failed)
	if once {
		c.Legend.Add("measured once (n=1)", glyphThumb{draw.GlyphStyle{Color: color.Gray{0x60}, Radius: onceRadius, Shape: glyph{shape: Circle, hollow: false}}})
	}
	addPartialNote(c, "Partial (ringed: every repetition was partial, so the figure is theirs; the report says why)", partial, ", ")
	if most > 0 {
		c.Notes = append(c.Notes, "Requests per percentile: "+span(fewest, most)+".")
	}
	addNote(c, "* Partial repetitions left out of the figure", leftOut, ", ")
	addNote(c, `Errors ("err" beside the value: failed requests over the repetitions)`, errs, ", ")
}
