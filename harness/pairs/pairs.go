// Package pairs compares two series of one run point by point: model A
// against model B (or a variant against the default) at every workload and
// level, each repetition of A divided by the repetition of B measured in
// the same randomized block, moments apart on the same host. The ratio of
// such pairs cancels most of a noisy host's drift, which moves both sides of
// a pair alike; its median and 95% confidence interval come from
// golang.org/x/perf's benchmath, as benchstat computes them.
package pairs

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"

	"loopbench/harness/results"
)

// Confidence is the confidence level of every interval.
const Confidence = 0.95

// Metric is a figure of a point, such as its CPU per request.
type Metric struct {
	Name, Unit string
	Value      func(*results.Point) float64
}

// Metrics are the figures a comparison can be made on, by name.
var Metrics = []Metric{
	{Name: "cpu", Unit: "µs/req", Value: func(p *results.Point) float64 { return p.CPUPerRequest }},
	{Name: "throughput", Unit: "req/s", Value: func(p *results.Point) float64 { return p.Throughput }},
	{Name: "p99", Unit: "ms", Value: func(p *results.Point) float64 { return p.Latency.P99 / 1000 }},
}

// LookupMetric finds a metric by name; the error lists the names.
func LookupMetric(name string) (Metric, error) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, nil
		}
	}
	var names []string
	for _, m := range Metrics {
		names = append(names, m.Name)
	}
	return Metric{}, fmt.Errorf("unknown metric %q; choose one of %v", name, names)
}

// Row is one workload and level: both sides' medians, and the paired ratio
// A/B with its interval.
type Row struct {
	Workload string
	Level    string
	A, B     benchmath.Summary
	Ratio    benchmath.Summary
	// Pairs is how many repetitions had a valid point on both sides;
	// Skipped counts those that did not (failed, client-bound on either side).
	Pairs, Skipped int
}

// Series names one side: a model and its variant ("" for the default).
type Series struct{ Model, Variant string }

func (s Series) String() string {
	if s.Variant == "" || s.Variant == "default" {
		return s.Model
	}
	return s.Model + " " + s.Variant
}

func (s Series) has(p *results.Point) bool {
	v := cmp.Or(s.Variant, "default")
	return p.Model == s.Model && cmp.Or(p.Variant, "default") == v
}

// side is a level's points of one series, by repetition.
type side map[int]*results.Point

// level identifies a workload and load level.
type level struct {
	workload string
	key      results.Key // with Model and Variant cleared
}

// Compare pairs a and b at every workload and level both have, repetition
// with repetition. A failed point is left out with its pair, and so is a
// client-bound one when the metric is throughput (its throughput is the
// client's limit, not the server's).
func Compare(run *results.Run, a, b Series, m Metric) []Row {
	sides := map[level][2]side{}
	var order []level
	for i := range run.Points {
		p := &run.Points[i]
		k := p.Key()
		k.Model, k.Variant = "", ""
		lv := level{p.Workload, k}
		s, ok := sides[lv]
		if !ok {
			s = [2]side{{}, {}}
			order = append(order, lv)
		}
		switch {
		case a.has(p):
			s[0][p.Rep] = p
		case b.has(p):
			s[1][p.Rep] = p
		}
		sides[lv] = s
	}
	var rows []Row
	for _, lv := range order {
		if r, ok := compareLevel(lv, sides[lv], m); ok {
			rows = append(rows, r)
		}
	}
	return rows
}

func compareLevel(lv level, s [2]side, m Metric) (Row, bool) {
	if len(s[0]) == 0 || len(s[1]) == 0 {
		return Row{}, false
	}
	row := Row{Workload: lv.workload, Level: levelString(lv.key)}
	var av, bv, ratios []float64
	reps := make([]int, 0, len(s[0]))
	for rep := range s[0] {
		reps = append(reps, rep)
	}
	slices.Sort(reps)
	for _, rep := range reps {
		pa, pb := s[0][rep], s[1][rep]
		if pb == nil || !usable(pa, m) || !usable(pb, m) {
			row.Skipped++
			continue
		}
		x, y := m.Value(pa), m.Value(pb)
		if y == 0 || math.IsNaN(x/y) {
			row.Skipped++
			continue
		}
		av, bv, ratios = append(av, x), append(bv, y), append(ratios, x/y)
	}
	row.Pairs = len(ratios)
	row.A, row.B, row.Ratio = summarize(av), summarize(bv), summarize(ratios)
	return row, true
}

// usable reports whether p measures what m asks of it.
func usable(p *results.Point, m Metric) bool {
	if p == nil || p.Failed || p.Requests == 0 {
		return false
	}
	return !(p.ClientBound && m.Name == "throughput")
}

func summarize(v []float64) benchmath.Summary {
	if len(v) == 0 {
		return benchmath.Summary{Center: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	}
	return benchmath.AssumeNothing.Summary(benchmath.NewSample(v, &benchmath.DefaultThresholds), Confidence)
}

func levelString(k results.Key) string {
	switch {
	case k.IdleConnections > 0:
		return fmt.Sprintf("idle=%d", k.IdleConnections)
	case k.Rate > 0:
		return fmt.Sprintf("%g/s", k.Rate)
	case k.Pipeline > 1:
		return fmt.Sprintf("c=%d p=%d", k.Connections, k.Pipeline)
	}
	return fmt.Sprintf("c=%d", k.Connections)
}

// Write prints rows as a table: each side's median with its interval, and
// the paired ratio with its interval (an interval needs 6 or more pairs at
// 95%; with fewer, benchmath gives none and the table says so).
func Write(w io.Writer, rows []Row, a, b Series, m Metric) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "workload\tlevel\t%s %s\t%s %s\t%s/%s (95%% CI)\tpairs\t\n", a, m.Unit, b, m.Unit, a, b)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d%s\t\n", r.Workload, r.Level,
			figure(r.A), figure(r.B), ratio(r.Ratio), r.Pairs, skipped(r.Skipped))
	}
	return tw.Flush()
}

func figure(s benchmath.Summary) string {
	switch {
	case math.IsNaN(s.Center):
		return "-"
	case math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) || math.IsNaN(s.Lo):
		return fmt.Sprintf("%.3g", s.Center)
	}
	return fmt.Sprintf("%.3g %s", s.Center, s.PctRangeString())
}

func ratio(s benchmath.Summary) string {
	switch {
	case math.IsNaN(s.Center):
		return "-"
	case math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) || math.IsNaN(s.Lo):
		return fmt.Sprintf("%.3f (no interval: too few pairs)", s.Center)
	}
	return fmt.Sprintf("%.3f [%.3f, %.3f]", s.Center, s.Lo, s.Hi)
}

func skipped(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (+%d left out)", n)
}
