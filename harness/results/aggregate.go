package results

import (
	"cmp"
	"slices"

	"golang.org/x/perf/benchmath"
)

// Key identifies one measured configuration; its repetitions share a Key.
type Key struct {
	Workload        string
	Model           string
	Variant         string
	Connections     int
	Pipeline        int
	Rate            float64
	IdleConnections int
	// CPUs is the number of CPUs the server was given when its workload
	// sweeps CPU counts (Point.ServerCPUCount); 0 otherwise, as in every
	// point measured before workloads could, which so group as before.
	CPUs int
}

// Key returns the configuration p measured.
func (p *Point) Key() Key {
	return Key{p.Workload, p.Model, p.Variant, p.Connections, p.Pipeline, p.Rate, p.IdleConnections, p.ServerCPUCount}
}

// Series names a line in a chart or a row group in a table: a model and its variant.
func (k Key) Series() string {
	if k.Variant == "" || k.Variant == "default" {
		return k.Model
	}
	return k.Model + " " + k.Variant
}

// Level is the level on the x axis: the server's CPU count for a
// workload that sweeps CPU counts (its load is one level), the offered
// rate for open-loop points, otherwise the connection count.
func (k Key) Level() float64 {
	if k.CPUs > 0 {
		return float64(k.CPUs)
	}
	if k.Rate > 0 {
		return k.Rate
	}
	return float64(k.Connections)
}

// Group holds the repetitions of one configuration.
type Group struct {
	Key    Key
	Points []*Point
}

// Groups gathers points by Key, in the order each Key first appears.
func Groups(points []Point) []Group {
	index := map[Key]int{}
	var groups []Group
	for i := range points {
		p := &points[i]
		k := p.Key()
		j, ok := index[k]
		if !ok {
			j = len(groups)
			index[k] = j
			groups = append(groups, Group{Key: k})
		}
		groups[j].Points = append(groups[j].Points, p)
	}
	return groups
}

// Confidence is the level of every Stat's interval.
const Confidence = 0.95

// Stat is the median of a figure over repetitions, with its 95% confidence
// interval as benchstat computes it (x/perf benchmath, assuming nothing of
// the distribution) and the range of the repetitions.
type Stat struct {
	Median, Min, Max float64
	// Lo and Hi bound the median's 95% confidence interval; with fewer
	// than 6 repetitions there is none and they are the range (HasCI false).
	Lo, Hi float64
	N      int
	// Partial is set when no repetition was usable and the figures come
	// from partial points: shown, marked, never used in a verdict.
	Partial bool
}

// HasCI reports whether the interval is a 95% confidence interval rather
// than the bare range of too few repetitions.
func (s Stat) HasCI() bool { return s.N >= 6 }

// Spread is (max-min)/median: the relative range of the repetitions.
func (s Stat) Spread() float64 {
	if s.Median == 0 {
		return 0
	}
	return (s.Max - s.Min) / s.Median
}

// Measure summarises f over the group's usable points (neither failed nor
// partial); when there are none, over its partial ones, marked Partial.
func (g *Group) Measure(f func(*Point) float64) Stat {
	var usable, partial []float64
	for _, p := range g.Points {
		switch {
		case p.Usable():
			usable = append(usable, f(p))
		case !p.Failed:
			partial = append(partial, f(p))
		}
	}
	if len(usable) == 0 && len(partial) > 0 {
		s := StatOf(partial)
		s.Partial = true
		return s
	}
	return StatOf(usable)
}

// StatOf summarises values: their median with its 95% interval and range.
func StatOf(v []float64) Stat {
	if len(v) == 0 {
		return Stat{}
	}
	v = slices.Clone(v)
	slices.SortFunc(v, cmp.Compare[float64])
	sum := benchmath.AssumeNothing.Summary(benchmath.NewSample(v, &benchmath.DefaultThresholds), Confidence)
	s := Stat{Median: sum.Center, Min: v[0], Max: v[len(v)-1], Lo: v[0], Hi: v[len(v)-1], N: len(v)}
	if s.HasCI() {
		s.Lo, s.Hi = sum.Lo, sum.Hi
	}
	return s
}

// Failed reports whether every repetition failed.
func (g *Group) Failed() bool {
	for _, p := range g.Points {
		if !p.Failed {
			return false
		}
	}
	return true
}

// ClientBound reports whether any repetition was client-bound.
func (g *Group) ClientBound() bool {
	for _, p := range g.Points {
		if p.ClientBound {
			return true
		}
	}
	return false
}

// Errors is the total of errors over the repetitions.
func (g *Group) Errors() int64 {
	var n int64
	for _, p := range g.Points {
		n += p.ErrorCount()
	}
	return n
}
