package analysis

import (
	"math"

	"github.com/aclements/go-moremath/stats"

	"loopbench/harness/results"
)

// Fit is a straight line fitted by least squares through (connections
// held, bytes) points: its slope, the bytes one more held connection costs,
// with the slope's two-sided confidence interval from Student's t, and the
// points behind it.
type Fit struct {
	Slope, Lo, Hi float64
	// Intercept is the line's memory at no connection: the server's fixed
	// cost, as far as a straight line says it.
	Intercept float64
	N, Levels int
}

// OK reports whether the fit has an interval: at least three points over at
// least two connection counts.
func (f Fit) OK() bool { return f.N >= 3 && f.Levels >= 2 && !math.IsNaN(f.Lo) }

// fitLine fits y = a + b·x through the points by least squares, and gives
// b's interval at confidence conf (0.95: 95%).
func fitLine(xs, ys []float64, conf float64) Fit {
	n := len(xs)
	f := Fit{N: n, Slope: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Intercept: math.NaN()}
	levels := map[float64]bool{}
	var mx, my float64
	for i := range xs {
		levels[xs[i]] = true
		mx += xs[i]
		my += ys[i]
	}
	f.Levels = len(levels)
	if n < 2 || f.Levels < 2 {
		return f
	}
	mx, my = mx/float64(n), my/float64(n)
	var sxx, sxy float64
	for i := range xs {
		sxx += (xs[i] - mx) * (xs[i] - mx)
		sxy += (xs[i] - mx) * (ys[i] - my)
	}
	f.Slope = sxy / sxx
	f.Intercept = my - f.Slope*mx
	if n < 3 {
		return f
	}
	var sse float64
	for i := range xs {
		r := ys[i] - f.Intercept - f.Slope*xs[i]
		sse += r * r
	}
	se := math.Sqrt(sse / float64(n-2) / sxx)
	t := stats.InvCDF(stats.TDist{V: float64(n - 2)})(1 - (1-conf)/2)
	f.Lo, f.Hi = f.Slope-t*se, f.Slope+t*se
	return f
}

// Slope is the memory one held connection costs a series, from an idle
// workload's levels: the slope of its memory at the end of the window
// against the connections it held (idle and probe), fitted through every
// usable repetition of every level, rather than one difference against
// another workload's point. With cgroup figures, Total splits into User
// (anonymous memory), Kernel (thread stacks, page tables, slab) and Sock
// (socket buffers), each fitted on its own; RSS, the process's resident
// set, is fitted beside them, and stands alone where a run has no cgroup
// figures.
type Slope struct {
	Model, Variant string
	// Source is SourceCgroup when every point carries its cgroup's
	// charge, else SourceRSS (Total is then the RSS fit).
	Source                         string
	Total, User, Kernel, Sock, RSS Fit
	// Partial counts the points left out as partial; Failed those that
	// failed. ClientBound is set when some point used was client-bound.
	Partial, Failed int
	ClientBound     bool
}

// Slopes fits the memory per connection of every series of workload w,
// at confidence conf, in series order.
func Slopes(w *Workload, conf float64) []Slope {
	var out []Slope
	var cur *Slope
	var pts []*results.Point
	flush := func() {
		if cur != nil {
			cur.fit(pts, conf)
			out = append(out, *cur)
		}
	}
	for i := range w.Groups {
		g := &w.Groups[i]
		if cur == nil || cur.Model != g.Key.Model || cur.Variant != g.Key.Variant {
			flush()
			cur, pts = &Slope{Model: g.Key.Model, Variant: g.Key.Variant}, nil
		}
		for _, p := range g.Points {
			switch {
			case p.Failed:
				cur.Failed++
			case !p.Usable():
				cur.Partial++
			default:
				pts = append(pts, p)
				cur.ClientBound = cur.ClientBound || p.ClientBound
			}
		}
	}
	flush()
	return out
}

// fit fits the slopes through ps.
func (s *Slope) fit(ps []*results.Point, conf float64) {
	s.Source = SourceCgroup
	for _, p := range ps {
		if p.Server.Memory == nil {
			s.Source = SourceRSS
		}
	}
	line := func(f memFigure) Fit {
		var xs, ys []float64
		for _, p := range ps {
			if y := f(p); !math.IsNaN(y) {
				xs, ys = append(xs, float64(p.Connections+p.IdleConnections)), append(ys, y)
			}
		}
		return fitLine(xs, ys, conf)
	}
	s.RSS = line(rss)
	if s.Source == SourceRSS {
		s.Total = s.RSS
		return
	}
	s.Total, s.User, s.Kernel, s.Sock = line(cgroupTotal), line(cgroupUser), line(cgroupKernel), line(cgroupSock)
}

// Ratio is the ratio of two fits' slopes a/b with an interval that holds
// whenever both slopes' intervals do: [a.Lo/b.Hi, a.Hi/b.Lo]. Fitted at
// 97.5% each, it covers at least 95% (Bonferroni). NaN where b's interval
// reaches 0.
func Ratio(a, b Fit) (mid, lo, hi float64) {
	if !a.OK() || !b.OK() || b.Lo <= 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	return a.Slope / b.Slope, math.Max(0, a.Lo) / b.Hi, a.Hi / b.Lo
}
