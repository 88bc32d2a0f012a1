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
)

// seriesMarks draws a series' points: its markers, or (whiskers) their
// whiskers, which go under every marker; where the series is drawn apart
// from others (dodge set), each beside its level, in its slot.
type seriesMarks struct {
	pts      []XY
	style    Style
	variant  string
	logY     bool
	whiskers bool
	dodge    *dodge
	slot     int
}

// dx is the offset of the series' points from their levels.
func (m *seriesMarks) dx(trX func(float64) vg.Length) vg.Length {
	if m.dodge == nil {
		return 0
	}
	return m.dodge.offset(m.slot, trX)
}

// Plot implements plot.Plotter.
func (m *seriesMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	dx := m.dx(trX)
	for _, q := range m.pts {
		x := trX(q.X) + dx
		if m.whiskers {
			if m.whiskered(q) {
				drawWhisker(c, whiskerStyle(m.style.Color, q.CI), x, trY(q.Lo), trY(q.Hi))
			}
			continue
		}
		pt := vg.Point{X: x, Y: trY(q.Y)}
		if q.Partial {
			c.DrawGlyph(partialGlyph, pt)
		}
		c.DrawGlyph(pointGlyph(m.style, m.variant, q), pt)
	}
}

// whiskered reports whether q has a whisker to draw: more than one
// repetition, and a range the axis can show.
func (m *seriesMarks) whiskered(q XY) bool {
	return q.N != 1 && q.Hi > q.Lo && (q.Lo > 0 || !m.logY)
}

// DataRange implements plot.DataRanger: the points and their whiskers
// must fit on the axes.
func (m *seriesMarks) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, q := range m.pts {
		xmin, xmax = math.Min(xmin, q.X), math.Max(xmax, q.X)
		ymin, ymax = math.Min(ymin, q.Y), math.Max(ymax, q.Y)
		if m.whiskered(q) {
			ymin, ymax = math.Min(ymin, q.Lo), math.Max(ymax, q.Hi)
		}
	}
	return
}

// drawWhisker draws a vertical whisker with caps at x from y0 to y1.
func drawWhisker(c draw.Canvas, sty draw.LineStyle, x, y0, y1 vg.Length) {
	w := vg.Points(2.5)
	c.StrokeLine2(sty, x, y0, x, y1)
	sty.Dashes = nil
	c.StrokeLine2(sty, x-w, y0, x+w, y0)
	c.StrokeLine2(sty, x-w, y1, x+w, y1)
}

// whiskerStyle is a whisker in colour col: solid for a 95% confidence
// interval, dashed for a bare range (as in the scorecard).
func whiskerStyle(col color.Color, ci bool) draw.LineStyle {
	sty := draw.LineStyle{Color: col, Width: vg.Points(0.9)}
	if !ci {
		sty.Dashes = rangeDashes
	}
	return sty
}

// rangeDashes dash a whisker that is a range, not a 95% interval.
var rangeDashes = []vg.Length{vg.Points(2), vg.Points(1.5)}

// onceRadius is the radius of a point measured once (n=1): smaller than
// the others, which stand on several repetitions.
const onceRadius = vg.Length(2.3)

// markerRadius is the radius of the marker of a point of n repetitions
// (0: unknown).
func markerRadius(n int) vg.Length {
	if n == 1 {
		return onceRadius
	}
	return vg.Points(3.6)
}

// pointGlyph is the marker of point q of a variant in style s: small when
// measured once, hollow when client-bound, pierced for a variant other
// than the default.
func pointGlyph(s Style, variant string, q XY) draw.GlyphStyle {
	g := variantGlyph(s, variant, q.ClientBound)
	g.Radius = markerRadius(q.N)
	return g
}

// failMarks draws a cross on the x axis at each failed level: the point
// exists but has no figure to draw.
type failMarks struct {
	xs    []float64
	style Style
}

// Plot implements plot.Plotter.
func (f *failMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, x := range f.xs {
		c.DrawGlyphNoClip(failStyle(f.style), vg.Point{X: trX(x), Y: c.Min.Y})
	}
}

// DataRange implements plot.DataRanger: the x values count, the y axis is
// left to the data.
func (f *failMarks) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, x := range f.xs {
		xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
	}
	return xmin, xmax, math.Inf(1), math.Inf(-1)
}

// errMarks writes the error count beside each point of a series that had
// errors, so that a line's errors are seen where they happened, not only
// in the notes.
type errMarks struct{ *seriesMarks }

// Plot implements plot.Plotter.
func (e *errMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	dx := e.dx(trX)
	sty := p.X.Tick.Label
	sty.Font.Size = vg.Points(7.5)
	sty.Color = color.NRGBA{0xB0, 0x28, 0x1C, 0xFF}
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YTop
	for _, q := range e.pts {
		if q.Errors > 0 {
			c.FillText(sty, vg.Point{X: trX(q.X) + dx + vg.Points(6), Y: trY(q.Y) - vg.Points(4)}, fmt.Sprintf("%d err", q.Errors))
		}
	}
}

// addMarkNotes adds, where some series of the chart were client-bound
// (drawn hollow) or failed (a cross), the mark to the legend and a note
// naming them.
func addMarkNotes(c *Chart, bound, failed []string) {
	grey := color.Gray{0x60}
	if addNote(c, "Client-bound (hollow: the load generator was saturated, not the server)", bound, "; ") {
		c.Legend.Add("client-bound", glyphThumb{draw.GlyphStyle{Color: grey, Radius: vg.Points(3.6), Shape: glyph{shape: Circle, hollow: true}}})
	}
	if addNote(c, "Failed (× on the x axis, no data)", failed, "; ") {
		c.Legend.Add("failed", glyphThumb{draw.GlyphStyle{Color: grey, Radius: vg.Points(4.5), Shape: draw.CrossGlyph{}}})
	}
}

// addPartialNote adds, where some series of the chart are partial, the
// ring to the legend and a note naming them; head says what a ring means
// in this chart.
func addPartialNote(c *Chart, head string, partial []string, sep string) {
	if addNote(c, head, partial, sep) {
		c.Legend.Add("partial", glyphThumb{partialGlyph})
	}
}

// addNote adds a note naming the series listed, each once, after head and
// joined by sep, and reports whether there were any.
func addNote(c *Chart, head string, names []string, sep string) bool {
	if names = unique(names); len(names) > 0 {
		c.Notes = append(c.Notes, head+": "+strings.Join(names, sep)+".")
		return true
	}
	return false
}

// unique drops repeated strings, keeping the first of each.
func unique(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
