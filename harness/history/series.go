package history

import (
	"cmp"
	"slices"

	"loopbench/harness/changepoint"
	"loopbench/harness/results"
)

// Key names one series: a point (workload, model and variant, level) and
// a metric.
type Key struct {
	Workload, Model, Variant, Level, Metric, Unit string
	HigherBetter                                  bool
}

// Name is the series as one line reads it: "plaintext eventloop c=64 cpu".
func (k Key) Name() string {
	s := results.Key{Model: k.Model, Variant: k.Variant}.Series()
	return k.Workload + " " + s + " " + k.Level + " " + k.Metric
}

// Point is one record's figures in a series.
type Point struct {
	// Record is the record's index in the history; Commit and Machine
	// (its fingerprint) are the record's.
	Record  int
	Commit  string
	Machine string
	Head    Stat
	Ratio   *Stat
	P       *float64
}

// Series is one point and metric over the records that measured it, in
// the history's order.
type Series struct {
	Key    Key
	Points []Point
}

// Collect gathers the records into series, in the order each first
// appears; rows without a figure (N 0) are left out.
func Collect(recs []Record) []Series {
	index := map[Key]int{}
	var out []Series
	for i, rec := range recs {
		for _, row := range rec.Rows {
			if row.Head.N == 0 {
				continue
			}
			k := Key{row.Workload, row.Model, row.Variant, row.Level, row.Metric, row.Unit, row.HigherBetter}
			j, ok := index[k]
			if !ok {
				j = len(out)
				index[k] = j
				out = append(out, Series{Key: k})
			}
			out[j].Points = append(out[j].Points, Point{Record: i, Commit: rec.Commit, Machine: rec.Machine.Fingerprint, Head: row.Head, Ratio: row.Ratio, P: row.P})
		}
	}
	return out
}

// Finding is one change point of a series on one machine.
type Finding struct {
	Key     Key
	Machine string
	// Last and First are the series' points on either side of the change:
	// the change came with a commit after Last's, up to First's.
	Last, First Point
	// Before and After are the medians of the segments on either side.
	Before, After float64
	// P is the permutation test's p-value.
	P float64
	// Paired are the points in the commit range (any machine) whose run
	// was an A/B run against the parent: the direct evidence of which
	// commit changed the figure.
	Paired []Point
}

// Change is the relative change After/Before - 1.
func (f Finding) Change() float64 { return f.After/f.Before - 1 }

// Changes runs change point detection (changepoint.Detect, E-divisive
// means) on each series' medians, separately for each machine, since a
// change of machine changes every figure.
func Changes(series []Series, o changepoint.Options) []Finding {
	var out []Finding
	for _, s := range series {
		for _, pts := range byMachine(s.Points) {
			x := make([]float64, len(pts))
			for i, p := range pts {
				x[i] = p.Head.Median
			}
			changes := changepoint.Detect(x, o)
			for i, c := range changes {
				from, to := 0, len(x)
				if i > 0 {
					from = changes[i-1].Index
				}
				if i+1 < len(changes) {
					to = changes[i+1].Index
				}
				f := Finding{Key: s.Key, Machine: pts[c.Index].Machine, Last: pts[c.Index-1], First: pts[c.Index],
					Before: median(x[from:c.Index]), After: median(x[c.Index:to]), P: c.P}
				f.Paired = pairedBetween(s.Points, f.Last.Record, f.First.Record)
				out = append(out, f)
			}
		}
	}
	return out
}

// byMachine splits points by machine, each machine's in order, machines in
// the order they first appear.
func byMachine(pts []Point) [][]Point {
	index := map[string]int{}
	var out [][]Point
	for _, p := range pts {
		j, ok := index[p.Machine]
		if !ok {
			j = len(out)
			index[p.Machine] = j
			out = append(out, nil)
		}
		out[j] = append(out[j], p)
	}
	return out
}

// pairedBetween are the points of records after last up to first that
// carry a paired ratio.
func pairedBetween(pts []Point, last, first int) []Point {
	var out []Point
	for _, p := range pts {
		if p.Record > last && p.Record <= first && p.Ratio != nil && p.Ratio.N > 0 {
			out = append(out, p)
		}
	}
	return out
}

// Commits are the commits of the records after last up to first: the
// range a change came in.
func Commits(recs []Record, last, first int) []string {
	var out []string
	for i := last + 1; i <= first && i < len(recs); i++ {
		out = append(out, recs[i].Commit)
	}
	return out
}

func median(v []float64) float64 {
	s := slices.SortedFunc(slices.Values(v), cmp.Compare[float64])
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
