package history

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	lbplot "loopbench/harness/plot"
)

// Chart sizes, as harness/plot draws its charts.
const (
	chartWidth  = 8 * vg.Inch
	chartHeight = 6 * vg.Inch
	chartDPI    = 110
)

// chartKey groups series into one chart: a workload, level and metric,
// with a line per model and variant.
type chartKey struct{ workload, level, metric, unit string }

// WritePlots draws one PNG per workload, level and metric into dir: on
// top each series' median over the records with its 95% interval and a
// dashed line where a change point begins; below, the paired ratios
// (head/base against the parent) with their intervals, where the records
// have them. It returns the files written.
func WritePlots(dir string, recs []Record, series []Series, findings []Finding, palette lbplot.Palette) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	groups := map[chartKey][]Series{}
	var order []chartKey
	for _, s := range series {
		k := chartKey{s.Key.Workload, s.Key.Level, s.Key.Metric, s.Key.Unit}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s)
	}
	var files []string
	for _, k := range order {
		name := filepath.Join(dir, fileName(k))
		if err := writeChart(name, k, recs, groups[k], findings, palette); err != nil {
			return files, fmt.Errorf("%s: %w", name, err)
		}
		files = append(files, name)
	}
	return files, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileName(k chartKey) string {
	return unsafeName.ReplaceAllString(strings.Join([]string{"history", k.workload, k.level, k.metric}, "-"), "_") + ".png"
}

// writeChart draws one chart; gonum panics on impossible axes, which is
// turned into an error.
func writeChart(name string, k chartKey, recs []Record, ss []Series, findings []Finding, palette lbplot.Palette) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing: %v", r)
		}
	}()
	top := newPlot(fmt.Sprintf("%s %s: %s over commits", k.workload, k.level, k.metric), k.metric+" ("+k.unit+"), median and 95% interval")
	bottom := newPlot("", "head/base of each A/B run, 95% interval")
	bottom.Add(hline(1, len(recs)))
	ticks := commitTicks(recs)
	top.X.Tick.Marker, bottom.X.Tick.Marker = ticks, ticks
	for _, s := range ss {
		style := palette.Of(s.Key.Model)
		if err := addSeries(top, bottom, s, style.Color); err != nil {
			return err
		}
		for _, f := range findings {
			if f.Key == s.Key {
				top.Add(vline(float64(f.First.Record)-0.5, style.Color))
			}
		}
	}
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = -0.5, float64(len(recs))-0.5
	}
	img := vgimg.NewWith(vgimg.UseWH(chartWidth, chartHeight), vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.Crop(draw.New(img), vg.Points(6), -vg.Points(6), vg.Points(4), -vg.Points(4))
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(8)}
	cv := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(cv[0][0])
	bottom.Draw(cv[1][0])
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func newPlot(title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.Text = ylabel
	p.Y.Label.TextStyle.Font.Size = vg.Points(9)
	p.X.Tick.Label.Font.Size = vg.Points(7.5)
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Tick.Marker = labelled{}
	p.Add(plotter.NewGrid())
	return p
}

// labelled are gonum's default ticks, labelled with as many decimals as
// their spacing needs (gonum's own labels can round 1.05 to "1").
type labelled struct{}

// Ticks returns the default ticks with legible labels.
func (labelled) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	var major []float64
	for _, t := range ticks {
		if t.Label != "" {
			major = append(major, t.Value)
		}
	}
	prec := 0
	if len(major) > 1 {
		prec = max(0, -int(math.Floor(math.Log10(major[1]-major[0]))))
	}
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'f', prec, 64)
		}
	}
	return ticks
}

// addSeries draws a series' medians (top) and paired ratios (bottom).
func addSeries(top, bottom *plot.Plot, s Series, c color.Color) error {
	var med, ratio errPoints
	for _, p := range s.Points {
		med.add(float64(p.Record), p.Head)
		if p.Ratio != nil && p.Ratio.N > 0 {
			ratio.add(float64(p.Record), *p.Ratio)
		}
	}
	label := lbplotSeries(s.Key)
	for _, part := range []struct {
		p   *plot.Plot
		pts errPoints
	}{{top, med}, {bottom, ratio}} {
		if len(part.pts.xy) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(part.pts.xy)
		if err != nil {
			return err
		}
		line.Color, points.Color = c, c
		bars, err := plotter.NewYErrorBars(part.pts)
		if err != nil {
			return err
		}
		bars.Color = c
		part.p.Add(line, points, bars)
		if part.p == top {
			part.p.Legend.Add(label, line, points)
		}
	}
	return nil
}

func lbplotSeries(k Key) string {
	if k.Variant == "" || k.Variant == "default" {
		return k.Model
	}
	return k.Model + " " + k.Variant
}

// errPoints are points with their intervals, for gonum's error bars.
type errPoints struct {
	xy   plotter.XYs
	errs plotter.YErrors
}

func (e *errPoints) add(x float64, s Stat) {
	lo, hi := s.Median, s.Median
	if s.Lo != nil && s.Hi != nil {
		lo, hi = *s.Lo, *s.Hi
	}
	e.xy = append(e.xy, plotter.XY{X: x, Y: s.Median})
	e.errs = append(e.errs, struct{ Low, High float64 }{s.Median - lo, hi - s.Median})
}

// Len, XY and YError make errPoints an XYer and a YErrorer.
func (e errPoints) Len() int                        { return len(e.xy) }
func (e errPoints) XY(i int) (float64, float64)     { return e.xy[i].X, e.xy[i].Y }
func (e errPoints) YError(i int) (float64, float64) { return e.errs[i].Low, e.errs[i].High }

// commitTicks label the x axis with short commits, at most 16 of them.
func commitTicks(recs []Record) plot.ConstantTicks {
	every := max(1, (len(recs)+15)/16)
	var t plot.ConstantTicks
	for i, r := range recs {
		label := ""
		if i%every == 0 || i == len(recs)-1 {
			label = short(r.Commit)
		}
		t = append(t, plot.Tick{Value: float64(i), Label: label})
	}
	return t
}

func short(commit string) string {
	if len(commit) > 8 {
		return commit[:8]
	}
	return commit
}

// vline is a dashed vertical line at x across the plot: where a change
// point's segment begins.
func vline(x float64, c color.Color) plot.Plotter { return vertical{x, c} }

type vertical struct {
	x float64
	c color.Color
}

// Plot draws the line over the whole height of the plot's data area.
func (v vertical) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(v.x)
	style := draw.LineStyle{Color: v.c, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
	c.StrokeLine2(style, x, c.Min.Y, x, c.Max.Y)
}

func hline(y float64, n int) plot.Plotter {
	l, _ := plotter.NewLine(plotter.XYs{{X: -0.5, Y: y}, {X: float64(n) - 0.5, Y: y}})
	l.Color = color.Gray{Y: 0x80}
	l.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	return l
}
