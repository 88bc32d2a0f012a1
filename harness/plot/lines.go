package plot

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// XY is one point of a line: a load level and the median of a figure over
// the repetitions, with its range.
type XY struct {
	X, Y float64
	// Min and Max are the range over repetitions; both zero when unknown.
	Min, Max float64
	// ClientBound points are drawn hollow; Failed points are drawn as a
	// cross on the x axis, never as data; Partial points (measured, but not
	// what their level says: see results.Validity) are ringed.
	ClientBound bool
	Failed      bool
	Partial     bool
	// Errors counts the requests that failed behind the point, named in
	// the notes.
	Errors int64
}

// Series is one line: a model in one variant.
type Series struct {
	Model, Variant string
	Points         []XY
	// Plain draws the line without markers, for dense samples over time.
	Plain bool
	// Style is how the model is drawn (its run's Palette); the zero Style
	// draws it as defaultPalette does.
	Style Style
}

func (s Series) style() Style { return s.Style.or(s.Model) }

// Name is the series' legend text: the model, and the variant unless it is
// the default.
func (s Series) Name() string {
	if s.Variant == "" || s.Variant == "default" {
		return s.Model
	}
	return s.Model + " " + s.Variant
}

// Axis describes one axis of a line chart: its label (with units), whether
// it is logarithmic, and how its tick labels read.
type Axis struct {
	Label  string
	Log    bool
	Format func(float64) string
}

// Panel is one set of axes of a line chart.
type Panel struct {
	Title  string
	X, Y   Axis
	Series []Series
	// Under are drawn behind the series (a shaded window).
	Under []plot.Plotter
}

// Lines draws panels side by side (or stacked when vertical) with one line
// per series, the shared legend, and notes naming client-bound and failed
// points.
func Lines(title string, vertical bool, panels ...Panel) (*Chart, error) {
	c := newChart(title)
	c.Vertical = vertical
	var all []Series
	for _, pn := range panels {
		p, err := linePanel(pn)
		if err != nil {
			return nil, fmt.Errorf("chart %q: %w", title, err)
		}
		c.Panels = append(c.Panels, p)
		all = append(all, pn.Series...)
	}
	shareY(c.Panels, panels)
	if vertical {
		shareX(c.Panels)
	}
	addLegend(c, all)
	return c, nil
}

// shareX gives stacked panels the same x range, so a moment lines up
// across them.
func shareX(ps []*plot.Plot) {
	for _, p := range ps {
		for _, q := range ps {
			p.X.Min, p.X.Max = math.Min(p.X.Min, q.X.Min), math.Max(p.X.Max, q.X.Max)
		}
	}
}

// shareY gives panels with the same y axis (p50, p99, p99.9) the same
// range, so their heights compare at a glance.
func shareY(ps []*plot.Plot, panels []Panel) {
	for i := range ps {
		for j := range ps {
			if panels[i].Y.Label == panels[j].Y.Label && panels[i].Y.Log == panels[j].Y.Log {
				ps[i].Y.Min = math.Min(ps[i].Y.Min, ps[j].Y.Min)
				ps[i].Y.Max = math.Max(ps[i].Y.Max, ps[j].Y.Max)
			}
		}
	}
}

func linePanel(pn Panel) (*plot.Plot, error) {
	p := newPanel(pn.Title, pn.X.Label, pn.Y.Label)
	p.Add(pn.Under...)
	for _, a := range []*Axis{&pn.X, &pn.Y} {
		if a.Format == nil {
			a.Format = formatCount
		}
	}
	if pn.Title != "" {
		p.X.Tick.Label.Font.Size = vg.Points(8.5)
	}
	var xs []float64
	var marks []plot.Plotter
	for _, s := range pn.Series {
		pts := drawable(s.Points, pn.X.Log, pn.Y.Log)
		for _, q := range s.Points {
			if q.X > 0 || !pn.X.Log {
				xs = append(xs, q.X)
			}
		}
		m, err := addSeries(p, s, pts, pn.X.Log)
		if err != nil {
			return nil, err
		}
		marks = append(marks, m...)
	}
	p.Add(marks...)
	for _, s := range pn.Series {
		if err := addRinged(p, drawable(s.Points, pn.X.Log, pn.Y.Log)); err != nil {
			return nil, err
		}
		if err := addHollow(p, s, drawable(s.Points, pn.X.Log, pn.Y.Log)); err != nil {
			return nil, err
		}
		p.Add(&errMarks{drawable(s.Points, pn.X.Log, pn.Y.Log)})
	}
	slices.Sort(xs)
	xs = slices.Compact(xs)
	setAxis(&p.X, pn.X, levelTicks{xs})
	setAxis(&p.Y, pn.Y, logTicks{format: pn.Y.Format})
	if !pn.Y.Log && p.Y.Min > 0 {
		p.Y.Min = 0
	}
	return p, nil
}

// drawable keeps the points that can be drawn as data: measured, and
// positive on a log axis.
func drawable(points []XY, logX, logY bool) []XY {
	var out []XY
	for _, q := range points {
		if !q.Failed && (!logX || q.X > 0) && (!logY || q.Y > 0) && !math.IsNaN(q.Y) {
			out = append(out, q)
		}
	}
	return out
}

// addSeries adds a series' line and spread bars, and returns its markers
// and failure crosses, which go on top of every line.
func addSeries(p *plot.Plot, s Series, pts []XY, logX bool) ([]plot.Plotter, error) {
	var marks []plot.Plotter
	xys := make(plotter.XYs, len(pts))
	for i, q := range pts {
		xys[i] = plotter.XY{X: q.X, Y: q.Y}
	}
	if len(xys) > 0 {
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		line.LineStyle = lineStyle(s.style(), s.Variant)
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = glyphStyle(s.style(), false)
		p.Add(&spread{pts, s.style().Color}, line)
		if !s.Plain {
			marks = append(marks, sc)
		}
	}
	if f := failedXs(s.Points, logX); len(f) > 0 {
		marks = append(marks, &failMarks{f, s.style()})
	}
	return marks, nil
}

