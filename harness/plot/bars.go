package plot

import (
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Bar is one bar of a bar chart: a series' value in a group (a workload,
// or "" when the chart has one group), possibly stacked from parts.
type Bar struct {
	Model, Variant string
	Group          string
	// Parts are stacked bottom up; their sum is the bar's height.
	Parts       []float64
	ClientBound bool
	Failed      bool
	// Label, when set, is written above the bar instead of its height
	// (a median of the whole, where the parts are medians of their own).
	Label string
	// Style is how the model is drawn, as Series.Style.
	Style Style
}

// Name is the bar's series name.
func (b Bar) Name() string { return Series{Model: b.Model, Variant: b.Variant}.Name() }

func (b Bar) style() Style { return b.Style.or(b.Model) }

func (b Bar) total() float64 {
	var t float64
	for _, v := range b.Parts {
		t += v
	}
	return t
}

// Bars draws a bar per series, grouped, with the value written above each
// bar. parts names the stacked parts (user, kernel) for the legend; the
// first is drawn in the model's colour, the next ones lighter. ylabel
// carries the unit, format writes the values. Bars stand on a linear axis
// only: on a log axis their length would mean nothing (Dots instead).
func Bars(title, ylabel string, parts []string, bars []Bar, format func(float64) string) (*Chart, error) {
	c := newChart(title)
	c.Panels = []*plot.Plot{barPanel("", ylabel, bars, format)}
	addBarLegend(c, bars, parts)
	return c, nil
}

// ZoomedBars is Bars with a second panel, on its own linear axis, of the
// bars under a tenth of the tallest, so that small values beside a large
// one can be read rather than flattened into slivers.
func ZoomedBars(title, ylabel string, parts []string, bars []Bar, format func(float64) string) (*Chart, error) {
	c, err := Bars(title, ylabel, parts, bars, format)
	if err != nil {
		return nil, err
	}
	bp := &barPlot{bars: bars}
	var small []Bar
	for _, b := range bars {
		if !b.Failed && b.total() < bp.largest()/10 {
			small = append(small, b)
		}
	}
	if len(small) > 0 && len(small) < len(bars) {
		c.Panels[0].Title.Text = "every model"
		c.Panels = append(c.Panels, barPanel("under a tenth of the tallest, on its own scale", "", small, format))
		for _, p := range c.Panels {
			p.X.Tick.Label.Font.Size = vg.Points(7.5)
		}
	}
	return c, nil
}

// barPanel is one panel of bars on a linear axis from 0.
func barPanel(title, ylabel string, bars []Bar, format func(float64) string) *plot.Plot {
	if format == nil {
		format = trim
	}
	p := newPanel(title, "", ylabel)
	p.Title.TextStyle.Font.Size = vg.Points(9.5)
	p.X.Tick.Label.Font.Size = vg.Points(9)
	bp := &barPlot{bars: bars, format: format}
	bp.layout()
	p.Add(bp)
	p.X.Min, p.X.Max = -0.6, bp.width-0.4
	p.Y.Min = 0
	p.Y.Tick.Marker = linearTicks{trim}
	p.X.Tick.Marker = bp.ticks()
	return p
}

// barPlot draws the bars; x positions are assigned by layout.
type barPlot struct {
	bars   []Bar
	format func(float64) string
	xs     []float64
	groups []string
	width  float64
}

// largest is the tallest bar (0 when none).
func (bp *barPlot) largest() float64 {
	m := 0.0
	for _, b := range bp.bars {
		if !b.Failed {
			m = math.Max(m, b.total())
		}
	}
	return m
}

// layout places bars side by side, leaving a gap between groups.
func (bp *barPlot) layout() {
	x := 0.0
	for i, b := range bp.bars {
		if i > 0 && b.Group != bp.bars[i-1].Group {
			x += 0.6
		}
		if i == 0 || b.Group != bp.bars[i-1].Group {
			bp.groups = append(bp.groups, b.Group)
		}
		bp.xs = append(bp.xs, x)
		x++
	}
	bp.width = x
}

// ticks labels each bar with its series when there is one group, else each
// group at its centre.
func (bp *barPlot) ticks() plot.ConstantTicks {
	var ticks plot.ConstantTicks
	if len(bp.groups) <= 1 {
		for i, b := range bp.bars {
			// A variant goes on a line of its own, so that ten labels
			// ("eventloop cpu-offload", ...) fit side by side.
			ticks = append(ticks, plot.Tick{Value: bp.xs[i], Label: strings.Replace(b.Name(), " ", "\n", 1)})
		}
		return ticks
	}
	for _, g := range bp.groups {
		var xs []float64
		for i, b := range bp.bars {
			if b.Group == g {
				xs = append(xs, bp.xs[i])
			}
		}
		ticks = append(ticks, plot.Tick{Value: (xs[0] + xs[len(xs)-1]) / 2, Label: g})
	}
	return ticks
}

// Plot implements plot.Plotter.
func (bp *barPlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	half := (trX(1) - trX(0)) * 0.4
	for i, b := range bp.bars {
		x := trX(bp.xs[i])
		if b.Failed {
			c.DrawGlyphNoClip(failStyle(b.style()), vg.Point{X: x, Y: c.Min.Y})
			continue
		}
		bottom := 0.0
		for k, v := range b.Parts {
			y0, y1 := trY(bottom), trY(bottom+v)
			drawBox(c, x-half, x+half, y0, y1, partColor(b.style(), k), b.ClientBound)
			if hatched(b.Variant) {
				hatch(c, x-half, x+half, y0, y1)
			}
			bottom += v
		}
		sty := p.Y.Tick.Label
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
		if len(bp.bars) > 8 {
			sty.Font.Size = vg.Points(7.5)
		}
		label := b.Label
		if label == "" {
			label = bp.format(bottom)
		}
		c.FillText(sty, vg.Point{X: x, Y: trY(bottom) + vg.Points(2)}, label)
	}
}

// DataRange implements plot.DataRanger, leaving room above for the labels.
func (bp *barPlot) DataRange() (xmin, xmax, ymin, ymax float64) {
	for _, b := range bp.bars {
		if !b.Failed {
			ymax = math.Max(ymax, b.total())
		}
	}
	if ymax == 0 {
		ymax = 1
	}
	return -0.6, bp.width - 0.4, 0, ymax * 1.12
}

// drawBox fills a bar part, or outlines it when the point was client-bound.
func drawBox(c draw.Canvas, x0, x1, y0, y1 vg.Length, fill color.Color, hollow bool) {
	pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
	if !hollow {
		c.FillPolygon(fill, c.ClipPolygonXY(pts))
		return
	}
	c.FillPolygon(color.White, c.ClipPolygonXY(pts))
	c.StrokeLines(draw.LineStyle{Color: fill, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}, c.ClipLinesXY(append(pts, pts[0]))...)
}

// partColor is the model's colour (of its style s) for the first stacked
// part and a lighter tint for the next ones.
func partColor(s Style, k int) color.Color { return partColorOf(s.Color, k) }

// addBarLegend names each series once, the stacked parts, and the marks.
func addBarLegend(c *Chart, bars []Bar, parts []string) {
	var names []string
	var bound, failed []string
	boundIn, failedIn := map[string][]string{}, map[string][]string{}
	for _, b := range bars {
		if b.ClientBound && !b.Failed {
			if _, ok := boundIn[b.Name()]; !ok {
				bound = append(bound, b.Name())
			}
			boundIn[b.Name()] = append(boundIn[b.Name()], b.Group)
		}
		if b.Failed {
			if _, ok := failedIn[b.Name()]; !ok {
				failed = append(failed, b.Name())
			}
			failedIn[b.Name()] = append(failedIn[b.Name()], b.Group)
		}
		if slices.Contains(names, b.Name()) {
			continue
		}
		names = append(names, b.Name())
		c.Legend.Add(b.Name(), boxThumb{partColor(b.style(), 0), hatched(b.Variant)})
	}
	grey := color.NRGBA{0x70, 0x70, 0x70, 0xFF}
	for k, name := range parts {
		if len(parts) > 1 {
			c.Legend.Add(name+" ("+[]string{"dark", "light", "lighter"}[min(k, 2)]+")", boxThumb{partColorOf(grey, k), false})
		}
	}
	addMarkNotes(c, withGroups(bound, boundIn), withGroups(failed, failedIn))
}

// withGroups writes each series once, followed by the groups it is marked
// in ("gnet in p50, p99"), or alone when the chart has no groups.
func withGroups(names []string, in map[string][]string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		groups := slices.DeleteFunc(slices.Clone(in[n]), func(g string) bool { return g == "" })
		out[i] = n
		if len(groups) > 0 {
			out[i] += " in " + strings.Join(groups, ", ")
		}
	}
	return out
}

