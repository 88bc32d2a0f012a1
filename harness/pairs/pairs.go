// Package pairs compares two series of one run point by point: model A
// against model B (or a variant against the default) at every workload and
// level, each repetition of A divided by the repetition of B measured in
// the same randomized block, moments apart on the same host. The ratio of
// such pairs cancels most of a noisy host's drift, which moves both sides of
// a pair alike; its median and 95% confidence interval come from
// golang.org/x/perf's benchmath, as benchstat computes them
// (results.StatOf). Pair is the one implementation of the paired ratio:
// `loopbench pairs` prints it and the report's verdicts are graded on it.
package pairs

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// Metric is a figure of a point, such as its CPU per request.
type Metric = results.Metric

// LookupMetric finds a metric by name; the error lists the names.
func LookupMetric(name string) (Metric, error) { return results.LookupMetric(name) }

// Paired is two configurations compared repetition by repetition.
type Paired struct {
	// A and B are each side's figure over the paired repetitions, Ratio
	// the pairs' A_i/B_i: medians with their 95% confidence intervals (the
	// range below 6 values, Stat.HasCI). Ratio.N is the number of pairs.
	A, B, Ratio results.Stat
	// Ratios are the pairs' A_i/B_i themselves, in repetition order, for
	// tests that need every pair (harness/compare's signed-rank test).
	Ratios []float64
	// LeftOut names each repetition left out and why, in repetition
	// order: "threaded rep 7: partial (…)".
	LeftOut []string
}

// Pair divides m of each repetition of a by m of b's repetition with the
// same Rep. A repetition is left out, with its pair, when either side is
// missing, failed or partial (results.Point.Usable), answered nothing, is
// client-bound while m is ClientLimited, or when the ratio is undefined.
func Pair(a, b []*results.Point, m Metric) Paired {
	ra, rb := byRep(a), byRep(b)
	var pr Paired
	var av, bv, ratios []float64
	for _, rep := range reps(ra, rb) {
		pa, pb := ra[rep], rb[rep]
		why := cmp.Or(unusable(pa, pb, m), unusable(pb, pa, m))
		var x, y float64
		if why == "" {
			x, y = m.Value(pa), m.Value(pb)
			if r := x / y; y == 0 || math.IsNaN(r) || math.IsInf(r, 0) {
				why = fmt.Sprintf("%s rep %d: ratio undefined (%g / %g)", series(pa), rep+1, x, y)
			}
		}
		if why != "" {
			pr.LeftOut = append(pr.LeftOut, why)
			continue
		}
		av, bv, ratios = append(av, x), append(bv, y), append(ratios, x/y)
	}
	pr.A, pr.B, pr.Ratio, pr.Ratios = results.StatOf(av), results.StatOf(bv), results.StatOf(ratios), ratios
	return pr
}

// byRep indexes points by repetition.
func byRep(ps []*results.Point) map[int]*results.Point {
	m := make(map[int]*results.Point, len(ps))
	for _, p := range ps {
		m[p.Rep] = p
	}
	return m
}

// reps lists the repetitions either side has, ascending.
func reps(a, b map[int]*results.Point) []int {
	var out []int
	for _, m := range []map[int]*results.Point{a, b} {
		for rep := range m {
			out = append(out, rep)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// unusable says why p cannot be paired with other ("" when it can).
func unusable(p, other *results.Point, m Metric) string {
	if p == nil {
		return fmt.Sprintf("%s rep %d: no pair", series(other), other.Rep+1)
	}
	why := ""
	switch {
	case p.Failed:
		why = "failed"
	case !p.Usable():
		why = "partial (" + strings.Join(p.Validity.Reasons, "; ") + ")"
	case p.Requests == 0:
		why = "no answer"
	case p.ClientBound && m.ClientLimited:
		why = "client-bound"
	default:
		return ""
	}
	return fmt.Sprintf("%s rep %d: %s", series(p), p.Rep+1, why)
}

func series(p *results.Point) string { return p.Key().Series() }

// Row is one workload and level of a comparison.
type Row struct {
	Workload string
	Level    string
	Paired
}

// Series names one side: a model and its variant ("" for the default).
type Series struct{ Model, Variant string }

func (s Series) String() string { return results.Key{Model: s.Model, Variant: s.Variant}.Series() }

func (s Series) has(p *results.Point) bool {
	v := cmp.Or(s.Variant, "default")
	return p.Model == s.Model && cmp.Or(p.Variant, "default") == v
}

// level identifies a workload and load level.
type level struct {
	workload string
	key      results.Key // with Model and Variant cleared
}

// Compare pairs a and b at every workload and level both have, repetition
// with repetition (Pair).
func Compare(run *results.Run, a, b Series, m Metric) []Row {
	sides := map[level][2][]*results.Point{}
	var order []level
	for i := range run.Points {
		p := &run.Points[i]
		k := p.Key()
		k.Model, k.Variant = "", ""
		lv := level{p.Workload, k}
		s, ok := sides[lv]
		if !ok {
			order = append(order, lv)
		}
		switch {
		case a.has(p):
			s[0] = append(s[0], p)
		case b.has(p):
			s[1] = append(s[1], p)
		}
		sides[lv] = s
	}
	var rows []Row
	for _, lv := range order {
		if s := sides[lv]; len(s[0]) > 0 && len(s[1]) > 0 {
			rows = append(rows, Row{Workload: lv.workload, Level: workload.LevelOf(lv.key).String(), Paired: Pair(s[0], s[1], m)})
		}
	}
	return rows
}

// Write prints rows as a table: each side's median with its interval, and
// the paired ratio with its interval (an interval needs 6 or more pairs at
// 95%; with fewer there is none and the table says so).
func Write(w io.Writer, rows []Row, a, b Series, m Metric) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "workload\tlevel\t%s %s\t%s %s\t%s/%s (95%% CI)\tpairs\t\n", a, m.Unit, b, m.Unit, a, b)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d%s\t\n", r.Workload, r.Level,
			figure(r.A), figure(r.B), ratio(r.Ratio), r.Ratio.N, skipped(len(r.LeftOut)))
	}
	return tw.Flush()
}

// figure writes a side's median with its interval as a percentage, as
// benchstat writes it ("6.6 ±4%"); the bare median without an interval.
func figure(s results.Stat) string {
	return stat(s, "%.3g", func(s results.Stat) string { return fmt.Sprintf("%.3g %s", s.Median, pctRange(s)) })
}

// pctRange is the interval as a percentage of the median: "±4%".
func pctRange(s results.Stat) string {
	if s.Median == 0 {
		return "0%"
	}
	return fmt.Sprintf("±%.0f%%", 100*math.Max(s.Hi/s.Median-1, 1-s.Lo/s.Median))
}

// ratio writes the paired ratio with its interval, "1.212 [1.183, 1.251]".
func ratio(s results.Stat) string {
	return stat(s, "%.3f (no interval: too few pairs)", func(s results.Stat) string {
		return fmt.Sprintf("%.3f [%.3f, %.3f]", s.Median, s.Lo, s.Hi)
	})
}

// stat writes s with withCI when it has a 95% interval, else its median
// in the format bare, and "-" without a value.
func stat(s results.Stat, bare string, withCI func(results.Stat) string) string {
	switch {
	case s.N == 0:
		return "-"
	case !s.HasCI():
		return fmt.Sprintf(bare, s.Median)
	}
	return withCI(s)
}

func skipped(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (+%d left out)", n)
}
