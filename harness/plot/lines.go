package plot

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// XY is one point of a line: a load level and a figure there (the median
// over the repetitions, or a percentile of their merged histograms), with
// its whisker.
type XY struct {
	X, Y float64
	// Lo and Hi bound the whisker (both zero: none); CI says it is the
	// median's 95% confidence interval (drawn solid) rather than a range
	// (drawn dashed: of fewer than 6 repetitions, or of the repetitions'
	// own percentile).
	Lo, Hi float64
	CI     bool
	// N counts the repetitions behind the point (0: unknown); one
	// repetition is drawn as a small marker, without a whisker.
	N int
	// Samples counts the requests a percentile was read from (0: not a
	// percentile); Unresolved percentiles (figures.Resolved) are not
	// drawn, only named in the notes.
	Samples    int64
	Unresolved bool
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
// points. On a log x axis a series with fewer than minTrendLevels levels is
// drawn as points, not a line (joined).
func Lines(title string, vertical bool, panels ...Panel) (*Chart, error) {
	c := newChart(title)
	c.Vertical = vertical
	var all []Series
	lined := map[string]bool{}
	apart := false
	var unresolved []string
	for _, pn := range panels {
		unresolved = append(unresolved, unresolvedIn(pn)...)
	}
	panels = drawnPanels(panels)
	for _, pn := range panels {
		p, err := linePanel(pn)
		if err != nil {
			return nil, fmt.Errorf("chart %q: %w", title, err)
		}
		c.Panels = append(c.Panels, p)
		all = append(all, pn.Series...)
		for _, s := range pn.Series {
			switch {
			case joined(pn, s):
				lined[s.Name()] = true
			case len(drawable(s.Points, pn.X.Log, pn.Y.Log)) > 0:
				apart = true
			}
		}
	}
	shareY(c.Panels, panels)
	if vertical {
		shareX(c.Panels)
	}
	addLegend(c, all, lined)
	addNote(c, unresolvedHead(), unresolved, "; ")
	if apart {
		c.Notes = append(c.Notes, fmt.Sprintf("Fewer than %d levels on a log axis: points side by side, not a line.", minTrendLevels))
	}
	return c, nil
}

// drawnPanels leaves out the panels with nothing to draw, no point
// measured and resolved nor failed (a route whose every percentile is
// unresolved: the notes say so), unless no panel has any.
func drawnPanels(panels []Panel) []Panel {
	var out []Panel
	for _, pn := range panels {
		if slices.ContainsFunc(pn.Series, func(s Series) bool {
			return len(drawable(s.Points, pn.X.Log, pn.Y.Log)) > 0 || len(failedXs(s.Points, pn.X.Log)) > 0
		}) {
			out = append(out, pn)
		}
	}
	if len(out) == 0 {
		return panels
	}
	return out
}

// minTrendLevels is the fewest levels a series needs on a log x axis to
// be joined by a line. Two levels a decade apart joined by a straight line
// pretend a trend between them that nothing measured; three at least show
// a shape.
const minTrendLevels = 3

// joined reports whether panel pn draws series s as a line: always on a
// linear x axis (samples over time) and for a plain series, on a log axis
// only when minTrendLevels of its points or more are drawn.
func joined(pn Panel, s Series) bool {
	if s.Plain || !pn.X.Log {
		return true
	}
	return len(drawable(s.Points, pn.X.Log, pn.Y.Log)) >= minTrendLevels
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

// dodgeStep is how far apart, side by side, the points of the series of a
// level are drawn where they are not joined by lines, so that they do not
// hide one another: at most, and less where levels lie close.
const dodgeStep = 5

// dodge spreads the points of n series drawn apart around each of the
// levels of a panel.
type dodge struct {
	levels []float64
	n      int
}

// offset is the place of the slot-th series beside its level: steps of
// dodgeStep points, narrower where the levels lie too close for n of
// them, so that a level's points never reach its neighbour's.
func (d *dodge) offset(slot int, trX func(float64) vg.Length) vg.Length {
	step := vg.Points(dodgeStep)
	for i := 1; i < len(d.levels); i++ {
		if gap := trX(d.levels[i]) - trX(d.levels[i-1]); d.n > 1 {
			step = min(step, gap*0.8/vg.Length(d.n))
		}
	}
	return (vg.Length(slot) - vg.Length(d.n-1)/2) * step
}

// dodgeMargin widens a log x axis each way where points are drawn side
// by side, so those beside the first and last levels stay on the chart.
const dodgeMargin = 1.6

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
	var marks, apart []*seriesMarks
	for _, s := range pn.Series {
		pts := drawable(s.Points, pn.X.Log, pn.Y.Log)
		for _, q := range s.Points {
			if q.X > 0 || !pn.X.Log {
				xs = append(xs, q.X)
			}
		}
		m := &seriesMarks{pts: pts, style: s.style(), variant: s.Variant, logY: pn.Y.Log}
		if joined(pn, s) {
			if err := addLine(p, s, pts); err != nil {
				return nil, err
			}
		} else if len(pts) > 0 {
			apart = append(apart, m)
		}
		if !s.Plain {
			marks = append(marks, m)
		}
		if f := failedXs(s.Points, pn.X.Log); len(f) > 0 {
			p.Add(&failMarks{f, s.style()})
		}
	}
	slices.Sort(xs)
	xs = slices.Compact(xs)
	// The series drawn as points stand side by side, centred on each level.
	d := &dodge{levels: xs, n: len(apart)}
	for i, m := range apart {
		m.dodge, m.slot = d, i
	}
	for _, m := range marks {
		w := *m
		w.whiskers = true
		p.Add(&w)
	}
	for _, m := range marks {
		p.Add(m, &errMarks{m})
	}
	if len(apart) > 1 && pn.X.Log {
		// Room at both ends for the points drawn beside the first and
		// last levels.
		p.X.Min, p.X.Max = p.X.Min/dodgeMargin, p.X.Max*dodgeMargin
	}
	setAxis(&p.X, pn.X, levelTicks{xs})
	setAxis(&p.Y, pn.Y, logTicks{format: pn.Y.Format})
	if !pn.Y.Log && p.Y.Min > 0 {
		p.Y.Min = 0
	}
	if !pn.Y.Log && p.Y.Max > p.Y.Min {
		// Headroom, so the highest marker is drawn whole.
		p.Y.Max += 0.04 * (p.Y.Max - p.Y.Min)
	}
	return p, nil
}

// drawable keeps the points that can be drawn as data: measured, resolved,
// and positive on a log axis.
func drawable(points []XY, logX, logY bool) []XY {
	var out []XY
	for _, q := range points {
		if !q.Failed && !q.Unresolved && (!logX || q.X > 0) && (!logY || q.Y > 0) && !math.IsNaN(q.Y) {
			out = append(out, q)
		}
	}
	return out
}

// addLine draws the line joining a series' points.
func addLine(p *plot.Plot, s Series, pts []XY) error {
	if len(pts) == 0 {
		return nil
	}
	xys := make(plotter.XYs, len(pts))
	for i, q := range pts {
		xys[i] = plotter.XY{X: q.X, Y: q.Y}
	}
	line, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	line.LineStyle = lineStyle(s.style(), s.Variant)
	p.Add(line)
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
