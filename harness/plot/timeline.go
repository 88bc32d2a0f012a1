package plot

import (
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// medianRep is the repetition of g, among those its figures come from,
// whose throughput is the median one.
func medianRep(g *results.Group) *results.Point {
	var ok []*results.Point
	for _, p := range analysis.Measured(g) {
		if len(p.Samples) > 1 {
			ok = append(ok, p)
		}
	}
	if len(ok) == 0 {
		return nil
	}
	slices.SortFunc(ok, func(a, b *results.Point) int { return int(math.Copysign(1, a.Throughput-b.Throughput)) })
	return ok[len(ok)/2]
}

// fullSamples drops a last sample taken less than three quarters of the
// usual interval after the one before (the window closed mid-interval):
// its rate, over a sliver of time, would fall to 0 or spike.
func fullSamples(s []results.Sample) []results.Sample {
	if len(s) < 3 {
		return s
	}
	var gaps []float64
	for i := 1; i < len(s); i++ {
		gaps = append(gaps, s[i].T-s[i-1].T)
	}
	slices.Sort(gaps)
	if last := s[len(s)-1].T - s[len(s)-2].T; last < 0.75*gaps[len(gaps)/2] {
		return s[:len(s)-1]
	}
	return s
}

// timelineChart is throughput, RSS and threads over the measured window
// of the median repetition at the compared level, the window shaded
// against the warm-up before it (which is not sampled).
func timelineChart(w *analysis.Workload, sh sheet) (*Chart, error) {
	level := w.Chosen()
	var tput, mem, thr []Series
	end := 0.0
	for _, g := range w.At(level) {
		p := medianRep(g)
		if p == nil {
			continue
		}
		s := Series{Model: g.Key.Model, Variant: g.Key.Variant, Style: sh.palette.Of(g.Key.Model), Plain: true}
		a, b, c := s, s, s
		smp := fullSamples(p.Samples)
		for i, x := range smp {
			if i > 0 && x.T > smp[i-1].T {
				a.Points = append(a.Points, XY{X: x.T, Y: float64(x.Requests-smp[i-1].Requests) / (x.T - smp[i-1].T)})
			}
			b.Points = append(b.Points, XY{X: x.T, Y: float64(x.RSS) / (1 << 20)})
			c.Points = append(c.Points, XY{X: x.T, Y: float64(x.Threads)})
		}
		end = math.Max(end, p.Duration)
		tput, mem, thr = append(tput, a), append(mem, b), append(thr, c)
	}
	if len(tput) == 0 {
		return nil, nil
	}
	win := warmupStrip(w.Warmup, end)
	under := []plot.Plotter{win}
	t := Axis{Label: "time since the measured window opened (s)", Format: trim}
	c, err := Lines(title("over time at "+w.LevelWords(level)+" (median repetition, 100 ms samples)", w.Name, sh.host), true,
		Panel{X: Axis{Format: trim}, Y: Axis{Label: "requests/s", Format: formatCount}, Series: tput, Under: under},
		Panel{X: Axis{Format: trim}, Y: Axis{Label: "RSS (MiB)", Format: trim}, Series: mem, Under: under},
		Panel{X: t, Y: Axis{Label: "threads (log)", Log: true, Format: formatCount}, Series: thr, Under: under})
	if err != nil {
		return nil, err
	}
	if w.Warmup > 0 {
		c.Legend.Add("warm-up", boxThumb{warmupColor, false})
		c.Notes = append(c.Notes, win.note())
	}
	c.Notes = append(c.Notes, "A last sample cut short by the window's end is left out.")
	return c, nil
}

// warmupShare is the most of a timeline's width the warm-up takes: its
// end, shaded, says it was there without crowding the window measured.
const warmupShare = 0.08

// warmupColor shades the warm-up.
var warmupColor = color.Gray{0xDC}

// warmupStrip is the shaded warm-up before a window of end seconds: the
// whole warm-up of warmup seconds where it fits in warmupShare of the
// width, else its last part.
func warmupStrip(warmup, end float64) *window {
	return &window{from: -math.Min(warmup, warmupShare*end), to: end, warmup: warmup}
}

// window shades the warm-up before a timeline's measured window, from
// (negative) to 0: all of it or its end, warmup seconds in all; the
// window itself runs from 0 to to.
type window struct{ from, to, warmup float64 }

// cut reports whether the strip shows only the warm-up's end.
func (wn *window) cut() bool { return -wn.from < wn.warmup }

// note says what the strip is.
func (wn *window) note() string {
	if wn.cut() {
		return "Grey: the end of the warm-up (" + figures.Num(wn.warmup) + " s in all, not sampled); the measured window starts at 0."
	}
	return "Grey: the warm-up (" + figures.Num(wn.warmup) + " s, not sampled); the measured window starts at 0."
}

// Plot implements plot.Plotter.
func (wn *window) Plot(c draw.Canvas, p *plot.Plot) {
	if wn.from >= 0 {
		return
	}
	trX, _ := p.Transforms(&c)
	fillRect(c, trX(wn.from), trX(0), c.Min.Y, c.Max.Y, warmupColor)
	sty := p.X.Tick.Label
	sty.Font.Size = vg.Points(7)
	sty.Color = color.Gray{0x50}
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	sty.Rotation = math.Pi / 2
	sty.XAlign, sty.YAlign = draw.XRight, draw.YCenter
	c.FillText(sty, vg.Point{X: (trX(wn.from) + trX(0)) / 2, Y: c.Max.Y - vg.Points(3)}, "warm-up")
}

// DataRange implements plot.DataRanger: the x axis spans the strip and
// the window; the y axis is left to the data.
func (wn *window) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Min(wn.from, 0), wn.to, math.Inf(1), math.Inf(-1)
}
