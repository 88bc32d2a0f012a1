package plot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
)

// ForestGroup is one claim of a scorecard: its name, verdict, threshold
// and the readings that are paired ratios.
type ForestGroup struct {
	Name      string
	Verdict   analysis.Verdict
	Threshold analysis.Threshold
	Readings  []analysis.Reading
	// Unplotted counts the readings that are no ratio (a model failing
	// where the other served), which the figure cannot place.
	Unplotted int
}

// Forest draws a forest plot: a row per reading, grouped under its claim,
// the paired ratio as a dot on a log axis with its 95% interval (dashed:
// the bare range, below 6 pairs), over the claim's confirming band (green)
// and refuting band (red).
func Forest(title string, groups []ForestGroup) (*Chart, error) {
	c := newChart(title)
	c.Height = ForestHeight
	p := newPanel("", "paired ratio (log scale); 1 = the two sides alike", "")
	fp := &forestPlot{groups: groups}
	fp.layout()
	p.Add(fp)
	p.Y.Min, p.Y.Max = -0.7, float64(len(fp.labels))-0.3
	p.Y.Tick.Marker = fp.ticks()
	p.Y.Tick.Label.Font.Size = vg.Points(8.5)
	p.X.Min, p.X.Max = fp.xRange()
	setAxis(&p.X, Axis{Log: true, Format: figures.Num}, logTicks{format: figures.Num})
	c.Panels = []*plot.Plot{p}
	for _, v := range []analysis.Verdict{analysis.Confirmed, analysis.Refuted, analysis.Inconclusive} {
		c.Legend.Add(string(v), glyphThumb{verdictGlyph(v, false)})
	}
	c.Legend.Add("confirms", boxThumb{confirmBand, false})
	c.Legend.Add("refutes", boxThumb{refuteBand, false})
	c.Notes = append(c.Notes, "Each row is one reading: a paired ratio of repetitions measured in the same randomized block, its median with the 95% interval (x/perf benchmath).",
		"A dashed whisker is the bare range of fewer than 6 pairs: too few for an interval, so inconclusive.",
		"A reading confirms only when its whole interval lies in the green band, refutes only in the red.")
	if fp.bound {
		c.Notes = append(c.Notes, "Hollow, "+boundMark+": client-bound. The load generator's CPU was saturated in some repetitions compared, so the client, not the server, set their load: a throughput ratio is then a lower bound of the difference.")
		c.Legend.Add("client-bound "+boundMark, glyphThumb{draw.GlyphStyle{Color: color.Gray{0x60}, Radius: vg.Points(3.6), Shape: glyph{shape: Circle, hollow: true}}})
	}
	for _, g := range groups {
		if g.Unplotted > 0 {
			c.Notes = append(c.Notes, fmt.Sprintf("%s: %s without a ratio, in the table.", g.Name, figures.Plural(g.Unplotted, "reading")))
		}
	}
	return c, nil
}

// ForestHeight is a scorecard's height: taller than the other charts, so
// that every reading gets a legible row.
const ForestHeight = 7 * vg.Inch

// forestPlot draws the bands, whiskers and dots.
type forestPlot struct {
	groups []ForestGroup
	// labels are the rows from the top: a claim's heading, then its
	// readings; at[i] is the reading of row i (nil for a heading) and
	// of[i] its group.
	labels []string
	at     []*analysis.Reading
	of     []int
	// bound says some reading is client-bound (its label marked).
	bound bool
}

// boundMark marks the label of a client-bound reading, as the report's
// scorecard does.
const boundMark = "†"

func (fp *forestPlot) layout() {
	for gi, g := range fp.groups {
		fp.labels = append(fp.labels, fmt.Sprintf("%d. %s: %s", gi+1, g.Name, g.Verdict))
		fp.at, fp.of = append(fp.at, nil), append(fp.of, gi)
		for i := range g.Readings {
			label := g.Readings[i].Label
			if len(g.Readings[i].ClientBound) > 0 {
				label += " " + boundMark
				fp.bound = true
			}
			fp.labels = append(fp.labels, label)
			fp.at, fp.of = append(fp.at, &g.Readings[i]), append(fp.of, gi)
		}
	}
}

// y is the position of row i, the first at the top.
func (fp *forestPlot) y(i int) float64 { return float64(len(fp.labels) - 1 - i) }

// ticks name every row, headings included.
func (fp *forestPlot) ticks() plot.ConstantTicks {
	var ts plot.ConstantTicks
	for i, l := range fp.labels {
		ts = append(ts, plot.Tick{Value: fp.y(i), Label: l})
	}
	return ts
}

