package results

import (
	"cmp"
	"slices"
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
}

// Key returns the configuration p measured.
func (p *Point) Key() Key {
	return Key{p.Workload, p.Model, p.Variant, p.Connections, p.Pipeline, p.Rate, p.IdleConnections}
}

// Series names a line in a chart or a row group in a table: a model and its variant.
func (k Key) Series() string {
	if k.Variant == "" || k.Variant == "default" {
		return k.Model
	}
	return k.Model + " " + k.Variant
}

// Level is the load level on the x axis: the offered rate for open-loop
// points, otherwise the connection count.
func (k Key) Level() float64 {
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

// Stat is the median of a figure over repetitions and its spread.
type Stat struct {
	Median, Min, Max float64
	N                int
}

// Spread is (max-min)/median: the relative range of the repetitions.
func (s Stat) Spread() float64 {
	if s.Median == 0 {
		return 0
	}
	return (s.Max - s.Min) / s.Median
}

// Measure summarises f over the group's measured (not failed) points.
func (g *Group) Measure(f func(*Point) float64) Stat {
	var v []float64
	for _, p := range g.Points {
		if !p.Failed {
			v = append(v, f(p))
		}
	}
	return statOf(v)
}

func statOf(v []float64) Stat {
	if len(v) == 0 {
		return Stat{}
	}
	slices.SortFunc(v, cmp.Compare[float64])
	m := v[len(v)/2]
	if len(v)%2 == 0 {
		m = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return Stat{Median: m, Min: v[0], Max: v[len(v)-1], N: len(v)}
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
