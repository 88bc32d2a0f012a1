package plot

import (
	"math"
	"slices"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"loopbench/harness/results"
)

// Merged returns the latency histogram of g's repetitions together (see
// MergedOf), or nil when none carries one.
func Merged(g *results.Group) (*hdr.Histogram, error) {
	return MergedOf(g, func(p *results.Point) *results.Latency { return &p.Latency })
}

// MergedOf merges the histogram f picks from each repetition of g that
// Measured chooses (f returns nil where a point has none, such as a route
// it did not serve); nil when none carries one. Percentiles of the merged
// histogram weigh every request alike, which medians of each repetition's
// percentiles do not.
func MergedOf(g *results.Group, f func(*results.Point) *results.Latency) (*hdr.Histogram, error) {
	var h *hdr.Histogram
	for _, p := range Measured(g) {
		l := f(p)
		if l == nil || l.Histogram == "" {
			continue
		}
		one, err := results.DecodeHistogram(l.Histogram)
		if err != nil {
			return nil, err
		}
		if h == nil {
			h = results.NewHistogram()
		}
		h.Merge(one)
	}
	return h, nil
}

// Measured returns the repetitions of g that its figures come from, as
// results.Group.Measure chooses them: the usable ones, or the partial ones
// when none is usable; never a failed one.
func Measured(g *results.Group) []*results.Point {
	var usable, partial []*results.Point
	for _, p := range g.Points {
		switch {
		case p.Usable():
			usable = append(usable, p)
		case !p.Failed:
			partial = append(partial, p)
		}
	}
	if len(usable) == 0 {
		return partial
	}
	return usable
}

// curveOf samples h every tenth of a nine up to the resolution its count
// allows (one sample beyond the last nine would be a single request), at
// most five nines.
func curveOf(h *hdr.Histogram) (pcts, ms []float64) {
	top := math.Min(5, math.Log10(float64(h.TotalCount())))
	for x := 0.0; x <= top+1e-9; x += 0.1 {
		pct := 100 * (1 - math.Pow(10, -x))
		pcts = append(pcts, pct)
		ms = append(ms, us2ms(float64(h.ValueAtQuantile(pct))))
	}
	return pcts, ms
}

func spectrumChart(w *Workload, host string) (*Chart, error) {
	level := w.Chosen()
	var curves []Curve
	for _, g := range w.At(level) {
		h, err := Merged(g)
		if err != nil {
			return nil, err
		}
		if h == nil || h.TotalCount() == 0 {
			continue
		}
		pcts, ms := curveOf(h)
		curves = append(curves, Curve{Model: g.Key.Model, Variant: g.Key.Variant, Percentiles: pcts, Millis: ms, ClientBound: g.ClientBound()})
	}
	if len(curves) == 0 {
		return nil, nil
	}
	return Spectrum(title("latency spectrum at "+levelWords(w, level)+", repetitions merged", w.Name, host), curves)
}

func cpuChart(w *Workload, host string) (*Chart, error) {
	level := w.Chosen()
	perReq := func(f func(*results.Point) float64) func(*results.Point) float64 {
		return func(p *results.Point) float64 {
			if p.Requests == 0 {
				return math.NaN()
			}
			return f(p) * 1e6 / float64(p.Requests)
		}
	}
	user := perReq(func(p *results.Point) float64 { return p.Server.CPUUser })
	sys := perReq(func(p *results.Point) float64 { return p.Server.CPUSys })
	var bars []Bar
	for _, g := range w.At(level) {
		u, s := g.Measure(user).Median, g.Measure(sys).Median
		bars = append(bars, Bar{Model: g.Key.Model, Variant: g.Key.Variant, Parts: []float64{nan0(u), nan0(s)},
			ClientBound: g.ClientBound(), Failed: g.Failed() || math.IsNaN(u)})
	}
	if len(bars) == 0 {
		return nil, nil
	}
	return Bars(title("server CPU per request at "+levelWords(w, level), w.Name, host),
		"server CPU per answered request (µs)", []string{"user", "system"}, bars, trim)
}

func nan0(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// medianRep is the repetition of g whose throughput is the median one.
func medianRep(g *results.Group) *results.Point {
	var ok []*results.Point
	for _, p := range g.Points {
		if !p.Failed && len(p.Samples) > 1 {
			ok = append(ok, p)
		}
	}
	if len(ok) == 0 {
		return nil
	}
	slices.SortFunc(ok, func(a, b *results.Point) int { return int(math.Copysign(1, a.Throughput-b.Throughput)) })
	return ok[len(ok)/2]
}

func timelineChart(w *Workload, host string) (*Chart, error) {
	level := w.Chosen()
	var tput, mem, thr []Series
	for _, g := range w.At(level) {
		p := medianRep(g)
		if p == nil {
			continue
		}
		s := Series{Model: g.Key.Model, Variant: g.Key.Variant}
		a, b, c := s, s, s
		prev := results.Sample{}
		for _, smp := range p.Samples {
			if smp.T > prev.T {
				a.Points = append(a.Points, XY{X: smp.T, Y: float64(smp.Requests-prev.Requests) / (smp.T - prev.T)})
				prev = smp
			}
			b.Points = append(b.Points, XY{X: smp.T, Y: float64(smp.RSS) / (1 << 20)})
			c.Points = append(c.Points, XY{X: smp.T, Y: float64(smp.Threads)})
		}
		tput, mem, thr = append(tput, a), append(mem, b), append(thr, c)
	}
	if len(tput) == 0 {
		return nil, nil
	}
	t := Axis{Label: "time since the measured interval began (s)", Format: trim}
	return Lines(title("over time at "+levelWords(w, level)+" (median repetition, 100 ms samples)", w.Name, host), true,
		Panel{X: Axis{Format: trim}, Y: Axis{Label: "requests/s", Format: formatCount}, Series: noMarks(tput)},
		Panel{X: Axis{Format: trim}, Y: Axis{Label: "RSS (MiB)", Format: trim}, Series: noMarks(mem)},
		Panel{X: t, Y: Axis{Label: "threads", Format: formatCount}, Series: noMarks(thr)})
}

// noMarks returns the series drawn as plain lines.
func noMarks(ss []Series) []Series {
	for i := range ss {
		ss[i].Plain = true
	}
	return ss
}
