package plot

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// Curve is the latency spectrum of one point: latency at increasing
// percentiles, as HdrHistogram's plotter draws it.
type Curve struct {
	Model, Variant string
	// Percentiles (0..100, exclusive of 100) and the latency at each, in ms.
	Percentiles []float64
	Millis      []float64
	ClientBound bool
}

// nines maps a percentile to the x axis of a spectrum: 90% -> 1, 99% -> 2,
// 99.9% -> 3, so each extra nine takes the same width.
func nines(pct float64) float64 { return -math.Log10(1 - pct/100) }

// Spectrum draws latency (log ms) against percentile on the nines axis,
// one curve per series.
func Spectrum(title string, curves []Curve) (*Chart, error) {
	c := newChart(title)
	p := newPanel("", "percentile (each step adds a nine)", "latency (ms, log scale)")
	var series []Series
	var bound []string
	maxX := 1.0
	for _, cv := range curves {
		var xys plotter.XYs
		for i, pct := range cv.Percentiles {
			if cv.Millis[i] > 0 && pct < 100 {
				xys = append(xys, plotter.XY{X: nines(pct), Y: cv.Millis[i]})
				maxX = math.Max(maxX, nines(pct))
			}
		}
		if len(xys) == 0 {
			continue
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		line.LineStyle = lineStyle(cv.Model, cv.Variant)
		p.Add(line)
		s := Series{Model: cv.Model, Variant: cv.Variant}
		series = append(series, s)
		if cv.ClientBound {
			bound = append(bound, s.Name())
		}
	}
	p.X.Min, p.X.Max = 0, math.Ceil(maxX)
	p.X.Tick.Marker = ninesTicks{}
	setAxis(&p.Y, Axis{Log: true, Format: trim}, logTicks{format: trim})
	c.Panels = []*plot.Plot{p}
	addLegend(c, series)
	addMarkNotes(c, bound, nil)
	return c, nil
}

// ninesTicks labels the nines axis: 0%, 90%, 99%, 99.9%, ...
type ninesTicks struct{}

// Ticks implements plot.Ticker.
func (ninesTicks) Ticks(min, max float64) []plot.Tick {
	labels := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"}
	ticks := []plot.Tick{{Value: nines(50), Label: "50%"}}
	for i, l := range labels {
		if v := float64(i); v >= min && v <= max {
			ticks = append(ticks, plot.Tick{Value: v, Label: l})
		}
	}
	return ticks
}