// partColorOf is base for part 0 and base mixed with white for the others,
// lighter for each further part.
func partColorOf(base color.Color, k int) color.Color {
	if k == 0 {
		return base
	}
	r, g, b, _ := base.RGBA()
	keep := 0.45 / float64(k)
	tint := func(v uint32) uint8 { return uint8(255 - (255-float64(v>>8))*keep) }
	return color.NRGBA{tint(r), tint(g), tint(b), 0xFF}
}

// boxThumb is a legend swatch, hatched for a variant.
type boxThumb struct {
	color   color.Color
	hatched bool
}

// Thumbnail implements plot.Thumbnailer.
func (t boxThumb) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	pad := (r.Max.X - r.Min.X) / 5
	drawBox(*c, r.Min.X+pad, r.Max.X-pad, r.Min.Y, r.Max.Y, t.color, false)
	if t.hatched {
		hatch(*c, r.Min.X+pad, r.Max.X-pad, r.Min.Y, r.Max.Y)
	}
}

// hatched reports whether bars of a variant are hatched: every variant but
// the default, so "eventloop cpu-offload" differs from "eventloop".
func hatched(variant string) bool { return variant != "" && variant != "default" }

// hatch draws white diagonal lines over a box.
func hatch(c draw.Canvas, x0, x1, y0, y1 vg.Length) {
	sty := draw.LineStyle{Color: color.White, Width: vg.Points(1.6)}
	step := vg.Points(5)
	for d := -(y1 - y0); d < x1-x0; d += step {
		ax, ay := x0+d, y0
		bx, by := x0+d+(y1-y0), y1
		if ax < x0 {
			ay += x0 - ax
			ax = x0
		}
		if bx > x1 {
			by -= bx - x1
			bx = x1
		}
		if ay < by {
			c.StrokeLine2(sty, ax, ay, bx, by)
		}
	}
}
