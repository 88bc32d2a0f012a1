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

// spread draws each point's range over repetitions as a thin vertical bar.
type spread struct {
	pts   []XY
	color color.Color
}

// Plot implements plot.Plotter.
func (s *spread) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: s.color, Width: vg.Points(0.8)}
	for _, q := range s.pts {
		if q.Min <= 0 || q.Max <= q.Min {
			continue
		}
		x := trX(q.X)
		w := vg.Points(2.5)
		c.StrokeLine2(sty, x, trY(q.Min), x, trY(q.Max))
		c.StrokeLine2(sty, x-w, trY(q.Min), x+w, trY(q.Min))
		c.StrokeLine2(sty, x-w, trY(q.Max), x+w, trY(q.Max))
	}
}

// DataRange implements plot.DataRanger: the ranges must fit on the axes.
func (s *spread) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, q := range s.pts {
		if q.Min <= 0 || q.Max <= q.Min {
			continue
		}
		xmin, xmax = math.Min(xmin, q.X), math.Max(xmax, q.X)
		ymin, ymax = math.Min(ymin, q.Min), math.Max(ymax, q.Max)
	}
	return
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

// errMarks writes the error count beside each point that had errors, so
// that a line's errors are seen where they happened, not only in the notes.
type errMarks struct{ pts []XY }

// Plot implements plot.Plotter.
func (e *errMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := p.X.Tick.Label
	sty.Font.Size = vg.Points(7.5)
	sty.Color = color.NRGBA{0xB0, 0x28, 0x1C, 0xFF}
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YTop
	for _, q := range e.pts {
		if q.Errors > 0 {
			c.FillText(sty, vg.Point{X: trX(q.X) + vg.Points(6), Y: trY(q.Y) - vg.Points(4)}, fmt.Sprintf("%d err", q.Errors))
		}
	}
}

// addMarkNotes adds, where some series of the chart were client-bound
// (drawn hollow) or failed (a cross), the mark to the legend and a note
// naming them.
func addMarkNotes(c *Chart, bound, failed []string) {
	grey := color.Gray{0x60}
	if addNote(c, "Client-bound (hollow: the load generator was saturated, not the server)", bound, "; ") {
		c.Legend.Add("client-bound", glyphThumb{draw.GlyphStyle{Color: grey, Radius: vg.Points(3.6), Shape: glyph{Circle, true}}})
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