// addHollow draws the client-bound points of a series hollow, last, so no
// other marker hides them.
func addHollow(p *plot.Plot, s Series, pts []XY) error {
	var xys plotter.XYs
	for _, q := range pts {
		if q.ClientBound {
			xys = append(xys, plotter.XY{X: q.X, Y: q.Y})
		}
	}
	if len(xys) == 0 || s.Plain {
		return nil
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	sc.GlyphStyle = glyphStyle(s.style(), true)
	p.Add(sc)
	return nil
}

// addRinged rings the partial points of a series in grey, so a point that
// did not hold its load cannot pass for one that did.
func addRinged(p *plot.Plot, pts []XY) error {
	var xys plotter.XYs
	for _, q := range pts {
		if q.Partial {
			xys = append(xys, plotter.XY{X: q.X, Y: q.Y})
		}
	}
	if len(xys) == 0 {
		return nil
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	sc.GlyphStyle = partialGlyph
	p.Add(sc)
	return nil
}

// partialGlyph is the ring around a partial point.
var partialGlyph = draw.GlyphStyle{Color: color.Gray{0x60}, Radius: vg.Points(7), Shape: draw.RingGlyph{}}

// failedXs lists the x values of the failed points a log axis can show.
func failedXs(points []XY, logX bool) []float64 {
	var xs []float64
	for _, q := range points {
		if q.Failed && (q.X > 0 || !logX) {
			xs = append(xs, q.X)
		}
	}
	return xs
}

// setAxis applies a log or linear scale; a log axis over a single value is
// widened by a factor of two each way so it has a range to draw.
func setAxis(a *plot.Axis, ax Axis, logTick plot.Ticker) {
	if ax.Format == nil {
		ax.Format = formatCount
	}
	if !ax.Log {
		a.Tick.Marker = linearTicks{ax.Format}
		return
	}
	a.Scale = plot.LogScale{}
	a.Tick.Marker = logTick
	if a.Min <= 0 || math.IsInf(a.Min, 0) {
		a.Min, a.Max = 1, 10
	}
	if a.Max/a.Min < 1.5 {
		a.Min, a.Max = a.Min/2, a.Max*2
	}
	a.Min, a.Max = nice(a.Min, math.Floor), nice(a.Max, math.Ceil)
}

// nice rounds v down (math.Floor) or up (math.Ceil) to 1, 2 or 5 times a
// power of ten, so a log axis starts and ends on a labelled tick.
func nice(v float64, round func(float64) float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	m := v / e
	steps := []float64{1, 2, 5, 10}
	if round(0.5) == 0 {
		for i := len(steps) - 1; i >= 0; i-- {
			if steps[i] <= m*1.0001 {
				return steps[i] * e
			}
		}
	}
	for _, st := range steps {
		if st >= m*0.9999 {
			return st * e
		}
	}
	return v
}

// addLegend adds one entry per series drawn (its line, and its marker
// unless it is plain) and, when some point was client-bound, partial or
// failed or had errors, an entry explaining the mark and a note listing
// those points.
func addLegend(c *Chart, series []Series) {
	seen := map[string]bool{}
	var bound, failed, partial, errs []string
	for _, s := range series {
		if !seen[s.Name()] && len(s.Points) > 0 {
			seen[s.Name()] = true
			thumbs := []plot.Thumbnailer{lineThumb{lineStyle(s.style(), s.Variant)}}
			if !s.Plain {
				thumbs = append(thumbs, glyphThumb{glyphStyle(s.style(), false)})
			}
			c.Legend.Add(s.Name(), thumbs...)
		}
		for _, q := range s.Points {
			if q.Errors > 0 {
				errs = append(errs, fmt.Sprintf("%s at %s: %d", s.Name(), formatCount(q.X), q.Errors))
			}
		}
		if xs := levels(s.Points, func(q XY) bool { return q.ClientBound && !q.Failed && !s.Plain }); xs != "" {
			bound = append(bound, s.Name()+" at "+xs)
		}
		if xs := levels(s.Points, func(q XY) bool { return q.Failed }); xs != "" {
			failed = append(failed, s.Name()+" at "+xs)
		}
		if xs := levels(s.Points, func(q XY) bool { return q.Partial && !q.Failed }); xs != "" {
			partial = append(partial, s.Name()+" at "+xs)
		}
	}
	addMarkNotes(c, bound, failed)
	addPartialNote(c, "Partial (ringed: the point did not hold the load its level names; the report says why)", partial, "; ")
	addNote(c, `Errors ("err" beside the point) over the repetitions`, errs, "; ")
}

// levels lists the x values of the points keep selects.
func levels(points []XY, keep func(XY) bool) string {
	var xs []string
	for _, q := range points {
		if keep(q) {
			xs = append(xs, formatCount(q.X))
		}
	}
	return strings.Join(xs, ", ")
}

// lineThumb draws a legend line.
type lineThumb struct{ sty draw.LineStyle }

// Thumbnail implements plot.Thumbnailer.
func (t lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(t.sty, c.Min.X, y, c.Max.X, y)
}

// glyphThumb draws a legend marker.
type glyphThumb struct{ sty draw.GlyphStyle }

// Thumbnail implements plot.Thumbnailer.
func (t glyphThumb) Thumbnail(c *draw.Canvas) { c.DrawGlyph(t.sty, c.Center()) }