// xRange spans the readings, their intervals and every threshold.
func (fp *forestPlot) xRange() (lo, hi float64) {
	lo, hi = 1.0, 1.0
	for _, g := range fp.groups {
		if g.Threshold.Ratio() {
			lo, hi = math.Min(lo, math.Min(g.Threshold.Good, g.Threshold.Bad)), math.Max(hi, math.Max(g.Threshold.Good, g.Threshold.Bad))
		}
		for _, r := range g.Readings {
			for _, v := range []float64{r.Ratio.Lo, r.Ratio.Hi, r.Ratio.Median} {
				if v > 0 && !math.IsInf(v, 0) {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
	}
	return lo / 1.5, hi * 1.5
}

// Plot implements plot.Plotter.
func (fp *forestPlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for gi, g := range fp.groups {
		top, bottom := math.Inf(-1), math.Inf(1)
		for i := range fp.labels {
			if fp.of[i] == gi {
				top, bottom = math.Max(top, fp.y(i)), math.Min(bottom, fp.y(i))
			}
		}
		y0, y1 := trY(bottom-0.5), trY(top-0.5)
		if !g.Threshold.Ratio() {
			continue // a claim decided otherwise than by a ratio (claim 2's knees)
		}
		confirm, refute := [2]vg.Length{trX(g.Threshold.Good), c.Max.X}, [2]vg.Length{c.Min.X, trX(g.Threshold.Bad)}
		if g.Threshold.Lower {
			confirm, refute = [2]vg.Length{c.Min.X, trX(g.Threshold.Good)}, [2]vg.Length{trX(g.Threshold.Bad), c.Max.X}
		}
		fillRect(c, confirm[0], confirm[1], y0, y1, confirmBand)
		fillRect(c, refute[0], refute[1], y0, y1, refuteBand)
	}
	one := trX(1)
	c.StrokeLine2(draw.LineStyle{Color: color.Gray{0x80}, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}, one, c.Min.Y, one, c.Max.Y)
	sty := p.X.Tick.Label
	sty.Font.Size = vg.Points(7.5)
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	for i, r := range fp.at {
		if r == nil || !r.HasRatio() {
			continue
		}
		y := trY(fp.y(i))
		line := draw.LineStyle{Color: color.Gray{0x30}, Width: vg.Points(1.2)}
		if !r.Ratio.HasCI() {
			line.Dashes = []vg.Length{vg.Points(2), vg.Points(1.5)}
		}
		right := r.Ratio.Median
		if r.Ratio.Hi > r.Ratio.Lo {
			c.StrokeLine2(line, trX(r.Ratio.Lo), y, trX(r.Ratio.Hi), y)
			right = r.Ratio.Hi
		}
		c.DrawGlyph(verdictGlyph(r.Verdict, len(r.ClientBound) > 0), vg.Point{X: trX(r.Ratio.Median), Y: y})
		c.FillText(sty, vg.Point{X: trX(right) + vg.Points(5), Y: y}, figures.Ratio(r.Ratio.Median))
	}
}

// fillRect fills the box between x0, x1 and y0, y1, clipped to the canvas.
func fillRect(c draw.Canvas, x0, x1, y0, y1 vg.Length, col color.Color) {
	if x1 <= x0 {
		return
	}
	pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
	c.FillPolygon(col, c.ClipPolygonXY(pts))
}

// verdictGlyph marks a reading by its verdict: a green disc confirms, a
// red square refutes, a grey diamond is inconclusive; hollow for a
// client-bound reading.
func verdictGlyph(v analysis.Verdict, hollow bool) draw.GlyphStyle {
	switch v {
	case analysis.Confirmed:
		return draw.GlyphStyle{Color: color.NRGBA{0x1E, 0x7B, 0x45, 0xFF}, Radius: vg.Points(4), Shape: glyph{shape: Circle, hollow: hollow}}
	case analysis.Refuted:
		return draw.GlyphStyle{Color: color.NRGBA{0xB0, 0x28, 0x1C, 0xFF}, Radius: vg.Points(3.6), Shape: glyph{shape: Square, hollow: hollow}}
	}
	return draw.GlyphStyle{Color: color.Gray{0x60}, Radius: vg.Points(3.6), Shape: glyph{shape: Diamond, hollow: hollow}}
}

// confirmBand and refuteBand shade a claim's confirming and refuting
// regions.
var (
	confirmBand = color.NRGBA{0x2E, 0x8B, 0x57, 0x38}
	refuteBand  = color.NRGBA{0xC0, 0x39, 0x2B, 0x30}
)
