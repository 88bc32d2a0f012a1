package plot

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Dot is one row of a dot plot: a series' figure with its interval.
type Dot struct {
	Model, Variant string
	// Value is the figure; Lo and Hi bound its whisker (both 0: none).
	Value, Lo, Hi float64
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

func (d Dot) style() Style { return d.Style.or(d.Model) }

// drawn reports whether the dot has a value an axis of that kind can show.
func (d Dot) drawn(log bool) bool {
	return !d.Failed && !math.IsNaN(d.Value) && (!log || d.Value > 0)
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
// means nothing. whisker says what the whiskers are, for the notes.
func Dots(title string, format func(float64) string, whisker string, panels ...DotPanel) (*Chart, error) {
	c := newChart(title)
	var rows []string
	for _, pn := range panels {
		for _, d := range pn.Dots {
			if !slices.Contains(rows, d.Name()) {
				rows = append(rows, d.Name())
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
	addDotLegend(c, all, whisker)
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
		for _, v := range []float64{d.Value, d.Lo, d.Hi} {
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
		y := trY(dp.y(slices.Index(dp.rows, d.Name())))
		if !d.drawn(dp.log) {
			c.DrawGlyphNoClip(failStyle(d.style()), vg.Point{X: c.Min.X, Y: y})
			c.FillText(sty, vg.Point{X: c.Min.X + vg.Points(7), Y: y}, "failed")
			continue
		}
		line := draw.LineStyle{Color: d.style().Color, Width: vg.Points(1.1), Dashes: Dashes(d.Variant)}
		right := d.Value
		if d.Hi > d.Lo && (!dp.log || d.Lo > 0) {
			cap := vg.Points(3)
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
		c.DrawGlyph(glyphStyle(d.style(), d.ClientBound), pt)
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

// addDotLegend names each model once, the marks drawn, and what the
// whiskers are.
func addDotLegend(c *Chart, dots []Dot, whisker string) {
	seen := map[string]bool{}
	var bound, partial, failed, leftOut, errs []string
	whiskered := false
	for _, d := range dots {
		whiskered = whiskered || d.drawn(false) && d.Hi > d.Lo
		name := d.Name()
		if !seen[d.Model] {
			// A row names its variant; the legend names each model once.
			seen[d.Model] = true
			c.Legend.Add(d.Model, glyphThumb{glyphStyle(d.style(), false)})
		}
		switch {
		case !d.drawn(false):
			failed = append(failed, name)
		case d.Partial:
			partial = append(partial, name)
		case d.LeftOut > 0:
			leftOut = append(leftOut, fmt.Sprintf("%s %d of %d", name, d.LeftOut, d.N))
		}
		if d.ClientBound && d.drawn(false) {
			bound = append(bound, name)
		}
		if d.Errors > 0 {
			errs = append(errs, name)
		}
	}
	addMarkNotes(c, bound, failed)
	addPartialNote(c, "Partial (ringed: every repetition was partial, so the figure is theirs; the report says why)", partial, ", ")
	addNote(c, "* Partial repetitions left out of the figure", leftOut, ", ")
	addNote(c, `Errors ("err" beside the value: failed requests over the repetitions)`, errs, ", ")
	if whisker != "" && whiskered {
		c.Notes = append(c.Notes, "Whiskers: "+whisker+".")
	}
}
